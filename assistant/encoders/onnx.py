"""The serving encoder: the exported model run by onnxruntime (no torch on the serving path:
`import sentence_transformers` alone takes seconds). Same vectors as the reference encoder
(cosine >= 0.999, tested)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.errors import ModelError

from .export import EXPORT_HINT, OUTPUT_NAME, checked_export
from .model import ModelSpec, model_spec
from .tokenised import TokenisedEncoder, pool


def new_session(path: Path, threads: int = 1, keep_spinning: bool = True):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    if not keep_spinning:
        # Worker threads spin between the ops of a call (a short question on 2 threads: 1.75 ms
        # instead of 2.4 ms without spinning, 2.9 instead of 4.2 ms after an idle gap), but stop as
        # soon as the call returns: left spinning after it, they take a core from the web server.
        options.add_session_config_entry("session.force_spinning_stop", "1")
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


class OnnxEmbedder(TokenisedEncoder):
    """Encodes text into L2-normalised float32 vectors, like the reference encoder, with onnxruntime."""

    backend = "onnxruntime"

    def __init__(self, session, tokenizer, weights_hash: str, path: Path, spec: ModelSpec):
        super().__init__(tokenizer, weights_hash, path, spec)
        self._session = session

    @classmethod
    def load(cls, model_dir: Path | None = None, cache_dir: Path | None = None, threads: int = 1,
             keep_spinning: bool = False, model: "str | ModelSpec | None" = None) -> "OnnxEmbedder":
        """Load the exported model; ModelError if it is missing or stale (run the export).
        `threads`: onnxruntime's threads within one call; `keep_spinning` (builds): they keep
        spinning between calls instead of giving the cores back."""
        if not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        spec = model_spec(model)
        path, sidecar, tokenizer = checked_export(model_dir, cache_dir, spec)
        try:
            session = new_session(path, threads, keep_spinning=keep_spinning)
        except Exception as exc:
            raise ModelError(f"{path}: onnxruntime could not load the model: {exc}; {EXPORT_HINT}") from exc
        embedder = cls(session, tokenizer, sidecar["source_weights_sha256"], path, spec)
        embedder.cache_tag = f"onnx-{sidecar['onnx_sha256']}"
        return embedder

    def use_threads(self, threads: int) -> None:
        """Run on `threads` threads from the next call (a new session in place of this one; a call running
        now ends on the old one). A server's first copy goes down to one thread when it gets a second (pool.py)."""
        self._session = new_session(self.path, threads, keep_spinning=False)

    def copy(self, threads: int = 1) -> "OnnxEmbedder":
        """Another session on the same checked export and tokenizer, for a server's second owner thread
        (pool.py); the tokenizer only reads, so the copies share it."""
        twin = type(self)(new_session(self.path, threads, keep_spinning=False), self._tokenizer, self.weights_sha256,
                          self.path, self.spec)
        twin.cache_tag = self.cache_tag
        return twin

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(pool(self._session.run([OUTPUT_NAME], self.feeds(ids, mask))[0], mask))
