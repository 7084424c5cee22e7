"""Choose `crosslingual_weight`, `crosslingual_min_score` and `NOT_COVERED_MARGIN` on the tune questions.

    .venv/bin/python research/crosslingual_tuning.py [--exclude 2026-12-02j]

The tune questions are the non-English questions of the blind answer batches in `knowledge/eval/blind/`
whose first contact is recorded (each has its `.first-contact.json`); `--exclude` leaves a batch out.
Every setting is scored through the matcher alone (crosslingual.py), as the engine uses it: the first
match is shown when it reaches the bar and the question is not nearer a `not_covered:` question.
The pick: the most answerable questions right first, with wrong answers shown to at most 3% of them
and to at most 5% of the out-of-scope ones (#18's goals); ties go to the higher bar.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANSWERABLE = ("in_scope", "spanish", "other_languages")


def tune_questions(exclude: list[str]) -> tuple[list[dict], list[dict]]:
    answerable, out = [], []
    for path in sorted((ROOT / "knowledge" / "eval" / "blind").glob("*-answers*.yaml")):
        if any(path.name.startswith(prefix) for prefix in exclude):
            continue
        if not path.with_suffix(".first-contact.json").exists():
            continue  # not run yet: a future first contact, never tuned on
        batch = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in ANSWERABLE:
            answerable += [c for c in batch.get(key) or [] if c.get("language", "en") != "en"]
        out += [c for c in batch.get("out_of_scope") or [] if c.get("language", "en") != "en"]
    return answerable, out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exclude", nargs="*", default=[])
    args = parser.parse_args(argv)

    import assistant.crosslingual as crosslingual
    from assistant.engine import Assistant

    answerable, out = tune_questions(args.exclude)
    print(f"tune: {len(answerable)} answerable, {len(out)} out of scope (non-English)")
    assistant = Assistant.load(ROOT / "knowledge", ROOT / "index", draft=True)
    lazy = assistant.state.serving.crosslingual
    entries, encoder = lazy._entries, lazy._encoder_source()
    ids = [e.id.split("/")[0] for e in entries]
    weights = (0.0, 0.15, 0.3, 0.5, 0.8, 1.1, 1.5)
    margins = (0.0, 0.03, 0.05, 0.08, 1.0)  # 1.0: the not_covered check off
    bars = np.round(np.arange(0.55, 1.3, 0.01), 2)
    rows = []
    for weight in weights:
        matcher = crosslingual.CrossLingual(entries, encoder, weight, lazy._not_covered)
        for margin in margins:
            crosslingual.NOT_COVERED_MARGIN = margin
            ranked_in = [matcher.rank(c["query"], k=1) for c in answerable]
            ranked_out = [matcher.rank(c["query"], k=1) for c in out]
            for bar in bars:
                right = wrong = 0
                for case, r in zip(answerable, ranked_in):
                    top = r.matches[0]
                    if top.score >= bar and not r.not_covered:
                        right += ids[top.position] in case["expect"]
                        wrong += ids[top.position] not in case["expect"]
                shown_out = sum(r.matches[0].score >= bar and not r.not_covered for r in ranked_out)
                rows.append((weight, margin, float(bar), right / len(answerable), wrong / len(answerable),
                             shown_out / max(len(out), 1)))
    ok = [r for r in rows if r[4] <= 0.03 and r[5] <= 0.05]
    best = max(ok, key=lambda r: (round(r[3], 3), r[2])) if ok else None
    print("weight margin  bar  right  wrong  out-shown")
    for r in sorted(ok, key=lambda r: -r[3])[:15]:
        print(f"{r[0]:5.2f} {r[1]:5.2f} {r[2]:5.2f} {r[3]:.3f} {r[4]:.3f} {r[5]:.3f}")
    print("chosen:", best)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
