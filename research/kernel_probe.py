"""How should the crisis classifier's kernel read its support vectors, one message at a time and under load?

Times, in turns on random unit vectors, the kernel's matrix product for n messages (1-16) three ways: the
support vectors stored one per row (x @ S.T, as before 2026-12-04), stored transposed (x @ S_t), and the
transposed copy one message at a time. Then checks that the shipped `SupportVectors` (transposed, concurrent
messages sharing a pass: assistant/combine.py) gives every labelled crisis message the same decisions as the
row layout scored one at a time: every threshold of both parts.

    .venv/bin/python research/kernel_probe.py [--rounds 3] [--no-parity]

Threads as served (BLAS on one thread). The parity part encodes the 12,598 labelled messages with both
models (about a minute) and scores them one at a time twice (about two more).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(function, repeats: int = 40) -> float:
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        function()
        samples.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(samples), 3)


def timings(head, rounds: int) -> list[dict]:
    import numpy as np

    rows_layout = np.ascontiguousarray(head.support)
    transposed = np.ascontiguousarray(head.support.T)
    rng = np.random.default_rng(0)
    out = []
    for round_ in range(rounds):
        for n in (1, 2, 4, 6, 8, 16):
            x = rng.standard_normal((n, rows_layout.shape[1])).astype(np.float32)
            out.append({"round": round_, "messages": n,
                        "rows_layout_ms": median_ms(lambda: x @ rows_layout.T),
                        "transposed_ms": median_ms(lambda: x @ transposed),
                        "one_by_one_ms": median_ms(lambda: [x[i:i + 1] @ transposed for i in range(n)])})
    return out


def parity(classifier) -> dict:
    import numpy as np

    from assistant.crisis.classifier import THRESHOLD_NAMES, message_rows, paired_features
    from assistant.encoders.onnx import OnnxEmbedder
    from assistant.evaluation.crisis import load_labelled

    texts = [rows[0] for rows in (message_rows(m.text) for m in load_labelled(
        ROOT / "knowledge" / "eval" / "crisis_messages.yaml")) if rows]
    multilingual = classifier.encoder.encode(texts)
    answering = OnnxEmbedder.load(threads=2).encode(texts)
    result = {"messages": len(texts)}
    for name, head, x in (("paired", classifier.paired, paired_features(multilingual, answering)),
                          ("alone", classifier.alone, multilingual)):
        support = np.ascontiguousarray(head.support)
        norms = (support ** 2).sum(axis=1)
        before = []
        for i in range(len(x)):  # the row layout, one message at a time, as served before
            row = x[i:i + 1]
            squared = (row ** 2).sum(axis=1)[:, None] + norms[None, :] - 2.0 * (row @ support.T)
            before.append(float((np.exp(-head.gamma * np.maximum(squared, 0.0)) @ head.dual + head.bias)[0]))
        before = 1 / (1 + np.exp(-np.array(before)))
        now = np.array([head.risk_of(x[i:i + 1])[0] for i in range(len(x))])
        stacked = head.risk_of(x[:64])
        result[name] = {
            "risk_change_max": float(np.abs(before - now).max()),
            "stacked_against_alone_max": float(np.abs(stacked - now[:64]).max()),
            "decisions_changed": {t: int(((before >= getattr(head.thresholds, t)) != (now >= getattr(head.thresholds, t))).sum())
                                  for t in THRESHOLD_NAMES},
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-parity", action="store_true")
    args = parser.parse_args()

    from assistant.crisis.classifier import CrisisClassifier
    from assistant.web.serve import configure_threads

    configure_threads()
    classifier = CrisisClassifier.load()
    report = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "support_vectors": list(classifier.paired.support.shape),
              "timings": timings(classifier.paired, args.rounds)}
    if not args.no_parity:
        report["parity"] = parity(classifier)
    for row in report["timings"]:
        print(row)
    print(json.dumps(report.get("parity", {}), indent=1))
    out = ROOT / "research" / "results" / "kernel_probe.json"
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
