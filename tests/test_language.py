"""assistant/language.py: the visitor's language, English when unsure, never an error."""
from __future__ import annotations

import pytest

from assistant import language


@pytest.mark.parametrize("text, code", [
    ("quiero matarme, ya no puedo más", "es"),
    ("eu quero morrer, não aguento mais", "pt"),
    ("je veux mourir, je n'en peux plus", "fr"),
    ("我想自杀", "zh"),
    ("انا اريد ان اموت", "ar"),
    ("tôi muốn chết", "vi"),
    ("how long does group therapy last", "en"),
])
def test_detects_the_languages_replies_exist_for(text, code):
    assert language.detect(text).code == code


@pytest.mark.parametrize("text", ["", "   ", "kms", "🪢", "ok", "how lng is group therapy"])
def test_unsure_or_empty_is_english(text):
    found = language.detect(text)
    assert found.code == "en"
    assert found.is_default


@pytest.mark.parametrize("text, code", [
    ("precio sesiones terapia grupal", "es"),   # the compact model: 0.18
    ("apoyo grupal familias adictos", "es"),    # 0.36
])
def test_a_second_detector_reads_short_messages_the_compact_model_is_unsure_of(text, code):
    assert language._load().detect(text, k=1)[0]["score"] < language.MIN_CONFIDENCE  # the case under test
    assert language.detect(text).code == code


@pytest.mark.parametrize("text", ["hey", "how lng is group therapy", "kms"])
def test_short_english_stays_english_with_the_second_detector(text):
    assert language.second_opinion(text).code == "en"


def test_without_the_second_detector_an_unsure_message_is_english(monkeypatch):
    def missing():
        raise ImportError("No module named 'lingua'")

    monkeypatch.setattr(language, "_load_second", missing)
    assert language.detect("precio sesiones terapia grupal") == language.Language("en", 0.0)


def test_a_broken_detector_answers_english(monkeypatch):
    def broken():
        raise RuntimeError("model file unreadable")

    monkeypatch.setattr(language, "_load", broken)
    assert language.detect("quiero matarme") == language.Language("en", 0.0)


def test_the_model_file_is_the_pinned_one(monkeypatch, tmp_path):
    fake = tmp_path / language.MODEL_FILE
    fake.write_bytes(b"not the model")
    monkeypatch.setattr(language, "model_path", lambda: fake)
    monkeypatch.setattr(language, "_detector", None)
    with pytest.raises(Exception, match="sha256"):
        language._load()
