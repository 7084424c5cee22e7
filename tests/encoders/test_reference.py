"""The reference encoder (sentence-transformers): the yardstick every other encoder is measured against."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.encoders.model import DIMENSION, MODEL_NAME, WEIGHTS_SHA256


def test_same_interface_as_the_reference(onnx_embedder, embedder):
    assert onnx_embedder.name == embedder.name == MODEL_NAME
    assert onnx_embedder.dimension == embedder.dimension == DIMENSION
    assert onnx_embedder.weights_sha256 == embedder.weights_sha256 == WEIGHTS_SHA256
    empty = onnx_embedder.encode([])
    assert empty.shape == (0, DIMENSION) and empty.dtype == np.float32
    with pytest.raises(TypeError):
        onnx_embedder.encode("one string")


def test_vectors_are_normalised_float32_and_repeatable(embedder):
    vectors = embedder.encode(["what is aftercare", "what is aftercare", "how long is group"])
    assert vectors.dtype == np.float32 and vectors.shape == (3, DIMENSION)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[1])


def test_calls_from_several_threads_are_safe(embedder):
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"question number {n} about group" for n in range(24)]
    want = embedder.encode(texts)
    with ThreadPoolExecutor(4) as pool:
        got = np.vstack(list(pool.map(lambda t: embedder.encode([t]), texts)))
    np.testing.assert_allclose(got, want, atol=1e-5)
