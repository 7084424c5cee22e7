"""A blind batch's first contact read a second way: would a visitor call the answer shown first right?

    .venv/bin/python benchmarks/judged.py knowledge/eval/blind/2026-12-04af-answers.yaml [MORE.first-contact.json ...]

A batch's writer labels each question with the one entry it was written for. Fifteen entries share a subject, and
an FAQ and an article passage often say the same thing, so a question written for one may be answered as well by
the other. A second helper, the judge, reads the English questions of the batch (in and out of scope, shuffled,
without labels) beside the fifteen vetted answers, and lists for each question every entry whose answer answers
it (`<batch>.judged.yaml`: `judged: [{query, answers: [ids]}]`). The judge never sees what the assistant showed.

This script changes no answer and re-runs nothing: it reads the figures `first_contact.py` recorded
(`<batch>.first-contact.json`, and any other run of the same batch given after it, e.g. the mpnet one) and reports,
beside the writer's strict figures, the share of questions whose first shown answer the judge also accepts.
The writer's label stays the figure of record (issue #18's goals are read on it); this one says how many of the
"wrong" answers a visitor would have found answered the question.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def load_judged(path: Path) -> dict[str, set[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {_key(item["query"]): set(item.get("answers") or []) for item in data["judged"]}


def read(batch: dict, result: dict, judged: dict[str, set[str]]) -> dict:
    """Strict and judged figures of the English questions of one first-contact result."""
    in_scope = [c for c in batch["in_scope"] if c.get("language", "en") == "en"]
    out_scope = [c for c in batch["out_of_scope"] if c.get("language", "en") == "en"]
    missing = [c["query"] for c in in_scope + out_scope if _key(c["query"]) not in judged]
    if missing:
        raise SystemExit(f"the judge left out {len(missing)} question(s), e.g. {missing[0]!r}: judge them all first")
    shown_of = {_key(f["query"]): f["shown"] for part in ("in_scope", "out_of_scope")
                for f in result[part]["failures"]}
    rows = {"in_scope": {"questions": len(in_scope), "right_first": 0, "judged_right_first": 0, "wrong_shown": 0,
                         "judged_wrong_shown": 0, "fell_back": 0},
            "out_of_scope": {"questions": len(out_scope), "fell_back": 0, "shown": 0, "judged_answered": 0}}
    # Which questions the writer and the judge disagree on, for reading the figures, not for tuning.
    disagreements = []
    for case in in_scope:
        key = _key(case["query"])
        shown = shown_of.get(key, case["expect"][0])  # not among the failures: the writer's entry came first
        row = rows["in_scope"]
        if shown is None:
            row["fell_back"] += 1
        elif shown in case["expect"]:
            row["right_first"] += 1
            row["judged_right_first"] += 1
        else:
            row["wrong_shown"] += 1
            if shown in judged[key]:
                row["judged_right_first"] += 1
            else:
                row["judged_wrong_shown"] += 1
        if set(case["expect"]) - judged[key]:
            disagreements.append({"query": case["query"], "writer": case["expect"], "judge": sorted(judged[key])})
    for case in out_scope:
        key = _key(case["query"])
        shown = shown_of.get(key)
        row = rows["out_of_scope"]
        if shown is None:
            row["fell_back"] += 1
        else:
            row["shown"] += 1
            row["judged_answered"] += shown in judged[key]
    return {"figures": rows, "writer_entry_not_judged_an_answer": disagreements}


def main(argv: list[str]) -> int:
    batch_path = Path(argv[0])
    batch = yaml.safe_load(batch_path.read_text(encoding="utf-8"))
    judged = load_judged(batch_path.with_suffix(".judged.yaml"))
    runs = [Path(p) for p in argv[1:]] or [batch_path.with_suffix(".first-contact.json")]
    report = {}
    for run in runs:
        result = json.loads(run.read_text(encoding="utf-8"))
        report[run.name] = read(batch, result, judged)
        f = report[run.name]["figures"]
        i, o = f["in_scope"], f["out_of_scope"]
        n, m = max(i["questions"], 1), max(o["questions"], 1)
        print(f"{run.name}: in scope n={i['questions']} right first {i['right_first'] / n:.3f} "
              f"(judged {i['judged_right_first'] / n:.3f}), wrong shown {i['wrong_shown'] / n:.3f} "
              f"(judged {i['judged_wrong_shown'] / n:.3f}), fell back {i['fell_back'] / n:.3f}; "
              f"out of scope n={o['questions']} fell back {o['fell_back'] / m:.3f}, "
              f"shown {o['shown']} of which the judge says {o['judged_answered']} answer the question")
    out = batch_path.with_suffix(".judged.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
