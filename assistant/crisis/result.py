"""What the crisis screen found (``CrisisResult``): the contract every layer returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from .rules import CATEGORY_PRIORITY


@dataclass(frozen=True)
class CrisisResult:
    """What the screen found. ``to_dict()`` is the contract; it never contains the visitor's text."""

    detected: bool = False
    category: str | None = None
    third_party: bool = False
    layer: str | None = None
    matched: str | None = None
    categories: tuple[str, ...] = ()
    negated: bool = False
    score: float | None = None
    guards: tuple[str, ...] = ()
    semantic: str = "off"   # "off" (no encoder), "skipped" (lexicon decided), "checked", "error"
    check_in: bool = False  # a short, ambiguous message: the gentle check-in with the lines first
    risk: float | None = None  # the classifier's crisis probability (None: it did not run)
    # the bars `risk` was read against (the classifier part that scored it); not part of the contract
    thresholds: Any = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict:
        return {
            "detected": bool(self.detected),
            "category": self.category,
            "third_party": bool(self.third_party),
            "layer": self.layer,
            "matched": self.matched,
            "categories": list(self.categories),
            "negated": bool(self.negated),
            "score": None if self.score is None else round(float(self.score), 4),
            "guards": list(self.guards),
            "semantic": self.semantic,
            "check_in": bool(self.check_in),
            "risk": None if self.risk is None else round(float(self.risk), 4),
        }


NOT_DETECTED = CrisisResult()


def replace_result(result: CrisisResult, **changes: Any) -> CrisisResult:
    values = {f: getattr(result, f) for f in result.__dataclass_fields__}
    values.update(changes)
    return CrisisResult(**values)


def merge_categories(first: Iterable[str], second: Iterable[str]) -> tuple[str, ...]:
    present = set(first) | set(second)
    return tuple(c for c in CATEGORY_PRIORITY if c in present)
