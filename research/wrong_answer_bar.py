"""How many right answers does each wrong-answer bar cost? (issue #18: at most 3% of in-scope questions shown
a wrong answer, at least 95% of out-of-scope ones falling back.)

    .venv/bin/python research/wrong_answer_bar.py

For each bar, `calibrate` chooses the policy on the tune split only, as `eval --calibrate` does; the table gives
tune and the held-out splits (holdout + fresh) with that policy. Bar 1.00 is the objective before the
wrong-answer bar joined (the most right answers among the settings where 95% of out-of-scope questions fall back).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARS = (1.0, 0.05, 0.04, 0.03, 0.02)
POLICY = ("min_score", "min_margin", "confident_score", "unknown_word_penalty", "not_covered_weight")


def main() -> int:
    from assistant.engine import Assistant
    from assistant.evaluation.answers import LABELLED_SETS, calibrate

    assistant = Assistant.load(ROOT / "knowledge", ROOT / "index", draft=True)
    sets = [ROOT / path for path in LABELLED_SETS]
    print(f"model {assistant.settings.model}")
    print("bar    policy (min_score, margin, confident, unknown, not covered)   "
          "tune right / wrong / falls back   held out right / wrong / falls back")
    for bar in BARS:
        chosen, tune, held = calibrate(assistant.retriever, assistant.embedder, assistant.entries,
                                       assistant.settings, sets, wrong_answer_goal=bar)
        policy = ", ".join(f"{getattr(chosen, name):.2f}" for name in POLICY)
        print(f"{bar:.2f}   ({policy})   {tune.answered_correctly:.3f} / {tune.answered_wrong:.3f} / "
              f"{tune.abstention:.3f}            {held.answered_correctly:.3f} / {held.answered_wrong:.3f} / "
              f"{held.abstention:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
