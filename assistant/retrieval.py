"""Retrieval: rank entries for a question by fusing several signals.

dense(entry)   = max over the entry's views of cosine(question, view), the question read as
                 meant: chat shorthand written out (shorthand.py) and misspelt words (neither
                 the knowledge nor the model's vocabulary has them) spelt as the knowledge does
lexical(entry) = BM25(question, entry text) / (BM25 of the best entry + saturation)
classifier     = probability of the entry under a softmax regression trained on the
                 knowledge's own phrasings (classifier.py; small knowledge bases only)
not_covered    = probability that the question is like those the knowledge lists as not
                 answered (`not_covered:`; classifier.py; 0 without such a list)
coverage       = share of the question's content words the knowledge uses at all
                 (exact, same 5-letter stem, or a close spelling: typos still count)
score          = dense + lexical_weight * lexical + classifier_weight * classifier
                 - unknown_word_penalty * (1 - coverage) - not_covered_weight * not_covered

Coverage and not_covered do not change the ranking (each is the same for every entry);
they lower the confidence for questions about things the knowledge never answers ("does
insurance cover aftercare"), which embeddings alone rate as close to the topic. Every weight was
chosen by measurement on the tune split and the public datasets (docs/answer-quality.md).

A small index scores every entry. A large one scores only candidates (the entries of the
nearest views FAISS finds, and the best BM25 matches), each with the same formula.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant import shorthand
from assistant.index.classifier import entry_probabilities, not_covered_probability
from assistant.index.lexical import TOKEN, stopwords
from assistant.index.load import LoadedIndex
from assistant.wordlist import english_words

LEXICAL_SATURATION = 4.0
# Large indexes score only candidates: the nearest views FAISS finds, plus the best BM25 matches
# (a word-for-word match the embedding ranks lower still competes). Every candidate is then
# scored exactly, as the small-index path scores every entry.
DENSE_CANDIDATE_VIEWS = 50
LEXICAL_CANDIDATES = 50
# A compressed index (index.COMPRESSED_INDEX) re-scores this many times the views asked for
# (500): recall@10 against exact search 0.997 at 500, 0.999 at 1000 on 200,000 vectors, for
# 0.53 and 0.66 ms (benchmarks/scale.py; research/README.md).
REFINE_K_FACTOR = 10
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
    not_covered: float = 0.0


class Retriever:
    def __init__(self, index: LoadedIndex, lexical_weight: float = 0.15, classifier_weight: float = 0.3,
                 unknown_word_penalty: float = 0.0, saturation: float = LEXICAL_SATURATION,
                 view_weights: dict[str, float] | None = None, not_covered_weight: float = 0.0,
                 dictionary: frozenset[str] | None = None):
        self.index = index
        self.lexical_weight = lexical_weight
        self.classifier_weight = classifier_weight if index.classifier is not None else 0.0
        self.unknown_word_penalty = unknown_word_penalty
        self.not_covered_weight = not_covered_weight if index.not_covered_detector is not None else 0.0
        self.saturation = saturation
        weights = view_weights or {}
        kinds, kind_of_view = np.unique(np.asarray(index.view_kind, dtype=str), return_inverse=True)
        self._view_weight = np.array([weights.get(str(k), 1.0) for k in kinds], dtype=np.float32)[kind_of_view]
        self._uniform_view_weight = bool(np.all(self._view_weight == 1.0))
        self._n_entries = len(index.entries)
        # A small exact index is faster as one matrix product than as a FAISS search for every
        # vector (0.02 ms vs 1 ms for the seed's 277 vectors); large ones use FAISS.
        n_views = index.faiss_index.ntotal
        self._matrix = (index.faiss_index.reconstruct_n(0, n_views)
                        if n_views <= 4096 and type(index.faiss_index).__name__ == "IndexFlatIP" else None)
        # Passed per search, so thread-safe.
        self._search_params = None
        if hasattr(index.faiss_index, "k_factor"):
            import faiss

            self._search_params = faiss.IndexRefineSearchParameters(k_factor=REFINE_K_FACTOR)
        if self._matrix is None:  # each entry's views, for exact scoring of candidates
            self._views_by_entry = np.argsort(index.view_entry, kind="stable")
            self._first_view = np.searchsorted(index.view_entry[self._views_by_entry], np.arange(self._n_entries + 1))
        self._vocab = set(getattr(index.lexical, "vocab_dict", {}) or {})
        self._vocab.discard("")
        self._stems = {word[:5] for word in self._vocab if len(word) >= 5}
        # Fuzzy spelling look-ups are linear in the vocabulary: only for small knowledge bases.
        self._fuzzy_vocab = sorted(self._vocab) if len(self._vocab) <= 50_000 else []
        self._closest = lru_cache(maxsize=50_000)(self._closest_uncached)
        # Words the model knows whole are real words, not misspellings: "there" is not corrected to
        # "other", nor "dealing" to "healing" (77 of the 125 seed-set questions with a corrected
        # copy had only such swaps; it cost an extra encode and sometimes changed the meaning).
        if dictionary is None:
            from assistant.encoders.model import model_words

            dictionary = model_words()
        self._dictionary = dictionary
        # Misspellings staff wrote into alternates ("aftercare groop therapy") made "groop" a known
        # word: never corrected, and every "groop" question went to that one entry. Such a word is
        # mapped to the real word in questions (variants and word matching) as if the knowledge had it right.
        self._misspelt: dict[str, str] = dict(index.misspellings)  # found at build time (index/spelling.py)

    @classmethod
    def from_settings(cls, index: LoadedIndex, settings) -> "Retriever":
        return cls(index, lexical_weight=settings.lexical_weight, classifier_weight=settings.classifier_weight,
                   unknown_word_penalty=settings.unknown_word_penalty,
                   not_covered_weight=settings.not_covered_weight)

    # -- query preparation -------------------------------------------------------------
    def _known(self, word: str) -> bool:
        return word in self._vocab or (len(word) >= 5 and word[:5] in self._stems)

    def _closest_uncached(self, word: str) -> str | None:
        if not self._fuzzy_vocab or word in stopwords() or word in self._dictionary:
            return None
        from rapidfuzz import fuzz, process

        match = process.extractOne(word, self._fuzzy_vocab, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
        return match[0] if match else None

    def written_out(self, query_text: str) -> str:
        """The question as meant: chat shorthand written out ("wat is grp" -> "what is group";
        shorthand.py) and the knowledge's own misspellings (`known_misspellings`) put right."""
        query_text = shorthand.written_out(query_text)
        if not self._misspelt:
            return query_text

        def fix(match: re.Match) -> str:
            word = match.group(0)
            right = self._misspelt.get(word.lower())
            return word if right is None else right

        return WORD.sub(fix, query_text)

    def query_variants(self, query_text: str) -> list[str]:
        """The texts to embed for a question: today one, the question as meant, with misspelt words
        replaced by the knowledge's spelling. The copy as typed used to be embedded beside it, the
        better of the two counting per entry; but a misspelt word's WordPiece fragments could draw
        the typed copy towards another entry ("resiliance aftercare grup" to the aftercare entry),
        and with the policy chosen again on tune, the corrected copy alone put more right answers
        first on tune and held out (docs/answer-quality.md, 2026-12-03)."""
        query_text = self.written_out(query_text)

        def fix(match: re.Match) -> str:
            word = match.group(0)
            lower = word.lower()
            # Kept as typed: words the knowledge has whole, and English words that share a knowledge
            # word's first five letters ("relapsing", "addictive": corrected, they became "relating"
            # and "active"). The stem alone, which lets "resilent" count as a word the knowledge uses
            # (coverage), must not shield a misspelling from correction: its WordPiece fragments drew
            # the question elsewhere. Real words the model knows whole are kept too (`_closest`).
            if len(lower) <= 3 or lower in self._vocab or (self._known(lower) and lower in english_words()):
                return word
            return self._closest(lower) or word

        return [WORD.sub(fix, query_text)]

    @staticmethod
    def content_words(query_text: str) -> list[str]:
        """The words BM25 matches: `index.tokenize`'s rules (lower case, words of 2+ characters,
        English stopwords out), without building a vocabulary and progress bar per question
        (0.2 ms a question; a test checks both agree)."""
        stop = stopwords()
        return [word for word in TOKEN.findall(query_text.lower()) if word not in stop]

    def coverage(self, words: list[str]) -> float:
        if not words or not self._vocab:
            return 1.0
        return sum(1 for w in words if self._known(w) or self._closest(w)) / len(words)

    # -- signals ---------------------------------------------------------------------
    def dense_scores(self, query_vectors: np.ndarray) -> np.ndarray:
        """Best view similarity per entry over all query variants (small indexes: every entry)."""
        query_vectors = np.ascontiguousarray(np.atleast_2d(query_vectors), dtype=np.float32)
        scores = np.full(self._n_entries, -1.0, dtype=np.float32)
        best_view = (query_vectors @ self._matrix.T).max(axis=0) * self._view_weight
        np.maximum.at(scores, self.index.view_entry, best_view)
        return scores

    def candidate_dense_scores(self, query_vectors: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Large indexes: the entries of the nearest views plus `extra` entries, and each one's
        best view similarity over all query variants."""
        query_vectors = np.ascontiguousarray(np.atleast_2d(query_vectors), dtype=np.float32)
        sims, ids = self.nearest_views(query_vectors)
        found = ids >= 0
        entries = np.union1d(self.index.view_entry[ids[found]], extra).astype(np.int64)
        scores = np.full((len(query_vectors), len(entries)), -np.inf, dtype=np.float32)
        if self._uniform_view_weight:
            # An entry found for a query vector has its best view among those found (its other
            # views rank below them), so the search's own similarities are that entry's score.
            rows = np.nonzero(found)[0]
            columns = np.searchsorted(entries, self.index.view_entry[ids[found]])
            np.maximum.at(scores, (rows, columns), sims[found] * self._view_weight[ids[found]])
        missing = np.flatnonzero(np.isinf(scores).any(axis=0))
        if len(missing):  # the rest from their stored vectors (reading them costs ~1 us a view)
            first, last = self._first_view[entries[missing]], self._first_view[entries[missing] + 1]
            counts = last - first
            views = self._views_by_entry[np.repeat(last - counts.cumsum(), counts) + np.arange(counts.sum())]
            similarity = (query_vectors @ self.index.faiss_index.reconstruct_batch(views).T) * self._view_weight[views]
            best = np.full((len(missing), len(query_vectors)), -np.inf, dtype=np.float32)
            np.maximum.at(best, np.repeat(np.arange(len(missing)), counts), similarity.T)
            scores[:, missing] = np.maximum(scores[:, missing], best.T)
        return entries, scores.max(axis=0)

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
        words = self.content_words(self.written_out(query_text))
        lexical = (self.lexical_scores(words) if self.lexical_weight > 0
                   else np.zeros(self._n_entries, dtype=np.float32))
        if self._matrix is not None:
            positions = np.arange(self._n_entries)
            dense = self.dense_scores(query_vectors)
        else:
            matched = np.flatnonzero(lexical > 0)
            if len(matched) > LEXICAL_CANDIDATES:
                matched = matched[np.argpartition(-lexical[matched], LEXICAL_CANDIDATES - 1)[:LEXICAL_CANDIDATES]]
            positions, dense = self.candidate_dense_scores(query_vectors, matched)
        lexical = lexical[positions]
        classifier = (entry_probabilities(self.index.classifier, query_vectors)
                      if self.classifier_weight > 0 else None)
        classifier = np.zeros_like(dense) if classifier is None else classifier[positions]
        not_covered = (not_covered_probability(self.index.not_covered_detector, query_vectors)
                       if self.not_covered_weight > 0 else 0.0)
        coverage = self.coverage(words) if self.unknown_word_penalty > 0 else 1.0
        fused = (dense + self.lexical_weight * lexical + self.classifier_weight * classifier
                 - self.unknown_word_penalty * (1.0 - coverage) - self.not_covered_weight * not_covered)
        k = min(k, len(positions))
        top = np.argpartition(-fused, k - 1)[:k] if k < len(positions) else np.arange(len(positions))
        top = top[np.argsort(-fused[top], kind="stable")]
        return [Candidate(int(positions[i]), float(fused[i]), float(dense[i]), float(lexical[i]),
                          float(classifier[i]), coverage, not_covered) for i in top]
