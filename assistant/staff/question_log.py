"""Opt-in log of what visitors could not find, and of helpful / not-helpful clicks.

Privacy first: nothing is stored unless staff switch `log_questions` on (settings.yaml or
ASSISTANT_LOG_QUESTIONS=1). Even then: only fallbacks and feedback are stored, crisis
messages never are, e-mail addresses, phone numbers, URLs and long digit runs are
redacted before anything touches the disk, and rows older than the retention period are
purged automatically.
"""
from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

REDACTIONS = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|io|uk|au|nz|ca|ie)\b(?:/\S*)?",
                re.IGNORECASE), "[url]"),
    (re.compile(r"\+?\(?\d[\d\s().-]{6,}\d"), "[number]"),  # phone numbers, with spaces or dashes
    (re.compile(r"\d{5,}"), "[number]"),                    # long digit runs (ids, cards)
]
SCHEMA = """
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, question TEXT NOT NULL, region TEXT, closest TEXT
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, entry_id TEXT NOT NULL, helpful INTEGER NOT NULL
);
"""


def redact(text: str) -> str:
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


@dataclass(frozen=True)
class Unanswered:
    at: str
    question: str
    region: str | None
    closest: str | None


class QuestionLog:
    def __init__(self, path: Path | str, retention_days: int = 30):
        self.path = Path(path)
        self.retention_days = retention_days
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.executescript(SCHEMA)
        self.purge()

    @classmethod
    def from_settings(cls, settings) -> "QuestionLog | None":
        if not settings.log_questions:
            return None
        return cls(settings.log_path, settings.log_retention_days)

    @staticmethod
    def _now() -> str:
        return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")

    def record_unanswered(self, question: str, region: str | None, closest: str | None) -> None:
        with self._lock:
            self._db.execute("INSERT INTO unanswered (at, question, region, closest) VALUES (?, ?, ?, ?)",
                             (self._now(), redact(question)[:500], region, closest))

    def record_feedback(self, entry_id: str, helpful: bool) -> None:
        with self._lock:
            self._db.execute("INSERT INTO feedback (at, entry_id, helpful) VALUES (?, ?, ?)",
                             (self._now(), entry_id[:200], int(bool(helpful))))

    def purge(self, now: dt.datetime | None = None) -> int:
        cutoff = ((now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=self.retention_days))
        cutoff_text = cutoff.isoformat(timespec="seconds")
        with self._lock:
            removed = self._db.execute("DELETE FROM unanswered WHERE at < ?", (cutoff_text,)).rowcount
            removed += self._db.execute("DELETE FROM feedback WHERE at < ?", (cutoff_text,)).rowcount
        return removed

    def unanswered(self) -> list[Unanswered]:
        with self._lock:
            rows = self._db.execute("SELECT at, question, region, closest FROM unanswered ORDER BY at").fetchall()
        return [Unanswered(*row) for row in rows]

    def feedback_counts(self) -> dict[str, tuple[int, int]]:
        """entry id -> (helpful, not helpful)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT entry_id, SUM(helpful), SUM(1 - helpful) FROM feedback GROUP BY entry_id").fetchall()
        return {entry: (int(yes), int(no)) for entry, yes, no in rows}

    def close(self) -> None:
        self._db.close()


def group_questions(questions: list[str], embedder, threshold: float = 0.5) -> list[list[str]]:
    """Greedy grouping: a question joins the first group holding a question at least
    `threshold` similar (all-MiniLM puts rewordings of one ask at about 0.5 and above:
    "how much does it cost" / "how much do sessions cost" 0.51). Biggest groups first."""
    if not questions:
        return []
    vectors = embedder.encode(questions)
    groups: list[list[int]] = []
    for i, vector in enumerate(vectors):
        for members in groups:
            if float((vectors[members] @ vector).max()) >= threshold:
                members.append(i)
                break
        else:
            groups.append([i])
    return [[questions[i] for i in members] for members in sorted(groups, key=len, reverse=True)]
