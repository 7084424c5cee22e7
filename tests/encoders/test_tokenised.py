"""Tokenising, batching and pooling shared by the runtimes: like-length batches, mean over real tokens."""
import numpy as np

from assistant.encoders.tokenised import batches, pool


def test_batches_group_like_lengths_and_never_pad_a_text_beyond_twice_its_length():
    lengths = [3, 40, 5, 41, 4, 80, 6]
    groups = [list(b) for b in batches(lengths, batch_size=3)]
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for group in groups:
        assert len(group) <= 3
        assert max(lengths[i] for i in group) <= 2 * min(lengths[i] for i in group)


def test_pool_is_the_mean_of_real_tokens_normalised():
    hidden = np.asarray([[[1.0, 0.0], [3.0, 0.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.asarray([[1, 1, 0]])
    np.testing.assert_allclose(pool(hidden, mask), [[1.0, 0.0]])  # the padded token is ignored
