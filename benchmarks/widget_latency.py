"""How long a visitor waits in the browser: from pressing Enter to the reply on screen (issue #19: < 0.5 s).

    .venv/bin/python benchmarks/widget_latency.py [--url http://127.0.0.1:7860] [--rounds 10]

Needs a running server (`make run` or `python -m assistant serve`) and Debian's chromium. Asks, in a fresh
page each round, a question that has a vetted answer, one that falls back and a crisis message, at 360 px,
and prints the median and the slowest time of each (a timed run, so it lives here and not in the tests).
"""
from __future__ import annotations

import argparse
import statistics
import time

QUESTIONS = {"answer": "how long does group therapy last in aftercare",
             "fallback": "what is the best pizza topping",
             "crisis": "i want to end my life tonight"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {kind: [] for kind in QUESTIONS}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for _ in range(args.rounds):
            for kind, question in QUESTIONS.items():
                page = browser.new_page(viewport={"width": 360, "height": 740})
                page.goto(args.url + "/?region=US")
                box = page.locator("#question textarea")
                box.wait_for()
                page.wait_for_timeout(300)  # the page's own start-up, not the reply
                box.fill(question)
                start = time.perf_counter()
                box.press("Enter")
                page.wait_for_function("document.querySelectorAll('#chat [data-testid=\"bot\"]').length > 0")
                times[kind].append((time.perf_counter() - start) * 1000)
                page.close()
        browser.close()
    for kind, values in times.items():
        print(f"{kind:9} median {statistics.median(values):6.0f} ms   slowest {max(values):6.0f} ms   ({len(values)} rounds)")


if __name__ == "__main__":
    main()
