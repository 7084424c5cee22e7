"""Spreadsheet round trip for staff: the knowledge as one CSV row per entry, and back.

`export_csv` writes every entry as staff wrote it (one row per entry, not per chunk of a long
passage) with every field and the file it lives in. `import_csv` reads what a spreadsheet saves
(UTF-8 with or without BOM, UTF-16, Windows-1252; comma, semicolon or tab; any line ending; new
lines inside cells) and updates entries by id in the file each one lives in. ruamel.yaml edits
only the changed entries, so the comments and layout of the rest of a file stay as they were; new
ids go to the file their `file` cell names. Import never deletes an entry and never replaces a
file wholesale. It first applies the sheet to a scratch copy and loads it with `load_knowledge`
(what `make check` and `make index` use); every problem is reported at the sheet's row and column.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import shutil
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from assistant.errors import KnowledgeError, Problem
from assistant.knowledge import CONFIG_FILES, knowledge_files, load_knowledge

# The sheet's columns, in the order export writes them: every field an entry has, and its file.
COLUMNS = ("id", "type", "question", "title", "answer", "alternates", "source", "tags", "reviewed", "review_by",
           "file")
REQUIRED = ("id",)
# The order fields take in a new entry (and where a field added to an entry goes).
FIELD_ORDER = ("id", "type", "question", "title", "alternates", "answer", "source", "tags", "reviewed", "review_by")
TEXT_FIELDS = ("question", "title", "answer", "source")
DATE_FIELDS = ("reviewed", "review_by")
# One item per line in a cell; a cell without new lines may also separate items with these.
LIST_SEPARATORS = {"alternates": "|", "tags": ","}
DEFAULT_FILES = {"faq": "faq.yaml", "passage": "articles.yaml"}
# What Excel treats as a formula when a cell starts with it. Export puts an apostrophe before such
# text (Excel's own mark for "this is text"); import takes one leading apostrophe off again.
FORMULA_STARTS = ("=", "+", "-", "@")
# `+`, `-` and `@` are also ordinary text ("- step one", "+1 more"): refused only when a formula
# follows (a function call, a cell reference, or a DDE link like `cmd|' /C calc'!A0`).
_FORMULA_AFTER_SIGN = re.compile(r"^[+\-@]\s*(?:[A-Za-z_][\w.]*\s*\(|\$?[A-Za-z]{1,3}\$?\d+\b|[\w.\s+\-*/^]*\|.*!)")
# Excel keeps at most this many characters in a cell and silently cuts the rest when it opens a CSV.
EXCEL_CELL_LIMIT = 32_767
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0?0:00(?::00)?)?$")
_LOCAL_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})(?:[ T]0?0:00(?::00)?)?$")
_SEP_LINE = re.compile(r"^sep=(.)\r?\n?$")  # Excel's "sep=;" hint on the first line


@dataclass
class SheetRow:
    """One data row: `row` is the number the spreadsheet shows, `line` where it starts in the CSV file."""

    row: int
    line: int
    cells: dict[str, str]  # column name -> cell text (new lines as "\n", apostrophe mark removed)


@dataclass
class Sheet:
    display: str
    encoding: str
    delimiter: str
    columns: list[str]  # column names, by position ("" for a column without a name)
    rows: list[SheetRow]

    def where(self, row: SheetRow, column: str | None = None) -> str:
        if column is None or column not in self.columns:
            return f"row {row.row}"
        return f"row {row.row}, column {column} ({column_letter(self.columns.index(column))})"

    def problem(self, row: SheetRow, column: str | None, message: str) -> Problem:
        return Problem(self.display, row.line, f"{self.where(row, column)}: {message}")


@dataclass
class ImportResult:
    """What an import did (or, with write=False, would do)."""

    sheet: Sheet
    updated: dict[str, str] = field(default_factory=dict)  # id -> file name
    added: dict[str, str] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    not_in_sheet: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the letters a spreadsheet shows above a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# -- export ------------------------------------------------------------------------------------------
def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()  # round trip: keeps comments, quotes, block styles and key order
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a line staff wrote; new folded text is wrapped by `_folded`
    return yaml


def _yaml_like(text: str):
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


def _read_entries_file(path: Path) -> tuple[Any, str]:
    """A knowledge file as ruamel's round-trip document, and its text (without a BOM)."""
    text = path.read_bytes().decode("utf-8-sig")
    return _yaml_like(text).load(text), text


def _cell_text(value: Any) -> str:
    text = "" if value is None else (value.isoformat() if isinstance(value, dt.date) else str(value)).strip()
    if text.startswith(FORMULA_STARTS + ("'",)):
        return "'" + text  # Excel would run it as a formula; the apostrophe says "text", import removes it
    return text


def _list_cell(items: Any, column: str) -> str:
    values = [str(item).strip() for item in items or []]
    separator = LIST_SEPARATORS[column]
    if column == "alternates" or any(separator in v for v in values):
        text = "\n".join(values)
        # one item holding the separator: a new line at the end keeps it one item on import
        return _cell_text(text) + ("\n" if len(values) == 1 and separator in text else "")
    return _cell_text(f"{separator} ".join(values))


def export_csv(knowledge_dir: Path, out: TextIO) -> int:
    """Write every entry as one CSV row with all its fields; returns the number of rows.

    The knowledge must load (`make check`) first: a sheet made from broken files would carry the breakage.
    """
    load_knowledge(knowledge_dir)
    writer = csv.writer(out, lineterminator="\r\n")  # CRLF, what spreadsheets write themselves
    writer.writerow(COLUMNS)
    count = 0
    for path in knowledge_files(Path(knowledge_dir)):
        if path.name in CONFIG_FILES:
            continue
        document, _ = _read_entries_file(path)
        if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
            continue
        for entry in document["entries"]:
            row = []
            for column in COLUMNS:
                if column == "file":
                    row.append(path.name)
                elif column == "type":
                    row.append(entry.get("type") or ("faq" if entry.get("question") else "passage"))
                elif column in LIST_SEPARATORS:
                    row.append(_list_cell(entry.get(column), column))
                else:
                    row.append(_cell_text(entry.get(column)))
            writer.writerow(row)
            count += 1
    return count


# -- reading a sheet ---------------------------------------------------------------------------------
def _decode(raw: bytes, display: str) -> tuple[str, str]:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), "UTF-16"
    try:
        return raw.decode("utf-8-sig"), "UTF-8 with BOM" if raw.startswith(codecs.BOM_UTF8) else "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise KnowledgeError([Problem(display, line, "the file is neither UTF-8 nor Windows-1252 text; save it "
                                                     "from the spreadsheet as \"CSV UTF-8\" and import again")]) from None


def _column_name(cell: str) -> str:
    return cell.strip().strip("\ufeff").lower().replace(" ", "_")


def _pick_delimiter(first_line: str) -> str:
    """The separator that splits the header row into the most known column names."""
    def known(delimiter: str) -> int:
        header = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(_column_name(cell) in COLUMNS for cell in header)
    return max((",", ";", "\t"), key=known)


def _clean(cell: str) -> tuple[str, bool]:
    """(text, is_formula): new lines as "\\n", outer spaces and one apostrophe text mark removed."""
    text = cell.replace("\r\n", "\n").replace("\r", "\n").strip(" \t")
    stripped = text.strip()
    if stripped.startswith("'"):
        return text.lstrip()[1:], False
    is_formula = stripped.startswith("=") or bool(_FORMULA_AFTER_SIGN.match(stripped))
    return text, is_formula


def read_sheet(path: Path, display: str | None = None) -> Sheet:
    """Read a CSV saved by a spreadsheet. Raises KnowledgeError naming rows and columns."""
    display = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError([Problem(display, 0, f"cannot read the file: {exc.strerror}")]) from None
    text, encoding = _decode(raw, display)
    first_line = text.split("\n", 1)[0]
    skipped_lines = 0
    hint = _SEP_LINE.match(first_line)
    if hint:
        delimiter = hint.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
        skipped_lines = 1
    else:
        delimiter = _pick_delimiter(first_line.rstrip("\r"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    try:
        while True:
            start = reader.line_num + 1 + skipped_lines
            try:
                records.append((start, next(reader)))
            except StopIteration:
                break
    except csv.Error as exc:
        raise KnowledgeError([Problem(display, reader.line_num + skipped_lines,
                                      f"row {len(records) + 1}: cannot be read ({exc}); a cell probably has a "
                                      "quote mark (\") that is not closed")]) from None
    if not records:
        raise KnowledgeError([Problem(display, 1, "the file is empty; export first: "
                                                  ".venv/bin/python -m assistant export -o answers.csv")])
    header_line, header = records[0]
    columns = [_column_name(cell) for cell in header]
    problems = []
    for index, name in enumerate(columns):
        if name and name not in COLUMNS:
            problems.append(Problem(display, header_line, f"row 1, column {column_letter(index)}: unknown column "
                                                          f"{header[index].strip()!r}; the columns are "
                                                          f"{', '.join(COLUMNS)} (rename or remove it)"))
        elif name and columns.index(name) != index:
            problems.append(Problem(display, header_line, f"row 1, column {column_letter(index)}: the column "
                                                          f"{name!r} appears twice; keep one"))
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        separator = {",": "commas", ";": "semicolons", "\t": "tabs"}[delimiter] if delimiter in ",;\t" else delimiter
        problems.append(Problem(display, header_line, f"row 1: missing the column(s) {', '.join(missing)}; the first "
                                                      f"row must hold the column names ({', '.join(COLUMNS)}), "
                                                      f"separated by commas, semicolons or tabs (read with {separator})"))
    sheet = Sheet(display, encoding, delimiter, columns, [])
    for number, (line, cells) in enumerate(records[1:], start=2):
        row = SheetRow(number, line, {})
        for index, cell in enumerate(cells):
            name = columns[index] if index < len(columns) else ""
            text, is_formula = _clean(cell)
            if not name:
                if text.strip():  # Excel adds empty columns; one holding text would be lost
                    problems.append(Problem(display, line, f"row {number}, column {column_letter(index)}: this "
                                                           "column has no name in row 1; move the text into a named "
                                                           "column or delete it"))
                continue
            if is_formula:
                problems.append(sheet.problem(row, name, f"{text.strip()[:40]!r} is a spreadsheet formula, not "
                                                         "vetted text; replace it with the text itself"))
            row.cells[name] = text
        if any(value.strip() for value in row.cells.values()):  # empty rows (Excel keeps some at the end) are skipped
            sheet.rows.append(row)
    if problems:
        raise KnowledgeError(problems)
    return sheet


# -- from cells to YAML values -----------------------------------------------------------------------
def _split_list(cell: str, column: str) -> list[str]:
    parts = cell.split("\n") if "\n" in cell.strip(" ") else cell.split(LIST_SEPARATORS[column])
    return [part.strip() for part in parts if part.strip()]


def _date_candidates(cell: str) -> list[dt.date] | None:
    """The dates a cell can mean (two for 03/04/2027), [] for an empty cell, None when not a date."""
    text = cell.strip()
    if not text:
        return []
    iso = _ISO_DATE.match(text)
    if iso:
        parts = [(int(iso[1]), int(iso[2]), int(iso[3]))]
    else:
        local = _LOCAL_DATE.match(text)
        if not local or len(local[4]) != 4:
            return None
        first, second, year = int(local[1]), int(local[3]), int(local[4])
        day_first = (year, second, first)
        parts = [day_first] if local[2] == "." else [day_first, (year, first, second)]  # 26.11.2026: day first
    dates = []
    for year, month, day in parts:
        try:
            dates.append(dt.date(year, month, day))
        except ValueError:
            pass
    return list(dict.fromkeys(dates)) or None


def _day_first(sheet: Sheet) -> bool | None:
    """Whether the sheet's slashed dates put the day first (26/11/2026), as one date showing it tells."""
    orders = set()
    for row in sheet.rows:
        for column in DATE_FIELDS:
            local = _LOCAL_DATE.match(row.cells.get(column, "").strip())
            if local and local[2] != "." and len(local[4]) == 4:
                first, second = int(local[1]), int(local[3])
                if first > 12 >= second:
                    orders.add(True)
                elif second > 12 >= first:
                    orders.add(False)
    return orders.pop() if len(orders) == 1 else None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value).strip()


def _folded(text: str, indent: int):
    """Folded block text (`>-`) wrapped like the files' own (about 78 columns)."""
    from ruamel.yaml.scalarstring import FoldedScalarString

    scalar = FoldedScalarString(text)
    lines = textwrap.wrap(text, max(40, 78 - indent), break_long_words=False, break_on_hyphens=False)
    if " ".join(lines) == text:  # wrapping only replaced single spaces: fold exactly there
        positions, at = [], 0
        for line in lines[:-1]:
            at += len(line)
            positions.append(at)
            at += 1
        scalar.fold_pos = positions
    return scalar


def _styled(text: str, old: Any, column: str, indent: int) -> Any:
    """New text in the style of the value it replaces: block text stays block text."""
    from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

    if "\n" in text or isinstance(old, LiteralScalarString):
        return LiteralScalarString(text)
    if isinstance(old, FoldedScalarString) or (old is None and column == "answer" and len(text) > 70):
        return _folded(text, indent)
    return text


def _new_list(items: list[str], column: str):
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    if column == "tags":
        seq.fa.set_flow_style()  # tags: [basics, aftercare], as the files write them
    return seq


def _last_key(entry) -> Any:
    return next(reversed(entry)) if entry else None


def _set_field(entry, column: str, value: Any) -> None:
    """Set or add one field, keeping the entry's key order and the blank line after it."""
    if column in entry:
        entry[column] = value
        return
    last = _last_key(entry)
    before = FIELD_ORDER[: FIELD_ORDER.index(column)]
    position = max((i + 1 for i, key in enumerate(entry) if key in before), default=len(entry))
    entry.insert(position, column, value)
    if position == len(entry) - 1 and last in entry.ca.items:  # the new field is last: move the blank line
        entry.ca.items[column] = entry.ca.items.pop(last)


def _remove_field(entry, column: str) -> None:
    if column == _last_key(entry) and len(entry) > 1 and column in entry.ca.items:
        keys = list(entry)
        entry.ca.items[keys[-2]] = entry.ca.items.pop(column)
    del entry[column]


@dataclass
class _Target:
    """The row an entry comes from, the file it lives in (or goes to) and its fields."""

    row: SheetRow
    file: str
    fields: dict[str, Any]  # column -> the value to write (None: remove the field)


def _row_values(sheet: Sheet, row: SheetRow, existing, day_first: bool | None, problems: list[Problem]):
    """The row's fields as YAML values; `existing` is the entry it updates (None for a new one)."""
    values: dict[str, Any] = {}
    for column, cell in row.cells.items():
        if column in ("id", "file"):
            continue
        if column == "type":
            kind = cell.strip().lower()
            if kind and kind not in DEFAULT_FILES:
                problems.append(sheet.problem(row, column, f"{cell.strip()!r} is not a type; write faq (a question "
                                                           "and its answer) or passage (an article passage with a "
                                                           "title)"))
            values[column] = kind or None
        elif column in LIST_SEPARATORS:
            values[column] = _split_list(cell, column)
        elif column in DATE_FIELDS:
            candidates = _date_candidates(cell)
            if candidates is None:
                problems.append(sheet.problem(row, column, f"{cell.strip()!r} is not a date; write it as "
                                                           "YYYY-MM-DD, e.g. 2027-05-26"))
                continue
            if len(candidates) > 1:
                old = _as_text(existing.get(column)) if existing is not None else ""
                same = [d for d in candidates if d.isoformat() == old]
                if same:
                    candidates = same
                elif day_first is not None:
                    candidates = candidates[:1] if day_first else candidates[1:]
                else:
                    problems.append(sheet.problem(row, column, f"{cell.strip()!r} could be {candidates[0]:%d %B} or "
                                                               f"{candidates[1]:%d %B}; write it as YYYY-MM-DD "
                                                               f"(e.g. {candidates[0].isoformat()})"))
                    continue
            values[column] = candidates[0] if candidates else None
        else:
            values[column] = cell.strip()
    return values


def _changes(entry, values: dict[str, Any]) -> dict[str, Any]:
    """The fields whose value in the sheet differs from the entry's (type only when it is given)."""
    changes = {}
    for column, new in values.items():
        old = entry.get(column)
        if column == "type":
            effective = old or ("faq" if entry.get("question") else "passage")
            if new and new != effective:
                changes[column] = new
        elif column in LIST_SEPARATORS:
            old_items = [_as_text(item) for item in old] if isinstance(old, list) else ([] if old is None else None)
            if old_items != new:
                changes[column] = new or None
        elif _as_text(old) != _as_text(new):
            changes[column] = new or None
    return changes


# -- import ------------------------------------------------------------------------------------------
@dataclass
class _File:
    path: Path
    document: Any
    text: str
    entry_lines: dict[str, int]  # id -> the line the entry starts on in the real file
    bom: bytes = b""  # a file saved with a UTF-8 BOM keeps it


def _load_files(knowledge_dir: Path) -> dict[str, _File]:
    files, problems = {}, []
    for path in knowledge_files(knowledge_dir):
        if path.name in CONFIG_FILES:
            continue
        try:
            document, text = _read_entries_file(path)
        except Exception as exc:  # noqa: BLE001 - any parse failure: staff fix the file first
            problems.append(Problem(str(path), getattr(getattr(exc, "problem_mark", None), "line", 0) + 1,
                                    "cannot be read, so nothing was imported; run `make check`, fix what it "
                                    "says, then import again"))
            continue
        entries = document.get("entries") if isinstance(document, dict) else None
        lines = {}
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                lines.setdefault(entry["id"], entry.lc.line + 1)
        bom = codecs.BOM_UTF8 if path.read_bytes()[:3] == codecs.BOM_UTF8 else b""
        files[path.name] = _File(path, document, text, lines, bom)
    if problems:
        raise KnowledgeError(problems)
    return files


def _file_cell(sheet: Sheet, row: SheetRow, knowledge_dir: Path, problems: list[Problem]) -> str | None:
    cell = row.cells.get("file", "").strip().replace("\\", "/")
    if not cell:
        return None
    path = PurePosixPath(cell)
    parent = str(path.parent)
    if (parent not in (".", knowledge_dir.name, "knowledge") or path.suffix not in (".yaml", ".yml")
            or path.name in CONFIG_FILES or path.name.startswith(".")):
        problems.append(sheet.problem(row, "file", f"{cell!r} is not a knowledge file; write the name of a file in "
                                                   f"{knowledge_dir}, e.g. faq.yaml or articles.yaml"))
        return None
    return path.name


def _plan(sheet: Sheet, knowledge_dir: Path, files: dict[str, _File]) -> tuple[dict[str, _Target], ImportResult]:
    """Match every row to its entry, decide what changes; raises KnowledgeError for rows that can't be used."""
    home = {entry_id: name for name, f in files.items() for entry_id in f.entry_lines}
    result = ImportResult(sheet)
    targets: dict[str, _Target] = {}
    seen: dict[str, SheetRow] = {}
    problems: list[Problem] = []
    day_first = _day_first(sheet)
    for row in sheet.rows:
        entry_id = row.cells.get("id", "").strip()
        if not entry_id:
            problems.append(sheet.problem(row, "id", "has no id; give the row an id (lowercase words joined by "
                                                     "dashes, e.g. faq-visiting-hours)"))
            continue
        if entry_id in seen:
            problems.append(sheet.problem(row, "id", f"the id {entry_id!r} is also on row {seen[entry_id].row}; "
                                                     "each entry has one row: give one of them a new id"))
            continue
        seen[entry_id] = row
        if "/" in entry_id and entry_id.split("/")[0] in home:
            problems.append(sheet.problem(row, "id", f"{entry_id!r} is a part of the long passage "
                                                     f"{entry_id.split('/')[0]!r}; a sheet has one row per entry: "
                                                     f"use the id {entry_id.split('/')[0]!r}"))
            continue
        file_name = _file_cell(sheet, row, knowledge_dir, problems)
        if entry_id in home:
            entry = _find(files[home[entry_id]].document, entry_id)
            if file_name and file_name != home[entry_id]:
                problems.append(sheet.problem(row, "file", f"the entry {entry_id!r} is in {home[entry_id]}, not "
                                                           f"{file_name}; import does not move entries between "
                                                           f"files: write {home[entry_id]} here (or move the entry "
                                                           "in the YAML files yourself)"))
                continue
            values = _row_values(sheet, row, entry, day_first, problems)
            _lost_text(sheet, row, entry, values, problems)
            changes = _changes(entry, values)
            if changes:
                targets[entry_id] = _Target(row, home[entry_id], changes)
                result.updated[entry_id] = home[entry_id]
            else:
                result.unchanged.append(entry_id)
        else:
            values = _row_values(sheet, row, None, day_first, problems)
            kind = values.get("type") or ("passage" if values.get("title") and not values.get("question") else "faq")
            values["type"] = kind
            name = file_name or DEFAULT_FILES.get(kind, "faq.yaml")
            targets[entry_id] = _Target(row, name, {"id": entry_id, **values})
            result.added[entry_id] = name
    if problems:
        raise KnowledgeError(problems)
    result.not_in_sheet = [entry_id for entry_id in home if entry_id not in seen]
    return targets, result


def _lost_text(sheet: Sheet, row: SheetRow, entry, values: dict[str, Any], problems: list[Problem]) -> None:
    """Text the spreadsheet lost, not staff: Excel cuts long cells, and its "CSV (Comma delimited)" is
    Windows-1252, where letters it lacks become '?'. Say so instead of saving the loss.

    (A sheet of such text with no other accented letter reads as plain ASCII, so any encoding is checked.)"""
    for column, new in values.items():
        old = entry.get(column)
        olds = [_as_text(item) for item in old] if isinstance(old, list) else [_as_text(old)]
        news = new if isinstance(new, list) else [_as_text(new)]
        cell = row.cells.get(column, "")
        if len(cell) >= EXCEL_CELL_LIMIT and any(len(o) > len(cell) and o.startswith(cell.strip()) for o in olds):
            problems.append(sheet.problem(row, column, f"the text was cut at {EXCEL_CELL_LIMIT:,} characters, the "
                                                       "most a spreadsheet cell holds; remove this row from the "
                                                       "sheet (its entry stays as it is) and edit the entry in its "
                                                       "YAML file"))
            continue
        for before, after in zip(olds, news):
            if before != after and before.encode("cp1252", errors="replace").decode("cp1252") == after:
                problems.append(sheet.problem(row, column, "letters this CSV type cannot hold became '?' (the file "
                                                           "was saved as \"CSV\", Windows-1252); save it as \"CSV "
                                                           "UTF-8\" and import again"))
                break


def _find(document, entry_id: str):
    for entry in document["entries"]:
        if isinstance(entry, dict) and entry.get("id") == entry_id:
            return entry
    raise KeyError(entry_id)


def _apply(files: dict[str, _File], targets: dict[str, _Target], knowledge_dir: Path, sheet: Sheet) -> dict[str, str]:
    """Edit the documents in memory; returns file name -> new text for every file that changes."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    touched: set[str] = set()
    for entry_id, target in targets.items():
        if target.file not in files:  # a new file the `file` column names
            document = CommentedMap()
            document.yaml_set_start_comment(f"Entries added from the spreadsheet {Path(sheet.display).name}.\n"
                                            "Edit them here or in a spreadsheet (STAFF.md: Work in a spreadsheet).")
            document["entries"] = CommentedSeq()
            files[target.file] = _File(knowledge_dir / target.file, document, "", {})
        record = files[target.file]
        touched.add(target.file)
        document = record.document
        if entry_id in record.entry_lines:
            entry = _find(document, entry_id)
            indent = entry.lc.col
            for column, value in target.fields.items():
                if value is None:
                    _remove_field(entry, column)
                elif column in LIST_SEPARATORS:
                    old = entry.get(column)
                    if isinstance(old, CommentedSeq):
                        old[:] = value  # keeps the list's style (tags: [a, b])
                    else:
                        _set_field(entry, column, _new_list(value, column))
                elif column in TEXT_FIELDS:
                    _set_field(entry, column, _styled(value, entry.get(column), column, indent))
                else:
                    _set_field(entry, column, value)
            continue
        entry = CommentedMap()
        for column in FIELD_ORDER:
            value = target.fields.get(column)
            if value in (None, "", []):
                continue
            if column in LIST_SEPARATORS:
                value = _new_list(value, column)
            elif column in TEXT_FIELDS:
                value = _styled(value, None, column, 4)
            entry[column] = value
        if not isinstance(document.get("entries"), list):
            document["entries"] = CommentedSeq()
        entries = document["entries"]
        entries.append(entry)
        if len(entries) > 1:
            entries.yaml_set_comment_before_after_key(len(entries) - 1, before="\n")  # a blank line between entries
    texts = {}
    for name in sorted(touched):
        record = files[name]
        text = _dump(record)
        if text != record.text:
            texts[name] = text
    return texts


def _dump(record: _File) -> str:
    out = io.StringIO()
    _yaml_like(record.text).dump(record.document, out)
    text = out.getvalue()
    if "\r\n" in record.text:  # keep the file's own line endings
        text = text.replace("\n", "\r\n")
    return text


def _entry_spans(text: str) -> list[tuple[int, str, dict[str, int]]]:
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


class _Locator:
    """Maps `scratch-file:line` from the loader back to the sheet's row and column, or the real file's line."""

    def __init__(self, scratch: Path, knowledge_dir: Path, sheet: Sheet, files: dict[str, _File],
                 texts: dict[str, str], targets: dict[str, _Target]):
        self.scratch, self.knowledge_dir, self.sheet = scratch, knowledge_dir, sheet
        self.files, self.targets = files, targets
        self.spans = {name: _entry_spans(text) for name, text in texts.items()}

    def locate(self, file: str, line: int, message: str | None = None) -> tuple[str, int, str]:
        """(file to show, line, "row 28, column answer: " or ""); no column for a mere mention (message None)."""
        path = Path(file)
        if path == self.scratch:
            return str(self.knowledge_dir), line, ""
        if path.parent != self.scratch:
            return file, line, ""
        real = str(self.knowledge_dir / path.name)
        spans = self.spans.get(path.name)
        if not spans:  # a file the sheet did not change: same lines as the real one
            return real, line, ""
        before = [span for span in spans if span[0] <= line]
        if not before:
            return real, line, ""
        start, entry_id, keys = before[-1]
        target = self.targets.get(entry_id)
        if target is None:
            real_start = self.files[path.name].entry_lines.get(entry_id, start)
            return real, real_start + line - start, ""
        if message is None:
            return self.sheet.display, target.row.line, self.sheet.where(target.row) + ": "
        named = [name for name in re.findall(r"`(\w+)`", message) if name in COLUMNS]
        at_line = [key for key, key_line in keys.items() if key_line <= line]
        column = named[0] if named else (max(at_line, key=keys.get) if at_line else None)
        return self.sheet.display, target.row.line, self.sheet.where(target.row, column) + ": "

    def problem(self, problem: Problem) -> Problem:
        file, line, prefix = self.locate(problem.file, problem.line, problem.message)

        def mention(match: re.Match) -> str:
            where_file, where_line, where_prefix = self.locate(match[1], int(match[2]))
            return f"{where_file} {where_prefix.rstrip(': ')}" if where_prefix else f"{where_file}:{where_line}"

        pattern = "(" + re.escape(str(self.scratch)) + r"(?:/[^\s:()'\"]+)?):(\d+)"
        message = re.sub(pattern, mention, problem.message)
        message = message.replace(str(self.scratch), str(self.knowledge_dir))
        return Problem(file, line, prefix + message)


def _write_atomically(path: Path, data: bytes) -> None:
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


def import_csv(csv_path: Path, knowledge_dir: Path, write: bool = True) -> ImportResult:
    """Update the knowledge from a sheet by id. Nothing is written unless the result loads cleanly."""
    knowledge_dir = Path(knowledge_dir)
    sheet = read_sheet(Path(csv_path))
    if not knowledge_dir.is_dir():
        raise KnowledgeError([Problem(str(knowledge_dir), 0, "knowledge directory not found; pass --knowledge DIR")])
    files = _load_files(knowledge_dir)
    targets, result = _plan(sheet, knowledge_dir, files)
    texts = _apply(files, targets, knowledge_dir, sheet)
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir) / "knowledge"
        shutil.copytree(knowledge_dir, scratch)
        for name, text in texts.items():
            (scratch / name).write_bytes(files[name].bom + text.encode("utf-8"))
        try:
            load_knowledge(scratch)
        except KnowledgeError as exc:
            locator = _Locator(scratch, knowledge_dir, sheet, files, texts, targets)
            problems = [locator.problem(problem) for problem in exc.problems]
            raise KnowledgeError(sorted(problems, key=lambda p: (p.file != sheet.display, p.file, p.line))) from None
    if write:
        for name, text in texts.items():
            _write_atomically(files[name].path, files[name].bom + text.encode("utf-8"))
            result.written.append(files[name].path)
    return result
