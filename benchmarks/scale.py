"""Build rate and a large knowledge base: how the index scales (part of `make bench`).

Knowledge is generated, seeded, from sentences of the MedQuAD mental-health / substance-use set
in ../shared/datasets (real, in-domain prose; written to a temporary directory only, never to
knowledge/). Each passage is a title and two sentences picked at random.

- build: a cold build of `BENCH_BUILD_PASSAGES` (2000) passages, then a rebuild after editing 1%
  of them (the staff workflow: the unchanged vectors come from the previous build).
- scale: a cold build of `BENCH_SCALE_PASSAGES` (100,000) passages (above the flat limit, so the
  compressed index), recall@10 of the dense search as the retriever runs it against exact search
  over the fp32 vectors the build embedded, and `Assistant.ask` latency and memory on that index.

Run alone: `python benchmarks/scale.py [passages]`.
"""
from __future__ import annotations

import csv
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from common import percentile, questions  # noqa: E402  (benchmarks/common.py)

MEDQUAD = ROOT.parent / "shared" / "datasets" / "medquad_mh_su" / "faq.csv"


def _sentences() -> tuple[list[str], list[str], list[str]]:
    with open(MEDQUAD, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sentences = [s.strip() for r in rows for s in re.split(r"(?<=[.!?])\s+", r["answer"])
                 if 5 <= len(s.split()) <= 40]
    return sentences, sorted({r["focus"] for r in rows if r["focus"]}), [r["question"] for r in rows]


def recall_queries(count: int = 1000) -> list[str]:
    """The queries recall@10 is measured on: the seed's questions (off the passages' topic),
    MedQuAD's own questions, then keyword-ish fragments of passage sentences."""
    sentences, _, medquad = _sentences()
    fragments = [" ".join(s.split()[:8]) for s in random.Random(3).sample(sentences, count)]
    return (questions() + medquad + fragments)[:count]


def write_passages(directory: Path, count: int, seed: int = 0, edited: set[int] = frozenset()) -> None:
    """`count` passages as knowledge YAML (JSON is YAML); passages in `edited` get one more sentence."""
    sentences, topics, _ = _sentences()
    rng = random.Random(seed)
    entries = []
    for i in range(count):
        picked = rng.sample(sentences, 3)
        text = " ".join(picked[:2] + (picked[2:] if i in edited else []))
        # A title from the passage's own words: titles like "<topic>: note 17" would make thousands
        # of near-identical heading vectors, where "the" 10 nearest neighbours are a coin toss.
        words = [w.strip(",.;:()") for w in text.split() if len(w) > 4]
        title = f"{rng.choice(topics)}: {' '.join(rng.sample(words, min(3, len(words))))}"
        entries.append({"id": f"p-{i}", "title": title, "answer": text})
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "passages.yaml").write_text(json.dumps({"entries": entries}), encoding="utf-8")


class _Recording:
    """The build's own encoder, keeping what it returns: exact search needs the fp32 vectors,
    which a compressed index no longer holds."""

    def __init__(self, embedder):
        self._embedder, self.vectors = embedder, {}

    def __getattr__(self, name):
        return getattr(self._embedder, name)

    def encode(self, texts, **options):
        vectors = self._embedder.encode(texts, **options)
        self.vectors.update(zip(texts, vectors))
        return vectors


def _timed_build(knowledge: Path, index: Path, embedder=None) -> tuple[float, object]:
    from assistant.index import build_index

    started = time.perf_counter()
    manifest = build_index(knowledge, index, embedder=embedder, progress=False, log=lambda message: None)
    return time.perf_counter() - started, manifest


def bench_build(results: dict, count: int) -> None:
    """Cold build and a rebuild after a 1% edit with the build's own encoder, and beside them a cold
    build with onnxruntime in fp32 (the build encoder before OpenVINO) as the baseline."""
    from assistant.encoders import build_encoder as bulk_embedder
    from assistant.encoders.onnx import OnnxEmbedder

    with tempfile.TemporaryDirectory() as scratch:
        knowledge, index = Path(scratch) / "k", Path(scratch) / "i"
        write_passages(knowledge, count)
        encoder = bulk_embedder(lambda message: None)
        cold, manifest = _timed_build(knowledge, index, encoder)
        baseline, _ = _timed_build(knowledge, Path(scratch) / "baseline", OnnxEmbedder.load(threads=os.cpu_count() or 1))
        edited = set(random.Random(1).sample(range(count), max(1, count // 100)))
        write_passages(knowledge, count, edited=edited)
        warm, rebuilt = _timed_build(knowledge, index, encoder)
    results["build"] = {
        "passages": count, "views": manifest.views, "encoder": encoder_label(encoder),
        "cold_seconds": round(cold, 1),
        "cold_entries_per_s": round(count / cold), "cold_views_per_s": round(manifest.views / cold),
        "baseline_encoder": "onnxruntime fp32", "baseline_cold_seconds": round(baseline, 1),
        "baseline_entries_per_s": round(count / baseline),
        "edited": len(edited), "rebuild_seconds": round(warm, 2), "rebuild_entries_per_s": round(count / warm),
        "rebuild_reused_vectors": rebuilt.reused_vectors,
    }


def encoder_label(encoder) -> str:
    return f"{encoder.backend} {getattr(encoder, 'precision', 'fp32')}"


def _serving_rss_mb(knowledge: Path, index: Path) -> int:
    """RSS of a fresh process serving this index after one question (as `app.py` would hold it)."""
    import subprocess

    script = ("import sys; from assistant.engine import Assistant\n"
              "a = Assistant.load(sys.argv[1], sys.argv[2]); a.ask('how long does group therapy last')\n"
              "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS:')) // 1024)\n")
    done = subprocess.run([sys.executable, "-c", script, str(knowledge), str(index)], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=600)
    return int(done.stdout.strip().splitlines()[-1])


def bench_scale(results: dict, count: int, queries: int = 1000) -> None:
    import faiss
    import numpy as np

    from assistant.encoders import build_encoder as bulk_embedder
    from assistant.engine import Assistant
    from assistant.index import resolve_build
    from assistant.index.views import VIEW_TEXTS
    from assistant.retrieval import DENSE_CANDIDATE_VIEWS
    from assistant.web.serve import configure_threads

    with tempfile.TemporaryDirectory() as scratch:
        knowledge, index = Path(scratch) / "k", Path(scratch) / "i"
        write_passages(knowledge, count, seed=2)
        recording = _Recording(bulk_embedder(lambda message: None))  # what build_index would pick
        seconds, manifest = _timed_build(knowledge, index, recording)
        view_texts = json.loads((resolve_build(index) / VIEW_TEXTS).read_text(encoding="utf-8"))
        fp32 = np.vstack([recording.vectors[text] for text in view_texts])
        del recording, view_texts
        configure_threads()  # FAISS's and BLAS's threads as served
        assistant = Assistant.load(knowledge, index)
        if assistant.problem is not None:
            raise RuntimeError(f"the {count}-passage index does not serve: {assistant.problem}")
        built = assistant.retriever.index.faiss_index
        # Recall@10: the views the retriever's search returns (k = its candidate depth) against
        # exact inner-product search over the fp32 vectors the build embedded.
        exact = faiss.IndexFlatIP(built.d)
        exact.add(fp32)
        seed_questions = questions()
        texts = recall_queries(queries)
        vectors = assistant.embedder.encode(texts)
        k = min(DENSE_CANDIDATE_VIEWS, built.ntotal)
        _, approximate_ids = assistant.retriever.nearest_views(vectors)
        exact_sims, exact_ids = exact.search(vectors, 10)
        recall = float(np.mean([len(set(a[:10]) & set(e)) / 10 for a, e in zip(approximate_ids, exact_ids)]))
        # Near-identical passages tie: a different view exactly as similar as the 10th is as good.
        # Judged on the fp32 similarity of the views found (the index's own scores are fp16's).
        found_sims = np.einsum("qd,qkd->qk", vectors, fp32[approximate_ids[:, :10]])
        tie_aware = float(np.mean([(f >= e[9] - 1e-5).sum() / 10 for f, e in zip(found_sims, exact_sims)]))
        del fp32, exact
        for text in seed_questions[:20]:
            assistant.ask(text + " ?")
        latencies = []
        for text in seed_questions:
            started = time.perf_counter()
            assistant.ask(text)
            latencies.append((time.perf_counter() - started) * 1000)
        results["scale"] = {
            "passages": count, "views": manifest.views, "faiss_index": manifest.faiss_index,
            "build_seconds": round(seconds, 1), "build_entries_per_s": round(count / seconds),
            "recall_at_10": round(recall, 4), "recall_at_10_ties": round(tie_aware, 4),
            "recall_queries": len(texts), "search_k": k,
            "ask_median_ms": round(statistics.median(latencies), 2),
            "ask_p99_ms": round(percentile(latencies, 0.99), 2),
            "serving_rss_mb": _serving_rss_mb(knowledge, index),
        }


if __name__ == "__main__":
    out: dict = {}
    bench_scale(out, int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    print(json.dumps(out, indent=2))
