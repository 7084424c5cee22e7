"""Fold a blind batch into a labelled set's tune split, once its first contact is recorded.

    .venv/bin/python benchmarks/fold_batch.py knowledge/eval/blind/2026-12-02i-crisis.yaml
    .venv/bin/python benchmarks/fold_batch.py knowledge/eval/blind/2026-12-02i-answers.yaml

An answers batch: its English questions (in scope and out of scope) are appended to
`knowledge/eval/blind_tune_queries.yaml` (split tune, read by `eval` with the other labelled sets, so
`eval --calibrate` chooses on them), under a comment naming the batch. Its other-language questions stay in
the batch file, where `research/crosslingual_tuning.py` reads them. Questions already in a labelled set
(case and spacing aside) are left out and counted.

A crisis batch: appends the batch's crisis messages after the last crisis message of `knowledge/eval/crisis_messages.yaml`
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


def _crisis_key(text: str) -> str:
    """The screen's own normal form (case, apostrophes, leetspeak…): "i hope i dont wake up tomorrow" is the
    exemplar "I hope I don't wake up tomorrow", which tests/evaluation/test_crisis.py keeps out of the sets."""
    sys.path.insert(0, str(ROOT))
    from assistant.crisis.normalise import normalise

    return _key(normalise(str(text)))


def _known_texts(labelled: Path) -> set[str]:
    sys.path.insert(0, str(ROOT))
    from assistant.crisis.training import examples

    return {_crisis_key(e.text) for e in examples(labelled)} | {
        _crisis_key(c["text"]) for part in ("crisis", "benign")
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
            if _crisis_key(case["text"]) in known:
                skipped += 1
                continue
            known.add(_crisis_key(case["text"]))
            new[part].append(_line(case, part == "crisis"))
    lines = labelled.read_text(encoding="utf-8").rstrip("\n").split("\n")
    benign_at = lines.index("benign:")
    lines[benign_at:benign_at] = [header, *new["crisis"], ""] if new["crisis"] else []
    lines += [header, *new["benign"]] if new["benign"] else []
    labelled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    yaml.safe_load(labelled.read_text(encoding="utf-8"))  # still valid YAML
    return len(new["crisis"]) + len(new["benign"]), skipped


BLIND_TUNE = ROOT / "knowledge" / "eval" / "blind_tune_queries.yaml"
BLIND_TUNE_HEADER = """\
# English questions of the blind answer batches in knowledge/eval/blind/, folded in after each batch's
# first-contact figures were recorded (docs/answer-quality.md). Written by helpers who saw only the article
# and the entries' headings. Split tune: `eval --calibrate` chooses the answer policy on these and on
# seed_queries.yaml's tune half; holdout, fresh and the next blind batch are what the figures are read on.
# Appended by benchmarks/fold_batch.py, never edited by hand.
split: tune
in_scope:
out_of_scope:
"""


def _english(case: dict) -> bool:
    return case.get("language", "en") == "en"  # the first batches had no language field: all English there


def fold_answers(batch_path: Path, labelled: Path = BLIND_TUNE) -> tuple[int, int]:
    sys.path.insert(0, str(ROOT))
    from assistant.evaluation.answers import LABELLED_SETS, load_seed_set

    if not labelled.exists():
        labelled.write_text(BLIND_TUNE_HEADER, encoding="utf-8")
    sets = {ROOT / p for p in LABELLED_SETS} | {labelled}
    known = {_key(q.query) for q in load_seed_set(sorted(sets))}
    batch = yaml.safe_load(batch_path.read_text(encoding="utf-8"))
    header = f"  # ---- {batch_path.name}, folded in {datetime.date.today()}"
    new: dict[str, list[str]] = {"in_scope": [], "out_of_scope": []}
    skipped = 0
    for part in new:
        for case in filter(_english, batch.get(part, [])):
            if _key(case["query"]) in known:
                skipped += 1
                continue
            known.add(_key(case["query"]))
            fields = {"query": case["query"], **({"expect": case["expect"]} if part == "in_scope" else {}),
                      "style": case.get("style") or case.get("kind", "")}
            new[part].append("  - {" + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}"
                                                  for k, v in fields.items()) + "}")
    lines = labelled.read_text(encoding="utf-8").rstrip("\n").split("\n")
    out_at = lines.index("out_of_scope:")
    lines[out_at:out_at] = [header, *new["in_scope"]] if new["in_scope"] else []
    lines += [header, *new["out_of_scope"]] if new["out_of_scope"] else []
    labelled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = yaml.safe_load(labelled.read_text(encoding="utf-8"))  # still valid YAML
    assert all(isinstance(data[part], list) for part in new), labelled
    return len(new["in_scope"]) + len(new["out_of_scope"]), skipped


if __name__ == "__main__":
    for name in sys.argv[1:]:
        is_answers = "in_scope" in yaml.safe_load(Path(name).read_text(encoding="utf-8"))
        added, skipped = (fold_answers if is_answers else fold)(Path(name))
        print(f"{name}: {added} messages folded into tune, {skipped} already known left out")
