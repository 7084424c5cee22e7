import io

import pytest

from assistant.errors import KnowledgeError
from assistant.knowledge import load_knowledge
from assistant.staff.spreadsheet import export_csv, import_csv
from tests.conftest import write


def test_import_then_export_round_trip(tmp_path):
    csv_file = tmp_path / "sheet.csv"
    csv_file.write_text('id,question,answer,alternates,source\n'
                        'faq-visit,Can family visit?,"Ask your program, they will say.",can my mum come | visiting,Staff\n',
                        encoding="utf-8")
    knowledge = tmp_path / "k"
    target = import_csv(csv_file, knowledge)
    [entry] = load_knowledge(knowledge).entries
    assert target.name == "sheet.yaml"
    assert entry.alternates == ("can my mum come", "visiting") and entry.source == "Staff"
    out = io.StringIO()
    assert export_csv(knowledge, out) == 1
    assert "can my mum come | visiting" in out.getvalue()


def test_invalid_import_writes_nothing(tmp_path):
    knowledge = tmp_path / "k"
    write(knowledge / "a.yaml", "entries:\n  - id: faq-visit\n    question: Q?\n    answer: A.\n")
    csv_file = tmp_path / "sheet.csv"
    csv_file.write_text("id,question,answer\nfaq-visit,Dup?,Yes.\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="duplicate id"):
        import_csv(csv_file, knowledge)
    assert sorted(p.name for p in knowledge.iterdir()) == ["a.yaml"]


def test_missing_columns(tmp_path):
    csv_file = tmp_path / "sheet.csv"
    csv_file.write_text("id,answer\nx,y\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="question"):
        import_csv(csv_file, tmp_path / "k")
