"""The model's files: the packaged weights are the pinned ones, and anything else is refused."""
import shutil
from dataclasses import replace

import pytest

from assistant.encoders.model import (
    WEIGHTS_SHA256,
    model_dir,
    model_words,
    verify_weights,
)
from assistant.errors import ModelError
from tests.fakes import flip_a_byte


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


# -- the supported models and the `model:` setting ------------------------------------------------
def test_an_unsupported_model_is_refused_with_the_choices():
    from assistant.encoders.model import MODELS, model_spec

    with pytest.raises(ModelError, match="all-MiniLM-L6-v2, all-mpnet-base-v2"):
        model_spec("all-MiniLM-L12-v2")
    assert set(MODELS) == {"all-MiniLM-L6-v2", "all-mpnet-base-v2"}
    assert model_spec(None).key == "all-MiniLM-L6-v2"


def test_the_setting_names_a_supported_model_and_says_which_when_it_does_not(tmp_path):
    from assistant.errors import KnowledgeError
    from assistant.settings import Settings

    (tmp_path / "settings.yaml").write_text("min_score: 0.7\nmodel: mpnet\n")
    with pytest.raises(KnowledgeError, match=r"settings.yaml:2: .*'mpnet' is not a supported model"):
        Settings.load(tmp_path)
    (tmp_path / "settings.yaml").write_text("model: all-mpnet-base-v2\n")
    assert Settings.load(tmp_path).model == "all-mpnet-base-v2"


def test_each_model_brings_its_calibrated_policy_and_staff_settings_still_win(tmp_path, monkeypatch):
    from assistant import settings as settings_module
    from assistant.settings import Settings

    monkeypatch.setitem(settings_module.MODEL_POLICIES, "all-mpnet-base-v2", {"min_score": 0.55, "confident_score": 0.6})
    (tmp_path / "settings.yaml").write_text("model: all-mpnet-base-v2\nconfident_score: 0.9\n")
    settings = Settings.load(tmp_path)
    assert (settings.min_score, settings.confident_score) == (0.55, 0.9)
    assert Settings.load(None).min_score == Settings.model_fields["min_score"].default  # MiniLM: the code's


def split_zip(tmp_path, files: dict[str, bytes], parts: int):
    """A zip of `files` under `folder/`, cut into `parts` pieces as the PyPI packages ship a model."""
    import hashlib
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    size = -(-len(data) // parts)
    pieces = []
    for n in range(parts):
        path = tmp_path / f"model.zip.00{n + 1}"
        path.write_bytes(data[n * size:(n + 1) * size])
        pieces.append((f"part-{n + 1}", path.name, hashlib.sha256(path.read_bytes()).hexdigest()))
    return tuple(pieces)


@pytest.fixture
def split_model(tmp_path, monkeypatch):
    """A model spec whose files come from a split zip in tmp_path (no real 400 MB download)."""
    from assistant.encoders import model

    weights = b"weights of a tiny model"
    import hashlib

    parts = split_zip(tmp_path, {"tiny/model.safetensors": weights, "tiny/vocab.txt": b"group\ntherapy\n"}, 3)
    spec = replace(model.MPNET, key="tiny", weights_sha256=hashlib.sha256(weights).hexdigest(), parts=parts)
    monkeypatch.setattr(model, "_part_file", lambda spec, package, member: tmp_path / member)
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ASSISTANT_MODEL_DIR", raising=False)
    return spec


def test_a_split_model_is_joined_unpacked_and_verified_once(split_model, tmp_path):
    from assistant.encoders.model import model_dir

    folder = model_dir(split_model)
    assert folder == tmp_path / "cache" / "models" / "tiny"
    assert verify_weights(folder, split_model.weights_sha256) == split_model.weights_sha256
    assert (folder / "vocab.txt").read_text() == "group\ntherapy\n"
    for _, member, _ in split_model.parts:
        (tmp_path / member).unlink()  # unpacked once: the parts are not read again
    assert model_dir(split_model) == folder
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_a_tampered_part_is_refused_before_anything_is_unpacked(split_model, tmp_path):
    from assistant.encoders.model import model_dir

    flip_a_byte(tmp_path / split_model.parts[1][1], 5)
    with pytest.raises(ModelError, match=r"model.zip.002: sha256 does not match .* reinstall"):
        model_dir(split_model)
    assert not (tmp_path / "cache" / "models" / "tiny").exists()


def test_a_missing_part_package_says_how_to_install_it(monkeypatch, tmp_path):
    from assistant.encoders import model

    monkeypatch.delenv("ASSISTANT_MODEL_DIR", raising=False)
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path))
    spec = replace(model.MPNET, parts=(("no-such-package-for-tests", "x/part.001", "0" * 64),))
    with pytest.raises(ModelError, match=r"'no-such-package-for-tests' is not installed; .*\[mpnet\]"):
        model._unpacked(spec)
