"""Spreadsheet round trip for staff: CSV (`id,question,answer[,alternates,source]`) <-> knowledge YAML.

Alternates sit in one cell, separated by `|` or new lines. Import validates the result
with the same loader as `build` before writing anything.
"""
from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import yaml

from assistant.errors import KnowledgeError, Problem
from assistant.knowledge import load_knowledge

REQUIRED = ("id", "question", "answer")


def _split_alternates(cell: str) -> list[str]:
    parts = cell.replace("\r", "").replace("\n", "|").split("|")
    return [p.strip() for p in parts if p.strip()]


def csv_to_entries(path: Path) -> list[dict]:
    display = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise KnowledgeError([Problem(display, 1, "the CSV is not UTF-8; export it as 'CSV UTF-8'")]) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise KnowledgeError([Problem(display, 1, f"missing column(s) {', '.join(missing)}; "
                                                  "the header must be id,question,answer[,alternates,source]")])
    entries = []
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        entry = {"id": row["id"], "type": "faq", "question": row["question"], "answer": row["answer"]}
        if row.get("alternates"):
            entry["alternates"] = _split_alternates(row["alternates"])
        if row.get("source"):
            entry["source"] = row["source"]
        entries.append(entry)
    return entries


def import_csv(csv_path: Path, knowledge_dir: Path, name: str | None = None) -> Path:
    """Write `<knowledge>/<name>.yaml` from the CSV, after validating it with the rest of the knowledge."""
    entries = csv_to_entries(csv_path)
    target = knowledge_dir / f"{name or csv_path.stem}.yaml"
    header = f"# Imported from {csv_path.name}. Edit here or re-import the spreadsheet.\n"
    text = header + yaml.safe_dump({"entries": entries}, sort_keys=False, allow_unicode=True, width=100)
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "knowledge"
        shutil.copytree(knowledge_dir, trial) if knowledge_dir.exists() else trial.mkdir()
        (trial / target.name).write_text(text, encoding="utf-8")
        try:
            load_knowledge(trial)
        except KnowledgeError as exc:  # point at the CSV rows, not the scratch copy
            raise KnowledgeError([Problem(str(csv_path) if str(trial) in p.file else p.file, p.line, p.message)
                                  for p in exc.problems]) from None
    knowledge_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def export_csv(knowledge_dir: Path, out) -> int:
    knowledge = load_knowledge(knowledge_dir)
    writer = csv.writer(out)
    writer.writerow(["id", "question", "answer", "alternates", "source", "type"])
    for entry in knowledge.entries:
        writer.writerow([entry.id, entry.heading, entry.answer, " | ".join(entry.alternates), entry.source or "",
                         entry.type])
    return len(knowledge.entries)
