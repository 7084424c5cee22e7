"""How well the question log's redaction removes personal details (assistant/staff/redact.py).

    .venv/bin/python benchmarks/pii.py benchmarks/data/pii_dev.yaml [--json] [--show]

The set (YAML): `messages:` each with `text`, and for messages holding personal details `pii`
(exact substrings of the text) and `kinds` (one per detail: name, street_address, date_of_birth,
social_handle, email, phone, other_id).

What counts:
- A detail is *removed* when none of its words of 3+ letters or digits is left in the redacted text
  (as a whole word, case-insensitive, not counting the same word where the message has it outside
  any detail, nor the placeholders' own words). Words of one or two characters ("St", "3º", "de")
  identify no one alone. A detail without such a word ("7/22/02") is removed when it is not left whole.
  So "Maria [name]" for "Maria Lopez" is *not* removed: a first name left is a detail kept.
- *Unchanged*: of the messages with no detail, the share that come out exactly as typed.
- *Words wrongly removed*: words of 3+ letters or digits outside every detail that are missing from
  the redacted text, per message (all messages).
- *ms per message*: the median time of one redaction, the model loaded and warmed up.
The language of each message is the assistant's own detector's (assistant/language.py).
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORD = re.compile(r"[^\W_]{3,}")
ANY_WORD = re.compile(r"[^\W_]+")
KINDS = ("name", "street_address", "date_of_birth", "social_handle", "email", "phone", "other_id")


def load_set(path: Path) -> list[dict]:
    import yaml

    messages = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["messages"]
    for number, message in enumerate(messages, 1):
        pii, kinds = message.get("pii") or [], message.get("kinds") or []
        if len(pii) != len(kinds):
            raise SystemExit(f"{path}: message {number}: {len(pii)} details but {len(kinds)} kinds")
        for detail, kind in zip(pii, kinds):
            if detail not in message["text"]:
                raise SystemExit(f"{path}: message {number}: {detail!r} is not in its text")
            if kind not in KINDS:
                raise SystemExit(f"{path}: message {number}: unknown kind {kind!r} (one of {', '.join(KINDS)})")
    return messages


def _without_placeholders(text: str) -> str:
    from assistant.staff.redact import PLACEHOLDERS

    for placeholder in set(PLACEHOLDERS.values()):
        text = text.replace(placeholder, " ")
    return text


def _count(words: list[str]) -> Counter:
    return Counter(word.lower() for word in words)


def detail_removed(text: str, details: list[str], detail: str, redacted: str) -> bool:
    outside = text
    for other in details:
        outside = outside.replace(other, " ")
    left = _count(WORD.findall(_without_placeholders(redacted)))
    elsewhere = _count(WORD.findall(outside))
    words = WORD.findall(detail)
    if not words:
        return detail not in redacted
    return all(left[word.lower()] <= elsewhere[word.lower()] for word in words)


def wrongly_removed(text: str, details: list[str], redacted: str) -> list[str]:
    outside = text
    for detail in details:
        outside = outside.replace(detail, " ")
    wanted, left = _count(WORD.findall(outside)), _count(WORD.findall(_without_placeholders(redacted)))
    return [word for word, count in wanted.items() for _ in range(max(0, count - left[word]))]


def language_group(text: str) -> str:
    from assistant.language import detect

    code = detect(text).code
    return code if code in ("en", "es") else "other"


def measure(messages: list[dict], redact) -> dict:
    removed: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    unchanged, clean_messages, wrong, misses, over = 0, 0, [], [], []
    timings = []
    for message in messages:
        text, details, kinds = message["text"], message.get("pii") or [], message.get("kinds") or []
        start = time.perf_counter()
        redacted = redact(text)
        timings.append((time.perf_counter() - start) * 1000)
        group = language_group(text)
        for detail, kind in zip(details, kinds):
            ok = detail_removed(text, details, detail, redacted)
            for key in ((kind, group), (kind, "all"), ("all", group), ("all", "all")):
                removed[key][0] += ok
                removed[key][1] += 1
            if not ok:
                misses.append({"kind": kind, "detail": detail, "redacted": redacted})
        if not details:
            clean_messages += 1
            unchanged += redacted == text
        lost = wrongly_removed(text, details, redacted)
        wrong.append(len(lost))
        if lost:
            over.append({"lost": lost, "redacted": redacted})
    return {
        "messages": len(messages),
        "removed": {f"{kind}/{group}": {"share": round(ok / total, 3), "removed": ok, "details": total}
                    for (kind, group), (ok, total) in sorted(removed.items())},
        "unchanged_without_pii": {"share": round(unchanged / clean_messages, 3) if clean_messages else None,
                                  "unchanged": unchanged, "messages": clean_messages},
        "wrongly_removed_words_per_message": round(sum(wrong) / len(messages), 3),
        "median_ms": round(statistics.median(timings), 2),
        "p90_ms": round(sorted(timings)[int(0.9 * (len(timings) - 1))], 2),
        "misses": misses,
        "over_redacted": over,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", type=Path)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--show", action="store_true", help="list the details left and the words lost")
    args = parser.parse_args(argv)
    messages = load_set(args.set)

    from assistant.staff.redact import redactor

    start = time.perf_counter()
    redact = redactor()
    load_s = time.perf_counter() - start
    for message in messages[:5]:
        redact(message["text"])  # warm up
    report = measure(messages, redact)
    report["load_s"] = round(load_s, 2)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    print(f"{args.set}: {report['messages']} messages; redactor loaded in {report['load_s']} s")
    print("details removed (share, removed/details):")
    groups = sorted({key.split("/")[1] for key in report["removed"]}, key=lambda g: (g == "all", g))
    print(f"  {'kind':<16}" + "".join(f"{group:>18}" for group in groups))
    for kind in (*KINDS, "all"):
        cells = []
        for group in groups:
            cell = report["removed"].get(f"{kind}/{group}")
            cells.append(f"{cell['share']:.1%} ({cell['removed']}/{cell['details']})" if cell else "-")
        if any(cell != "-" for cell in cells):
            print(f"  {kind:<16}" + "".join(f"{cell:>18}" for cell in cells))
    clean = report["unchanged_without_pii"]
    print(f"messages without details left unchanged: {clean['share']:.1%} ({clean['unchanged']}/{clean['messages']})")
    print(f"words wrongly removed per message: {report['wrongly_removed_words_per_message']}")
    print(f"ms per message: median {report['median_ms']}, p90 {report['p90_ms']}")
    if args.show:
        for miss in report["misses"]:
            print(f"  LEFT {miss['kind']}: {miss['detail']!r} in {miss['redacted']!r}")
        for item in report["over_redacted"]:
            print(f"  LOST {item['lost']}: {item['redacted']!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
