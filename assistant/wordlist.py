"""An English word list: pyspellchecker's (inside its wheel, sha256 pinned), read once per process.
It tells a real word from a misspelling (index/spelling.py: "tougher" is a word, "groop" is not) and
an ordinary word from a lowercase name (staff/redact.py: "tired" in "im tired" is not a name).
The same wheel's German and French lists tell staff/redact.py a German noun or a French verb
capitalised at a sentence's start ("Guten Tag", "Écrivez-moi") from a name."""
from __future__ import annotations

import threading
from pathlib import Path

from assistant.errors import ModelError
from assistant.pinned import check_pinned_files

PACKAGE = "spellchecker"
FILES = {"resources/en.json.gz": "2474a48af86fd81dccea9edd0bba6cd36dd2ecedc0ae217cefcb233bba28613c"}
# German and French only: the Spanish, Portuguese, Italian and Dutch lists count surnames among their common
# words ("garcía", "silva", "santos"), so they cannot tell a name from a word.
OTHER_FILES = {
    "de": "79cacd2a28fa6de9089f12ffaf11c5356353ea08a1f95f078218f1e5947a9414",
    "fr": "04c256f6d06c4cadef640b63002e0e390008265e38d3def97172c292d09a141d",
}
# An English word counted above this is in everyday use ("read", "brown"), not only a surname ("ramirez" 95,
# "smith" 1,006, "lee" 1,637): after "officer" or "pastor" in lowercase, only the latter is a name.
EVERYDAY_ABOVE = 5000
# The lists give every word they hold at least 50 (names and rare nouns alike): above it, a word in use.
COMMON_ABOVE = 50

_words: frozenset[str] | None = None
_common: dict[str, frozenset[str]] = {}
_everyday: frozenset[str] | None = None
_lock = threading.Lock()


def package_dir() -> Path:
    try:
        import spellchecker
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelError("the English word list 'pyspellchecker' is not installed; run `make install`") from exc
    return Path(spellchecker.__file__).parent


def _counts(name: str, sha256: str, what: str) -> dict[str, int]:
    """One of the wheel's lists, checked against its pin: word -> how often it was counted."""
    import gzip
    import json

    folder = package_dir()
    check_pinned_files(folder, {name: sha256}, what)
    with gzip.open(folder / name, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def english_words() -> frozenset[str]:
    """Every word of the list, lower case, as the list has them ("what's" included)."""
    global _words
    with _lock:
        if _words is None:
            _words = frozenset(_counts(*next(iter(FILES.items())), "the English word list"))
        return _words


def common_words(code: str) -> frozenset[str]:
    """The words of language `code` (one of OTHER_FILES) counted above the list's floor, lower case;
    empty for a language without a list."""
    if code not in OTHER_FILES:
        return frozenset()
    with _lock:
        if code not in _common:
            counts = _counts(f"resources/{code}.json.gz", OTHER_FILES[code], f"the word list for '{code}'")
            _common[code] = frozenset(word for word, count in counts.items() if count > COMMON_ABOVE)
        return _common[code]


def everyday_english_words() -> frozenset[str]:
    """The English list's words counted above EVERYDAY_ABOVE, lower case."""
    global _everyday
    with _lock:
        if _everyday is None:
            counts = _counts(*next(iter(FILES.items())), "the English word list")
            _everyday = frozenset(word for word, count in counts.items() if count > EVERYDAY_ABOVE)
        return _everyday
