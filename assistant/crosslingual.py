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

import threading
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

# The languages Universal Sentence Encoder Multilingual v3 was trained on (its model card), English aside.
LANGUAGES = frozenset("ar de es fr it ja ko nl pl pt ru th tr zh".split())
# Above this many entries the cross-lingual matcher is not built (its classifier's cost grows with them).
MAX_ENTRIES = 1000
NOT_COVERED_MARGIN = 0.08  # chosen on the tune batches (research/crosslingual_tuning.py, docs/answer-quality.md)


@dataclass(frozen=True)
class Match:
    position: int  # the entry's position in the index's entry list
    score: float


@dataclass(frozen=True)
class Ranking:
    matches: list[Match]  # best first
    not_covered: bool     # the question is nearer a `not_covered:` question than to any entry


class CrossLingual:
    """``rank(question)``: the entries, best first, for a question in another language."""

    def __init__(self, entries: Sequence[Any], encoder, weight: float, not_covered: Sequence[str] = ()):
        from assistant.index.classifier import train_entry_classifier
        from assistant.index.views import ALTERNATE, View, entry_views

        views = [view for position, entry in enumerate(entries) for view in entry_views(position, entry)]
        # staff's alternates in other languages (`alternates_es:`): only this matcher reads them
        views += [View(position, ALTERNATE, text) for position, entry in enumerate(entries)
                  for _, text in entry.other_alternates]
        self.encoder = encoder
        self.weight = weight
        self.count = len(entries)
        self._view_entry = np.array([view.entry for view in views], dtype=np.int64)
        self._vectors = np.asarray(encoder.encode([view.text for view in views]), dtype=np.float32)
        self._classifier = train_entry_classifier(self._vectors, self._view_entry, self.count)
        self._not_covered = (np.asarray(encoder.encode(list(not_covered)), dtype=np.float32)
                             if not_covered else np.zeros((0, self._vectors.shape[1]), dtype=np.float32))

    def rank(self, question: str, k: int = 10) -> Ranking:
        from assistant.index.classifier import SCALE, _softmax

        vector = np.asarray(self.encoder.encode([question]), dtype=np.float32)[0]
        similarity = self._vectors @ vector
        dense = np.full(self.count, -1.0)
        np.maximum.at(dense, self._view_entry, similarity)
        score = dense
        if self._classifier is not None:
            weights, bias = self._classifier
            score = dense + self.weight * _softmax((vector.astype(np.float64) * SCALE) @ weights + bias)
        order = np.argsort(-score)[:k]
        nearest_not_covered = float((self._not_covered @ vector).max()) if len(self._not_covered) else -1.0
        return Ranking([Match(int(i), float(score[i])) for i in order],
                       nearest_not_covered >= float(similarity.max()) - NOT_COVERED_MARGIN)


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
