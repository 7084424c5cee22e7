"""Editing knowledge YAML in place with ruamel.yaml's round-trip mode: comments, quotes, block styles,
key order and indentation stay as staff wrote them, and only the values set here change."""
from __future__ import annotations

import io
import os
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from assistant.knowledge import OTHER_ALTERNATES

# The order fields take in a new entry (and where a field added to an entry goes).
FIELD_ORDER = ("id", "type", "question", "title", "alternates", *OTHER_ALTERNATES, "answer", "source", "tags",
               "reviewed", "review_by")
TEXT_FIELDS = ("question", "title", "answer", "source")


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: keeps comments, quotes, block styles and key order
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a line staff wrote; new folded text is wrapped by `_folded`
    return yaml


def yaml_like(text: str):
    """A round-trip YAML that indents like `text` (so an untouched part dumps as it was)."""
    from ruamel.yaml.util import load_yaml_guess_indent

    indent, dash_offset = 4, 2  # the shipped files: "  - id:" under "entries:"
    if text.strip():
        _, guessed, guessed_offset = load_yaml_guess_indent(text)
        if guessed:
            indent, dash_offset = guessed, guessed_offset or 0
    yaml = _yaml()
    yaml.indent(mapping=indent - dash_offset if dash_offset else indent, sequence=indent, offset=dash_offset)
    return yaml


def read_entries_file(path: Path) -> tuple[Any, str]:
    """A knowledge file as ruamel's round-trip document, and its text (without a BOM)."""
    text = path.read_bytes().decode("utf-8-sig")
    return yaml_like(text).load(text), text


def _folded(text: str, indent: int):
    """Folded block text (`>-`) wrapped like the files' own (about 78 columns)."""
    from ruamel.yaml.scalarstring import FoldedScalarString

    scalar = FoldedScalarString(text)
    lines = textwrap.wrap(text, max(40, 78 - indent - 2), break_long_words=False, break_on_hyphens=False)
    if " ".join(lines) == text:  # wrapping only replaced single spaces: fold exactly there
        positions, at = [], 0
        for line in lines[:-1]:
            at += len(line)
            positions.append(at)
            at += 1
        scalar.fold_pos = positions
    return scalar


def styled(text: str, old: Any, column: str, indent: int) -> Any:
    """New text in the style of the value it replaces: block text stays block text."""
    from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

    if "\n" in text or isinstance(old, LiteralScalarString):
        return LiteralScalarString(text)
    if isinstance(old, FoldedScalarString) or (old is None and column == "answer" and len(text) > 70):
        return _folded(text, indent)
    return text


def new_list(items: list[str], column: str):
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    if column == "tags":
        seq.fa.set_flow_style()  # tags: [basics, aftercare], as the files write them
    return seq


def _last_key(entry) -> Any:
    return next(reversed(entry)) if entry else None


def _is_block(value: Any) -> bool:
    from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

    return isinstance(value, (FoldedScalarString, LiteralScalarString))


def _carry_trailing_comment(entry, key: Any, was_block: bool) -> None:
    """Fit the comment after `key` (often just the blank line before the next entry) to its value now.

    ruamel stores what follows a plain value from the end of its line ("\\n\\n": line end, blank line)
    but what follows block text from the next line ("\\n"): one line end more or less keeps one blank line."""
    comment = (entry.ca.items.get(key) or [None] * 3)[2]
    if comment is None or was_block == _is_block(entry[key]):
        return
    if was_block:
        comment.value = "\n" + comment.value
    elif comment.value.startswith("\n"):
        comment.value = comment.value[1:]


def set_field(entry, column: str, value: Any) -> None:
    """Set or add one field, keeping the entry's key order and the blank line after it."""
    if column in entry:
        was_block = _is_block(entry[column])
        entry[column] = value
        _carry_trailing_comment(entry, column, was_block)
        return
    last = _last_key(entry)
    before = FIELD_ORDER[: FIELD_ORDER.index(column)]
    position = max((i + 1 for i, key in enumerate(entry) if key in before), default=len(entry))
    entry.insert(position, column, value)
    if position == len(entry) - 1 and last in entry.ca.items:  # the new field is last: move the blank line
        entry.ca.items[column] = entry.ca.items.pop(last)
        _carry_trailing_comment(entry, column, _is_block(entry[last]))


def remove_field(entry, column: str) -> None:
    """Remove one field; when it was the last, the blank line after it stays after the entry."""
    keys = list(entry)
    if column == keys[-1] and len(keys) > 1 and column in entry.ca.items:
        entry.ca.items[keys[-2]] = entry.ca.items.pop(column)
        _carry_trailing_comment(entry, keys[-2], _is_block(entry[column]))
    del entry[column]


def entry_spans(text: str) -> list[tuple[int, str, dict[str, int]]]:
    """(start line, id, key -> line) of every entry in a YAML text, by start line."""
    from ruamel.yaml import YAML

    document = YAML().load(text)
    spans = []
    entries = document.get("entries") if isinstance(document, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            keys = {key: entry.lc.key(key)[0] + 1 for key in entry}
            spans.append((entry.lc.line + 1, str(entry.get("id")), keys))
    return sorted(spans)


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside the file, then swap it in: a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            shutil.copymode(path, handle.name)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def dump_like(document: Any, original_text: str) -> str:
    """The document as text, indented like the file it was read from and with the same line endings."""
    out = io.StringIO()
    yaml_like(original_text).dump(document, out)
    text = out.getvalue()
    if "\r\n" in original_text:
        text = text.replace("\n", "\r\n")
    return text
