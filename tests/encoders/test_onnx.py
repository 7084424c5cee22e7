"""The ONNX serving encoder gives the reference model's vectors, without torch."""
from __future__ import annotations

import numpy as np

from assistant.encoders.model import DIMENSION
from assistant.encoders.onnx import OnnxEmbedder
from tests.encoders.conftest import TEXTS


def test_the_varied_set_covers_what_it_claims(embedder):
    assert len(TEXTS) >= 200
    tokens = [len(embedder._model.preprocess([t])["input_ids"][0]) for t in TEXTS]
    assert sum(n >= 256 for n in tokens) >= 6, "several texts must hit the 256-token truncation"
    assert "" in TEXTS


def test_tokens_match_sentence_transformers_including_truncation(onnx_embedder, embedder):
    for text in TEXTS:
        want = embedder._model.preprocess([text])["input_ids"][0].tolist()
        got = onnx_embedder._tokenizer.encode(text).ids
        assert got == want, text[:60]


def test_parity_with_the_reference_in_fp32(onnx_embedder, reference_vectors):
    vectors = onnx_embedder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), DIMENSION) and vectors.dtype == np.float32
    assert vectors.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = (vectors * reference_vectors).sum(axis=1)
    worst = int(np.argmin(cosine))
    assert cosine[worst] >= 0.999, f"cosine {cosine[worst]:.6f} for {TEXTS[worst][:60]!r}"


def test_batch_and_single_give_the_same_vectors(onnx_embedder):
    batched = onnx_embedder.encode(TEXTS, batch_size=64)
    small_batches = onnx_embedder.encode(TEXTS, batch_size=7)
    single = np.vstack([onnx_embedder.encode([t]) for t in TEXTS])
    np.testing.assert_allclose(small_batches, batched, atol=1e-5)
    np.testing.assert_allclose(single, batched, atol=1e-5)


def test_concurrent_calls_need_no_lock(onnx_embedder):
    from concurrent.futures import ThreadPoolExecutor

    texts = TEXTS[:80]
    want = np.vstack([onnx_embedder.encode([t]) for t in texts])
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = np.vstack(list(pool.map(lambda t: onnx_embedder.encode([t]), texts)))
    np.testing.assert_array_equal(got, want)


def test_two_threads_give_the_vectors_of_one(onnx_cache, onnx_embedder):
    """ASSISTANT_ENCODER_THREADS=2 with one copy, or a build on 2 cores: the vectors do not change."""
    serving = OnnxEmbedder.load(cache_dir=onnx_cache, threads=2)
    texts = TEXTS[:80]
    np.testing.assert_allclose(serving.encode(texts), onnx_embedder.encode(texts), atol=1e-5)




def test_a_copy_gives_the_same_vectors_from_its_own_session(onnx_embedder):
    """A server's second copy of the model (encoders/pool.py): its own session, the same export and vectors."""
    twin = onnx_embedder.copy()
    assert twin._session is not onnx_embedder._session
    assert (twin.path, twin.weights_sha256, twin.cache_tag) == (onnx_embedder.path, onnx_embedder.weights_sha256,
                                                               onnx_embedder.cache_tag)
    texts = TEXTS[:80]
    np.testing.assert_allclose(twin.encode(texts), onnx_embedder.encode(texts), atol=1e-6)


def test_fewer_threads_give_the_same_vectors(onnx_cache):
    """A server puts its first copy on one thread when it adds a second (encoders/pool.py)."""
    serving = OnnxEmbedder.load(cache_dir=onnx_cache, threads=2)
    texts = TEXTS[:40]
    before = serving.encode(texts)
    serving.use_threads(1)
    np.testing.assert_allclose(serving.encode(texts), before, atol=1e-5)
