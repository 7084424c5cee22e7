"""Measure the crisis screen on labelled messages (knowledge/eval/crisis_messages.yaml).

``evaluate_crisis(screen, path)`` reports recall (crisis messages that showed the crisis block) and the
false-alarm rate (benign messages that did), per split, per category and per failure mode, every miss
and false alarm with its text (these are our own test sentences, never visitors'), and latency.
``calibrate_thresholds`` picks the semantic thresholds from the ``tune`` split only.

Wired into the CLI as ``python -m assistant eval --crisis``.
"""
from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.crisis import CATEGORIES, CrisisResult, CrisisScreen
from assistant.errors import KnowledgeError, Problem
from assistant.yamlfile import line_of
from assistant.yamlfile import read_lenient as read_crisis_yaml

SPLITS = ("tune", "holdout")


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    category: str | None   # None = benign
    split: str
    mode: str
    line: int = 0

    @property
    def is_crisis(self) -> bool:
        return self.category is not None


def load_labelled(path: Path) -> list[LabelledMessage]:
    """Read the labelled set; raise KnowledgeError listing every problem (file:line: message)."""
    path = Path(path)
    document, warnings = read_crisis_yaml(path)
    if document is None:
        problems = []
        for warning in warnings:
            _file, _, rest = warning.partition(f"{path}:")
            line, _, message = rest.partition(": ")
            problems.append(Problem(str(path), int(line) if line.isdigit() else 1, message or warning))
        raise KnowledgeError(problems)
    problems: list[Problem] = []
    messages: list[LabelledMessage] = []
    for section in ("crisis", "benign"):
        items = document.get(section)
        if not isinstance(items, list) or not items:
            problems.append(Problem(str(path), line_of(document), f"'{section}:' must be a non-empty list"))
            continue
        for item in items:
            where = line_of(item)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
                problems.append(Problem(str(path), where, "each entry needs a non-empty text"))
                continue
            split = item.get("split")
            if split not in SPLITS:
                problems.append(Problem(str(path), where, f"split {split!r} must be one of {', '.join(SPLITS)}"))
                continue
            category = item.get("category") if section == "crisis" else None
            if section == "crisis" and category not in CATEGORIES:
                problems.append(Problem(str(path), where, f"category {category!r} must be one of {', '.join(CATEGORIES)}"))
                continue
            if section == "benign" and item.get("category") is not None:
                problems.append(Problem(str(path), where, "benign entries have no category"))
                continue
            mode = str(item.get("mode") or "unspecified")
            messages.append(LabelledMessage(item["text"], category, split, mode, where))
    if problems:
        raise KnowledgeError(problems)
    return messages


def _rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


@dataclass
class _Tally:
    crisis: int = 0
    detected: int = 0
    benign: int = 0
    false_alarms: int = 0
    category_agree: int = 0

    def as_dict(self) -> dict:
        return {
            "crisis": self.crisis,
            "detected": self.detected,
            "recall": _rate(self.detected, self.crisis),
            "benign": self.benign,
            "false_alarms": self.false_alarms,
            "false_alarm_rate": _rate(self.false_alarms, self.benign),
            "category_agreement": _rate(self.category_agree, self.detected),
        }


@dataclass
class CrisisReport:
    path: str
    semantic_enabled: bool
    thresholds: dict[str, float]
    splits: dict[str, dict]                 # "all", "tune", "holdout"
    categories: dict[str, dict]
    modes: dict[str, dict]
    lexicon_only: dict[str, dict]           # the same split table with the semantic layer off
    lexicon_only_misses_by_mode: dict[str, int]
    layers: dict[str, int]                  # which layer caught each detected crisis message
    third_party: dict[str, Any]
    misses: list[dict] = field(default_factory=list)
    false_alarms: list[dict] = field(default_factory=list)
    timing: dict[str, float | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.splits["all"]["recall"]

    @property
    def false_alarm_rate(self) -> float | None:
        return self.splits["all"]["false_alarm_rate"]

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "semantic_enabled": self.semantic_enabled,
            "thresholds": dict(self.thresholds),
            "splits": self.splits,
            "categories": self.categories,
            "modes": self.modes,
            "lexicon_only": self.lexicon_only,
            "lexicon_only_misses_by_mode": self.lexicon_only_misses_by_mode,
            "layers": self.layers,
            "third_party": self.third_party,
            "misses": self.misses,
            "false_alarms": self.false_alarms,
            "timing": self.timing,
            "warnings": self.warnings,
        }

    def format(self) -> str:
        def pct(value: float | None) -> str:
            return "   -  " if value is None else f"{100 * value:5.1f}%"

        def us(value: float | None) -> str:
            return "-" if value is None else f"{value:,.0f} µs"

        lines = [f"Crisis screen evaluation: {self.path}",
                 f"semantic layer: {'on' if self.semantic_enabled else 'OFF (lexicon only)'}"
                 + (f"  (similarity ≥ {self.thresholds['similarity']:.2f}, margin ≥ {self.thresholds['margin']:.2f})"
                    if self.semantic_enabled else ""),
                 "",
                 f"{'split':<10}{'recall':>16}{'false alarms':>22}{'lexicon-only recall':>24}{'lexicon-only FA':>20}"]
        for name in ("all", "tune", "holdout"):
            row, lex = self.splits[name], self.lexicon_only[name]
            lines.append(
                f"{name:<10}{pct(row['recall'])} {row['detected']:>4}/{row['crisis']:<4}"
                f"{pct(row['false_alarm_rate'])} {row['false_alarms']:>4}/{row['benign']:<4}     "
                f"{pct(lex['recall'])} {lex['detected']:>4}/{lex['crisis']:<4}    "
                f"{pct(lex['false_alarm_rate'])} {lex['false_alarms']:>3}/{lex['benign']:<4}")
        lines += ["", f"{'category':<24}{'recall':>16}{'category agreement':>22}"]
        for name, row in self.categories.items():
            lines.append(f"{name:<24}{pct(row['recall'])} {row['detected']:>4}/{row['crisis']:<4}"
                         f"{pct(row['category_agreement']):>18}")
        lines += ["", f"{'mode':<24}{'recall':>16}{'false alarms':>22}"]
        for name, row in sorted(self.modes.items()):
            recall = f"{pct(row['recall'])} {row['detected']:>4}/{row['crisis']:<4}" if row["crisis"] else " " * 16
            alarms = (f"{pct(row['false_alarm_rate'])} {row['false_alarms']:>4}/{row['benign']:<4}"
                      if row["benign"] else "")
            lines.append(f"{name:<24}{recall}{alarms:>22}")
        lines += ["", "caught by layer: " + ", ".join(f"{k} {v}" for k, v in sorted(self.layers.items())),
                  f"third-person cases flagged third_party: {self.third_party['flagged']}/{self.third_party['cases']}",
                  "", "latency (median per message): "
                  f"lexicon only {us(self.timing.get('lexicon_median_us'))}; "
                  f"full screen {us(self.timing.get('full_median_us'))}; "
                  f"when the semantic layer runs {us(self.timing.get('semantic_path_median_us'))}, "
                  f"with the retrieval vector reused {us(self.timing.get('reused_vector_median_us'))}"]
        lines.append("")
        lines.append(f"misses ({len(self.misses)}):" if self.misses else "misses: none")
        for miss in self.misses:
            lines.append(f"  [{miss['split']}/{miss['mode']}] {miss['expected']}: {miss['text']}  (line {miss['line']})")
        lines.append(f"false alarms ({len(self.false_alarms)}):" if self.false_alarms else "false alarms: none")
        for alarm in self.false_alarms:
            lines.append(f"  [{alarm['split']}/{alarm['mode']}] {alarm['layer']} {alarm['matched']}: "
                         f"{alarm['text']}  (line {alarm['line']})")
        for warning in self.warnings:
            lines.append(f"warning: {warning}")
        return "\n".join(lines)


def _tally(messages: list[LabelledMessage], results: list[CrisisResult], key) -> dict[str, _Tally]:
    tallies: dict[str, _Tally] = {}
    for message, result in zip(messages, results):
        for name in key(message):
            tally = tallies.setdefault(name, _Tally())
            if message.is_crisis:
                tally.crisis += 1
                if result.detected:
                    tally.detected += 1
                    tally.category_agree += result.category == message.category
            else:
                tally.benign += 1
                tally.false_alarms += bool(result.detected)
    return tallies


def _split_table(messages, results) -> dict[str, dict]:
    tallies = _tally(messages, results, lambda m: ("all", m.split))
    return {name: tallies.get(name, _Tally()).as_dict() for name in ("all", "tune", "holdout")}


def _median_us(samples: list[float]) -> float | None:
    return statistics.median(samples) if samples else None


def evaluate_crisis(screen: CrisisScreen, path: Path, timing: bool = True) -> CrisisReport:
    """Run the screen over the labelled set and report; never modifies the screen."""
    messages = load_labelled(Path(path))
    full: list[CrisisResult] = []
    lexical: list[CrisisResult] = []
    lexicon_us: list[float] = []
    full_us: list[float] = []
    semantic_us: list[float] = []
    for message in messages:
        begin = time.perf_counter()
        lexical.append(screen.lexicon(message.text))  # the rules alone: every term counts
        lexicon_us.append((time.perf_counter() - begin) * 1e6)
        begin = time.perf_counter()
        result = screen.screen(message.text)
        elapsed = (time.perf_counter() - begin) * 1e6
        full.append(result)
        full_us.append(elapsed)
        if result.semantic in ("checked", "error"):
            semantic_us.append(elapsed)

    timings: dict[str, float | None] = {"lexicon_median_us": None, "full_median_us": None,
                                        "semantic_path_median_us": None, "reused_vector_median_us": None}
    if timing:
        # a second pass for the lexicon: the first one also warmed caches
        repeat: list[float] = []
        for message in messages:
            begin = time.perf_counter()
            screen.lexicon(message.text)
            repeat.append((time.perf_counter() - begin) * 1e6)
        timings["lexicon_median_us"] = _median_us(repeat)
        timings["full_median_us"] = _median_us(full_us)
        timings["semantic_path_median_us"] = _median_us(semantic_us)
        if screen.semantic_enabled:
            semantic_texts = [m.text for m, r in zip(messages, full) if r.semantic == "checked"]
            step = max(1, len(semantic_texts) // 40)  # an even sample of 40 keeps the eval quick
            reused = _reused_vector_timings(screen, semantic_texts[::step][:40])
            timings["reused_vector_median_us"] = _median_us(reused)

    categories = _tally(messages, full, lambda m: (m.category,) if m.is_crisis else ())
    modes = _tally(messages, full, lambda m: (m.mode,))
    layers = Counter(r.layer for m, r in zip(messages, full) if m.is_crisis and r.detected)
    third_cases = [(m, r) for m, r in zip(messages, full) if m.is_crisis and m.mode == "third_person"]
    lexicon_misses = Counter(m.mode for m, r in zip(messages, lexical) if m.is_crisis and not r.detected)

    misses = [{"text": m.text, "expected": m.category, "split": m.split, "mode": m.mode, "line": m.line,
               "result": r.to_dict()} for m, r in zip(messages, full) if m.is_crisis and not r.detected]
    alarms = [{"text": m.text, "split": m.split, "mode": m.mode, "line": m.line, "layer": r.layer,
               "matched": r.matched, "category": r.category, "result": r.to_dict()}
              for m, r in zip(messages, full) if not m.is_crisis and r.detected]
    return CrisisReport(
        path=str(path),
        semantic_enabled=screen.semantic_enabled,
        thresholds=dict(screen.thresholds),
        splits=_split_table(messages, full),
        categories={c: categories.get(c, _Tally()).as_dict() for c in CATEGORIES},
        modes={name: tally.as_dict() for name, tally in modes.items()},
        lexicon_only=_split_table(messages, lexical),
        lexicon_only_misses_by_mode=dict(lexicon_misses),
        layers=dict(layers),
        third_party={"cases": len(third_cases), "flagged": sum(r.third_party for _, r in third_cases)},
        misses=misses,
        false_alarms=alarms,
        timing=timings,
        warnings=list(screen.warnings),
    )


def _reused_vector_timings(screen: CrisisScreen, texts: list[str]) -> list[float]:
    """Latency of the semantic path when the caller passes the retrieval vector it already has."""
    samples = []
    for text in texts:
        vector = screen._encode([text])[0]  # what retrieval would have computed anyway
        begin = time.perf_counter()
        screen.screen(text, query_vector=vector)
        samples.append((time.perf_counter() - begin) * 1e6)
    return samples


# ------------------------------------------------------------------------------------------ calibration


def calibrate_thresholds(screen: CrisisScreen, path: Path, split: str = "tune",
                         max_false_alarm_rate: float = 0.0) -> dict:
    """Pick (similarity, margin) from one split only (never the holdout).

    Only messages the lexicon does not already catch matter. Among grid settings with the best recall
    and a false-alarm rate within budget, take the one with the largest slack: the smallest amount by
    which any caught crisis message or any quiet benign message would have to move (in similarity or
    margin) to flip. Ties go to the higher similarity, so off-topic text with low similarity to
    everything cannot fire on a noisy margin.
    """
    import numpy as np

    if split == "holdout":
        raise ValueError("calibrating on the holdout split would make its figures meaningless")
    messages = [m for m in load_labelled(Path(path)) if m.split == split]
    crisis_rows, benign_rows = [], []
    for message in messages:
        if message.is_crisis and screen.lexicon(message.text).detected:
            continue   # already caught; the semantic layer cannot change that
        scores = np.array(screen.semantic_scores(message.text) or [(0.0, -1.0)], dtype=np.float64)
        (crisis_rows if message.is_crisis else benign_rows).append(scores)
    n_benign = sum(1 for m in messages if not m.is_crisis)
    n_crisis = sum(1 for m in messages if m.is_crisis)
    n_lexicon = n_crisis - len(crisis_rows)

    def reach(rows, t: float, m: float) -> np.ndarray:
        # per message: how far its best row is past both thresholds (>= 0 means it fires)
        return np.array([np.max(np.minimum(r[:, 0] - t, r[:, 0] - r[:, 1] - m)) for r in rows])

    best = None
    for t in np.round(np.arange(0.40, 0.86, 0.01), 2):
        for m in np.round(np.arange(0.00, 0.21, 0.01), 2):
            crisis_reach = reach(crisis_rows, t, m) if crisis_rows else np.array([])
            benign_reach = reach(benign_rows, t, m) if benign_rows else np.array([])
            caught = int(np.sum(crisis_reach >= 0))
            alarms = int(np.sum(benign_reach >= 0))
            if alarms > max_false_alarm_rate * n_benign:
                continue
            slack = min([*crisis_reach[crisis_reach >= 0], *(-benign_reach[benign_reach < 0]), 1.0])
            key = (caught, round(float(slack), 4), float(t), -float(m))
            if best is None or key > best[0]:
                best = (key, float(t), float(m), caught, alarms, float(slack))
    if best is None:
        raise ValueError("no setting meets the false-alarm budget; add benign exemplars")
    _key, t, m, caught, alarms, slack = best
    return {
        "split": split,
        "similarity": t,
        "margin": m,
        "slack": round(slack, 4),
        "crisis_messages": n_crisis,
        "caught_by_lexicon": n_lexicon,
        "caught_by_semantic": caught,
        "recall": (n_lexicon + caught) / n_crisis if n_crisis else None,
        "benign_messages": n_benign,
        "false_alarms": alarms,
        "false_alarm_rate": alarms / n_benign if n_benign else None,
    }


def main_report(knowledge_dir: Path | None, path: Path, with_model: bool = True) -> CrisisReport:
    """Convenience for the CLI: load the screen (and the model unless told not to) and evaluate."""
    screen = CrisisScreen.load(knowledge_dir)
    if with_model:
        try:
            from assistant.encoders import reference_encoder
            from assistant.encoders.model import MINILM

            # MiniLM, whichever model answers: the screen reads with it when served (engine._screen_encoder)
            screen.attach_encoder(reference_encoder(MINILM).encode, reference_encoder(MINILM).encode_corpus)
        except Exception as exc:  # the report says the semantic layer is off
            screen.warnings.append(f"semantic layer off: {exc}")
        try:  # as served: the classifier first (engine.crisis_classifier)
            from assistant.crisis.classifier import CrisisClassifier

            screen.attach_classifier(CrisisClassifier.load())
        except Exception as exc:
            screen.warnings.append(f"crisis classifier off: {exc}")
    return evaluate_crisis(screen, path)


if __name__ == "__main__":  # pragma: no cover - manual use: python -m assistant.crisis_evaluation
    import sys

    knowledge = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("knowledge")
    report = main_report(knowledge, knowledge / "eval" / "crisis_messages.yaml")
    print(report.format())

