"""Answer-quality probe (not part of `make bench`): would long questions be answered better if each
of their clauses were also embedded on its own?

"my brother is in a drug program, how would group sessions help him" carries a clause the
knowledge never talks about. This adds the clauses of a question (split at punctuation, " - ",
"because" and "but"; at least `min_words` words each) to its query variants, where the best
variant counts, as the spelling-corrected copy does. Thresholds are recalibrated on the tune split
for each mode, and every split is printed. Nothing is written. About ten seconds.

    .venv/bin/python research/clause_probe.py [min_words]

Measured 2026-11-30 (research/README.md): every clause, right answer first 0.878 -> 0.889
(tune), 0.778 -> 0.789 (holdout), 0.857 -> 0.886 (fresh), but wrong answers on holdout 0.122 ->
0.200 and out-of-scope falling back on fresh 0.953 -> 0.930; the last clause alone 0.878 / 0.789 /
0.886, wrong answers on holdout 0.178.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CLAUSE_BREAK = re.compile(r"\s*(?:[,;:.!?]+|\s[-–—]+\s|\bbecause\b|\bbut\b)\s*", re.IGNORECASE)


def main() -> None:
    import assistant.retrieval as retrieval
    from assistant.engine import Assistant
    from assistant.evaluation.answers import calibrate, evaluate_seed, format_seed

    min_words = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    os.chdir(ROOT)
    assistant = Assistant.load(ROOT / "knowledge", ROOT / "index", draft=True)
    if assistant.problem is not None:
        raise SystemExit(str(assistant.problem))
    as_shipped = retrieval.Retriever.query_variants

    for mode in ("as shipped", "every clause", "last clause"):
        def variants(self, text: str, mode: str = mode) -> list[str]:
            found = as_shipped(self, text)
            clauses = [c for c in CLAUSE_BREAK.split(text) if len(c.split()) >= min_words]
            if mode == "as shipped" or len(clauses) < 2:
                return found
            return found + (clauses if mode == "every clause" else clauses[-1:])

        retrieval.Retriever.query_variants = variants
        chosen, _, _ = calibrate(assistant.retriever, assistant.embedder, assistant.entries, assistant.settings)
        print(f"== {mode}: thresholds from tune min_score {chosen.min_score}, min_margin {chosen.min_margin}, "
              f"confident_score {chosen.confident_score}")
        print(format_seed(evaluate_seed(assistant.retriever, assistant.embedder, assistant.entries, chosen)))
    retrieval.Retriever.query_variants = as_shipped


if __name__ == "__main__":
    main()
