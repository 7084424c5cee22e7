"""HTTP hardening: headers, size limit, rate limit with a clear 429, proxy-aware client identity."""
from fastapi.testclient import TestClient

from assistant.web import app as widget
from assistant.web.guard import RateLimiter, WebGuard


def test_rate_limit_gives_a_clear_429(seed_assistant):
    client = TestClient(widget.build_app(seed_assistant, "US", rate_limit=3))
    codes = [client.post("/api/ask", json={"question": f"what is group therapy {n}"}).status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.post("/api/ask", json={"question": "what is group therapy"})
    assert int(refused.headers["retry-after"]) >= 1
    assert "try again" in refused.json()["error"]
    assert refused.json()["answers"] == [] and refused.json()["helpline"]  # no answers, but a helpline


def test_a_crisis_message_over_the_rate_limit_still_gets_the_crisis_lines(seed_assistant):
    """A clinic's Wi-Fi or a carrier's NAT puts many visitors behind one address."""
    client = TestClient(widget.build_app(seed_assistant, "UK", rate_limit=2))
    for n in range(3):
        client.post("/api/ask", json={"question": f"what is group therapy {n}"})
    reply = client.post("/api/ask", json={"question": "i took all my pills and want to die"})
    assert reply.status_code == 429
    data = reply.json()
    assert data["kind"] == "crisis" and data["crisis"]["detected"]
    assert any(r.get("tel") == "999" for r in data["crisis"]["resources"])


def test_other_posts_over_the_limit_are_refused_outright(seed_assistant):
    client = TestClient(widget.build_app(seed_assistant, "US", rate_limit=1))
    client.post("/api/ask", json={"question": "hello"})
    assert client.post("/anything-else", json={}).status_code == 429


def test_security_headers_and_size_limit(seed_assistant):
    client = TestClient(widget.build_app(seed_assistant, "US", rate_limit=0))
    page = client.get("/")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    big = client.post("/api/ask", content=b'{"question": "' + b"a" * 300_000 + b'"}',
                      headers={"content-type": "application/json"})
    assert big.status_code == 413
    long_question = client.post("/api/ask", json={"question": "what is group therapy " * 4000})
    assert long_question.status_code == 200 and long_question.json()["notes"]


def test_rate_limiter_window():
    limiter = RateLimiter(2)
    assert [limiter.retry_after("a", now=t) for t in (0, 1, 2)] == [0, 0, 59]
    assert limiter.retry_after("b", now=2) == 0  # per client
    assert limiter.retry_after("a", now=61) == 0  # the window slides
    assert RateLimiter(0).retry_after("a") == 0  # 0 = off


def test_client_identity_behind_a_trusted_proxy():
    guard = WebGuard(app=None, rate_limit=1, trusted_proxies={"10.0.0.5"})
    via_proxy = {"client": ("10.0.0.5", 1), "headers": [(b"x-forwarded-for", b"203.0.113.9, 10.0.0.5")]}
    spoofed = {"client": ("198.51.100.7", 1), "headers": [(b"x-forwarded-for", b"1.2.3.4")]}
    assert guard.client_of(via_proxy) == "203.0.113.9"
    assert guard.client_of(spoofed) == "198.51.100.7"  # untrusted peers cannot pick their identity


def test_the_gradio_api_over_the_limit_screens_but_does_not_answer(seed_assistant):
    """Every way in counts against the limit: `gradio_client` as much as POST /api/ask."""
    from gradio_client import Client

    from tests.web.test_app import serving

    with serving(widget.build_app(seed_assistant, "US", rate_limit=3)) as url:
        client = Client(url + "/", verbose=False, download_files=False, analytics_enabled=False)
        replies = [client.predict(f"how long does group therapy last {n}", "US", api_name="/ask") for n in range(6)]
        assert replies[0]["answers"] and not replies[-1]["answers"]  # over the limit: screened, not answered
        crisis = client.predict("i took all my pills and want to die", "US", api_name="/ask")
        assert crisis["kind"] == "crisis" and crisis["crisis"]["resources"]
