"""Concurrent calls of one row-wise numpy function, run together when enough of them wait.

Why: the crisis classifier's kernel reads all of its support vectors (10,111 × 896 floats, 36 MB) for
every message. One message at a time that is a memory-bound pass of 1.3-2.6 ms here; sixteen requests
doing it side by side on two cores pay it sixteen times. Stacked into one matrix product the vectors
are read once for all of them (16 rows: ~0.5 ms a row). The product has a fixed cost of its own
(~5 ms with one BLAS thread), so a few rows are cheaper one by one: `together_from` is where the
stacked product starts to win (research/kernel_probe.py).

How ("flat combining"): a caller adds its rows to the waiting list, then takes the run lock. If a
caller before it already ran its rows, it returns their result; otherwise it runs everything waiting,
its own rows included, and hands every caller its part. Alone, a caller runs its own rows at once: no
thread, no queue, no wait. A failure reaches every caller whose rows were in that run, and the next
run starts clean.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

# Rows from which one stacked product beats row-by-row passes (research/kernel_probe.py, 2026-12-04: at 4 rows
# the two cost the same, at 8 one product took half the time).
TOGETHER_FROM = 5


@dataclass
class _Call:
    rows: object  # np.ndarray, one row per item
    result: object = None
    error: BaseException | None = None
    done: bool = False


class CombinedCalls:
    """``calls(rows)`` returns ``function(rows)``, as if called directly; concurrent callers' rows run in
    one call of ``function`` when at least ``together_from`` rows wait. ``function`` maps an (n, d) array
    to an array whose first axis has n items, one per row, and must not depend on which rows share a call."""

    def __init__(self, function: Callable, together_from: int = TOGETHER_FROM):
        self.function = function
        self.together_from = together_from
        self.runs = 0  # calls of `function`, for tests and benchmarks
        self._waiting: list[_Call] = []
        self._waiting_lock = threading.Lock()
        self._run_lock = threading.Lock()

    def __call__(self, rows):
        import numpy as np

        call = _Call(np.asarray(rows))
        with self._waiting_lock:
            self._waiting.append(call)
        with self._run_lock:
            if not call.done:  # nobody ran it yet: run it and everything that waits with it
                with self._waiting_lock:
                    taken, self._waiting = self._waiting, []
                self._run(taken)
        if call.error is not None:
            raise call.error
        return call.result

    def _run(self, calls: list[_Call]) -> None:
        """Under the run lock. Every call in ``calls`` is done when this returns, whatever happens."""
        import numpy as np

        try:
            if len(calls) > 1 and sum(len(c.rows) for c in calls) >= self.together_from:
                self.runs += 1
                results = self.function(np.vstack([c.rows for c in calls]))
                start = 0
                for c in calls:
                    c.result, start = results[start:start + len(c.rows)], start + len(c.rows)
            else:
                for c in calls:
                    self.runs += 1
                    c.result = self.function(c.rows)
        except BaseException as exc:  # every caller of this run gets the error, not only the runner
            for c in calls:
                if c.result is None:
                    c.error = exc
        finally:
            for c in calls:
                c.done = True
