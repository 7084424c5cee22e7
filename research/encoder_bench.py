"""Encoder benchmark: the reference Embedder (sentence-transformers/torch) vs OnnxEmbedder.

Measures, in one run on this machine:
- one distinct question per call, the two encoders interleaved (median, p99);
- cold start in a fresh process: import + load + first encode (median of 5, after one
  unrecorded run so both read the model from the page cache);
- batch throughput at batch size 64 (texts/s);
- parity: the lowest cosine between the two encoders over the questions.

Prints a table and writes research/results/encoder.json.

    python research/encoder_bench.py [--queries 400] [--cold-runs 5]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
SEED_SET = ROOT / "knowledge" / "eval" / "seed_queries.yaml"
FAQ = ROOT / "knowledge" / "faq.yaml"
RESULTS = ROOT / "research" / "results" / "encoder.json"

COLD_START = {
    "reference": (
        "from assistant.encoders.reference import Embedder\n"
        "loaded = Embedder.load()\n"
    ),
    "onnx": (
        "from pathlib import Path\n"
        "from assistant.encoders.onnx import OnnxEmbedder\n"
        "loaded = OnnxEmbedder.load(cache_dir=Path(sys.argv[1]))\n"
    ),
}
# Peak RSS from VmHWM: ru_maxrss survives exec, so it would report the benchmark's own peak.
COLD_TEMPLATE = """\
import json, sys, time
def peak_rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
started = time.perf_counter()
{load}loaded_at = time.perf_counter()
loaded.encode(["how long does aftercare last after rehab"])
done = time.perf_counter()
print(json.dumps({{"load_s": loaded_at - started, "first_encode_s": done - loaded_at,
                  "in_process_s": done - started,
                  "torch_imported": "torch" in sys.modules,
                  "max_rss_mb": peak_rss_mb()}}))
"""


def distinct_questions(limit: int) -> list[str]:
    """Seed evaluation queries first, then FAQ questions and alternates (the seed set has 296)."""
    seed = yaml.safe_load(SEED_SET.read_text(encoding="utf-8"))
    texts = [case["query"] for section in ("in_scope", "out_of_scope") for case in seed[section]]
    for entry in yaml.safe_load(FAQ.read_text(encoding="utf-8"))["entries"]:
        texts += [entry.get("question") or "", *(entry.get("alternates") or [])]
    unique = list(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
    return unique[:limit]


def cold_start(kind: str, cache_dir: Path, runs: int) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    script = COLD_TEMPLATE.format(load=COLD_START[kind])
    samples = []
    for run in range(runs + 1):
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", script, str(cache_dir)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        wall = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"cold start of {kind} failed:\n{result.stderr}")
        if run:  # the first run only warms the page cache
            samples.append({"wall_s": wall, **json.loads(result.stdout.strip().splitlines()[-1])})
    return {
        "runs": runs,
        "wall_s_median": statistics.median(s["wall_s"] for s in samples),
        "load_s_median": statistics.median(s["load_s"] for s in samples),
        "first_encode_s_median": statistics.median(s["first_encode_s"] for s in samples),
        "max_rss_mb_median": statistics.median(s["max_rss_mb"] for s in samples),
        "torch_imported": samples[0]["torch_imported"],
        "samples": samples,
    }


def latency(encoders: dict, questions: list[str], warmup: int) -> dict:
    names = list(encoders)
    for text in questions[:warmup]:
        for name in names:
            encoders[name].encode([text])
    times = {name: [] for name in names}
    for i, text in enumerate(questions[warmup:]):
        # Alternate who goes first so neither always runs on a cache the other warmed.
        for name in (names if i % 2 == 0 else names[::-1]):
            started = time.perf_counter_ns()
            encoders[name].encode([text])
            times[name].append((time.perf_counter_ns() - started) / 1e6)
    return {
        name: {
            "queries": len(values),
            "median_ms": float(np.median(values)),
            "p99_ms": float(np.percentile(values, 99)),
            "mean_ms": float(np.mean(values)),
        }
        for name, values in times.items()
    }


def throughput(encoder, texts: list[str], repeats: int = 3) -> float:
    # Embedder caches corpora of >= 64 texts by content: time its model, not the cache.
    encode = getattr(encoder, "_encode", None) or (lambda t, b, p: encoder.encode(t, batch_size=b, progress=p))
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        encode(texts, 64, False)
        rates.append(len(texts) / (time.perf_counter() - started))
    return float(statistics.median(rates))


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    packages = ("torch", "sentence-transformers", "onnxruntime", "tokenizers", "numpy")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {p: version(p) for p in packages},
        # Other work on the machine skews the figures: recorded so a noisy run can be spotted.
        "load_average_at_end": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=400, help="distinct questions to time (>= 300)")
    parser.add_argument("--warmup", type=int, default=30, help="questions encoded before timing")
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(os.environ.get("ASSISTANT_MODEL_CACHE", ROOT / ".model-cache")))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    from assistant.encoders.export import ensure_onnx

    started = time.perf_counter()
    ensure_onnx(args.cache_dir)
    export_s = time.perf_counter() - started

    questions = distinct_questions(args.queries + args.warmup)
    if len(questions) - args.warmup < 300:
        raise SystemExit(f"only {len(questions) - args.warmup} distinct questions after warm-up; need >= 300")

    cold = {kind: cold_start(kind, args.cache_dir, args.cold_runs) for kind in ("onnx", "reference")}

    import torch

    from assistant.encoders.onnx import OnnxEmbedder
    from assistant.encoders.reference import Embedder

    encoders = {"reference": Embedder.load(), "onnx": OnnxEmbedder.load(cache_dir=args.cache_dir)}
    per_query = latency(encoders, questions, args.warmup)
    batch_texts = questions[args.warmup:]
    rates = {name: throughput(encoder, batch_texts) for name, encoder in encoders.items()}
    rates["onnx, 2 threads"] = throughput(OnnxEmbedder.load(cache_dir=args.cache_dir, threads=2), batch_texts)
    reference = encoders["reference"]._encode(batch_texts, 64, False)
    cosine = (reference * encoders["onnx"].encode(batch_texts)).sum(axis=1)

    report = {
        "benchmark": "encoder",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "torch_threads": torch.get_num_threads(),
            "onnx_intra_op_threads": 1,
            "questions_timed": per_query["onnx"]["queries"],
            "warmup": args.warmup,
            "batch_size": 64,
            "cold_runs": args.cold_runs,
            "export_or_check_s": export_s,
        },
        "single_query": per_query,
        "cold_start": cold,
        "batch64_texts_per_s": rates,
        "parity": {"min_cosine": float(cosine.min()), "mean_cosine": float(cosine.mean())},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, args.out)
    print(table(report))
    print(f"\nwritten to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


def table(report: dict) -> str:
    q, c, r = report["single_query"], report["cold_start"], report["batch64_texts_per_s"]
    m, s = report["machine"], report["settings"]
    rows = [
        ("one question, median (ms)", f"{q['reference']['median_ms']:.2f}", f"{q['onnx']['median_ms']:.2f}"),
        ("one question, p99 (ms)", f"{q['reference']['p99_ms']:.2f}", f"{q['onnx']['p99_ms']:.2f}"),
        ("cold start: process wall, median (s)", f"{c['reference']['wall_s_median']:.2f}",
         f"{c['onnx']['wall_s_median']:.2f}"),
        ("  import + load (s)", f"{c['reference']['load_s_median']:.2f}", f"{c['onnx']['load_s_median']:.2f}"),
        ("  first encode (ms)", f"{c['reference']['first_encode_s_median'] * 1e3:.1f}",
         f"{c['onnx']['first_encode_s_median'] * 1e3:.1f}"),
        ("  peak RSS (MB)", f"{c['reference']['max_rss_mb_median']:.0f}", f"{c['onnx']['max_rss_mb_median']:.0f}"),
        ("  torch imported", str(c["reference"]["torch_imported"]), str(c["onnx"]["torch_imported"])),
        ("batch 64 throughput (texts/s)", f"{r['reference']:.0f}",
         f"{r['onnx']:.0f} (2 threads: {r['onnx, 2 threads']:.0f})"),
    ]
    width = max(len(row[0]) for row in rows)
    lines = [
        f"Encoder benchmark, {report['when']} on {m['cpu']} ({m['cores']} cores), "
        f"{s['questions_timed']} distinct questions interleaved, torch threads {s['torch_threads']}, "
        f"onnxruntime threads {s['onnx_intra_op_threads']}",
        f"{'':{width}}  {'reference (torch)':>18}  {'onnx':>18}",
    ]
    lines += [f"{name:{width}}  {ref:>18}  {onnx:>18}" for name, ref, onnx in rows]
    lines.append(f"parity over the timed questions: min cosine {report['parity']['min_cosine']:.6f}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
