"""The same ONNX export run by OpenVINO in bfloat16, on CPUs that compute bfloat16 natively
(Intel AMX or AVX-512 BF16). Used for building and answering when it applies (see `backend`).

Measured against onnxruntime fp32 (benchmarks/backends.py, benchmarks/results/backends.json):
- building: 2,000 generated passages at 456-527 entries/s against 170-182;
- answering (`benchmarks/backends.py`): a message of three texts (the question and the sentences
  the crisis screen reads on their own) 6.0 against 9.6 ms, one text about the same (3.05 against
  3.15 ms), p99 11.7 against 20.0 ms, less memory; the encoder alone under 16 concurrent callers
  ~8% fewer questions a second.
Cosine to the fp32 reference >= 0.9999 (tests check >= 0.999), and every evaluation decision is
the same (tested on all labelled questions and the crisis set).

Answering pads texts to a multiple of `SERVING_PAD_TO` tokens: OpenVINO reuses what it prepared
for an input shape it has seen, so a question padded to 32 tokens runs in ~1.9 ms where the same
question at its own length takes ~2.2 ms, as fast as a model compiled for 32 tokens only, without
the memory of a second model (~50 MB). Padding changes nothing: pooling and attention read only
the real tokens.

The precision is part of the encoder's identity (`cache_tag`, recorded in the manifest), so a
rebuild only reuses vectors made the same way.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.errors import ModelError

from .export import checked_export
from .tokenised import TokenisedEncoder, pool

SERVING_PAD_TO = 32  # tokens: one shape for nearly every question and the crisis screen's sentences


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
    """Encodes like `OnnxEmbedder` (same tokenizer, batching and pooling); OpenVINO runs the model.

    Thread-safe: each thread has its own inference requests.
    """

    backend = "openvino"

    build_batch = 32  # texts per model call while building (1,300 texts/s at 32 against 1,200 at 16)

    def __init__(self, compiled, tokenizer, weights_hash: str, path: Path, precision: str,
                 pad_to: int = 0, streams: int = 1):
        super().__init__(tokenizer, weights_hash, path)
        self._session = compiled
        self.precision = precision
        self.pad_to = pad_to
        self.streams = streams
        self._local = threading.local()

    @classmethod
    def load(cls, model_dir: Path | None = None, cache_dir: Path | None = None,
             threads: int | None = None, precision: str | None = None,
             pad_to: int = 0, streams: int = 1) -> "OpenVinoEmbedder":
        """Compile the export (~0.15 s); ModelError if it is missing or stale, or OpenVINO fails.

        `precision`: "bf16" or "f32"; by default bf16 where the CPU has it natively.
        `pad_to` (answering): pad each call's texts to a multiple of that many tokens.
        `streams` (building): batches run this many at a time, the threads shared among them
        (a batch on each core: 2 streams embed ~7% more texts a second than 2 threads on one).
        """
        path, sidecar, tokenizer = checked_export(model_dir, cache_dir)
        try:
            import openvino as ov

            core = _core()
            precision = precision or ("bf16" if native_bf16() else "f32")
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
        embedder = cls(compiled, tokenizer, sidecar["source_weights_sha256"], path, precision, pad_to, streams)
        embedder.cache_tag = f"openvino-{ov.get_version()}-{precision}-{sidecar['onnx_sha256']}"
        return embedder

    def _width(self, tokens: int) -> int:
        return -(-tokens // self.pad_to) * self.pad_to if self.pad_to else tokens

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
            queue.start_async({"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
                              (chosen, mask))
        queue.wait_all()
        # Never return rows no batch wrote: they would be vectors of whatever memory held.
        if failures or sum(done) != len(texts):
            raise ModelError(f"{self.path}: OpenVINO embedded {sum(done)} of {len(texts)} texts"
                             + (f": {failures[0]}" if failures else ""))
        return out

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._session.create_infer_request()
        request.infer({"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
        return pool(request.get_output_tensor(0).data, mask)
