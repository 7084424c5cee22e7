"""Encoders for tests where the model itself is irrelevant (a deterministic fake) or where calls must
be counted around the real one. Both follow assistant.encoders.Encoder."""
from __future__ import annotations

import hashlib
import re

import numpy as np

WORD = re.compile(r"\w+")


class FakeEncoder:
    """Hashed bag of words: texts that share words are close, others nearly orthogonal. Deterministic,
    instant, no model files: for unit tests of the plumbing (index, owner, engine wiring)."""

    name = "fake-bag-of-words"
    dimension = 64
    weights_sha256 = "fake" * 16
    cache_tag = "fake"
    backend = "fake"
    build_batch = 16

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in WORD.findall(text.lower()) or [""]:
            digest = hashlib.sha256(word.encode()).digest()
            vector[digest[0] % self.dimension] += 1.0 if digest[1] % 2 else -1.0
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector + 1 / np.sqrt(self.dimension)

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        self.calls.append(list(texts))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self._vector(t) for t in texts])

    encode_corpus = encode


class CountingEncoder:
    """Any encoder, with every `encode` call's texts recorded."""

    def __init__(self, inner):
        self.inner = inner
        self.calls: list[list[str]] = []
        for attribute in ("name", "dimension", "weights_sha256", "cache_tag", "build_batch"):
            setattr(self, attribute, getattr(inner, attribute))

    @property
    def texts(self) -> list[str]:
        return [text for call in self.calls for text in call]

    def encode(self, texts, batch_size=64, progress=False):
        self.calls.append(list(texts))
        return self.inner.encode(texts, batch_size, progress)

    def encode_corpus(self, texts, batch_size=64, progress=False):
        return self.inner.encode_corpus(texts, batch_size, progress)


def flip_a_byte(path, offset: int) -> None:
    """Tamper with a model file in place, as a corrupt download or an edit would: one byte inverted."""
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))
