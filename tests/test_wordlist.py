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
