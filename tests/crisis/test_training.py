"""assistant/crisis/training.py: what the classifier learns from, and how its thresholds are chosen."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.crisis import training
from assistant.crisis.classifier import CrisisClassifier
from assistant.errors import KnowledgeError


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_examples_read_the_tune_split_only(tmp_path, monkeypatch):
    monkeypatch.setattr(training, "TRAINING_FILE", write(tmp_path / "t.yaml",
                        'crisis:\n  - {text: "a", category: suicide_self_harm, language: es}\nbenign:\n  - {text: "b"}\n'))
    labelled = write(tmp_path / "l.yaml", 'crisis:\n  - {text: "tuned", category: overdose_poisoning, split: tune}\n'
                     '  - {text: "held out", category: overdose_poisoning, split: holdout}\nbenign:\n'
                     '  - {text: "fine", split: tune}\n')
    texts = {e.text: e for e in training.examples(labelled)}
    assert "tuned" in texts and "fine" in texts and "held out" not in texts
    assert texts["a"].language == "es" and texts["b"].label == training.BENIGN


def test_an_unknown_category_is_refused_with_the_file_named(tmp_path, monkeypatch):
    monkeypatch.setattr(training, "TRAINING_FILE", write(tmp_path / "t.yaml",
                        'crisis:\n  - {text: "a", category: sadness}\nbenign: []\n'))
    with pytest.raises(KnowledgeError, match="unknown category sadness"):
        training.examples(None)


def test_an_unknown_category_in_the_labelled_set_names_that_file_and_line(tmp_path, monkeypatch):
    # a blind batch folded in with its writer's own category names (batch 22): the training file was named, line 1
    monkeypatch.setattr(training, "TRAINING_FILE", write(tmp_path / "t.yaml",
                        'crisis:\n  - {text: "a", category: suicide_self_harm}\nbenign: []\n'))
    labelled = write(tmp_path / "l.yaml", 'crisis:\n  - {text: "x", category: suicide_self_harm, split: tune}\n'
                     '  - {text: "y", category: "danger_situation", split: tune}\nbenign: []\n')
    with pytest.raises(KnowledgeError) as error:
        training.examples(labelled)
    problem = error.value.problems[0]
    assert (problem.file, problem.line) == (str(labelled), 3) and "danger_situation" in problem.message


def test_the_digest_follows_the_examples():
    first = [training.Example("a", "benign", "en", "x")]
    model = "a" * 64
    assert training.digest(first, model) == training.digest(list(first), model)
    assert training.digest(first, model) != training.digest([training.Example("a", "suicide_self_harm", "en", "x")], model)
    assert training.digest(first, model) != training.digest(first, "b" * 64)  # another answering model: retrain


def test_the_cut_keeps_false_alarms_within_the_rate():
    scores = np.linspace(0, 1, 101)
    cut = training._cut_for_alarms(scores, 0.03)
    assert (scores >= cut).mean() <= 0.03 and (scores >= np.nextafter(cut, 0) - 0.01).mean() > 0.03


class WordEncoder:
    """Two directions: messages with "die" point one way, the rest the other (no model needed)."""

    def encode(self, texts):
        rows = np.zeros((len(texts), 512), dtype=np.float32)
        for i, text in enumerate(texts):
            rows[i, 0 if "die" in text else 1] = 1.0
            rows[i, 2 + len(text) % 100] = 0.3  # a little spread, so folds differ
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


class AnsweringEncoder:
    """Stands for the answering model (384 dimensions): "die" one way, the rest another."""

    def encode(self, texts):
        rows = np.zeros((len(texts), 384), dtype=np.float32)
        for i, text in enumerate(texts):
            rows[i, 5 if "die" in text else 6] = 1.0
            rows[i, 10 + len(text) % 50] = 0.2
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_training_end_to_end_on_separable_data(tmp_path, monkeypatch):
    kinds = ("suicide_self_harm", "overdose_poisoning")
    crisis = "".join(f'  - {{text: "i want to die {i}", category: {kinds[i % 2]}}}\n' for i in range(40))
    benign = "".join(f'  - {{text: "group schedule {i}"}}\n' for i in range(40))
    monkeypatch.setattr(training, "TRAINING_FILE", write(tmp_path / "t.yaml", f"crisis:\n{crisis}benign:\n{benign}"))
    data = tmp_path / "data"
    data.mkdir()
    write(data / "exemplars.yaml", "exemplars: {}\n")  # only the examples above
    write(data / "lexicon.yaml", "# digest input\n")
    monkeypatch.setattr(training, "DATA_DIR", data)
    out = tmp_path / "classifier.npz"
    answering = AnsweringEncoder()
    figures = training.train(None, answering, "a" * 64, out=out, encoder=WordEncoder())
    model = CrisisClassifier.load(out, WordEncoder())
    for part in ("paired", "alone"):
        t = getattr(model, part).thresholds
        assert t.never_log <= t.check_in <= t.crisis
        assert figures[part]["out_of_fold_on_tune"]["false_alarms"] <= training.TOTAL_ALARMS
    danger, schedule = "i just want to die now", "group schedule please"
    assert model.scores([danger])[0].crisis > model.scores([schedule])[0].crisis
    paired = model.scores([danger, schedule], answering.encode([danger, schedule]))
    assert paired[0].crisis > paired[1].crisis and paired[0].thresholds == model.paired.thresholds
