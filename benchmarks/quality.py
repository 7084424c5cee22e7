"""Answer quality and the crisis screen on the labelled sets and the public datasets, as the one source
of the figures in docs/answer-quality.md (docs/generate.py renders them).

    .venv/bin/python benchmarks/quality.py [--datasets ../shared/datasets] [--model all-mpnet-base-v2]

Runs `python -m assistant eval --json` (which answers from the knowledge as it is, publishing
nothing) and writes benchmarks/results/quality.json without the timings, so two runs on the same
knowledge and model write the same file. With `--model`, another supported model answers (its own
draft index in a temporary folder, its policy from settings.MODEL_POLICIES) and the figures go to
benchmarks/results/quality-<model>.json: docs/answer-quality.md sets the models side by side.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "quality.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--model", help="another supported model than the settings' (ASSISTANT_MODEL)")
    args = parser.parse_args(argv)
    command = [sys.executable, "-m", "assistant", "eval", "--json", "--datasets", str(args.datasets)]
    environment, results = dict(os.environ), RESULTS
    with tempfile.TemporaryDirectory() as index:
        if args.model:
            environment["ASSISTANT_MODEL"] = args.model
            command += ["--index", index]  # the repository's index stays the default model's
            results = RESULTS.with_name(f"quality-{args.model}.json")
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, env=environment)
    data = json.loads(result.stdout)
    data["crisis"].pop("timing", None)
    for dataset in data.get("datasets", []):
        dataset.pop("timing", None)
    data = {"command": "python -m assistant eval --json --datasets ../shared/datasets",
            "model": args.model or "the settings' (default all-MiniLM-L6-v2)",
            "when": time.strftime("%Y-%m-%d", time.gmtime()), **data}
    if args.model:
        data["command"] = f"ASSISTANT_MODEL={args.model} {data['command']}"
    results.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {results.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
