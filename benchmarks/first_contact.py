"""First contact: run a blind batch once through `Assistant.ask`, as visitors meet it, and report.

A batch is written by someone who never saw the crisis rules, the knowledge's alternates or the
evaluation sets (docs/crisis.md and docs/answer-quality.md record who, when and how big). Run it
once, record the figures with the date and batch size, then fold the batch into the labelled sets.

    .venv/bin/python benchmarks/first_contact.py crisis BATCH.yaml   # crisis: [..], benign: [..]
    .venv/bin/python benchmarks/first_contact.py answers BATCH.yaml  # in_scope, out_of_scope, spanish, other_languages
                                                                     # (a `language:` per question: by language too)

Prints a table and writes the figures as JSON next to the batch (BATCH.first-contact.json).
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def crisis(assistant, batch: dict) -> dict:
    rows = defaultdict(lambda: [0, 0])  # (language, kind or "all") -> [detected, total]
    missed = []
    for case in batch["crisis"]:
        detected = assistant.ask(case["text"]).to_dict()["crisis"]["detected"]
        for key in ((case["language"], "all"), (case["language"], case.get("kind", "-"))):
            rows[key][0] += detected
            rows[key][1] += 1
        if not detected:
            missed.append(case)
    alarms = defaultdict(lambda: [0, 0])
    raised = []
    for case in batch["benign"]:
        detected = assistant.ask(case["text"]).to_dict()["crisis"]["detected"]
        alarms[case["language"]][0] += detected
        alarms[case["language"]][1] += 1
        if detected:
            raised.append(case)
    return {"recall": {f"{lang}/{kind}": v for (lang, kind), v in sorted(rows.items())},
            "false_alarms": dict(sorted(alarms.items())), "missed": missed, "raised": raised}


# Sections of answerable questions besides `in_scope` (English): Spanish, and Portuguese and French.
ANSWERABLE_ELSEWHERE = ("spanish", "other_languages")


def answers(assistant, batch: dict) -> dict:
    def run(cases: list, in_scope: bool) -> dict:
        right = wrong = fell_back = 0
        failures = []
        for case in cases:
            reply = assistant.ask(case["query"]).to_dict()
            shown = [a["id"] for a in reply["answers"]]
            if not shown:
                fell_back += 1
                if in_scope:
                    failures.append({"query": case["query"], "expect": case["expect"], "shown": None})
            elif in_scope and shown[0] in case["expect"]:
                right += 1
            else:
                wrong += 1
                failures.append({"query": case["query"], "expect": case.get("expect"), "shown": shown[0]})
        n = len(cases) or 1
        return {"questions": len(cases), "right_first": round(right / n, 3), "wrong_shown": round(wrong / n, 3),
                "fell_back": round(fell_back / n, 3), "failures": failures}

    result = {"in_scope": run(batch["in_scope"], True), "out_of_scope": run(batch["out_of_scope"], False)}
    for name in ANSWERABLE_ELSEWHERE:
        result[name] = run(batch[name], True) if batch.get(name) else None
    answerable = [c for key in ("in_scope", *ANSWERABLE_ELSEWHERE) for c in batch.get(key) or []]
    languages = sorted({case.get("language", "en") for case in answerable + batch["out_of_scope"]})
    if languages != ["en"]:  # a batch in several languages: each one on its own too
        result["by_language"] = {
            lang: {"in_scope": run([c for c in answerable if c.get("language", "en") == lang], True),
                   "out_of_scope": run([c for c in batch["out_of_scope"] if c.get("language", "en") == lang], False)}
            for lang in languages}
    return result


def main(argv: list[str]) -> int:
    from assistant.engine import Assistant

    kind, path = argv[0], Path(argv[1])
    batch = yaml.safe_load(path.read_text(encoding="utf-8"))
    assistant = Assistant.load(ROOT / "knowledge", ROOT / "index", draft=True)
    result = crisis(assistant, batch) if kind == "crisis" else answers(assistant, batch)
    out = path.with_suffix(".first-contact.json")
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if kind == "crisis":
        for key, (hit, total) in result["recall"].items():
            if key.endswith("/all") or key.startswith("en/"):
                print(f"{key:32} {hit:4d}/{total:<4d} {hit / total:.0%}")
        for lang, (hit, total) in result["false_alarms"].items():
            print(f"false alarms {lang:19} {hit:4d}/{total:<4d} {hit / total:.0%}")
    else:
        rows = [(name, result[name]) for name in ("in_scope", "out_of_scope", *ANSWERABLE_ELSEWHERE)]
        rows += [(f"{lang} {name}", r) for lang, parts in result.get("by_language", {}).items() for name, r in parts.items()]
        for name, r in rows:
            if r and r["questions"]:
                print(f"{name:20} n={r['questions']:4d} right first {r['right_first']:.3f} wrong shown "
                      f"{r['wrong_shown']:.3f} fell back {r['fell_back']:.3f}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
