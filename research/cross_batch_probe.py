"""Cross-batch probe (issue #17): which features would have done best at first contact?

A blind batch, once folded in, is training data; but it can still stand in for first contact by
leaving it (and every later batch) out: train on what existed before it was written, choose the
thresholds as training.py does (out-of-fold, on training data only), and score the batch as the
screen reads it (firm lexicon terms decide alone, deferred terms need the classifier's lexicon
bar, short messages get the check-in bar). Feature sets: USE multilingual (today's), plus the
answering model (MiniLM), plus all-mpnet-base-v2, each part scaled so the concatenation has unit length.

    .venv/bin/python research/cross_batch_probe.py --mpnet /tmp/models/mpnet/all-mpnet-base-v2

A proxy only: the figure that counts is the next fresh batch's, run once.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from research.crisis_classifier_probe import embed, encoders  # noqa: E402

BATCHES = ["2026-12-01b-crisis.yaml", "2026-12-01c-crisis.yaml", "2026-12-01d-crisis.yaml"]  # written after the classifier existed


def batch_rows(name: str):
    data = yaml.safe_load((ROOT / "knowledge/eval/blind" / name).read_text())
    return ([(c["text"], 1, c["language"]) for c in data["crisis"]]
            + [(c["text"], 0, c["language"]) for c in data["benign"]])


def training_rows(exclude: set[str]):
    from assistant.crisis.training import BENIGN, examples

    found = examples(ROOT / "knowledge/eval/crisis_messages.yaml")
    return [(e.text, int(e.label != BENIGN), e.language) for e in found if e.text not in exclude]


def thresholds(oof, y, firm, past, short):
    from assistant.crisis import training as t

    crisis, benign = y == 1, y == 0
    with_term = np.sort(oof[crisis & (firm | past)])
    lexicon_cut = float(with_term[int(np.floor((1 - t.LEXICON_RECALL) * len(with_term)))])
    fixed = firm | (past & (oof >= lexicon_cut))

    def alarms(cut, check_in):
        return (fixed | (oof >= cut) | (short & (oof >= check_in)))[benign].mean()

    candidates = np.sort(np.unique(oof))[::-1]
    crisis_cut = 1e9
    for c in candidates:
        if alarms(c, 1e9) > t.CRISIS_ALARMS:
            break
        crisis_cut = float(c)
    check_in = crisis_cut
    for c in candidates[candidates < crisis_cut]:
        if alarms(crisis_cut, c) > t.TOTAL_ALARMS:
            break
        check_in = float(c)
    return lexicon_cut, crisis_cut, check_in


def run(features_train, y, lex_train, short_train, features_test, y_test, lex_test, short_test, lang_test, c, gamma):
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.svm import SVC

    model = SVC(C=c, kernel="rbf", gamma=gamma, class_weight="balanced")
    oof = cross_val_predict(model, features_train, y, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                            method="decision_function")
    firm, past = lex_train
    lexicon_cut, crisis_cut, check_in = thresholds(oof, y, firm, past, short_train)
    scores = model.fit(features_train, y).decision_function(features_test)
    tfirm, tpast = lex_test
    hit = tfirm | (tpast & (scores >= lexicon_cut)) | (scores >= crisis_cut) | (short_test & (scores >= check_in))
    table = defaultdict(lambda: [0, 0, 0, 0])
    for h, label, lang in zip(hit, y_test, lang_test):
        row = table[lang if lang in ("en", "es") else "other"]
        row[0 if label else 2] += int(h)
        row[1 if label else 3] += 1
    return {g: f"{r[0]}/{r[1]} detected, {r[2]}/{r[3]} alarms" for g, r in sorted(table.items())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mpnet")
    parser.add_argument("--grid", action="store_true", help="C 2-8, gamma 1-3 (else today's C 4, gamma 2)")
    parser.add_argument("--extra", nargs="*", default=[], help="more training files (training.yaml's shape)")
    parser.add_argument("--no-mpnet-combos", action="store_true")
    args = parser.parse_args()
    from assistant.crisis.screen import CrisisScreen
    from assistant.crisis.training import short

    screen = CrisisScreen.load(None)
    made = encoders(args.mpnet)
    extra = []
    for path in args.extra:
        data = yaml.safe_load(Path(path).read_text())
        extra += [(c["text"], 1, c["language"]) for c in data["crisis"]] + [(c["text"], 0, c["language"]) for c in data["benign"]]
    everything = list(dict.fromkeys([t for t, _, _ in training_rows(set()) + extra]
                                    + [t for name in BATCHES for t, _, _ in batch_rows(name)]))
    where = {t: i for i, t in enumerate(everything)}
    vectors = {name: embed(name, make, everything) for name, make in made.items()}
    results = {}
    for i, held in enumerate(BATCHES):
        exclude = {t for name in BATCHES[i:] for t, _, _ in batch_rows(name)}
        train = training_rows(exclude) + extra
        test = batch_rows(held)
        parts = {name: (vectors[name][[where[t] for t, _, _ in train]], vectors[name][[where[t] for t, _, _ in test]])
                 for name in vectors}

        def lex(rows):
            layers = [screen.lexicon(t).layer for t, _, _ in rows]
            return (np.array([x in ("lexicon", "uncertain") for x in layers]), np.array([x == "deferred" for x in layers]))

        y = np.array([label for _, label, _ in train])
        y_test = np.array([label for _, label, _ in test])
        short_train = np.array([short(t) for t, _, _ in train])
        short_test = np.array([short(t) for t, _, _ in test])
        combos = [["use"], ["use", "minilm"]] + ([["use", "mpnet"], ["use", "minilm", "mpnet"]] if args.mpnet else [])
        grid = [(c, g) for c in (2.0, 4.0, 8.0) for g in (1.0, 2.0, 3.0)] if args.grid else [(4.0, 2.0)]
        for combo in combos:
            scale = 1 / np.sqrt(len(combo))
            ftrain = np.hstack([parts[n][0] * scale for n in combo])
            ftest = np.hstack([parts[n][1] * scale for n in combo])
            for c, g in grid:
                key = f"{held} {'+'.join(combo)} C={c} gamma={g}"
                results[key] = run(ftrain, y, lex(train), short_train, ftest, y_test, lex(test), short_test,
                                   [lang for _, _, lang in test], c, g)
                print(key, json.dumps(results[key]), flush=True)
    (ROOT / "research/results/cross_batch_probe.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
