"""What every encoder shares: staff corpora are embedded once and cached on disk; visitor text never is."""
import numpy as np
import pytest

from assistant.encoders.base import CORPUS_CACHE_MIN, CorpusCachingEncoder


class Counting(CorpusCachingEncoder):
    dimension = 8
    weights_sha256 = "w"
    cache_tag = "t"

    def __init__(self):
        self.calls = 0

    def _encode(self, texts, batch_size, progress):
        self.calls += 1
        return np.ones((len(texts), self.dimension), dtype=np.float32)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path))
    return tmp_path


def test_a_corpus_is_embedded_once_then_read_from_disk(cache):
    corpus = [f"exemplar {n}" for n in range(CORPUS_CACHE_MIN)]
    first = Counting()
    first.encode_corpus(corpus)
    assert first.calls == 1 and len(list(cache.glob("corpus-*.npy"))) == 1
    second = Counting()  # a new process, as it were
    np.testing.assert_array_equal(second.encode_corpus(corpus), first.encode_corpus(corpus))
    assert second.calls == 0


def test_other_weights_or_backend_never_share_a_cache(cache):
    corpus = [f"exemplar {n}" for n in range(CORPUS_CACHE_MIN)]
    Counting().encode_corpus(corpus)
    other = Counting()
    other.cache_tag = "another backend"
    other.encode_corpus(corpus)
    assert other.calls == 1 and len(list(cache.glob("corpus-*.npy"))) == 2


def test_encode_never_writes_and_refuses_a_bare_string(cache):
    encoder = Counting()
    encoder.encode([f"visitor text {n}" for n in range(200)])
    assert list(cache.iterdir()) == []
    assert encoder.encode([]).shape == (0, 8)
    with pytest.raises(TypeError):
        encoder.encode("one string")
