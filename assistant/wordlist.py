"""An English word list: pyspellchecker's (inside its wheel, sha256 pinned), read once per process.
It tells a real word from a misspelling (index/spelling.py: "tougher" is a word, "groop" is not) and
an ordinary word from a lowercase name (staff/redact.py: "tired" in "im tired" is not a name)."""
from __future__ import annotations

import threading
from pathlib import Path

from assistant.errors import ModelError
from assistant.pinned import check_pinned_files

PACKAGE = "spellchecker"
FILES = {"resources/en.json.gz": "2474a48af86fd81dccea9edd0bba6cd36dd2ecedc0ae217cefcb233bba28613c"}

_words: frozenset[str] | None = None
_lock = threading.Lock()


def package_dir() -> Path:
    try:
        import spellchecker
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelError("the English word list 'pyspellchecker' is not installed; run `make install`") from exc
    return Path(spellchecker.__file__).parent


def english_words() -> frozenset[str]:
    """Every word of the list, lower case, as the list has them ("what's" included)."""
    global _words
    with _lock:
        if _words is None:
            import gzip
            import json

            folder = package_dir()
            check_pinned_files(folder, FILES, "the English word list")
            with gzip.open(folder / "resources/en.json.gz", "rt", encoding="utf-8") as handle:
                _words = frozenset(json.load(handle))
        return _words
