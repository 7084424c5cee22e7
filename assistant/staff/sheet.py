"""A CSV as a spreadsheet saves it, read into rows and cells; and the cell conventions export writes.

Whatever Excel, LibreOffice or Numbers saved: UTF-8 with or without BOM, UTF-16, Windows-1252; comma,
semicolon or tab; any line ending; new lines inside cells; empty rows and columns at the end. Rows are
numbered as the spreadsheet shows them (a cell with new lines spans several lines of the file), and
every problem names the row and the column. Formulas are refused: they are not vetted text.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import KnowledgeError, Problem
from assistant.knowledge import OTHER_ALTERNATES

# The sheet's columns, in the order export writes them: every field an entry has, and its file.
COLUMNS = ("id", "type", "question", "title", "answer", "alternates", *OTHER_ALTERNATES, "source", "tags",
           "reviewed", "review_by", "file")
REQUIRED = ("id",)
DATE_FIELDS = ("reviewed", "review_by")
# One item per line in a cell; a cell without new lines may also separate items with these.
LIST_SEPARATORS = {"alternates": "|", **{name: "|" for name in OTHER_ALTERNATES}, "tags": ","}
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
    problems: list[Problem] = field(default_factory=list)  # cells that cannot be used (formulas, ...)

    def where(self, row: SheetRow, column: str | None = None) -> str:
        if column is None or column not in self.columns:
            return f"row {row.row}"
        return f"row {row.row}, column {column} ({column_letter(self.columns.index(column))})"

    def problem(self, row: SheetRow, column: str | None, message: str) -> Problem:
        return Problem(self.display, row.line, f"{self.where(row, column)}: {message}")


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the letters a spreadsheet shows above a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_text(value: Any) -> str:
    text = "" if value is None else (value.isoformat() if isinstance(value, dt.date) else str(value)).strip()
    if text.startswith(FORMULA_STARTS + ("'",)):
        return "'" + text  # Excel would run it as a formula; the apostrophe says "text", import removes it
    return text


def list_cell(items: Any, column: str) -> str:
    values = [str(item).strip() for item in items or []]
    separator = LIST_SEPARATORS[column]
    if column.startswith("alternates") or any(separator in v for v in values):
        text = "\n".join(values)
        # one item holding the separator: a new line at the end keeps it one item on import
        return cell_text(text) + ("\n" if len(values) == 1 and separator in text else "")
    return cell_text(f"{separator} ".join(values))


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
    """Read a CSV saved by a spreadsheet. An unreadable file or header raises KnowledgeError; cells that
    cannot be used are in `sheet.problems`, so an import reports them with everything else in one go."""
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
    if problems:  # the header is wrong: the rows cannot be read
        raise KnowledgeError(problems)
    sheet = Sheet(display, encoding, delimiter, columns, [])
    problems = sheet.problems
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
    return sheet


def split_list(cell: str, column: str) -> list[str]:
    parts = cell.split("\n") if "\n" in cell.strip(" ") else cell.split(LIST_SEPARATORS[column])
    return [part.strip() for part in parts if part.strip()]


def date_candidates(cell: str) -> list[dt.date] | None:
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


def sheet_puts_day_first(sheet: Sheet) -> bool | None:
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


def as_text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value).strip()
