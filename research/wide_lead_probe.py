"""Would a wide lead over the runner-up let a lower-scoring best entry be shown? (issue #18)

    .venv/bin/python research/wide_lead_probe.py

Short questions ("Group instead of one-on-one?") score low against every entry, yet one entry leads the rest by
far: today's policy (a floor, then a margin or a confident score) lets them fall back. The probe adds one rule,
"shown when the best score is at least `lead_floor` and leads by at least `wide_margin`", and chooses all five
values on the tune split with `calibrate`'s objective (#18's two bars first, then the most right answers first),
the penalties fixed at the model's policy. It reports tune and the held-out splits (holdout + fresh) against
today's rule chosen the same way.
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from assistant.engine import Assistant
    from assistant.evaluation.answers import (
        LABELLED_SETS,
        OUT_OF_SCOPE_FALLBACK_GOAL,
        WRONG_ANSWER_GOAL,
        load_seed_set,
        rank_all,
    )

    assistant = Assistant.load(ROOT / "knowledge", ROOT / "index", draft=True)
    labelled = load_seed_set([ROOT / p for p in LABELLED_SETS])
    ranked = rank_all(assistant.retriever, assistant.embedder, [q.query for q in labelled], k=3)
    ids = [e.id.split("/")[0] for e in assistant.entries]

    def arrays(split_is_tune: bool):
        rows = [(q, r) for q, r in zip(labelled, ranked) if (q.split == "tune") == split_is_tune]
        in_scope = np.array([bool(q.expect) for q, _ in rows])
        right = np.array([bool(q.expect) and ids[r[0].position] in q.expect for q, r in rows])
        score = np.array([r[0].score for _, r in rows])
        margin = np.array([r[0].score - r[1].score for _, r in rows])
        return in_scope, right, score, margin

    tune, held = arrays(True), arrays(False)

    def measure(data, p):
        in_scope, right, score, margin = data
        shown = (score >= p[0]) & ((margin >= p[1]) | (score >= p[2]))
        if len(p) > 3:
            shown |= (score >= p[3]) & (margin >= p[4])
        n_in, n_out = max(in_scope.sum(), 1), max((~in_scope).sum(), 1)
        return ((shown & right).sum() / n_in, (shown & in_scope & ~right).sum() / n_in,
                (~shown & ~in_scope).sum() / n_out)

    def key(m):
        correct, wrong, abstain = m
        if abstain < OUT_OF_SCOPE_FALLBACK_GOAL:
            return (False, False, min(correct, abstain), -wrong, correct + abstain)
        if wrong > WRONG_ANSWER_GOAL:
            return (True, False, -wrong, correct, abstain)
        return (True, True, correct, -wrong, abstain)

    base_grid = list(itertools.product([x / 100 for x in range(40, 121)], [0.0, 0.01, 0.02, 0.03, 0.05, 0.08],
                                       [x / 100 for x in range(55, 131, 5)]))
    base_grid = [p for p in base_grid if p[2] >= p[0]]
    today = max(base_grid, key=lambda p: key(measure(tune, p)))
    # The wide-lead rule on top of today's choice and of every base choice near it: floors below min_score.
    best, best_key = today, key(measure(tune, today))
    for p in base_grid:
        if abs(p[0] - today[0]) > 0.1:
            continue
        for lead_floor in [x / 100 for x in range(50, int(p[0] * 100), 2)]:
            for wide in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
                candidate = (*p, lead_floor, wide)
                k = key(measure(tune, candidate))
                if k > best_key:
                    best, best_key = candidate, k
    print(f"model {assistant.settings.model}; tune {len(tune[0])} questions, held out {len(held[0])}")
    for name, p in (("today's rule", today), ("with a wide lead", best)):
        t, h = measure(tune, p), measure(held, p)
        print(f"{name:18} {tuple(round(x, 2) for x in p)}  tune right {t[0]:.3f} wrong {t[1]:.3f} falls back "
              f"{t[2]:.3f}   held out right {h[0]:.3f} wrong {h[1]:.3f} falls back {h[2]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
