import hashlib
import json
import os
import subprocess
import sys

import pytest

from assistant.errors import IndexError_, KnowledgeError, StaleIndexError
from assistant.index import build_index, check_fresh, index_is_current, load_index, resolve_build
from assistant.knowledge import load_knowledge

from .conftest import ROOT, write

MINIMAL = "entries:\n  - id: one\n    question: How long does group therapy last?\n    answer: It varies.\n"


def tree_digest(directory):
    """Hash of every file (and link target) under a directory: byte-for-byte identity."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        digest.update(str(path.relative_to(directory)).encode())
        if path.is_symlink():
            digest.update(os.readlink(path).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_build_writes_manifest_and_swaps_current(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    manifest = build_index(knowledge, index, embedder=embedder, progress=False)
    assert (index / "CURRENT").read_text() == f"builds/{resolve_build(index).name}\n"  # a file, not a symlink
    on_disk = json.loads((resolve_build(index) / "manifest.json").read_text())
    assert on_disk["weights_sha256"] == embedder.weights_sha256
    assert on_disk["knowledge_hash"] == load_knowledge(knowledge).content_hash
    assert on_disk["entries"] == 1 and on_disk["views"] == manifest.views >= 2
    assert {"faiss-cpu", "sentence-transformers", "torch"} <= set(on_disk["versions"])
    assert index_is_current(knowledge, index)
    loaded = load_index(index)
    assert [e.id for e in loaded.entries] == ["one"]


TWO = MINIMAL + (
    "  - id: two\n    question: Is group therapy confidential?\n"
    "    alternates: [do people keep what I say private]\n    answer: Members agree to keep it private.\n")


class CountingEncoder:
    def __init__(self, inner):
        self.inner, self.texts = inner, []
        self.name, self.dimension, self.weights_sha256 = inner.name, inner.dimension, inner.weights_sha256
        self.cache_tag = inner.cache_tag

    def encode(self, texts, batch_size=64, progress=False):
        self.texts += list(texts)
        return self.inner.encode(texts, batch_size, progress)


def test_a_rebuild_embeds_only_what_changed(tmp_path, embedder):
    knowledge, index, fresh_index = tmp_path / "k", tmp_path / "i", tmp_path / "fresh"
    write(knowledge / "a.yaml", TWO)
    counting = CountingEncoder(embedder)
    first = build_index(knowledge, index, embedder=counting, progress=False)
    assert first.reused_vectors == 0 and len(counting.texts) == first.views
    write(knowledge / "a.yaml", TWO.replace("Members agree to keep it private.", "Members promise privacy."))
    counting.texts.clear()
    second = build_index(knowledge, index, embedder=counting, progress=False)
    assert counting.texts == ["Is group therapy confidential?\nMembers promise privacy."]  # the one changed view
    assert second.reused_vectors == second.views - 1
    # the same vectors as a build from scratch
    build_index(knowledge, fresh_index, embedder=embedder, progress=False)
    reused, scratch = load_index(index).faiss_index, load_index(fresh_index).faiss_index
    assert (reused.reconstruct_n(0, reused.ntotal) - scratch.reconstruct_n(0, scratch.ntotal)).max() < 1e-5


def test_vectors_of_another_encoder_are_never_reused(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", TWO)
    build_index(knowledge, index, embedder=embedder, progress=False)
    other = CountingEncoder(embedder)
    other.cache_tag = "another-export"
    rebuilt = build_index(knowledge, index, embedder=other, progress=False)
    assert rebuilt.reused_vectors == 0 and len(other.texts) == rebuilt.views


def test_failed_build_leaves_the_index_untouched(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    build_index(knowledge, index, embedder=embedder, progress=False)
    before = tree_digest(index)
    write(knowledge / "b.yaml", "entries:\n  - id: one\n    question: dup\n    answer: x\n  - id: two\n")
    with pytest.raises(KnowledgeError):
        build_index(knowledge, index, embedder=embedder, progress=False)
    assert tree_digest(index) == before


def test_cli_build_exit_code_2_lists_problems_and_keeps_index(tmp_path, embedder):
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    build_index(knowledge, index, embedder=embedder, progress=False)
    before = tree_digest(index)
    bad = write(knowledge / "b.yaml", "entries:\n  - id: one\n    question: dup\n    answer: x\n  - id: two\n    answer: y\n")
    result = subprocess.run([sys.executable, "-m", "assistant", "build", "--knowledge", str(knowledge), "--index", str(index)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"{bad}:2: duplicate id 'one'" in result.stderr
    assert f"{bad}:5: " in result.stderr and "question" in result.stderr
    assert tree_digest(index) == before


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


def test_not_covered_list_is_built_loaded_and_kept_fresh(tmp_path, embedder):
    import numpy as np

    from assistant.classifier import not_covered_probability

    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", TWO)
    build_index(knowledge, index, embedder=embedder, progress=False)
    assert not (resolve_build(index) / "not_covered.npz").exists()
    write(knowledge / "gaps.yaml", "not_covered:\n  - how much does it cost\n  - where is the clinic\n")
    assert not index_is_current(knowledge, index)  # adding the list changes what the index must learn
    manifest = build_index(knowledge, index, embedder=embedder, progress=False)
    assert manifest.not_covered == 2 and index_is_current(knowledge, index)
    loaded = load_index(index)
    assert loaded.not_covered == 2
    cost = embedder.encode(["what is the price of the sessions"])
    assert not_covered_probability(loaded.not_covered_detector, cost) > 0.5
    np.savez(resolve_build(index) / "not_covered.npz", weights=np.zeros(3, np.float32), bias=np.float32(0))
    with pytest.raises(IndexError_, match="not_covered.npz"):
        load_index(index)


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
    write(knowledge / "a.yaml", MINIMAL + MINIMAL.replace("entries:\n", "").replace("id: one", "id: two"))
    build_index(knowledge, index, embedder=embedder, progress=False)
    loaded = load_index(index)
    assert list(loaded.entries) == list(load_knowledge(knowledge).entries)
    assert loaded.entries[-1].id == "two" and loaded.entries.position_of("two") == 1
    assert loaded.entries.position_of("not-an-id") is None
    entries_file = resolve_build(index) / "entries.jsonl"
    entries_file.write_bytes(entries_file.read_bytes()[:-20])
    with pytest.raises(IndexError_, match="entries.jsonl"):
        load_index(index)


def test_unchanged_files_are_not_parsed_to_check_freshness(tmp_path, embedder, monkeypatch):
    from assistant import index as index_module

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


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexError_, match="python -m assistant build"):
        load_index(tmp_path / "nothing")


@pytest.mark.parametrize("broken", [
    "entries:\n\t- id: x\n", "entries:\n  - id: x\n    id: y\n", "a: &a [1]\nentries: *a\n", "- x\n", "",
    "entries: !!python/object/apply:os.system ['true']\n", "entries:\n  - id: two\n    question: q\n",
])
def test_broken_knowledge_never_touches_the_served_index(tmp_path, embedder, broken):
    import time

    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    build_index(knowledge, index, embedder=embedder, progress=False)
    before = tree_digest(index)
    write(knowledge / "b.yaml", broken)
    started = time.perf_counter()
    with pytest.raises(KnowledgeError):
        build_index(knowledge, index, embedder=embedder, progress=False)
    assert time.perf_counter() - started < 2.0  # refused before any embedding
    assert tree_digest(index) == before


def test_batched_embedding_keeps_each_text_with_its_vector(embedder):
    import numpy as np

    from assistant.index import embed_in_batches

    texts = ["a much longer text about what group therapy in aftercare is for", "short", "mid length text here",
             "short", "another long sentence about staying in recovery after rehab ends for good"]
    known = {"mid length text here": embedder.encode(["mid length text here"])[0]}
    got = embed_in_batches(embedder, texts, batch_size=2, progress=False, known=known)
    want = embedder.encode(texts)
    assert got.shape == want.shape
    assert np.allclose(got, want, atol=1e-5)


# -- copies: the served index is a plain directory that any copy tool keeps ---------------------------
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
