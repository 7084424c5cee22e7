"""assistant/crisis/classifier.py and training.py: the multilingual crisis classifier."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from assistant.crisis import classifier as classifier_module
from assistant.crisis.classifier import (
    DIMENSION,
    WEIGHTS_FILE,
    CrisisClassifier,
    MultilingualEncoder,
    SupportVectors,
    Thresholds,
    message_rows,
    paired_features,
)
from assistant.crisis.rules import CATEGORY_PRIORITY
from assistant.crisis.training import TRAINING_FILE, digest, examples
from assistant.errors import ModelError

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "knowledge" / "eval" / "crisis_messages.yaml"


@pytest.fixture(scope="module")
def classifier() -> CrisisClassifier:
    return CrisisClassifier.load()


def test_the_shipped_weights_were_trained_on_the_current_data(classifier):
    # Editing training.yaml, the exemplars, the lexicon or the tune split without retraining fails here.
    from assistant.encoders.model import WEIGHTS_SHA256

    assert classifier.trained_on == digest(examples(LABELLED), WEIGHTS_SHA256), "run `python -m assistant train-crisis`"


def test_thresholds_are_ordered(classifier):
    for part in (classifier.paired, classifier.alone):
        t = part.thresholds
        assert 0 < t.never_log <= t.check_in <= t.crisis < 1
        # The lexicon bar may land a hair above the crisis bar (paired, 2026-12-02: 0.5497 and 0.5495): a
        # topic word then adds nothing the classifier does not already detect, which is safe.
        assert t.never_log <= t.lexicon < 1
    assert classifier.never_log == min(classifier.paired.thresholds.never_log, classifier.alone.thresholds.never_log)


def test_holdout_messages_are_never_trained_on():
    holdout = {case["text"] for key in ("crisis", "benign")
               for case in yaml.safe_load(LABELLED.read_text(encoding="utf-8"))[key] if case["split"] == "holdout"}
    assert holdout and not holdout & {e.text for e in examples(LABELLED)}


def test_training_data_has_every_category_and_the_languages_replies_exist_for():
    data = yaml.safe_load(TRAINING_FILE.read_text(encoding="utf-8"))
    crisis_languages = {c["language"] for c in data["crisis"]}
    assert {"en", "es", "pt", "fr", "zh", "ar", "vi"} <= crisis_languages
    assert {c["category"] for c in data["crisis"]} == set(CATEGORY_PRIORITY)


@pytest.fixture(scope="module")
def answering():
    from assistant.encoders import reference_encoder

    return reference_encoder()


def scored(classifier, answering, text, part):
    """One text through the part named: "alone" (multilingual only) or "paired" (with the answering model)."""
    paired = answering.encode([text]) if part == "paired" else None
    return classifier.scores_of(classifier.encoder.encode([text]), paired)[0]


@pytest.mark.parametrize("part", ["paired", "alone"])
@pytest.mark.parametrize("text", [
    "quiero matarme esta noche, ya tengo las pastillas",
    "eu não aguento mais, quero morrer hoje",
    "我今晚想结束自己的生命",
    "I have the rope ready and I'm saying goodbye tonight",
])
def test_reads_crisis_in_several_languages(classifier, answering, text, part):
    score = scored(classifier, answering, text, part)
    assert score.thresholds == getattr(classifier, part).thresholds
    assert score.crisis >= score.thresholds.crisis


@pytest.mark.parametrize("part", ["paired", "alone"])
@pytest.mark.parametrize("text", [
    "cuánto dura la terapia de grupo",
    "how long does group therapy last in aftercare",
    "est-ce que les groupes sont confidentiels ?",
])
def test_program_questions_score_low(classifier, answering, text, part):
    score = scored(classifier, answering, text, part)
    assert score.crisis < score.thresholds.never_log


@pytest.mark.parametrize("part", ["paired", "alone"])
def test_a_thumbs_up_is_not_read_as_a_rope(classifier, answering, part):
    # Both encoders read every emoji as one unknown token: before emoji were named, 👍, 🙏, 🪢 and 🔫 had
    # the same vector and the same risk, so thank-yous got the check-in (docs/crisis.md, batch 9).
    thumbs, thanks = (scored(classifier, answering, message_rows(text)[0], part) for text in ("👍", "🙏❤️"))
    rope, gun = (scored(classifier, answering, message_rows(text)[0], part) for text in ("🪢", "🔫😔 bye"))
    assert max(thumbs.crisis, thanks.crisis) < thumbs.thresholds.check_in
    assert min(rope.crisis, gun.crisis) >= rope.thresholds.check_in


def test_the_paired_part_needs_the_answering_model_it_was_trained_with(classifier):
    from assistant.encoders.model import WEIGHTS_SHA256

    assert classifier.answering_model == WEIGHTS_SHA256
    assert CrisisClassifier.load(encoder=classifier.encoder, answering_model=WEIGHTS_SHA256).paired is not None
    other = CrisisClassifier.load(encoder=classifier.encoder, answering_model="0" * 64)
    assert other.paired is None  # another model's vectors would be read as if they were MiniLM's
    vectors = classifier.encoder.encode(["test message"])
    assert other.scores_of(vectors, np.ones((1, 384))) == classifier.scores_of(vectors)  # the alone part
    # a vector of the wrong size (another model) is never paired
    assert classifier.scores_of(vectors, np.ones((1, 768)))[0].thresholds == classifier.alone.thresholds


def test_paired_features_have_unit_length():
    rng = np.random.default_rng(1)
    rows = paired_features(rng.normal(size=(3, DIMENSION)), rng.normal(size=(3, 384)) * 7)
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, rtol=1e-5)


def test_names_the_kind_of_crisis(classifier):
    assert classifier.scores(["my friend took a bunch of pills and his lips are blue, he won't wake up"])[0].category \
        == "overdose_poisoning"


def test_numpy_decision_matches_scikit_learns():
    from sklearn.svm import SVC

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, DIMENSION)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = rng.integers(0, 2, 60).astype(bool)
    svm = SVC(C=4.0, gamma=2.0).fit(x, y)
    ours = SupportVectors(svm.support_vectors_, svm.dual_coef_[0], svm.intercept_[0], 2.0, Thresholds(0.5, 0.5, 0.5))
    np.testing.assert_allclose(ours.decision_of(x), svm.decision_function(x), rtol=1e-4, atol=1e-4)
    assert ours.support.shape == svm.support_vectors_.shape


@pytest.mark.parametrize("repeat", range(3))
def test_concurrent_messages_each_get_their_own_decision(repeat):
    # Under load the requests' messages share one pass over the support vectors (combine.py): each
    # must still get the decision of its own vector, whichever messages it ran with. The first pass is
    # held until every other message waits, so they share the second one.
    import threading

    from sklearn.svm import SVC

    rng = np.random.default_rng(repeat)
    x = rng.normal(size=(40, DIMENSION)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    svm = SVC(C=4.0, gamma=2.0).fit(x[:30], rng.integers(0, 2, 30).astype(bool))
    ours = SupportVectors(svm.support_vectors_, svm.dual_coef_[0], svm.intercept_[0], 2.0, Thresholds(0.5, 0.5, 0.5))
    passes, first, release = ours._decisions, threading.Event(), threading.Event()
    direct = passes.function

    def held(rows):
        first.set()
        release.wait(timeout=10)
        return direct(rows)

    passes.function = held
    got = [None] * len(x)

    def message(i):
        got[i] = ours.decision_of(x[i:i + 1])[0]

    threads = [threading.Thread(target=message, args=(i,)) for i in range(len(x))]
    threads[0].start()
    assert first.wait(timeout=10)
    for thread in threads[1:]:
        thread.start()
    for _ in range(2000):
        if len(passes._waiting) == len(x) - 1:
            break
        threading.Event().wait(0.005)
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    np.testing.assert_allclose(np.array(got, dtype=np.float64), svm.decision_function(x), rtol=1e-4, atol=1e-4)
    assert passes.runs == 2  # the first message alone, the other 39 in one pass


def test_save_and_load_round_trip(classifier, tmp_path):
    path = tmp_path / "classifier.npz"
    classifier.save(path)
    again = CrisisClassifier.load(path, classifier.encoder)
    assert again.categories == classifier.categories and again.answering_model == classifier.answering_model
    assert again.alone.thresholds == classifier.alone.thresholds and again.paired.thresholds == classifier.paired.thresholds
    vectors = classifier.encoder.encode(["test message"])
    paired = np.ones((1, 384), dtype=np.float32)
    assert again.scores_of(vectors) == classifier.scores_of(vectors)
    assert again.scores_of(vectors, paired) == classifier.scores_of(vectors, paired)


def test_unreadable_weights_say_how_to_fix_it(tmp_path):
    broken = tmp_path / "classifier.npz"
    broken.write_bytes(b"not numpy")
    with pytest.raises(ModelError, match="train-crisis"):
        CrisisClassifier.load(broken)


def test_model_files_are_checked_against_their_sha256(monkeypatch, tmp_path):
    for name in classifier_module.USE_FILES:
        (tmp_path / name).write_bytes(b"tampered")
    monkeypatch.setattr(MultilingualEncoder, "resources", staticmethod(lambda: tmp_path))
    with pytest.raises(ModelError, match="sha256"):
        MultilingualEncoder().encode(["hello"])


def test_message_rows_keep_the_message_as_typed_with_emoji_as_their_names():
    assert message_rows("  🪢   ") == ["rope"]  # the screen's own word for it
    assert message_rows("ok 👍 thanks 🙏") == ["ok thumbs up thanks folded hands"]
    assert message_rows("i cant anymore") == ["i cant anymore"]
    assert message_rows("") == []
    long_message = "the group is fine. " * 500 + "i wont be here next week"
    (row,) = message_rows(long_message)
    assert len(row) <= classifier_module.MAX_CHARS + 3 and row.endswith("i wont be here next week")


def test_weights_file_is_package_data():
    assert WEIGHTS_FILE.is_file() and WEIGHTS_FILE.parent.name == "data"
