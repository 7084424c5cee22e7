"""What gets embedded for each entry: its "views".

Visitors phrase things many ways, so an entry is found through its question or title,
each alternate phrasing, and its answer text. The entry's dense score is the best
of its views. The answer is embedded together with its heading ("titled answer"): on
the public datasets that beat embedding the bare answer (docs/answer-quality.md).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import IndexError_
from assistant.knowledge import Entry

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


VIEWS = "views.npz"
VIEW_TEXTS = "view_texts.json"


def save_views(directory: Path, view_entry: np.ndarray, view_kind: np.ndarray, texts: list[str]) -> None:
    """Which entry each vector belongs to and its kind; the texts go to a file of their own that only
    the next build reads (at 100k passages, serving would otherwise parse twice the JSON)."""
    kinds, kind_codes = np.unique(view_kind.astype(str), return_inverse=True)
    np.savez(directory / VIEWS, entry=view_entry, kind=kind_codes.astype(np.uint8), kinds=kinds)
    (directory / VIEW_TEXTS).write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")


def load_views(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """(view_entry, view_kind) of a build; IndexError_ when unreadable."""
    try:
        with np.load(directory / VIEWS, allow_pickle=False) as views:
            return views["entry"].astype(np.int64), views["kinds"][views["kind"]]
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise IndexError_(f"{directory / VIEWS}: unreadable ({exc}); rebuild the index") from None


def load_view_texts(directory: Path) -> list:
    return json.loads((directory / VIEW_TEXTS).read_text(encoding="utf-8"))
