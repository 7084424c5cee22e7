"""Data classes at the boundary: what `Assistant.ask` returns. `Response.to_dict()` is the
JSON contract shared by the CLI (`ask --json`), the Gradio endpoint and `POST /api/ask`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.knowledge import Entry

Kind = Literal["answer", "fallback", "crisis"]


@dataclass(frozen=True)
class Hit:
    """A vetted entry with its retrieval score."""

    entry: Entry
    score: float

    def answer_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.entry.id, "score": round(self.score, 4), "type": self.entry.type}
        if self.entry.question:
            data["question"] = self.entry.question
        else:
            data["title"] = self.entry.title
        data.update(answer=self.entry.answer, source=self.entry.source, reviewed=self.entry.reviewed)
        return data

    def candidate_dict(self) -> dict[str, Any]:
        return {"id": self.entry.id, "score": round(self.score, 4)}

    def suggestion_dict(self) -> dict[str, Any]:
        return {"id": self.entry.id, "question": self.entry.heading, "type": self.entry.type}


@dataclass(frozen=True)
class Response:
    query: str
    kind: Kind
    crisis: dict[str, Any]
    answers: list[Hit] = field(default_factory=list)
    candidates: list[Hit] = field(default_factory=list)
    suggestions: list[Hit] = field(default_factory=list)
    message: str = ""
    helpline: dict[str, Any] | None = None
    region: str = ""
    notes: list[str] = field(default_factory=list)
    index: dict[str, Any] | None = None
    language: str = "en"  # the visitor's language as detected (assistant/language.py)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "kind": self.kind,
            "crisis": self.crisis,
            "answers": [h.answer_dict() for h in self.answers],
            "candidates": [h.candidate_dict() for h in self.candidates],
            "suggestions": [h.suggestion_dict() for h in self.suggestions],
            "message": self.message,
            "helpline": self.helpline,
            "region": self.region,
            "notes": list(self.notes),
            "index": self.index,
            "language": self.language,
        }

    def to_text(self) -> str:
        """A readable reply for the terminal."""
        lines: list[str] = []
        if self.kind == "crisis":
            lines.append(self.crisis.get("message_markdown") or self.message)
            lines.append("")
        elif self.message:
            lines.append(self.message)
            lines.append("")
        for hit in self.answers:
            lines.append(f"## {hit.entry.heading}")
            lines.append(hit.entry.answer)
            if hit.entry.source:
                lines.append(f"Source: {hit.entry.source}")
            lines.append("")
        if self.suggestions:
            if not self.message.rstrip().endswith(":"):  # a fallback's message already introduces them
                lines.append("Closest questions we do have answers for:")
            lines.extend(f"  - {h.entry.heading}" for h in self.suggestions)
            lines.append("")
        if self.kind == "fallback" and self.helpline:
            lines.append(self.helpline.get("text", ""))
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines).strip() + "\n"
