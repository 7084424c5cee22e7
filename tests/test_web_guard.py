"""HTTP hardening: headers, size limit, rate limit with a clear 429, proxy-aware client identity."""
from fastapi.testclient import TestClient

import app as widget
from assistant.web_guard import RateLimiter, WebGuard


def test_rate_limit_gives_a_clear_429(seed_assistant):
    client = TestClient(widget.build_app(seed_assistant, "US", rate_limit=3))
    codes = [client.post("/api/ask", json={"question": f"what is group therapy {n}"}).status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.post("/api/ask", json={"question": "again"})
    assert int(refused.headers["retry-after"]) >= 1
    assert "try again" in refused.json()["error"]


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
