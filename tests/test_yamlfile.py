import pytest

from tests.conftest import KNOWLEDGE, write
from tests.test_knowledge import problems_of


@pytest.mark.parametrize("text, line, words", [
    ("entries:\n\t- id: x\n", 2, "never tabs"),
    ("entries:\n  - id: x\n    id: y\n", 3, "duplicate key"),
    ("a: &a [1]\nentries: *a\n", 2, "YAML alias"),
    ("- id: x\n", 1, "found a list"),
    ("", 1, "empty"),
    ("entries: !!python/object/apply:os.system ['true']\n", 1, "`!!` tag"),
    ("entries:\n  - id: x\n    question: q\n    title: t\n    answer: a\n", 2, "both"),
    ("entries:\n  - id: Not A Slug\n    question: q\n    answer: a\n", 2, "slug"),
    ("entries:\n  - id: x\n    question: 'unclosed\n    answer: a\n", 3, "never closed"),
    ("entries: just text\n", 1, "must be a list"),
    ("entries:\n  - just a string\n", 2, "must be a mapping"),
    ("entries:\n  - id: x\n    question: q\n", 2, "missing the required field `answer`"),
    ("entries:\n  - id: x\n    question: q\n    answer: a\n    reviewed: not-a-date\n", 5, "reviewed"),
    ("entries:\n  - id: x\n    question: q\n    answer: a\n    alternates: one string\n", 5, "alternates"),
    ("entries:\n  - id: 42\n    question: q\n    answer: a\n", 2, "id"),
    ("a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nentries: [*b, *b]\n", 2, "YAML alias"),
    ("entries:\n  - !!python/name:os.system\n", 2, "`!!` tag"),
    # where the mistake is, in plain words (the YAML library notices some of them lines later)
    ("entries:\n  - id: x\n    question: \"open\n    answer: a\n    source: s\n", 3, "never closed"),
    ("entries:\n  - id: x\n    question q\n    answer: a\n", 3, "colon is missing"),
    ("entries:\n  - id: x\n    question: what is: this\n    answer: a\n", 3, "double quotes"),
    ("entries:\n  - id: x\n    question: q\n    answer: a\n    reviewed: 2026-13-45\n", 5, "YYYY-MM-DD"),
    ("entries:\n  - id: x\n    question: [q]\n    answer: a\n", 3, "must be plain text"),
    ("entries:\n  - id: x\n    question: q\n   answer: a\n", 4, "indented differently"),
    ("entries: " + "[" * 100_000 + "]" * 100_000 + "\n", 1, "nesting is too deep"),
])
def test_broken_yaml_kinds(tmp_path, text, line, words):
    path = write(tmp_path / "k.yaml", text)
    found = problems_of(tmp_path)
    assert any(p.startswith(f"{path}:{line}: ") and words in p for p in found), found



def test_huge_file_is_refused_without_reading_it(tmp_path):
    import time

    from assistant.yamlfile import MAX_FILE_BYTES

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


def test_libyaml_and_pure_python_parsers_read_the_same_data_and_lines():
    import yaml

    from assistant import yamlfile as module

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
