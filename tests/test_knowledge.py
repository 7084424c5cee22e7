import pytest

from assistant.errors import KnowledgeError
from assistant.knowledge import PASSAGE_CHUNK_WORDS, load_knowledge
from tests.conftest import KNOWLEDGE, write

SEED_IDS = {
    "faq-what-is-group-therapy", "faq-how-group-therapy-helps", "faq-role-in-aftercare",
    "faq-breaking-isolation", "faq-group-support-success", "faq-benefits", "faq-building-resilience",
    "faq-group-vs-individual", "faq-duration",
    "article-power-of-connection", "article-supportive-environment", "article-journey-of-recovery",
    "article-breaking-isolation", "article-healing-together", "article-building-resilience",
}
TITLE = "Group therapy in support and aftercare programs for drug intervention"


def problems_of(directory):
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(directory)
    return [str(p) for p in info.value.problems]


def test_shipped_knowledge_has_the_whole_seed():
    knowledge = load_knowledge(KNOWLEDGE)
    ids = {e.id.split("/")[0] for e in knowledge.entries}
    assert ids == SEED_IDS
    for entry in knowledge.entries:
        assert entry.source == TITLE
        assert entry.type == ("faq" if entry.id.startswith("faq-") else "passage")
        assert len(entry.answer.split()) <= 130, f"{entry.id}: too long for a phone screen"
        assert len(entry.alternates) >= 6
    assert not knowledge.warnings


def test_minimal_entries_are_accepted(tmp_path):
    write(tmp_path / "only.yaml", "entries:\n  - id: one\n    question: Q?\n    answer: A.\n")
    knowledge = load_knowledge(tmp_path)
    assert [e.id for e in knowledge.entries] == ["one"]
    assert knowledge.entries[0].type == "faq"


def test_problems_are_reported_with_file_and_line(tmp_path):
    path = write(tmp_path / "bad.yaml", (
        "entries:\n"
        "  - id: good\n"            # 2
        "    question: Fine?\n"
        "    answer: Yes.\n"
        "  - id: good\n"            # 5: duplicate id
        "    question: Again?\n"
        "    answer: Yes.\n"
        "  - id: no-answer\n"       # 8: missing answer
        "    question: Where?\n"
        "  - id: wrong-type\n"      # 10
        "    question: Q?\n"
        "    answer: [not, text]\n"  # 12
    ))
    found = problems_of(tmp_path)
    assert f"{path}:5: duplicate id 'good' (first used at {path}:2); ids must be unique" in found
    assert any(p.startswith(f"{path}:8: ") and "`answer`" in p for p in found)
    assert any(p.startswith(f"{path}:12: ") and "answer" in p for p in found)


def test_long_passage_is_chunked(tmp_path):
    paragraph = " ".join(["word"] * 100)
    write(tmp_path / "a.yaml", "entries:\n  - id: long\n    title: Long\n    answer: |-\n" +
          "".join(f"      {paragraph}\n\n" for _ in range(3)))
    ids = [e.id for e in load_knowledge(tmp_path).entries]
    assert ids == ["long/1", "long/2", "long/3"]
    assert PASSAGE_CHUNK_WORDS < 200


def test_content_hash_ignores_comments(tmp_path):
    write(tmp_path / "a.yaml", "entries:\n  - id: one\n    question: Q?\n    answer: A.\n")
    before = load_knowledge(tmp_path).content_hash
    write(tmp_path / "a.yaml", "# staff note\nentries:\n  - id: one   # the first\n    question: Q?\n    answer: A.\n")
    assert load_knowledge(tmp_path).content_hash == before
    write(tmp_path / "a.yaml", "entries:\n  - id: one\n    question: Q?\n    answer: B.\n")
    assert load_knowledge(tmp_path).content_hash != before


def test_unknown_fields_are_warnings(tmp_path):
    write(tmp_path / "a.yaml", "entries:\n  - id: one\n    question: Q?\n    answer: A.\n    colour: red\n")
    knowledge = load_knowledge(tmp_path)
    assert len(knowledge.entries) == 1
    assert "colour" in str(knowledge.warnings[0])


def test_not_covered_problems_are_reported_with_file_and_line(tmp_path):
    write(tmp_path / "faq.yaml", "entries:\n  - id: one\n    question: How long does it last?\n    answer: A.\n")
    path = write(tmp_path / "not_covered.yaml", (
        "not_covered:\n"
        "  - how much does it cost\n"   # 2
        "  # a comment between items\n"
        "  - ''\n"                       # 4: blank
        "  - [a, list]\n"                # 5: not text
        "  - how long does it last?\n"   # 6: entry one's own question
    ))
    found = problems_of(tmp_path)
    assert any(p.startswith(f"{path}:4: ") and "plain text" in p for p in found), found
    assert any(p.startswith(f"{path}:5: ") and "plain text" in p for p in found), found
    assert any(p.startswith(f"{path}:6: ") and "entry 'one'" in p and "answers it" in p for p in found), found
    assert len(found) == 3, found


def test_a_not_covered_list_is_knowledge_not_a_warning(tmp_path):
    write(tmp_path / "faq.yaml", "entries:\n  - id: one\n    question: Q?\n    answer: A.\n")
    before = load_knowledge(tmp_path).content_hash
    write(tmp_path / "gaps.yaml", "not_covered:\n  - how much does it cost\n  - where is the clinic\n"
                                  "  - how much  does it   cost\n")
    knowledge = load_knowledge(tmp_path)
    assert knowledge.not_covered == ("how much does it cost", "where is the clinic")  # spaces folded, deduplicated
    assert not knowledge.warnings
    assert knowledge.content_hash != before  # the index must be rebuilt to learn them
    write(tmp_path / "gaps.yaml", "not_covered: how much does it cost\n")
    assert any("must be a list of questions" in p for p in problems_of(tmp_path))




def test_alternates_in_other_languages_are_kept_apart_with_their_lines(tmp_path):
    write(tmp_path / "faq.yaml", "entries:\n  - id: one\n    question: Q?\n    answer: A.\n")
    before = load_knowledge(tmp_path).content_hash
    write(tmp_path / "faq.yaml", "entries:\n  - id: one\n    question: Q?\n    alternates_es:\n"
                                 "      - cuanto dura\n      - duracion del grupo\n    alternates_fr:\n"
                                 "      - combien de temps\n    answer: A.\n")
    knowledge = load_knowledge(tmp_path)
    entry = knowledge.entries[0]
    assert entry.alternates == () and not knowledge.warnings  # never an English phrasing, never "unknown"
    assert entry.other_alternates == (("es", "cuanto dura"), ("es", "duracion del grupo"), ("fr", "combien de temps"))
    assert entry.line_of("alternates_es.1") == 6 and entry.line_of("alternates_fr.0") == 8
    assert knowledge.content_hash != before  # the multilingual matcher must learn them
    write(tmp_path / "faq.yaml", "entries:\n  - id: one\n    question: Q?\n    alternates_es: ['']\n    answer: A.\n")
    assert any("alternates_es" in p and "empty item" in p for p in problems_of(tmp_path))
    write(tmp_path / "faq.yaml", "entries:\n  - id: one\n    question: Q?\n    alternates_xx: [a]\n    answer: A.\n")
    assert "unknown field(s) alternates_xx" in str(load_knowledge(tmp_path).warnings[0])


def test_an_other_language_alternate_shared_by_two_entries_is_refused(tmp_path):
    write(tmp_path / "faq.yaml", "entries:\n  - id: one\n    question: Q?\n    alternates_es: [cuanto dura]\n"
                                 "    answer: A.\n  - id: two\n    question: R?\n    alternates_es: ['Cuánto dura?',"
                                 " 'cuanto dura?']\n    answer: B.\n")
    found = problems_of(tmp_path)
    assert len(found) == 1 and found[0].startswith(f"{tmp_path / 'faq.yaml'}:8: ") and "'cuanto dura?'" in found[0]


def test_not_covered_lists_in_other_languages_stay_apart(tmp_path):
    write(tmp_path / "faq.yaml", "entries:\n  - id: one\n    question: Q?\n    answer: A.\n")
    write(tmp_path / "gaps.yaml", "not_covered:\n  - how much does it cost\nnot_covered_es:\n  - cuanto cuesta\n"
                                  "not_covered_pt:\n  - quanto custa\n")
    knowledge = load_knowledge(tmp_path)
    assert knowledge.not_covered == ("how much does it cost",)  # what the English detector learns from
    assert knowledge.other_not_covered == ("cuanto cuesta", "quanto custa") and not knowledge.warnings
    english_only = knowledge.content_hash
    write(tmp_path / "gaps.yaml", "not_covered:\n  - how much does it cost\n")
    assert load_knowledge(tmp_path).content_hash != english_only
    write(tmp_path / "gaps.yaml", "not_covered_es: cuanto cuesta\n")
    assert any("`not_covered_es:` must be a list" in p for p in problems_of(tmp_path))
    write(tmp_path / "gaps.yaml", "# Spanish only\nnot_covered_es:\n  - cuanto cuesta\n")
    alone = load_knowledge(tmp_path)  # kept with the English detector only: said, at the line
    assert [str(w) for w in alone.warnings] == [
        f"{tmp_path / 'gaps.yaml'}:3: not-covered questions in other languages are only used next to an English "
        "`not_covered:` list, and there is none: add a few English `not_covered:` lines on the same topics, "
        "or these are ignored"]


def test_an_faq_answer_far_too_long_for_a_phone_is_refused_at_its_line(tmp_path):
    # Issue #20: a 5,000-word answer built and served; `check` only warned at 150 words.
    from assistant.knowledge import FAQ_MAX_WORDS

    path = write(tmp_path / "k.yaml", "entries:\n  - id: x\n    question: q?\n    answer: " + "word " * 5000 + "\n"
                 "  - id: y\n    title: An article\n    answer: " + "word " * 5000 + "\n")  # passages are split
    found = problems_of(tmp_path)
    assert len(found) == 1 and found[0].startswith(f"{path}:4: ") and "5000 words" in found[0], found
    assert f"at most {FAQ_MAX_WORDS}" in found[0]
