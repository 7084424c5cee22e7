import datetime as dt
import json
import subprocess
import sys

from assistant.crisis.rules import DATA_DIR
from assistant.knowledge import load_knowledge
from assistant.staff.lint import text_findings
from assistant.staff.review import CRISIS_VERIFIED_MAX_DAYS, DUE_SOON_DAYS, review_status
from tests.conftest import ROOT, write

TODAY = dt.date(2027, 3, 1)
ENTRIES = (
    "entries:\n"
    "  - id: overdue\n    question: A?\n    answer: A.\n    reviewed: 2026-01-01\n    review_by: 2027-02-01\n"  # 2-6
    "  - id: soon\n    question: B?\n    answer: B.\n    reviewed: 2026-09-01\n    review_by: 2027-03-31\n"     # 7-11
    "  - id: later\n    question: C?\n    answer: C.\n    reviewed: 2026-12-01\n    review_by: 2027-06-01\n"    # 12-16
    "  - id: undated\n    question: D?\n    answer: D.\n    reviewed: 2026-12-01\n"                            # 17-20
    "  - id: backwards\n    question: E?\n    answer: E.\n    review_by: 2027-06-01\n    reviewed: 2027-07-01\n"  # 21-25
)


def _status(tmp_path, today=TODAY):
    write(tmp_path / "a.yaml", ENTRIES)
    return review_status(load_knowledge(tmp_path), today)


def test_each_entry_is_sorted_into_what_needs_doing(tmp_path):
    status = _status(tmp_path)
    path = str(tmp_path / "a.yaml")
    assert [(r.entry_id, r.file, r.line, r.days) for r in status.overdue] == [("overdue", path, 6, -28)]
    assert [(r.entry_id, r.line, r.days) for r in status.due_soon] == [("soon", 11, 30)]
    assert [(r.entry_id, r.line) for r in status.missing] == [("undated", 17)]  # no field: the entry's line
    assert [(r.entry_id, r.line) for r in status.inconsistent] == [("backwards", 25)]  # the `reviewed` line
    assert status.entries_checked == 5
    assert "has passed (28 days ago)" in status.overdue[0].message
    assert "in 30 days" in status.due_soon[0].message
    assert "no `review_by` date" in status.missing[0].message
    assert "reviewed 2027-07-01 is after review_by 2027-06-01" in status.inconsistent[0].message


def test_due_soon_ends_after_the_window_and_the_day_itself_is_due(tmp_path):
    status = _status(tmp_path, today=dt.date(2027, 3, 31) - dt.timedelta(days=DUE_SOON_DAYS + 1))
    assert [r.entry_id for r in status.due_soon] == []
    status = _status(tmp_path, today=dt.date(2027, 3, 31))
    assert [(r.entry_id, r.days) for r in status.due_soon] == [("soon", 0)] and "(today)" in status.due_soon[0].message


def test_crisis_lines_are_listed_oldest_first_and_stale_ones_flagged(tmp_path):
    write(tmp_path / "crisis" / "local.yaml", (
        "regions:\n"
        "  UK:\n"
        "    lines:\n"
        "      uk_samaritans:\n"
        "        verified: '2025-01-10'\n"                      # line 5: the overlay's mapping starts here
    ))
    verified_day = dt.date(2026, 11, 26)  # the built-in numbers' date
    today = verified_day + dt.timedelta(days=CRISIS_VERIFIED_MAX_DAYS)
    status = _status(tmp_path, today=today)
    first = status.crisis_lines[0]
    assert (first.region, first.line_id, first.verified) == ("UK", "uk_samaritans", "2025-01-10")
    assert (first.file, first.line, first.stale) == (str(tmp_path / "crisis" / "local.yaml"), 5, True)
    assert "verified 2025-01-10" in first.message and "knowledge/crisis/local.yaml" in first.message
    assert [line.line_id for line in status.stale_crisis_lines] == ["uk_samaritans"]  # the rest: exactly N days
    builtin = next(line for line in status.crisis_lines if line.line_id == "us_988")
    assert builtin.file == str(DATA_DIR / "resources.yaml") and builtin.line > 1 and not builtin.stale

    later = _status(tmp_path, today=today + dt.timedelta(days=1))
    stale = {line.line_id for line in later.stale_crisis_lines}
    assert {"us_988", "US.emergency", "uk_samaritans"} <= stale
    hidden = [line for line in later.crisis_lines if not line.shown_to_visitors]
    assert hidden and not any(line.stale for line in hidden)  # unconfirmed lines are not shown: not flagged


def test_check_reports_the_review_findings(tmp_path):
    write(tmp_path / "a.yaml", ENTRIES)
    found = [str(p) for p in text_findings(load_knowledge(tmp_path), today=TODAY)]
    path = tmp_path / "a.yaml"
    for line, words in ((6, "review_by 2027-02-01 has passed"), (11, "due for review on 2027-03-31"),
                        (17, "'undated' has no `review_by` date"), (25, "is after review_by")):
        assert any(f.startswith(f"{path}:{line}: ") and words in f for f in found), (line, found)
    assert not any("'later'" in f for f in found)


def test_review_command_prints_the_dashboard(tmp_path):
    write(tmp_path / "a.yaml", ENTRIES.replace("review_by: 2027-02-01", "review_by: 2020-02-01"))
    run = subprocess.run([sys.executable, "-m", "assistant", "review", "--knowledge", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 1  # something is due
    assert "== Overdue: review_by has passed" in run.stdout and "'overdue'" in run.stdout
    assert "== Every crisis line, oldest check first" in run.stdout
    as_json = subprocess.run([sys.executable, "-m", "assistant", "review", "--json", "--knowledge", str(tmp_path)],
                             capture_output=True, text=True, cwd=ROOT)
    data = json.loads(as_json.stdout)
    assert {"overdue", "due_soon", "missing", "inconsistent", "crisis_lines"} <= set(data)
    assert any(item["id"] == "undated" for item in data["missing"])
