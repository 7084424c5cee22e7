"""Would the answering model in bfloat16 or int8 be fast enough, and would it change a decision (#18)?

    .venv/bin/python research/precision_probe.py                         # MiniLM: answers and the crisis set
    .venv/bin/python research/precision_probe.py --model all-mpnet-base-v2 --index DIR   # mpnet: answers only

#18 allows quantisation or bfloat16 only where every evaluation decision is unchanged. For each
reduced-precision form of the served export, the query side only (the index keeps its fp32 vectors):

- one question at a time on 2 threads, median ms, the forms taking turns in blocks (the machine is shared);
- the largest change of a dot product between two questions' vectors (the scale of every score and bar);
- decisions that change against fp32: the answer shown or the fallback, over every labelled question; and
  with MiniLM (the crisis screen's model), the crisis screen's `detected` over the labelled crisis set.

Forms: OpenVINO in bfloat16 (AVX512-BF16 here), and onnxruntime's dynamic int8 (`quantize_dynamic`), per
tensor and per output channel. The int8 files are written to a temporary folder and never kept.
Writes research/results/precision_probe[-MODEL].json.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import questions  # noqa: E402  (benchmarks/common.py)


def int8_forms(export: Path, folder: Path) -> dict[str, Path]:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    forms = {}
    for name, options in {"int8 per tensor": {}, "int8 per channel": {"per_channel": True}}.items():
        path = folder / f"{name.replace(' ', '-')}.onnx"
        quantize_dynamic(str(export), str(path), weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT}, **options)
        forms[name] = path
    return forms


def single_question_ms(encoders: dict, texts: list[str], rounds: int = 4, block: int = 25) -> dict[str, float]:
    """Median ms for one question, the encoders taking turns in blocks of `block` questions."""
    samples: dict[str, list[float]] = {name: [] for name in encoders}
    for encoder in encoders.values():  # warm up
        encoder.encode(texts[:5])
    for _ in range(rounds):
        for start in range(0, len(texts), block):
            for name, encoder in encoders.items():
                for text in texts[start:start + block]:
                    began = time.perf_counter()
                    encoder.encode([text])
                    samples[name].append((time.perf_counter() - began) * 1000)
    return {name: round(statistics.median(values), 3) for name, values in samples.items()}


def answer_decisions(assistant, encoder, labelled) -> list[str]:
    from assistant.evaluation.answers import rank_all
    from assistant.policy import decide

    ranked = rank_all(assistant.retriever, encoder, [q.query for q in labelled], k=assistant.settings.candidates)
    shown = []
    for candidates in ranked:
        decision = decide(candidates, assistant.settings)
        shown.append(assistant.entries[decision.shown[0].position].id if decision.confident else "fallback")
    return shown


def crisis_decisions(screen, encoder, reference, messages) -> list[bool]:
    screen.attach_encoder(encoder.encode, reference.encode)  # exemplars stay fp32: only the message changes
    return [screen.screen(m.text).detected for m in messages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--no-crisis", action="store_true")
    args = parser.parse_args()

    import os

    os.environ["ASSISTANT_MODEL"] = args.model
    from assistant.encoders.model import MINILM, model_spec
    from assistant.encoders.onnx import OnnxEmbedder, new_session
    from assistant.encoders.openvino import OpenVinoEmbedder, native_bf16
    from assistant.engine import Assistant
    from assistant.evaluation.answers import load_seed_set
    from assistant.evaluation.crisis import load_labelled
    from assistant.web.serve import configure_threads

    configure_threads()
    spec = model_spec(args.model)
    assistant = Assistant.load(ROOT / "knowledge", args.index, draft=True)
    reference = OnnxEmbedder.load(threads=2, model=spec)
    encoders = {"onnxruntime fp32": reference}
    if native_bf16():
        encoders["openvino bf16"] = OpenVinoEmbedder.load(threads=2, precision="bf16", model=spec)
    encoders["openvino f32"] = OpenVinoEmbedder.load(threads=2, precision="f32", model=spec)
    with tempfile.TemporaryDirectory() as folder:
        for name, path in int8_forms(reference.path, Path(folder)).items():
            form = OnnxEmbedder.load(threads=2, model=spec)
            form._session = new_session(path, 2, keep_spinning=False)
            encoders[name] = form

        texts = questions()
        timing = single_question_ms(encoders, texts)
        labelled = load_seed_set()
        queries = [q.query for q in labelled]
        base_vectors = reference.encode(queries)
        base_answers = answer_decisions(assistant, reference, labelled)
        crisis_set = [] if args.no_crisis or spec is not MINILM else load_labelled(
            ROOT / "knowledge" / "eval" / "crisis_messages.yaml")
        base_crisis = crisis_decisions(assistant.screen, reference, reference, crisis_set) if crisis_set else []
        forms = {}
        for name, encoder in encoders.items():
            vectors = encoder.encode(queries)
            drift = np.abs(vectors @ vectors.T - base_vectors @ base_vectors.T)
            answers = answer_decisions(assistant, encoder, labelled)
            changed = [{"query": q, "fp32": a, name: b} for q, a, b in zip(queries, base_answers, answers) if a != b]
            crisis = crisis_decisions(assistant.screen, encoder, reference, crisis_set) if crisis_set else []
            crisis_changed = [m.text for m, a, b in zip(crisis_set, base_crisis, crisis) if a != b]
            forms[name] = {
                "single_question_median_ms": timing[name],
                "speed_against_fp32": round(timing["onnxruntime fp32"] / timing[name], 2),
                "cosine_min": round(float((vectors * base_vectors).sum(axis=1).min()), 5),
                "dot_product_change_max": round(float(drift.max()), 4),
                "dot_product_change_p99": round(float(np.quantile(drift, 0.99)), 4),
                "answer_decisions_changed": len(changed),
                "crisis_decisions_changed": len(crisis_changed) if crisis_set else None,
                "examples": changed[:5],
                "crisis_examples": crisis_changed[:5],
            }
            print(f"{name:18s} {timing[name]:6.2f} ms  x{forms[name]['speed_against_fp32']:<5} "
                  f"cos min {forms[name]['cosine_min']:.4f}  max change {forms[name]['dot_product_change_max']:.4f}  "
                  f"answers changed {len(changed)}/{len(queries)}  crisis changed "
                  f"{len(crisis_changed) if crisis_set else '-'}/{len(crisis_set) or '-'}", flush=True)
    result = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "model": spec.key,
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
              "labelled_questions": len(queries), "crisis_messages": len(crisis_set), "forms": forms}
    suffix = "" if spec is MINILM else f"-{spec.key}"
    out = ROOT / "research" / "results" / f"precision_probe{suffix}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
