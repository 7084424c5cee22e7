import pytest

from assistant import wordlist
from assistant.errors import ModelError


def test_the_english_word_list_knows_words_and_not_misspellings():
    words = wordlist.english_words()
    assert {"tougher", "reconnect", "what's", "group"} <= words
    assert not {"groop", "benifits", "sucess"} & words
    assert wordlist.english_words() is words  # read once per process


def test_a_changed_word_list_is_refused(monkeypatch, tmp_path):
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "en.json.gz").write_bytes(b"not the pinned list")
    monkeypatch.setattr(wordlist, "_words", None)
    monkeypatch.setattr(wordlist, "package_dir", lambda: tmp_path)
    with pytest.raises(ModelError, match=r"en.json.gz: sha256 .* \(the English word list\)"):
        wordlist.english_words()


def test_german_and_french_common_words_leave_out_names_at_the_lists_floor():
    german = wordlist.common_words("de")
    assert {"samstag", "tochter", "guten"} <= german
    assert not {"müller", "schmidt"} & german          # counted at the floor, like rare nouns
    assert "appelez" in wordlist.common_words("fr")
    assert wordlist.common_words("es") == frozenset()  # its common words hold surnames ("garcía")
    assert wordlist.common_words("de") is german


def test_a_changed_german_list_is_refused(monkeypatch, tmp_path):
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "de.json.gz").write_bytes(b"not the pinned list")
    monkeypatch.setattr(wordlist, "_common", {})
    monkeypatch.setattr(wordlist, "package_dir", lambda: tmp_path)
    with pytest.raises(ModelError, match=r"de.json.gz: sha256 .* \(the word list for 'de'\)"):
        wordlist.common_words("de")


def test_everyday_english_words_are_not_rare_surnames():
    everyday = wordlist.everyday_english_words()
    assert {"read", "brown", "appointment"} <= everyday
    assert not {"ramirez", "smith", "patel"} & everyday
