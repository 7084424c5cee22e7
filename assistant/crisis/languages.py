"""The crisis reply's and the fallback's first sentences in the languages visitors write in
(data/languages.yaml): a visitor who may be in danger never meets only English."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from assistant.crisis.rules import DATA_DIR
from assistant.yamlfile import read_lenient

LANGUAGES_FILE = "languages.yaml"
KEYS = ("name", "headline", "check_in", "talk", "no_answer", "in_english")


@dataclass(frozen=True)
class Wording:
    """One language's sentences; ``headline`` and ``check_in`` hold ``{emergency}``."""

    code: str
    name: str
    headline: str
    check_in: str
    talk: str
    no_answer: str
    in_english: str


def load_wordings(path=None) -> tuple[dict[str, Wording], list[str]]:
    """Every complete language in the file, and a ``file:line``-free problem per incomplete one."""
    path = path or DATA_DIR / LANGUAGES_FILE
    document, problems = read_lenient(path)
    found: dict[str, Wording] = {}
    for code, raw in ((document or {}).get("languages") or {}).items():
        missing = [key for key in KEYS if not isinstance(raw, dict) or not isinstance(raw.get(key), str) or not raw[key].strip()]
        if missing:
            problems.append(f"{path}: language {code!r} lacks {', '.join(missing)}; replies in it fall back to English")
            continue
        if "{emergency}" not in raw["headline"] or "{emergency}" not in raw["check_in"]:
            problems.append(f"{path}: language {code!r}: headline and check_in must name {{emergency}}; skipped")
            continue
        found[str(code)] = Wording(str(code), **{key: raw[key].strip() for key in KEYS})
    return found, problems


@lru_cache(maxsize=1)
def wordings() -> dict[str, Wording]:
    return load_wordings()[0]


def wording(code: str | None) -> Wording | None:
    """The sentences for ``code``, or None for English and for languages without them."""
    if not code or code == "en":
        return None
    return wordings().get(code)
