"""The crisis screen: runs on every message before retrieval.

Three layers, cheapest first (docs/crisis.md explains them for staff):

1. ``normalise`` undoes the usual disguises (case, leetspeak, spacing, repeated letters, misspellings,
   zero-width characters, apostrophes, the pill emoji).
2. A lexicon of crisis terms (``crisis_data/lexicon.yaml``) with guards that blank out idioms and safe
   uses ("killing time", "kill a python process") span by span, so other danger in the same message
   still counts.
3. A semantic layer: cosine similarity of the message (and of each sentence) to crisis exemplars versus
   benign recovery-talk exemplars (``crisis_data/exemplars.yaml``), with the same embedding model as
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
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import yaml

CATEGORIES: tuple[str, ...] = (
    "suicide_self_harm",
    "overdose_poisoning",
    "medical_emergency",
    "violence_abuse",
    "dangerous_withdrawal",
)
# When several categories match, the one with the most urgent physical danger leads the reply:
# an overdose happening now needs the emergency + poison path even if the person also wants to die.
CATEGORY_PRIORITY: tuple[str, ...] = (
    "overdose_poisoning",
    "dangerous_withdrawal",
    "medical_emergency",
    "suicide_self_harm",
    "violence_abuse",
)
LAYERS: tuple[str, ...] = ("lexicon", "semantic", "uncertain")
PERSONS: tuple[str, ...] = ("first", "third", "any")

DATA_DIR = Path(__file__).resolve().parent / "crisis_data"
DEFAULT_FILES = ("lexicon.yaml", "exemplars.yaml")
OVERLAY_DIR = "crisis"

DEFAULT_THRESHOLDS: dict[str, float] = {
    # cosine similarity to the nearest crisis exemplar needed to trigger ...
    "similarity": 0.60,
    # ... and by how much it must beat the nearest benign exemplar.
    "margin": 0.03,
    # a lower band that still shows the lines (layer "uncertain"); set equal to the above to disable.
    "uncertain_similarity": 0.60,
    "uncertain_margin": 0.03,
    # sentences shorter than this many words are not compared on their own (whole message still is).
    "min_words": 3,
}
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


# --------------------------------------------------------------------------------------------- normalise

_SURROGATES = re.compile("[\ud800-\udfff]")
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# Emoji that carry meaning for the screen become words; every other pictograph becomes a space.
_EMOJI_WORDS = {
    "\U0001F48A": " pills ",   # pill
    "\U0001F489": " needle ",  # syringe
    "\U0001FA78": " blood ",   # drop of blood
    "\U0001F52A": " knife ",   # kitchen knife
    "\U0001F5E1": " knife ",   # dagger
    "\U0001F52B": " gun ",     # pistol
    "\U0001FAA2": " rope ",    # knot
    "\u26B0": " coffin ",
    "\U0001FAA6": " grave ",   # headstone
}
_EMOJI_WORD_RE = re.compile("|".join(re.escape(k) for k in _EMOJI_WORDS))
_PICTOGRAPHS = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2190-\u21FF\u20E3]+")
# Cyrillic and Greek look-alikes used to dodge filters ("kіll" with a Cyrillic і).
_HOMOGLYPHS = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "к": "k", "м": "m", "т": "t", "в": "b", "н": "h", "ѵ": "v",
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ω": "w",
})
_APOSTROPHE_IN_WORD = re.compile(r"(?<=[^\W\d_])['’ʼ‘`´](?=[^\W\d_])")
_OD_APOSTROPHE = re.compile(r"\bo\.?d\.?\s?['’ʼ]\s?(d|ed|ing|s)\b")
_ANY_APOSTROPHE = re.compile(r"['’ʼ‘`´]")
_OD_UPPER = re.compile(r"\bOD('d|’d|d|ed|ing|'ing|’ing|s|'s)\b")
_LEET_CANDIDATE = re.compile(r"[a-z0-9@$!|]*[a-z][a-z0-9@$!|]*")
_HAS_LEET = re.compile(r"[a-z][0134579@$!|]|[0134579@$!|][a-z]")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}
_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:mg|mgs|mcg|ug|ml|g|kg|lb|lbs|oz|x|k|am|pm|st|nd|rd|th|s|h|hr|hrs|min|mins|d|day|days|wk|wks"
    r"|yr|yrs|yo|m|mo|mos|pack|pk|km|mi)|x\d+"
)
_RUNS = re.compile(r"[a-z]+|[^a-z]+")
_SPACED_LETTERS = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][ .\-_*·•]+){2,}[^\W\d_](?![^\W\d_])")
_SPACED_SEPARATORS = re.compile(r"[ .\-_*·•]+")
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")
_MISSPELLINGS: dict[str, str] = {}
for _right, _wrongs in {
    "suicide": "sucide suiside suicde suiscide suacide sueside suecide suicid suisid sucid suicdie suicede "
               "suicidee sucicide suiced suiside",
    "suicidal": "sucidal suicdal suisidal sucidial suicidial suicidel suicidle suacidal suecidal sucicidal "
                "suisidle",
    "overdosing": "overdoseing overdossing overdosin overdozing overdosign",
    "overdose": "overdoze ovrdose ovedose overdos oversose overdse",
    "overdosed": "overdozed ovrdosed overdossed overdsed",
    "want": "wnat watn wamt",
    "life": "lfie",
    "dying": "dieing diying",
    "seizure": "sezure seizur siezure seisure",
    "seizures": "siezures seizers sezures",
    "unconscious": "unconcious unconsious unconcous",
    "hallucinating": "halucinating halusinating hallucinateing",
    "withdrawal": "withdrawl withdrawel",
    "myself": "myslef mysef",
}.items():
    for _wrong in _wrongs.split():
        _MISSPELLINGS[_wrong] = _right
_MISSPELLING_RE = re.compile(r"\b(" + "|".join(sorted(_MISSPELLINGS, key=len, reverse=True)) + r")\b")
_OVERDOES = re.compile(r"\boverdoes\b(?!\s+it\b)")
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")


def _unleet_token(match: re.Match) -> str:
    token = match.group(0)
    if _NUMBER_WITH_UNIT.fullmatch(token):
        return token
    runs = _RUNS.findall(token)
    out = []
    for index, run in enumerate(runs):
        if run[0].isalpha() or not all(ch in _LEET for ch in run):
            out.append(run)
            continue
        before = index > 0
        after = index + 1 < len(runs)
        digits = sum(ch.isdigit() for ch in run)
        if digits >= 2 or not (before or after):
            out.append(run)              # "800" in "800mg", "12" in "12steps": a number, not a letter
            continue
        mapped = []
        for ch in run:
            if ch in "!|" and not (before and after):
                mapped.append(ch)        # "help!" keeps its "!"; "k!ll" -> "kill"
            else:
                mapped.append(_LEET[ch])
        out.append("".join(mapped))
    return "".join(out)


def _join_spaced(match: re.Match) -> str:
    return _SPACED_SEPARATORS.sub("", match.group(0))


def _normalise(text: str, keep_apostrophes: bool = False) -> str:
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if not text:
        return ""
    # "ODd", "ODed", "ODing", "OD's": only the upper-case OD is read as overdose ("odd" stays odd)
    text = _OD_UPPER.sub(lambda m: "oded" if m.group(1) in ("d", "ed", "'d", "’d") else "od" + m.group(1).lstrip("'’"), text)
    if text.isascii():  # fast path for most messages: no Unicode tricks possible
        text = text.lower().replace("\r\n", "\n").replace("\r", "\n")
        text = _CONTROL.sub(" ", text)
    else:
        text = _SURROGATES.sub("", text)
        text = _EMOJI_WORD_RE.sub(lambda m: _EMOJI_WORDS[m.group(0)], text)
        text = unicodedata.normalize("NFKC", text)
        text = text.casefold().translate(_HOMOGLYPHS)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _INVISIBLE.sub("", text)
        text = _CONTROL.sub(" ", text)
        text = _PICTOGRAPHS.sub(" ", text)
    text = _OD_APOSTROPHE.sub(lambda m: "od" + m.group(1) if m.group(1) != "d" else "oded", text)
    if keep_apostrophes:
        text = _ANY_APOSTROPHE.sub("'", text)
    else:
        text = _APOSTROPHE_IN_WORD.sub("", text)
    if _HAS_LEET.search(text):
        text = _LEET_CANDIDATE.sub(_unleet_token, text)
    text = _SPACED_LETTERS.sub(_join_spaced, text)
    text = _REPEATS.sub(r"\1", text)
    text = _MISSPELLING_RE.sub(lambda m: _MISSPELLINGS[m.group(1)], text)
    text = _OVERDOES.sub("overdose", text)
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n", text)
    return text.strip()


def normalise(text: str) -> str:
    """The form the lexicon reads: NFKC, casefolded, disguises undone (never raises).

    >>> normalise("I want to K1LL myself")
    'i want to kill myself'
    >>> normalise("he's OD'ing, lips are blue")
    'hes oding, lips are blue'
    """
    try:
        return _normalise(text)
    except Exception:  # pragma: no cover - defensive: normalising must never break the screen
        return str(text).casefold() if isinstance(text, str) else ""


_ELLIPSIS = re.compile(r"\.{2,}|…")
_SENTENCE_END = re.compile(r"[.!?;\n]+")
_NON_WORD = re.compile(r"[^\w.]+|_")


def _match_form(normalised: str) -> str:
    """Words separated by single spaces; sentence ends become a ' . ' token that phrases do not cross."""
    text = _ELLIPSIS.sub(" ", normalised)
    text = _SENTENCE_END.sub(" . ", text)
    text = _NON_WORD.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return f" {text} "


# ------------------------------------------------------------------------------------------- YAML loading


class _LineDict(dict):
    """A mapping that remembers the line it started on (for ``file:line: message`` warnings)."""

    line = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def line_of(value: Any, default: int = 1) -> int:
    return getattr(value, "line", default) or default


def read_crisis_yaml(path: Path) -> tuple[dict | None, list[str]]:
    """Read one crisis YAML file. Returns (document or None, warnings). Never raises."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}:1: cannot read the file ({exc}); it was skipped"]
    try:
        document = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, [f"{path}:{line}: not valid YAML ({exc.problem or exc}); the file was skipped"]
    except yaml.YAMLError as exc:
        return None, [f"{path}:1: not valid YAML ({exc}); the file was skipped"]
    if document is None:
        return {}, []
    if not isinstance(document, dict):
        return None, [f"{path}:1: expected a mapping at the top (terms:, guards:, ...); the file was skipped"]
    return document, []


def overlay_files(knowledge_dir: Path | None) -> list[Path]:
    """The staff overlay files: knowledge_dir/crisis/*.yaml (and *.yml), in name order."""
    if knowledge_dir is None:
        return []
    folder = Path(knowledge_dir) / OVERLAY_DIR
    try:
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    except OSError:
        return []


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
class Term:
    id: str
    category: str
    regex: str
    person: str = "any"
    on_negation: str = "uncertain"
    source: str = ""


@dataclass(frozen=True)
class Guard:
    id: str
    regex: str
    source: str = ""


@dataclass(frozen=True)
class Exemplar:
    id: str
    text: str
    category: str | None      # None = benign contrast
    person: str = "first"
    source: str = ""


@dataclass(frozen=True)
class _Hit:
    term: Term
    start: int
    end: int
    negated: bool
    third_party: bool


# ------------------------------------------------------------------------------------ lexicon compilation

_VOCAB_REF = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_DOUBLE = re.compile(r"([a-z])\1")


def _expand_vocab(pattern: str, vocab: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in vocab:
            raise ValueError(f"unknown vocab entry {{{name}}}")
        return vocab[name]

    return _VOCAB_REF.sub(replace, pattern)


def _word_regex(word: str) -> str:
    escaped = re.escape(word)
    # a double letter also matches a single one ("kill" ~ "kil"), since typing drops letters
    return _DOUBLE.sub(lambda m: m.group(1) + "{1,2}", escaped)


def phrase_to_regex(phrase: str, vocab: dict[str, str]) -> str:
    """A staff-written phrase -> regex over the match form (see lexicon.yaml header)."""
    parts: list[str] = []
    for raw in phrase.split():
        if raw == "...":
            parts.append(r"(?:[^\s.]+\s*){0,3}?")
            continue
        ref = _VOCAB_REF.fullmatch(raw)
        if ref:
            parts.append(_expand_vocab(raw, vocab))
            continue
        words = _match_form(normalise(raw)).split()
        parts.extend(_word_regex(w) for w in words if w != ".")
    if not parts:
        raise ValueError("the phrase is empty after normalising")
    return r"\s*".join(parts)


def _bounded(regex: str) -> str:
    return rf"(?<!\w)(?:{regex})(?!\w)"


def _combined(named: list[tuple[str, str]]) -> re.Pattern:
    """One pass for many terms. The match form puts a space before every word, so a single look-behind
    up front rejects mid-word positions before any alternative is tried (5-10x faster than per-term
    boundaries)."""
    alternatives = "|".join(f"(?P<{name}>(?:{regex})(?!\\w))" for name, regex in named)
    return re.compile(f"(?<= )(?:{alternatives})")


# ------------------------------------------------------------------------------------ configuration load


@dataclass
class CrisisConfig:
    terms: list[Term] = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)
    crisis_exemplars: list[Exemplar] = field(default_factory=list)
    benign_exemplars: list[Exemplar] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    vocab: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


_KNOWN_KEYS = {"version", "vocab", "context", "terms", "guards", "exemplars", "thresholds", "regions", "notes"}
_CONTEXT_KEYS = ("negation_cues", "third_party_subjects", "first_person_subjects")


class _Problem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _compile_check(regex: str, where: int) -> str:
    try:
        compiled = re.compile(_bounded(regex))
    except re.error as exc:
        raise _Problem(where, f"the pattern is not a valid regular expression: {exc}") from None
    if compiled.groups:
        raise _Problem(where, "use (?:...) instead of capturing groups (...) in patterns")
    return regex


def _term_regex(entry: dict, vocab: dict[str, str], where: int) -> str:
    pieces: list[str] = []
    phrases = entry.get("phrases", [])
    if isinstance(phrases, str):
        phrases = [phrases]
    if "phrase" in entry:
        phrases = list(phrases) + [entry["phrase"]]
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise _Problem(where, "phrases must be a list of non-empty strings")
    for phrase in phrases:
        try:
            pieces.append(phrase_to_regex(phrase, vocab))
        except ValueError as exc:
            raise _Problem(where, f"phrase {phrase!r}: {exc}") from None
    pattern = entry.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern.strip():
            raise _Problem(where, "pattern must be a non-empty string")
        try:
            pieces.append(_expand_vocab(pattern, vocab))
        except ValueError as exc:
            raise _Problem(where, f"pattern: {exc}") from None
    if not pieces:
        raise _Problem(where, "needs 'phrases' (plain words) or 'pattern' (a regular expression)")
    return _compile_check("|".join(f"(?:{p})" for p in pieces), where)


def _new_id(entry: Any, where: int, kind: str, fields: str, example: str, seen: set[str]) -> str:
    """The id of an overlay term or guard; _Problem if the entry is not a mapping or the id is missing or taken."""
    if not isinstance(entry, dict):
        raise _Problem(where, f"each {kind} must be a mapping with {fields}")
    entry_id = entry.get("id")
    if not isinstance(entry_id, str) or not entry_id.strip():
        raise _Problem(where, f"a {kind} needs an id (e.g. {example})")
    if entry_id in seen:
        raise _Problem(where, f"{kind} id {entry_id!r} is already used")
    return entry_id


def _merge_document(config: CrisisConfig, document: dict, path: Path, is_default: bool) -> None:
    name = str(path)
    seen_terms = {t.id for t in config.terms}
    seen_guards = {g.id for g in config.guards}
    seen_exemplars = {e.id for e in config.crisis_exemplars + config.benign_exemplars}

    def warn(line: int, message: str) -> None:
        config.warnings.append(f"{name}:{line}: {message}")

    for key in document:
        if key not in _KNOWN_KEYS:
            warn(line_of(document), f"unknown key {key!r} (expected one of {', '.join(sorted(_KNOWN_KEYS))}); ignored")

    vocab = document.get("vocab") or {}
    if not isinstance(vocab, dict):
        warn(line_of(document), "vocab must be a mapping of name: regex; ignored")
        vocab = {}
    for key, value in vocab.items():
        if not isinstance(value, str) or not _VOCAB_REF.fullmatch("{" + str(key) + "}"):
            warn(line_of(vocab), f"vocab {key!r} must be a lower-case name with a regex string; ignored")
            continue
        if key in config.vocab and not is_default:
            warn(line_of(vocab), f"vocab {key!r} already exists in the defaults; overlays may only add new names")
            continue
        try:
            expanded = _expand_vocab(value, config.vocab)
            _compile_check(expanded, line_of(vocab))
        except (ValueError, _Problem) as exc:
            warn(line_of(vocab), f"vocab {key!r}: {getattr(exc, 'message', exc)}; ignored")
            continue
        config.vocab[key] = f"(?:{expanded})"

    context = document.get("context") or {}
    if isinstance(context, dict):
        for key, value in context.items():
            if key not in _CONTEXT_KEYS or not isinstance(value, str):
                warn(line_of(context), f"context {key!r}: expected one of {_CONTEXT_KEYS} with a regex string; ignored")
                continue
            try:
                _compile_check(value, line_of(context))
            except _Problem as exc:
                warn(exc.line, f"context {key!r}: {exc.message}; ignored")
                continue
            # overlays add alternatives; they never remove built-in cues
            old = config.context.get(key)
            config.context[key] = value if old is None else f"{old}|(?:{value})"

    terms = document.get("terms") or []
    if not isinstance(terms, list):
        warn(line_of(document), "terms must be a list; ignored")
        terms = []
    for entry in terms:
        where = line_of(entry)
        try:
            term_id = _new_id(entry, where, "term", "id, category and phrases/pattern", "local.my_term", seen_terms)
            category = entry.get("category")
            if category not in CATEGORIES:
                raise _Problem(where, f"term {term_id}: category {category!r} is not one of {', '.join(CATEGORIES)}")
            person = entry.get("person", "any")
            if person not in PERSONS:
                raise _Problem(where, f"term {term_id}: person {person!r} is not one of first, third, any")
            on_negation = entry.get("on_negation", "uncertain")
            if on_negation not in ("uncertain", "ignore"):
                raise _Problem(where, f"term {term_id}: on_negation {on_negation!r} is not 'uncertain' or 'ignore'")
            regex = _term_regex(entry, config.vocab, where)
        except _Problem as exc:
            warn(exc.line, f"{exc.message}; the term was skipped")
            continue
        seen_terms.add(term_id)
        config.terms.append(Term(term_id, category, regex, person, on_negation, f"{name}:{where}"))

    guards = document.get("guards") or []
    if not isinstance(guards, list):
        warn(line_of(document), "guards must be a list; ignored")
        guards = []
    for entry in guards:
        where = line_of(entry)
        try:
            guard_id = _new_id(entry, where, "guard", "id and phrases/pattern", "local.guard.my_idiom", seen_guards)
            regex = _term_regex(entry, config.vocab, where)
        except _Problem as exc:
            warn(exc.line, f"{exc.message}; the guard was skipped")
            continue
        seen_guards.add(guard_id)
        config.guards.append(Guard(guard_id, regex, f"{name}:{where}"))

    exemplars = document.get("exemplars") or {}
    if not isinstance(exemplars, dict):
        warn(line_of(document), "exemplars must be a mapping (a category or 'benign' -> list); ignored")
        exemplars = {}
    for group, items in exemplars.items():
        if group != "benign" and group not in CATEGORIES:
            warn(line_of(exemplars), f"exemplars: {group!r} is not 'benign' or one of {', '.join(CATEGORIES)}; ignored")
            continue
        category = None if group == "benign" else group
        buckets: list[tuple[str, Any]]
        if isinstance(items, dict):
            buckets = [(person, items[person]) for person in items]
        else:
            buckets = [("first", items)]
        for person, bucket in buckets:
            if person not in ("first", "third"):
                warn(line_of(items), f"exemplars {group}: {person!r} must be 'first' or 'third'; ignored")
                continue
            if not isinstance(bucket, list):
                warn(line_of(items), f"exemplars {group}.{person} must be a list of sentences; ignored")
                continue
            for index, item in enumerate(bucket):
                where = line_of(item, line_of(items))
                if isinstance(item, dict):
                    text, ex_id = item.get("text"), item.get("id")
                else:
                    text, ex_id = item, None
                if not isinstance(text, str) or not text.strip():
                    warn(where, f"exemplars {group}: item {index + 1} needs a non-empty text; skipped")
                    continue
                if len(text) > 300:
                    warn(where, f"exemplars {group}: item {index + 1} is over 300 characters; keep exemplars short")
                prefix = "ex" if is_default else f"{path.stem}"
                ex_id = str(ex_id) if ex_id else f"{prefix}.{group}.{person}.{index + 1}"
                if ex_id in seen_exemplars:
                    warn(where, f"exemplar id {ex_id!r} is already used; skipped")
                    continue
                seen_exemplars.add(ex_id)
                exemplar = Exemplar(ex_id, text.strip(), category, person, f"{name}:{where}")
                (config.benign_exemplars if category is None else config.crisis_exemplars).append(exemplar)

    thresholds = document.get("thresholds") or {}
    if not isinstance(thresholds, dict):
        warn(line_of(document), "thresholds must be a mapping; ignored")
        thresholds = {}
    for key, value in thresholds.items():
        if key not in DEFAULT_THRESHOLDS:
            warn(line_of(thresholds), f"unknown threshold {key!r} (expected {', '.join(DEFAULT_THRESHOLDS)}); ignored")
            continue
        limit = 50 if key == "min_words" else 1.0
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value <= limit):
            warn(line_of(thresholds), f"threshold {key} must be a number between 0 and {limit}; ignored")
            continue
        config.thresholds[key] = float(value)


def load_crisis_config(knowledge_dir: Path | None = None, data_dir: Path | None = None) -> CrisisConfig:
    """Defaults (package data) + overlay files. Problems become warnings, never exceptions."""
    config = CrisisConfig()
    data_dir = data_dir or DATA_DIR
    for filename in DEFAULT_FILES:
        path = data_dir / filename
        document, warnings = read_crisis_yaml(path)
        config.warnings.extend(warnings)
        if document is not None:
            _merge_document(config, document, path, is_default=True)
            config.files.append(str(path))
    for path in overlay_files(knowledge_dir):
        document, warnings = read_crisis_yaml(path)
        config.warnings.extend(warnings)
        if document is None:
            continue
        # An overlay is applied all-or-nothing per entry: a bad entry is skipped, the rest still counts.
        _merge_document(config, document, path, is_default=False)
        config.files.append(str(path))
    for key in _CONTEXT_KEYS:
        config.context.setdefault(key, r"(?!x)x")
    return config


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
            self._category_res.append((category, _combined(named)))
        self._guard_by_group: dict[str, Guard] = {}
        guard_named = []
        for guard in self.guards:
            group = f"g{len(self._guard_by_group)}"
            self._guard_by_group[group] = guard
            guard_named.append((group, guard.regex))
        self._guard_re = _combined(guard_named) if guard_named else None
        ctx = config.context
        self._negation_re = re.compile(_bounded(ctx["negation_cues"]))
        self._third_re = re.compile(_bounded(ctx["third_party_subjects"]))
        self._first_re = re.compile(_bounded(ctx["first_person_subjects"]))
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
        return [_normalise(e.text, keep_apostrophes=True) for e in self.crisis_exemplars + self.benign_exemplars]

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
        form = _match_form(normalise(text))
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
            return _normalise(text, keep_apostrophes=True)
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
        form = _match_form(_normalise(segment))
        last_third = max((m.end() for m in self._third_re.finditer(form)), default=-1)
        last_first = max((m.end() for m in self._first_re.finditer(form)), default=-1)
        return last_third > last_first


def _light_form(text: str) -> str:
    """What a tokenizer that lower-cases would see anyway (for deciding whether a vector can be reused)."""
    if not isinstance(text, str):
        return ""
    return " ".join(_SURROGATES.sub("", text).casefold().replace("’", "'").split())


def _replace(result: CrisisResult, **changes: Any) -> CrisisResult:
    values = {f: getattr(result, f) for f in result.__dataclass_fields__}
    values.update(changes)
    return CrisisResult(**values)


def _merge_categories(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    present = set(first) | set(second)
    return tuple(c for c in CATEGORY_PRIORITY if c in present)
