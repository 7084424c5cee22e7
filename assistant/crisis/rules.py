"""The crisis screen's rules: the lexicon of crisis terms, the guards that blank out idioms and safe
uses, the exemplars for the semantic layer, and thresholds, from the built-in data (``data/``) with
the staff's overlays (``knowledge/crisis/*.yaml``) merged on top. A broken overlay entry is skipped
with a ``file:line: message`` warning and never breaks the screen."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..yamlfile import line_of
from ..yamlfile import read_lenient as read_crisis_yaml
from .normalise import match_form, normalise

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
LAYERS: tuple[str, ...] = ("lexicon", "deferred", "classifier", "semantic", "uncertain", "check_in")
PERSONS: tuple[str, ...] = ("first", "third", "any")

DATA_DIR = Path(__file__).resolve().parent / "data"
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



@dataclass(frozen=True)
class Term:
    id: str
    category: str
    regex: str
    person: str = "any"
    on_negation: str = "uncertain"
    source: str = ""
    alone: bool = True  # False: a topic word ("overdose", "suicide") that decides only with the classifier


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
        words = match_form(normalise(raw)).split()
        parts.extend(_word_regex(w) for w in words if w != ".")
    if not parts:
        raise ValueError("the phrase is empty after normalising")
    return r"\s*".join(parts)


def bounded(regex: str) -> str:
    return rf"(?<!\w)(?:{regex})(?!\w)"


def combined(named: list[tuple[str, str]]) -> re.Pattern:
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
_CONTEXT_KEYS = ("negation_cues", "third_party_subjects", "first_person_subjects", "past_cues")


class _Problem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _compile_check(regex: str, where: int) -> str:
    try:
        compiled = re.compile(bounded(regex))
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
        alone = entry.get("alone", True)
        if not isinstance(alone, bool):
            raise _Problem(where, f"term {term_id}: alone must be true or false")
        config.terms.append(Term(term_id, category, regex, person, on_negation, f"{name}:{where}", alone))

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
