"""The lexical signal: the knowledge's words (stopwords dropped), saved and loaded with the build."""
import numpy as np
import pytest

from assistant.errors import IndexError_
from assistant.index.lexical import TOKEN, build_lexical, load_lexical, save_lexical, stopwords, tokenize


def test_the_word_pattern_and_stopwords_are_bm25s_own():
    assert TOKEN.findall("a group's 12-step aftercare") == ["group", "12", "step", "aftercare"]
    assert {"the", "and", "is"} <= stopwords() and "aftercare" not in stopwords()
    assert tokenize(["the aftercare group"]).vocab.keys() == {"aftercare", "group"}


def test_saved_and_loaded_it_scores_the_same(tmp_path):
    lexical = build_lexical(["group therapy lasts months", "aftercare is support after treatment"])
    save_lexical(tmp_path, lexical)
    loaded = load_lexical(tmp_path)
    query = tokenize(["aftercare support"]).ids[0]
    assert np.allclose(lexical.get_scores(query), loaded.get_scores(query))


def test_an_unreadable_lexical_index_is_an_index_error(tmp_path):
    (tmp_path / "lexical").mkdir()
    with pytest.raises(IndexError_, match="lexical"):
        load_lexical(tmp_path)
