"""Fold a blind crisis batch into the labelled set's tune split, once its first contact is recorded.

    .venv/bin/python benchmarks/fold_batch.py knowledge/eval/blind/2026-12-02i-crisis.yaml

Appends the batch's crisis messages after the last crisis message of `knowledge/eval/crisis_messages.yaml`
and its benign ones at the end, as `split: tune` with the batch's kind as `mode`, under a comment naming
the batch and the date. Messages already there, or word for word an exemplar or a training message
(case and spacing aside), are left out and counted. Run `python -m assistant train-crisis` after.
"""
from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "knowledge" / "eval" / "crisis_messages.yaml"


def _key(text: str) -> str:
    return " ".join(str(text).casefold().split())


def _known_texts(labelled: Path) -> set[str]:
    sys.path.insert(0, str(ROOT))
    from assistant.crisis.training import examples

    return {_key(e.text) for e in examples(labelled)} | {
        _key(c["text"]) for part in ("crisis", "benign")
        for c in yaml.safe_load(labelled.read_text(encoding="utf-8"))[part]}


def _line(case: dict, crisis: bool) -> str:
    fields = {"text": case["text"]}
    if crisis:
        fields["category"] = case["category"]
    fields.update(split="tune", mode=case["kind"], language=case["language"])
    return "  - {" + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items()) + "}"


def fold(batch_path: Path, labelled: Path = LABELLED) -> tuple[int, int]:
    batch = yaml.safe_load(batch_path.read_text(encoding="utf-8"))
    known = _known_texts(labelled)
    header = (f"  # ---- folded in {datetime.date.today()}: blind batch {batch_path.name}, after its "
              "first-contact figures (docs/crisis.md)")
    new: dict[str, list[str]] = {"crisis": [], "benign": []}
    skipped = 0
    for part in ("crisis", "benign"):
        for case in batch[part]:
            if _key(case["text"]) in known:
                skipped += 1
                continue
            known.add(_key(case["text"]))
            new[part].append(_line(case, part == "crisis"))
    lines = labelled.read_text(encoding="utf-8").rstrip("\n").split("\n")
    benign_at = lines.index("benign:")
    lines[benign_at:benign_at] = [header, *new["crisis"], ""] if new["crisis"] else []
    lines += [header, *new["benign"]] if new["benign"] else []
    labelled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    yaml.safe_load(labelled.read_text(encoding="utf-8"))  # still valid YAML
    return len(new["crisis"]) + len(new["benign"]), skipped


if __name__ == "__main__":
    for name in sys.argv[1:]:
        added, skipped = fold(Path(name))
        print(f"{name}: {added} messages folded into tune, {skipped} already known left out")
