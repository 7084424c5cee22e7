"""Reading what a spreadsheet saved: encodings, separators, new lines in cells, rows as Excel numbers them."""
import pytest

from assistant.errors import KnowledgeError
from assistant.staff.sheet import cell_text, column_letter, date_candidates, list_cell, read_sheet, split_list


def test_read_sheet_detects_encoding_and_separator(tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_bytes("sep=;\r\nid;answer\r\nfaq-a;\"Caf\u00e9\r\ncr\u00e8me\"\r\n;;\r\n".encode("cp1252"))
    read = read_sheet(sheet)
    assert (read.encoding, read.delimiter, read.columns) == ("Windows-1252", ";", ["id", "answer"])
    [row] = read.rows
    assert (row.row, row.line, row.cells) == (2, 3, {"id": "faq-a", "answer": "Caf\u00e9\ncr\u00e8me"})
    assert [column_letter(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]





def test_excel_rows_and_empty_trailing_rows_and_columns(tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_bytes(b'id,answer,,\r\nfaq-a,"one\r\ntwo\r\nthree",,\r\nfaq-b,B,,\r\n,,,\r\n,,,\r\n')
    read = read_sheet(sheet)
    assert [(row.row, row.line, row.cells["id"]) for row in read.rows] == [(2, 2, "faq-a"), (3, 5, "faq-b")]
    assert read.rows[0].cells["answer"] == "one\ntwo\nthree"


def test_text_in_a_column_without_a_name_and_formulas_are_refused(tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("id;answer;\nfaq-a;=1+1;a note\nfaq-b;'=1+1 is text;\n", encoding="utf-8")
    read = read_sheet(sheet)
    assert [str(p) for p in read.problems] == [
        f"{sheet}:2: row 2, column answer (B): '=1+1' is a spreadsheet formula, not vetted text; replace it with "
        "the text itself",
        f"{sheet}:2: row 2, column C: this column has no name in row 1; move the text into a named column or "
        "delete it",
    ]
    assert read.rows[1].cells["answer"] == "=1+1 is text"


def test_a_wrong_header_is_refused_at_once(tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("question;answer;answer\nQ?;A.;B.\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        read_sheet(sheet)
    assert [p.message.split(";")[0] for p in caught.value.problems] == [
        "row 1, column C: the column 'answer' appears twice", "row 1: missing the column(s) id"]


def test_dates_as_spreadsheets_save_them():
    assert date_candidates("2027-05-26") == date_candidates("2027/05/26") == date_candidates("26.05.2027")
    assert [d.isoformat() for d in date_candidates("26/05/2027")] == ["2027-05-26"]
    assert [d.isoformat() for d in date_candidates("05/06/2027")] == ["2027-06-05", "2027-05-06"]
    assert date_candidates("") == [] and date_candidates("26/05/27") is None and date_candidates("2027-02-30") is None


def test_cells_export_writes_read_back_the_same():
    assert cell_text("=SUM(A1)") == "'=SUM(A1)" and cell_text("'quoted'") == "''quoted'" and cell_text("plain") == "plain"
    assert list_cell(["a, b"], "tags") == "a, b\n" and split_list("a, b\n", "tags") == ["a, b"]
    assert list_cell(["x", "y"], "tags") == "x, y" and split_list("x, y", "tags") == ["x", "y"]
    assert split_list("can my mum come | visiting", "alternates") == ["can my mum come", "visiting"]
    assert split_list("one | two\nthree", "alternates") == ["one | two", "three"]
