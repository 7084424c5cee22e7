"""Editing knowledge YAML in place: only the values set change, comments and layout stay."""
import datetime as dt

from assistant.staff.yaml_edit import dump_like, entry_spans, read_entries_file, remove_field, set_field, styled
from tests.conftest import KNOWLEDGE, write

STAFF_FILE = """# header comment
entries:
  - id: faq-one
    question: One?
    answer: First answer.
    tags: [x]

  # a comment before entry two
  - id: faq-two
    question: "Two: really?"
    answer: >-
      Second answer, folded
      over two lines.
    reviewed: 2026-01-01

  - id: faq-three
    question: Three?
    answer: Third.
"""


def test_the_shipped_files_dump_back_byte_for_byte():
    for name in ("faq.yaml", "articles.yaml", "not_covered.yaml"):
        document, text = read_entries_file(KNOWLEDGE / name)
        assert dump_like(document, text) == text


def test_set_and_remove_keep_comments_blank_lines_and_styles(tmp_path):
    path = write(tmp_path / "a.yaml", STAFF_FILE)
    document, text = read_entries_file(path)
    one, two, _ = document["entries"]
    set_field(one, "review_by", dt.date(2027, 1, 1))  # a new last field: the blank line moves below it
    remove_field(two, "reviewed")                   # the last field goes: the blank line stays
    two["answer"] = styled("A new second answer that is long enough to be folded over more than one line "
                           "of the file, as the files do.", two["answer"], "answer", two.lc.col)
    assert dump_like(document, text) == STAFF_FILE.replace(
        "    tags: [x]\n", "    tags: [x]\n    review_by: 2027-01-01\n").replace(
        "    reviewed: 2026-01-01\n", "").replace(
        "      Second answer, folded\n      over two lines.\n",
        "      A new second answer that is long enough to be folded over more than one\n"
        "      line of the file, as the files do.\n")


def test_crlf_files_keep_their_line_endings_and_spans_give_lines(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(STAFF_FILE.replace("\n", "\r\n").encode())
    document, text = read_entries_file(path)
    document["entries"][2]["answer"] = styled("Third,\nnow on two lines.", document["entries"][2]["answer"],
                                              "answer", 4)
    dumped = dump_like(document, text)
    assert dumped.count("\r\n") == dumped.count("\n") and "    answer: |-\r\n      Third,\r\n" in dumped
    assert [(line, entry_id) for line, entry_id, _ in entry_spans(STAFF_FILE)] == [
        (3, "faq-one"), (9, "faq-two"), (16, "faq-three")]


def test_block_text_becoming_or_ceasing_to_be_the_last_field_keeps_one_blank_line(tmp_path):
    text = ("entries:\n  - id: a\n    answer: plain\n    source: >-\n      folded\n      source\n\n"
            "  - id: b\n    answer: plain\n    source: S\n\n  - id: c\n    answer: x\n")
    document, text = read_entries_file(write(tmp_path / "a.yaml", text))
    a, b, _ = document["entries"]
    remove_field(a, "source")                                  # block text goes: plain `answer` is last
    remove_field(b, "source")                                  # the blank line moves to `answer` ...
    set_field(b, "answer", styled("one\ntwo", b["answer"], "answer", 4))  # ... which becomes block text
    assert dump_like(document, text) == ("entries:\n  - id: a\n    answer: plain\n\n  - id: b\n"
                                         "    answer: |-\n      one\n      two\n\n  - id: c\n    answer: x\n")
