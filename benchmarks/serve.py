"""The production server under load and at its riskiest moments (`python -m assistant serve`).

- cold starts: a fresh server, 16 concurrent POST /api/ask the instant /healthz answers, then SIGTERM;
  repeated (20 by default): any request not answered within 20 s counts the start as wedged.
- SIGTERM under load: 16 clients asking, then SIGTERM; seconds until the server exited.
- throughput: requests/s, p50 and p99 at 16 and 64 concurrent clients, with 1 and 2 workers,
  side by side in one run (the load generator shares the machine: compare rows, not machines).

Loopback only; every loop is bounded. Writes benchmarks/results/serve.json.

    .venv/bin/python benchmarks/serve.py [--starts 20] [--seconds 15]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import free_port, questions, rss_mb  # noqa: E402
from run import load  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "serve.json"
ANSWER_WITHIN = 20.0


def start(workers: int) -> tuple[subprocess.Popen, str]:
    import httpx

    port = free_port()
    env = dict(os.environ, ASSISTANT_RATE_LIMIT="0")  # one address sends everything here
    process = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port),
                                "--workers", str(workers)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the server did not answer /healthz within 120 s")


def stop(process: subprocess.Popen) -> float | None:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
        return round(time.monotonic() - started, 2)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def cold_starts(runs: int, clients: int = 16) -> dict:
    import httpx

    texts = questions()
    wedged, stops, failures = 0, [], []
    for run in range(runs):
        process, url = start(1)

        def ask(n: int, url: str = url, run: int = run):
            try:
                return httpx.post(url + "/api/ask", json={"question": f"{texts[n % len(texts)]} ({run}.{n})"},
                                  timeout=ANSWER_WITHIN).status_code
            except httpx.HTTPError as exc:
                return type(exc).__name__

        with ThreadPoolExecutor(clients) as pool:
            codes = list(pool.map(ask, range(clients)))
        stopped = stop(process)
        bad = [c for c in codes if c != 200]
        wedged += bool(bad) or stopped is None
        if bad:
            failures.append({"start": run, "failed": len(bad), "kinds": sorted(set(map(str, bad)))})
        stops.append(stopped)
        print(f"  cold start {run + 1}/{runs}: {clients - len(bad)}/{clients} answered, stopped in {stopped} s",
              flush=True)
    stopped = [s for s in stops if s is not None]
    return {"starts": runs, "clients": clients, "wedged": wedged, "failures": failures,
            "sigterm_median_s": statistics.median(stopped) if stopped else None,
            "sigterm_max_s": max(stopped) if stopped else None}


def sigterm_under_load(runs: int = 3, workers: int = 2) -> dict:
    texts, times = questions(), []
    for _ in range(runs):
        process, url = start(workers)
        port = int(url.rsplit(":", 1)[1])
        loader = threading.Thread(target=load, args=(port, 16, 6.0, texts), daemon=True)
        loader.start()
        time.sleep(2.0)
        times.append(stop(process))
        loader.join(30)
    return {"runs": runs, "workers": workers, "stop_s": times}


def throughput(seconds: float) -> list[dict]:
    texts, rows = questions(), []
    for workers in (1, 2):
        process, url = start(workers)
        port = int(url.rsplit(":", 1)[1])
        try:
            load(port, 16, 3.0, texts)  # warm every worker
            for clients in (16, 64):
                row = {"workers": workers, **load(port, clients, seconds, texts)}
                row["rss_mb"] = round(rss_mb(process.pid))
                rows.append(row)
                print(f"  {workers} worker(s), {clients} clients: {row['rps']} req/s, p50 {row['p50_ms']} ms, "
                      f"p99 {row['p99_ms']} ms, {row['errors']} errors, {row['rss_mb']} MB", flush=True)
        finally:
            stop(process)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=20, help="cold starts to try")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds of load per throughput row")
    args = parser.parse_args(argv)
    subprocess.run([sys.executable, "-m", "assistant", "build", "--if-stale", "-q"], cwd=ROOT, check=True)
    results = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
               "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "command": "benchmarks/serve.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    print("cold starts ...", flush=True)
    results["cold_starts"] = cold_starts(args.starts)
    print("SIGTERM under load ...", flush=True)
    results["sigterm_under_load"] = sigterm_under_load()
    print("throughput ...", flush=True)
    results["throughput"] = throughput(args.seconds)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    c = results["cold_starts"]
    print(f"\nwedged starts: {c['wedged']} of {c['starts']} (goal 0); SIGTERM: median {c['sigterm_median_s']} s, "
          f"max {c['sigterm_max_s']} s (goal ≤ 10); under load: {results['sigterm_under_load']['stop_s']} s")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0 if c["wedged"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
