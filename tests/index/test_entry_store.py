"""The entries of a build are read from disk on demand, by position or id; a damaged file is refused."""
import pytest

from assistant.errors import IndexError_
from assistant.index.entry_store import EntryStore, write_entries
from assistant.knowledge import Entry

ENTRIES = [Entry(id=f"e{n}", type="faq", question=f"Question {n}?", answer=f"Answer {n}.", alternates=("alt",))
           for n in range(5)]


def test_round_trip_by_position_and_id(tmp_path):
    write_entries(tmp_path / "entries.jsonl", ENTRIES)
    store = EntryStore(tmp_path / "entries.jsonl", len(ENTRIES))
    assert len(store) == 5 and list(store) == ENTRIES
    assert store[3] == ENTRIES[3] and store[-1] == ENTRIES[-1]
    assert store.position_of("e2") == 2 and store.position_of("missing") is None


def test_a_store_with_fewer_entries_than_the_manifest_says_is_refused(tmp_path):
    write_entries(tmp_path / "entries.jsonl", ENTRIES[:3])
    with pytest.raises(IndexError_, match="entries.jsonl"):
        EntryStore(tmp_path / "entries.jsonl", 5)
