"""Answer quality and the crisis screen on the labelled sets and the public datasets, as the one source
of the figures in docs/answer-quality.md (docs/generate.py renders them).

    .venv/bin/python benchmarks/quality.py [--datasets ../shared/datasets]

Runs `python -m assistant eval --json` (which answers from the knowledge as it is, publishing
nothing) and writes benchmarks/results/quality.json without the timings, so two runs on the same
knowledge and model write the same file.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "quality.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=ROOT.parent / "shared" / "datasets")
    args = parser.parse_args(argv)
    command = [sys.executable, "-m", "assistant", "eval", "--json", "--datasets", str(args.datasets)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    data = json.loads(result.stdout)
    data["crisis"].pop("timing", None)
    for dataset in data.get("datasets", []):
        dataset.pop("timing", None)
    data = {"command": "python -m assistant eval --json --datasets ../shared/datasets",
            "when": time.strftime("%Y-%m-%d", time.gmtime()), **data}
    RESULTS.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
