"""The answer policy: a vetted answer only when the best match is clearly good enough."""
import pytest

from assistant.policy import decide
from assistant.retrieval import Candidate
from assistant.settings import Settings

SETTINGS = Settings(min_score=0.7, min_margin=0.05, confident_score=0.9, max_answers=2, second_answer_gap=0.03)


def ranked(*scores: float) -> list[Candidate]:
    return [Candidate(position=i, score=s, dense=s, lexical=0.0) for i, s in enumerate(scores)]


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
