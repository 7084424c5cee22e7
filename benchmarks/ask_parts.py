"""Where one `Assistant.ask` spends its time: each stage's median over the benchmark questions, in process.

    .venv/bin/python benchmarks/ask_parts.py              # 2 rounds of the 296 questions, cache cleared each time
    .venv/bin/python benchmarks/ask_parts.py --questions  # also writes benchmarks/results/questions.txt (ask.lua)

The stages are timed by wrapping the engine's own calls, so the figures include the waits between threads:
the answering model and the crisis classifier's model run side by side, and `encode, both models` is the
time from handing the question to the answering model until its vectors are back. Threads as served.
"""
from __future__ import annotations

import functools
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import questions  # noqa: E402  (benchmarks/common.py)


def main() -> None:
    import assistant.encoders.owner as owner
    import assistant.engine as engine
    import assistant.policy as policy
    from assistant.engine import Assistant
    from assistant.web.serve import configure_threads

    configure_threads()
    texts = questions()
    if "--questions" in sys.argv:
        (ROOT / "benchmarks" / "results" / "questions.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    assistant = Assistant.load(ROOT / "knowledge", ROOT / "index", draft=True)
    timings: dict[str, list[float]] = defaultdict(list)

    def timed(holder, name: str, label: str) -> None:
        original = getattr(holder, name)

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                timings[label].append((time.perf_counter() - started) * 1000)
        setattr(holder, name, wrapper)

    screen, retriever = type(assistant.state.screen), type(assistant.serving.retriever)
    timed(screen, "multilingual_vectors", "crisis classifier's model (USE), waited for")
    timed(screen, "classify", "crisis classifier's kernel (SVM)")
    timed(screen, "screen", "crisis lexicon and exemplars")
    timed(engine, "detect", "language")
    timed(retriever, "rank", "ranking (dense + lexical + policy signals)")
    timed(policy, "decide", "answer policy")
    timed(Assistant, "_answer", "whole answer (cache cleared)")
    embed_later = owner.embed_later

    def embed_timed(encoder, batch):
        started = time.perf_counter()
        pending = embed_later(encoder, batch)

        def result():
            vectors = pending()
            timings["encode, both models (answering model's vectors back)"].append(
                (time.perf_counter() - started) * 1000)
            return vectors
        return result
    owner.embed_later = embed_timed
    for text in texts[:30]:  # warm up
        assistant.ask(text, log=False)
    timings.clear()
    for _ in range(2):
        for text in texts:
            assistant._cache.clear()
            assistant.ask(text, log=False)
    print(f"{len(texts)} questions x 2, medians, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
    for label, values in sorted(timings.items(), key=lambda item: -statistics.median(item[1])):
        print(f"  {label:55} {statistics.median(values):7.3f} ms")


if __name__ == "__main__":
    main()
