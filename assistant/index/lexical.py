"""The lexical (BM25) signal: the knowledge's words, for questions whose words matter more than
their meaning (names, rare terms)."""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from assistant.errors import IndexError_

LEXICAL = "lexical"

# bm25s.tokenize's word pattern, so a question's words can be had without it (retrieval.py).
TOKEN = re.compile(r"(?u)\b\w\w+\b")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The English stopwords `tokenize` drops (bm25s's own list)."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokenize(texts: list[str]):
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

    return bm25s.tokenize(texts, stopwords="en", show_progress=False)


def build_lexical(documents: list[str]):
    import bm25s

    lexical = bm25s.BM25()
    lexical.index(tokenize(documents), show_progress=False)
    return lexical


def save_lexical(directory: Path, lexical) -> None:
    lexical.save(str(directory / LEXICAL), show_progress=False)


def load_lexical(directory: Path):
    import bm25s

    try:
        return bm25s.BM25.load(str(directory / LEXICAL), load_vocab=True, show_progress=False, verbosity=0)
    except Exception as exc:
        raise IndexError_(f"{directory / LEXICAL}: unreadable lexical index ({exc}); rebuild") from None
