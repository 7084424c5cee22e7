"""Where an answer's time goes at 100,000 passages, and the options measured against it
(issue #6's open item; not part of `make bench`).

    .venv/bin/python research/scale_options.py                      # builds 100,000 passages (~4 min)
    .venv/bin/python research/scale_options.py --knowledge K --index I   # an index built already

Without --index, it writes the same generated passages as `make bench` (`scale.write_passages`,
seed 2) to a temporary directory and builds them. It prints:

1. `Assistant.ask` on the 296 seed questions (as `scale.py` times them) and, as they run inside it,
   the median of each part: the model call, the FAISS search, the rest of the ranking, the rest;
   first on the seed knowledge's own index (`index/`, as `make index` builds it), then on the large
   one without BM25 (`lexical_weight` 0: what that signal costs at this size) and as served.
2. FAISS options on the index's own vectors (read back from its fp16 copies; exact search over
   those is the reference): median search time alone and right after a model call, recall@10
   on the 1,000 queries `scale.py` uses (seed questions, MedQuAD questions, fragments).
3. Encoder options for one question (OpenVINO only): padding to 32 tokens (served) or 16, and the
   weights of every matrix product in int8 (per output channel, weight-only): time and cosine to
   the fp32 reference; and OpenVINO's own profile of one call, by kind of operation.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import scale  # noqa: E402  (benchmarks/scale.py: ROOT on sys.path, HF_HUB_OFFLINE, passages)
from common import percentile, questions  # noqa: E402

REFINE_K_FACTORS = (10, 5)


def _timed(calls: list[float]):
    def wrap(function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                calls.append((time.perf_counter() - started) * 1000)
        return timed
    return wrap


PARTS: dict[str, list[float]] = {"model": [], "search": [], "rank": []}


def _instrument(encoder_class) -> None:
    """Time the parts of an answer, once per process (PARTS collects them)."""
    import assistant.retrieval as retrieval

    if getattr(encoder_class._encode, "timed", False):
        return
    encoder_class._encode = _timed(PARTS["model"])(encoder_class._encode)
    encoder_class._encode.timed = True
    retrieval.Retriever.nearest_views = _timed(PARTS["search"])(retrieval.Retriever.nearest_views)
    retrieval.Retriever.rank = _timed(PARTS["rank"])(retrieval.Retriever.rank)


def ask_breakdown(knowledge: Path, index: Path, rounds: int = 3, **settings):
    from assistant.engine import Assistant
    from assistant.settings import Settings

    assistant = Assistant.load(knowledge, index, settings=Settings.load(knowledge, **settings))
    if assistant.problem is not None:
        raise SystemExit(f"{index}: does not serve: {assistant.problem}")
    _instrument(type(assistant.embedder))
    parts = PARTS
    texts = questions()
    for text in texts[:20]:
        assistant.ask(text + " ?")
    print(f"1. Assistant.ask, {len(texts)} seed questions, {assistant.manifest.views:,} vectors "
          f"({assistant.manifest.faiss_index}, {assistant.embedder.backend})"
          + "".join(f", {name}={value}" for name, value in settings.items()))
    for round_ in range(rounds):
        assistant._cache.clear()
        for calls in parts.values():
            calls.clear()
        total = []
        for text in texts:
            started = time.perf_counter()
            assistant.ask(text)
            total.append((time.perf_counter() - started) * 1000)
        # A small index is scored as one matrix product, with no FAISS search.
        model, search, rank = (statistics.median(parts[k] or [0.0]) for k in ("model", "search", "rank"))
        whole = statistics.median(total)
        print(f"   round {round_ + 1}: median {whole:.2f} ms (p99 {percentile(total, 0.99):.2f}) = model {model:.2f}"
              f" + search {search:.2f} + rest of ranking {rank - search:.2f} + the rest {whole - model - rank:.2f}"
              " (medians of parts)")
    return assistant


def _search_times(index, queries: np.ndarray, texts: list[str], encoder, params=None, k: int = 50):
    alone, after_model, found = [], [], []
    for vector in queries[:30]:
        index.search(vector[None], k, params=params)
    for vector in queries:
        started = time.perf_counter()
        _, ids = index.search(vector[None], k, params=params)
        alone.append((time.perf_counter() - started) * 1000)
        found.append(ids[0])
    for vector, text in zip(queries[:300], texts):
        encoder.encode([text])  # as in an answer: the model runs just before the search
        started = time.perf_counter()
        index.search(vector[None], k, params=params)
        after_model.append((time.perf_counter() - started) * 1000)
    return statistics.median(alone), statistics.median(after_model), found


def faiss_options(index_dir: Path, encoder) -> None:
    import faiss

    from assistant.index import resolve_build

    built = faiss.read_index(str(resolve_build(index_dir) / "vectors.faiss"))
    if not hasattr(built, "k_factor"):
        print("2. FAISS options: skipped (a flat index: nothing to compare)")
        return
    vectors = built.reconstruct_n(0, built.ntotal).astype(np.float32)
    texts = scale.recall_queries(1000)
    queries = encoder.encode(texts)
    exact = faiss.IndexFlatIP(built.d)
    exact.add(vectors)
    _, truth = exact.search(queries, 10)

    def report(name, index, params=None):
        alone, after_model, found = _search_times(index, queries, texts, encoder, params)
        recall = np.mean([len(set(f[:10]) & set(t)) / 10 for f, t in zip(found, truth)])
        print(f"   {name:46} alone {alone:.2f} ms, after a model call {after_model:.2f} ms, recall@10 {recall:.4f}")

    print(f"2. FAISS options on {built.ntotal:,} vectors, {len(texts)} queries")
    for k_factor in REFINE_K_FACTORS:
        label = "served: PQ fast scan, 500 re-scored" if k_factor == 10 else f"PQ fast scan, {50 * k_factor} re-scored"
        report(label, built, faiss.IndexRefineSearchParameters(k_factor=k_factor))
    codes = faiss.downcast_index(built.base_index)
    refine = faiss.downcast_index(built.refine_index)
    shards = faiss.IndexShards(built.d, True, True)  # threaded: one shard per core
    half = built.ntotal // 2
    parts = []
    for rows in (vectors[:half], vectors[half:]):
        part = faiss.clone_index(codes)  # the same trained codebooks
        part.reset()
        part.add(rows)
        parts.append(part)
        shards.add_shard(part)
    shards.syncWithSubIndexes()
    report("the same codes in 2 shards, scanned in parallel", faiss.IndexRefine(shards, refine),
           faiss.IndexRefineSearchParameters(k_factor=10))
    for dimension in (192, 256):
        reduced = faiss.IndexPreTransform(faiss.PCAMatrix(built.d, dimension),
                                          faiss.index_factory(dimension, f"PQ{dimension // 4}x4fs",
                                                              faiss.METRIC_INNER_PRODUCT))
        option = faiss.IndexRefine(reduced, faiss.IndexScalarQuantizer(built.d, faiss.ScalarQuantizer.QT_fp16,
                                                                       faiss.METRIC_INNER_PRODUCT))
        option.train(vectors)
        option.add(vectors)
        for k_factor in (10, 20):
            report(f"PCA to {dimension}, PQ fast scan, {50 * k_factor} re-scored", option,
                   faiss.IndexRefineSearchParameters(k_factor=k_factor))


def _int8_weights(model_path: Path):
    """The export with every constant matrix-product weight in int8, one scale per output column."""
    import openvino.opset13 as ops

    from assistant.encoders.openvino import _core

    model = _core().read_model(str(model_path))
    for node in model.get_ordered_ops():
        source = node.input_value(1).get_node() if node.get_type_name() == "MatMul" else None
        if source is None or source.get_type_name() != "Constant":
            continue
        weights = source.get_data().astype(np.float32)
        reduce_axis = 1 if node.get_attributes().get("transpose_b", False) else 0
        scale_ = np.abs(weights).max(axis=reduce_axis, keepdims=True) / 127.0
        scale_[scale_ == 0] = 1.0
        codes = np.clip(np.round(weights / scale_), -127, 127).astype(np.int8)
        restored = ops.multiply(ops.convert(ops.constant(codes), "f32"), ops.constant(scale_.astype(np.float32)))
        node.input(1).replace_source_output(restored.output(0))
    return model


def encoder_options() -> None:
    from assistant.encoders import backend
    from assistant.encoders.openvino import OpenVinoEmbedder, _core

    if backend() != "openvino":
        print("3. Encoder options: skipped (OpenVINO does not answer on this CPU)")
        return
    texts = questions()
    reference = OpenVinoEmbedder.load(precision="f32", pad_to=32).encode(texts)
    served = OpenVinoEmbedder.load(pad_to=32)
    int8 = OpenVinoEmbedder(_core().compile_model(_int8_weights(served.path), "CPU", {
        "INFERENCE_PRECISION_HINT": served.precision, "INFERENCE_NUM_THREADS": os.cpu_count() or 1, "PERFORMANCE_HINT": "LATENCY"}),
        served._tokenizer, served.weights_sha256, served.path, served.precision, pad_to=32)
    options = {"served: padded to 32 tokens": served, "padded to 16 tokens": OpenVinoEmbedder.load(pad_to=16),
               "int8 weights, padded to 32": int8}
    print(f"3. Encoder options, one question at a time ({len(texts)} seed questions, {served.precision})")
    for name, encoder in options.items():
        for text in texts[:50]:
            encoder.encode([text])
        times = []
        for text in texts:
            started = time.perf_counter()
            encoder.encode([text])
            times.append((time.perf_counter() - started) * 1000)
        cosine = (encoder.encode(texts) * reference).sum(axis=1)
        print(f"   {name:30} median {statistics.median(times):.2f} ms, p90 {percentile(times, 0.9):.2f} ms; "
              f"cosine to fp32 lowest {cosine.min():.5f}")
    profile_one_call(served)


def profile_one_call(served, calls: int = 200) -> None:
    """Time per kind of operation in one 32-token call (OpenVINO's performance counters)."""
    from collections import Counter

    from assistant.encoders.openvino import _core

    compiled = _core().compile_model(str(served.path), "CPU", {
        "INFERENCE_PRECISION_HINT": served.precision, "INFERENCE_NUM_THREADS": os.cpu_count() or 1,
        "PERFORMANCE_HINT": "LATENCY", "PERF_COUNT": True})
    request = compiled.create_infer_request()
    ids = np.full((1, 32), 2000, dtype=np.int64)
    inputs = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    by_kind: Counter = Counter()
    for call in range(2 * calls):
        request.infer(inputs)
        if call >= calls:  # the first half warms up
            for layer in request.profiling_info:
                by_kind[layer.node_type] += layer.real_time.total_seconds() * 1000 / calls
    top = ", ".join(f"{kind} {ms:.2f}" for kind, ms in by_kind.most_common(4))
    print(f"   one call, by operation (ms): all {sum(by_kind.values()):.2f}; {top}")
    request = served._session.create_infer_request()
    shapes = []
    for texts, tokens in ((1, 16), (1, 32), (2, 32), (1, 64), (4, 32)):
        ids = np.full((texts, tokens), 2000, dtype=np.int64)
        inputs = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        for _ in range(30):
            request.infer(inputs)
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            request.infer(inputs)
            times.append((time.perf_counter() - started) * 1000)
        shapes.append(f"{texts}x{tokens} {statistics.median(times):.2f}")
    print(f"   one call by texts x tokens, the same shape each time (ms): {', '.join(shapes)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--knowledge", type=Path)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--passages", type=int, default=100_000)
    args = parser.parse_args()
    import faiss

    faiss.omp_set_num_threads(1)  # as served (app.configure_threads) and as scale.py measures
    with tempfile.TemporaryDirectory() as scratch:
        knowledge, index = args.knowledge, args.index
        if index is None:
            knowledge, index = Path(scratch) / "k", Path(scratch) / "i"
            scale.write_passages(knowledge, args.passages, seed=2)
            seconds, _ = scale._timed_build(knowledge, index)
            print(f"built {args.passages:,} passages in {seconds:.0f} s")
        ask_breakdown(scale.ROOT / "knowledge", scale.ROOT / "index")  # the seed, side by side
        ask_breakdown(knowledge, index, lexical_weight=0.0)  # what BM25 costs at this size
        assistant = ask_breakdown(knowledge, index)
        faiss_options(index, assistant.embedder)
    encoder_options()


if __name__ == "__main__":
    main()
