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
from typing import Any, Mapping

from .normalise import match_form, normalise, normalise_text
from .result import NOT_DETECTED, CrisisResult, merge_categories, replace_result
from .rules import CATEGORY_PRIORITY, OVERLAY_DIR, CrisisConfig, Guard, Term, bounded, combined, load_crisis_config
from .semantic import ExemplarLayer

SHORT_WORDS = 6            # messages of at most this many words may get the check-in (training.py)
# ------------------------------------------------------------------------------------------ data classes





@dataclass(frozen=True)
class _Hit:
    term: Term
    start: int
    end: int
    negated: bool
    third_party: bool
    past: bool = False  # in a sentence about the past or asking for information (lexicon.yaml past_cues)



# ------------------------------------------------------------------------------------------------ screen

class CrisisScreen(ExemplarLayer):
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
        self._past_re = re.compile(bounded(ctx["past_cues"]))
        self.crisis_exemplars = list(config.crisis_exemplars)
        self.benign_exemplars = list(config.benign_exemplars)
        self._encode = None  # the answering model, for the exemplar layer (semantic.py)
        self.classifier = None  # classifier.py, attached by attach_classifier
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

    def attach_classifier(self, classifier) -> None:
        """Enable the classifier layer (classifier.py): it has its own multilingual model, so it
        also runs when the answering model is busy or broken (``screen_lexicon``)."""
        self.classifier = classifier

    def never_log(self, detected: bool, risk: float | None) -> bool:
        """True if a message may be a crisis, even below what is shown as one: it is never stored.
        Takes the contract's ``detected`` and ``risk`` (``CrisisResult.to_dict()``)."""
        if detected:
            return True
        if self.classifier is None:  # no classifier attached: detection alone decides, as before it existed
            return False
        return risk is None or risk >= self.classifier.never_log

    def screen(self, text: str, query_vector: Any = None, use_semantic: bool = True,
               encoded: Mapping[str, Any] | None = None, classified: CrisisResult | None = None) -> CrisisResult:
        """Screen one visitor message. Never raises.

        ``query_vector``: the embedding of the whole message the caller already computed for retrieval
        (same model, L2-normalised). It is reused for the whole-message comparison when normalising did
        not change the words (no leetspeak, spacing or misspelling fixes).
        ``encoded``: vectors the caller already has for some of the texts in ``texts_to_encode`` (the
        engine encodes them in one batch with the question). Anything missing is encoded here, in one batch.
        ``classified``: ``classify(text)``, when the caller already ran it (the engine runs it while the
        answering model encodes the question).
        """
        try:
            lexical, masked = self._lexicon_pass(text)
        except Exception:  # pragma: no cover - a bug must fail safe: show the lines
            return CrisisResult(True, None, False, "uncertain", "screen_error", semantic="error")
        classified = classified if classified is not None else self.classify(text)
        if classified.risk is not None:  # the classifier answered: it decides what the lexicon leaves open
            skipped = "skipped" if self.semantic_enabled else "off"
            if lexical.layer in ("lexicon", "uncertain"):
                return replace_result(lexical, risk=classified.risk, semantic=skipped)
            bars = classified.thresholds or self.classifier.thresholds
            if lexical.layer == "deferred" and classified.risk >= bars.lexicon:
                return replace_result(lexical, layer="lexicon", risk=classified.risk, semantic=skipped)
            if classified.detected:
                return replace_result(classified, guards=lexical.guards, semantic=skipped,
                                categories=merge_categories(lexical.categories, classified.categories))
            # a term the classifier reads as safe (past history, an information question, hyperbole)
            overruled = (f"{lexical.layer}:{lexical.matched}",) if lexical.detected else ()
            return CrisisResult(guards=lexical.guards + overruled, risk=classified.risk, semantic=skipped)
        if lexical.detected and lexical.layer in ("lexicon", "deferred"):  # without the classifier, a term counts
            return replace_result(lexical, layer="lexicon") if not self.semantic_enabled else replace_result(
                lexical, layer="lexicon", semantic="skipped")
        if not (use_semantic and self.semantic_enabled):
            return lexical
        try:
            semantic = self._screen_semantic(text, query_vector, masked, encoded)
        except Exception:
            return replace_result(lexical, semantic="error")
        if semantic is None:
            return replace_result(lexical, semantic="checked")
        if lexical.detected:  # an "uncertain" (negated) lexicon hit that the semantic layer confirms
            return replace_result(semantic, negated=lexical.negated, guards=lexical.guards,
                            categories=merge_categories(lexical.categories, semantic.categories))
        return replace_result(semantic, guards=lexical.guards)

    def classifier_rows(self, text: str) -> list[str]:
        """What the classifier reads of ``text`` (``message_rows``): the engine encodes these with the
        answering model in its one batch, and passes the vector to ``classify``. Empty without a classifier."""
        if self.classifier is None:
            return []
        from .classifier import message_rows

        return message_rows(text)

    def multilingual_vectors(self, text: str):
        """The classifier's own model on ``classifier_rows(text)`` (None if it fails): the engine runs this
        while the answering model encodes the question."""
        rows = self.classifier_rows(text)
        if not rows:
            return None
        try:
            return self.classifier.encoder.encode(rows)
        except Exception:
            return None

    def classify(self, text: str, answering_vector: Any = None, multilingual: Any = None,
                 use_answering_model: bool = True) -> CrisisResult:
        """The classifier layer: detected, a check-in (short messages), or not detected, with its risk.
        ``risk`` None: no classifier, or it failed (never raises; the other layers then decide).

        ``answering_vector``: the answering model's vector of ``classifier_rows(text)[0]``, if the caller
        has it; else, with ``use_answering_model``, the attached answering model encodes it (a failure
        or time-out leaves the classifier's multilingual part to score alone). ``multilingual``: its
        own model's vectors, if the caller already has them."""
        if self.classifier is None:
            return NOT_DETECTED
        try:
            rows = self.classifier_rows(text)
            if not rows:
                return CrisisResult(risk=0.0)
            if answering_vector is None and use_answering_model and self._encode is not None:
                try:
                    answering_vector = self._encode(rows[:1])[0]
                except Exception:
                    answering_vector = None
            vectors = multilingual if multilingual is not None else self.classifier.encoder.encode(rows)
            paired = [answering_vector] if answering_vector is not None else None
            best = self.classifier.scores_of(vectors[:1], paired)[0]
        except Exception:
            return NOT_DETECTED
        thresholds = best.thresholds or self.classifier.thresholds
        check_in = thresholds.check_in <= best.crisis < thresholds.crisis and len(str(text).split()) <= SHORT_WORDS
        if best.crisis < thresholds.crisis and not check_in:
            return CrisisResult(risk=best.crisis, thresholds=thresholds)
        return CrisisResult(True, best.category, self._segment_third_party(rows[0]), "check_in" if check_in else "classifier",
                            "classifier", (best.category,), score=best.crisis, check_in=check_in, risk=best.crisis,
                            thresholds=thresholds)

    def lexicon(self, text: str) -> CrisisResult:
        """The lexicon and guards alone, as they read ``text``: layer "lexicon" (a term), "uncertain" (only
        negated terms) or "deferred" (only topic words, or terms in sentences about the past or asking
        for information: the classifier confirms those)."""
        return self._lexicon_pass(text)[0]

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
                                 self._is_third_party(form, match.start(), match.end(), term.person),
                                 self._is_past(form, match.start(), match.end())))
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
            layer=("deferred" if all(h.past or not h.term.alone for h in firm) else "lexicon") if firm else "uncertain",
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

    def _is_past(self, form: str, start: int, end: int) -> bool:
        """A past or information cue in the hit's sentence (read at most 300 characters either side:
        a message of one 100 KB sentence must not be scanned once per hit)."""
        low, high = max(0, start - 300), min(len(form), end + 300)
        sentence_start = form.rfind(" . ", low, start)
        sentence_end = form.find(" . ", end, high)
        sentence = form[sentence_start + 1 if sentence_start >= 0 else low: sentence_end if sentence_end >= 0 else high]
        return bool(self._past_re.search(" " + sentence + " "))

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

    def _segment_third_party(self, segment: str) -> bool:
        form = match_form(normalise_text(segment))
        last_third = max((m.end() for m in self._third_re.finditer(form)), default=-1)
        last_first = max((m.end() for m in self._first_re.finditer(form)), default=-1)
        return last_third > last_first
