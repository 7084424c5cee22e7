import pytest

from assistant.errors import KnowledgeError
from assistant.knowledge import PASSAGE_CHUNK_WORDS, load_knowledge

from .conftest import KNOWLEDGE, write

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


@pytest.mark.parametrize("text, line, words", [
    ("entries:\n\t- id: x\n", 2, "tabs"),
    ("entries:\n  - id: x\n    id: y\n", 3, "duplicate key"),
    ("a: &a [1]\nentries: *a\n", 2, "aliases"),
    ("- id: x\n", 1, "found a list"),
    ("", 1, "empty"),
    ("entries: !!python/object/apply:os.system ['true']\n", 1, "constructor"),
    ("entries:\n  - id: x\n    question: q\n    title: t\n    answer: a\n", 2, "both"),
    ("entries:\n  - id: Not A Slug\n    question: q\n    answer: a\n", 2, "slug"),
    ("entries:\n  - id: x\n    question: 'unclosed\n    answer: a\n", 5, "invalid YAML"),
    ("entries: just text\n", 1, "must be a list"),
    ("entries:\n  - just a string\n", 2, "must be a mapping"),
    ("entries:\n  - id: x\n    question: q\n", 2, "missing the required field `answer`"),
    ("entries:\n  - id: x\n    question: q\n    answer: a\n    reviewed: not-a-date\n", 5, "reviewed"),
    ("entries:\n  - id: x\n    question: q\n    answer: a\n    alternates: one string\n", 5, "alternates"),
    ("entries:\n  - id: 42\n    question: q\n    answer: a\n", 2, "id"),
    ("a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nentries: [*b, *b]\n", 2, "aliases"),
    ("entries:\n  - !!python/name:os.system\n", 2, "constructor"),
    ("entries: " + "[" * 100_000 + "]" * 100_000 + "\n", 1, "nesting is too deep"),
])
def test_broken_yaml_kinds(tmp_path, text, line, words):
    path = write(tmp_path / "k.yaml", text)
    found = problems_of(tmp_path)
    assert any(p.startswith(f"{path}:{line}: ") and words in p for p in found), found


def test_huge_file_is_refused_without_reading_it(tmp_path):
    import time

    from assistant.knowledge import MAX_FILE_BYTES

    with open(tmp_path / "huge.yaml", "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: instant to make
    started = time.perf_counter()
    assert any("huge.yaml:1: " in p and "MiB" in p for p in problems_of(tmp_path))
    assert time.perf_counter() - started < 1.0


def test_yaml_tags_never_run_code(tmp_path):
    marker = tmp_path / "pwned"
    write(tmp_path / "k.yaml", f"entries: !!python/object/apply:os.system ['touch {marker}']\n")
    problems_of(tmp_path)
    assert not marker.exists()


def test_non_utf8_file(tmp_path):
    (tmp_path / "k.yaml").write_bytes("entries:\n  - id: caf\xe9\n".encode("latin-1"))
    assert any(":2: " in p and "UTF-8" in p for p in problems_of(tmp_path))


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


def test_libyaml_and_pure_python_parsers_read_the_same_data_and_lines():
    import yaml

    from assistant import knowledge as module

    if module._FastLineLoader is None:
        pytest.skip("PyYAML without libyaml")
    for path in sorted(KNOWLEDGE.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        parsed, fast = module._load_fast(text)
        pure = yaml.load(text, Loader=module._LineLoader)  # noqa: S506 - a SafeLoader subclass
        assert parsed and fast == pure, path
        for name in ("entries", "not_covered"):
            if name in pure:
                assert fast.key_lines == pure.key_lines and fast[name].item_lines == pure[name].item_lines
                if name == "entries":
                    assert [(e.line, e.key_lines) for e in fast[name]] == [(e.line, e.key_lines) for e in pure[name]]
