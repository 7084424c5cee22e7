"""Retrieval: rank entries for a question by fusing several signals.

dense(entry)   = max over the entry's views of cosine(question, view), taken over the
                 question as typed and, when it has misspelt words, a spelling-corrected copy
lexical(entry) = BM25(question, entry text) / (BM25 of the best entry + saturation)
classifier     = probability of the entry under a softmax regression trained on the
                 knowledge's own phrasings (classifier.py; small knowledge bases only)
coverage       = share of the question's content words the knowledge uses at all
                 (exact, same 5-letter stem, or a close spelling: typos still count)
score          = dense + lexical_weight * lexical + classifier_weight * classifier
                 - unknown_word_penalty * (1 - coverage)

Coverage does not change the ranking (it is the same for every entry); it lowers the
confidence for questions about things the knowledge never mentions ("does insurance
cover aftercare"), which embeddings alone rate as close to the topic. Every weight was
chosen by measurement on the tune split and the public datasets (README, "Answer quality").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .classifier import entry_probabilities
from .index import LoadedIndex, tokenize

LEXICAL_SATURATION = 4.0
# For large indexes only the nearest views are scored exactly.
DENSE_CANDIDATE_VIEWS = 512
SPELLING_CUTOFF = 80  # rapidfuzz ratio (0-100), the same measure as difflib's ratio x 100
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@dataclass(frozen=True)
class Candidate:
    """One ranked entry before the confidence policy."""

    position: int
    score: float
    dense: float
    lexical: float
    classifier: float = 0.0
    coverage: float = 1.0


class Retriever:
    def __init__(self, index: LoadedIndex, lexical_weight: float = 0.15, classifier_weight: float = 0.3,
                 unknown_word_penalty: float = 0.0, saturation: float = LEXICAL_SATURATION,
                 view_weights: dict[str, float] | None = None):
        self.index = index
        self.lexical_weight = lexical_weight
        self.classifier_weight = classifier_weight if index.classifier is not None else 0.0
        self.unknown_word_penalty = unknown_word_penalty
        self.saturation = saturation
        weights = view_weights or {}
        self._view_weight = np.array([weights.get(str(k), 1.0) for k in index.view_kind], dtype=np.float32)
        self._n_entries = len(index.entries)
        # A small exact index is faster as one matrix product than as a FAISS search for every
        # vector (0.02 ms vs 1 ms for the seed's 277 vectors); large ones use FAISS (HNSW).
        n_views = index.faiss_index.ntotal
        self._matrix = (index.faiss_index.reconstruct_n(0, n_views)
                        if n_views <= 4096 and type(index.faiss_index).__name__ == "IndexFlatIP" else None)
        # FAISS's HNSW explores only `efSearch` (default 16) candidates whatever k is asked for:
        # measured recall@10 0.96 at the default, 1.00 with efSearch = k. Per search, so thread-safe.
        self._search_params = None
        if hasattr(index.faiss_index, "hnsw"):
            import faiss

            self._search_params = faiss.SearchParametersHNSW(efSearch=min(n_views, DENSE_CANDIDATE_VIEWS))
        self._vocab = set(getattr(index.lexical, "vocab_dict", {}) or {})
        self._vocab.discard("")
        self._stems = {word[:5] for word in self._vocab if len(word) >= 5}
        # Fuzzy spelling look-ups are linear in the vocabulary: only for small knowledge bases.
        self._fuzzy_vocab = sorted(self._vocab) if len(self._vocab) <= 50_000 else []
        self._closest = lru_cache(maxsize=50_000)(self._closest_uncached)

    @classmethod
    def from_settings(cls, index: LoadedIndex, settings) -> "Retriever":
        return cls(index, lexical_weight=settings.lexical_weight, classifier_weight=settings.classifier_weight,
                   unknown_word_penalty=settings.unknown_word_penalty)

    # -- query preparation -------------------------------------------------------------
    def _known(self, word: str) -> bool:
        return word in self._vocab or (len(word) >= 5 and word[:5] in self._stems)

    def _closest_uncached(self, word: str) -> str | None:
        if not self._fuzzy_vocab:
            return None
        from rapidfuzz import fuzz, process

        match = process.extractOne(word, self._fuzzy_vocab, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
        return match[0] if match else None

    def query_variants(self, query_text: str) -> list[str]:
        """The question, plus a copy with misspelt words replaced by the knowledge's spelling."""
        def fix(match: re.Match) -> str:
            word = match.group(0)
            lower = word.lower()
            if len(lower) <= 3 or self._known(lower):
                return word
            return self._closest(lower) or word

        corrected = WORD.sub(fix, query_text)
        return [query_text] if corrected == query_text else [query_text, corrected]

    @staticmethod
    def content_words(query_text: str) -> list[str]:
        tokens = tokenize([query_text])
        vocab_inverse = {i: t for t, i in tokens.vocab.items()}
        return [vocab_inverse[i] for i in tokens.ids[0] if vocab_inverse.get(i)]

    def coverage(self, words: list[str]) -> float:
        if not words or not self._vocab:
            return 1.0
        return sum(1 for w in words if self._known(w) or self._closest(w)) / len(words)

    # -- signals ---------------------------------------------------------------------
    def dense_scores(self, query_vectors: np.ndarray) -> np.ndarray:
        """Best view similarity per entry over all query variants (-1 where nothing was scored)."""
        query_vectors = np.ascontiguousarray(np.atleast_2d(query_vectors), dtype=np.float32)
        scores = np.full(self._n_entries, -1.0, dtype=np.float32)
        if self._matrix is not None:
            best_view = (query_vectors @ self._matrix.T).max(axis=0) * self._view_weight
            np.maximum.at(scores, self.index.view_entry, best_view)
            return scores
        similarities, ids = self.nearest_views(query_vectors)
        for row_sims, row_ids in zip(similarities, ids):
            valid = row_ids >= 0
            row_ids, row_sims = row_ids[valid], row_sims[valid]
            np.maximum.at(scores, self.index.view_entry[row_ids], row_sims * self._view_weight[row_ids])
        return scores

    def nearest_views(self, query_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The DENSE_CANDIDATE_VIEWS most similar views per query vector, as FAISS finds them."""
        k = min(self.index.faiss_index.ntotal, DENSE_CANDIDATE_VIEWS)
        return self.index.faiss_index.search(np.ascontiguousarray(query_vectors, dtype=np.float32), k,
                                             params=self._search_params)

    def lexical_scores(self, words: list[str]) -> np.ndarray:
        if not words:
            return np.zeros(self._n_entries, dtype=np.float32)
        raw = np.asarray(self.index.lexical.get_scores(words), dtype=np.float32)
        best = float(raw.max()) if raw.size else 0.0
        if best <= 0:
            return np.zeros(self._n_entries, dtype=np.float32)
        return raw / (best + self.saturation)

    def rank(self, query_text: str, query_vectors: np.ndarray, k: int = 10) -> list[Candidate]:
        """Rank entries. `query_vectors` are the embeddings of `query_variants(query_text)`."""
        query_vectors = np.atleast_2d(query_vectors)
        dense = self.dense_scores(query_vectors)
        words = self.content_words(query_text)
        lexical = self.lexical_scores(words) if self.lexical_weight > 0 else np.zeros_like(dense)
        classifier = (entry_probabilities(self.index.classifier, query_vectors)
                      if self.classifier_weight > 0 else None)
        if classifier is None:
            classifier = np.zeros_like(dense)
        coverage = self.coverage(words) if self.unknown_word_penalty > 0 else 1.0
        fused = (dense + self.lexical_weight * lexical + self.classifier_weight * classifier
                 - self.unknown_word_penalty * (1.0 - coverage))
        k = min(k, self._n_entries)
        top = np.argpartition(-fused, k - 1)[:k] if k < self._n_entries else np.arange(self._n_entries)
        top = top[np.argsort(-fused[top], kind="stable")]
        return [Candidate(int(i), float(fused[i]), float(dense[i]), float(lexical[i]), float(classifier[i]), coverage)
                for i in top]
