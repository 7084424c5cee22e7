"""One owner of the model: however many threads ask, the encoder is only ever called from one thread,
one call at a time. A fake encoder records every call (the model itself is irrelevant here)."""
import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from assistant.encoders.owner import EncoderThread, ModelBusy


class RecordingEncoder:
    """Deterministic vectors from the text's hash; remembers which threads called and any overlap."""

    name, dimension, weights_sha256, cache_tag = "fake", 8, "fake-weights", "fake"

    def __init__(self, delay: float = 0.0, fail_on: str | None = None):
        self.delay, self.fail_on = delay, fail_on
        self.threads: set[int] = set()
        self.calls = 0
        self.inside = 0
        self.overlapped = False
        self._lock = threading.Lock()

    @staticmethod
    def vector(text: str) -> np.ndarray:
        raw = np.frombuffer(hashlib.sha256(text.encode()).digest()[:32], dtype=np.uint8)[:8].astype(np.float32)
        return raw / np.linalg.norm(raw)

    def encode(self, texts, batch_size=64, progress=False):
        with self._lock:
            self.inside += 1
            self.overlapped |= self.inside > 1
            self.threads.add(threading.get_ident())
            self.calls += 1
        try:
            time.sleep(self.delay)
            if self.fail_on in texts:
                raise RuntimeError("model failed")
            return np.vstack([self.vector(t) for t in texts])
        finally:
            with self._lock:
                self.inside -= 1

    encode_corpus = encode


def test_many_callers_never_call_the_model_concurrently_or_from_their_own_threads():
    fake = RecordingEncoder(delay=0.001)
    owner = EncoderThread(fake)
    texts = [[f"question {i}", f"sentence {i % 7}"] for i in range(400)]
    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(owner.encode, texts))
    assert not fake.overlapped
    assert len(fake.threads) == 1 and threading.get_ident() not in fake.threads
    for asked, got in zip(texts, results):  # each caller gets its own texts' vectors, in order
        assert np.allclose(got, np.vstack([fake.vector(t) for t in asked]))


def test_questions_waiting_together_are_encoded_in_one_call():
    fake = RecordingEncoder(delay=0.05)
    owner = EncoderThread(fake)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda i: owner.encode([f"q{i}"]), range(16)))
    assert fake.calls <= 4  # 16 callers, a few model calls: later arrivals share the next call


def test_a_caller_that_waits_too_long_gets_model_busy_and_its_texts_are_skipped():
    fake = RecordingEncoder(delay=0.5)
    owner = EncoderThread(fake, timeout=0.1)
    first = threading.Thread(target=lambda: owner.encode(["slow"], timeout=5))
    first.start()
    time.sleep(0.05)
    with pytest.raises(ModelBusy):
        owner.encode(["late"])
    first.join()
    time.sleep(0.1)
    assert fake.calls == 1  # the late question was cancelled before the model got to it


def test_a_failing_call_reaches_its_callers_and_the_owner_carries_on():
    fake = RecordingEncoder(fail_on="boom")
    owner = EncoderThread(fake)
    with pytest.raises(RuntimeError, match="model failed"):
        owner.encode(["boom"])
    assert owner.encode(["fine"]).shape == (1, 8)


def test_one_owner_per_encoder():
    fake = RecordingEncoder()
    assert EncoderThread.of(fake) is EncoderThread.of(fake)
    assert EncoderThread.of(EncoderThread.of(fake)) is EncoderThread.of(fake)
    assert EncoderThread.of(fake).weights_sha256 == "fake-weights"


def test_submit_returns_at_once_and_the_waiter_gets_the_vectors():
    fake = RecordingEncoder(delay=0.3)
    owner = EncoderThread(fake, timeout=5)
    begin = time.perf_counter()
    wait = owner.submit(["a question"])
    assert time.perf_counter() - begin < 0.1  # the caller is free while the model works
    np.testing.assert_allclose(wait(), RecordingEncoder.vector("a question")[None, :])
    assert owner.submit([])().shape == (0, fake.dimension)


def test_a_submitted_job_that_waits_too_long_raises_model_busy():
    fake = RecordingEncoder(delay=0.5)
    owner = EncoderThread(fake, timeout=5)
    first = owner.submit(["slow"])
    late = owner.submit(["late"], timeout=0.1)
    with pytest.raises(ModelBusy):
        late()
    first()


@pytest.mark.parametrize("attempt", range(3))
def test_a_question_asked_during_a_long_list_is_answered_between_its_batches(attempt):
    """The risky moment: a served build's first question in another language makes the cross-lingual matcher
    encode ~1,600 texts through the crisis classifier's owner; a visitor's message must not wait behind all of
    them (past the classifier's wait limit it would be screened without the classifier)."""
    fake = RecordingEncoder(delay=0.02)  # 20 ms a call: the long list takes 10 calls, 0.2 s
    owner = EncoderThread(fake, timeout=5)
    texts = [f"view {i}" for i in range(640)]
    long_list = ThreadPoolExecutor(1).submit(owner.encode, texts)
    time.sleep(0.03)  # the owner is inside the list's first batch
    began = time.perf_counter()
    owner.encode(["a visitor's message"])
    waited = time.perf_counter() - began
    assert not long_list.done() and waited < 0.15  # a batch or two of the list, not all ten
    assert np.allclose(long_list.result(timeout=5), np.vstack([fake.vector(t) for t in texts]))  # rows in order
    assert not fake.overlapped


def test_a_long_list_of_staff_texts_through_the_disk_cache_stays_one_call():
    fake = RecordingEncoder()
    owner = EncoderThread(fake)
    owner.encode_corpus([f"exemplar {i}" for i in range(300)])
    assert fake.calls == 1
