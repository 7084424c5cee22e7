"""Retrieval on large indexes: the HNSW path finds what exact search finds."""
import faiss
import numpy as np

from assistant import index as index_module
from assistant.config import Settings
from assistant.evaluation import load_seed_set
from assistant.knowledge import load_knowledge
from assistant.retrieval import Retriever

from .conftest import ROOT


def test_hnsw_search_recall_at_10_against_exact_search(monkeypatch, embedder):
    # The seed's views are few, so lower the size limit that switches a build to HNSW.
    monkeypatch.setattr(index_module, "FLAT_LIMIT", 0)
    entries = list(load_knowledge(ROOT / "knowledge").entries)
    memory = index_module.index_entries(entries, embedder)
    assert hasattr(memory.faiss_index, "hnsw")
    retriever = Retriever.from_settings(memory, Settings())
    queries = [q.query for q in load_seed_set(ROOT / "knowledge" / "eval" / "seed_queries.yaml")]
    vectors = embedder.encode(queries)
    exact = faiss.IndexFlatIP(memory.faiss_index.d)
    exact.add(memory.faiss_index.reconstruct_n(0, memory.faiss_index.ntotal))
    _, want = exact.search(vectors, 10)
    _, got = retriever.nearest_views(vectors)
    recall = np.mean([len(set(g[:10]) & set(w)) / 10 for g, w in zip(got, want)])
    assert recall >= 0.98
    # and the fused ranking on HNSW is the one on the exact index
    flat = Retriever.from_settings(index_module.LoadedIndex(
        memory.directory, None, memory.entries, memory.view_entry, memory.view_kind, exact,
        memory.lexical, memory.classifier), Settings())
    for query, vector in zip(queries[:50], vectors[:50]):
        assert [c.position for c in retriever.rank(query, vector, k=3)] == \
               [c.position for c in flat.rank(query, vector, k=3)]
