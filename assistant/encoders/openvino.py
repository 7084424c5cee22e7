"""The ONNX export run by OpenVINO, for builds when `ASSISTANT_ENCODER_BACKEND=openvino` (fp32 by
default; bfloat16 on request, on CPUs that compute it natively, for benchmarks). bfloat16 is not the
default any more: on 2026-12-01 an index built in it showed one labelled question one answer where the
reference shows two (the second answer's gap 0.0310 against 0.0290, the bar 0.03), and the rule is that
reduced precision changes no decision. Answers are always onnxruntime's (encoders/chooser.py): with one owner
thread running the model, onnxruntime answered faster, served more questions a second and used less
memory, while OpenVINO built faster (`benchmarks/backends.py` and `make bench`, side by side; the
figures are in docs/performance.md).

Cosine to the fp32 reference >= 0.999 (tested), and an index it builds (fp32) makes every evaluation
and crisis decision the reference makes (tested on all labelled questions and the crisis set).
The precision is part of the encoder's identity (`cache_tag`, recorded in the manifest), so a
rebuild only reuses vectors made the same way. One caller at a time: the build.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.errors import ModelError

from .export import checked_export
from .model import ModelSpec, model_spec
from .tokenised import TokenisedEncoder, pool


@lru_cache(maxsize=1)
def _core():
    import openvino as ov

    return ov.Core()


def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (OpenVINO's own reading of it)."""
    try:
        return "BF16" in _core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    except Exception:  # not installed, or no CPU plugin: onnxruntime it is
        return False


class OpenVinoEmbedder(TokenisedEncoder):
    """Encodes like `OnnxEmbedder` (same tokenizer, batching and pooling); OpenVINO runs the model."""

    backend = "openvino"

    build_batch = 32  # texts per model call while building (1,300 texts/s at 32 against 1,200 at 16)

    def __init__(self, compiled, tokenizer, weights_hash: str, path: Path, spec: ModelSpec, precision: str,
                 streams: int = 1):
        super().__init__(tokenizer, weights_hash, path, spec)
        self._session = compiled
        self._request = None
        self.precision = precision
        self.streams = streams

    @classmethod
    def load(cls, model_dir: Path | None = None, cache_dir: Path | None = None,
             threads: int | None = None, precision: str | None = None, streams: int = 1,
             model: "str | ModelSpec | None" = None) -> "OpenVinoEmbedder":
        """Compile the export (~0.15 s); ModelError if it is missing or stale, or OpenVINO fails.

        `precision`: "f32" (default) or "bf16" (only where the CPU has it natively; see the module docstring).
        `streams` (building): batches run this many at a time, the threads shared among them
        (a batch on each core: 2 streams embed ~7% more texts a second than 2 threads on one).
        """
        spec = model_spec(model)
        path, sidecar, tokenizer = checked_export(model_dir, cache_dir, spec)
        try:
            import openvino as ov

            core = _core()
            precision = precision or "f32"
            config = {
                "INFERENCE_PRECISION_HINT": precision,
                "INFERENCE_NUM_THREADS": threads or os.cpu_count() or 1,
                "PERFORMANCE_HINT": "LATENCY" if streams == 1 else "THROUGHPUT",
            }
            if streams > 1:
                config["NUM_STREAMS"] = streams
            compiled = core.compile_model(core.read_model(str(path)), "CPU", config)
        except ImportError as exc:
            raise ModelError(f"OpenVINO is not installed ({exc}); reinstall with `make install`") from exc
        except Exception as exc:  # OpenVINO raises RuntimeError subclasses of its own
            raise ModelError(f"{path}: OpenVINO could not compile the model: {exc}") from exc
        embedder = cls(compiled, tokenizer, sidecar["source_weights_sha256"], path, spec, precision, streams)
        embedder.cache_tag = f"openvino-{ov.get_version()}-{precision}-{sidecar['onnx_sha256']}"
        return embedder

    def _encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if self.streams == 1 or len(texts) <= batch_size or progress:
            return super()._encode(texts, batch_size, progress)
        import openvino as ov

        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        done, failures = [], []

        def pooled(request, rows) -> None:  # on OpenVINO's thread, as each batch finishes
            chosen, mask = rows
            try:
                out[chosen] = pool(request.get_output_tensor(0).data, mask)
                done.append(len(chosen))
            except Exception as exc:  # raised here it would be lost: re-raised below
                failures.append(exc)

        queue = ov.AsyncInferQueue(self._session, self.streams)
        queue.set_callback(pooled)
        for chosen, ids, mask in self._padded_batches(self._tokenizer.encode_batch(texts), batch_size):
            queue.start_async(self.feeds(ids, mask), (chosen, mask))
        queue.wait_all()
        # Never return rows no batch wrote: they would be vectors of whatever memory held.
        if failures or sum(done) != len(texts):
            raise ModelError(f"{self.path}: OpenVINO embedded {sum(done)} of {len(texts)} texts"
                             + (f": {failures[0]}" if failures else ""))
        return out

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self._request is None:
            self._request = self._session.create_infer_request()
        self._request.infer(self.feeds(ids, mask))
        return pool(self._request.get_output_tensor(0).data, mask)
