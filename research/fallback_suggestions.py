"""When an in-scope question falls back, is the right entry among the closest questions the fallback offers?

    .venv/bin/python research/fallback_suggestions.py knowledge/eval/blind/2026-12-02p-answers.yaml

Asks every English in-scope question of a batch (the published build, the settings' policy) and, for those that
fall back, prints the suggestions and counts how often the expected entry is offered first, and at all.
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    from assistant.engine import Assistant

    batch = yaml.safe_load(Path(argv[0]).read_text(encoding="utf-8"))
    assistant = Assistant.load(ROOT / "knowledge", ROOT / "index", draft=True)
    fell_back = first = offered = 0
    for question in batch["in_scope"]:
        response = assistant.ask(question["query"], log=False)
        if response.kind != "fallback":
            continue
        fell_back += 1
        ids = [hit.entry.id for hit in response.suggestions]
        first += bool(ids) and ids[0] in question["expect"]
        offered += any(i in question["expect"] for i in ids)
        print(f"  {question['query'][:70]!r:74} expected {question['expect']} -> offered {ids}")
    print(f"fell back {fell_back}; the right entry offered first {first}, among the closest questions {offered}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
