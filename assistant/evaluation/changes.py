"""What an unpublished edit changes for visitors (`python -m assistant eval --changes`).

Every test question (knowledge/eval), every question and alternate of the entries and every
`not_covered:` line is asked of the published build and of the draft of the files as they are
now. The report says, in plain words, which questions now get a different answer; a test
question that was answered right and no longer is counts as worse (the command exits 1).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from .answers import LabelledQuery


@dataclass(frozen=True)
class Outcome:
    """What a visitor sees: an answer (its entry), a fallback, or the crisis reply."""

    kind: str  # "answer" | "fallback" | "crisis"
    entry_id: str | None = None
    heading: str | None = None

    @classmethod
    def of(cls, response) -> "Outcome":
        if response.kind == "answer" and response.answers:
            entry = response.answers[0].entry
            return cls("answer", entry.id.split("/")[0], entry.heading)
        return cls(response.kind)

    def describe(self) -> str:
        if self.kind == "answer":
            return f"the answer to {self.heading!r} ({self.entry_id})"
        if self.kind == "crisis":
            return "the crisis reply"
        return "no answer (the kind fallback with the closest questions)"


@dataclass(frozen=True)
class Probe:
    question: str
    expect: tuple[str, ...] | None = None  # a test question's right entries (() = should fall back); None: not a test question


@dataclass(frozen=True)
class Change:
    probe: Probe
    before: Outcome
    after: Outcome

    @property
    def verdict(self) -> str:
        if self.probe.expect is None:
            return "changed"
        right_before, right_after = _right(self.before, self.probe.expect), _right(self.after, self.probe.expect)
        return "worse" if right_before and not right_after else "better" if right_after and not right_before \
            else "changed"


def _right(outcome: Outcome, expect: tuple[str, ...]) -> bool:
    return outcome.kind != "answer" if not expect else outcome.kind == "answer" and outcome.entry_id in expect


@dataclass(frozen=True)
class ChangesReport:
    asked: int
    changes: tuple[Change, ...]

    def of(self, verdict: str) -> list[Change]:
        return [c for c in self.changes if c.verdict == verdict]

    @property
    def worse(self) -> list[Change]:
        return self.of("worse")

    def to_dict(self) -> dict:
        return {"asked": self.asked, "changed": len(self.changes), "worse": len(self.worse),
                "changes": [{"question": c.probe.question, "verdict": c.verdict, "test_question": c.probe.expect is not None,
                             "before": c.before.__dict__, "after": c.after.__dict__} for c in self.changes]}

    def format(self) -> str:
        if not self.changes:
            return (f"None of the {self.asked} questions tried gets a different answer than visitors get now.")
        lines = [f"{len(self.changes)} of the {self.asked} questions tried would get a different answer than "
                 "visitors get now:"]
        titles = {"worse": "Worse: test questions that get the right answer today, but would not after your change",
                  "better": "Better: test questions your change fixes",
                  "changed": "Different (check that the new answer fits the question)"}
        for verdict in ("worse", "better", "changed"):
            found = self.of(verdict)
            if found:
                lines.append(f"\n{titles[verdict]} ({len(found)}):")
                for change in found:
                    lines.append(f"  {change.probe.question!r}\n      now:   {change.before.describe()}\n"
                                 f"      after: {change.after.describe()}")
        if self.worse:
            lines.append("\nFix the entries above (or undo the change) and run this again before `make index`.")
        return "\n".join(lines)


def probes(labelled: Sequence[LabelledQuery], knowledges: Iterable, not_covered: Iterable[str] = ()) -> list[Probe]:
    """The test questions (with their right entries), then every entry phrasing and `not_covered`
    line of the given entry lists, each question once."""
    found: dict[str, Probe] = {}
    for item in labelled:
        found.setdefault(item.query, Probe(item.query, tuple(item.expect)))
    for entries in knowledges:
        for entry in entries:
            for text in (entry.heading, *entry.alternates):
                found.setdefault(text, Probe(text))
    for text in not_covered:
        found.setdefault(text, Probe(text))
    return list(found.values())


def compare(questions: Sequence[Probe], before: Callable[[str], Outcome],
            after: Callable[[str], Outcome]) -> ChangesReport:
    changes = []
    for probe in questions:
        was, now = before(probe.question), after(probe.question)
        if was != now:
            changes.append(Change(probe, was, now))
    return ChangesReport(len(questions), tuple(changes))
