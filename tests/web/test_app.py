"""The web app, served for real on a free port: gradio_client, plain HTTP, and the pure renderers.

One server per test session (`live_server`), in this process, on the session's seed index.
The browser test (test_browser.py) reuses the same server.
"""
import contextlib
import functools
import logging
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.web import app as widget
from tests.conftest import ROOT

# Gradio's queue trips pandas 3 deprecation warnings (gradio's code, not ours).
pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")

CONTRACT_KEYS = {"query", "kind", "crisis", "answers", "candidates", "suggestions", "message", "helpline",
                 "region", "notes", "index"}


# -- the live server -----------------------------------------------------------------------------
@dataclass
class LiveServer:
    url: str
    server: object
    thread: threading.Thread
    assistant: object
    app: object

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(fastapi_app):
    """`fastapi_app` served by uvicorn in a thread on a free port, for one test: yields its URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(fastapi_app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


@functools.cache
def start_server(assistant) -> LiveServer:
    """Serve the widget for `assistant` in a uvicorn thread; cached so every test module shares it."""
    import uvicorn

    fastapi_app = widget.build_app(assistant, "US", rate_limit=0)  # many requests from one address
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(fastapi_app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, name="widget-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the widget server did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", server, thread, assistant, fastapi_app)


@pytest.fixture(scope="session")
def live_server(seed_assistant):
    live = start_server(seed_assistant)
    yield live
    live.stop()  # idempotent: another module's fixture may stop it first, at the end of the session


@pytest.fixture(scope="session")
def http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def gradio(live_server):
    from gradio_client import Client

    return Client(live_server.url, verbose=False, download_files=False, analytics_enabled=False)


# -- plain HTTP ------------------------------------------------------------------------------------
def test_healthz_reports_status_and_manifest(http, seed_assistant):
    reply = http.get("/healthz")
    assert reply.status_code == 200
    data = reply.json()
    assert data["status"] == "ok"
    assert data["problem"] is None
    assert data["manifest"]["entries"] == seed_assistant.manifest.entries
    assert data["manifest"]["model"].endswith("all-MiniLM-L6-v2")
    assert {"US", "AU"} <= set(data["regions"])
    assert data["default_region"] == "US"


def test_api_ask_answers_with_the_contract(http):
    reply = http.post("/api/ask", json={"question": "How long does group therapy usually last in aftercare?"})
    assert reply.status_code == 200
    data = reply.json()
    assert CONTRACT_KEYS <= set(data)
    assert data["kind"] == "answer"
    assert data["region"] == "US"  # the server's default
    assert data["answers"][0]["id"] == "faq-duration"
    assert {"answer", "source", "reviewed"} <= set(data["answers"][0])


def test_api_ask_crisis_uses_the_requested_region(http):
    data = http.post("/api/ask", json={"question": "my friend took too many pills and won't wake up",
                                       "region": "AU"}).json()
    assert data["kind"] == "crisis"
    assert data["region"] == "AU"
    assert data["crisis"]["detected"] is True
    first = data["crisis"]["resources"][0]
    assert first["kind"] == "emergency"
    assert "000" in first["tel"]


def test_api_ask_fallback_offers_suggestions_and_a_helpline(http):
    data = http.post("/api/ask", json={"question": "what is the best pizza topping"}).json()
    assert data["kind"] == "fallback"
    assert 1 <= len(data["suggestions"]) <= 3
    assert data["helpline"]


@pytest.mark.parametrize("body", [{}, {"question": 5}, {"question": "x" * 100_001},
                                  {"question": "a", "region": "x" * 50}])
def test_api_ask_rejects_malformed_bodies(http, body):
    assert http.post("/api/ask", json=body).status_code == 422


def test_api_ask_accepts_markup_and_returns_it_only_as_data(http):
    data = http.post("/api/ask", json={"question": "<img src=x onerror=alert(1)>"}).json()
    assert data["kind"] in {"answer", "fallback"}
    assert data["query"] == "<img src=x onerror=alert(1)>"  # JSON, not HTML: rendering is the client's job


def test_one_log_line_per_request_without_the_question(http, caplog):
    caplog.set_level(logging.INFO, logger="assistant.app")
    canary = "canary-7f3a9 how long does group last"
    http.post("/api/ask", json={"question": canary})
    lines = [r.getMessage() for r in caplog.records if r.name == "assistant.app"]
    assert len([line for line in lines if line.startswith("ask ")]) == 1
    assert not any("canary" in line for line in lines)
    assert all("canary" not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("path", ["/gradio_api/file=/etc/passwd", "/gradio_api/file=app.py",
                                  "/gradio_api/file=knowledge/faq.yaml", "/file=knowledge/faq.yaml",
                                  "/gradio_api/file=../../etc/passwd", "/gradio_api/file=%2Fetc%2Fpasswd",
                                  "/static/../app.py", "/assets/../../app.py"])
def test_no_files_are_exposed(http, path):
    reply = http.get(path)
    assert reply.status_code in {403, 404}, (path, reply.status_code)
    assert "root:" not in reply.text and "entries:" not in reply.text


def test_page_loads_nothing_from_the_internet(http):
    page = http.get("/")
    assert page.status_code == 200
    assert "fonts.googleapis.com" not in page.text and "cdn." not in page.text
    theme = http.get("/theme.css")
    if theme.status_code == 200:
        assert "fonts.googleapis.com" not in theme.text
        assert "system-ui" in theme.text


def test_concurrent_clients_all_get_answers(http, live_server):
    """A tiny bounded load: 8 clients x 5 requests, no errors, nothing serialised into timeouts."""
    questions = ["how long does group therapy last", "what is group therapy", "is it confidential",
                 "what is the best pizza topping", "can family members come"]

    def client(n: int) -> list[int]:
        with httpx.Client(base_url=live_server.url, timeout=30) as c:
            return [c.post("/api/ask", json={"question": q, "region": "UK"}).status_code for q in questions]

    with ThreadPoolExecutor(8) as pool:
        codes = [code for codes in pool.map(client, range(8)) for code in codes]
    assert codes == [200] * 40


# -- gradio_client --------------------------------------------------------------------------------
def test_gradio_endpoint_returns_the_same_contract(gradio, http):
    question = "How long does group therapy usually last in aftercare?"
    via_gradio = gradio.predict(question, "AU", api_name="/ask")
    via_http = http.post("/api/ask", json={"question": question, "region": "AU"}).json()
    assert CONTRACT_KEYS <= set(via_gradio)
    assert via_gradio["region"] == "AU"
    assert [a["id"] for a in via_gradio["answers"]] == [a["id"] for a in via_http["answers"]] == ["faq-duration"]


def test_gradio_endpoint_crisis_and_default_region(gradio):
    data = gradio.predict("i want to kill myself", None, api_name="/ask")
    assert data["kind"] == "crisis"
    assert data["region"] == "US"
    assert any("911" in r.get("tel", "") for r in data["crisis"]["resources"])


def test_only_ask_is_a_public_api_endpoint(gradio):
    assert list(gradio.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/ask"]


def test_no_event_keeps_state_on_the_server(live_server):
    """Any worker process must be able to answer any event: no Gradio queue (its join and its stream
    can land on two workers) and no gr.State (kept in one worker's memory)."""
    import gradio as gr

    blocks = live_server.app.state.widget_blocks
    fns = {fn.api_name: fn for fn in blocks.fns.values()}
    assert fns["ask"].queue is False  # the API endpoint skips the queue: FastAPI's threadpool runs it
    assert all(fn.queue is False for fn in blocks.fns.values() if fn.fn is not None)
    assert not [b for b in blocks.blocks.values() if isinstance(b, gr.State)]


def test_gradio_clients_run_concurrently(gradio):
    jobs = [gradio.submit(q, "NZ", api_name="/ask") for q in ["what is group therapy", "is it free",
                                                              "i feel alone", "how long does it last"]]
    results = [job.result(timeout=60) for job in jobs]
    assert all(r["region"] == "NZ" for r in results)


# -- mounting into an existing FastAPI app ---------------------------------------------------------
def test_mounts_into_an_existing_fastapi_app(seed_assistant):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    host = FastAPI()

    @host.get("/")
    def home():
        return {"site": "ours"}

    widget.build_app(seed_assistant, "IE", fastapi_app=host, path="/faq")
    with TestClient(host) as client:
        assert client.get("/").json() == {"site": "ours"}
        assert client.get("/faq/").status_code == 200
        data = client.post("/faq/api/ask", json={"question": "what is group therapy"}).json()
        assert data["region"] == "IE"
        assert client.get("/faq/healthz").json()["status"] == "ok"


# -- rendering (pure functions) ----------------------------------------------------------------------


def test_cli_help_lists_the_options():
    result = subprocess.run([sys.executable, "app.py", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    for option in ["--host", "--port", "--knowledge", "--index", "--region"]:
        assert option in result.stdout


def test_no_visitor_text_on_disk_after_load(live_server, tmp_path):
    """Logging off (the default): canaries sent under a small load leave no trace on disk."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    started = time.time()
    canaries = [f"zq{n}xcanary my email is person{n}@example.org and I use heroin" for n in range(24)]
    with httpx.Client(base_url=live_server.url, timeout=30) as http, ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda text: http.post("/api/ask", json={"question": text}).status_code, canaries))
    assert codes == [200] * len(canaries)
    roots = [ROOT, Path(tempfile.gettempdir())]
    for root in roots:
        for path in root.rglob("*"):
            if ".venv" in path.parts or ".git" in path.parts or not path.is_file():
                continue
            try:
                if path.stat().st_mtime < started - 1 or path.stat().st_size > 50_000_000:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            assert b"xcanary" not in data, f"visitor text found in {path}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
       region=st.one_of(st.none(), st.sampled_from(["AU", "uk", "zz", ""])))
def test_api_ask_property_any_text_gets_a_contract_reply(http, question, region):
    reply = http.post("/api/ask", json={"question": question, "region": region})
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["kind"] in {"answer", "fallback", "crisis"} and isinstance(data["crisis"]["detected"], bool)
