"""Knowledge: load and validate the staff-written YAML into `Entry` records.

Every ``*.yaml`` in the knowledge directory with a top-level ``entries:`` list holds
entries. A file may also (or instead) hold a top-level ``not_covered:`` list: questions
visitors ask that no entry answers, which teach the assistant to fall back on them
(classifier.py). Problems are collected (not raised one at a time) and reported as
``file:line: message`` so staff can fix them all in one pass.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from difflib import get_close_matches
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import KnowledgeError, Problem, plain_validation_message

from .yamlfile import Mapping as _Mapping
from .yamlfile import parse_yaml

# Files in the knowledge directory that are configuration, not entries.
CONFIG_FILES = {"settings.yaml"}
# Alternates in other languages, one field each (`alternates_es:`): the questions visitors write in that
# language. Only the multilingual matcher reads them (crosslingual.py); the English index never does, and
# the visitor is shown the vetted English answer. Each language here is one the matcher's encoder knows.
ALTERNATE_LANGUAGES = ("es", "pt", "fr")
OTHER_ALTERNATES = tuple(f"alternates_{language}" for language in ALTERNATE_LANGUAGES)
OTHER_NOT_COVERED = tuple(f"not_covered_{language}" for language in ALTERNATE_LANGUAGES)
KNOWN_FIELDS = {
    "id", "type", "question", "title", "answer", "alternates", "source", "tags", "reviewed", "review_by",
    *OTHER_ALTERNATES,
}
# Top-level key of a list of questions no entry answers; `not_covered_es:` and so on hold such questions in
# other languages, which only the multilingual matcher reads (English answers never change with them).
NOT_COVERED = "not_covered"
# An FAQ answer longer than this is refused (check warns from 150 words, staff aim for ~80): nobody
# reads it in a chat bubble, and it is usually a pasted article that belongs in articles.yaml.
FAQ_MAX_WORDS = 400
# Long article passages are split into chunks of about this many words, ids `<id>/<n>`.
PASSAGE_CHUNK_WORDS = 160
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$|^[a-z0-9]$")


@dataclass(frozen=True)
class Entry:
    """One vetted answer as shown to visitors (a FAQ or an article passage or chunk)."""

    id: str
    type: Literal["faq", "passage"]
    answer: str
    question: str | None = None
    title: str | None = None
    alternates: tuple[str, ...] = ()
    source: str | None = None
    tags: tuple[str, ...] = ()
    reviewed: str | None = None
    review_by: str | None = None
    # (language, question) for each `alternates_<language>:` item, in the order staff wrote them.
    other_alternates: tuple[tuple[str, str], ...] = ()
    file: str = ""
    line: int = 0
    extra_fields: tuple[str, ...] = field(default=(), compare=False)
    # (field, line) of each field as staff wrote it ("alternates.2": the third alternate), so a
    # message points at the line to fix, not the entry's `- id:` line. Not part of the index.
    field_lines: tuple[tuple[str, int], ...] = field(default=(), compare=False)

    def line_of(self, name: str) -> int:
        """The line of field `name` (`alternates.0` for an alternate), else the entry's line."""
        return dict(self.field_lines).get(name, self.line)

    @property
    def heading(self) -> str:
        """The question (FAQ) or title (passage): what a visitor clicks on."""
        return self.question or self.title or self.id

    def to_dict(self) -> dict[str, Any]:
        # Fields are strings, dates and tuples of strings: a shallow copy is a full one
        # (dataclasses.asdict's deep copy was a tenth of a 2,000-passage build).
        data = {name: getattr(self, name) for name in _ENTRY_FIELDS}
        data["alternates"] = list(self.alternates)
        data["tags"] = list(self.tags)
        data["other_alternates"] = [list(pair) for pair in self.other_alternates]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Entry":
        data = dict(data)
        data["alternates"] = tuple(data.get("alternates") or ())
        data["tags"] = tuple(data.get("tags") or ())
        data["other_alternates"] = tuple(tuple(pair) for pair in data.get("other_alternates") or ())
        return cls(**data)


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry) if f.name not in ("extra_fields", "field_lines"))


@dataclass(frozen=True)
class Knowledge:
    entries: tuple[Entry, ...]
    files: tuple[str, ...]
    warnings: tuple[Problem, ...] = ()
    not_covered: tuple[str, ...] = ()  # questions no entry answers (`not_covered:` lists)
    other_not_covered: tuple[str, ...] = ()  # the same in other languages (`not_covered_es:` lists)

    @cached_property  # a build reads it twice; the knowledge is frozen
    def content_hash(self) -> str:
        return content_hash(self.entries, self.not_covered, self.other_not_covered)

    def by_id(self) -> dict[str, Entry]:
        return {entry.id: entry for entry in self.entries}


def content_hash(entries: tuple[Entry, ...] | list[Entry], not_covered: tuple[str, ...] | list[str] = (),
                 other_not_covered: tuple[str, ...] | list[str] = ()) -> str:
    """Hash of what visitors can see and what retrieval embeds; comments and layout don't count."""
    canonical: list[Any] = [
        # no other-language alternates: the same hash as before they existed (no needless rebuild)
        {k: v for k, v in entry.to_dict().items()
         if k not in ("file", "line") and not (k == "other_alternates" and not v)} for entry in entries
    ]
    if not_covered:  # absent: the same hash as before `not_covered:` existed
        canonical.append({"not_covered": list(not_covered)})
    if other_not_covered:
        canonical.append({"other_not_covered": list(other_not_covered)})
    payload = json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()


class EntrySchema(BaseModel):
    """What staff may write for one entry. Unknown fields are allowed but reported as warnings."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=120)
    type: Literal["faq", "passage"] | None = None
    question: str | None = Field(default=None, min_length=1, max_length=500)
    title: str | None = Field(default=None, min_length=1, max_length=500)
    answer: str = Field(min_length=1, max_length=100_000)
    alternates: list[str] = Field(default_factory=list)
    source: str | None = None
    tags: list[str] = Field(default_factory=list)
    reviewed: dt.date | None = None
    review_by: dt.date | None = None
    alternates_es: list[str] = Field(default_factory=list)
    alternates_pt: list[str] = Field(default_factory=list)
    alternates_fr: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(
                f"id {value!r} must be a slug: lowercase letters, digits and hyphens, e.g. 'faq-duration'"
            )
        return value

    @field_validator("alternates", "tags", *OTHER_ALTERNATES)
    @classmethod
    def _no_blank_items(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values]
        if any(not v for v in cleaned):
            raise ValueError("contains an empty item; remove it")
        return cleaned

    @model_validator(mode="after")
    def _question_or_title(self) -> "EntrySchema":
        if self.question and self.title:
            raise ValueError("has both `question` and `title`; an FAQ has a question, a passage a title")
        if not self.question and not self.title:
            raise ValueError("needs a `question` (for an FAQ) or a `title` (for an article passage)")
        expected = "faq" if self.question else "passage"
        if self.type and self.type != expected:
            field_name = "question" if self.question else "title"
            raise ValueError(f"type is {self.type!r} but the entry has a `{field_name}`; use type: {expected}")
        self.type = expected
        return self




def _entry_problems(raw: Any, display: str, fallback_line: int) -> tuple[EntrySchema | None, list[Problem]]:
    line = getattr(raw, "line", fallback_line)
    if not isinstance(raw, dict):
        return None, [Problem(display, line, "each item under `entries:` must be a mapping with id, question/title and answer")]
    key_lines = getattr(raw, "key_lines", {})
    try:
        return EntrySchema.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        label = f"entry {raw.get('id')!r}" if isinstance(raw.get("id"), str) else "entry"
        for error in exc.errors():
            loc = error.get("loc") or ()
            key = loc[0] if loc else None
            where = key_lines.get(key, line)
            if len(loc) > 1 and isinstance(loc[1], int):
                items = raw.get(key)
                where = getattr(items, "line", where) if not isinstance(items, list) else where + 1 + loc[1]
            if error["type"] == "missing":
                message = f"{label} is missing the required field `{key}`"
            elif key and error["type"] == "value_error":  # our own validators already speak plainly
                message = f"{label}: `{key}`: {error['msg'].removeprefix('Value error, ')}"
            elif key:
                message = f"{label}: {plain_validation_message(error)}"
            else:
                message = f"{label}: {error['msg'].removeprefix('Value error, ')}"
            problems.append(Problem(display, where, message))
        return None, problems


def _chunks(text: str, words: int = PASSAGE_CHUNK_WORDS) -> list[str]:
    """Split a long passage on paragraph breaks into chunks of at most ~`words` words."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    chunks: list[str] = []
    current: list[str] = []
    for paragraph in paragraphs:
        if current and len(" ".join(current + [paragraph]).split()) > words:
            chunks.append("\n\n".join(current))
            current = []
        current.append(paragraph)
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def _field_lines(raw: Any) -> tuple[tuple[str, int], ...]:
    lines = [(str(key), line) for key, line in getattr(raw, "key_lines", {}).items()]
    for name in ("alternates", *OTHER_ALTERNATES):
        items = raw.get(name) if isinstance(raw, dict) else None
        lines += [(f"{name}.{i}", line) for i, line in enumerate(getattr(items, "item_lines", []))]
    return tuple(lines)


def _to_entries(schema: EntrySchema, display: str, line: int, field_lines: tuple = ()) -> list[Entry]:
    extra = tuple(sorted(set((schema.model_extra or {}).keys()) - KNOWN_FIELDS))
    base = dict(
        type=schema.type, question=schema.question, title=schema.title,
        alternates=tuple(schema.alternates), source=schema.source, tags=tuple(schema.tags),
        reviewed=schema.reviewed.isoformat() if schema.reviewed else None,
        review_by=schema.review_by.isoformat() if schema.review_by else None,
        other_alternates=tuple((language, text) for language in ALTERNATE_LANGUAGES
                               for text in getattr(schema, f"alternates_{language}")),
        file=display, line=line, extra_fields=extra, field_lines=field_lines,
    )
    if schema.type == "passage" and len(schema.answer.split()) > PASSAGE_CHUNK_WORDS:
        parts = _chunks(schema.answer)
        if len(parts) > 1:
            return [
                Entry(id=f"{schema.id}/{n}", answer=part,
                      **{**base, **({} if n == 1 else {"alternates": (), "other_alternates": ()})})
                for n, part in enumerate(parts, start=1)
            ]
    return [Entry(id=schema.id, answer=schema.answer, **base)]


def knowledge_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and p.is_file())


def source_fingerprint(directory: Path | str) -> str:
    """sha256 over the names and bytes of the files `load_knowledge` reads entries from.

    Equal fingerprints mean equal knowledge, known without parsing it: at 100,000 passages,
    parsing and validating takes seconds and holds hundreds of MB at its peak.
    """
    digest = hashlib.sha256()
    for path in knowledge_files(Path(directory)):
        if path.name in CONFIG_FILES:
            continue
        data = path.read_bytes()
        digest.update(f"{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def load_knowledge(directory: Path | str) -> Knowledge:
    """Load every entries file in `directory`. Raises KnowledgeError listing all problems."""
    directory = Path(directory)
    if not directory.is_dir():
        raise KnowledgeError([Problem(str(directory), 0, "knowledge directory not found; pass --knowledge DIR")])
    problems: list[Problem] = []
    warnings: list[Problem] = []
    entries: list[Entry] = []
    first_seen: dict[str, str] = {}
    files = knowledge_files(directory)
    used_files: list[str] = []
    not_covered: list[tuple[str, str, int]] = []  # (question, file, line)
    other_not_covered: list[tuple[str, str, int]] = []  # the same, in other languages
    for path in files:
        display = str(path)
        if path.name in CONFIG_FILES:
            continue
        data, file_problems = parse_yaml(path, display)
        if file_problems:
            problems.extend(file_problems)
            continue
        if data is None:
            problems.append(Problem(display, 1, "file is empty; add a top-level `entries:` list or remove the file"))
            continue
        if not isinstance(data, dict):
            found = "list" if isinstance(data, list) else type(data).__name__
            problems.append(Problem(display, 1, f"expected a mapping with a top-level `entries:` list, found a {found}"))
            continue
        lists = [key for key in (NOT_COVERED, *OTHER_NOT_COVERED) if key in data]
        if lists:
            used_files.append(display)
        for key in lists:
            problems.extend(_collect_not_covered(data, display, not_covered if key == NOT_COVERED else other_not_covered,
                                                 key))
        if "entries" not in data:
            if not lists:
                warnings.append(Problem(display, 1, "no top-level `entries:` or `not_covered:` list; file ignored"))
            continue
        items = data["entries"]
        entries_line = data.key_lines.get("entries", 1) if isinstance(data, _Mapping) else 1
        if not isinstance(items, list):
            problems.append(Problem(display, entries_line, "`entries:` must be a list of entries (each starting with '- id:')"))
            continue
        if display not in used_files:
            used_files.append(display)
        for position, raw in enumerate(items):
            schema, entry_problems = _entry_problems(raw, display, entries_line + 1 + position)
            problems.extend(entry_problems)
            if schema is None:
                continue
            line = getattr(raw, "line", entries_line)
            where = f"{display}:{line}"
            if schema.id in first_seen:
                problems.append(Problem(display, line, f"duplicate id {schema.id!r} (first used at {first_seen[schema.id]}); ids must be unique"))
                continue
            first_seen[schema.id] = where
            words = len(schema.answer.split())
            if schema.type == "faq" and words > FAQ_MAX_WORDS:
                problems.append(Problem(display, getattr(raw, "key_lines", {}).get("answer", line), (
                    f"entry {schema.id!r}: the answer has {words} words, too long for a chat on a phone "
                    f"(aim for about 80; at most {FAQ_MAX_WORDS}): shorten it, split it into several entries, "
                    "or make it an article passage (`title:` instead of `question:`)")))
                continue
            for entry in _to_entries(schema, display, line, _field_lines(raw)):
                if entry.extra_fields:
                    close = [m for name in entry.extra_fields for m in get_close_matches(name, KNOWN_FIELDS, n=1)]
                    warnings.append(Problem(display, entry.line_of(entry.extra_fields[0]), (
                        f"entry {entry.id!r}: unknown field(s) {', '.join(entry.extra_fields)}, ignored"
                        + (f"; did you mean {', '.join(close)}?" if close else ""))))
                entries.append(entry)
    if not problems and not entries:
        problems.append(Problem(str(directory), 0, "no entries found: add a *.yaml file with a top-level `entries:` list"))
    problems.extend(_shared_phrasings(entries))
    problems.extend(_answered_yet_not_covered(entries, not_covered + other_not_covered))
    if other_not_covered and not not_covered:
        # the build keeps them with the English detector (index/build.py), so alone they would be dropped
        _, display, line = other_not_covered[0]
        warnings.append(Problem(display, line, (
            "not-covered questions in other languages are only used next to an English `not_covered:` list, "
            "and there is none: add a few English `not_covered:` lines on the same topics, or these are ignored")))
    if problems:
        raise KnowledgeError(problems)
    return Knowledge(entries=tuple(entries), files=tuple(used_files), warnings=tuple(warnings),
                     not_covered=tuple(dict.fromkeys(text for text, _, _ in not_covered)),
                     other_not_covered=tuple(dict.fromkeys(text for text, _, _ in other_not_covered)))


def _collect_not_covered(data: dict, display: str, found: list[tuple[str, str, int]],
                         key: str = NOT_COVERED) -> list[Problem]:
    """Validate a `not_covered:` list (plain questions, one per line) into `found`."""
    items = data[key]
    key_line = data.key_lines.get(key, 1) if isinstance(data, _Mapping) else 1
    if not isinstance(items, list):
        return [Problem(display, key_line, f"`{key}:` must be a list of questions, each on its own "
                                           "line starting with '- '")]
    lines = getattr(items, "item_lines", None) or [key_line + 1 + i for i in range(len(items))]
    problems = []
    for item, line in zip(items, lines):
        if not isinstance(item, str) or not item.strip():
            problems.append(Problem(display, line, f"each item under `{key}:` must be a question written "
                                                   "as plain text"))
        elif len(item) > 500:
            problems.append(Problem(display, line, f"this not_covered question has {len(item)} characters; "
                                                   "keep it under 500"))
        else:
            found.append((" ".join(item.split()), display, line))
    return problems


def _answered_yet_not_covered(entries: list[Entry], not_covered: list[tuple[str, str, int]]) -> list[Problem]:
    """A question can't be both an entry's phrasing and listed as not covered."""
    phrasing = {text.casefold(): entry for entry in entries
                for text in (entry.heading, *entry.alternates, *(t for _, t in entry.other_alternates))}
    problems = []
    for text, display, line in not_covered:
        entry = phrasing.get(text.casefold())
        if entry is not None:
            problems.append(Problem(display, line, f"{text!r} is listed as not covered, but entry {entry.id!r} "
                                                   f"({entry.file}:{entry.line}) answers it; remove one of the two"))
    return problems


def phrasing_key(text: str) -> str:
    """What two phrasings share when a visitor could not tell them apart: case, punctuation and
    spacing aside ("How long is group?" and "how long is group")."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _other_alternate_fields(entry: Entry) -> list[tuple[str, str]]:
    """("alternates_es.2", text) for each other-language alternate: the field a message points at."""
    seen: dict[str, int] = {}
    fields_ = []
    for language, text in entry.other_alternates:
        seen[language] = seen.get(language, -1) + 1
        fields_.append((f"alternates_{language}.{seen[language]}", text))
    return fields_


def _shared_phrasings(entries: list[Entry]) -> list[Problem]:
    """An alternate that is another entry's question or alternate (case and punctuation aside) takes
    that entry's visitors: an error, so it is never published. Twice in one entry is harmless."""
    owner: dict[str, tuple[Entry, str]] = {}
    problems = []
    for entry in entries:
        if "/" in entry.id and not entry.id.endswith("/1"):
            continue  # later chunks of a passage repeat its title
        for name, text in (("question" if entry.question else "title", entry.heading),
                           *((f"alternates.{i}", t) for i, t in enumerate(entry.alternates)),
                           *_other_alternate_fields(entry)):
            key = phrasing_key(text)
            first = owner.get(key)
            if first is None:
                owner[key] = (entry, text)
            elif name == "title" and first[0].title == first[1]:
                continue  # two passages may share a title ("Introduction"); visitors see both in the list
            elif first[0].id.split("/")[0] != entry.id.split("/")[0]:
                other = first[0]
                problems.append(Problem(entry.file, entry.line_of(name), (
                    f"entry {entry.id!r}: {text!r} is also a question or alternate of entry {other.id!r} "
                    f"({other.file}:{other.line}), so visitors asking it could get either answer: "
                    "keep it in the one entry that answers it and remove it here")))
    return problems
