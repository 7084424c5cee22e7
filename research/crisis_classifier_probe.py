"""Crisis classifier probe (issue #17): does a classifier trained on many phrasings generalise
better than nearest-exemplar similarity, and on which model's embeddings?

Train: the tune split of knowledge/eval/crisis_messages.yaml, the screen's exemplars and the
training corpus (assistant/crisis/data/training.yaml, written for training by helpers who never
saw the evaluation sets). Evaluate: the holdout split and the folded-in 2026-12-01 blind batch
(its first-contact figures were recorded before it was folded in; nothing here tunes on it).

For each feature set (MiniLM, mpnet, USE multilingual, and concatenations), a logistic
regression and an RBF support-vector machine over a small grid; the model is chosen by its
out-of-fold recall on the training data (the holdout only reports). The threshold keeps out-of-fold false alarms on the training benign messages at
<= 3% (chosen on train only), then holdout recall per language and false alarms. The lexicon
layer's own hits are OR-ed in for the "with lexicon" column, as the screen would.

    .venv/bin/python research/crisis_classifier_probe.py --mpnet /tmp/models/mpnet/all-mpnet-base-v2

Writes research/results/crisis_classifier_probe.json.
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
CACHE = Path("/tmp/crisis_probe_cache")


def load_sets(training_files: list[Path]):
    train, holdout = [], []
    labelled = yaml.safe_load((ROOT / "knowledge/eval/crisis_messages.yaml").read_text())
    for label, key in ((1, "crisis"), (0, "benign")):
        for case in labelled[key]:
            row = (case["text"], label, case.get("language", "en"))
            (train if case["split"] == "tune" else holdout).append(row)
    exemplars = yaml.safe_load((ROOT / "assistant/crisis/data/exemplars.yaml").read_text())["exemplars"]
    for category, groups in exemplars.items():
        if category == "benign":
            train += [(t, 0, "en") for t in groups]
        else:
            train += [(t, 1, "en") for group in groups.values() for t in group]
    for path in training_files:
        data = yaml.safe_load(path.read_text())
        train += [(c["text"], 1, c["language"]) for c in data["crisis"]]
        train += [(c["text"], 0, c["language"]) for c in data["benign"]]
    blind = yaml.safe_load((ROOT / "knowledge/eval/blind/2026-12-01-crisis.yaml").read_text())
    holdout += [(c["text"], 1, c["language"]) for c in blind["crisis"]]
    holdout += [(c["text"], 0, c["language"]) for c in blind["benign"]]
    return train, holdout


def encoders(mpnet_dir: str | None):
    from assistant.encoders.model import model_dir
    from research.model_probe import sentence_transformer, use_multilingual

    found = {"minilm": lambda: sentence_transformer(model_dir()), "use": use_multilingual}
    if mpnet_dir:
        found["mpnet"] = lambda: sentence_transformer(Path(mpnet_dir))
    return found


def embed(name: str, make, texts: list[str]) -> np.ndarray:
    import hashlib

    key = hashlib.sha256(("\n".join(texts) + name).encode()).hexdigest()[:16]
    path = CACHE / f"{name}-{key}.npy"
    if path.exists():
        return np.load(path)
    CACHE.mkdir(exist_ok=True)
    vectors = np.asarray(make()(texts), dtype=np.float32)
    np.save(path, vectors)
    return vectors


def evaluate(features_train, y_train, lang_train, features_hold, y_hold, lang_hold, lexicon_hold, c: float,
             gamma: float | None = None):
    """Logistic regression, or with ``gamma`` an RBF support-vector machine (what training.py uses)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.svm import SVC

    if gamma is None:
        model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        oof = cross_val_predict(model, features_train, y_train, cv=5, method="predict_proba")[:, 1]
    else:
        model = SVC(C=c, kernel="rbf", gamma=gamma, class_weight="balanced")
        oof = cross_val_predict(model, features_train, y_train, cv=5, method="decision_function")
    benign_scores = np.sort(oof[y_train == 0])
    threshold = float(benign_scores[int(np.ceil(0.97 * len(benign_scores))) - 1])  # <= 3% above it
    model.fit(features_train, y_train)
    scores = model.predict_proba(features_hold)[:, 1] if gamma is None else model.decision_function(features_hold)
    out = {"C": c, "gamma": gamma, "threshold": round(threshold, 4),
           "oof_recall_train": round(float((oof[y_train == 1] > threshold).mean()), 4)}
    for with_lexicon in (False, True):
        hit = (scores > threshold) | (lexicon_hold if with_lexicon else False)
        out["with_lexicon" if with_lexicon else "alone"] = by_language(hit, y_hold, lang_hold)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mpnet")
    parser.add_argument("--training", nargs="*", default=[str(ROOT / "assistant/crisis/data/training.yaml")])
    args = parser.parse_args()
    train, holdout = load_sets([Path(p) for p in args.training])
    texts_train = [t for t, _, _ in train]
    texts_hold = [t for t, _, _ in holdout]
    y_train = np.array([y for _, y, _ in train])
    y_hold = np.array([y for _, y, _ in holdout])
    lang_hold = [lang for _, _, lang in holdout]
    lang_train = [lang for _, _, lang in train]

    from assistant.crisis import CrisisScreen

    screen = CrisisScreen.load(ROOT / "knowledge")
    lexicon_hold = np.array([screen.screen_lexicon(t).detected for t in texts_hold])
    vectors = {}
    for name, make in encoders(args.mpnet).items():
        vectors[name] = (embed(name, make, texts_train), embed(name, make, texts_hold))
    combos = [[n] for n in vectors] + [["minilm", "use"]] + ([["mpnet", "use"]] if "mpnet" in vectors else [])
    results = {"train": len(train), "holdout": len(holdout),
               "lexicon_alone": by_language(lexicon_hold, y_hold, lang_hold)}
    for combo in combos:
        ftrain = np.hstack([vectors[n][0] for n in combo])
        fhold = np.hstack([vectors[n][1] for n in combo])
        grid = [(c, None) for c in (1.0, 4.0, 16.0)] + [(c, g) for c in (1.0, 4.0, 16.0) for g in (1.0, 2.0, 4.0)]
        for c, gamma in grid:
            key = f"{'+'.join(combo)} {'svm' if gamma else 'logistic'} C={c}" + (f" gamma={gamma}" if gamma else "")
            results[key] = evaluate(ftrain, y_train, lang_train, fhold, y_hold, lang_hold, lexicon_hold, c, gamma)
            print(key, json.dumps(results[key]), flush=True)
    out = ROOT / "research/results/crisis_classifier_probe.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


def by_language(hit, y_hold, lang_hold) -> dict:
    table = defaultdict(lambda: [0, 0, 0, 0])
    for h, y, lang in zip(hit, y_hold, lang_hold):
        row = table[lang if lang in ("en", "es") else "other"]
        if y:
            row[0] += int(h)
            row[1] += 1
        else:
            row[2] += int(h)
            row[3] += 1
    return {g: f"recall {r[0]}/{r[1]}, alarms {r[2]}/{r[3]}" for g, r in sorted(table.items())}


if __name__ == "__main__":
    main()
