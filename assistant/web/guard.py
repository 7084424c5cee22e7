"""HTTP hardening for the app: security headers, a request-size limit and a per-client rate limit.

Pure ASGI middleware (no extra dependency). The rate limit is `ASSISTANT_RATE_LIMIT`
requests per minute per client (default 60; 0 switches it off, as the load benchmarks do).
Requests to `screened_paths` (asking a question) are never refused by the limit: they go on with
the seconds to wait recorded in the request (`retry_after_of`), and the handler screens the message
for crisis without looking for answers. A visitor behind a busy clinic Wi-Fi or a carrier's NAT
who writes in danger still gets the crisis lines. Every other POST over the limit gets a 429.
A client is the TCP peer address; behind a reverse proxy, list the proxy addresses in
`ASSISTANT_TRUSTED_PROXIES` (comma-separated) and the left-most address the proxy appended
to `X-Forwarded-For` is used instead. Addresses are kept in memory only, never logged.
"""
from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque

from assistant.settings import environment

MAX_BODY_BYTES = 256 * 1024  # a question is at most 100,000 characters; the JSON around it is small
DEFAULT_RATE_LIMIT = 60
# Gradio needs inline scripts and styles; everything else is this origin only (nothing from the internet).
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}")
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def rate_limit_from_env() -> int:
    return environment().rate_limit


class RateLimiter:
    """Sliding one-minute window per client."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._hits: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, client: str, now: float | None = None, count: bool = True) -> int:
        """0 when the request may go ahead (and counts it, unless `count` is False), else seconds to wait."""
        if self.per_minute <= 0:
            return 0
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits[client]
            while hits and now - hits[0] >= 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(1, int(60 - (now - hits[0])) + 1)
            if not count:
                return 0
            hits.append(now)
            if len(self._hits) > 100_000:  # bound memory under address floods
                for key in [k for k, v in self._hits.items() if not v][:50_000]:
                    del self._hits[key]
            return 0


def client_address(scope, trusted: set[str]) -> str:
    """The client of an ASGI request: the TCP peer, or behind a trusted proxy the address it reports."""
    peer = (scope.get("client") or ("unknown", 0))[0]
    if peer in trusted:
        for name, value in scope.get("headers", []):
            if name == b"x-forwarded-for":
                hops = [h.strip() for h in value.decode("latin-1").split(",") if h.strip()]
                # the right-most hop not added by a trusted proxy is the real client
                for hop in reversed(hops):
                    if hop not in trusted:
                        return hop
    return peer


class WebGuard:
    def __init__(self, app, rate_limit: int | None = None, trusted_proxies: set[str] | None = None,
                 frame_ancestors: str | None = None, max_body: int = MAX_BODY_BYTES,
                 screened_paths: tuple[str, ...] = ()):
        self.app = app
        self.screened_paths = tuple(screened_paths)
        self.limiter = RateLimiter(rate_limit_from_env() if rate_limit is None else rate_limit)
        env = environment()
        self.trusted = trusted_proxies if trusted_proxies is not None else env.trusted_proxy_set
        ancestors = frame_ancestors or env.frame_ancestors
        self.headers = HEADERS + [(b"content-security-policy", CSP.format(ancestors=ancestors).encode())]
        self.max_body = max_body

    def client_of(self, scope) -> str:
        return client_address(scope, self.trusted)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in self.headers if h[0] not in names]
            await send(message)

        method = scope.get("method", "GET")
        if method in ("POST", "PUT", "PATCH"):
            length = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
            if length is not None and length.isdigit() and int(length) > self.max_body:
                return await _json(send_with_headers, 413, {"error": f"request too large (limit {self.max_body} bytes)"})
            wait = self.limiter.retry_after(self.client_of(scope))
            if wait and scope.get("path", "").startswith(self.screened_paths):
                scope = dict(scope, state={**scope.get("state", {}), RETRY_AFTER: wait})
            elif wait:
                return await _json(send_with_headers, 429,
                                   {"error": "too many questions in a short time; please wait a moment and try again",
                                    "retry_after": wait}, [(b"retry-after", str(wait).encode())])
            receive = _limited_receive(receive, self.max_body)
        return await self.app(scope, receive, send_with_headers)


RETRY_AFTER = "assistant_retry_after"


def retry_after_of(request) -> int:
    """Seconds an over-limit client should wait (0 when within the limit), from a Starlette request."""
    state = getattr(request, "scope", {}).get("state") or {} if request is not None else {}
    return int(state.get(RETRY_AFTER, 0) or 0)


def _limited_receive(receive, limit: int):
    """Stop reading a chunked body that grows past the limit (no Content-Length to check)."""
    seen = 0

    async def wrapped():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                return {"type": "http.disconnect"}
        return message

    return wrapped


async def _json(send, status: int, payload: dict, extra_headers: list | None = None) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra_headers or [])})
    await send({"type": "http.response.body", "body": body})
