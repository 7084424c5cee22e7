"""The two encoder backends side by side, answering as the assistant answers (one owner thread runs
the model): OpenVINO (bfloat16 where the CPU has it natively) and onnxruntime (fp32). This is the
measurement behind answering with onnxruntime (encoders/chooser.py); builds are compared in
`make bench` (benchmarks/scale.py).

For each backend, in its own process and in turns (A B A B, so both see the same machine load):
- `Assistant.ask` on the distinct questions of `make bench` (seed knowledge and index), grouped by how
  many texts the message sent to the model (the question, a spelling-corrected copy, the sentences the
  crisis screen reads on their own): median time of the whole answer and of the model calls;
- the encoder under 16 threads asking at once, through the owner thread as served (questions/s);
- the process's RSS after that.

    .venv/bin/python benchmarks/backends.py [--rounds 2]

Prints a table and writes benchmarks/results/backends.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "backends.json"
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import percentile  # noqa: E402  (benchmarks/common.py)

BACKENDS = ("openvino", "onnxruntime")

WORKER = r"""
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
sys.path.insert(0, str(Path(sys.argv[1]) / "benchmarks"))
from common import questions
from assistant.engine import Assistant
from assistant.web.serve import configure_threads
configure_threads()  # FAISS's and BLAS's threads as served

from assistant.encoders import encoder_threads
from assistant.encoders.onnx import OnnxEmbedder
from assistant.encoders.openvino import OpenVinoEmbedder

root = Path(sys.argv[1])
runtime = OpenVinoEmbedder if sys.argv[2] == "openvino" else OnnxEmbedder
assistant = Assistant.load(root / "knowledge", root / "index", embedder=runtime.load(threads=encoder_threads()))
encoder = assistant.embedder.inner  # the model the owner thread runs (encoders/owner.py)
model_ms, texts_sent = [], []
inner = type(encoder)._encode
def timed(self, texts, *args, **kwargs):
    started = time.perf_counter()
    try:
        return inner(self, texts, *args, **kwargs)
    finally:
        model_ms.append((time.perf_counter() - started) * 1000)
        texts_sent.append(len(texts))
type(encoder)._encode = timed
texts = questions()
for text in texts[:20]:
    assistant.ask(text + " ?")
rows = []
for text in texts:
    model_ms.clear(); texts_sent.clear()
    started = time.perf_counter()
    assistant.ask(text)
    rows.append({"total_ms": (time.perf_counter() - started) * 1000, "model_ms": sum(model_ms), "texts": sum(texts_sent)})
type(encoder)._encode = inner
work = (texts * 4)[:1200]
owner = assistant.embedder
with ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda t: owner.encode([t]), work[:64]))
    started = time.perf_counter()
    list(pool.map(lambda t: owner.encode([t]), work))
    rate = len(work) / (time.perf_counter() - started)
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")) // 1024
print(json.dumps({"backend": type(encoder).__name__, "rows": rows, "encoder_16_threads_per_s": rate, "rss_mb": rss}))
"""


def run_once(backend: str) -> dict:
    done = subprocess.run([sys.executable, "-c", WORKER, str(ROOT), backend], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"{backend} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict]) -> dict:
    rows = [row for run in runs for row in run["rows"]]
    by_texts = {}
    for n in sorted({row["texts"] for row in rows}):
        group = [row for row in rows if row["texts"] == n]
        by_texts[str(n)] = {"messages": len(group) // len(runs),
                            "total_median_ms": round(statistics.median(r["total_ms"] for r in group), 2),
                            "model_median_ms": round(statistics.median(r["model_ms"] for r in group), 2)}
    totals = [row["total_ms"] for row in rows]
    return {
        "encoder": runs[0]["backend"],
        "ask_median_ms": round(statistics.median(totals), 2),
        "ask_p99_ms": round(percentile(totals, 0.99), 2),
        "by_texts_per_message": by_texts,
        "encoder_16_threads_per_s": round(statistics.median(run["encoder_16_threads_per_s"] for run in runs)),
        "rss_mb": round(statistics.median(run["rss_mb"] for run in runs)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    subprocess.run([sys.executable, "-m", "assistant", "build", "--if-stale", "-q"], cwd=ROOT, check=True)
    runs = {backend: [] for backend in BACKENDS}
    for _ in range(args.rounds):
        for backend in BACKENDS:
            runs[backend].append(run_once(backend))
    report = {"when": time.strftime("%Y-%m-%d %H:%M", time.gmtime()), "rounds": args.rounds,
              **{backend: summarise(backend_runs) for backend, backend_runs in runs.items()}}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"backends, {report['when']} UTC, {args.rounds} rounds each, taking turns")
    print(f"{'':34} {'openvino':>22} {'onnxruntime':>22}")
    ov, ort = report["openvino"], report["onnxruntime"]
    print(f"{'encoder class':34} {ov['encoder']:>22} {ort['encoder']:>22}")
    print(f"{'ask median / p99 (ms)':34} {ov['ask_median_ms']:>10} / {ov['ask_p99_ms']:<9} "
          f"{ort['ask_median_ms']:>10} / {ort['ask_p99_ms']:<9}")
    for n in ov["by_texts_per_message"]:
        a, b = ov["by_texts_per_message"][n], ort["by_texts_per_message"].get(n, {})
        label = f"{n} text(s), {a['messages']} messages: total / model"
        print(f"{label:34} {a['total_median_ms']:>10} / {a['model_median_ms']:<9} "
              f"{b.get('total_median_ms', '-'):>10} / {b.get('model_median_ms', '-'):<9}")
    print(f"{'16 callers through the owner thread (q/s)':34} {ov['encoder_16_threads_per_s']:>22} {ort['encoder_16_threads_per_s']:>22}")
    print(f"{'RSS after (MB)':34} {ov['rss_mb']:>22} {ort['rss_mb']:>22}")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
