"""How many of the project's own texts the question log's redaction changes (assistant/staff/redact.py).

    .venv/bin/python benchmarks/pii_own_texts.py [--show]

The texts: every entry's question, title and alternates in knowledge/*.yaml, and every query and labelled
message of knowledge/eval/*.yaml (the seed, fresh and crisis sets; not the blind batches, not the PII
sets). None was written to hold a personal detail (a few do: "my name's jess"), so nearly every change
is a word staff would have lost: docs/privacy.md records the count ("37 of 5,970") after each change to
the redaction. --show lists each changed text as stored.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYS = ("question", "title", "alternates", "query", "text")


def _strings(node, key=None):
    if isinstance(node, str):
        if key in KEYS:
            yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item, key)
    elif isinstance(node, dict):
        for name, value in node.items():
            yield from _strings(value, name)


def own_texts(root: Path = ROOT) -> list[str]:
    import yaml

    texts = []
    for path in sorted((root / "knowledge").glob("*.yaml")) + sorted((root / "knowledge" / "eval").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if path.parent.name == "knowledge" and "entries" not in data:
            continue  # not_covered.yaml: topics the knowledge lacks, not questions staff wrote answers for
        texts.extend(_strings(data))
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each changed text as the log would store it")
    args = parser.parse_args(argv)
    texts = own_texts()

    from assistant.staff.redact import redactor

    redact = redactor()
    start = time.perf_counter()
    changed = [(text, redact(text)) for text in texts]
    changed = [(text, out) for text, out in changed if out != text]
    seconds = time.perf_counter() - start
    print(f"{len(changed)} of {len(texts)} own texts changed by the redaction "
          f"({seconds / len(texts) * 1000:.1f} ms a text)")
    if args.show:
        for _, redacted in changed:
            print(f"  {redacted}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
