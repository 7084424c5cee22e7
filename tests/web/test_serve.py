"""The production server as an operator runs it: `python -m assistant serve` in its own process.

Each test is seconds long; the 20-start soak and the throughput figures are in benchmarks/serve.py.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import ROOT
from tests.web.test_app import _free_port

STOP_WITHIN = 10  # seconds from SIGTERM to exit
ANSWER_WITHIN = 20  # seconds for any request


class Served:
    def __init__(self, knowledge, index, workers: int = 1, **env):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        environment.update({"ASSISTANT_RATE_LIMIT": "0", **env})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "serve", "--knowledge", str(knowledge), "--index", str(index),
             "--port", str(self.port), "--workers", str(workers)],
            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the server exited while starting"
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise AssertionError("the server did not answer /healthz")

    def ask(self, question: str):
        try:
            return httpx.post(self.url + "/api/ask", json={"question": question}, timeout=ANSWER_WITHIN).status_code
        except httpx.TimeoutException:
            return "timeout"
        except httpx.HTTPError as exc:  # refused or closed while stopping: a clean refusal
            return type(exc).__name__

    def stop(self) -> float | None:
        """SIGTERM; seconds until the process exited, or None (then it is killed)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_WITHIN)
            return time.monotonic() - started
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


AU_LIFELINE_CHANGED = 'regions:\n  AU:\n    lines:\n      au_lifeline:\n        number: "13 11 99"\n        tel: "131199"\n'

QUESTIONS = ["how long does group therapy last", "what is aftercare", "i feel alone", "is it free",
             "i want to kill myself", "what happens in a group session", "do i have to talk", "what is a relapse"]


def test_cold_starts_answer_16_concurrent_requests_and_stop_on_sigterm(seed_index):
    """Repeats the risky moment: a fresh process, 16 requests the instant /healthz answers."""
    knowledge, index = seed_index
    for start in range(3):
        server = Served(knowledge, index)
        try:
            server.wait_healthy()
            with ThreadPoolExecutor(16) as pool:
                codes = list(pool.map(server.ask, [QUESTIONS[i % len(QUESTIONS)] + f" {i}" for i in range(16)]))
        finally:
            stopped = server.stop()
        assert codes == [200] * 16, f"start {start}: {codes}"
        assert stopped is not None, f"start {start}: still running {STOP_WITHIN} s after SIGTERM"


def test_sigterm_under_load_stops_within_seconds_and_every_request_ends_cleanly(seed_index):
    knowledge, index = seed_index
    server = Served(knowledge, index, workers=2)
    server.wait_healthy()
    results: list = []
    stop_asking = threading.Event()

    def keep_asking(n: int) -> None:
        while not stop_asking.is_set():
            results.append(server.ask(QUESTIONS[n % len(QUESTIONS)] + f" {len(results)}"))

    threads = [threading.Thread(target=keep_asking, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    stopped = server.stop()
    stop_asking.set()
    for thread in threads:
        thread.join(ANSWER_WITHIN + 5)
    assert stopped is not None, f"still running {STOP_WITHIN} s after SIGTERM under load"
    assert results.count(200) > 16  # it was answering before the stop
    assert "timeout" not in results  # in-flight requests were finished or refused, none left hanging
    assert set(results) <= {200, "ConnectError", "RemoteProtocolError", "ReadError"}, set(results)


def test_a_server_with_no_published_build_publishes_one_first(tmp_path, seed_index):
    import shutil

    knowledge, _ = seed_index
    server = Served(knowledge, tmp_path / "new-index")
    try:
        server.wait_healthy(timeout=180)
        assert httpx.get(server.url + "/healthz").json()["status"] == "ok"
        assert (tmp_path / "new-index" / "CURRENT").is_file()
    finally:
        server.stop()
        shutil.rmtree(tmp_path / "new-index", ignore_errors=True)


@pytest.mark.parametrize("workers", [2])
def test_workers_share_the_published_build_and_pick_up_a_new_one(tmp_path, seed_index, embedder, workers):
    """A crisis-number change published with `build` reaches every worker without a restart."""
    import shutil

    from assistant.index import build_index

    source, _ = seed_index
    knowledge, index = tmp_path / "knowledge", tmp_path / "index"
    shutil.copytree(source, knowledge)
    build_index(knowledge, index, embedder=embedder, progress=False)
    server = Served(knowledge, index, workers=workers)
    try:
        server.wait_healthy()
        def ask():
            return httpx.post(server.url + "/api/ask", json={"question": "i want to end my life", "region": "AU"},
                              timeout=ANSWER_WITHIN).json()
        assert "13 11 14" in str(ask()["crisis"]["resources"])
        overlay = knowledge / "crisis" / "local.yaml"
        overlay.write_text(overlay.read_text(encoding="utf-8").replace("regions: {}", AU_LIFELINE_CHANGED),
                           encoding="utf-8")
        build_index(knowledge, index, embedder=embedder, progress=False)
        deadline = time.monotonic() + 15
        seen: set = set()
        while time.monotonic() < deadline and seen != {True}:
            seen = {"13 11 99" in str(ask()["crisis"]["resources"]) for _ in range(8)}
            time.sleep(0.5)
        assert seen == {True}  # every worker, not just one
    finally:
        server.stop()


def test_the_server_publishes_first_when_the_build_was_made_with_another_model_than_the_settings_choose(
        tmp_path, embedder):
    from assistant.index import build_index
    from assistant.web.serve import needs_first_build
    from tests.conftest import write
    from tests.index.conftest import MINIMAL

    knowledge, index = tmp_path / "k", tmp_path / "i"
    write(knowledge / "a.yaml", MINIMAL)
    assert "no index" in needs_first_build(index, knowledge)
    build_index(knowledge, index, embedder=embedder, progress=False)
    assert needs_first_build(index, knowledge) is None
    write(knowledge / "settings.yaml", "model: all-mpnet-base-v2\n")
    assert needs_first_build(index, knowledge) == "the published build was made with another model than all-mpnet-base-v2"


def test_serving_caps_blas_threads_at_one():
    """A message's BLAS products are one vector against a matrix: OpenBLAS's extra threads only spin and
    take the cores the encoders and the web server need (docs/performance.md)."""
    script = ("import json, numpy; from threadpoolctl import threadpool_info; "
              "from assistant.web.serve import configure_threads; "
              "blas = lambda: [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas']; "
              "before = blas(); configure_threads(1); print(json.dumps([before, blas()]))")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENBLAS_", "OMP_"))}
    before, after = json.loads(subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment,
                                              capture_output=True, text=True, check=True).stdout)
    assert after and all(n == 1 for n in after), after
    assert os.cpu_count() == 1 or max(before) > 1, f"proves nothing: BLAS already ran on one thread ({before})"
