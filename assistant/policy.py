"""Answer policy: decide between showing vetted answers and a kind fallback.

Show the best entry when its score clears an absolute floor and either leads the
runner-up by a margin or is confidently high. A runner-up within a small gap of the
best is shown too (an FAQ and an article passage often answer the same question).
Thresholds live in Settings and were calibrated on the tune split of the seed
evaluation set (`python -m assistant eval --calibrate`).
"""
from __future__ import annotations

from dataclasses import dataclass

from assistant.retrieval import Candidate
from assistant.settings import Settings


@dataclass(frozen=True)
class Decision:
    confident: bool
    shown: list[Candidate]
    reason: str


def decide(candidates: list[Candidate], settings: Settings) -> Decision:
    if not candidates:
        return Decision(False, [], "the knowledge base is empty")
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if best.score < settings.min_score:
        return Decision(False, [], f"best score {best.score:.3f} is below {settings.min_score}")
    margin = best.score - runner_up
    if margin < settings.min_margin and best.score < settings.confident_score:
        return Decision(False, [], f"best score {best.score:.3f} leads by only {margin:.3f}")
    shown = [best]
    for other in candidates[1:settings.max_answers]:
        if best.score - other.score <= settings.second_answer_gap and other.score >= settings.min_score:
            shown.append(other)
    return Decision(True, shown, "confident")
