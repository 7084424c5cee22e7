
import pytest

from assistant.errors import StaleIndexError
from assistant.index import build_index, check_fresh, index_is_current, load_index
from assistant.knowledge import load_knowledge
from tests.conftest import write
from tests.index.conftest import MINIMAL


def test_stale_index_is_detected(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    build_index(knowledge, index, embedder=embedder, progress=False)
    write(knowledge / "a.yaml", MINIMAL.replace("It varies.", "Some groups meet for months."))
    assert not index_is_current(knowledge, index)
    with pytest.raises(StaleIndexError):
        check_fresh(load_index(index).manifest, load_knowledge(knowledge), embedder.weights_sha256)
    with pytest.raises(StaleIndexError):
        check_fresh(load_index(index).manifest, load_knowledge(tmp_path / "k"), "0" * 64)


def test_unchanged_files_are_not_parsed_to_check_freshness(tmp_path, embedder, monkeypatch):
    from assistant.index import manifest as index_module

    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    manifest = build_index(knowledge, index, embedder=embedder, progress=False)
    parsed = []
    real_load = index_module.load_knowledge
    monkeypatch.setattr(index_module, "load_knowledge", lambda d: parsed.append(d) or real_load(d))
    check_fresh(manifest, knowledge, embedder.weights_sha256)
    assert parsed == []
    write(knowledge / "a.yaml", "# a comment staff added\n" + MINIMAL)  # same content: parsed, still fresh
    check_fresh(manifest, knowledge, embedder.weights_sha256)
    assert parsed == [knowledge]
    write(knowledge / "a.yaml", MINIMAL.replace("It varies.", "Usually months."))
    with pytest.raises(StaleIndexError):
        check_fresh(manifest, knowledge, embedder.weights_sha256)
