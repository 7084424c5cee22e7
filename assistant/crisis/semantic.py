"""The exemplar layer of the crisis screen: cosine similarity of the message (and of each sentence) to
crisis exemplars versus benign recovery-talk exemplars (``data/exemplars.yaml``), with the answering
model. It runs only when ``attach_encoder`` was called and no classifier answered (classifier.py):
the classifier generalises better, so this layer is the fallback when the classifier cannot run.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from .normalise import SURROGATES, normalise_text
from .result import CrisisResult
from .rules import CATEGORY_PRIORITY

Encoder = Callable[[list[str]], Any]

MAX_SEGMENTS = 32          # the semantic layer reads at most this many sentences/windows ...
HEAD_SEGMENTS = 24         # ... the first 24 and the last 8 of a very long message (lexicon reads all)
WINDOW_WORDS = 24          # long run-on sentences are read in overlapping windows of this many words
CLAUSE_MIN_SENTENCE = 7    # sentences this long are also read clause by clause
_CLAUSE_SPLIT = re.compile(r",|\s(?:but|and|so|because|cause|cuz|though|although)\s")
MAX_EMBED_CHARS = 2000     # one segment never exceeds this (the model reads ~256 word pieces anyway)
# A text needs at least one word outside this list to be compared: fragments such as "i want to"
# (left after a guard removed "kill my cravings") carry no meaning of their own.
_FUNCTION_WORDS = frozenset(
    "i im i'm me my mine myself you your u to the a an and or but of in on at for with from by is am are "
    "was were be been being it its it's this that these those so just want wanna like lol haha ok okay "
    "really very do does did have has had will would can could".split()
)


class ExemplarLayer:
    """Mixed into ``CrisisScreen`` (screen.py), which provides the lexicon pass and the exemplars."""

    def attach_encoder(self, encode: Encoder, encode_exemplars: Encoder | None = None) -> bool:
        """Enable the semantic layer. ``encode(list[str])`` -> L2-normalised float32 rows.

        Embeds every exemplar once (with ``encode_exemplars`` when given: a cached encoder for
        fixed text; visitor messages always go through ``encode``). Returns False (and records a warning) if that fails; the lexicon
        layers keep working either way.
        """
        import numpy as np

        try:
            if not self.crisis_exemplars:
                raise ValueError("there are no crisis exemplars to compare against")
            texts = self.exemplar_texts()
            vectors = self._as_rows((encode_exemplars or encode)(texts), len(texts))
        except Exception as exc:  # the model is optional: never let it break the screen
            self.warnings.append(f"semantic layer disabled: the encoder failed on the exemplars ({exc})")
            self._encode = None
            return False
        n_crisis = len(self.crisis_exemplars)
        self._crisis_matrix = np.ascontiguousarray(vectors[:n_crisis])
        self._benign_matrix = np.ascontiguousarray(vectors[n_crisis:])
        self._encode = encode
        return True

    def exemplar_texts(self) -> list[str]:
        """The exemplars as the semantic layer embeds them (normalised): crisis ones, then benign."""
        return [normalise_text(e.text, keep_apostrophes=True) for e in self.crisis_exemplars + self.benign_exemplars]

    @property
    def semantic_enabled(self) -> bool:
        return self._encode is not None

    @staticmethod
    def _as_rows(vectors: Any, count: int):
        import numpy as np

        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.ndim == 1:
            matrix = matrix.reshape(1, -1)
        if matrix.ndim != 2 or matrix.shape[0] != count or matrix.shape[1] == 0:
            raise ValueError(f"expected {count} vectors, got an array of shape {matrix.shape}")
        if not np.all(np.isfinite(matrix)):
            raise ValueError("the encoder returned NaN or infinite values")
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return matrix / norms  # re-normalise: cosine must stay an inner product

    # -- screening ----------------------------------------------------------------------------------

    def _comparable(self, text: str) -> bool:
        words = re.findall(r"[^\W_][\w']*", text)
        content = [w for w in words if w not in _FUNCTION_WORDS]
        return len(words) >= int(self.thresholds["min_words"]) and len(content) >= 1

    def _segments(self, semantic_text: str) -> list[str]:
        sentences = [s.strip() for s in re.split(r"(?<=[.!?;])\s+|\n+", semantic_text) if s.strip()]
        segments: list[str] = []
        for sentence in sentences:
            words = sentence.split()
            if not self._comparable(sentence):
                continue
            if len(words) <= WINDOW_WORDS + WINDOW_WORDS // 2:
                segments.append(sentence[:MAX_EMBED_CHARS])
                if len(words) >= CLAUSE_MIN_SENTENCE:
                    # run-ons: "i relapsed and honestly i dont care if i wake up tomorrow" - the first
                    # clause would otherwise pull the whole sentence towards recovery talk
                    segments.extend(c for c in (c.strip(" ,") for c in _CLAUSE_SPLIT.split(sentence))
                                    if c and c != sentence and self._comparable(c))
                continue
            step = WINDOW_WORDS // 2
            for begin in range(0, len(words) - step, step):
                segments.append(" ".join(words[begin:begin + WINDOW_WORDS])[:MAX_EMBED_CHARS])
        if len(segments) > MAX_SEGMENTS:
            segments = segments[:HEAD_SEGMENTS] + segments[-(MAX_SEGMENTS - HEAD_SEGMENTS):]
        return segments

    @staticmethod
    def _semantic_text(text: str, masked: str | None) -> str:
        """What the semantic layer reads: the normalised text, or, when a guard matched, the text
        without the guarded spans ("i cut myself shaving lol" -> "i lol"): a guard's words count in
        no layer."""
        if masked is None:
            return normalise_text(text, keep_apostrophes=True)
        words = masked.replace(" ~ ", " ").replace(" . ", ". ").split()
        return " ".join(words).strip(" .")

    def _semantic_rows(self, text: str, masked: str | None) -> tuple[list[str], bool]:
        """The texts the semantic layer compares (row 0: the whole message when it is comparable,
        then its sentences/windows), and whether row 0 may take the caller's vector of ``text``."""
        semantic_text = self._semantic_text(text, masked)
        if not semantic_text:
            return [], False
        whole = semantic_text[:MAX_EMBED_CHARS]
        rows = [whole] + [s for s in self._segments(semantic_text) if s != whole]
        if not self._comparable(whole):
            if len(rows) == 1:
                return [], False
            rows[0] = rows.pop()  # keep row 0 = a comparable text; no vector reuse then
            return rows, False
        return rows, masked is None and _light_form(text) == _light_form(semantic_text)

    def texts_to_encode(self, text: str, have_query_vector: bool = False) -> list[str]:
        """What ``screen(text, ...)`` would encode (none when the lexicon already decided), given
        whether the caller will pass ``query_vector``. Lets the engine batch them with its own encode."""
        if not self.semantic_enabled or self.classifier is not None:
            return []
        try:
            lexical, masked = self._lexicon_pass(text)
            if lexical.detected and lexical.layer == "lexicon":
                return []
            rows, reusable = self._semantic_rows(text, masked)
        except Exception:  # pragma: no cover - screen() itself fails safe on the same input
            return []
        return rows[1:] if have_query_vector and reusable else rows

    def _screen_semantic(self, text: str, query_vector: Any, masked: str | None = None,
                         encoded: Mapping[str, Any] | None = None) -> CrisisResult | None:
        import numpy as np

        rows_text, reusable = self._semantic_rows(text, masked)
        if not rows_text:
            return None
        reuse = None
        if query_vector is not None and reusable:
            try:
                reuse = self._as_rows(query_vector, 1)
                if reuse.shape[1] != self._crisis_matrix.shape[1]:
                    reuse = None
            except Exception:
                reuse = None
        needed = rows_text if reuse is None else rows_text[1:]
        known = encoded or {}
        missing = [t for t in needed if t not in known]
        fresh = dict(zip(missing, self._as_rows(self._encode(missing), len(missing)))) if missing else {}
        blocks = [] if reuse is None else [reuse]
        if needed:
            blocks.append(self._as_rows([fresh[t] if t in fresh else known[t] for t in needed], len(needed)))
        matrix = np.vstack(blocks)
        crisis = matrix @ self._crisis_matrix.T
        if len(self.benign_exemplars):
            benign = matrix @ self._benign_matrix.T
        else:
            benign = np.zeros((len(matrix), 1), dtype=np.float32)
        best_crisis = crisis.max(axis=1)
        best_benign = benign.max(axis=1)
        margin = best_crisis - best_benign
        t = self.thresholds
        firm = (best_crisis >= t["similarity"]) & (margin >= t["margin"])
        soft = (best_crisis >= t["uncertain_similarity"]) & (margin >= t["uncertain_margin"])
        if firm.any():
            rows, layer = np.flatnonzero(firm), "semantic"
        elif soft.any():
            rows, layer = np.flatnonzero(soft), "uncertain"
        else:
            return None
        row = int(rows[np.argmax(best_crisis[rows])])
        exemplar = self.crisis_exemplars[int(np.argmax(crisis[row]))]
        segment_text = rows_text[row]
        third = exemplar.person == "third" or self._segment_third_party(segment_text)
        categories = []
        for r in rows:
            category = self.crisis_exemplars[int(np.argmax(crisis[r]))].category
            if category not in categories:
                categories.append(category)
        return CrisisResult(
            detected=True,
            category=exemplar.category,
            third_party=bool(third),
            layer=layer,
            matched=exemplar.id,
            categories=tuple(c for c in CATEGORY_PRIORITY if c in categories),
            score=float(best_crisis[row]),
            semantic="checked",
        )

    def embedding_texts(self, text: str) -> list[str]:
        """The strings the semantic layer would encode for ``text`` (whole message first, then its
        sentences/windows), so a caller can batch or cache them. Empty if nothing is comparable."""
        try:
            return self._semantic_rows(text, self._lexicon_pass(text)[1])[0]
        except Exception:  # pragma: no cover - same fail-safe rule as screen()
            return []

    def semantic_scores(self, text: str) -> list[tuple[float, float]]:
        """(best crisis similarity, best benign similarity) for the whole text and each segment.

        Used by the evaluation to calibrate thresholds; needs an attached encoder.
        """
        import numpy as np

        if not self.semantic_enabled:
            raise RuntimeError("attach_encoder() first")
        texts = self.embedding_texts(text)
        if not texts:
            return []
        matrix = self._as_rows(self._encode(texts), len(texts))
        crisis = (matrix @ self._crisis_matrix.T).max(axis=1)
        if len(self.benign_exemplars):
            benign = (matrix @ self._benign_matrix.T).max(axis=1)
        else:
            benign = np.zeros(len(texts))
        return [(float(c), float(b)) for c, b in zip(crisis, benign)]


def _light_form(text: str) -> str:
    """What a tokenizer that lower-cases would see anyway (for deciding whether a vector can be reused)."""
    if not isinstance(text, str):
        return ""
    return " ".join(SURROGATES.sub("", text).casefold().replace("’", "'").split())
