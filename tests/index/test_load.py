
import pytest

from assistant.errors import IndexError_
from assistant.index import build_index, load_index, resolve_build
from assistant.knowledge import load_knowledge
from tests.conftest import write
from tests.index.conftest import MINIMAL


def test_corrupt_artifacts_are_refused(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    build_index(knowledge, index, embedder=embedder, progress=False)
    faiss_file = resolve_build(index) / "vectors.faiss"
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(IndexError_, match="vectors.faiss"):
        load_index(index)


def test_entries_are_read_on_demand_and_a_damaged_file_is_refused(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL + MINIMAL.replace("entries:\n", "").replace("id: one", "id: two").replace("last?", "go on for?"))
    build_index(knowledge, index, embedder=embedder, progress=False)
    loaded = load_index(index)
    assert list(loaded.entries) == list(load_knowledge(knowledge).entries)
    assert loaded.entries[-1].id == "two" and loaded.entries.position_of("two") == 1
    assert loaded.entries.position_of("not-an-id") is None
    entries_file = resolve_build(index) / "entries.jsonl"
    entries_file.write_bytes(entries_file.read_bytes()[:-20])
    with pytest.raises(IndexError_, match="entries.jsonl"):
        load_index(index)


@pytest.mark.parametrize("damage", ["missing file", "truncated file", "same size, other bytes", "pointer to nothing"])
def test_a_partial_or_damaged_copy_is_refused_with_a_clear_message(tmp_path, embedder, damage):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    build_index(knowledge, index, embedder=embedder, progress=False)
    build = resolve_build(index)
    entries = build / "entries.jsonl"
    if damage == "missing file":
        (build / "views.npz").unlink()
    elif damage == "truncated file":
        entries.write_bytes(entries.read_bytes()[:-5])
    elif damage == "same size, other bytes":
        data = entries.read_bytes()
        entries.write_bytes(data.replace(b"Group", b"Grope", 1) if b"Group" in data else data[::-1])
    else:
        (index / "CURRENT").write_text("builds/20990101T000000000000Z-gone\n")
    with pytest.raises(IndexError_, match="make index"):
        load_index(index)
