"""Cross-batch probe (issue #17): which features would have done best at first contact?

A blind batch, once folded in, is training data; but it can still stand in for first contact by
leaving it (and every later batch) out: train on what existed before it was written, choose the
thresholds as training.py does (out of fold), on all the training data or on the labelled tune
split only, and score the batch as the screen reads it (firm lexicon terms decide alone, deferred
terms need the classifier's lexicon bar, short messages get the check-in bar). Feature sets: USE
multilingual plus the answering model (MiniLM), and with --mpnet all-mpnet-base-v2 too, each part
scaled so the concatenation has unit length. Options try a longer check-in limit (--short-words),
the last words of long messages scored too (--tail), another false-alarm budget (--alarms).

    .venv/bin/python research/cross_batch_probe.py --mpnet /tmp/models/mpnet/all-mpnet-base-v2
    .venv/bin/python research/cross_batch_probe.py --tail 20 --short-words 6 10 --held-out 2026-12-01e-crisis.yaml

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

BATCHES = ["2026-12-01b-crisis.yaml", "2026-12-01c-crisis.yaml", "2026-12-01d-crisis.yaml", "2026-12-01e-crisis.yaml",
           "2026-12-01f-crisis.yaml"]  # written after the classifier existed


def batch_rows(name: str):
    data = yaml.safe_load((ROOT / "knowledge/eval/blind" / name).read_text())
    return ([(c["text"], 1, c["language"]) for c in data["crisis"]]
            + [(c["text"], 0, c["language"]) for c in data["benign"]])


def training_rows(exclude: set[str]):
    from assistant.crisis.training import BENIGN, examples

    found = examples(ROOT / "knowledge/eval/crisis_messages.yaml")
    return [(e.text, int(e.label != BENIGN), e.language) for e in found if e.text not in exclude]


def tune_split_texts() -> set[str]:
    """The labelled set's tune split (the folded-in blind batches among it): visitor-like messages, as the
    blind batches are; the training corpora lean on hard benign messages on purpose."""
    from assistant.crisis.training import examples

    return {e.text for e in examples(ROOT / "knowledge/eval/crisis_messages.yaml") if e.source == "tune"}


def thresholds(scores, y, firm, past, short):
    """training.py's bars, on decision values (through the same logistic curve as the screen's risk)."""
    from assistant.crisis.training import _choose_thresholds

    risk = 1.0 / (1.0 + np.exp(-scores))
    bars, _ = _choose_thresholds(risk, y == 1, firm, past, short)
    logit = lambda p: float(np.log(p / (1.0 - p))) if 0.0 < p < 1.0 else (np.inf if p >= 1.0 else -np.inf)  # noqa: E731
    return logit(bars.lexicon), logit(bars.crisis), logit(bars.check_in)


def run(features_train, y, lex_train, texts_train, features_test, y_test, lex_test, texts_test, lang_test, c, gamma,
        tails=None, short_limits=(6,), calibration=None):
    """Scores once, then each variant: the check-in's word limit in ``short_limits``, and with ``tails``
    ((train tail features, train has-tail mask, test tail features, test mask)) a long message's last
    words scored too, the higher score counting."""
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import SVC

    def fitted(x, labels):
        return SVC(C=c, kernel="rbf", gamma=gamma, class_weight="balanced").fit(x, labels)

    oof = np.zeros(len(y))
    oof_tail = np.full(len(y), -np.inf)
    for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=0).split(features_train, y):
        model = fitted(features_train[train_idx], y[train_idx])
        oof[test_idx] = model.decision_function(features_train[test_idx])
        if tails is not None:
            picked = test_idx[tails[1][test_idx]]
            if len(picked):
                oof_tail[picked] = model.decision_function(tails[0][picked])
    model = fitted(features_train, y)
    scores = model.decision_function(features_test)
    scores_tail = np.full(len(y_test), -np.inf)
    if tails is not None and tails[3].any():
        scores_tail[tails[3]] = model.decision_function(tails[2][tails[3]])
    firm, past = lex_train
    tfirm, tpast = lex_test
    out = {}
    calibration = calibration or {"all": np.ones(len(y), dtype=bool)}
    for (with_tail, limit, (on, mask)) in [(w, n, m) for w in ([False, True] if tails is not None else [False])
                                            for n in short_limits for m in calibration.items()]:
        train_scores = np.maximum(oof, oof_tail) if with_tail else oof
        test_scores = np.maximum(scores, scores_tail) if with_tail else scores
        short_train = np.array([len(t.split()) <= limit for t in texts_train])
        short_test = np.array([len(t.split()) <= limit for t in texts_test])
        lexicon_cut, crisis_cut, check_in = thresholds(train_scores[mask], y[mask], firm[mask], past[mask],
                                                       short_train[mask])
        hit = (tfirm | (tpast & (test_scores >= lexicon_cut)) | (test_scores >= crisis_cut)
               | (short_test & (test_scores >= check_in)))
        table = defaultdict(lambda: [0, 0, 0, 0])
        for h, label, lang in zip(hit, y_test, lang_test):
            row = table[lang if lang in ("en", "es") else "other"]
            row[0 if label else 2] += int(h)
            row[1 if label else 3] += 1
        out[f"tail={with_tail} short<={limit} calibrated on {on}"] = {g: f"{r[0]}/{r[1]} detected, {r[2]}/{r[3]} alarms"
                                                  for g, r in sorted(table.items())}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mpnet")
    parser.add_argument("--grid", action="store_true", help="C 2-8, gamma 1-3 (else today's C 4, gamma 2)")
    parser.add_argument("--extra", nargs="*", default=[], help="more training files (training.yaml's shape)")
    parser.add_argument("--short-words", type=int, nargs="*", default=[6], help="check-in word limits to try")
    parser.add_argument("--alarms", type=float, help="CRISIS_ALARMS (TOTAL_ALARMS 0.005 above it)")
    parser.add_argument("--held-out", nargs="*", help="only these batches (default: each in turn)")
    parser.add_argument("--tail", type=int, help="also score the last N words of messages over 2N words")
    args = parser.parse_args()
    if args.alarms:
        from assistant.crisis import training as t

        t.CRISIS_ALARMS, t.TOTAL_ALARMS = args.alarms, args.alarms + 0.005
    from assistant.crisis.screen import CrisisScreen
    screen = CrisisScreen.load(None)
    made = encoders(args.mpnet)
    extra = []
    for path in args.extra:
        data = yaml.safe_load(Path(path).read_text())
        extra += [(c["text"], 1, c["language"]) for c in data["crisis"]] + [(c["text"], 0, c["language"]) for c in data["benign"]]
    def tail_of(text):
        words = text.split()
        return " ".join(words[-args.tail:]) if args.tail and len(words) > 2 * args.tail else None

    texts = [t for t, _, _ in training_rows(set()) + extra] + [t for name in BATCHES for t, _, _ in batch_rows(name)]
    everything = list(dict.fromkeys(texts + [tail_of(t) for t in texts if tail_of(t)]))
    where = {t: i for i, t in enumerate(everything)}
    vectors = {name: embed(name, make, everything) for name, make in made.items()}
    results = {}
    for i, held in enumerate(BATCHES):
        if args.held_out and held not in args.held_out:
            continue
        exclude = {t for name in BATCHES[i:] for t, _, _ in batch_rows(name)}
        train = training_rows(exclude) + extra
        tune_texts = tune_split_texts() - exclude
        test = batch_rows(held)
        parts = {name: (vectors[name][[where[t] for t, _, _ in train]], vectors[name][[where[t] for t, _, _ in test]])
                 for name in vectors}

        def lex(rows):
            layers = [screen.lexicon(t).layer for t, _, _ in rows]
            return (np.array([x in ("lexicon", "uncertain") for x in layers]), np.array([x == "deferred" for x in layers]))

        y = np.array([label for _, label, _ in train])
        y_test = np.array([label for _, label, _ in test])
        combos = [["use", "minilm"]] + ([["use", "mpnet"], ["use", "minilm", "mpnet"]] if args.mpnet else [])
        has_train = np.array([tail_of(t) is not None for t, _, _ in train])
        has_test = np.array([tail_of(t) is not None for t, _, _ in test])
        grid = [(c, g) for c in (2.0, 4.0, 8.0) for g in (1.0, 2.0, 3.0)] if args.grid else [(4.0, 2.0)]
        for combo in combos:
            scale = 1 / np.sqrt(len(combo))
            ftrain = np.hstack([parts[n][0] * scale for n in combo])
            ftest = np.hstack([parts[n][1] * scale for n in combo])
            tails = None
            if args.tail:
                def tail_rows(rows, combo=combo, scale=scale):
                    return np.hstack([vectors[n][[where[tail_of(t) or t] for t, _, _ in rows]] * scale for n in combo])
                tails = (tail_rows(train), has_train, tail_rows(test), has_test)
            for c, g in grid:
                key = f"{held} {'+'.join(combo)} C={c} gamma={g}"
                results[key] = run(ftrain, y, lex(train), [t for t, _, _ in train], ftest, y_test, lex(test),
                                   [t for t, _, _ in test], [lang for _, _, lang in test], c, g, tails,
                                   tuple(args.short_words),
                                   {"all": np.ones(len(train), dtype=bool),
                                    "tune": np.array([t in tune_texts for t, _, _ in train])})
                print(key, json.dumps(results[key]), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
