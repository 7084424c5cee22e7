"""Evaluation: how well the assistant answers, abstains and screens, measured on labelled sets.

- seed set (knowledge/eval/seed_queries.yaml): visitor-style questions about the shipped
  knowledge, plus out-of-scope questions that must fall back; split into tune/holdout.
- fresh set (knowledge/eval/fresh_queries.yaml): a second set written blind by another
  writer, added after the knowledge was written; its own split, never calibrated on.
- public datasets (`eval --datasets DIR`, e.g. ../shared/datasets): real labelled queries on other FAQ sets, retrieval only.
- crisis set (knowledge/eval/crisis_messages.yaml): see evaluation/crisis.py.
"""
from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import yaml

from assistant.knowledge import Entry
from assistant.policy import decide
from assistant.retrieval import Candidate, Retriever
from assistant.settings import Settings

SEED_SET = Path("knowledge/eval/seed_queries.yaml")
FRESH_SET = Path("knowledge/eval/fresh_queries.yaml")
LABELLED_SETS = (SEED_SET, FRESH_SET)
SPLITS = ("tune", "holdout", "fresh")  # only "tune" is ever used to choose a threshold


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    expect: tuple[str, ...]  # empty = out of scope
    split: str
    style: str = ""


def load_seed_set(path: Path | Sequence[Path] = LABELLED_SETS) -> list[LabelledQuery]:
    """Labelled questions from one file or several. An item's split defaults to its file's
    top-level `split:` (else "tune")."""
    if not isinstance(path, (str, Path)):
        return [query for one in path for query in load_seed_set(one)]
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    default = data.get("split", "tune")
    queries = [
        LabelledQuery(q["query"], tuple(q["expect"]), q.get("split", default), q.get("style", ""))
        for q in data.get("in_scope", [])
    ]
    queries += [LabelledQuery(q["query"], (), q.get("split", default), "out_of_scope")
                for q in data.get("out_of_scope", [])]
    return queries


@dataclass
class SeedReport:
    split: str
    in_scope: int = 0
    out_of_scope: int = 0
    top1: float = 0.0            # retrieval: the first candidate is an expected entry
    mrr: float = 0.0
    answered_correctly: float = 0.0  # the policy showed an answer and the first shown is expected
    answered_wrong: float = 0.0      # in scope, answered, but the first shown is not expected
    abstention: float = 0.0          # out of scope queries that fell back
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def score_seed(labelled: list[LabelledQuery], ranked: list[list[Candidate]], entries: list[Entry],
               settings: Settings, split: str) -> SeedReport:
    report = SeedReport(split)
    top1 = mrr = correct = wrong = abstained = 0
    for item, candidates in zip(labelled, ranked):
        ids = [entries[c.position].id.split("/")[0] for c in candidates]
        decision = decide(candidates, settings)
        shown = entries[decision.shown[0].position].id.split("/")[0] if decision.confident else None
        if item.expect:
            report.in_scope += 1
            top1 += ids[0] in item.expect
            mrr += next((1 / r for r, i in enumerate(ids, 1) if i in item.expect), 0.0)
            if shown in item.expect:
                correct += 1
            else:
                wrong += shown is not None
                report.failures.append({"query": item.query, "expect": list(item.expect), "shown": shown,
                                        "top": ids[:3], "score": round(candidates[0].score, 3)})
        else:
            report.out_of_scope += 1
            if shown is None:
                abstained += 1
            else:
                report.failures.append({"query": item.query, "expect": [], "shown": shown,
                                        "score": round(candidates[0].score, 3)})
    n = max(report.in_scope, 1)
    report.top1, report.mrr = top1 / n, mrr / n
    report.answered_correctly, report.answered_wrong = correct / n, wrong / n
    report.abstention = abstained / max(report.out_of_scope, 1)
    return report


def rank_all(retriever: Retriever, embedder, queries: list[str], k: int = 10) -> list[list[Candidate]]:
    variants = [retriever.query_variants(q) for q in queries]
    flat = [text for texts in variants for text in texts]
    vectors = embedder.encode(flat)
    ranked, start = [], 0
    for query, texts in zip(queries, variants):
        ranked.append(retriever.rank(query, vectors[start:start + len(texts)], k=k))
        start += len(texts)
    return ranked


def evaluate_seed(retriever: Retriever, embedder, entries: list[Entry], settings: Settings,
                  path: Path | Sequence[Path] = LABELLED_SETS) -> dict[str, SeedReport]:
    labelled = load_seed_set(path)
    ranked = rank_all(retriever, embedder, [q.query for q in labelled], k=settings.candidates)
    reports = {}
    present = {q.split for q in labelled}
    for split in [*(s for s in SPLITS if s in present), *sorted(present - set(SPLITS)), "all"]:
        chosen = [(q, r) for q, r in zip(labelled, ranked) if split == "all" or q.split == split]
        reports[split] = score_seed([q for q, _ in chosen], [r for _, r in chosen], entries, settings, split)
    return reports


def calibrate(retriever: Retriever, embedder, entries: list[Entry], settings: Settings,
              path: Path | Sequence[Path] = LABELLED_SETS) -> tuple[Settings, SeedReport, SeedReport]:
    """Pick min_score / min_margin / confident_score on the tune split only.

    Objective: the smaller of (right answer shown first) and (out-of-scope abstention),
    ties broken by their sum, then by fewer wrong answers; report every other split (holdout,
    fresh) with the chosen values.
    """
    labelled = load_seed_set(path)
    ranked = rank_all(retriever, embedder, [q.query for q in labelled], k=settings.candidates)
    tune = [(q, r) for q, r in zip(labelled, ranked) if q.split == "tune"]
    holdout = [(q, r) for q, r in zip(labelled, ranked) if q.split != "tune"]  # every split not tuned on
    best: tuple[tuple[float, float, float], Settings] | None = None
    # Fused scores run from about 0.3 to 1.4 (cosine + weighted lexical and classifier terms).
    grid = itertools.product(
        [x / 100 for x in range(40, 121)],      # min_score
        [0.0, 0.01, 0.02, 0.03, 0.05, 0.08],    # min_margin
        [x / 100 for x in range(55, 131, 5)],   # confident_score
    )
    for min_score, min_margin, confident in grid:
        if confident < min_score:
            continue
        candidate = settings.model_copy(update=dict(min_score=min_score, min_margin=min_margin,
                                                    confident_score=confident))
        report = score_seed([q for q, _ in tune], [r for _, r in tune], entries, candidate, "tune")
        key = (min(report.answered_correctly, report.abstention), report.answered_correctly + report.abstention,
               -report.answered_wrong)  # a wrong answer is worse than a fallback
        if best is None or key > best[0]:
            best = (key, candidate)
    chosen = best[1]
    tune_report = score_seed([q for q, _ in tune], [r for _, r in tune], entries, chosen, "tune")
    holdout_report = score_seed([q for q, _ in holdout], [r for _, r in holdout], entries, chosen, "holdout")
    return chosen, tune_report, holdout_report


# -- public datasets ---------------------------------------------------------------------------
def load_dataset(directory: Path) -> tuple[list[Entry], dict[str, set[int]]]:
    with open(directory / "faq.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    entries = [Entry(id=f"d{i}", type="faq", question=r["question"], answer=r["answer"]) for i, r in enumerate(rows)]
    position = {r["id"]: i for i, r in enumerate(rows)}
    gold: dict[str, set[int]] = defaultdict(set)
    with open(directory / "queries.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            gold[row["query"]].add(position[row["faq_id"]])
    return entries, gold


def evaluate_dataset(directory: Path, embedder, settings: Settings) -> dict[str, Any]:
    """Top-1 precision and MRR of the fused retriever and of the plain model on the question alone, side by side."""
    from assistant.index import index_entries

    entries, gold = load_dataset(directory)
    memory = index_entries(entries, embedder)
    queries = list(gold)
    results = {"dataset": directory.name, "queries": len(queries), "faqs": len(entries), "model": embedder.name}
    variants = {
        "fused": Retriever.from_settings(memory, settings),
        "plain_model": Retriever(memory, lexical_weight=0.0, classifier_weight=0.0,
                                          view_weights={"heading": 1.0, "alternate": 1.0, "titled_answer": 0.0}),
    }
    for name, retriever in variants.items():
        top1 = mrr = 0.0
        if name == "plain_model":  # the plain baseline: the question as typed, nothing else
            ranked_all = [retriever.rank(q, v, k=10) for q, v in zip(queries, embedder.encode(queries))]
        else:
            ranked_all = rank_all(retriever, embedder, queries)
        for query, candidates in zip(queries, ranked_all):
            ranked = [c.position for c in candidates]
            top1 += ranked[0] in gold[query]
            mrr += next((1 / r for r, p in enumerate(ranked, 1) if p in gold[query]), 0.0)
        results[name] = {"top1": round(top1 / len(queries), 3), "mrr": round(mrr / len(queries), 3)}
    return results


def format_seed(reports: dict[str, SeedReport]) -> str:
    lines = [f"{'split':8} {'in':>4} {'out':>4} {'top1':>6} {'MRR':>6} {'shown-right':>11} {'shown-wrong':>11} {'abstain':>8}"]
    for split, r in reports.items():
        lines.append(f"{split:8} {r.in_scope:4d} {r.out_of_scope:4d} {r.top1:6.3f} {r.mrr:6.3f} "
                     f"{r.answered_correctly:11.3f} {r.answered_wrong:11.3f} {r.abstention:8.3f}")
    return "\n".join(lines)
