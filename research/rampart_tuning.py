"""Tuning (issue #20): Rampart's threshold, the languages it reads and the guard on its words, on tuning sets only.

    .venv/bin/python research/rampart_tuning.py [--own-texts] [--json FILE]

Runs benchmarks/pii.py's measure on the development set and every blind PII set whose first contact is
already in docs/privacy.md (SETS below: never a sealed one), once per variant of the redactor:
- threshold: the probability of a name a word needs (rampart.THRESHOLD);
- languages: Rampart on messages the detector calls English only, or on all (redact.RAMPART_IN_ALL_LANGUAGES);
- guard: which of Rampart's words are kept (redact.Redactor._rampart_word):
  `spacy`  the guard spaCy's names pass (an English word must be a census first name, or a capitalised
           census surname; outside English, capitalised words only);
  `capitalised`  as `spacy`, but a capitalised English word is kept (a lowercase one only if a census first name);
  `spacy-any-language`  `spacy`'s English rule in every language (lowercase names in Spanish sentences);
  `none`   only stop words and the words staff need (pii_words) are refused.
"off" is today's redactor (Rampart's spans dropped). Rampart's own output is cached per message, so the
variants differ only in what is kept. Prints names removed on set f alone (the one set neither recogniser
was trained on), on e + f, on all sets; every detail; messages without details unchanged; words wrongly
removed a message. These are tuning figures, not first contact: only a fresh blind set measures the choice.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

SETS = ("benchmarks/data/pii_dev.yaml", "knowledge/eval/blind/2026-12-01-pii.yaml",
        "knowledge/eval/blind/2026-12-01b-pii.yaml", "knowledge/eval/blind/2026-12-02c-pii.yaml",
        "knowledge/eval/blind/2026-12-02d-pii.yaml", "knowledge/eval/blind/2026-12-02e-pii.yaml",
        "knowledge/eval/blind/2026-12-02f-pii.yaml")
# (threshold, languages, guard, sure): "sure" is redact.RAMPART_SURE (above 1: no lowercase word that is
# also a word is ever a name)
VARIANTS = [(None, "all", "product", 0.95),
            (0.7, "en", "spacy", 1.01), (0.7, "en", "product", 0.95), (0.7, "en", "none", 1.01),
            (0.7, "all", "spacy", 1.01), (0.7, "all", "product", 1.01), (0.7, "all", "caps-census", 0.95),
            (0.5, "all", "product", 0.95), (0.7, "all", "product", 0.95), (0.9, "all", "product", 0.95),
            (0.7, "all", "sure-any-language", 0.95), (0.7, "all", "none", 1.01)]


def redactor_module():
    from assistant.staff import redact

    return redact


def guard_function(redactor, guard: str):
    product = type(redactor)._rampart_word.__get__(redactor)
    lists = redactor.lists
    from assistant.staff.pii_patterns import CAPITALISED

    def caps_census(word, english=True, score=1.0):  # a capitalised English word only if a census name
        low = word.lower()
        if CAPITALISED.match(word) and low in lists.english and low not in lists.first and low not in lists.last:
            return False
        return product(word, english, score)

    def sure_any_language(word, english=True, score=1.0):
        return product(word, english, score) or (not lists.is_plain_word(word) and any(c.isalpha() for c in word)
                                                 and score >= redactor_module().RAMPART_SURE)

    return {
        "product": product,
        "caps-census": caps_census,
        "sure-any-language": sure_any_language,
        "spacy": lambda word, english=True, score=1.0: redactor._name_word(word, english),
        "none": lambda word, english=True, score=1.0: any(c.isalpha() for c in word) and not lists.is_plain_word(word),
    }[guard]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write every variant's figures here")
    parser.add_argument("--own-texts", action="store_true",
                        help="also count the project's own texts each variant changes (benchmarks/pii_own_texts.py)")
    args = parser.parse_args(argv)
    import pii
    from pii_own_texts import own_texts

    from assistant.staff import redact as redaction

    redactor = redaction.redactor()
    scores = {}
    original = redactor.rampart.word_scores

    def cached(text):
        if text not in scores:
            scores[text] = original(text)
        return scores[text]

    redactor.rampart.word_scores = cached
    sets = {path: pii.load_set(ROOT / path) for path in SETS}
    own = own_texts() if args.own_texts else []
    rows = []
    for threshold, languages, guard, sure in VARIANTS:
        label = "off" if threshold is None else f"{threshold} {languages} {guard}" + (f" sure {sure}" if sure <= 1 else "")
        redactor.rampart.threshold = 1.01 if threshold is None else threshold  # no word reaches 1.01: off
        redaction.RAMPART_IN_ALL_LANGUAGES = languages == "all"
        redaction.RAMPART_SURE = sure
        redactor._rampart_word = guard_function(redactor, guard)
        figures = {}
        with contextlib.redirect_stdout(io.StringIO()):
            for path, messages in sets.items():
                figures[path] = pii.measure(messages, redactor)
        if args.own_texts:
            figures["own"] = sum(redactor(text) != text for text in own)
        rows.append((label, figures))

    def share(figures, paths, key):
        ok = sum(figures[p]["removed"].get(key, {}).get("removed", 0) for p in paths)
        total = sum(figures[p]["removed"].get(key, {}).get("details", 0) for p in paths)
        return ok, total

    def unchanged(figures, paths):
        return (sum(figures[p]["unchanged_without_pii"]["unchanged"] for p in paths),
                sum(figures[p]["unchanged_without_pii"]["messages"] for p in paths))

    f, ef = SETS[-1:], SETS[-2:]
    print(f"{'variant (threshold languages guard)':<40}{'names f':>14}{'names e+f':>15}{'names all':>15}"
          f"{'details all':>16}{'unchanged e+f':>15}{'unchanged all':>15}{'wrong/msg':>10}")
    out = []
    for label, figures in rows:
        cells = [share(figures, f, "name/all"), share(figures, ef, "name/all"), share(figures, SETS, "name/all"),
                 share(figures, SETS, "all/all"), unchanged(figures, ef), unchanged(figures, SETS)]
        wrong = sum(figures[p]["wrongly_removed_words_per_message"] * figures[p]["messages"] for p in SETS) / sum(
            figures[p]["messages"] for p in SETS)
        print(f"{label:<40}" + "".join(f"{f'{a / b:.1%} ({a}/{b})':>15}" for a, b in cells) + f"{wrong:>10.3f}{figures.get('own', '-'):>10}")
        out.append({"variant": label, "cells": cells, "wrong_per_message": round(wrong, 3),
                    "misses": {p: figures[p]["misses"] for p in ef},
                    "over_redacted": {p: figures[p]["over_redacted"] for p in SETS}})
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
