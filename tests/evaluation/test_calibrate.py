"""calibrate() on a made-up ranking (no model): it must choose the penalties as well as the thresholds."""
import numpy as np

from assistant.evaluation.answers import calibrate
from assistant.knowledge import Entry
from assistant.retrieval import Candidate
from assistant.settings import Settings
from tests.conftest import write

ENTRIES = [Entry(id="faq-a", type="faq", question="A?", answer="A."),
           Entry(id="faq-b", type="faq", question="B?", answer="B.")]


class RankedAlready:
    """A retriever whose rankings are given: in-scope questions score 0.8 for faq-a; out-of-scope ones score
    1.0 before the penalty but read like the `not_covered:` list (probability 0.8), so no threshold alone
    separates them: only a penalty weight above 0.25 puts them under the in-scope ones."""

    unknown_word_penalty = 0.4
    not_covered_weight = 0.25

    def query_variants(self, question):
        return [question]

    def rank(self, question, vectors, k=10):
        outside = question.startswith("cost")
        penalty = self.not_covered_weight * (0.8 if outside else 0.0)
        best = 1.0 if outside else 0.8
        return [Candidate(0, best - penalty, 0.8, 0.1, not_covered=0.8 if outside else 0.0),
                Candidate(1, 0.3 - penalty, 0.2, 0.1, not_covered=0.8 if outside else 0.0)]


class NoModel:
    def encode(self, texts):
        return np.zeros((len(texts), 4), dtype=np.float32)


def test_calibrate_raises_the_not_covered_penalty_until_out_of_scope_questions_fall_back(tmp_path):
    labelled = write(tmp_path / "set.yaml", "split: tune\nin_scope:\n"
                     + "".join(f"  - query: question {n}\n    expect: [faq-a]\n" for n in range(10))
                     + "out_of_scope:\n" + "".join(f"  - query: cost {n}\n" for n in range(10))
                     + "  - query: cost, held out\n    split: holdout\n")
    chosen, tune, held_out = calibrate(RankedAlready(), NoModel(), ENTRIES, Settings(), labelled)
    assert tune.answered_correctly == 1.0 and tune.abstention == 1.0, tune.to_dict()
    # 1.0 - w * 0.8 must fall under min_score while 0.8 stays above it: only a weight above 0.25 does that
    assert chosen.not_covered_weight > 0.25 and 1.0 - chosen.not_covered_weight * 0.8 < chosen.min_score <= 0.8
    assert held_out.out_of_scope == 1 and held_out.abstention == 1.0  # scored with the chosen penalty too


class RankedByKind:
    """A retriever without penalties whose questions read "<kind> <number>": `top(kind, number)` gives the
    first entry's position and score; the other entry ranks 0.3 below."""

    unknown_word_penalty = 0.0
    not_covered_weight = 0.0

    def __init__(self, top):
        self.top = top

    def query_variants(self, question):
        return [question]

    def rank(self, question, vectors, k=10):
        kind, number = question.split()
        top, score = self.top(kind, int(number))
        return [Candidate(top, score, score, 0.0), Candidate(1 - top, score - 0.3, score - 0.3, 0.0)]


def labelled_set(path, sure: int, unsure: int):
    return write(path, "split: tune\nin_scope:\n"
                 + "".join(f"  - query: sure {n}\n    expect: [faq-a]\n" for n in range(sure))
                 + "".join(f"  - query: unsure {n}\n    expect: [faq-a]\n" for n in range(unsure))
                 + "out_of_scope:\n" + "".join(f"  - query: cost {n}\n" for n in range(10)))


def test_calibrate_keeps_wrong_answers_under_three_percent_before_adding_right_ones(tmp_path):
    # In scope: 90 questions rank faq-a (right) at 1.0; 5 rank faq-a at 0.6 and 5 rank faq-b (wrong) at 0.6.
    # Out of scope: 10 at 0.3. Showing everything above 0.4 gives 95% right and 5% wrong; only a bar above
    # 0.6 keeps wrong answers under 3% (90% right, none wrong).
    retriever = RankedByKind(lambda kind, n: {"sure": (0, 1.0), "unsure": (n % 2, 0.6), "cost": (0, 0.3)}[kind])
    chosen, tune, _ = calibrate(retriever, NoModel(), ENTRIES, Settings(), labelled_set(tmp_path / "set.yaml", 90, 10))
    assert tune.answered_wrong <= 0.03 and tune.answered_correctly == 0.9, tune.to_dict()
    assert 0.6 < chosen.min_score <= 1.0


def test_calibrate_does_not_buy_right_answers_with_almost_as_many_wrong_ones(tmp_path):
    # In scope: 95 questions rank faq-a (right) at 1.0; 5 more at 0.7, three ranking faq-a (right) and two
    # faq-b (wrong). Out of scope: 10 at 0.3. Showing the five stays within both bars (98% right, 2% wrong)
    # but buys three right answers with two wrong ones.
    retriever = RankedByKind(lambda kind, n: {"sure": (0, 1.0), "unsure": (0 if n < 3 else 1, 0.7),
                                              "cost": (0, 0.3)}[kind])
    chosen, tune, _ = calibrate(retriever, NoModel(), ENTRIES, Settings(), labelled_set(tmp_path / "set.yaml", 95, 5))
    assert tune.answered_wrong == 0.0 and tune.answered_correctly == 0.95, tune.to_dict()
    assert 0.7 < chosen.min_score <= 1.0
