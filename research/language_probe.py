"""Who should decide the language of a message fastText's compact model is unsure of (issue #18)?

Short Spanish keyword questions ("ventajas terapia grupal", "Beneficios de la terapia grupal") get no
confident language from the compact model, so they were answered as English and fell back in English.
For each labelled question (every file under knowledge/eval) the compact model alone is unsure of, two
second opinions are compared:
- word lists: the share of its words in pyspellchecker's lists (en, es, pt, fr, de, it; a plural "-s"/"-es"
  stripped in the other languages), the language whose share is at least 0.6 and 0.3 above English's;
- Lingua (`lingua-language-detector`, built for short texts) among the same six languages, at the compact
  model's own bar (MIN_CONFIDENCE).

    .venv/bin/python research/language_probe.py
"""
from __future__ import annotations

import glob
import gzip
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.language import MIN_CONFIDENCE, SECOND_OPINION, _load, _load_second  # noqa: E402
from assistant.wordlist import package_dir  # noqa: E402

WORD = re.compile(r"[^\W\d_]{2,}")


def word_lists() -> dict[str, frozenset[str]]:
    folder = package_dir() / "resources"
    return {code: frozenset(json.load(gzip.open(folder / f"{code}.json.gz", "rt", encoding="utf-8")))
            for code in ("en", "es", "pt", "fr", "de", "it")}


def known(word: str, code: str, words: frozenset[str]) -> bool:
    if word in words:
        return True
    return code != "en" and ((word.endswith("s") and word[:-1] in words) or (word.endswith("es") and word[:-2] in words))


def vote(text: str, lists: dict[str, frozenset[str]], threshold: float) -> str | None:
    words = [w.lower() for w in WORD.findall(text)]
    if len(words) < 2:
        return None
    share = {code: sum(known(w, code, s) for w in words) / len(words) for code, s in lists.items()}
    best = max((c for c in share if c != "en"), key=lambda c: share[c])
    if share[best] < threshold or share[best] - share["en"] < 0.3:
        return None
    tied = [c for c in share if c != "en" and share[c] == share[best]]
    order = [x["lang"] for x in _load().detect(" ".join(text.split()), k=10)]
    return min(tied, key=lambda c: order.index(c) if c in order else 99)


def labelled() -> list[tuple[str, str]]:
    questions = []
    for path in sorted(glob.glob(str(ROOT / "knowledge/eval/**/*.yaml"), recursive=True)):
        data = yaml.safe_load(open(path, encoding="utf-8"))
        for value in (data.values() if isinstance(data, dict) else []):
            for item in value if isinstance(value, list) else []:
                if isinstance(item, dict) and "query" in item:
                    questions.append((item.get("language", "en"), item["query"]))
    return list(dict.fromkeys(questions))


def compact_model_unsure(text: str) -> bool:
    best = _load().detect(" ".join(text.split()), k=1)[0]
    return float(best["score"]) < MIN_CONFIDENCE


def lingua(text: str) -> str:
    best = _load_second().compute_language_confidence_values(" ".join(text.split()))[0]
    code = best.language.iso_code_639_1.name.lower()
    return code if best.value >= MIN_CONFIDENCE and code in SECOND_OPINION else "en"


def main() -> None:
    lists = word_lists()
    questions = [(language, query) for language, query in labelled() if compact_model_unsure(query)]
    others = sum(language != "en" for language, _ in questions)
    print(f"{len(labelled())} labelled questions; the compact model is unsure of {len(questions)}, {others} not in English")
    for name, decide in (("word lists", lambda q: vote(q, lists, 0.6) or "en"), ("Lingua", lingua)):
        right = sum(decide(q) == language for language, q in questions if language != "en")
        moved = [q for language, q in questions if language == "en" and decide(q) != "en"]
        print(f"{name}: {right}/{others} not in English put right; {len(moved)} English moved {moved}")


if __name__ == "__main__":
    main()
