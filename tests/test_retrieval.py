"""Retrieval on large indexes: the compressed index and candidate scoring find what exact search finds."""
import faiss
import numpy as np

from assistant.evaluation.answers import load_seed_set
from assistant.index import build as index_module
from assistant.index import vectors as vectors_module
from assistant.knowledge import load_knowledge
from assistant.retrieval import Retriever
from assistant.settings import Settings
from tests.conftest import ROOT


def test_compressed_search_recall_at_10_against_exact_search(monkeypatch, embedder):
    # The seed's views are few, so lower the size limit that switches a build to the compressed index.
    monkeypatch.setattr(vectors_module, "FLAT_LIMIT", 0)
    entries = list(load_knowledge(ROOT / "knowledge").entries)
    memory = index_module.index_entries(entries, embedder)
    assert hasattr(memory.faiss_index, "k_factor")
    retriever = Retriever.from_settings(memory, Settings())
    queries = [q.query for q in load_seed_set(ROOT / "knowledge" / "eval" / "seed_queries.yaml")]
    vectors = embedder.encode(queries)
    exact = faiss.IndexFlatIP(memory.faiss_index.d)
    exact.add(memory.faiss_index.reconstruct_n(0, memory.faiss_index.ntotal))
    _, want = exact.search(vectors, 10)
    _, got = retriever.nearest_views(vectors)
    recall = np.mean([len(set(g[:10]) & set(w)) / 10 for g, w in zip(got, want)])
    assert recall >= 0.98
    # and the fused ranking on it is the one on the exact index
    flat = Retriever.from_settings(index_module.LoadedIndex(
        memory.directory, None, memory.entries, memory.view_entry, memory.view_kind, exact,
        memory.lexical, memory.classifier), Settings())
    for query, vector in zip(queries, vectors):
        got, want = retriever.rank(query, vector, k=3), flat.rank(query, vector, k=3)
        assert [c.position for c in got] == [c.position for c in want], query
        assert np.allclose([c.score for c in got], [c.score for c in want], atol=1e-5), query


def test_large_index_ranks_a_word_for_word_match_the_embedding_missed(monkeypatch, embedder):
    # With one dense candidate, an entry can only be ranked through the BM25 candidates.
    from assistant import retrieval

    monkeypatch.setattr(vectors_module, "FLAT_LIMIT", 0)
    monkeypatch.setattr(retrieval, "DENSE_CANDIDATE_VIEWS", 1)
    knowledge = load_knowledge(ROOT / "knowledge")
    memory = index_module.index_entries(list(knowledge.entries), embedder)
    retriever = Retriever.from_settings(memory, Settings())
    query = "how long does it last"
    vector = embedder.encode([query])
    nearest_entry = int(memory.view_entry[retriever.nearest_views(vector)[1][0][0]])
    ranked = retriever.rank(query, vector, k=len(memory.entries))
    positions = [c.position for c in ranked]
    assert nearest_entry in positions and len(positions) > 1
    lexical = retriever.lexical_scores(retriever.content_words(query))
    assert set(np.flatnonzero(lexical > 0)) <= set(positions)
    # each candidate is scored exactly: its dense score is its best view's similarity
    vectors = memory.faiss_index.reconstruct_n(0, memory.faiss_index.ntotal)
    for candidate in ranked:
        views = memory.view_entry == candidate.position
        assert abs(candidate.dense - float((vectors[views] @ vector[0]).max())) < 1e-5


def test_question_words_are_the_words_bm25_indexes():
    import bm25s

    texts = ["What's the point of AFTERCARE groups?!", "how lng will i be in group after rehab", "it is not a an",
             "Ça va? naïve café — 12 steps, 2x a week", "", "i'm skeptical - is it just talking", "x y z"]
    for text in texts:
        tokens = bm25s.tokenize([text], stopwords="en", show_progress=False)
        inverse = {i: t for t, i in tokens.vocab.items()}
        assert Retriever.content_words(text) == [inverse[i] for i in tokens.ids[0] if inverse.get(i)], text


def test_only_misspellings_are_corrected(embedder):
    memory = index_module.index_entries(list(load_knowledge(ROOT / "knowledge").entries), embedder)
    retriever = Retriever.from_settings(memory, Settings())
    # the corrected question alone is embedded: the typed copy's WordPiece fragments drew it elsewhere
    assert retriever.query_variants("how long does group therpy lastt") == ["how long does group therapy last"]
    # the price: a typo that is itself in the model's vocabulary ("grup", "gong", "lsat") stays as typed
    # real words the knowledge happens not to use stay as typed (they were "corrected" to other words)
    for question in ("is there parking for parents", "dealing with cravings at the weekend", "thanks"):
        assert retriever.query_variants(question) == [question]
    # a misspelling that shares a knowledge word's first five letters is still corrected ("resilent" counts as
    # a word the knowledge uses, but it is not a word), while real words with such a stem stay as typed
    # ("relapsing" was turned into "relating", "addictive" into "active")
    assert retriever.query_variants("how does group make u more resilent") == ["how does group make you more resilient"]
    for question in ("what if im relapsing", "is kratom addictive"):
        assert retriever.query_variants(question) == [question]


def test_chat_shorthand_is_read_as_the_question_meant(embedder):
    # "ppl" and "wat" counted as words the knowledge never uses: the question lost confidence and fell back.
    memory = index_module.index_entries(list(load_knowledge(ROOT / "knowledge").entries), embedder)
    retriever = Retriever.from_settings(memory, Settings())
    typed, meant = "wat is grp therapy 4 ppl on drugs", "what is group therapy for people on drugs"
    assert retriever.query_variants(typed) == retriever.query_variants(meant) == [meant]
    got = retriever.rank(typed, embedder.encode(retriever.query_variants(typed)), k=3)
    want = retriever.rank(meant, embedder.encode([meant]), k=3)
    assert [(c.position, round(c.score, 5), c.coverage) for c in got] == [
        (c.position, round(c.score, 5), c.coverage) for c in want]
