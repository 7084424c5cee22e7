"""The model's files: the packaged weights are the pinned ones, and anything else is refused."""
import shutil

import pytest

from assistant.encoders.model import (
    WEIGHTS_SHA256,
    model_dir,
    model_words,
    verify_weights,
)
from assistant.errors import ModelError


def test_the_packaged_weights_are_the_pinned_ones():
    assert verify_weights(model_dir()) == WEIGHTS_SHA256


def test_other_weights_are_refused_with_what_to_do(tmp_path):
    shutil.copy(model_dir() / "config.json", tmp_path / "config.json")
    (tmp_path / "model.safetensors").write_bytes(b"not the model")
    with pytest.raises(ModelError, match="make install"):
        verify_weights(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="not found"):
        verify_weights(tmp_path)


def test_the_model_directory_can_be_overridden(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL_DIR", str(tmp_path))
    assert model_dir() == tmp_path


def test_model_words_are_whole_words():
    words = model_words()
    assert {"group", "therapy", "recovery"} <= words
    assert not any(w.startswith("##") for w in words)
