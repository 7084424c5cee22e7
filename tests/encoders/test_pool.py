"""Copies of the model for a server (pool.py): each copy is called from its own owner thread only, one call
at a time; a busy copy's work goes to an idle one; a lone question, staff corpora and long lists go to the
first copy. A fake encoder records its calls (the model itself is irrelevant here; test_onnx.py checks that
a real copy gives the real vectors)."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from assistant.encoders.owner import MAX_BATCH_TEXTS, ModelBusy
from assistant.encoders.pool import EncoderPool

from .test_owner import RecordingEncoder


class CopyableEncoder(RecordingEncoder):
    """A RecordingEncoder that can make copies of itself, each recording its own calls."""

    backend, build_batch = "fake", 16

    def __init__(self, delay: float = 0.0, fail_to_copy: bool = False):
        super().__init__(delay)
        self.copies: list[CopyableEncoder] = []
        self.fail_to_copy = fail_to_copy
        self.threads_per_call = 2

    def use_threads(self, threads: int) -> None:
        self.threads_per_call = threads

    def copy(self) -> "CopyableEncoder":
        if self.fail_to_copy:
            raise RuntimeError("no memory for a second copy")
        twin = CopyableEncoder(self.delay)
        twin.threads_per_call = 1
        self.copies.append(twin)
        return twin


def grown(encoder, copies: int = 2) -> EncoderPool:
    pool = EncoderPool(EncoderPool.of(encoder).owners[0])  # a pool of its own, not the process-wide one
    pool.grow(copies)
    return pool


@pytest.mark.parametrize("repeat", range(3))
def test_concurrent_questions_use_every_copy_each_from_its_own_thread_one_call_at_a_time(repeat):
    first = CopyableEncoder(delay=0.002)
    pool = grown(first)
    assert len(pool.owners) == 2
    texts = [[f"question {repeat}-{i}", f"sentence {i % 5}"] for i in range(300)]
    with ThreadPoolExecutor(32) as callers:
        results = list(callers.map(lambda asked: pool.submit(asked)(), texts))
    copies = [first, *first.copies]
    for copy in copies:
        assert not copy.overlapped  # never two calls at once on one copy
        assert len(copy.threads) == 1 and threading.get_ident() not in copy.threads
    assert copies[0].threads != copies[1].threads
    assert all(copy.calls > 0 for copy in copies)  # the second copy took work while the first was busy
    for asked, got in zip(texts, results):  # each caller gets its own texts' vectors, in order
        assert np.allclose(got, np.vstack([first.vector(t) for t in asked]))
    assert [owner.outstanding for owner in pool.owners] == [0, 0]


def test_a_lone_question_staff_corpora_and_long_lists_go_to_the_first_copy():
    first = CopyableEncoder()
    pool = grown(first)
    for i in range(5):
        pool.encode([f"one question {i}"])
        pool.submit([f"another {i}"])()
    pool.encode_corpus(["an entry", "its alternate"])
    pool.encode([f"view {i}" for i in range(MAX_BATCH_TEXTS + 1)])
    assert first.copies[0].calls == 0 and first.calls > 0


def test_an_encoder_that_cannot_copy_itself_stays_one_copy():
    class Plain(RecordingEncoder):
        backend, build_batch = "fake", 16

    pool = grown(Plain())
    assert len(pool.owners) == 1
    assert pool.encode(["still answers"]).shape == (1, 8)


def test_a_copy_that_fails_to_load_is_logged_and_the_first_serves_on_all_its_threads(caplog):
    first = CopyableEncoder(fail_to_copy=True)
    pool = grown(first)
    assert len(pool.owners) == 1 and first.threads_per_call == 2
    assert "could not load" in caplog.text
    assert pool.submit(["still answers"])().shape == (1, 8)


def test_a_copyable_encoder_without_a_thread_setting_still_gets_its_copy():
    class FixedThreads(CopyableEncoder):
        use_threads = None  # an encoder that copies itself but cannot change its threads

    first = FixedThreads()
    pool = grown(first)
    assert len(pool.owners) == 2 and first.threads_per_call == 2
    assert pool.submit(["answers"])().shape == (1, 8)


def test_a_command_line_keeps_one_copy_on_all_its_threads_and_a_server_puts_each_copy_on_one():
    first = CopyableEncoder()
    pool = EncoderPool(EncoderPool.of(first).owners[0])
    assert pool.grow(1) == 1 and first.threads_per_call == 2
    assert pool.grow(2) == 2 and first.threads_per_call == 1 == first.copies[0].threads_per_call


def test_growing_twice_adds_no_third_copy_and_the_interface_is_the_first_copys():
    first = CopyableEncoder()
    pool = grown(first)
    assert pool.grow(2) == 2 and len(first.copies) == 1
    assert (pool.name, pool.dimension, pool.weights_sha256, pool.cache_tag, pool.backend, pool.build_batch) == (
        "fake", 8, "fake-weights", "fake", "fake", 16)
    assert EncoderPool.of(pool) is pool


def test_a_question_that_waited_too_long_leaves_no_work_counted_against_its_copy():
    first = CopyableEncoder(delay=0.3)
    pool = grown(first, copies=1)
    slow = pool.submit(["a long call"])
    with pytest.raises(ModelBusy):
        pool.encode(["behind it"], timeout=0.05)  # cancelled before it ran
    slow()
    deadline = time.monotonic() + 5
    while pool.owners[0].outstanding and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pool.owners[0].outstanding == 0


def test_a_mistyped_threads_setting_is_logged_and_the_server_keeps_one_copy(monkeypatch, caplog):
    monkeypatch.setenv("ASSISTANT_ENCODER_THREADS", "two")
    pool = EncoderPool(EncoderPool.of(CopyableEncoder()).owners[0])
    assert pool.grow() == 1
    assert "ASSISTANT_ENCODER_THREADS" in caplog.text


def test_the_setting_says_how_many_copies_a_server_runs(monkeypatch):
    monkeypatch.setenv("ASSISTANT_ENCODER_THREADS", "3")
    first = CopyableEncoder()
    pool = EncoderPool(EncoderPool.of(first).owners[0])
    assert pool.grow() == 3 and len(first.copies) == 2
