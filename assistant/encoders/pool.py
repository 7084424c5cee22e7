"""Copies of the answering model for a server on several cores, each run by its own owner thread.

Why: under concurrent load one copy of the model on two threads spends part of each call keeping its two
threads in step, and the crisis classifier's model and the request threads want the same two cores. Two
copies on one thread each, every copy with its own owner thread (owner.py), answered a fifth more
questions a second in process at 16 clients, and a question asked alone took no longer, the crisis
classifier's model running beside it either way (research/pool_probe.py; docs/performance.md has the
served figures).

Each copy is its own onnxruntime session, called only from its own owner thread, so no session is ever
called from two threads. A question goes to the copy with the fewest jobs waiting or running (the first on
a tie, so one visitor at a time always meets the same copy); staff corpora and long lists go to the first,
whose disk cache and progress bar they use. The CLI, `eval` and builds keep one copy on all its threads
(their long lists run faster on two threads): `grow` is called by the server only (`web/serve.create_app`),
which then puts the first copy on one thread too.
"""
from __future__ import annotations

import logging
import threading

import numpy as np

from .base import ForwardsIdentity
from .owner import MAX_BATCH_TEXTS, EncoderThread

log = logging.getLogger("assistant")


class EncoderPool(ForwardsIdentity):
    """The encoder interface of `EncoderThread`, over one or more copies of one model."""

    def __init__(self, first: EncoderThread):
        self.owners: tuple[EncoderThread, ...] = (first,)
        self._grow_lock = threading.Lock()

    @classmethod
    def of(cls, encoder) -> "EncoderPool":
        """One pool per encoder object, however many assistants share it (as `EncoderThread.of`)."""
        if isinstance(encoder, EncoderPool):
            return encoder
        first = EncoderThread.of(encoder)
        with _pools_lock:
            pool = _pools.get(id(first))
            if pool is None or pool.owners[0] is not first:
                pool = _pools[id(first)] = cls(first)
            return pool

    def grow(self, copies: int | None = None) -> int:
        """Up to `copies` copies of the model (default: `ASSISTANT_ENCODER_THREADS`, the cores, at most 2),
        one thread each. An encoder that cannot copy itself (the reference encoder, tests' fakes) stays
        one; a copy that fails to load is logged and the pool serves with what it has."""
        from assistant.errors import ModelError

        from .chooser import encoder_threads

        try:
            wanted = encoder_threads() if copies is None else copies
        except ModelError as exc:  # a mistyped ASSISTANT_ENCODER_THREADS must not stop the server
            log.error("%s; serving with one copy of the answering model", exc)
            return len(self.owners)
        make = getattr(self.inner, "copy", None)
        with self._grow_lock:
            while make is not None and len(self.owners) < wanted:
                try:
                    twin = make()
                except Exception:
                    log.exception("a second copy of the answering model could not load; serving with %d",
                                  len(self.owners))
                    break
                if len(self.owners) == 1 and callable(getattr(self.inner, "use_threads", None)):
                    # A copy per thread instead of threads per call (the module's why); only once the second
                    # copy is there, so a first copy left alone keeps all its threads.
                    self.inner.use_threads(1)
                self.owners = (*self.owners, EncoderThread(twin, timeout=self.owners[0].timeout))
        return len(self.owners)

    # -- the encoder interface (the model's identity: ForwardsIdentity, from the first copy) ------------
    @property
    def inner(self):
        return self.owners[0].inner

    def _least_busy(self) -> EncoderThread:
        owners = self.owners  # one snapshot: `grow` may add a copy meanwhile
        return min(owners, key=lambda owner: owner.outstanding)  # min keeps the first of equals

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False,
               timeout: float | None = None) -> np.ndarray:
        long = progress or isinstance(texts, str) or len(texts) > MAX_BATCH_TEXTS
        owner = self.owners[0] if long else self._least_busy()
        return owner.encode(texts, batch_size=batch_size, progress=progress, timeout=timeout)

    def submit(self, texts: list[str], timeout: float | None = None):
        return self._least_busy().submit(texts, timeout=timeout)

    def encode_corpus(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        return self.owners[0].encode_corpus(texts, batch_size=batch_size, progress=progress)

    def close(self) -> None:
        for owner in self.owners:
            owner.close()


_pools: dict[int, EncoderPool] = {}
_pools_lock = threading.Lock()
