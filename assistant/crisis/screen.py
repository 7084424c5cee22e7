"""The crisis screen: runs on every message before retrieval.

Three layers, cheapest first (docs/crisis.md explains them for staff):

1. ``normalise`` undoes the usual disguises (case, leetspeak, spacing, repeated letters, misspellings,
   zero-width characters, apostrophes, the pill emoji).
2. A lexicon of crisis terms (``data/lexicon.yaml``) with guards that blank out idioms and safe
   uses ("killing time", "kill a python process") span by span, so other danger in the same message
   still counts.
3. A semantic layer: cosine similarity of the message (and of each sentence) to crisis exemplars versus
   benign recovery-talk exemplars (``data/exemplars.yaml``), with the same embedding model as
   retrieval. It only runs once ``attach_encoder`` is called; without it the lexicon still answers.

Decisions that keep the screen on the safe side:

* Negation never hides a match ("I'd never kill myself" -> detected, layer ``"uncertain"``); only terms
  marked ``on_negation: ignore`` (threats to others: "I don't want to hurt my kids again") drop it.
* ``screen()`` never raises. If the lexicon itself fails (a bug), the result is detected/``"uncertain"``
  so the visitor sees the crisis lines; if the encoder fails, the lexicon result stands.
* Staff overlays (``knowledge/crisis/*.yaml``) are appended to the defaults; a broken file is skipped
  with a ``file:line: message`` warning and never breaks the screen.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .normalise import SURROGATES, match_form, normalise, normalise_text
from .rules import CATEGORY_PRIORITY, OVERLAY_DIR, CrisisConfig, Guard, Term, bounded, combined, load_crisis_config

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



# ------------------------------------------------------------------------------------------ data classes


@dataclass(frozen=True)
class CrisisResult:
    """What the screen found. ``to_dict()`` is the contract; it never contains the visitor's text."""

    detected: bool = False
    category: str | None = None
    third_party: bool = False
    layer: str | None = None
    matched: str | None = None
    categories: tuple[str, ...] = ()
    negated: bool = False
    score: float | None = None
    guards: tuple[str, ...] = ()
    semantic: str = "off"   # "off" (no encoder), "skipped" (lexicon decided), "checked", "error"

    def to_dict(self) -> dict:
        return {
            "detected": bool(self.detected),
            "category": self.category,
            "third_party": bool(self.third_party),
            "layer": self.layer,
            "matched": self.matched,
            "categories": list(self.categories),
            "negated": bool(self.negated),
            "score": None if self.score is None else round(float(self.score), 4),
            "guards": list(self.guards),
            "semantic": self.semantic,
        }


NOT_DETECTED = CrisisResult()



@dataclass(frozen=True)
class _Hit:
    term: Term
    start: int
    end: int
    negated: bool
    third_party: bool



# ------------------------------------------------------------------------------------------------ screen

Encoder = Callable[[list[str]], Any]


class CrisisScreen:
    """Screens one message at a time. Build with ``CrisisScreen.load(knowledge_dir)``."""

    def __init__(self, config: CrisisConfig):
        self.config = config
        self.warnings: list[str] = list(config.warnings)
        self.thresholds = dict(config.thresholds)
        self.terms = list(config.terms)
        self.guards = list(config.guards)
        self._term_by_group: dict[str, Term] = {}
        self._category_res: list[tuple[str, re.Pattern]] = []
        for category in CATEGORY_PRIORITY:
            members = [t for t in self.terms if t.category == category]
            if not members:
                continue
            named = []
            for term in members:
                group = f"t{len(self._term_by_group)}"
                self._term_by_group[group] = term
                named.append((group, term.regex))
            self._category_res.append((category, combined(named)))
        self._guard_by_group: dict[str, Guard] = {}
        guard_named = []
        for guard in self.guards:
            group = f"g{len(self._guard_by_group)}"
            self._guard_by_group[group] = guard
            guard_named.append((group, guard.regex))
        self._guard_re = combined(guard_named) if guard_named else None
        ctx = config.context
        self._negation_re = re.compile(bounded(ctx["negation_cues"]))
        self._third_re = re.compile(bounded(ctx["third_party_subjects"]))
        self._first_re = re.compile(bounded(ctx["first_person_subjects"]))
        self.crisis_exemplars = list(config.crisis_exemplars)
        self.benign_exemplars = list(config.benign_exemplars)
        self._encode: Encoder | None = None
        self._crisis_matrix = None
        self._benign_matrix = None
        # The engine asks `texts_to_encode` and then `screen` for the same message: one lexicon
        # pass serves both. In memory only (results are immutable), like the engine's reply cache.
        self._lexicon_memo = functools.lru_cache(maxsize=256)(self._lexicon_pass_uncached)

    # -- construction -------------------------------------------------------------------------------

    @classmethod
    def load(cls, knowledge_dir: Path | None = None) -> "CrisisScreen":
        """Built-in defaults plus ``knowledge_dir/crisis/*.yaml``. A broken overlay only adds warnings."""
        config = load_crisis_config(Path(knowledge_dir) if knowledge_dir is not None else None)
        try:
            return cls(config)
        except Exception as exc:  # pragma: no cover - belt and braces: entries are validated one by one
            defaults = load_crisis_config(None)
            defaults.warnings = config.warnings + [
                f"{OVERLAY_DIR}/: the overlay could not be combined with the defaults ({exc}); "
                "the screen uses the built-in defaults only"]
            return cls(defaults)

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

    def screen(self, text: str, query_vector: Any = None, use_semantic: bool = True,
               encoded: Mapping[str, Any] | None = None) -> CrisisResult:
        """Screen one visitor message. Never raises.

        ``query_vector``: the embedding of the whole message the caller already computed for retrieval
        (same model, L2-normalised). It is reused for the whole-message comparison when normalising did
        not change the words (no leetspeak, spacing or misspelling fixes).
        ``encoded``: vectors the caller already has for some of the texts in ``texts_to_encode`` (the
        engine encodes them in one batch with the question). Anything missing is encoded here, in one batch.
        """
        try:
            lexical, masked = self._lexicon_pass(text)
        except Exception:  # pragma: no cover - a bug must fail safe: show the lines
            return CrisisResult(True, None, False, "uncertain", "screen_error", semantic="error")
        if lexical.detected and lexical.layer == "lexicon":
            return lexical if not self.semantic_enabled else _replace(lexical, semantic="skipped")
        if not (use_semantic and self.semantic_enabled):
            return lexical
        try:
            semantic = self._screen_semantic(text, query_vector, masked, encoded)
        except Exception:
            return _replace(lexical, semantic="error")
        if semantic is None:
            return _replace(lexical, semantic="checked")
        if lexical.detected:  # an "uncertain" (negated) lexicon hit that the semantic layer confirms
            return _replace(semantic, negated=lexical.negated, guards=lexical.guards,
                            categories=_merge_categories(lexical.categories, semantic.categories))
        return _replace(semantic, guards=lexical.guards)

    def screen_lexicon(self, text: str) -> CrisisResult:
        """The lexicon layers only (what runs when the model is not available)."""
        return self.screen(text, use_semantic=False)

    def _lexicon_pass(self, text: str) -> tuple[CrisisResult, str | None]:
        return self._lexicon_memo(text) if isinstance(text, str) else self._lexicon_pass_uncached(text)

    def _lexicon_pass_uncached(self, text: str) -> tuple[CrisisResult, str | None]:
        """Lexicon + guards. Also returns the match form with guarded spans removed (None if no guard hit)."""
        form = match_form(normalise(text))
        if len(form) <= 2:
            return NOT_DETECTED, None
        guards_hit: list[str] = []
        if self._guard_re is not None:
            pieces, last = [], 0
            for match in self._guard_re.finditer(form):
                guards_hit.append(self._guard_by_group[match.lastgroup].id)
                pieces.append(form[last:match.start()])
                pieces.append(" ~ ")  # blocks phrases from running across the removed span
                last = match.end()
            if pieces:
                pieces.append(form[last:])
                form = "".join(pieces)
        hits: list[_Hit] = []
        for _category, regex in self._category_res:
            for match in regex.finditer(form):
                term = self._term_by_group[match.lastgroup]
                negated = self._is_negated(form, match.start())
                if negated and term.on_negation == "ignore":
                    continue
                hits.append(_Hit(term, match.start(), match.end(), negated,
                                 self._is_third_party(form, match.start(), match.end(), term.person)))
        guards = tuple(dict.fromkeys(guards_hit))
        masked = form if guards_hit else None
        if not hits:
            return CrisisResult(guards=guards), masked
        firm = [h for h in hits if not h.negated]
        chosen = firm or hits
        categories = tuple(c for c in CATEGORY_PRIORITY if any(h.term.category == c for h in chosen))
        lead = next(h for h in chosen if h.term.category == categories[0])
        return CrisisResult(
            detected=True,
            category=categories[0],
            third_party=any(h.third_party for h in chosen),
            layer="lexicon" if firm else "uncertain",
            matched=lead.term.id,
            categories=categories,
            negated=not firm,
            guards=guards,
        ), masked

    def _is_negated(self, form: str, start: int) -> bool:
        before = form[max(0, start - 60):start]
        before = before.rsplit(" . ", 1)[-1]
        window = " " + " ".join(before.split()[-4:]) + " "
        return bool(self._negation_re.search(window))

    def _is_third_party(self, form: str, start: int, end: int, person: str) -> bool:
        if person != "any":
            return person == "third"
        before = form[max(0, start - 120):start].rsplit(" . ", 1)[-1]
        window = " " + " ".join(before.split()[-12:]) + " "
        last_third = max((m.end() for m in self._third_re.finditer(window)), default=-1)
        last_first = max((m.end() for m in self._first_re.finditer(window)), default=-1)
        if last_third == last_first == -1:
            # no subject before the match: look inside it ("someone is unresponsive" has it before;
            # "not waking up" has none -> the visitor)
            inside = " " + form[start:end] + " "
            return bool(self._third_re.search(inside)) and not self._first_re.search(inside)
        return last_third > last_first

    # -- semantic layer -----------------------------------------------------------------------------

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
        if not self.semantic_enabled:
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

    def _segment_third_party(self, segment: str) -> bool:
        form = match_form(normalise_text(segment))
        last_third = max((m.end() for m in self._third_re.finditer(form)), default=-1)
        last_first = max((m.end() for m in self._first_re.finditer(form)), default=-1)
        return last_third > last_first


def _light_form(text: str) -> str:
    """What a tokenizer that lower-cases would see anyway (for deciding whether a vector can be reused)."""
    if not isinstance(text, str):
        return ""
    return " ".join(SURROGATES.sub("", text).casefold().replace("’", "'").split())


def _replace(result: CrisisResult, **changes: Any) -> CrisisResult:
    values = {f: getattr(result, f) for f in result.__dataclass_fields__}
    values.update(changes)
    return CrisisResult(**values)


def _merge_categories(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    present = set(first) | set(second)
    return tuple(c for c in CATEGORY_PRIORITY if c in present)
