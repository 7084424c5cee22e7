"""Regenerate the parts of docs/ that come from the code or from measurements, never typed by hand:

- docs/cli.md            every command's `--help`
- docs/configuration.md  every setting and environment variable, from assistant/settings.py
- docs/performance.md    the tables of benchmarks/results/{latest,serve,backends}.json (`make bench`)
- docs/answer-quality.md the tables of benchmarks/results/quality*.json (benchmarks/quality.py [--model M])

Each page keeps its prose; only the blocks between `<!-- BEGIN GENERATED: name -->` and
`<!-- END GENERATED -->` are rewritten.

    .venv/bin/python docs/generate.py          # rewrite the blocks
    .venv/bin/python docs/generate.py --check  # exit 1 if a block is out of date (tests/test_docs.py)
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RESULTS = ROOT / "benchmarks" / "results"
# The code beside these docs, not whichever copy is installed (a git worktree shares one virtualenv).
sys.path.insert(0, str(ROOT))
COMMANDS = [None, "build", "check", "ask", "eval", "review", "report", "import", "export", "serve", "export-onnx"]
BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- END GENERATED -->)", re.S)


def cli_help() -> str:
    from typer.testing import CliRunner

    from assistant.cli import app

    parts = []
    for command in COMMANDS:
        args = ([command] if command else []) + ["--help"]
        result = CliRunner().invoke(app, args, prog_name="python -m assistant",
                                    env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})
        text = "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())
        parts.append(f"### `python -m assistant{' ' + command if command else ''}`\n\n```\n{text}\n```\n")
    return "\n".join(parts)


def settings_table() -> str:
    from assistant.settings import Environment, Settings

    def default(field) -> str:
        if field.default_factory is not None:
            return "see description"
        return f"`{field.default}`" if field.default not in (None, "") else "(none)"

    rows = ["| setting (`settings.yaml`) | environment | default | meaning |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        rows.append(f"| `{name}` | `ASSISTANT_{name.upper()}` | {default(field)} | {field.description or ''} |")
    rows += ["", "| environment only | default | meaning |", "|---|---|---|"]
    for name, field in Environment.model_fields.items():
        rows.append(f"| `ASSISTANT_{name.upper()}` | {default(field)} | {field.description or ''} |")
    return "\n".join(rows) + "\n"


def _load(name: str) -> dict | None:
    path = RESULTS / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _visitors_row(results: dict) -> list[str]:
    """The 16-client load with labelled visitors' questions as typed (benchmarks/run.py, since 2026-12-04)."""
    http = results.get("http_16_visitors")
    if not http:
        return []
    return [f"| `POST /api/ask`, 16 clients, visitors' questions as typed (no suffix) | {http['rps']} req/s, p99 "
            f"{http['p99_ms']} ms, {http['errors']} errors | as above |"]


def _as_typed(results: dict) -> str:
    http = results.get("http_16_visitors")
    return f"; visitors' questions as typed: {http['rps']} req/s, p99 {http['p99_ms']} ms" if http else ""


def performance_tables() -> str:
    out = []
    latest = _load("latest.json")
    if latest:
        a, s, b = latest["ask"], latest["scale"], latest["build"]
        http = latest["http_16"]
        out += [f"`make bench` (benchmarks/run.py), {latest['when']} UTC, {latest['machine']}:", "",
                "| what | measured | goal |", "|---|---|---|",
                f"| `Assistant.ask`, distinct questions ({a['questions']}) | median {a['median_ms']} ms, p99 "
                f"{a['p99_ms']} ms ({a['encoder']}) | ≤ 1/3 of naive, p99 ≤ 50 ms |",
                f"| naive path, same run (sentence-transformers + flat FAISS) | median {a['naive_median_ms']} ms, "
                f"p99 {a['naive_p99_ms']} ms | |",
                f"| ratio to naive | {a['ratio_to_naive']} | ≤ 0.33 |",
                f"| repeated question | median {a['repeated_median_ms']} ms | ≤ 0.5 ms |",
                f"| CLI cold start to the first answer | {latest['cli_cold_start_s']['median']} s | ≤ 3 s |",
                f"| `POST /api/ask`, 16 clients | {http['rps']} req/s, p99 {http['p99_ms']} ms, {http['errors']} errors "
                "| ≥ 150 req/s, p99 ≤ 250 ms, 0 errors |",
                *_visitors_row(latest),
                f"| serving RSS after a 32-client soak | {latest['serving_rss_mb']} MB | ≤ 1 GB |",
                f"| build, {b['passages']} passages ({b['encoder']}) | {b['cold_entries_per_s']} entries/s "
                f"({b['baseline_encoder']}: {b['baseline_entries_per_s']}) | ≥ 100 entries/s |",
                f"| {s['passages']:,} passages: recall@10 | {s['recall_at_10']} | ≥ 0.98 |",
                f"| {s['passages']:,} passages: `ask` median / p99 | {s['ask_median_ms']} / {s['ask_p99_ms']} ms "
                f"| within 1.5× of the seed's |", ""]
    serve = _load("serve.json")
    if serve:
        c = serve["cold_starts"]
        out += [f"`{serve['command'].strip()}`, {serve['when']}, {serve['machine']}:", "",
                "| what | measured | goal |", "|---|---|---|",
                f"| cold starts with {c['clients']} concurrent requests each | {c['wedged']} wedged of {c['starts']} "
                "| 0 |",
                f"| SIGTERM to exit (cold starts) | median {round(c['sigterm_median_s'], 2)} s, max {round(c['sigterm_max_s'], 2)} s "
                "| ≤ 10 s |",
                f"| SIGTERM to exit under load ({serve['sigterm_under_load']['workers']} workers) | "
                f"{', '.join(str(s) for s in serve['sigterm_under_load']['stop_s'])} s | ≤ 10 s |", "",
                "| workers | clients | req/s | p50 ms | p99 ms | errors | RSS MB |", "|---|---|---|---|---|---|---|"]
        out += [f"| {r['workers']} | {r['clients']} | {r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} | "
                f"{r['rss_mb']} |" for r in serve["throughput"]]
        out.append("")
    backends = _load("backends.json")
    if backends:
        names = [k for k in backends if isinstance(backends[k], dict) and "ask_median_ms" in backends[k]]
        out += [f"`.venv/bin/python benchmarks/backends.py`, {backends['when']} UTC, {backends['rounds']} rounds "
                "in turns:", "", "| backend | ask median ms | ask p99 ms | 16 callers through the owner thread (q/s) | RSS MB |",
                "|---|---|---|---|---|"]
        out += [f"| {n} | {backends[n]['ask_median_ms']} | {backends[n]['ask_p99_ms']} | "
                f"{backends[n]['encoder_16_threads_per_s']} | {backends[n]['rss_mb']} |" for n in names]
        out.append("")
    return "\n".join(out) if out else "No results yet: run `make bench`.\n"


def quality_tables() -> str:
    quality = _load("quality.json")
    if not quality:
        return "No results yet: run `.venv/bin/python benchmarks/quality.py`.\n"
    out = [f"`{quality['command']}`, {quality['when']}:", "",
           "| split | in / out of scope | top-1 | MRR | right answer shown first | wrong answer shown | "
           "out of scope falls back |", "|---|---|---|---|---|---|---|"]
    for name, r in quality["seed"].items():
        out.append(f"| {name} | {r['in_scope']} / {r['out_of_scope']} | {r['top1']:.3f} | {r['mrr']:.3f} | "
                   f"{r['answered_correctly']:.3f} | {r['answered_wrong']:.3f} | {r['abstention']:.3f} |")
    out += ["", "| public set | queries | the plain model top-1 / MRR | this system top-1 / MRR |", "|---|---|---|---|"]
    for d in quality.get("datasets", []):
        out.append(f"| {d['dataset']} | {d['queries']} | {d['plain_model']['top1']:.3f} / "
                   f"{d['plain_model']['mrr']:.3f} | {d['fused']['top1']:.3f} / {d['fused']['mrr']:.3f} |")
    c = quality["crisis"]["splits"]
    out += ["", "| crisis set | crisis messages detected | false alarms on benign |", "|---|---|---|"]
    out += [f"| {name} | {s['detected']}/{s['crisis']} | {s['false_alarms']}/{s['benign']} |" for name, s in c.items()]
    return "\n".join(out) + "\n"


def _pooled_first_contact() -> list[str]:
    """Every blind answer batch run at first contact with both models in the same session (`<batch>.first-contact.json`
    beside `<batch>.mpnet.first-contact.json`), English questions pooled, each model with its policy of that day."""
    pairs = [(path.with_name(path.name.replace(".mpnet.", ".")), path)
             for path in sorted((ROOT / "knowledge" / "eval" / "blind").glob("*-answers.mpnet.first-contact.json"))]
    pairs = [(minilm, mpnet) for minilm, mpnet in pairs if minilm.exists()]
    if not pairs:
        return []
    totals = {}
    wins = [0, 0, 0]  # batches where mpnet put more / as many / fewer right answers first
    for minilm, mpnet in pairs:
        right = {}
        for model, path in (("all-MiniLM-L6-v2", minilm), ("all-mpnet-base-v2", mpnet)):
            english = json.loads(path.read_text(encoding="utf-8"))["by_language"]["en"]
            inside, outside = english["in_scope"], english["out_of_scope"]
            n, m = inside["questions"], outside["questions"]
            counts = (n, round(inside["right_first"] * n), round(inside["wrong_shown"] * n), m,
                      round(outside["fell_back"] * m))
            totals[model] = [a + b for a, b in zip(totals.get(model, [0] * 5), counts)]
            right[model] = counts[1]
        difference = right["all-mpnet-base-v2"] - right["all-MiniLM-L6-v2"]
        wins[0 if difference > 0 else 1 if difference == 0 else 2] += 1
    names = ", ".join(minilm.name.split("-answers")[0] for minilm, _ in pairs)
    out = ["", f"At first contact, English questions of the {len(pairs)} blind batches run on both models in the same "
           f"session ({names}), each model with its policy of that day; mpnet put more right answers first on "
           f"{wins[0]} batches, as many on {wins[1]}, fewer on {wins[2]}:", "",
           "| model | in scope: right first | wrong shown | out of scope falls back |", "|---|---|---|---|"]
    for model, (n, right, wrong, m, fell_back) in totals.items():
        out.append(f"| {model} | {right}/{n} ({right / n:.3f}) | {wrong}/{n} ({wrong / n:.3f}) | "
                   f"{fell_back}/{m} ({fell_back / m:.3f}) |")
    return out


def models_table() -> str:
    """The supported models side by side: quality.json (the default) and quality-<model>.json."""
    from assistant.settings import MODELS

    runs = [(model, _load("quality.json" if n == 0 else f"quality-{model}.json")) for n, model in enumerate(MODELS)]
    runs = [(model, q) for model, q in runs if q]
    if len(runs) < 2:
        return "No side-by-side results yet: run `.venv/bin/python benchmarks/quality.py --model all-mpnet-base-v2`.\n"
    out = ["| model | split | right answer shown first | wrong answer shown | out of scope falls back |",
           "|---|---|---|---|---|"]
    for model, q in runs:
        for split in ("holdout", "fresh"):
            r = q["seed"][split]
            out.append(f"| {model} | {split} | {r['answered_correctly']:.3f} | {r['answered_wrong']:.3f} | "
                       f"{r['abstention']:.3f} |")
    out += ["", "| model | public set | the plain model top-1 | this system top-1 / MRR |", "|---|---|---|---|"]
    for model, q in runs:
        for d in q.get("datasets", []):
            out.append(f"| {model} | {d['dataset']} | {d['plain_model']['top1']:.3f} | "
                       f"{d['fused']['top1']:.3f} / {d['fused']['mrr']:.3f} |")
    out += _pooled_first_contact()
    speed = [(model, _load(f"answering-{model}.json")) for model in MODELS]
    speed = [(model, r) for model, r in speed if r]
    if speed:
        out += ["", "Speed (`BENCH_SKIP_SCALE=1 [ASSISTANT_MODEL=...] .venv/bin/python benchmarks/run.py`; each "
                "model against the naive path of the same model, sentence-transformers `encode` + FAISS, in the "
                "same run):", "",
                "| model | when, machine | ask median / p99 | naive median | ratio | repeated | CLI cold start | "
                "/api/ask, 16 clients | serving RSS |", "|---|---|---|---|---|---|---|---|---|"]
        for model, r in speed:
            a, h = r["ask"], r["http_16"]
            out.append(f"| {model} | {r['when']}, {r['machine']} | {a['median_ms']} / {a['p99_ms']} ms | "
                       f"{a['naive_median_ms']} ms | {a['ratio_to_naive']} | {a['repeated_median_ms']} ms | "
                       f"{r['cli_cold_start_s']['median']} s | {h['rps']} req/s, p99 {h['p99_ms']} ms, "
                       f"{h['errors']} errors{_as_typed(r)} | {r['serving_rss_mb']} MB |")
    return "\n".join(out) + "\n"


GENERATORS = {"cli": cli_help, "settings": settings_table, "performance": performance_tables,
              "quality": quality_tables, "models": models_table}


def regenerate(check: bool) -> list[str]:
    stale = []
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")

        def replace(match: re.Match) -> str:
            return match.group(1) + GENERATORS[match.group("name")]() + match.group(4)

        new = BLOCK.sub(replace, text)
        if new != text:
            stale.append(str(page.relative_to(ROOT)))
            if not check:
                page.write_text(new, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report out-of-date pages (exit 1)")
    args = parser.parse_args(argv)
    stale = regenerate(args.check)
    for page in stale:
        print(f"{page}: {'out of date; run .venv/bin/python docs/generate.py' if args.check else 'regenerated'}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
