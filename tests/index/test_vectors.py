"""The vector index: exact search up to FLAT_LIMIT vectors, compressed above with recall kept."""
import numpy as np
import pytest

from assistant.errors import IndexError_
from assistant.index import vectors


def unit_rows(n: int, dimension: int = 64, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((n, dimension)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_small_indexes_are_exact():
    data = unit_rows(100)
    index = vectors.make_faiss_index(data)
    _, found = index.search(data[:5], 1)
    assert found[:, 0].tolist() == [0, 1, 2, 3, 4] and type(index).__name__ == "IndexFlatIP"


def test_above_the_limit_the_index_is_compressed_and_still_finds_the_nearest(monkeypatch):
    monkeypatch.setattr(vectors, "FLAT_LIMIT", 500)
    data = unit_rows(2000)
    index = vectors.make_faiss_index(data)
    assert type(index).__name__ != "IndexFlatIP"
    if hasattr(index, "k_factor"):
        index.k_factor = 50  # as retrieval.py sets it: candidates re-scored exactly
    _, found = index.search(data[:50], 1)
    assert (found[:, 0] == np.arange(50)).mean() >= 0.98


def test_save_load_and_damage(tmp_path):
    index = vectors.make_faiss_index(unit_rows(10))
    vectors.save_vectors(tmp_path, index)
    assert vectors.load_vectors(tmp_path).ntotal == 10
    (tmp_path / vectors.VECTORS).write_bytes(b"junk")
    with pytest.raises(IndexError_, match="vectors.faiss"):
        vectors.load_vectors(tmp_path)
