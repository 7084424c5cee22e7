"""Spreadsheet round trip for staff: the knowledge as one CSV row per entry, and back.

`export_csv` writes every entry as staff wrote it (one row per entry, not per chunk of a long
passage) with every field and the file it lives in. `import_csv` reads what a spreadsheet saves
(UTF-8 with or without BOM, UTF-16, Windows-1252; comma, semicolon or tab; any line ending; new
lines inside cells) and updates entries by id in the file each one lives in. ruamel.yaml edits
only the changed entries, so the comments and layout of the rest of a file stay as they were; new
ids go to the file their `file` cell names. Import never deletes an entry and never replaces a
file wholesale. It first applies the sheet to a scratch copy and loads it with `load_knowledge`
(what `make check` and `make index` use); every problem is reported at the sheet's row and column.

Reading the CSV is sheet.py; editing YAML in place is yaml_edit.py.
"""
from __future__ import annotations

import codecs
import csv
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from assistant.errors import KnowledgeError, Problem
from assistant.knowledge import CONFIG_FILES, knowledge_files, load_knowledge

from .sheet import (
    COLUMNS,
    DATE_FIELDS,
    EXCEL_CELL_LIMIT,
    LIST_SEPARATORS,
    Sheet,
    SheetRow,
    as_text,
    cell_text,
    date_candidates,
    list_cell,
    read_sheet,
    sheet_puts_day_first,
    split_list,
)
from .yaml_edit import (
    FIELD_ORDER,
    TEXT_FIELDS,
    dump_like,
    entry_spans,
    new_list,
    read_entries_file,
    remove_field,
    set_field,
    styled,
    write_atomically,
)

# Where a new entry goes when its row names no file.
DEFAULT_FILES = {"faq": "faq.yaml", "passage": "articles.yaml"}


@dataclass
class ImportResult:
    """What an import did (or, with write=False, would do)."""

    sheet: Sheet
    updated: dict[str, str] = field(default_factory=dict)  # id -> file name
    added: dict[str, str] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    not_in_sheet: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


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
        document, _ = read_entries_file(path)
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
                    row.append(list_cell(entry.get(column), column))
                else:
                    row.append(cell_text(entry.get(column)))
            writer.writerow(row)
            count += 1
    return count


# -- import ------------------------------------------------------------------------------------------
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
            values[column] = split_list(cell, column)
        elif column in DATE_FIELDS:
            candidates = date_candidates(cell)
            if candidates is None:
                problems.append(sheet.problem(row, column, f"{cell.strip()!r} is not a date; write it as "
                                                           "YYYY-MM-DD, e.g. 2027-05-26"))
                continue
            if len(candidates) > 1:
                old = as_text(existing.get(column)) if existing is not None else ""
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
            old_items = [as_text(item) for item in old] if isinstance(old, list) else ([] if old is None else None)
            if old_items != new:
                changes[column] = new or None
        elif as_text(old) != as_text(new):
            changes[column] = new or None
    return changes


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
            document, text = read_entries_file(path)
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
    problems: list[Problem] = list(sheet.problems)
    day_first = sheet_puts_day_first(sheet)
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
        raise KnowledgeError(sorted(problems, key=lambda problem: problem.line))
    result.not_in_sheet = [entry_id for entry_id in home if entry_id not in seen]
    return targets, result


def _lost_text(sheet: Sheet, row: SheetRow, entry, values: dict[str, Any], problems: list[Problem]) -> None:
    """Text the spreadsheet lost, not staff: Excel cuts long cells, and its "CSV (Comma delimited)" is
    Windows-1252, where letters it lacks become '?'. Say so instead of saving the loss.

    (A sheet of such text with no other accented letter reads as plain ASCII, so any encoding is checked.)"""
    for column, new in values.items():
        old = entry.get(column)
        olds = [as_text(item) for item in old] if isinstance(old, list) else [as_text(old)]
        news = new if isinstance(new, list) else [as_text(new)]
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
                    remove_field(entry, column)
                elif column in LIST_SEPARATORS:
                    old = entry.get(column)
                    if isinstance(old, CommentedSeq):
                        old[:] = value  # keeps the list's style (tags: [a, b])
                    else:
                        set_field(entry, column, new_list(value, column))
                elif column in TEXT_FIELDS:
                    set_field(entry, column, styled(value, entry.get(column), column, indent))
                else:
                    set_field(entry, column, value)
            continue
        entry = CommentedMap()
        for column in FIELD_ORDER:
            value = target.fields.get(column)
            if value in (None, "", []):
                continue
            if column in LIST_SEPARATORS:
                value = new_list(value, column)
            elif column in TEXT_FIELDS:
                value = styled(value, None, column, 4)
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
        text = dump_like(record.document, record.text)
        if text != record.text:
            texts[name] = text
    return texts


class _Locator:
    """Maps `scratch-file:line` from the loader back to the sheet's row and column, or the real file's line."""

    def __init__(self, scratch: Path, knowledge_dir: Path, sheet: Sheet, files: dict[str, _File],
                 texts: dict[str, str], targets: dict[str, _Target]):
        self.scratch, self.knowledge_dir, self.sheet = scratch, knowledge_dir, sheet
        self.files, self.targets = files, targets
        self.spans = {name: entry_spans(text) for name, text in texts.items()}

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
            write_atomically(files[name].path, files[name].bom + text.encode("utf-8"))
            result.written.append(files[name].path)
    return result
