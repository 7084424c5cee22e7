"""Misspellings staff wrote into alternates, found at build time and stored with the build.

An alternate such as "aftercare groop therapy" made "groop" a word of the knowledge: it was never
corrected, and every question with "groop" went to that one entry. A word that appears only in
alternates, that neither the model's vocabulary nor an English dictionary knows (pyspellchecker's
word list), and that is close in spelling to a word of the questions, titles or answers, is taken for
a misspelling of that word: retrieval reads it as the real word, and `check` asks staff to fix it.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable

MISSPELLINGS = "misspellings.json"
SCAN_ENTRIES = 20_000  # reading every entry's words is cheap for a FAQ; a 100k-passage build skips it
CUTOFF = 80  # rapidfuzz ratio, as retrieval's spelling correction (retrieval.SPELLING_CUTOFF)
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def known_misspellings(entries: Iterable) -> dict[str, str]:
    """{misspelt word: the knowledge's word} for the alternates' misspellings (module docstring)."""
    from rapidfuzz import fuzz, process

    from assistant.encoders.model import model_words
    from assistant.wordlist import english_words

    clean: set[str] = set()
    alternate_words: set[str] = set()
    for entry in entries:
        clean.update(w.lower() for w in WORD.findall(f"{entry.heading} {entry.answer}"))
        for text in entry.alternates:
            alternate_words.update(w.lower() for w in WORD.findall(text))
    candidates = sorted(w for w in alternate_words - clean - model_words() if len(w) > 3)
    if not candidates or not clean:
        return {}
    english = english_words()
    vocabulary = sorted(clean)
    found = {}
    for word in (w for w in candidates if w not in english):
        match = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=CUTOFF)
        if match:
            found[word] = match[0]
    return dict(sorted(found.items()))


def save_misspellings(directory: Path, misspellings: dict[str, str]) -> None:
    (directory / MISSPELLINGS).write_text(json.dumps(misspellings, ensure_ascii=False, indent=0) + "\n",
                                          encoding="utf-8")


def load_misspellings(directory: Path) -> dict[str, str]:
    """The build's misspellings; {} for a build made before they were stored."""
    path = directory / MISSPELLINGS
    if not path.is_file():
        return {}
    from assistant.errors import IndexError_

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexError_(f"{path}: unreadable ({exc}); rebuild with `make index`") from None
    return {str(k): str(v) for k, v in data.items()}
