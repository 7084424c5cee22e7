"""The answer policy: a vetted answer only when the best match is clearly good enough."""
import pytest

from assistant.policy import decide
from assistant.retrieval import Candidate
from assistant.settings import Settings

SETTINGS = Settings(min_score=0.7, min_margin=0.05, confident_score=0.9, max_answers=2, second_answer_gap=0.03)


def ranked(*scores: float, multilingual: bool = True) -> list[Candidate]:
    return [Candidate(position=i, score=s, dense=s, lexical=0.0, multilingual=multilingual)
            for i, s in enumerate(scores)]


def test_nothing_to_rank_is_a_fallback():
    assert not decide([], SETTINGS).confident


@pytest.mark.parametrize("scores, confident, shown", [
    ((0.65, 0.1), False, []),          # below the floor
    ((0.80, 0.78), False, []),         # above the floor but too close to the runner-up
    ((0.80, 0.70), True, [0]),         # clear lead
    ((0.95, 0.94), True, [0, 1]),      # confidently high: no lead needed, and a close second is shown
    ((0.95, 0.90), True, [0]),         # second too far behind to be shown
    ((0.95, 0.94, 0.94), True, [0, 1]),  # never more than max_answers
])
def test_decisions(scores, confident, shown):
    decision = decide(ranked(*scores), SETTINGS)
    assert decision.confident is confident
    assert [c.position for c in decision.shown] == shown
    assert decision.reason


def test_a_ranking_without_the_multilingual_similarity_is_read_against_the_plain_bars():
    settings = SETTINGS.model_copy(update=dict(plain_min_score=0.85, plain_min_margin=0.2, plain_confident_score=0.99))
    assert decide(ranked(0.80, 0.70), settings).confident           # with it: clears 0.7 and leads by 0.1
    missing = decide(ranked(0.80, 0.70, multilingual=False), settings)
    assert not missing.confident and "0.85" in missing.reason       # without it: below the plain floor
    assert not decide(ranked(0.90, 0.80, multilingual=False), settings).confident  # lead 0.1 < 0.2
    assert decide(ranked(0.90, 0.60, multilingual=False), settings).confident


def test_settings_that_add_no_multilingual_similarity_keep_their_own_bars():
    settings = SETTINGS.model_copy(update=dict(multilingual_weight=0.0, multilingual_classifier_weight=0.0,
                                               plain_min_score=1.5))
    assert decide(ranked(0.80, 0.70, multilingual=False), settings).confident
