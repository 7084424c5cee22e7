"""Which encoder answers and which builds: the one place a backend is chosen. Answers: onnxruntime.
Builds: `ASSISTANT_ENCODER_BACKEND` (auto: onnxruntime in fp32)."""
from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Callable, Protocol

from assistant.errors import AssistantError, ModelError, SettingError
from assistant.settings import ENCODER_BACKENDS, environment

if TYPE_CHECKING:
    import numpy as np

    from .model import ModelSpec

log = logging.getLogger("assistant")


class Encoder(Protocol):
    name: str
    dimension: int
    weights_sha256: str
    cache_tag: str
    build_batch: int

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> "np.ndarray": ...

    def encode_corpus(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> "np.ndarray": ...


def backend_setting() -> str:
    """`ASSISTANT_ENCODER_BACKEND`, what builds: auto (default), openvino or onnxruntime."""
    try:
        value = environment().encoder_backend
    except SettingError as exc:
        raise ModelError(str(exc)) from None
    if value not in ENCODER_BACKENDS:
        raise ModelError(f"ASSISTANT_ENCODER_BACKEND={value!r}: expected one of {', '.join(ENCODER_BACKENDS)}")
    return value


def backend() -> str:
    """What builds: "openvino" or "onnxruntime". Auto: onnxruntime in fp32, the engine that answers:
    OpenVINO in fp32 measured no faster, and its bfloat16 (faster) changed a decision (openvino.py)."""
    setting = backend_setting()
    return "onnxruntime" if setting == "auto" else setting


def encoder_threads() -> int:
    """The serving model's threads (`ASSISTANT_ENCODER_THREADS`; default: the cores, at most 2): a command line
    runs one copy of the model on that many threads, a server that many copies on one thread each (pool.py)."""
    try:
        return environment().encoder_threads
    except SettingError as exc:
        raise ModelError(str(exc)) from None


_serving: dict[str, Encoder] = {}
_lock = threading.Lock()


def reference_encoder(model: "str | ModelSpec | None" = None) -> Encoder:
    """sentence-transformers itself, one per process and model (seconds to load)."""
    from .reference import shared_embedder

    return shared_embedder(model)


def serving_encoder(model: "str | ModelSpec | None" = None) -> Encoder:
    """The encoder for answering, one per process: the ONNX export run by onnxruntime (no torch import,
    ~0.3 s to load) when the export exists and matches the weights; failing that, the reference
    encoder. `python -m assistant build` creates the export. OpenVINO builds only: with one owner
    thread running the model (owner.py), onnxruntime answered faster and served more questions a
    second in the same run (benchmarks/backends.py; docs/performance.md)."""
    from .model import model_spec

    spec = model_spec(model)
    with _lock:
        if spec.key not in _serving:
            from .onnx import OnnxEmbedder

            try:
                _serving[spec.key] = OnnxEmbedder.load(threads=encoder_threads(), model=spec)
            except ModelError as exc:
                log.warning("fast encoder unavailable (%s); using the reference encoder", exc)
        if spec.key in _serving:
            return _serving[spec.key]
    return reference_encoder(spec)


def build_encoder(log: Callable[[str], None], model: "str | ModelSpec | None" = None) -> Encoder:
    """The encoder for building, on all cores: the ONNX export (exported first if missing), run by
    the backend `backend()` names; falls back to the reference encoder unless a backend was named."""
    from .export import ensure_onnx, stale_reason
    from .model import model_spec
    from .onnx import OnnxEmbedder

    spec = model_spec(model)
    explicit = backend_setting() != "auto"  # a bad value is the caller's error, not a reason to fall back
    try:
        if stale_reason(model=spec) is not None:
            log(f"exporting the fast encoder (ONNX) of {spec.key}, once per model ...")
            ensure_onnx(model=spec)
        if backend() == "openvino":
            from .openvino import OpenVinoEmbedder

            return OpenVinoEmbedder.load(streams=min(2, os.cpu_count() or 1), model=spec)
        return OnnxEmbedder.load(threads=os.cpu_count() or 1, keep_spinning=True, model=spec)
    except (AssistantError, OSError, RuntimeError) as exc:
        if explicit:
            raise
        log(f"warning: ONNX encoder unavailable ({exc}); using the slower torch encoder")
        return reference_encoder(spec)
