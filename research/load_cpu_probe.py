"""Under concurrent load, which thread spends the CPU of a question (#18: 150 questions a second on 2 cores)?

    .venv/bin/python research/load_cpu_probe.py [CLIENTS] [QUESTIONS_EACH]

In process, as served (`configure_threads`, the engine's owner threads): CLIENTS threads (16) each ask
QUESTIONS_EACH (40) distinct questions (the benchmark questions with a unique suffix, as benchmarks/ask.lua
sends them, so the answer cache never serves one). The CPU time of every thread of the process is read from
/proc before and after and divided by the questions answered: the answering model's owner thread, the
crisis classifier's model's owner thread, the client threads (the rest of `Assistant.ask`: the crisis
classifier's kernel, ranking, the lexicon, language) and threads Python does not know (onnxruntime's and
OpenBLAS's workers). 2 cores give 13.3 ms of CPU per question at 150 a second, whatever the split.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import questions  # noqa: E402  (benchmarks/common.py)

TICK = os.sysconf("SC_CLK_TCK")


def cpu_by_thread() -> Counter:
    """CPU seconds (user + system) of every thread of this process, by native thread id."""
    times: Counter = Counter()
    for tid in os.listdir("/proc/self/task"):
        try:
            fields = Path(f"/proc/self/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        times[int(tid)] = (int(fields[11]) + int(fields[12])) / TICK
    return times


def main() -> None:
    clients = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    each = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    from assistant.engine import Assistant
    from assistant.web.serve import configure_threads

    configure_threads()
    assistant = Assistant.load(ROOT / "knowledge", ROOT / "index")
    texts = questions()
    for text in texts[:20]:  # warm up: models loaded, owner threads started
        assistant.ask(text + " (warm-up)")
    run = int(time.time()) % 900000 + 100000  # six digits, as benchmarks/ask.lua sends

    # Clients stay alive until their CPU time is read: an ended thread leaves /proc.
    done, release = threading.Barrier(clients + 1), threading.Event()

    def client(number: int) -> None:
        for i in range(each):
            assistant.ask(f"{texts[(number * each + i) % len(texts)]} ({run}-{number}-{i})")
        done.wait()
        release.wait()

    workers = [threading.Thread(target=client, args=(n,), name=f"client-{n}") for n in range(clients)]
    before, began = cpu_by_thread(), time.perf_counter()
    for worker in workers:
        worker.start()
    done.wait()
    elapsed, after = time.perf_counter() - began, cpu_by_thread()
    release.set()
    for worker in workers:
        worker.join()
    asked = clients * each
    names = {t.native_id: t.name for t in threading.enumerate()}
    names.update({w.native_id: w.name for w in workers})
    groups: Counter = Counter()
    for tid, seconds in (after - before).items():
        name = names.get(tid, "threads Python does not know (onnxruntime, OpenBLAS)")
        groups["client threads (the rest of Assistant.ask)" if name.startswith("client-") else name] += seconds
    print(f"{asked} questions from {clients} threads in {elapsed:.1f} s: {asked / elapsed:.1f} a second")
    for name, seconds in groups.most_common():
        print(f"  {1000 * seconds / asked:6.2f} ms of CPU a question  {name}")
    print(f"  {1000 * sum(groups.values()) / asked:6.2f} ms in all (150 a second on 2 cores: 13.3)")


if __name__ == "__main__":
    main()
