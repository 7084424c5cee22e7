import hashlib
import json
import os
import subprocess
import sys

import pytest

from assistant.errors import IndexError_, KnowledgeError
from assistant.index import build_index, index_is_current, load_index, resolve_build
from assistant.knowledge import load_knowledge
from tests.conftest import ROOT, write
from tests.fakes import CountingEncoder
from tests.index.conftest import MINIMAL, TWO


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




def test_a_rebuild_embeds_only_what_changed(tmp_path, embedder):
    knowledge, index, fresh_index = tmp_path / "k", tmp_path / "i", tmp_path / "fresh"
    write(knowledge / "a.yaml", TWO)
    counting = CountingEncoder(embedder)
    first = build_index(knowledge, index, embedder=counting, progress=False)
    assert first.reused_vectors == 0 and len(counting.texts) == first.views
    write(knowledge / "a.yaml", TWO.replace("Members agree to keep it private.", "Members promise privacy."))
    counting.calls.clear()
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


def test_not_covered_list_is_built_loaded_and_kept_fresh(tmp_path, embedder):
    import numpy as np

    from assistant.index.classifier import not_covered_probability

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
    write(knowledge / "gaps.yaml", "not_covered:\n  - how much does it cost\n  - where is the clinic\n"
                                   "not_covered_es:\n  - cuanto cuesta\n")
    assert not index_is_current(knowledge, index)
    build_index(knowledge, index, embedder=embedder, progress=False)
    loaded = load_index(index)  # the English detector learnt from two; the matcher compares with all three
    assert loaded.not_covered == 2 and loaded.not_covered_texts[2:] == ("cuanto cuesta",)
    np.savez(resolve_build(index) / "not_covered.npz", weights=np.zeros(3, np.float32), bias=np.float32(0))
    with pytest.raises(IndexError_, match="not_covered.npz"):
        load_index(index)


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

    from assistant.index.build import embed_in_batches

    texts = ["a much longer text about what group therapy in aftercare is for", "short", "mid length text here",
             "short", "another long sentence about staying in recovery after rehab ends for good"]
    known = {"mid length text here": embedder.encode(["mid length text here"])[0]}
    got = embed_in_batches(embedder, texts, batch_size=2, progress=False, known=known)
    want = embedder.encode(texts)
    assert got.shape == want.shape
    assert np.allclose(got, want, atol=1e-5)


# -- copies: the served index is a plain directory that any copy tool keeps ---------------------------




def test_a_broken_crisis_number_is_refused_and_nothing_is_published(tmp_path, embedder):
    """Crisis lines are published with the build, so a mistyped one is an error with its file and
    line, as in the entries, never a line silently dropped on the live site."""
    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    build_index(knowledge, index, embedder=embedder, progress=False)
    published = (index / "CURRENT").read_text()
    write(knowledge / "crisis" / "local.yaml",
          'regions:\n  AU:\n    lines:\n      au_lifeline:\n        tel: "13111four"\n')
    with pytest.raises(KnowledgeError) as error:
        build_index(knowledge, index, embedder=embedder, progress=False)
    assert any(p.file.endswith("local.yaml") and p.line == 3 and "13111four" in p.message  # the entry's line
               for p in error.value.problems), error.value.problems
    assert (index / "CURRENT").read_text() == published
