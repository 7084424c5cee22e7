"""Encoders that run the exported transformer themselves: tokenise as sentence-transformers does,
pad texts of like length together, run the model (`_run`, one per backend), mean-pool and
L2-normalise in numpy. onnx.py and openvino.py implement `_run`."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .base import CorpusCachingEncoder
from .model import ModelSpec


def batches(lengths: list[int], batch_size: int) -> list[np.ndarray]:
    """Indices in length-sorted batches of at most `batch_size`, none padded beyond 2x a row.

    Sorting is what sentence-transformers does; the 2x cut keeps one 256-token text from
    padding 63 short ones to 256 (4x slower on one thread, same vectors).
    """
    order = np.argsort([-n for n in lengths], kind="stable")
    batches, start = [], 0
    while start < len(order):
        width, end = lengths[order[start]], start + 1
        while end < len(order) and end - start < batch_size and 2 * lengths[order[end]] >= width:
            end += 1
        batches.append(order[start:end])
        start = end
    return batches


def pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over real tokens, then L2 normalisation (as sentence-transformers' Pooling + Normalize)."""
    weights = mask.astype(np.float32)[:, :, None]
    summed = (hidden * weights).sum(axis=1)
    counts = np.maximum(weights.sum(axis=1), 1e-9)
    mean = summed / counts
    norms = np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
    return (mean / norms).astype(np.float32, copy=False)


class TokenisedEncoder(CorpusCachingEncoder):
    """Tokenising, batching and pooling, shared by the runtimes that run the exported model."""

    def __init__(self, tokenizer, weights_hash: str, path: Path, spec: ModelSpec):
        self._tokenizer = tokenizer
        self.weights_sha256 = weights_hash
        self.spec = spec
        self.name = spec.name
        self.dimension = spec.dimension
        self.path = path

    def feeds(self, ids: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        """The exported model's inputs for one padded batch (segment ids only for models that have them)."""
        if self.spec.uses_token_type_ids:
            return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return {"input_ids": ids, "attention_mask": mask}

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Pooled, normalised vectors for one padded batch."""
        raise NotImplementedError

    def _encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if len(texts) == 1:
            tokens = self._tokenizer.encode(texts[0]).ids
            ids = np.zeros((1, self._width(len(tokens))), dtype=np.int64)
            mask = np.zeros_like(ids)
            ids[0, :len(tokens)], mask[0, :len(tokens)] = tokens, 1
            return self._run(ids, mask)
        encodings = self._tokenizer.encode_batch(texts)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        bar = None
        if progress:
            import sys

            from tqdm import tqdm

            bar = tqdm(total=len(texts), unit="text", desc="embedding", file=sys.stderr)
        for chosen, ids, mask in self._padded_batches(encodings, batch_size):
            out[chosen] = self._run(ids, mask)
            if bar is not None:
                bar.update(len(chosen))
        if bar is not None:
            bar.close()
        return out

    def _padded_batches(self, encodings, batch_size: int):
        """(row indices, token ids, attention mask) per model call, texts of like width together."""
        for chosen in batches([self._width(len(e.ids)) for e in encodings], max(1, batch_size)):
            rows = [encodings[i].ids for i in chosen]
            width = self._width(max(len(r) for r in rows))
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for n, row in enumerate(rows):
                ids[n, :len(row)] = row
                mask[n, :len(row)] = 1
            yield chosen, ids, mask

    def _width(self, tokens: int) -> int:
        """The width a text of `tokens` tokens runs at (batches group texts of like width)."""
        return tokens
