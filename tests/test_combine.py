"""combine.py: concurrent callers get exactly their own rows' results, whether their rows ran alone or
stacked with others', and a failure reaches every caller of that run."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from assistant.combine import CombinedCalls

CALLERS = 16


def row_sums_slowly(started: threading.Event, release: threading.Event):
    """A function that holds its first call until `release`, so the other callers pile up behind it."""
    def function(rows):
        started.set()
        release.wait(timeout=10)
        return rows.sum(axis=1) * 10  # per row, whoever shares the call
    return function


def run_callers(calls: CombinedCalls, inputs: list[np.ndarray], first_started: threading.Event | None = None,
                release: threading.Event | None = None) -> list:
    results: list = [None] * len(inputs)

    def caller(i: int) -> None:
        try:
            results[i] = calls(inputs[i])
        except Exception as exc:  # the test reads it
            results[i] = exc

    threads = [threading.Thread(target=caller, args=(0,))]
    threads[0].start()
    if first_started is not None:
        assert first_started.wait(timeout=10)
    for i in range(1, len(inputs)):
        threads.append(threading.Thread(target=caller, args=(i,)))
        threads[-1].start()
    if release is not None:
        # every other caller is waiting (their rows listed) before the first run ends
        for _ in range(1000):
            with calls._waiting_lock:
                if len(calls._waiting) == len(inputs) - 1:
                    break
            threading.Event().wait(0.005)
        release.set()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize("repeat", range(5))
def test_callers_that_wait_together_run_in_one_call_and_each_gets_its_own_rows(repeat):
    started, release = threading.Event(), threading.Event()
    calls = CombinedCalls(row_sums_slowly(started, release), together_from=5)
    rng = np.random.default_rng(repeat)
    inputs = [rng.standard_normal((1 + i % 3, 4)).astype(np.float32) for i in range(CALLERS)]
    results = run_callers(calls, inputs, started, release)
    for rows, result in zip(inputs, results):
        np.testing.assert_allclose(result, rows.sum(axis=1) * 10, rtol=1e-6)
    assert calls.runs == 2  # the first caller alone, then the fifteen that waited, stacked


def test_a_few_waiting_rows_run_one_call_at_a_time():
    started, release = threading.Event(), threading.Event()
    calls = CombinedCalls(row_sums_slowly(started, release), together_from=50)
    inputs = [np.full((1, 3), i, dtype=np.float32) for i in range(4)]
    results = run_callers(calls, inputs, started, release)
    assert [float(r[0]) for r in results] == [0.0, 30.0, 60.0, 90.0]
    assert calls.runs == 4


def test_a_caller_alone_runs_at_once():
    calls = CombinedCalls(lambda rows: rows[:, 0])
    assert calls(np.array([[1.0, 2.0], [3.0, 4.0]])).tolist() == [1.0, 3.0]
    assert calls.runs == 1


def test_a_failure_reaches_every_caller_of_its_run_and_the_next_run_works():
    started, release = threading.Event(), threading.Event()
    broken = {"now": True}

    def function(rows):
        started.set()
        release.wait(timeout=10)
        if broken["now"] and len(rows) > 1:
            raise RuntimeError("kernel failed")
        return rows[:, 0]

    calls = CombinedCalls(function, together_from=2)
    results = run_callers(calls, [np.ones((1, 2)) * i for i in range(6)], started, release)
    assert results[0].tolist() == [0.0]  # ran alone, before the others came
    assert all(isinstance(r, RuntimeError) for r in results[1:])
    broken["now"] = False
    assert calls(np.ones((3, 2))).tolist() == [1.0, 1.0, 1.0]
