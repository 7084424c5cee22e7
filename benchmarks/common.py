"""What the benchmarks share: the questions they ask, percentiles, free ports and process memory.
Loopback only."""
from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ASSISTANT_RATE_LIMIT", "0")  # load benchmarks switch rate limiting off


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def questions() -> list[str]:
    from assistant.evaluation.answers import load_seed_set

    return [q.query for q in load_seed_set(ROOT / "knowledge" / "eval" / "seed_queries.yaml")]


def visitor_questions() -> list[str]:
    """Every labelled English question (seed, blind-tune and fresh sets; in scope and out), each once, in a fixed
    shuffled order: visitors' wording at visitors' lengths (a median of 14 tokens against the seed set's 11), for a
    load that must never repeat a question (a repeat is the answer cache's, not the model's)."""
    import random

    from assistant.evaluation.answers import load_seed_set

    texts = list(dict.fromkeys(q.query for q in load_seed_set()))
    random.Random(18).shuffle(texts)
    return texts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of the server: its master process and the worker(s) under it."""
    total, pids = 0.0, [pid]
    while pids:
        current = pids.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
            pids.extend(int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split())
        except OSError:
            continue
    return total
