import os

import pytest

from assistant.errors import IndexError_
from assistant.index import build_index, load_index, resolve_build
from tests.conftest import write
from tests.index.conftest import MINIMAL


def test_an_index_copied_by_a_tool_that_follows_links_is_served_and_rebuilt(tmp_path, embedder):
    import shutil

    knowledge, index, copy = tmp_path / "k", tmp_path / "i", tmp_path / "copy"
    write(knowledge / "a.yaml", MINIMAL)
    build_index(knowledge, index, embedder=embedder, progress=False)
    shutil.copytree(index, copy, symlinks=False)  # as cp -rL, a zip or object storage would
    assert load_index(copy).manifest.entries == 1
    build_index(knowledge, copy, embedder=embedder, progress=False)
    assert load_index(copy).directory.parent == copy / "builds"


def test_an_older_index_whose_symlink_became_a_directory_is_read_then_replaced(tmp_path, embedder):
    import shutil

    knowledge, index, copy = tmp_path / "k", tmp_path / "i", tmp_path / "copy"
    write(knowledge / "a.yaml", MINIMAL)
    build_index(knowledge, index, embedder=embedder, progress=False)
    build = resolve_build(index)
    (index / "CURRENT").unlink()
    os.symlink(f"builds/{build.name}", index / "current")  # the layout before CURRENT existed
    assert load_index(index).manifest.entries == 1
    shutil.copytree(index, copy, symlinks=False)  # `current` is now a real directory
    assert (copy / "current").is_dir() and not (copy / "current").is_symlink()
    (copy / "current" / "vectors.faiss").write_bytes(b"damaged")
    with pytest.raises(IndexError_, match="vectors.faiss.*rebuild"):
        load_index(copy)
    build_index(knowledge, copy, embedder=embedder, progress=False)  # once failed with IsADirectoryError
    assert (copy / "CURRENT").is_file() and not (copy / "current").exists()
    assert load_index(copy).manifest.entries == 1


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexError_, match="run `make index`"):
        load_index(tmp_path / "nothing")
