import pytest

from assistant.errors import IndexError_
from assistant.index import build_index, index_is_current, load_index, resolve_build
from assistant.index.history import kept_builds, rollback
from tests.conftest import write
from tests.index.conftest import MINIMAL, TWO


def _publish(knowledge, index, embedder):
    build_index(knowledge, index, embedder=embedder, progress=False)
    return resolve_build(index).name


def test_rollback_publishes_the_build_before_and_puts_its_files_back(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", "# staff comment\n" + TWO)
    first = _publish(knowledge, index, embedder)
    write(knowledge / "a.yaml", MINIMAL)  # an entry removed by mistake
    write(knowledge / "b.yaml", MINIMAL.replace("id: one", "id: three").replace("last?", "cost?"))
    write(knowledge / "crisis" / "local.yaml", "# a staff edit\n")
    second = _publish(knowledge, index, embedder)
    assert [b.name for b in kept_builds(index)] == [second, first] and kept_builds(index)[0].serving

    done = rollback(index, knowledge)
    assert done.build.name == first and resolve_build(index).name == first
    assert (knowledge / "a.yaml").read_text() == "# staff comment\n" + TWO  # comments and all
    assert not (knowledge / "b.yaml").exists() and not (knowledge / "crisis" / "local.yaml").exists()
    assert sorted(done.removed) == ["b.yaml", "crisis/local.yaml"] and done.restored == ("a.yaml",)
    assert (done.replaced_dir / "a.yaml").read_text() == MINIMAL  # nothing staff wrote is lost
    assert (done.replaced_dir / "crisis" / "local.yaml").is_file()
    # the files match what is served: `make index` (build --if-stale) does not publish the change again
    assert index_is_current(knowledge, index, embedder.weights_sha256)
    assert load_index(index).manifest.entries == 2

    done = rollback(index, knowledge, to=second[:10], restore_files=False)  # forward again, files untouched
    assert resolve_build(index).name == second and done.restored == () and done.replaced_dir is None
    assert not index_is_current(knowledge, index, embedder.weights_sha256)


def test_rollback_refuses_what_it_cannot_serve(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    only = _publish(knowledge, index, embedder)
    with pytest.raises(IndexError_, match="no earlier build"):
        rollback(index, knowledge)
    with pytest.raises(IndexError_, match="no kept build is called 'nope'"):
        rollback(index, knowledge, to="nope")
    write(knowledge / "a.yaml", TWO)
    _publish(knowledge, index, embedder)
    (index / "builds" / only / "vectors.faiss").write_bytes(b"damaged")
    with pytest.raises(IndexError_, match="vectors.faiss"):
        rollback(index, knowledge)
    assert (knowledge / "a.yaml").read_text() == TWO  # nothing changed by a refused rollback


def test_the_last_five_builds_are_kept_and_a_draft_keeps_one(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    for n in range(7):
        write(knowledge / "a.yaml", MINIMAL.replace("It varies.", f"It varies ({n})."))
        _publish(knowledge, index, embedder)
    assert len(kept_builds(index)) == 5
    for n in range(3):
        write(knowledge / "a.yaml", MINIMAL.replace("It varies.", f"Draft {n}."))
        build_index(knowledge, index / "draft", embedder=embedder, progress=False)
    assert len(kept_builds(index / "draft")) == 1
