import datetime as dt
import subprocess
import sys

from assistant.knowledge import load_knowledge
from assistant.staff.lint import check_knowledge, text_findings
from tests.conftest import ROOT, write


def test_text_findings(tmp_path):
    write(tmp_path / "a.yaml", (
        "entries:\n"
        "  - id: old\n    question: Q?\n    answer: A.\n    review_by: 2020-01-01\n"     # 2
        "  - id: long\n    question: L?\n    answer: " + "word " * 200 + "\n"           # 6
        "  - id: odd\n    question: O?\n    answer: A.\n    colour: red\n"              # 9
    ))
    found = [str(p) for p in text_findings(load_knowledge(tmp_path), today=dt.date(2026, 1, 1))]
    path = tmp_path / "a.yaml"
    # each at the line of the field to fix, not the entry's `- id:` line
    assert any(f.startswith(f"{path}:5: ") and "review_by 2020-01-01 has passed" in f for f in found), found
    assert any(f.startswith(f"{path}:8: ") and "200 words" in f for f in found), found
    assert any(f.startswith(f"{path}:12: ") and "colour" in f and "did you mean" not in f for f in found), found


def test_near_duplicates_and_misroutes(tmp_path, embedder):
    import dataclasses

    from assistant.index import index_entries
    from assistant.retrieval import Retriever
    from assistant.settings import Settings
    from assistant.staff.lint import misroutes

    write(tmp_path / "a.yaml", (
        "entries:\n"
        "  - id: benefits\n    question: What are the benefits of group therapy?\n    answer: Many.\n"
        "  - id: advantages\n    question: What are the advantages of group therapy?\n    answer: Several.\n"
        "  - id: duration\n    question: How long does group therapy last?\n    answer: Months.\n"
    ))
    found = [str(p) for p in check_knowledge(tmp_path, embedder=embedder)]
    assert any("'advantages' and entry 'benefits'" in f and "near-duplicate" in f for f in found), found
    # The same phrasing in two entries (the loader refuses it; an index made before that rule could
    # hold it): one of them cannot win, and the self-retrieval check says which.
    knowledge = load_knowledge(tmp_path)
    benefits, advantages, duration = knowledge.entries
    duration = dataclasses.replace(duration, alternates=("What are the benefits of group therapy?",))
    knowledge = dataclasses.replace(knowledge, entries=(benefits, advantages, duration))
    memory = index_entries(list(knowledge.entries), embedder)
    wrong = misroutes(knowledge, Retriever.from_settings(memory, Settings()), embedder)
    assert any(m.text == "What are the benefits of group therapy?" for m in wrong), wrong


def test_an_alternate_that_is_another_entrys_question_is_an_error(tmp_path):
    # Issue #20: copied lowercased and without "?", it passed `check` and took that entry's visitors.
    from assistant.errors import KnowledgeError

    path = write(tmp_path / "a.yaml", (
        "entries:\n"
        "  - id: benefits\n    question: What are the benefits of group therapy?\n    answer: Many.\n"
        "  - id: duration\n    question: How long does group therapy last?\n    answer: Months.\n"
        "    alternates:\n      - how long is it\n      - what are the benefits of  group therapy\n"  # line 10
        "  - id: passage-a\n    title: Introduction\n    answer: One.\n"
        "  - id: passage-b\n    title: Introduction\n    answer: Two.\n"  # passages may share a title
        "  - id: typo\n    question: Typo?\n    answer: A.\n    anwser: B.\n"  # line 20 (19 once line 10 goes)
    ))
    try:
        load_knowledge(tmp_path)
    except KnowledgeError as exc:
        found = [str(p) for p in exc.problems]
    else:
        raise AssertionError("an alternate shared with another entry must be refused")
    assert len(found) == 1 and found[0].startswith(f"{path}:10: "), found
    assert "entry 'benefits'" in found[0] and "remove it here" in found[0]
    write(tmp_path / "a.yaml", path.read_text().replace("      - what are the benefits of  group therapy\n", ""))
    warnings = [str(w) for w in load_knowledge(tmp_path).warnings]
    assert any(w.startswith(f"{path}:19: ") and "did you mean answer?" in w for w in warnings), warnings


def test_shipped_knowledge_is_clean(embedder):
    # on a fixed day: review dates coming due must not turn this test red on some future morning
    assert [str(p) for p in check_knowledge(ROOT / "knowledge", embedder=embedder, today=dt.date(2026, 12, 1))] == []


def test_check_exit_codes(tmp_path):
    write(tmp_path / "bad.yaml", "entries:\n  - id: x\n")
    result = subprocess.run([sys.executable, "-m", "assistant", "check", "--knowledge", str(tmp_path)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert f"{tmp_path / 'bad.yaml'}:2: " in result.stderr


def test_not_covered_line_that_rewords_an_entry_is_flagged(tmp_path, embedder):
    from assistant.staff.lint import not_covered_conflicts

    path = write(tmp_path / "a.yaml", (
        "entries:\n"
        "  - id: duration\n    question: How long does group therapy last?\n    answer: Months.\n"  # 2
        "not_covered:\n"
        "  - how long does group therapy usually last\n"
        "  - how much does group therapy cost\n"
    ))
    found = [str(p) for p in not_covered_conflicts(load_knowledge(tmp_path), embedder)]
    assert len(found) == 1, found
    assert found[0].startswith(f"{path}:2: ") and "'how long does group therapy usually last'" in found[0]


def test_no_not_covered_line_is_an_evaluation_question():
    # Eval questions must stay unseen by what the assistant learns from (STAFF.md, knowledge/not_covered.yaml).
    from assistant.evaluation.answers import load_seed_set

    labelled = load_seed_set([ROOT / "knowledge" / "eval" / "seed_queries.yaml",
                              ROOT / "knowledge" / "eval" / "fresh_queries.yaml"])
    asked = {q.query.casefold() for q in labelled if q.split != "tune"}  # tune is for tuning
    shipped = load_knowledge(ROOT / "knowledge")
    assert not asked & {line.casefold() for line in shipped.not_covered}
    phrasings = {t.casefold() for e in shipped.entries for t in (e.heading, *e.alternates)}
    assert not asked & phrasings


def test_check_reports_a_broken_crisis_override_with_file_and_line(tmp_path):
    import shutil

    import pytest

    from assistant.errors import KnowledgeError
    from assistant.staff.lint import check_knowledge
    from tests.conftest import KNOWLEDGE, write

    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    write(knowledge / "crisis" / "local.yaml", "regions:\n  UK:\n    emergency:\n\tnumber: 999\n")
    with pytest.raises(KnowledgeError, match=r"local.yaml:\d+"):
        check_knowledge(knowledge)


def test_check_finds_an_alternate_with_a_misspelling_at_its_line(tmp_path):
    from assistant.staff.lint import misspelt_alternates

    path = write(tmp_path / "a.yaml", (
        "entries:\n"
        "  - id: aftercare\n    question: What is the role of group therapy in aftercare?\n    answer: Support.\n"
        "    alternates:\n      - it gets tougher after rehab\n      - aftercare groop therapy\n"))  # line 7
    [finding] = [str(p) for p in misspelt_alternates(load_knowledge(tmp_path))]
    assert finding.startswith(f"{path}:7: ") and "'groop' (for 'group')" in finding
