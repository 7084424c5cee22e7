"""Encoders: text in, L2-normalised float32 vectors out (cosine = inner product).

One interface (`Encoder`, with defaults in base.py), one chooser (chooser.py: `serving_encoder`,
`build_encoder`).

    model.py      the model's files and their sha256
    base.py       what every encoder shares; a backend implements `_encode`
    reference.py  sentence-transformers on torch: the yardstick, and the fallback
    export.py     the ONNX export, made once per model and verified on load
    tokenised.py  tokenising, batching and pooling for the runtimes below
    onnx.py       onnxruntime;  openvino.py  OpenVINO in bfloat16 where the CPU has it
    owner.py      one thread owns the serving model; callers hand it texts
    chooser.py    which of them answers and which builds
"""
from .chooser import (
                      Encoder,
                      backend,
                      backend_setting,
                      build_encoder,
                      encoder_threads,
                      reference_encoder,
                      serving_encoder,
)

__all__ = ["Encoder", "backend", "backend_setting", "build_encoder", "encoder_threads", "reference_encoder",
           "serving_encoder"]
