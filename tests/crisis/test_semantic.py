"""assistant/crisis/semantic.py: the exemplar layer, the fallback when the classifier cannot run."""
from __future__ import annotations

import numpy as np

from assistant.crisis import CrisisScreen
from assistant.crisis.semantic import MAX_SEGMENTS


def fake_encode(texts):
    rng = np.random.default_rng(len(texts))
    rows = rng.normal(size=(len(texts), 16)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


class AnyClassifier:
    """Stands for an attached classifier: the exemplar layer then has nothing to encode."""


def test_nothing_to_encode_once_a_classifier_is_attached():
    screen = CrisisScreen.load(None)
    assert screen.attach_encoder(fake_encode)
    text = "everything feels heavy and pointless lately, nothing helps"
    assert screen.texts_to_encode(text)
    screen.attach_classifier(AnyClassifier())
    assert screen.texts_to_encode(text) == []


def test_a_very_long_message_is_read_in_a_bounded_number_of_segments():
    screen = CrisisScreen.load(None)
    screen.attach_encoder(fake_encode)
    long_text = ". ".join(f"sentence number {i} about group therapy schedules" for i in range(200))
    assert len(screen.embedding_texts(long_text)) <= MAX_SEGMENTS + 1


def test_a_failing_encoder_disables_the_layer_with_a_warning():
    screen = CrisisScreen.load(None)

    def broken(texts):
        raise RuntimeError("no model")

    assert not screen.attach_encoder(broken)
    assert not screen.semantic_enabled
    assert any("semantic layer disabled" in w for w in screen.warnings)
