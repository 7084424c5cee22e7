"""What gets embedded for each entry: its "views".

Visitors phrase things many ways, so an entry is found through its question or title,
each alternate phrasing, and its answer text. The entry's dense score is the best
of its views. The answer is embedded together with its heading ("titled answer"): on
the public datasets that beat embedding the bare answer (README, "Answer quality").
"""
from __future__ import annotations

from dataclasses import dataclass

from .knowledge import Entry

HEADING, ALTERNATE, TITLED_ANSWER = "heading", "alternate", "titled_answer"
VIEW_KINDS = (HEADING, ALTERNATE, TITLED_ANSWER)


@dataclass(frozen=True)
class View:
    entry: int  # position of the entry in the index's entry list
    kind: str
    text: str


def entry_views(position: int, entry: Entry) -> list[View]:
    views = [View(position, HEADING, entry.heading)]
    seen = {entry.heading.casefold()}
    for alternate in entry.alternates:
        if alternate.casefold() not in seen:
            seen.add(alternate.casefold())
            views.append(View(position, ALTERNATE, alternate))
    views.append(View(position, TITLED_ANSWER, f"{entry.heading}\n{entry.answer}"))
    return views


def lexical_document(entry: Entry) -> str:
    """The text the lexical (BM25) signal matches against."""
    return "\n".join([entry.heading, *entry.alternates, entry.answer])
