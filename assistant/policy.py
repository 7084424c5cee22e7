"""Answer policy: decide between showing vetted answers and a kind fallback.

Show the best entry when its score clears an absolute floor and either leads the
runner-up by a margin or is confidently high (bars of their own where the multilingual
model's similarity is missing from the scores: `bars`). A runner-up within a small gap of the
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
    min_score, min_margin, confident_score = bars(settings, best.multilingual)
    if best.score < min_score:
        return Decision(False, [], f"best score {best.score:.3f} is below {min_score}")
    margin = best.score - runner_up
    if margin < min_margin and best.score < confident_score:
        return Decision(False, [], f"best score {best.score:.3f} leads by only {margin:.3f}")
    shown = [best]
    for other in candidates[1:settings.max_answers]:
        if best.score - other.score <= settings.second_answer_gap and other.score >= min_score:
            shown.append(other)
    return Decision(True, shown, "confident")


def bars(settings: Settings, multilingual: bool) -> tuple[float, float, float]:
    """min_score, min_margin, confident_score for a ranking with or without the multilingual model's
    similarity. Where the settings add it but a message lacks it (that model failed or timed out, or the
    knowledge is too large for it), the scores are read against the bars chosen without it (`plain_*`)."""
    if reads_plain_bars(settings, multilingual):
        return settings.plain_min_score, settings.plain_min_margin, settings.plain_confident_score
    return settings.min_score, settings.min_margin, settings.confident_score


def reads_plain_bars(settings: Settings, multilingual: bool) -> bool:
    return (settings.multilingual_weight > 0 or settings.multilingual_classifier_weight > 0) and not multilingual
