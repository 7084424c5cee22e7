"""assistant/staff/name_training.py: the question log's name recogniser, updated on visitors' wording."""
import json
import shutil

import pytest

from assistant.errors import ModelError
from assistant.staff import name_training
from assistant.staff import redact as redaction
from tests.fakes import flip_a_byte


def test_the_shipped_recogniser_was_trained_on_the_current_data():
    # Editing names_training.yaml, a tuning set or the settings without retraining fails here.
    record = json.loads(name_training.RECORD.read_text(encoding="utf-8"))
    assert record["trained_on"] == name_training.digest(name_training.messages()), \
        "run `python -m assistant train-names`"


def test_the_sealed_blind_sets_are_not_trained_on():
    # A PII set is tuning data only once its first contact is in docs/privacy.md.
    privacy = (name_training.ROOT / "docs" / "privacy.md").read_text(encoding="utf-8")
    for name in name_training.TUNING_SETS:
        if "blind" in name:
            assert f"benchmarks/pii.py {name}" in privacy, f"{name} has no first-contact figures in docs/privacy.md"


def test_name_spans_are_every_whole_word_occurrence():
    text = "tell kayla that kaylah and kayla's mom called"
    assert name_training.name_spans(text, ["kayla"]) == [(5, 10), (27, 32)]  # not inside "kaylah"


def test_a_tampered_recogniser_is_refused(tmp_path):
    folder = tmp_path / "names_ner"
    shutil.copytree(name_training.OUT_DIR, folder)
    shutil.copy(name_training.RECORD, tmp_path / "names_ner.json")
    flip_a_byte(folder / "model", 2000)
    with pytest.raises(ModelError, match="sha256 .* is not the pinned"):
        redaction.Redactor(names_folder=folder)


def test_a_recogniser_without_its_record_says_how_to_fix_it(tmp_path):
    with pytest.raises(ModelError, match="train-names"):
        redaction.names_recogniser(tmp_path / "names_ner")
