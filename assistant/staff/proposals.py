"""Changes to the knowledge proposed from the unanswered-questions report: "add this question as an
alternate of entry X" or "add it to `not_covered:`".

A change is computed from the file as it is now (`propose_*`), shown to staff as the exact lines it
adds, and written only on request (`apply_change`), and only when the file has not changed since it
was shown and the whole knowledge still loads (the validation `check` and `build` start with).
Files are edited with ruamel.yaml's round-trip mode (yaml_edit.py, as spreadsheet import does), so
comments, quotes and layout stay as staff wrote them. Writing is a draft: visitors see nothing of it until staff run `make index`.
"""
from __future__ import annotations

import difflib
import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.errors import KnowledgeError, Problem

from .yaml_edit import dump_like, write_atomically, yaml_like

Action = Literal["alternate", "not_covered"]
NOT_COVERED_FILE = "not_covered.yaml"
NEW_NOT_COVERED = ("# NOT COVERED - questions visitors ask that this knowledge base does NOT answer.\n"
                   "# Run `make check`, then `make index`, after any edit.\n\nnot_covered: []\n")


@dataclass(frozen=True)
class AddedLine:
    number: int  # the line's number in the changed file
    text: str


@dataclass(frozen=True)
class KnowledgeChange:
    """One proposed edit of one knowledge file."""

    action: Action
    question: str
    entry_id: str | None
    file: Path
    base_sha256: str  # the file as it was when the change was computed ("" for a new file)
    new_text: str
    added: tuple[AddedLine, ...]
    removed: int  # lines the round trip changed besides the addition (0 when the layout is kept)
    before: AddedLine | None = None  # the line the addition follows, to show where it goes

    @property
    def summary(self) -> str:
        if self.action == "alternate":
            return f"add {self.question!r} as an alternate of entry {self.entry_id!r}"
        return f"add {self.question!r} to the questions that are not covered"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _clean(question: str) -> str:
    text = " ".join(str(question or "").split())
    if not text:
        raise KnowledgeError([Problem("question", 1, "the question is empty; type the question to add")])
    if len(text) > 500:
        raise KnowledgeError([Problem("question", 1, f"the question has {len(text)} characters; keep it under 500")])
    return text


def _change(action: Action, question: str, entry_id: str | None, path: Path, old: str, new: str) -> KnowledgeChange:
    added, removed = [], 0
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += [AddedLine(j + 1, new_lines[j]) for j in range(j1, j2)]
    first = added[0].number - 1 if added else 0
    before = AddedLine(first, new_lines[first - 1]) if first > 0 else None
    return KnowledgeChange(action, question, entry_id, path, file_sha256(path), new, tuple(added), removed, before)


def _phrasings(knowledge) -> dict[str, str]:
    return {text.casefold(): entry.id.split("/")[0] for entry in knowledge.entries
            for text in (entry.heading, *entry.alternates)}


def propose_alternate(knowledge_dir: Path | str, entry_id: str, question: str) -> KnowledgeChange:
    """Add `question` to the `alternates:` of entry `entry_id` (in the file that holds it)."""
    from assistant.knowledge import load_knowledge

    knowledge_dir, question = Path(knowledge_dir), _clean(question)
    knowledge = load_knowledge(knowledge_dir)
    entry_id = entry_id.split("/")[0]
    entry = next((e for e in knowledge.entries if e.id.split("/")[0] == entry_id), None)
    if entry is None:
        raise KnowledgeError([Problem(str(knowledge_dir), 0, f"no entry with id {entry_id!r}; pick one from the list")])
    owner = _phrasings(knowledge).get(question.casefold())
    if owner is not None:
        raise KnowledgeError([Problem(entry.file, entry.line, f"{question!r} is already a question or alternate "
                                                              f"of entry {owner!r}; nothing to add")])
    path = Path(entry.file)
    old = path.read_text(encoding="utf-8")
    data = yaml_like(old).load(old)
    raw = next(item for item in data["entries"] if item.get("id") == entry_id)
    if raw.get("alternates"):
        raw["alternates"].append(question)
    else:
        from ruamel.yaml.comments import CommentedSeq

        keys = list(raw.keys())
        after = next((k for k in ("question", "title", "type", "id") if k in keys))
        if "alternates" in raw:
            del raw["alternates"]
            keys = list(raw.keys())
        raw.insert(keys.index(after) + 1, "alternates", CommentedSeq([question]))
    return _change("alternate", question, entry_id, path, old, dump_like(data, old))


def not_covered_file(knowledge_dir: Path) -> Path:
    """The first knowledge file with a `not_covered:` list, else `not_covered.yaml` (created)."""
    from assistant.knowledge import CONFIG_FILES, NOT_COVERED, knowledge_files
    from assistant.yamlfile import parse_yaml

    for path in knowledge_files(knowledge_dir):
        if path.name in CONFIG_FILES:
            continue
        data, problems = parse_yaml(path, str(path))
        if not problems and isinstance(data, dict) and NOT_COVERED in data:
            return path
    return knowledge_dir / NOT_COVERED_FILE


def propose_not_covered(knowledge_dir: Path | str, question: str) -> KnowledgeChange:
    """Add `question` to the knowledge's `not_covered:` list."""
    from assistant.knowledge import load_knowledge

    knowledge_dir, question = Path(knowledge_dir), _clean(question)
    knowledge = load_knowledge(knowledge_dir)
    if question.casefold() in {text.casefold() for text in knowledge.not_covered}:
        raise KnowledgeError([Problem(str(not_covered_file(knowledge_dir)), 1,
                                      f"{question!r} is already listed as not covered; nothing to add")])
    owner = _phrasings(knowledge).get(question.casefold())
    if owner is not None:
        raise KnowledgeError([Problem(str(knowledge_dir), 0, f"{question!r} is a question of entry {owner!r}, "
                                                             "so it is covered; nothing to add")])
    path = not_covered_file(knowledge_dir)
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    base = old or NEW_NOT_COVERED
    data = yaml_like(base).load(base)
    if data.get("not_covered") is None:
        from ruamel.yaml.comments import CommentedSeq

        data["not_covered"] = CommentedSeq()
    data["not_covered"].append(question)
    return _change("not_covered", question, None, path, old, dump_like(data, base))


def propose(knowledge_dir: Path | str, action: str, question: str, entry_id: str | None = None) -> KnowledgeChange:
    if action == "alternate":
        return propose_alternate(knowledge_dir, entry_id or "", question)
    if action == "not_covered":
        return propose_not_covered(knowledge_dir, question)
    raise KnowledgeError([Problem("action", 1, f"unknown change {action!r}: 'alternate' or 'not_covered'")])


def validate_change(knowledge_dir: Path, change: KnowledgeChange) -> None:
    """Load the whole knowledge with the change in place, in a scratch copy; KnowledgeError (with the
    real file's name) when it would not load."""
    from assistant.knowledge import load_knowledge

    with tempfile.TemporaryDirectory(prefix="knowledge-check-") as scratch:
        copy = Path(scratch) / "knowledge"
        copy.mkdir()
        for path in knowledge_dir.iterdir():
            if path.is_file() and path.suffix in (".yaml", ".yml"):
                shutil.copy2(path, copy / path.name)
        (copy / change.file.name).write_text(change.new_text, encoding="utf-8")
        try:
            load_knowledge(copy)
        except KnowledgeError as exc:
            def real(text: str) -> str:  # the scratch copy's paths, as the staff's own
                return text.replace(str(copy), str(knowledge_dir))

            raise KnowledgeError([Problem(real(p.file), p.line, real(p.message)) for p in exc.problems]) from None


def apply_change(knowledge_dir: Path | str, change: KnowledgeChange, expected_sha256: str | None = None) -> Path:
    """Write `change` into its file, atomically. Refuses (KnowledgeError) when the file changed since
    the change was shown (`expected_sha256`) or when the knowledge would no longer load."""
    knowledge_dir = Path(knowledge_dir)
    expected = change.base_sha256 if expected_sha256 is None else expected_sha256
    if file_sha256(change.file) != expected:
        raise KnowledgeError([Problem(str(change.file), 1, "the file changed since this change was shown; "
                                                           "reload the page and look at the change again")])
    validate_change(knowledge_dir, change)
    write_atomically(change.file, change.new_text.encode("utf-8"))
    return change.file
