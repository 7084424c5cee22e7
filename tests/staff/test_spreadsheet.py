"""The spreadsheet round trip: export -> what Excel does to a CSV -> import, lossless and by id."""
import csv
import dataclasses
import io
import shutil
import subprocess
import sys

import pytest

from assistant.errors import KnowledgeError
from assistant.knowledge import knowledge_files, load_knowledge
from assistant.staff.spreadsheet import export_csv, import_csv
from tests.conftest import KNOWLEDGE, ROOT, write


@pytest.fixture
def knowledge(tmp_path):
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    return copy


def snapshot(directory):
    return {path.name: path.read_bytes() for path in knowledge_files(directory)}


def exported_rows(directory) -> list[list[str]]:
    out = io.StringIO()
    export_csv(directory, out)
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))


def save_like_excel(rows, path, *, encoding="utf-8-sig", delimiter=",", newline="\r\n"):
    """What a spreadsheet writes: its own encoding, separator and line ending; cells keep their new lines."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def entries_by_id(directory):
    """Every loaded entry by id, without its line number (an edit above it moves it)."""
    return {entry.id: dataclasses.replace(entry, line=0) for entry in load_knowledge(directory).entries}


def test_export_has_one_row_per_entry_with_every_field_and_its_file(knowledge):
    header, *rows = exported_rows(knowledge)
    assert header == ["id", "type", "question", "title", "answer", "alternates", "alternates_es", "alternates_pt",
                      "alternates_fr", "source", "tags", "reviewed", "review_by", "file"]
    by_id = {row[0]: dict(zip(header, row)) for row in rows}
    assert len(rows) == 15 and all("/" not in entry_id for entry_id in by_id)  # entries, not chunks
    faq = by_id["faq-what-is-group-therapy"]
    assert faq["type"] == "faq" and faq["file"] == "faq.yaml" and faq["tags"] == "basics"
    assert faq["reviewed"] == "2026-11-26" and faq["review_by"] == "2027-05-26"
    assert faq["alternates"].split("\n")[:2] == ["what is group therapy", "group therapy meaning"]
    assert faq["alternates_es"].split("\n")[1] == "terapia grupal drogas que es"
    passage = by_id["article-power-of-connection"]
    assert passage["type"] == "passage" and passage["question"] == "" and passage["file"] == "articles.yaml"
    assert passage["title"].startswith("The power of connection") and "\n\nMembers also" in passage["answer"]
    assert passage["tags"] == "connection, inspiration"


@pytest.mark.parametrize("save", [
    dict(encoding="utf-8-sig", delimiter=",", newline="\r\n"),      # Excel "CSV UTF-8"
    dict(encoding="cp1252", delimiter=";", newline="\r\n"),         # Excel "CSV" in a European locale
    dict(encoding="cp1252", delimiter=",", newline="\r\n"),         # Excel "CSV (Comma delimited)"
    dict(encoding="utf-8", delimiter="\t", newline="\n"),           # LibreOffice, tab separated
    dict(encoding="utf-16", delimiter="\t", newline="\r\n"),        # Excel "Unicode Text"
], ids=["utf8-bom-comma-crlf", "cp1252-semicolon-crlf", "cp1252-comma-crlf", "utf8-tab-lf", "utf16-tab"])
def test_export_resave_import_changes_nothing(knowledge, tmp_path, save):
    before = snapshot(knowledge)
    rows = exported_rows(knowledge)
    header = rows[0]
    answer = header.index("answer")
    # What Excel does besides: an apostrophe before text, new lines inside cells as CRLF, an empty
    # trailing column and empty rows at the end.
    rows[1][answer] = "'" + rows[1][answer]
    rows[2][answer] = rows[2][answer].replace("\n", "\r\n")
    rows = [row + [""] for row in rows] + [[""] * (len(header) + 1)] * 2
    sheet = save_like_excel(rows, tmp_path / "faq.csv", **save)  # named faq.csv: the name decides nothing
    result = import_csv(sheet, knowledge)
    assert (result.updated, result.added, result.written) == ({}, {}, [])
    assert len(result.unchanged) == 15 and result.not_in_sheet == []
    assert snapshot(knowledge) == before


def test_an_edit_in_excel_changes_that_field_only_keeping_every_comment_and_layout(knowledge, tmp_path):
    before_text = (knowledge / "faq.yaml").read_text(encoding="utf-8")
    before = entries_by_id(knowledge)
    rows = exported_rows(knowledge)
    header = rows[0]
    row = next(r for r in rows if r[0] == "faq-how-group-therapy-helps")
    row[header.index("answer")] = "Group therapy helps people in recovery learn from each other,\r\nbuild coping skills."
    row[header.index("tags")] = "basics; support, peers".replace(";", ",")
    row[header.index("reviewed")] = "01/12/2026"  # Excel shows and saves dates in the local format ...
    row[header.index("review_by")] = "26/05/2027"  # ... and this one tells the sheet puts the day first
    other = next(r for r in rows if r[0] == "faq-what-is-group-therapy")
    other[header.index("reviewed")] = "26/11/2026"  # the same date as before, only written the Excel way
    sheet = save_like_excel(rows, tmp_path / "answers.csv", encoding="cp1252", delimiter=";")
    result = import_csv(sheet, knowledge)
    assert result.updated == {"faq-how-group-therapy-helps": "faq.yaml"} and not result.added
    after = entries_by_id(knowledge)
    changed = after["faq-how-group-therapy-helps"]
    assert changed.answer == "Group therapy helps people in recovery learn from each other,\nbuild coping skills."
    assert changed.tags == ("basics", "support", "peers")
    assert (changed.reviewed, changed.review_by) == ("2026-12-01", "2027-05-26")
    assert changed.alternates == before[changed.id].alternates and changed.source == before[changed.id].source
    assert {k: v for k, v in after.items() if k != changed.id} == {k: v for k, v in before.items() if k != changed.id}
    after_text = (knowledge / "faq.yaml").read_text(encoding="utf-8")
    removed = [line for line in before_text.splitlines() if line not in after_text.splitlines()]
    assert all(line.startswith(("    answer:", "      ", "    tags:", "    reviewed:")) for line in removed), removed
    assert before_text.split("entries:")[0] == after_text.split("entries:")[0]  # the staff guide comment
    assert after_text.count("\n\n  - id:") == before_text.count("\n\n  - id:")  # the blank lines between entries
    assert "    tags: [basics, support, peers]\n" in after_text
    assert (knowledge / "articles.yaml").read_bytes() == (KNOWLEDGE / "articles.yaml").read_bytes()


def test_new_ids_go_to_the_file_the_row_names_and_nothing_is_deleted(knowledge, tmp_path):
    before = snapshot(knowledge)
    sheet = write(tmp_path / "faq.csv",
                  "id,type,question,title,answer,alternates,tags,reviewed,file\n"
                  "faq-visiting,faq,Can family visit?,,\"Ask your program, they will say.\","
                  "\"can my mum come\nvisiting hours\",family,2026-12-01,\n"
                  "article-new-passage,,,A new passage,A passage text.,,,,\n"
                  "faq-family-extra,faq,Is there a family evening?,,Yes; ask staff for the dates.,,,,family.yaml\n")
    result = import_csv(sheet, knowledge)
    assert result.added == {"faq-visiting": "faq.yaml", "article-new-passage": "articles.yaml",
                            "faq-family-extra": "family.yaml"}
    assert len(result.not_in_sheet) == 15  # in the knowledge, not in the sheet: kept
    entries = entries_by_id(knowledge)
    assert len(entries) == 18
    visiting = entries["faq-visiting"]
    assert visiting.alternates == ("can my mum come", "visiting hours") and visiting.tags == ("family",)
    assert visiting.reviewed == "2026-12-01" and visiting.file.endswith("faq.yaml")
    assert entries["article-new-passage"].type == "passage"
    assert entries["article-new-passage"].file.endswith("articles.yaml")
    for name in ("faq.yaml", "articles.yaml"):  # appended: the old text is all still there, unchanged
        assert (knowledge / name).read_bytes().startswith(before[name].rstrip(b"\n"))
    assert not (knowledge / "faq.csv.yaml").exists() and not (knowledge / "faq").exists()


def test_a_second_export_equals_the_first_after_a_round_trip(knowledge, tmp_path):
    rows = exported_rows(knowledge)
    sheet = save_like_excel(rows, tmp_path / "answers.csv", encoding="cp1252", delimiter=";")
    import_csv(sheet, knowledge)
    assert exported_rows(knowledge) == rows


def test_export_marks_text_excel_would_run_as_a_formula_and_import_takes_the_mark_off(tmp_path):
    knowledge = tmp_path / "k"
    write(knowledge / "a.yaml", "entries:\n  - id: faq-x\n    question: \"=what is this?\"\n"
                                "    answer: \"- first, ask staff\"\n    alternates: [\"@home\", \"+1 more\"]\n")
    header, row = exported_rows(knowledge)
    cells = dict(zip(header, row))
    assert cells["question"] == "'=what is this?" and cells["answer"] == "'- first, ask staff"
    before = (knowledge / "a.yaml").read_bytes()
    result = import_csv(save_like_excel([header, row], tmp_path / "s.csv"), knowledge)
    assert result.unchanged == ["faq-x"] and (knowledge / "a.yaml").read_bytes() == before


def problems_of(sheet, knowledge) -> list[str]:
    before = snapshot(knowledge)
    with pytest.raises(KnowledgeError) as caught:
        import_csv(sheet, knowledge)
    assert snapshot(knowledge) == before  # nothing written
    return [str(problem) for problem in caught.value.problems]


def test_a_formula_is_refused_at_its_row_and_column(knowledge, tmp_path):
    sheet = write(tmp_path / "s.csv", "id,question,answer\n"
                                      "faq-a,Q?,\"=HYPERLINK(\"\"http://x.example\"\",\"\"click\"\")\"\n"
                                      "faq-b,Q2?,\"-2+3+cmd|' /C calc'!A0\"\n"
                                      "faq-c,Q3?,- this is fine text | and so is this\n"
                                      "faq-d,Q4?,@home or +1 more (say so)\n")
    problems = problems_of(sheet, knowledge)
    assert len(problems) == 2
    assert problems[0].startswith(f"{sheet}:2: row 2, column answer (C): '=HYPERLINK(")
    assert "formula" in problems[0] and problems[1].startswith(f"{sheet}:3: row 3, column answer (C)")


def test_rows_are_numbered_as_the_spreadsheet_shows_them_when_cells_hold_new_lines(knowledge, tmp_path):
    rows = exported_rows(knowledge)  # every row's alternates cell spans many lines of the file
    header = rows[0]
    rows[9][header.index("reviewed")] = "2026-02-30"
    sheet = save_like_excel(rows, tmp_path / "new-answers.csv")
    [problem] = problems_of(sheet, knowledge)
    text = sheet.read_bytes().decode("utf-8-sig")
    physical = text[: text.index(rows[9][0] + ",")].count("\n") + 1
    assert physical > 100  # the CSV line and the spreadsheet row differ a lot
    assert problem.startswith(f"{sheet}:{physical}: row 10, column reviewed (L): '2026-02-30' is not a date")
    assert "tmp" not in problem.split(": ", 1)[1] and ".yaml" not in problem


def test_a_problem_the_loader_finds_points_at_the_row_not_at_a_scratch_yaml_file(knowledge, tmp_path):
    rows = exported_rows(knowledge)
    header = rows[0]
    rows[5][header.index("id")] = "Faq New One"      # a new id that is not a slug
    rows[7][header.index("answer")] = ""             # an emptied answer
    not_covered = (KNOWLEDGE / "not_covered.yaml").read_text(encoding="utf-8").split("\n  - ")[1].split("\n")[0]
    rows[9][header.index("alternates")] += "\n" + not_covered  # a question not_covered.yaml says no entry answers
    sheet = save_like_excel(rows, tmp_path / "new-answers.csv")
    problems = problems_of(sheet, knowledge)
    assert any(p.startswith(f"{sheet}:") and "row 6, column id (A): " in p and "slug" in p for p in problems)
    assert any("row 8, column answer (E): " in p and "answer" in p for p in problems), problems
    [listed] = [p for p in problems if "not_covered.yaml" in p]
    assert listed.startswith(str(knowledge / "not_covered.yaml") + ":")  # the real file, not a scratch copy
    assert f"'faq-role-in-aftercare' ({sheet} row 10) answers it" in listed, listed
    for problem in problems:  # only the sheet and the real knowledge files are named, never a scratch copy
        assert "/tmp" not in problem.replace(str(sheet), "").replace(str(knowledge), ""), problem


def test_unknown_type_missing_column_and_duplicate_id(knowledge, tmp_path):
    unknown = write(tmp_path / "t.csv", "id,type,question,answer\nfaq-a,article,Q?,A.\n")
    assert problems_of(unknown, knowledge) == [f"{unknown}:2: row 2, column type (B): 'article' is not a type; "
                                               "write faq (a question and its answer) or passage (an article "
                                               "passage with a title)"]
    missing = write(tmp_path / "m.csv", "question,answer\nQ?,A.\n")
    [problem] = problems_of(missing, knowledge)
    assert problem.startswith(f"{missing}:1: row 1: missing the column(s) id")
    duplicate = write(tmp_path / "d.csv", "id,question,answer\nfaq-a,Q?,A.\n\nfaq-a,Q again?,A.\n")
    assert problems_of(duplicate, knowledge) == [f"{duplicate}:4: row 4, column id (A): the id 'faq-a' is also on "
                                                 "row 2; each entry has one row: give one of them a new id"]
    typo = write(tmp_path / "c.csv", "id,question,answers\nfaq-a,Q?,A.\n")
    assert "unknown column 'answers'" in problems_of(typo, knowledge)[0]


def test_a_wrong_or_ambiguous_date_names_row_and_column(knowledge, tmp_path):
    sheet = write(tmp_path / "s.csv", "id,question,answer,reviewed,review_by\n"
                                      "faq-a,Q?,A.,soon,\n"
                                      "faq-b,Q?,B.,03/04/2027,\n"
                                      "faq-c,Q?,C.,2026-11-26,26.11.2027\n")
    problems = problems_of(sheet, knowledge)
    assert problems == [
        f"{sheet}:2: row 2, column reviewed (D): 'soon' is not a date; write it as YYYY-MM-DD, e.g. 2027-05-26",
        f"{sheet}:3: row 3, column reviewed (D): '03/04/2027' could be 03 April or 04 March; write it as "
        "YYYY-MM-DD (e.g. 2027-04-03)",
    ]


def test_an_existing_entry_is_not_moved_to_another_file(knowledge, tmp_path):
    sheet = write(tmp_path / "s.csv", "id,question,answer,file\nfaq-what-is-group-therapy,Q?,A.,articles.yaml\n")
    [problem] = problems_of(sheet, knowledge)
    assert "row 2, column file (D): the entry 'faq-what-is-group-therapy' is in faq.yaml" in problem
    bad = write(tmp_path / "b.csv", "id,question,answer,file\nfaq-new,Q?,A.,../settings.yaml\n")
    assert "row 2, column file (D): '../settings.yaml' is not a knowledge file" in problems_of(bad, knowledge)[0]


def test_characters_windows_1252_cannot_hold_are_not_saved_as_question_marks(tmp_path):
    knowledge = tmp_path / "k"
    write(knowledge / "a.yaml", "entries:\n  - id: faq-x\n    question: Kia ora?\n    answer: Nau mai → haere mai, whānau.\n")
    sheet = tmp_path / "s.csv"
    sheet.write_bytes("id,question,answer\r\nfaq-x,Kia ora?,Nau mai ? haere mai, wh?nau.\r\n"
                      .replace(",Nau mai ? haere mai, wh?nau.", ',"Nau mai ? haere mai, wh?nau."').encode("cp1252"))
    [problem] = problems_of(sheet, knowledge)
    assert "row 2, column answer (C): letters this CSV type cannot hold became '?'" in problem


def test_cli_import_prints_a_summary(knowledge, tmp_path):
    sheet = write(tmp_path / "faq.csv", "id,question,answer\nfaq-what-is-group-therapy,What is group therapy?,"
                                        "A changed answer.\nfaq-new-one,A new question?,A new answer.\n")
    result = subprocess.run([sys.executable, "-m", "assistant", "import", str(sheet), "--knowledge", str(knowledge)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "1 entry updated:\n  faq-what-is-group-therapy" in out and "1 entry added:\n  faq-new-one" in out
    assert "0 unchanged." in out and "14 not in the sheet, left as they are" in out and "make index" in out
    assert entries_by_id(knowledge)["faq-what-is-group-therapy"].answer == "A changed answer."


def test_a_cell_excel_cut_short_is_refused_not_saved(tmp_path):
    knowledge = tmp_path / "k"
    long_answer = " ".join(["A long passage sentence."] * 2_000)  # 49,999 characters
    write(knowledge / "a.yaml", f"entries:\n  - id: article-long\n    title: Long\n    answer: {long_answer}\n")
    sheet = save_like_excel([["id", "answer"], ["article-long", long_answer[:32_767]]], tmp_path / "s.csv")
    [problem] = problems_of(sheet, knowledge)
    assert "row 2, column answer (B): the text was cut at 32,767 characters" in problem


def test_dry_run_writes_nothing(knowledge, tmp_path):
    before = snapshot(knowledge)
    sheet = write(tmp_path / "s.csv", "id,answer\nfaq-what-is-group-therapy,A changed answer.\n")
    result = import_csv(sheet, knowledge, write=False)
    assert result.updated == {"faq-what-is-group-therapy": "faq.yaml"} and result.written == []
    assert snapshot(knowledge) == before
