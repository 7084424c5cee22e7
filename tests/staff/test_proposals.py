import pytest

from assistant.errors import KnowledgeError
from assistant.knowledge import load_knowledge
from assistant.staff.proposals import apply_change, propose
from tests.conftest import write

FAQ = (
    "# Our answers. Keep this comment.\n"
    "entries:\n"
    "  - id: duration   # the most asked\n"
    "    question: How long does it last?\n"
    "    alternates:\n"
    "      - how long is it   # short form\n"
    "    answer: >-\n"
    "      A few months.\n"
    "  - id: cost-free\n"
    "    title: 'About the groups'\n"
    "    answer: They meet weekly.\n"
)
NOT_COVERED = "# Questions we do not answer.\nnot_covered:\n  # money\n  - how much does it cost\n"


@pytest.fixture
def knowledge(tmp_path):
    write(tmp_path / "faq.yaml", FAQ)
    write(tmp_path / "not_covered.yaml", NOT_COVERED)
    return tmp_path


def test_alternate_is_added_with_comments_and_layout_kept(knowledge):
    change = propose(knowledge, "alternate", "  how many   weeks is it ", "duration")
    assert [(line.number, line.text) for line in change.added] == [(7, "      - how many weeks is it")]
    assert change.removed == 0 and change.file == knowledge / "faq.yaml"
    assert (change.before.number, change.before.text) == (6, "      - how long is it   # short form")
    assert (knowledge / "faq.yaml").read_text() == FAQ  # nothing written yet
    apply_change(knowledge, change)
    assert (knowledge / "faq.yaml").read_text() == FAQ.replace(
        "      - how long is it   # short form\n", "      - how long is it   # short form\n      - how many weeks is it\n")
    assert load_knowledge(knowledge).by_id()["duration"].alternates == ("how long is it", "how many weeks is it")


def test_an_entry_without_alternates_gets_the_list(knowledge):
    change = propose(knowledge, "alternate", "when do the groups meet", "cost-free")
    assert [line.text for line in change.added] == ["    alternates:", "      - when do the groups meet"]
    apply_change(knowledge, change)
    assert load_knowledge(knowledge).by_id()["cost-free"].alternates == ("when do the groups meet",)
    assert "    title: 'About the groups'\n    alternates:\n" in (knowledge / "faq.yaml").read_text()


def test_not_covered_is_appended_and_a_missing_list_is_created(knowledge, tmp_path):
    change = propose(knowledge, "not_covered", "is there parking")
    assert [(line.number, line.text) for line in change.added] == [(5, "  - is there parking")]
    apply_change(knowledge, change)
    assert (knowledge / "not_covered.yaml").read_text() == NOT_COVERED + "  - is there parking\n"

    (knowledge / "not_covered.yaml").unlink()
    change = propose(knowledge, "not_covered", "is there parking")
    apply_change(knowledge, change)
    assert load_knowledge(knowledge).not_covered == ("is there parking",)
    assert (knowledge / "not_covered.yaml").read_text().startswith("# NOT COVERED")


def test_contradictions_and_duplicates_are_refused(knowledge):
    with pytest.raises(KnowledgeError, match="already a question or alternate of entry 'duration'"):
        propose(knowledge, "alternate", "How long is it", "cost-free")
    with pytest.raises(KnowledgeError, match="already listed as not covered"):
        propose(knowledge, "not_covered", "How much does it cost")
    with pytest.raises(KnowledgeError, match="is a question of entry 'duration'"):
        propose(knowledge, "not_covered", "how long is it")
    with pytest.raises(KnowledgeError, match="no entry with id 'nope'"):
        propose(knowledge, "alternate", "anything", "nope")
    change = propose(knowledge, "alternate", "how much does it cost", "duration")  # listed as not covered
    with pytest.raises(KnowledgeError, match="is listed as not covered") as refused:
        apply_change(knowledge, change)
    assert all(str(knowledge) in str(p) for p in refused.value.problems)  # the staff's own paths
    assert (knowledge / "faq.yaml").read_text() == FAQ


def test_a_file_changed_since_the_change_was_shown_is_not_overwritten(knowledge):
    change = propose(knowledge, "not_covered", "is there parking")
    edited = NOT_COVERED + "  - where do I park\n"
    (knowledge / "not_covered.yaml").write_text(edited)
    with pytest.raises(KnowledgeError, match="changed since"):
        apply_change(knowledge, change)
    assert (knowledge / "not_covered.yaml").read_text() == edited


def test_a_proposal_on_the_shipped_files_adds_its_line_and_changes_nothing_else(tmp_path):
    import difflib
    import shutil

    from assistant.staff.proposals import propose
    from tests.conftest import ROOT

    shutil.copytree(ROOT / "knowledge", tmp_path / "k")
    for change in (propose(tmp_path / "k", "alternate", "how many weeks is the group", "faq-duration"),
                   propose(tmp_path / "k", "not_covered", "is there parking at the centre")):
        old = change.file.read_text(encoding="utf-8").splitlines(keepends=True)
        diff = [line for line in difflib.ndiff(old, change.new_text.splitlines(keepends=True)) if line[:1] in "+-"]
        assert len(diff) == 1 and diff[0].startswith("+ ") and change.added[0].text.strip() in diff[0], diff
