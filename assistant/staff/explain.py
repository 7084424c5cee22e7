"""Why a question got the reply it got, in staff's words: the staff page's test pane.

Pure: from the reply (`Response`), the settings it was answered with and the retriever's ranking
with its parts (`Candidate`: embedding, lexical, classifier, coverage, not-covered), it says which
entries were shown, which was the runner-up, and which rule of the answer policy (policy.py) or
which crisis layer decided.
"""
from __future__ import annotations

from dataclasses import dataclass

from assistant.policy import decide
from assistant.responses import Response
from assistant.retrieval import Candidate
from assistant.settings import Settings

# Above this probability the not-covered detector is named as a reason for a fallback.
NOT_COVERED_NAMED = 0.5


@dataclass(frozen=True)
class RankedEntry:
    entry_id: str
    heading: str
    score: float
    dense: float | None = None
    lexical: float | None = None
    classifier: float | None = None
    shown: bool = False


@dataclass(frozen=True)
class Explanation:
    outcome: str  # "answered", "fell back", "crisis"
    reason: str
    ranked: tuple[RankedEntry, ...]
    not_covered: float | None = None  # probability the question is like the `not_covered:` list
    coverage: float | None = None  # share of the question's words the knowledge uses

    @property
    def shown(self) -> tuple[RankedEntry, ...]:
        return tuple(r for r in self.ranked if r.shown)

    @property
    def runner_up(self) -> RankedEntry | None:
        return self.ranked[1] if len(self.ranked) > 1 else None


def _crisis_reason(crisis: dict) -> str:
    parts = [f"the {crisis.get('layer') or 'crisis'} layer"]
    if crisis.get("category"):
        parts.append(f"category {crisis['category']}")
    if crisis.get("third_party"):
        parts.append("about someone else")
    if crisis.get("check_in"):
        parts.append("a short, unclear message: the gentle check-in")
    return "the crisis screen fired (" + ", ".join(parts) + "): the crisis reply with the region's lines comes first"


def _policy_reason(ranked: list[Candidate], settings: Settings) -> str:
    decision = decide(ranked, settings)
    if not ranked:
        return "the knowledge base is empty"
    best, second = ranked[0].score, (ranked[1].score if len(ranked) > 1 else None)
    if not decision.confident:
        if best < settings.min_score:
            reason = f"the best score {best:.3f} is below min_score {settings.min_score}"
        else:
            reason = (f"the best score {best:.3f} leads the runner-up by only {best - (second or 0):.3f} "
                      f"(min_margin {settings.min_margin}) and is below confident_score {settings.confident_score}")
        if ranked[0].not_covered >= NOT_COVERED_NAMED:
            reason += (f"; the question reads like the `not_covered:` list (probability {ranked[0].not_covered:.2f}), "
                       f"which took {settings.not_covered_weight * ranked[0].not_covered:.2f} off every score")
        return reason
    reason = f"the best score {best:.3f} is at least min_score {settings.min_score}"
    if second is not None:
        if len(decision.shown) > 1:
            reason += (f"; the runner-up ({second:.3f}) is shown too: within second_answer_gap "
                       f"{settings.second_answer_gap} of the best")
        else:
            reason += (f"; the runner-up ({second:.3f}) is not shown: {best - second:.3f} behind the best "
                       f"(shown only within second_answer_gap {settings.second_answer_gap}, at most "
                       f"max_answers {settings.max_answers})")
    return reason


def explain(response: Response, settings: Settings, ranked: list[Candidate] | None = None,
            entries: list | None = None) -> Explanation:
    """`ranked` and `entries`: the retriever's ranking of the question and the served entries (its
    positions index them); without them, the reply's own candidates (scores only) are used."""
    shown_ids = {hit.entry.id for hit in response.answers}
    if ranked is not None and entries is not None:
        rows = tuple(RankedEntry(entries[c.position].id, entries[c.position].heading, c.score, c.dense, c.lexical,
                                 c.classifier, entries[c.position].id in shown_ids) for c in ranked)
        same = [r.entry_id for r in rows] == [h.entry.id for h in response.candidates]
    else:
        rows = tuple(RankedEntry(h.entry.id, h.entry.heading, h.score, shown=h.entry.id in shown_ids)
                     for h in response.candidates)
        same = False
    if not same and response.candidates:  # matched another way (another language): its own ranking
        rows = tuple(RankedEntry(h.entry.id, h.entry.heading, h.score, shown=h.entry.id in shown_ids)
                     for h in response.candidates)
    first = ranked[0] if ranked else None
    extras = dict(not_covered=first.not_covered if first else None, coverage=first.coverage if first else None)
    outcome = {"answer": "answered", "fallback": "fell back", "crisis": "crisis reply"}[response.kind]
    if not response.candidates:
        why = response.message.split("\n")[0] if response.message else "no entries were ranked"
        reason = _crisis_reason(response.crisis) + "; no answers" if response.kind == "crisis" else \
            f"no answer was looked for: {why}"
        return Explanation(outcome, reason, rows, **extras)
    if ranked and same:
        policy = _policy_reason(ranked, settings)
    else:
        best = response.candidates[0].score
        policy = (f"the question was matched in the multilingual space (the question is in {response.language!r}): the best score "
                  f"{best:.3f} {'reaches' if best >= settings.crosslingual_min_score else 'is below'} "
                  f"crosslingual_min_score {settings.crosslingual_min_score}")
    if response.kind == "crisis":
        below = "answers are shown below it" if response.answers else "no answer below it"
        reason = f"{_crisis_reason(response.crisis)}; {below}: {policy}"
    else:
        reason = policy
    return Explanation(outcome, reason, rows, **extras)
