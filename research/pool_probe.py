"""Would two copies of the answering model on one thread each serve more questions a second than one copy on
two threads (#18: 150 a second at 16 clients), and would a lone question be slower?

    .venv/bin/python research/pool_probe.py [ROUNDS]

In process, threads as served: 16 client threads each ask 40 distinct questions (the benchmark questions with a
unique suffix, so the answer cache never serves one), the two set-ups taking turns ROUNDS (4) times; then every
benchmark question alone, twice, in blocks of 20 taking turns. The set-up as of 2026-12-04 morning: one
onnxruntime session on 2 threads behind one owner thread; the other: two sessions on 1 thread, each behind its
own owner thread, a question sent to either in turn (encoders/pool.py later sends it to the least busy).
"""
from __future__ import annotations

import itertools
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import questions  # noqa: E402  (benchmarks/common.py)


class InTurn:
    """Two owners, a question to each in turn."""

    def __init__(self, owners):
        self.owners, self._turn = owners, itertools.count()

    def _next(self):
        return self.owners[next(self._turn) % len(self.owners)]

    def submit(self, texts, timeout=None):
        return self._next().submit(texts, timeout)

    def encode(self, texts, **options):
        return self._next().encode(texts, **options)

    def __getattr__(self, name):
        return getattr(self.owners[0], name)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    from assistant.encoders.onnx import OnnxEmbedder
    from assistant.encoders.owner import EncoderThread
    from assistant.engine import Assistant
    from assistant.web.serve import configure_threads

    configure_threads()
    assistant = Assistant.load(ROOT / "knowledge", ROOT / "index")
    texts = questions()
    setups = {"one copy, 2 threads": EncoderThread(OnnxEmbedder.load(threads=2)),
              "two copies, 1 thread each": InTurn([EncoderThread(OnnxEmbedder.load(threads=1)) for _ in range(2)])}

    def use(encoder) -> None:
        assistant.embedder = assistant.screen_embedder = encoder

    def load(tag: str, clients: int = 16, each: int = 40) -> float:
        start = threading.Barrier(clients)

        def client(number: int) -> None:
            start.wait()
            for i in range(each):
                assistant.ask(f"{texts[(number * each + i) % len(texts)]} ({tag}-{number}-{i})")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return clients * each / (time.perf_counter() - began)

    for encoder in setups.values():
        use(encoder)
        for text in texts[:20]:
            assistant.ask(text + " (warm-up)")
    rates = {name: [] for name in setups}
    for round_ in range(rounds):
        for name, encoder in setups.items():
            use(encoder)
            rates[name].append(round(load(f"{round_}{name[:3]}"), 1))
    alone = {name: [] for name in setups}
    for round_ in range(2):
        for block in range(0, len(texts), 20):
            for name, encoder in setups.items():
                use(encoder)
                for text in texts[block:block + 20]:
                    began = time.perf_counter()
                    assistant.ask(f"{text} [{round_}{name[:3]}]")
                    alone[name].append((time.perf_counter() - began) * 1000)
    for name in setups:
        print(f"{name}: 16 clients {rates[name]} questions/s; alone median {statistics.median(alone[name]):.2f} ms")


if __name__ == "__main__":
    main()
