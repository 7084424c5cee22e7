"""The crisis screen: floors on our labelled sets, the lexicon without the model, fail-safe behaviour."""
from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.crisis import CATEGORIES
from assistant.crisis.normalise import normalise
from assistant.evaluation.crisis import calibrate_thresholds
from tests.conftest import CRISIS_SET as EVAL


def test_labelled_sets_are_big_enough_and_cover_every_category_and_failure_mode(messages):
    crisis = [m for m in messages if m.is_crisis]
    benign = [m for m in messages if not m.is_crisis]
    assert len(crisis) >= 200 and len(benign) >= 200
    assert {m.category for m in crisis} == set(CATEGORIES)
    modes = {m.mode for m in crisis}
    for mode in ("direct", "slang", "misspelling", "leetspeak", "spacing", "indirect", "means",
                 "third_person", "mixed_faq", "negation_ambiguous", "hyperbole_risky"):
        assert mode in modes, mode
    for mode in ("recovery", "idiom", "tech", "near_miss", "history", "informational"):
        assert mode in {m.mode for m in benign}, mode
    # the holdout was 30% when it was written (first); the blind batches go to tune after their first
    # contact is recorded (docs/crisis.md), so its share shrinks while it stays whole and untrained on
    holdout = [m for m in messages if m.split == "holdout"]
    assert len(holdout) >= 130 and {m.category for m in holdout if m.is_crisis} == set(CATEGORIES)


def test_report_formats_and_serialises(report):
    text = report.format()
    assert "holdout" in text and "lexicon only" in text
    json.dumps(report.to_dict())
    assert report.timing["lexicon_median_us"] < 1000  # tens of µs on a laptop; a loose ceiling here


def test_thresholds_come_from_the_tune_split(screen):
    with pytest.raises(ValueError):
        calibrate_thresholds(screen, EVAL, split="holdout")


def test_exemplars_are_not_copies_of_evaluation_messages(lexicon_screen, messages):
    evaluation = {normalise(m.text) for m in messages}
    exemplars = lexicon_screen.crisis_exemplars + lexicon_screen.benign_exemplars
    copied = [e.text for e in exemplars if normalise(e.text) in evaluation]
    assert copied == []


def test_no_exemplar_paraphrases_a_holdout_message(screen, messages):
    # keeps the holdout honest: nothing in exemplars.yaml may sit within 0.80 cosine of it
    holdout = [m.text for m in messages if m.split == "holdout"]
    vectors = screen._as_rows(screen._encode(holdout), len(holdout))
    exemplar_matrix = np.vstack([screen._crisis_matrix, screen._benign_matrix])
    assert float((exemplar_matrix @ vectors.T).max()) < 0.80
