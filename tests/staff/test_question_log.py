import datetime as dt

import pytest

from assistant.settings import Settings
from assistant.staff.question_log import QuestionLog, group_questions, redact


@pytest.mark.parametrize("text, hidden", [
    ("mail me at jo.bloggs+x@example.co.uk please", "jo.bloggs"),
    ("call 0412 345 678 tonight", "0412"),
    ("my number is +1 (555) 123-4567", "555"),
    ("see https://evil.example/path?q=1", "evil.example"),
    ("visit www.example.org now", "example.org"),
    ("card 4111111111111111", "4111"),
])
def test_redaction(text, hidden):
    assert hidden not in redact(text)


def test_log_is_off_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert QuestionLog.from_settings(Settings()) is None
    assert list(tmp_path.iterdir()) == []


def test_records_redacted_and_purges(tmp_path):
    log = QuestionLog(tmp_path / "q.sqlite3", retention_days=30)
    log.record_unanswered("how much is it? email me a@b.com", "AU", "faq-duration")
    log.record_feedback("faq-duration", True)
    log.record_feedback("faq-duration", False)
    [row] = log.unanswered()
    assert "a@b.com" not in row.question and "[email]" in row.question
    assert log.feedback_counts() == {"faq-duration": (1, 1)}
    assert log.purge(now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=31)) == 3
    assert log.unanswered() == []


def test_grouping(embedder):
    groups = group_questions(["how much does it cost", "what does group therapy cost", "is there parking",
                              "how much do sessions cost"], embedder)
    assert len(groups[0]) >= 2 and all("cost" in q for q in groups[0])


def test_engine_logs_fallbacks_not_crises(seed_index, embedder, tmp_path):
    from assistant.engine import Assistant

    knowledge, index = seed_index
    settings = Settings(log_questions=True, log_path=tmp_path / "log.sqlite3")
    assistant = Assistant.load(knowledge, index, settings=settings, embedder=embedder)
    assistant.ask("what is the best pizza in town, mail me at x@y.com")
    assistant.ask("i want to kill myself")
    assistant.ask("how long does group therapy last in aftercare")
    rows = assistant.question_log.unanswered()
    assert [r.question for r in rows] == ["what is the best pizza in town, mail me at [email]"]
