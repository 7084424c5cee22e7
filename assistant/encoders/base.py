"""What every encoder shares: `encode` for any text, `encode_corpus` for fixed staff text with a
disk cache, and the model's identity (name, dimension, weights' sha256, cache tag). A backend
implements `_encode` only."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from .model import MINILM, ModelSpec, cache_dir

# Fixed corpora of this size range (`encode_corpus`) are cached on disk by content hash.
CORPUS_CACHE_MIN, CORPUS_CACHE_MAX = 64, 20_000
CORPUS_CACHE_FILES = 16  # newest kept; each is at most 20,000 x 384 floats


def _prune_corpus_cache(directory: Path, keep: int = CORPUS_CACHE_FILES) -> None:
    files = sorted(directory.glob("corpus-*.npy"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


class ForwardsIdentity:
    """The model's identity read from the encoder a wrapper runs (`self.inner`): the owner thread (owner.py) and
    the pool of copies (pool.py) describe the model exactly as the encoder inside them does."""

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def weights_sha256(self) -> str:
        return self.inner.weights_sha256

    @property
    def cache_tag(self) -> str:
        return self.inner.cache_tag

    @property
    def backend(self) -> str:
        return self.inner.backend

    @property
    def build_batch(self) -> int:
        return self.inner.build_batch


class CorpusCachingEncoder:
    """Shared by both encoders: fixed corpora (crisis exemplars, the knowledge, evaluation sets)
    are embedded once per content and weights, then read from `.model-cache`, not re-embedded
    on every start. Subclasses implement `_encode`."""

    spec: ModelSpec = MINILM
    name = MINILM.name
    dimension = MINILM.dimension
    weights_sha256 = ""
    backend = ""
    cache_tag = ""  # which backend (and export) made the vectors: caches are never shared across them
    # Texts per model call while building: small batches of like-length texts beat large ones on
    # onnxruntime here (339 texts/s at 8-16, 321 at 64, 287 at 128; seed-like passages, 2 threads).
    build_batch = 16

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Embed texts. Nothing is stored: visitor text goes through here."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of texts, not one string")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts, batch_size, progress)

    def encode_corpus(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Embed a fixed, staff-written corpus (crisis exemplars, evaluation sets) with a disk cache.
        Never call this with visitor text."""
        texts = list(texts)
        if not (CORPUS_CACHE_MIN <= len(texts) <= CORPUS_CACHE_MAX):
            return self.encode(texts, batch_size, progress)
        key = "\x00".join(texts) + self.weights_sha256 + self.cache_tag
        digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
        memo = self.__dict__.setdefault("_memo", {})
        if digest in memo:
            return memo[digest]
        path = cache_dir() / f"corpus-{digest[:32]}.npy"
        try:
            vectors = np.load(path, allow_pickle=False)
            if vectors.shape != (len(texts), self.dimension):
                raise ValueError("shape")
        except (OSError, ValueError):
            vectors = self._encode(texts, batch_size, progress)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                temporary = path.with_suffix(f".{os.getpid()}.tmp.npy")
                np.save(temporary, vectors)
                os.replace(temporary, path)
                _prune_corpus_cache(path.parent)
            except OSError:
                pass  # a read-only checkout still works, just slower to start
        memo[digest] = vectors
        return vectors

    def _encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        raise NotImplementedError
