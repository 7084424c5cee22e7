"""The exported model: the chosen model (model.py) as ONNX, exported once per model and verified on every load.

Same vectors as the reference `Embedder` (cosine >= 0.999, checked in tests), without
torch or sentence-transformers on the serving path: `import sentence_transformers` alone
takes seconds, and torch's thread pool oversubscribes the two cores under concurrent
requests. Building (the export) still needs torch; serving needs only onnxruntime,
tokenizers and numpy.

The cache directory holds two files:

- ``<model>.onnx`` (``all-MiniLM-L6-v2.onnx``): the transformer (inputs ``input_ids``,
  ``attention_mask`` and, for models that have segments, ``token_type_ids``, as int64, dynamic batch
  and sequence; output ``last_hidden_state``).
  Mean pooling and L2 normalisation happen in numpy, as sentence-transformers does them.
- ``<model>.onnx.json``: a sidecar recording the source weights' sha256, the
  torch/onnx versions that exported it, and the ONNX file's own sha256. It also caches
  both hash checks keyed by file size and mtime, so a cold start only stats the 90 MB
  files instead of hashing them; a changed size or mtime means hashing again.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelError

from ..settings import offline
from .model import ModelSpec, model_spec, verify_weights
from .model import cache_dir as default_cache_dir
from .model import model_dir as default_model_dir
from .tokenised import pool

SIDECAR_SUFFIX = ".json"
SIDECAR_FORMAT = 2  # 2: transformer ops fused offline (see _fuse)
OPSET = 17
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"
# sentence-transformers truncates at max_seq_length (256 in sentence_bert_config.json), not at
# the 128 that tokenizer.json itself carries; read from the config, this is only the fallback.
DEFAULT_MAX_SEQ_LENGTH = 256
EXPORT_HINT = "run `python -m assistant export-onnx` (or the index build) to export it"


def onnx_path(cache_dir: Path, model: "str | ModelSpec | None" = None) -> Path:
    return Path(cache_dir) / f"{model_spec(model).key}.onnx"


def input_names(spec: ModelSpec) -> tuple[str, ...]:
    return INPUT_NAMES if spec.uses_token_type_ids else INPUT_NAMES[:2]


def sidecar_path(onnx_file: Path) -> Path:
    return onnx_file.with_name(onnx_file.name + SIDECAR_SUFFIX)


def max_seq_length(model_dir: Path) -> int:
    """The truncation length sentence-transformers uses for this model."""
    config = Path(model_dir) / "sentence_bert_config.json"
    try:
        value = json.loads(config.read_text(encoding="utf-8")).get("max_seq_length")
    except FileNotFoundError:
        return DEFAULT_MAX_SEQ_LENGTH
    except (OSError, ValueError) as exc:
        raise ModelError(f"{config}: unreadable sentence-transformers config: {exc}") from exc
    return int(value) if value else DEFAULT_MAX_SEQ_LENGTH


# --- hashing, with a stat-keyed cache kept in the sidecar ---------------------------------


def _file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _stat_key(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _read_sidecar(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # present but unreadable: treated as stale
    return data if isinstance(data, dict) else {}


def _temporary_beside(path: Path) -> Path:
    """An empty temp file next to `path` (same filesystem, for os.replace), readable by all
    like a normally created file rather than mkstemp's 0600."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, 0o644)
    os.close(fd)
    return Path(name)


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = _temporary_beside(path)
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _verified_weights(model_dir: Path, sidecar: dict[str, Any], spec: ModelSpec) -> tuple[str, bool]:
    """The weights' sha256, and whether it had to be recomputed (the sidecar cache missed)."""
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ModelError(f"{weights}: model weights not found; reinstall with `make install`")
    cached = sidecar.get("weights_check") or {}
    key = _stat_key(weights)
    if cached.get("sha256") == spec.weights_sha256 and all(cached.get(k) == v for k, v in key.items()):
        return spec.weights_sha256, False
    return verify_weights(model_dir, spec), True


def _onnx_matches(onnx_file: Path, sidecar: dict[str, Any]) -> tuple[bool, bool]:
    """Whether the ONNX file is the one the sidecar describes, and whether it was re-hashed."""
    expected = sidecar.get("onnx_sha256")
    cached = sidecar.get("onnx_check") or {}
    key = _stat_key(onnx_file)
    if expected and cached.get("sha256") == expected and all(cached.get(k) == v for k, v in key.items()):
        return True, False
    return _file_sha256(onnx_file) == expected, True


def stale_reason(cache_dir: Path | None = None, model_dir: Path | None = None,
                 model: "str | ModelSpec | None" = None) -> str | None:
    """Why the exported model in `cache_dir` cannot be used (None when it can).

    Verifies the reference weights on the way (ModelError if they are not the expected model).
    """
    spec = model_spec(model)
    reason, _ = _check(Path(cache_dir) if cache_dir else default_cache_dir(),
                       Path(model_dir) if model_dir else default_model_dir(spec), spec)
    return reason


def _check(cache_dir: Path, model_dir: Path, spec: ModelSpec) -> tuple[str | None, dict[str, Any]]:
    onnx_file = onnx_path(cache_dir, spec)
    sidecar_file = sidecar_path(onnx_file)
    sidecar = _read_sidecar(sidecar_file)
    weights_hash, weights_rehashed = _verified_weights(model_dir, sidecar or {}, spec)
    if not onnx_file.is_file():
        return f"{onnx_file}: the exported ONNX model is missing", {}
    if sidecar is None:
        return f"{sidecar_file}: the export record is missing", {}
    if sidecar.get("format") != SIDECAR_FORMAT:
        return f"{sidecar_file}: export record format {sidecar.get('format')!r}, expected {SIDECAR_FORMAT}", {}
    if sidecar.get("source_weights_sha256") != weights_hash:
        return (f"{onnx_file}: exported from weights {sidecar.get('source_weights_sha256')!r}, "
                f"but the model's weights are {weights_hash}"), {}
    if sidecar.get("max_seq_length") != max_seq_length(model_dir):
        return (f"{onnx_file}: exported for max_seq_length {sidecar.get('max_seq_length')!r}, "
                f"the model's config says {max_seq_length(model_dir)}"), {}
    matches, onnx_rehashed = _onnx_matches(onnx_file, sidecar)
    if not matches:
        return f"{onnx_file}: sha256 does not match its export record {sidecar_file.name}", {}
    if weights_rehashed or onnx_rehashed:
        # Both files verified by hashing: remember their stats so the next start skips it.
        sidecar["weights_check"] = {**_stat_key(model_dir / "model.safetensors"), "sha256": weights_hash}
        sidecar["onnx_check"] = {**_stat_key(onnx_file), "sha256": sidecar["onnx_sha256"]}
        try:
            _write_json_atomic(sidecar_file, sidecar)
        except OSError:
            pass  # a read-only cache still serves; it just hashes on every start
    return None, sidecar


# --- export (build time: needs torch) ------------------------------------------------------


def export_onnx(model_dir: Path, target: Path, model: "str | ModelSpec | None" = None) -> Path:
    """Export the transformer of the model in `model_dir` to ONNX at `target` (with sidecar).

    Needs torch, transformers and onnx (build time only). Deterministic and offline: the
    same weights and versions give the same bytes. The file is checked against torch on a
    few sentences before it replaces `target` atomically; the sidecar is written last.
    """
    import warnings

    model_dir, target, spec = Path(model_dir), Path(target), model_spec(model)
    weights_hash = verify_weights(model_dir, spec)
    offline()
    try:
        import onnx
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as transformers_logging
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelError(f"exporting to ONNX needs torch, transformers and onnx: {exc}; run `make install`") from exc

    transformers_logging.disable_progress_bar()
    # Eager attention traces to plain MatMul/Softmax, which onnxruntime runs as fast as SDPA's
    # export with steadier tail latency.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")

    class _Transformer(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            segments = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, **segments).last_hidden_state

    # eval() on the wrapper: export restores the wrapper's mode, and a fresh Module is in
    # training mode, which would leave dropout switched on for the torch check below.
    wrapper = _Transformer(model).eval()
    sample = torch.tensor([[101, 7592, 2088, 102, 0, 0], [101, 2129, 2024, 2017, 1029, 102]], dtype=torch.int64)
    mask = (sample != 0).to(torch.int64)
    names = input_names(spec)
    dynamic = {name: {0: "batch", 1: "sequence"} for name in (*names, OUTPUT_NAME)}
    inputs = (sample, mask, torch.zeros_like(sample))[:len(names)]

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_beside(target)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # The legacy (TorchScript) exporter needs only `onnx`; the dynamo one also needs
            # onnxscript. Its tracer warnings concern shape checks that are constant here.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                wrapper,
                inputs,
                str(tmp),
                dynamo=False,
                opset_version=OPSET,
                input_names=list(names),
                output_names=[OUTPUT_NAME],
                dynamic_axes=dynamic,
                do_constant_folding=True,
            )
        fused = _fuse(tmp, model_dir)
        _check_export(tmp, wrapper, torch, names)
        onnx_hash = _file_sha256(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    weights = model_dir / "model.safetensors"
    _write_json_atomic(sidecar_path(target), {
        "format": SIDECAR_FORMAT,
        "model": spec.name,
        "source_weights_sha256": weights_hash,
        "onnx_sha256": onnx_hash,
        "opset": OPSET,
        "max_seq_length": max_seq_length(model_dir),
        "attn_implementation": "eager",
        "fused": fused,
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "transformers": _version("transformers")},
        "weights_check": {**_stat_key(weights), "sha256": weights_hash},
        "onnx_check": {**_stat_key(target), "sha256": onnx_hash},
    })
    return target


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _fuse(path: Path, model_dir: Path) -> bool:
    """Rewrite the export in place with onnxruntime's BERT fusions (one Attention, SkipLayerNorm and
    BiasGelu op per layer instead of ~80 small ones: 516 nodes -> 46). The maths is the same
    (cosine 0.9999999, checked by `_check_export` after this); one short question on 2 threads
    takes about 10% less time. If the optimizer is unavailable or fails, the plain export stays."""
    import logging
    import warnings

    try:
        from onnxruntime.transformers.optimizer import optimize_model

        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        logging.getLogger("onnxruntime.transformers").setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optimized = optimize_model(str(path), model_type="bert", opt_level=1,
                                       num_heads=config["num_attention_heads"], hidden_size=config["hidden_size"])
            fused = optimized.get_fused_operator_statistics().get("Attention", 0) > 0
            if fused:
                optimized.save_model_to_file(str(path))
        return fused
    except Exception:  # pragma: no cover - depends on the onnxruntime build
        return False


def _check_export(path: Path, wrapper, torch, names: tuple[str, ...] = INPUT_NAMES) -> None:
    """Refuse an export whose outputs differ from torch's (guards against exporter regressions)."""
    rng = np.random.default_rng(0)
    ids = rng.integers(1000, 30000, size=(3, 19), dtype=np.int64)
    ids[:, 0], ids[:, -1] = 101, 102
    mask = np.ones_like(ids)
    mask[1, 11:] = 0
    ids[1, 11:] = 0
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    feeds = {name: feeds[name] for name in names}
    import onnxruntime as ort

    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run([OUTPUT_NAME], feeds)[0]
    with torch.no_grad():
        want = wrapper(*(torch.from_numpy(feeds[name]) for name in names)).numpy()
    cosine = (pool(got, mask) * pool(want, mask)).sum(axis=1)
    if not np.all(cosine >= 0.99999):
        raise ModelError(f"{path}: the ONNX export disagrees with torch (cosine {cosine.min():.6f}); not using it")


def ensure_onnx(cache_dir: Path | None = None, model_dir: Path | None = None,
                model: "str | ModelSpec | None" = None) -> Path:
    """Return the exported model in `cache_dir`, exporting it first if missing or stale."""
    spec = model_spec(model)
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    model_dir = Path(model_dir) if model_dir else default_model_dir(spec)
    reason, _ = _check(cache_dir, model_dir, spec)
    if reason is None:
        return onnx_path(cache_dir, spec)
    return export_onnx(model_dir, onnx_path(cache_dir, spec), spec)


def checked_export(model_dir: Path | None, cache_dir: Path | None,
                   model: "str | ModelSpec | None" = None) -> tuple[Path, dict[str, Any], Any]:
    """The verified export, its record and the model's tokenizer set up as sentence-transformers
    uses it; ModelError if the export is missing or stale (run the export)."""
    spec = model_spec(model)
    model_dir = Path(model_dir) if model_dir else default_model_dir(spec)
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    reason, sidecar = _check(cache_dir, model_dir, spec)
    if reason is not None:
        raise ModelError(f"{reason}; {EXPORT_HINT}")
    offline()
    from tokenizers import Tokenizer

    tokenizer_file = model_dir / "tokenizer.json"
    try:
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
    except Exception as exc:
        raise ModelError(f"{tokenizer_file}: could not load the tokenizer: {exc}") from exc
    # tokenizer.json pads to a fixed 128 and truncates at 128; sentence-transformers pads
    # per batch and truncates at max_seq_length. Padding is done per batch in encode().
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=sidecar["max_seq_length"])
    return onnx_path(cache_dir, spec), sidecar, tokenizer
