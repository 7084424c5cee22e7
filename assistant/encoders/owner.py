"""One owner of the model: a single thread runs every encode; request threads hand it texts and wait.

Why: inference runtimes differ in what they allow from several threads at once. OpenVINO's Python
binding deadlocked a cold server under 16 concurrent requests (two request threads in
`InferRequest.infer`, one waiting on a C++ static-initialisation guard while holding the GIL the
other needed), and torch modules need a lock. With one owner, no backend is ever called from two
threads, whatever the number of callers, so no backend's thread-safety has to be relied on.

Questions that arrive while the model is busy are encoded together in the owner's next call (one
batch instead of one call each), which is also what makes concurrent load cheap. A long list of texts
(the cross-lingual matcher's views, built on a served build's first question in another language) is
encoded a batch at a time, and questions that arrived meanwhile go between its batches: run whole, it
held the crisis classifier's model for seconds, and questions waiting past the classifier's 2 s limit
were screened without it. A caller waits at
most `timeout` seconds; past that it gets `ModelBusy`, and the engine answers with the crisis
screen's rules and the helplines instead of hanging (the crisis reply never waits on the model).
"""
from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

import numpy as np

from assistant.errors import ModelError

from .base import ForwardsIdentity

log = logging.getLogger("assistant")

# Texts one model call takes from queued questions: a message is 1-4 texts, so ~16 questions.
MAX_BATCH_TEXTS = 64
# Seconds a question waits for the model before the engine answers without it.
DEFAULT_TIMEOUT = 10.0


class ModelBusy(ModelError):
    """The model did not get to this question in time (overload); answer without it."""


@dataclass
class _Job:
    texts: list[str]
    future: Future = field(default_factory=Future)
    corpus: bool = False  # a staff corpus (exemplars, a build batch): run alone, with its own cache
    batch_size: int = 64
    method: str = "encode"  # or "encode_corpus" (the wrapped encoder's disk cache)
    counted: bool = False  # in its owner's `outstanding` until it is answered or cancelled


_STOP = object()


class EncoderThread(ForwardsIdentity):
    """Wraps an encoder (anything with `encode`/`encode_corpus`, `name`, `dimension`,
    `weights_sha256`) so that only one thread ever calls it. Same interface as the wrapped encoder.

    Use `EncoderThread.of(encoder)`: one owner per encoder object, however many assistants share it.
    """

    def __init__(self, inner, timeout: float = DEFAULT_TIMEOUT):
        self.inner = inner
        self.timeout = timeout
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending: list = []  # taken from the queue but not run yet (the owner thread's only)
        self.outstanding = 0  # jobs handed in and not finished: a pool (pool.py) sends work to the least busy
        self._outstanding_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"encoder-{type(inner).__name__}", daemon=True)
        self._thread.start()

    @classmethod
    def of(cls, encoder, timeout: float = DEFAULT_TIMEOUT) -> "EncoderThread":
        if isinstance(encoder, EncoderThread):
            return encoder
        with _owners_lock:
            owner = _owners.get(id(encoder))
            if owner is None or owner.inner is not encoder:
                owner = _owners[id(encoder)] = cls(encoder, timeout)
            return owner

    # -- the encoder interface, forwarded (the model's identity: ForwardsIdentity) -------------------
    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False,
               timeout: float | None = None) -> np.ndarray:
        """Embed texts on the owner thread. Raises ModelBusy after `timeout` seconds of waiting."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of texts, not one string")
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # A build's batches (batch_size given, progress) run alone, like a corpus.
        job = _Job(texts, corpus=progress or len(texts) > MAX_BATCH_TEXTS, batch_size=batch_size)
        return self._submit(job, timeout)

    def submit(self, texts: list[str], timeout: float | None = None):
        """Hand texts to the owner thread and return at once; the returned function waits for the
        vectors (raising ModelBusy after the timeout). Lets a request do other work meanwhile."""
        texts = list(texts)
        if not texts:
            return lambda: np.zeros((0, self.dimension), dtype=np.float32)
        job = _Job(texts, corpus=len(texts) > MAX_BATCH_TEXTS, batch_size=64)
        self._enqueue(job)
        return lambda: self._wait(job, timeout)

    def encode_corpus(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """A fixed staff corpus (never visitor text), through the wrapped encoder's disk cache."""
        return self._submit(_Job(list(texts), corpus=True, batch_size=batch_size, method="encode_corpus"), None)

    def close(self) -> None:
        self._queue.put(_STOP)

    # -- the owner --------------------------------------------------------------------------------
    def _submit(self, job: _Job, timeout: float | None) -> np.ndarray:
        self._enqueue(job)
        return self._wait(job, timeout)

    def _enqueue(self, job: _Job) -> None:
        if not self._thread.is_alive():
            raise ModelError("the encoder thread has stopped; restart the server")
        with self._outstanding_lock:
            self.outstanding += 1
            job.counted = True
        self._queue.put(job)

    def _release(self, job: _Job) -> None:
        """Out of `outstanding`, before its caller wakes: a caller that asks again at once must not find its
        own answered job still counted (a pool would send it to another copy)."""
        with self._outstanding_lock:
            if job.counted:
                job.counted = False
                self.outstanding -= 1

    def _wait(self, job: _Job, timeout: float | None) -> np.ndarray:
        wait = self.timeout if timeout is None and not job.corpus else timeout
        try:
            return job.future.result(timeout=wait)
        except FutureTimeout:
            if job.future.cancel():  # not started yet: the owner skips it
                self._release(job)
            raise ModelBusy(f"the model did not answer within {wait:.0f} s (overloaded)") from None

    def _run(self) -> None:
        while True:
            item = self._pending.pop(0) if self._pending else self._queue.get()
            if item is _STOP:
                return
            if item.corpus:
                self._run_alone(item)
                continue
            self._run_together([item, *self._waiting(len(item.texts))])

    def _waiting(self, texts: int = 0) -> list[_Job]:
        """Questions already queued, up to the batch limit; a long job or the stop is kept for later."""
        batch = []
        while texts < MAX_BATCH_TEXTS:
            if self._pending:  # kept back earlier, so first
                other = self._pending[0]
                if other is _STOP or other.corpus or texts + len(other.texts) > MAX_BATCH_TEXTS:
                    break
                self._pending.pop(0)
            else:
                try:
                    other = self._queue.get_nowait()
                except queue.Empty:
                    break
                if other is _STOP or other.corpus or texts + len(other.texts) > MAX_BATCH_TEXTS:
                    self._pending.append(other)
                    break
            batch.append(other)
            texts += len(other.texts)
        return batch

    def _run_alone(self, job: _Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            return
        try:
            method = getattr(self.inner, job.method, self.inner.encode)
            if job.method != "encode" or len(job.texts) <= MAX_BATCH_TEXTS:
                # encode_corpus stays whole: its disk cache is read and written per call
                vectors = method(job.texts, batch_size=job.batch_size)
                self._release(job)
                job.future.set_result(vectors)
                return
            parts = []
            for start in range(0, len(job.texts), MAX_BATCH_TEXTS):
                parts.append(method(job.texts[start:start + MAX_BATCH_TEXTS], batch_size=job.batch_size))
                waiting = self._waiting()
                if waiting:  # questions that arrived meanwhile go first, not after the whole list
                    self._run_together(waiting)
            self._release(job)
            job.future.set_result(np.vstack(parts))
        except BaseException as exc:  # the caller gets the error; the owner carries on
            self._release(job)
            job.future.set_exception(exc)

    def _run_together(self, jobs: list[_Job]) -> None:
        jobs = [job for job in jobs if job.future.set_running_or_notify_cancel()]
        if not jobs:
            return
        unique = list(dict.fromkeys(text for job in jobs for text in job.texts))
        try:
            vectors = self.inner.encode(unique)
        except BaseException as exc:
            for job in jobs:
                self._release(job)
                job.future.set_exception(exc)
            return
        row = {text: i for i, text in enumerate(unique)}
        for job in jobs:
            self._release(job)
            job.future.set_result(vectors[[row[text] for text in job.texts]])


_owners: dict[int, EncoderThread] = {}
_owners_lock = threading.Lock()


def embed_later(encoder, texts: list[str]):
    """Start encoding `texts` (on the owner thread, when `encoder` is one) and return a function that
    waits for the vectors: None, logged, if the model failed or is overloaded. A broken or busy model
    must never take the crisis path down with it: the engine answers without vectors."""
    def guarded(wait):
        try:
            return wait()
        except ModelBusy as exc:  # overload: answer without the model rather than keep the visitor waiting
            log.warning("answers skipped: %s", exc)
        except Exception:
            log.exception("embedding failed")
        return None

    submit = getattr(encoder, "submit", None)
    if submit is None:  # a plain encoder (tests): encoded when the caller waits
        return lambda: guarded(lambda: encoder.encode(texts))
    try:
        wait = submit(texts)
    except Exception:
        log.exception("embedding failed")
        return lambda: None
    return lambda: guarded(wait)
