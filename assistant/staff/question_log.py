"""Opt-in log of what visitors could not find, and of helpful / not-helpful clicks.

Privacy first: nothing is stored unless staff switch `log_questions` on (settings.yaml or
ASSISTANT_LOG_QUESTIONS=1). Even then: only fallbacks and feedback are stored, crisis
messages never are, names, street addresses, dates of birth, social handles, e-mail
addresses, phone numbers, URLs, ids and long numbers are redacted (redact.py) before
anything touches the disk, and rows older than the retention period are purged automatically.

Redaction takes ~4 ms a message (more on a busy machine) with a model that takes ~2 s to load
on first use, so it runs in a writer thread, off the visitor's reply: questions wait for it in a
bounded queue in memory only (never on disk), and are dropped, not stored unredacted, when the
queue is full or redaction fails (docs/privacy.md).
"""
from __future__ import annotations

import datetime as dt
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("assistant")

QUEUE_SIZE = 256     # questions waiting for redaction; more arriving at once are not stored
IDLE_SECONDS = 60.0  # the writer thread ends after this long without work (a new question restarts it)
STORED_CHARS = 500
EXIT_WAIT = 10.0     # seconds a process ending normally waits for the questions still queued
SCHEMA = """
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, question TEXT NOT NULL, region TEXT, closest TEXT
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, at TEXT NOT NULL, entry_id TEXT NOT NULL, helpful INTEGER NOT NULL
);
"""


def redact(text: str) -> str:
    """The question as the log stores it (raises when the redactor cannot load or fails)."""
    from assistant.staff.redact import redact as redact_details

    return redact_details(text)


_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_once(key: str, message: str, *args) -> None:
    """Once per process and kind of problem; never with the visitor's text."""
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning(message, *args)


@dataclass(frozen=True)
class Unanswered:
    at: str
    question: str
    region: str | None
    closest: str | None


class QuestionLog:
    def __init__(self, path: Path | str, retention_days: int = 30, redactor: Callable[[str], str] | None = None):
        self.path = Path(path)
        self.retention_days = retention_days
        self.redactor = redactor or redact
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.executescript(SCHEMA)
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()
        self._flush_at_exit = False
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
        """Queue the question for redaction and storage; returns at once (the visitor's reply never waits)."""
        try:
            self._queue.put_nowait((self._now(), question, region, closest))
        except queue.Full:
            _warn_once("full", "question log: more than %d questions waiting for redaction; "
                               "questions arriving now are not stored", QUEUE_SIZE)
            return
        self._ensure_writer()

    def _ensure_writer(self) -> None:
        with self._writer_lock:
            if not self._flush_at_exit:  # a process that ends normally stores what is queued (waits 10 s at most)
                import atexit

                atexit.register(self.flush, EXIT_WAIT)
                self._flush_at_exit = True
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(target=self._write_queued, name="question-log-writer", daemon=True)
                self._writer.start()

    def _write_queued(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._writer_lock:
                    if self._queue.empty():
                        self._writer = None
                        return
                continue
            try:
                self._store(*item)
            finally:
                self._queue.task_done()

    def _store(self, at: str, question: str, region: str | None, closest: str | None) -> None:
        try:
            text = str(self.redactor(question))[:STORED_CHARS]
        except Exception as exc:  # never store what could not be redacted
            from assistant.errors import ModelError

            reason = str(exc) if isinstance(exc, ModelError) else type(exc).__name__  # no visitor text
            _warn_once("redact", "question log: questions are not being stored because redaction failed: %s", reason)
            return
        try:
            with self._lock:
                self._db.execute("INSERT INTO unanswered (at, question, region, closest) VALUES (?, ?, ?, ?)",
                                 (at, text, region, closest))
        except sqlite3.Error as exc:
            _warn_once("write", "question log: %s: a question could not be stored: %s", self.path, exc)

    def flush(self, timeout: float = 60.0) -> bool:
        """Wait until every queued question is stored or dropped; False if that took longer than ``timeout``."""
        import time

        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._queue.all_tasks_done.wait(remaining)
        return True

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
        self.flush()
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
        self.flush()
        with self._lock:
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
