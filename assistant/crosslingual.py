"""Questions in other languages, answered with the vetted English entries.

The answering model reads English only. A question in Spanish, Portuguese, French or another of the
multilingual encoder's languages is matched instead in that encoder's shared space (the crisis
classifier's Universal Sentence Encoder Multilingual v3, crisis/classifier.py): the question against
every view of every entry (heading, alternates, heading + answer, and the alternates staff wrote in other
languages, `alternates_es:`), plus a softmax regression trained
on those English views (index/classifier.py's, on these vectors), which learns what separates one
entry from its neighbours. score = best cosine + ``crosslingual_weight`` x the entry's probability.
A question nearer one of the knowledge's ``not_covered:`` questions than to any entry's view (less
``NOT_COVERED_MARGIN``) is not answered: that halved the wrong answers shown to out-of-scope Spanish
questions on the tune batch.

The knowledge's `not_covered_es:` (and `_pt`, `_fr`) questions join the English ones here: a Spanish question
sits nearer Spanish text than any English text, so with Spanish alternates only, out-of-scope Spanish
questions found them closer than any English `not_covered:` line and got answers.

Built on the first such question (about a second for the seed knowledge), in memory only. The weight, the
bar an answer needs (``crosslingual_min_score``) and ``NOT_COVERED_MARGIN`` were chosen on the tune
batches' non-English questions (research/crosslingual_tuning.py, docs/answer-quality.md).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

log = logging.getLogger("assistant")

# The languages Universal Sentence Encoder Multilingual v3 was trained on (its model card), English aside.
LANGUAGES = frozenset("ar de es fr it ja ko nl pl pt ru th tr zh".split())
# Above this many entries the cross-lingual matcher is not built (its classifier's cost grows with them).
MAX_ENTRIES = 1000
NOT_COVERED_MARGIN = 0.08  # chosen on the tune batches (research/crosslingual_tuning.py, docs/answer-quality.md)
# The cache of a matcher's trained parts (`_trained`): bump the version when what is trained changes.
CACHE_VERSION = "1"
CACHE_FILES = 8  # newest kept


@dataclass(frozen=True)
class Match:
    position: int  # the entry's position in the index's entry list
    score: float


@dataclass(frozen=True)
class Ranking:
    matches: list[Match]  # best first
    not_covered: bool     # the question is nearer a `not_covered:` question than to any entry


@dataclass(frozen=True)
class Signal:
    """The multilingual model's reading of one message against every entry (retrieval.py adds it to
    the English ranking): the best cosine over the entry's views, and the entry classifier's probability."""
    dense: np.ndarray        # one per entry
    probability: np.ndarray  # one per entry, summing to 1


class CrossLingual:
    """``rank(question)``: the entries, best first, for a question in another language. ``signal(vector)``:
    the same model's similarity of any message to every entry, which the English ranking adds."""

    def __init__(self, entries: Sequence[Any], encoder, weight: float, not_covered: Sequence[str] = ()):
        from assistant.index.views import ALTERNATE, View, entry_views

        views = [view for position, entry in enumerate(entries) for view in entry_views(position, entry)]
        # staff's alternates in other languages (`alternates_es:`): only this matcher reads them
        views += [View(position, ALTERNATE, text) for position, entry in enumerate(entries)
                  for _, text in entry.other_alternates]
        self.encoder = encoder
        self.weight = weight
        self.count = len(entries)
        self._view_entry = np.array([view.entry for view in views], dtype=np.int64)
        self._vectors, self._classifier, self._not_covered = _trained(
            [view.text for view in views], self._view_entry, self.count, list(not_covered), encoder)

    def signal(self, vector: np.ndarray) -> Signal:
        """``vector``: the encoder's vector of one message (the crisis classifier already has it)."""
        from assistant.index.classifier import SCALE, _softmax

        vector = np.asarray(vector, dtype=np.float32)
        similarity = self._vectors @ vector
        dense = np.full(self.count, -1.0)
        np.maximum.at(dense, self._view_entry, similarity)
        if self._classifier is None:
            probability = np.full(self.count, 1.0 / max(self.count, 1))
        else:
            weights, bias = self._classifier
            probability = _softmax((vector.astype(np.float64) * SCALE) @ weights + bias)
        return Signal(dense, probability)

    def rank(self, question: str, k: int = 10) -> Ranking:
        vector = np.asarray(self.encoder.encode([question]), dtype=np.float32)[0]
        signal = self.signal(vector)
        score = signal.dense + self.weight * signal.probability if self._classifier is not None else signal.dense
        order = np.argsort(-score)[:k]
        nearest_view = float((self._vectors @ vector).max())
        nearest_not_covered = float((self._not_covered @ vector).max()) if len(self._not_covered) else -1.0
        return Ranking([Match(int(i), float(score[i])) for i in order],
                       nearest_not_covered >= nearest_view - NOT_COVERED_MARGIN)


def _trained(texts: list[str], view_entry: np.ndarray, count: int, not_covered: list[str], encoder):
    """The views' vectors, the entry classifier trained on them and the not-covered questions' vectors:
    about 2 s for the seed knowledge, so kept in `.model-cache` by content (a server's or the CLI's first
    question would wait for it otherwise). A failed read or write only costs that time."""
    import hashlib
    import os

    from assistant.encoders.model import cache_dir
    from assistant.index.classifier import train_entry_classifier

    key = hashlib.sha256("\x00".join([CACHE_VERSION, getattr(encoder, "cache_tag", type(encoder).__name__),
                                       *texts, "\x01", *map(str, view_entry.tolist()), "\x01", *not_covered])
                         .encode("utf-8", "replace")).hexdigest()[:32]
    path = cache_dir() / f"multilingual-{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as saved:
            vectors, not_covered_vectors = saved["vectors"], saved["not_covered"]
            classifier = (saved["weights"], saved["bias"]) if "weights" in saved else None
        if len(vectors) == len(texts) and len(not_covered_vectors) == len(not_covered):
            return vectors, classifier, not_covered_vectors
    except (OSError, ValueError, KeyError):
        pass
    vectors = np.asarray(encoder.encode(texts), dtype=np.float32)
    classifier = train_entry_classifier(vectors, view_entry, count)
    not_covered_vectors = (np.asarray(encoder.encode(not_covered), dtype=np.float32) if not_covered
                           else np.zeros((0, vectors.shape[1]), dtype=np.float32))
    arrays = {"vectors": vectors, "not_covered": not_covered_vectors}
    if classifier is not None:
        arrays.update(weights=classifier[0], bias=classifier[1])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(temporary, **arrays)
        os.replace(temporary, path)
        for old in sorted(path.parent.glob("multilingual-*.npz"), key=lambda p: p.stat().st_mtime)[:-CACHE_FILES]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only checkout still answers, its first question a little later
    return vectors, classifier, not_covered_vectors


class LazyCrossLingual:
    """Builds the matcher on the first question that needs it, once, for one build's entries."""

    def __init__(self, entries: Sequence[Any], encoder_source, weight: float, not_covered: Sequence[str] = ()):
        self._entries, self._encoder_source, self._weight = entries, encoder_source, weight
        self._not_covered = tuple(not_covered)
        self._built: CrossLingual | None = None
        self._failed = False
        self._lock = threading.Lock()

    def get(self) -> CrossLingual | None:
        """The matcher, or None when the knowledge is too large or the multilingual model is unavailable."""
        with self._lock:
            if self._built is None and not self._failed:
                encoder = self._encoder_source()
                if encoder is None or not 2 <= len(self._entries) <= MAX_ENTRIES:
                    self._failed = True
                else:
                    try:
                        self._built = CrossLingual(self._entries, encoder, self._weight, self._not_covered)
                    except Exception:  # never let it break an answer: the visitor gets the fallback
                        self._failed = True
            return self._built


def multilingual_matcher(serving) -> CrossLingual | None:
    """The matcher whose similarity `serving`'s English ranking adds (engine.Serving), built on first use
    (from `.model-cache`, else ~2 s): a server builds it at a worker's start and on a reload, not on a
    visitor's question. None when the ranking reads none, or the matcher cannot be built."""
    reads = serving is not None and serving.crosslingual is not None and serving.retriever.reads_multilingual
    return serving.crosslingual.get() if reads else None


def signal_of(matcher: CrossLingual | None, vectors) -> Signal | None:
    """`matcher`'s similarity for a message whose multilingual vectors (`message_rows`' rows, the crisis
    classifier's) are `vectors`; None without either, or if it fails: the policy then reads its plain bars."""
    if matcher is None or vectors is None or not len(vectors):
        return None
    try:
        return matcher.signal(vectors[0])
    except Exception:  # never let it break an answer
        log.exception("the multilingual similarity failed; ranking without it")
        return None
