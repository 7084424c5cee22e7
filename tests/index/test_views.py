"""Views: the texts each entry is found by, and their file in a build."""
import numpy as np

from assistant.index.views import (
    ALTERNATE,
    HEADING,
    TITLED_ANSWER,
    entry_views,
    lexical_document,
    load_view_texts,
    load_views,
    save_views,
)
from assistant.knowledge import Entry

ENTRY = Entry(id="one", type="faq", question="How long is group?", alternates=("how long is GROUP?", "group length"),
              answer="Months.")


def test_heading_each_new_alternate_and_the_titled_answer():
    views = entry_views(3, ENTRY)
    assert [(v.entry, v.kind, v.text) for v in views] == [
        (3, HEADING, "How long is group?"), (3, ALTERNATE, "group length"),
        (3, TITLED_ANSWER, "How long is group?\nMonths.")]  # an alternate that only differs in case is skipped


def test_the_lexical_document_has_every_phrasing_and_the_answer():
    assert lexical_document(ENTRY).split("\n") == ["How long is group?", "how long is GROUP?", "group length", "Months."]


def test_views_save_and_load(tmp_path):
    kinds = np.asarray([HEADING, ALTERNATE, TITLED_ANSWER])
    save_views(tmp_path, np.asarray([0, 0, 1]), kinds, ["a", "b", "c"])
    entry, kind = load_views(tmp_path)
    assert entry.tolist() == [0, 0, 1] and kind.tolist() == kinds.tolist()
    assert load_view_texts(tmp_path) == ["a", "b", "c"]
