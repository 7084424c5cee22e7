from assistant.knowledge import Entry
from assistant.responses import Hit, Response
from assistant.retrieval import Candidate
from assistant.settings import Settings
from assistant.staff.explain import explain

# Fixed here, not the defaults (which calibration moves): second_answer_gap 0.03 as shipped.
SETTINGS = Settings(min_score=0.71, min_margin=0.0, confident_score=0.75, crosslingual_min_score=1.18,
                    second_answer_gap=0.03)
ENTRIES = [Entry(id=f"e{n}", type="faq", question=f"Question {n}?", answer="A.") for n in range(3)]
NOT_DETECTED = {"detected": False}


def _ranked(*scores, not_covered=0.0):
    return [Candidate(position=n, score=s, dense=s - 0.1, lexical=0.2, classifier=0.1, not_covered=not_covered)
            for n, s in enumerate(scores)]


def _response(kind, ranked, shown=0, crisis=NOT_DETECTED):
    hits = [Hit(ENTRIES[c.position], c.score) for c in ranked]
    return Response(query="q", kind=kind, crisis=crisis, answers=hits[:shown], candidates=hits)


def test_an_answer_names_the_runner_up_and_why_it_was_not_shown():
    ranked = _ranked(0.90, 0.80, 0.70)
    why = explain(_response("answer", ranked, shown=1), SETTINGS, ranked, ENTRIES)
    assert why.outcome == "answered"
    assert "at least min_score 0.71" in why.reason and "runner-up (0.800) is not shown: 0.100 behind" in why.reason
    assert [r.entry_id for r in why.shown] == ["e0"] and why.runner_up.entry_id == "e1"
    assert why.ranked[0].dense == ranked[0].dense


def test_a_close_runner_up_is_shown_too():
    ranked = _ranked(0.90, 0.88)
    why = explain(_response("answer", ranked, shown=2), SETTINGS, ranked, ENTRIES)
    assert "is shown too" in why.reason and len(why.shown) == 2


def test_a_fallback_says_which_threshold_and_names_not_covered():
    ranked = _ranked(0.50, 0.45, not_covered=0.9)
    why = explain(_response("fallback", ranked), SETTINGS, ranked, ENTRIES)
    assert why.outcome == "fell back" and "below min_score 0.71" in why.reason
    assert "reads like the `not_covered:` list (probability 0.90)" in why.reason and why.not_covered == 0.9


def test_a_crisis_names_the_layer_that_fired():
    crisis = {"detected": True, "layer": "lexicon", "category": "suicide_self_harm", "third_party": True}
    why = explain(Response(query="q", kind="crisis", crisis=crisis), SETTINGS, None, None)
    assert why.outcome == "crisis reply"
    assert "the crisis screen fired (the lexicon layer, category suicide_self_harm, about someone else)" in why.reason
    ranked = _ranked(0.90, 0.80)
    below = explain(_response("crisis", ranked, shown=1, crisis=crisis), SETTINGS, ranked, ENTRIES)
    assert "; answers are shown below it: the best score 0.900 is at least min_score" in below.reason


def test_another_languages_ranking_is_its_own():
    ranked = _ranked(0.90, 0.80)
    other = Response(query="q", kind="answer", crisis=NOT_DETECTED, language="es",
                     answers=[Hit(ENTRIES[2], 1.21)], candidates=[Hit(ENTRIES[2], 1.21), Hit(ENTRIES[0], 0.5)])
    why = explain(other, SETTINGS, ranked, ENTRIES)
    assert "multilingual space" in why.reason and "reaches crosslingual_min_score 1.18" in why.reason
    assert [r.entry_id for r in why.ranked] == ["e2", "e0"] and why.shown[0].entry_id == "e2"
