"""The build encoder: the same ONNX export, compiled by OpenVINO, in bfloat16 where the CPU
computes it natively (Intel AMX or AVX-512 BF16), else in fp32.

Building embeds every passage; serving embeds one short question. On this project's machine
(2 cores, AMX) OpenVINO in bfloat16 embeds the benchmark's passages at ~1,400 texts/s against
~460 for onnxruntime in fp32, with cosine >= 0.99997 to the fp32 vectors (README, "Performance";
parity with the reference model is tested like the serving encoder's). For one short question it
is slower than onnxruntime (2.1 against 1.7 ms), so serving stays on `OnnxEmbedder`.

The precision is part of the encoder's identity (`cache_tag`, recorded in the manifest), so a
rebuild only reuses vectors made the same way.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from .errors import ModelError
from .onnx_encoder import OUTPUT_NAME, OnnxEmbedder, _pool, checked_export

BUILD_ENCODERS = ("auto", "openvino", "onnxruntime")


def build_encoder_setting() -> str:
    """`ASSISTANT_BUILD_ENCODER`: auto (default: OpenVINO, else onnxruntime), openvino or onnxruntime."""
    value = os.environ.get("ASSISTANT_BUILD_ENCODER", "").strip().lower() or "auto"
    if value not in BUILD_ENCODERS:
        raise ModelError(f"ASSISTANT_BUILD_ENCODER={value!r}: expected one of {', '.join(BUILD_ENCODERS)}")
    return value


def native_bf16(core) -> bool:
    return "BF16" in core.get_property("CPU", "OPTIMIZATION_CAPABILITIES")


class OpenVinoEmbedder(OnnxEmbedder):
    """Encodes like `OnnxEmbedder` (same tokenizer, batching and pooling); OpenVINO runs the model.

    Thread-safe: each call gets its own inference request.
    """

    backend = "openvino"

    def __init__(self, compiled, tokenizer, weights_hash: str, path: Path, precision: str):
        super().__init__(compiled, tokenizer, weights_hash, path)
        self.precision = precision
        self._output = compiled.output(OUTPUT_NAME)
        self._local = threading.local()

    @classmethod
    def load(cls, model_dir: Path | None = None, cache_dir: Path | None = None,
             threads: int | None = None, precision: str | None = None) -> "OpenVinoEmbedder":
        """Compile the export (~0.25 s); ModelError if it is missing or stale, or OpenVINO fails.

        `precision`: "bf16" or "f32"; by default bf16 where the CPU has it natively.
        """
        path, sidecar, tokenizer = checked_export(model_dir, cache_dir)
        try:
            import openvino as ov

            core = ov.Core()
            precision = precision or ("bf16" if native_bf16(core) else "f32")
            compiled = core.compile_model(core.read_model(str(path)), "CPU", {
                "INFERENCE_PRECISION_HINT": precision,
                "INFERENCE_NUM_THREADS": threads or os.cpu_count() or 1,
                "PERFORMANCE_HINT": "LATENCY",
            })
        except ImportError as exc:
            raise ModelError(f"OpenVINO is not installed ({exc}); reinstall with `make install`") from exc
        except Exception as exc:  # OpenVINO raises RuntimeError subclasses of its own
            raise ModelError(f"{path}: OpenVINO could not compile the model: {exc}") from exc
        embedder = cls(compiled, tokenizer, sidecar["source_weights_sha256"], path, precision)
        embedder.cache_tag = f"openvino-{ov.get_version()}-{precision}-{sidecar['onnx_sha256']}"
        return embedder

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._session.create_infer_request()
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = request.infer(feeds)[self._output]
        return np.ascontiguousarray(_pool(hidden, mask))

