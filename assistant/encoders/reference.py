"""The reference encoder: sentence-transformers on torch. Slow to import (seconds) and to run, so
it serves only where the exported model cannot (and the tests use it as the yardstick)."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from assistant.errors import ModelError

from ..settings import offline
from .base import CorpusCachingEncoder
from .model import ModelSpec, model_dir, model_spec, verify_weights


class Embedder(CorpusCachingEncoder):
    """The reference encoder (sentence-transformers + torch): builds the index.
    L2-normalised float32 vectors, so cosine = inner product."""

    backend = "sentence-transformers"
    cache_tag = "sentence-transformers"

    def __init__(self, model, weights_hash: str, spec: ModelSpec):
        self._model = model
        self.weights_sha256 = weights_hash
        self.spec, self.name, self.dimension = spec, spec.name, spec.dimension
        # torch modules are not safe to call from several threads at once.
        self._lock = threading.Lock()

    @classmethod
    def load(cls, directory: Path | None = None, model: "str | ModelSpec | None" = None) -> "Embedder":
        spec = model_spec(model)
        directory = directory or model_dir(spec)
        weights_hash = verify_weights(directory, spec)
        offline()
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start

        try:
            model = SentenceTransformer(str(directory), device="cpu")
        except Exception as exc:  # any loader failure is a model problem for the caller
            raise ModelError(f"{directory}: could not load the embedding model: {exc}") from exc
        return cls(model, weights_hash, spec)

    def _encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(model: "str | ModelSpec | None" = None) -> Embedder:
    """The reference encoder of a model, one per process: loading costs seconds and ~100 MB."""
    spec = model_spec(model)
    with _shared_lock:
        if spec.key not in _shared:
            _shared[spec.key] = Embedder.load(model=spec)
        return _shared[spec.key]
