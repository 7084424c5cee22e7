"""Retrieval: rank entries for a question by fusing embedding similarity with a lexical signal.

dense(entry)   = max over the entry's views of weight[kind] * cosine(question, view)
lexical(entry) = BM25(question, entry text) / (BM25 of the best entry + saturation)
coverage       = share of the question's content words the knowledge uses at all
                 (exact, same 5-letter stem, or a close spelling: typos still count)
score          = dense + lexical_weight * lexical - unknown_word_penalty * (1 - coverage)

Coverage does not change the ranking (it is the same for every entry); it lowers the
confidence for questions about things the knowledge never mentions ("does insurance
cover aftercare"), which embeddings alone rate as close to the topic.

The weights and the saturation were chosen by measurement on the seed evaluation set and
the public datasets (README, "Answer quality"); `eval --sweep` re-runs that measurement.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from .index import LoadedIndex, tokenize
from .views import ALTERNATE, HEADING, TITLED_ANSWER

VIEW_WEIGHTS = {HEADING: 1.0, ALTERNATE: 1.0, TITLED_ANSWER: 1.0}
LEXICAL_SATURATION = 1.0
# For large indexes only the nearest views are scored exactly.
DENSE_CANDIDATE_VIEWS = 512


@dataclass(frozen=True)
class Candidate:
    """One ranked entry before the confidence policy."""

    position: int
    score: float
    dense: float
    lexical: float
    coverage: float = 1.0


class Retriever:
    def __init__(self, index: LoadedIndex, lexical_weight: float = 0.15,
                 view_weights: dict[str, float] | None = None, saturation: float = LEXICAL_SATURATION,
                 unknown_word_penalty: float = 0.0):
        self.index = index
        self.lexical_weight = lexical_weight
        self.saturation = saturation
        self.unknown_word_penalty = unknown_word_penalty
        self._vocab = set(getattr(index.lexical, "vocab_dict", {}) or {})
        self._vocab.discard("")
        self._stems = {word[:5] for word in self._vocab if len(word) >= 5}
        # Fuzzy spelling look-ups are linear in the vocabulary: only for small knowledge bases.
        self._fuzzy_vocab = sorted(self._vocab) if len(self._vocab) <= 20_000 else []
        weights = view_weights or VIEW_WEIGHTS
        self._view_weight = np.array([weights.get(str(k), 1.0) for k in index.view_kind], dtype=np.float32)
        self._n_entries = len(index.entries)

    def dense_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Best weighted view similarity per entry (-1 where no view was scored)."""
        n_views = self.index.faiss_index.ntotal
        k = n_views if n_views <= 4096 else min(n_views, DENSE_CANDIDATE_VIEWS)
        similarities, ids = self.index.faiss_index.search(query_vector.reshape(1, -1).astype(np.float32), k)
        ids, similarities = ids[0], similarities[0]
        valid = ids >= 0
        ids, similarities = ids[valid], similarities[valid]
        weighted = similarities * self._view_weight[ids]
        scores = np.full(self._n_entries, -1.0, dtype=np.float32)
        np.maximum.at(scores, self.index.view_entry[ids], weighted)
        return scores

    @staticmethod
    def content_words(query_text: str) -> list[str]:
        tokens = tokenize([query_text])
        vocab_inverse = {i: t for t, i in tokens.vocab.items()}
        return [vocab_inverse[i] for i in tokens.ids[0] if vocab_inverse.get(i)]

    def coverage(self, words: list[str]) -> float:
        if not words or not self._vocab:
            return 1.0
        known = sum(
            1 for w in words
            if w in self._vocab or (len(w) >= 5 and w[:5] in self._stems)
            or (self._fuzzy_vocab and difflib.get_close_matches(w, self._fuzzy_vocab, n=1, cutoff=0.8))
        )
        return known / len(words)

    def lexical_scores(self, words: list[str]) -> np.ndarray:
        if not words:
            return np.zeros(self._n_entries, dtype=np.float32)
        raw = np.asarray(self.index.lexical.get_scores(words), dtype=np.float32)
        best = float(raw.max()) if raw.size else 0.0
        if best <= 0:
            return np.zeros(self._n_entries, dtype=np.float32)
        return raw / (best + self.saturation)

    def rank(self, query_text: str, query_vector: np.ndarray, k: int = 10) -> list[Candidate]:
        dense = self.dense_scores(query_vector)
        words = self.content_words(query_text)
        lexical = self.lexical_scores(words) if self.lexical_weight > 0 else np.zeros_like(dense)
        coverage = self.coverage(words) if self.unknown_word_penalty > 0 else 1.0
        fused = dense + self.lexical_weight * lexical - self.unknown_word_penalty * (1.0 - coverage)
        k = min(k, self._n_entries)
        top = np.argpartition(-fused, k - 1)[:k] if k < self._n_entries else np.arange(self._n_entries)
        top = top[np.argsort(-fused[top], kind="stable")]
        return [Candidate(int(i), float(fused[i]), float(dense[i]), float(lexical[i]), coverage) for i in top]
