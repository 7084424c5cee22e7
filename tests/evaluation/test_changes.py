import json
import shutil

from assistant.evaluation.answers import LabelledQuery
from assistant.evaluation.changes import Outcome, Probe, compare, probes
from tests.conftest import ROOT, write

DURATION = Outcome("answer", "faq-duration", "How long does group therapy last?")
ROLE = Outcome("answer", "faq-role", "What is the role of group therapy?")
FALLBACK = Outcome("fallback")


def test_verdicts_follow_the_test_questions_labels():
    questions = [Probe("how long is group", ("faq-duration",)), Probe("what does it cost", ()),
                 Probe("group length"), Probe("unchanged", ("faq-role",)), Probe("fixed", ("faq-role",))]
    before = {"how long is group": DURATION, "what does it cost": ROLE, "group length": DURATION,
              "unchanged": ROLE, "fixed": DURATION}
    after = {"how long is group": ROLE, "what does it cost": FALLBACK, "group length": FALLBACK,
             "unchanged": ROLE, "fixed": ROLE}
    report = compare(questions, before.__getitem__, after.__getitem__)
    assert report.asked == 5 and len(report.changes) == 4
    assert [c.probe.question for c in report.worse] == ["how long is group"]
    assert {c.probe.question for c in report.of("better")} == {"what does it cost", "fixed"}
    assert [c.probe.question for c in report.of("changed")] == ["group length"]  # not a test question
    text = report.format()
    assert "'how long is group'" in text and "no answer" in text and "before `make index`" in text
    assert "None of the 1 questions" in compare([questions[3]], before.__getitem__, after.__getitem__).format()


def test_every_test_question_entry_phrasing_and_not_covered_line_is_asked_once():
    from assistant.knowledge import Entry

    entry = Entry(id="faq-duration", type="faq", answer="A.", question="How long?", alternates=("group length",))
    found = probes([LabelledQuery("group length", ("faq-duration",), "tune")], [[entry], [entry]], ["cost?"])
    assert [(p.question, p.expect) for p in found] == [
        ("group length", ("faq-duration",)), ("How long?", None), ("cost?", None)]


def test_eval_changes_names_what_an_edit_breaks_and_exits_1(tmp_path, embedder):
    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.index import build_index

    knowledge, index = tmp_path / "knowledge", tmp_path / "index"
    shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns("eval", "articles.yaml"))  # quicker
    labelled = write(tmp_path / "set.yaml", "in_scope:\n  - query: how many months is group therapy\n"
                                             "    expect: [faq-duration]\n")
    build_index(knowledge, index, embedder=embedder, progress=False)
    paths = ["--knowledge", str(knowledge), "--index", str(index), "--set", str(labelled)]
    same = CliRunner().invoke(app, ["eval", "--changes", *paths])
    assert same.exit_code == 0 and "nothing unpublished" in same.stdout, same.output
    faq = knowledge / "faq.yaml"
    lines = faq.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("  - id: faq-duration"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("  - id:")), len(lines))
    faq.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")  # the entry deleted
    changed = CliRunner().invoke(app, ["eval", "--changes", "--json", *paths])
    assert changed.exit_code == 1, changed.output
    report = json.loads(changed.stdout)
    [worse] = [c for c in report["changes"] if c["verdict"] == "worse"]
    assert worse["question"] == "how many months is group therapy" and worse["before"]["entry_id"] == "faq-duration"
