"""The staff page at `/staff`: test questions, the review dashboard, the unanswered-questions report
with one-click changes to the knowledge, and each region's crisis lines as visitors see them.

Off unless `ASSISTANT_STAFF_PASSWORD` is set (settings.py): then `/staff` answers 404 as any unknown
page does. On: HTTP Basic authentication on every request (any user name, that password, compared
with `secrets.compare_digest`); a client that fails `LOGIN_FAILURES_PER_MINUTE` times is refused for
the rest of the minute, the right password included, so it cannot be guessed quickly. Plain
server-rendered HTML (no script, no Gradio): every request carries what it needs and the server
keeps nothing between requests, so any worker process can answer any of them (serve.py). Gradio's
own `auth=` was not used: it keeps login tokens in one process's memory. Never linked from the
visitor page; serve it over HTTPS only (the password travels with every request).
"""
# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime, and
# some are local names.
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from starlette.requests import Request

from assistant.web.guard import RateLimiter, client_address
from assistant.web.render import render_crisis_block, render_help_bar, render_reply

log = logging.getLogger("assistant.staff")

LOGIN_FAILURES_PER_MINUTE = 10  # per client address; a person mistyping needs far fewer
REALM = 'Basic realm="Staff page", charset="UTF-8"'
TEMPLATE = Path(__file__).resolve().parent / "static" / "staff.html"
# The generic crisis reply (no category): what a visitor in danger sees first in each region.
EXAMPLE_CRISIS_CATEGORY = None


@lru_cache(maxsize=1)
def _templates():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATE.parent), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["markdown"] = markdown_html
    return env


@lru_cache(maxsize=1)
def _markdown():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})  # raw HTML in the text is shown as text


def markdown_html(text: str):
    """Markdown (vetted or crisis text, as the widget renders it) to HTML; raw tags are not passed on."""
    from markupsafe import Markup

    return Markup(_markdown().render(str(text or "")))  # noqa: S704 - markdown-it with html off escapes


class StaffAuth:
    """HTTP Basic authentication against one password, with failed attempts rate-limited per client."""

    def __init__(self, password: str, trusted_proxies: set[str] | None = None,
                 failures_per_minute: int = LOGIN_FAILURES_PER_MINUTE):
        self._password = password.encode("utf-8")
        self.trusted = trusted_proxies or set()
        self.failures = RateLimiter(failures_per_minute)

    def write_token(self) -> str:
        """A token the write form carries: only someone who has the password can make it, so another
        site cannot make a logged-in browser post a change (the browser sends Basic credentials anywhere)."""
        return hmac.new(self._password, b"staff-page-write", hashlib.sha256).hexdigest()

    def check(self, request: Request) -> None:
        from fastapi import HTTPException

        client = client_address(request.scope, self.trusted)
        wait = self.failures.retry_after(client, count=False)
        if wait:
            raise HTTPException(429, "Too many wrong passwords from this address; wait a minute and try again.",
                                headers={"Retry-After": str(wait)})
        given = _basic_password(request.headers.get("authorization", ""))
        if given is not None and secrets.compare_digest(given.encode("utf-8"), self._password):
            return
        self.failures.retry_after(client)  # counts the failure
        raise HTTPException(401, "The staff page needs the staff password.", headers={"WWW-Authenticate": REALM})


def _basic_password(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[2]


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


# -- the panes' data: plain functions ------------------------------------------------------------------
def ask_as_staff(assistant, question: str, region: str | None) -> dict[str, Any]:
    """The reply a visitor would get (never logged), and why: the ranking with its parts and the rule
    that decided."""
    from assistant.staff.explain import explain

    response = assistant.ask(question, region, log=False)
    reply = response.to_dict()
    ranked, serving = None, assistant.serving
    if serving is not None and question.strip() and assistant.embedder is not None:
        try:
            text = question[: assistant.settings.max_question_chars]
            variants = serving.retriever.query_variants(text)
            ranked = serving.retriever.rank(text, assistant.embedder.encode(variants),
                                            k=assistant.settings.candidates)
        except Exception:  # the reply above still shows; only the parts of the scores are missing
            log.exception("ranking for the staff page failed")
    explanation = explain(response, assistant.settings, ranked, serving.entries if serving else None)
    crisis = reply["crisis"]
    return {"question": question, "reply": reply, "reply_markdown": render_reply(reply),
            "crisis_block": render_crisis_block(crisis) if crisis.get("detected") else None,
            "explanation": explanation, "build": reply.get("index") or {}}


def _entries_for_select(knowledge) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for entry in knowledge.entries:
        seen.setdefault(entry.id.split("/")[0], entry.heading)
    return list(seen.items())


def unanswered_groups(assistant, top: int = 30) -> dict[str, Any]:
    """The `report` command's groups of unanswered questions, each with the entry most often closest."""
    from assistant.staff.question_log import QuestionLog, group_questions

    settings = assistant.settings
    question_log = assistant.question_log  # open in this process when logging is on
    if question_log is None:
        if not Path(settings.log_path).exists():
            return {"logging": False, "groups": []}
        question_log = QuestionLog(settings.log_path, settings.log_retention_days)  # stored while it was on
    try:
        rows = question_log.unanswered()
    finally:
        if question_log is not assistant.question_log:
            question_log.close()
    closest: dict[str, Counter] = {}
    for row in rows:
        closest.setdefault(row.question, Counter())[row.closest] += 1
    groups = []
    questions = [row.question for row in rows]
    if questions and assistant.embedder is not None:
        for members in group_questions(questions, assistant.embedder)[:top]:
            votes = sum((closest.get(q, Counter()) for q in members), Counter())
            votes.pop(None, None)
            best = votes.most_common(1)[0][0].split("/")[0] if votes else None
            groups.append({"count": len(members), "question": members[0],
                           "also": list(dict.fromkeys(members[1:]))[:3], "closest": best})
    return {"logging": True, "groups": groups, "total": len(questions), "days": settings.log_retention_days,
            "log_on": assistant.question_log is not None}


def crisis_regions(resources, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Each region's help bar, crisis block and crisis reply exactly as the widget renders them, and
    every line with its `verified` date and source."""
    today = today or dt.date.today()
    regions = []
    for code in resources.regions:
        region = resources.region(code)
        reply = resources.crisis_reply(code).to_dict()
        lines = []
        for line in (region.emergency, *region.lines):
            try:
                days = (today - dt.date.fromisoformat(line.verified)).days
            except (TypeError, ValueError):
                days = None
            lines.append({"line": line, "days": days})
        regions.append({"code": code, "name": region.name, "help_bar": render_help_bar(resources, code),
                        "crisis_block": render_crisis_block({**reply, "detected": True}),
                        "message": reply["message_markdown"], "lines": lines})
    return regions


# -- the routes ------------------------------------------------------------------------------------------
def mount_staff_page(api, assistant, prefix: str = "", password: str | None = None,
                     trusted_proxies: set[str] | None = None) -> None:
    """Add the staff page's routes to `api` (before the widget is mounted at `/`). Without a
    password, `/staff` answers 404."""
    from fastapi import Depends, Form
    from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse

    base = f"{prefix}/staff"
    if not password:
        @api.api_route(base, methods=["GET", "POST"], include_in_schema=False)
        @api.api_route(base + "/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
        def staff_off(rest: str = "") -> PlainTextResponse:
            return PlainTextResponse("Not Found", status_code=404)
        return

    auth = StaffAuth(password, trusted_proxies)
    knowledge_dir = Path(assistant.knowledge_dir)

    def page(pane: str, **context) -> HTMLResponse:
        html = _templates().get_template(TEMPLATE.name).render(pane=pane, **context)
        return _no_store(HTMLResponse(html))

    def regions() -> list[tuple[str, str]]:
        resources = assistant.resources
        return [(code, resources.region(code).name) for code in resources.regions]

    staff = [Depends(auth.check)]

    # Every page sits one level under /staff/ and links to the others relatively ("review", "change"), so
    # the links work behind a proxy that serves the app under a prefix it strips (deployment.md).
    @api.get(base, dependencies=staff, include_in_schema=False)
    def to_test_pane(request: Request) -> RedirectResponse:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse("staff/" + query, status_code=307)

    @api.get(base + "/", dependencies=staff, include_in_schema=False)
    def test_pane(q: str = "", region: str = "") -> HTMLResponse:
        region = region or assistant.resources.resolve_region(None, assistant.settings.region)
        result = ask_as_staff(assistant, q[:100_000], region) if q.strip() else None
        return page("test", q=q, region=region, regions=regions(), result=result)

    @api.get(base + "/review", dependencies=staff, include_in_schema=False)
    def review_pane() -> HTMLResponse:
        from assistant.errors import KnowledgeError
        from assistant.knowledge import load_knowledge
        from assistant.staff.review import CRISIS_VERIFIED_MAX_DAYS, DUE_SOON_DAYS, review_status

        try:
            status = review_status(load_knowledge(knowledge_dir), knowledge_dir=knowledge_dir)
        except KnowledgeError as exc:
            return page("review", status=None, problems=exc.problems)
        return page("review", status=status, due_soon_days=DUE_SOON_DAYS, max_days=CRISIS_VERIFIED_MAX_DAYS)

    @api.get(base + "/unanswered", dependencies=staff, include_in_schema=False)
    def unanswered_pane() -> HTMLResponse:
        from assistant.errors import KnowledgeError
        from assistant.knowledge import load_knowledge

        try:
            entries = _entries_for_select(load_knowledge(knowledge_dir))
        except KnowledgeError as exc:
            return page("unanswered", report=None, problems=exc.problems)
        return page("unanswered", report=unanswered_groups(assistant), entries=entries)

    @api.get(base + "/change", dependencies=staff, include_in_schema=False)
    def preview_change(action: str, question: str, entry_id: str = "") -> HTMLResponse:
        from assistant.errors import KnowledgeError
        from assistant.staff.proposals import propose, validate_change

        try:
            change = propose(knowledge_dir, action, question, entry_id or None)
            validate_change(knowledge_dir, change)
        except KnowledgeError as exc:
            return page("change", change=None, problems=exc.problems, question=question)
        return page("change", change=change, token=auth.write_token(), problems=[])

    @api.post(base + "/change", dependencies=staff, include_in_schema=False)
    def write_change(action: str = Form(...), question: str = Form(...), entry_id: str = Form(""),
                     base_sha256: str = Form(""), token: str = Form("")) -> HTMLResponse:
        from assistant.errors import KnowledgeError
        from assistant.staff.proposals import apply_change, propose

        if not secrets.compare_digest(token.encode(), auth.write_token().encode()):
            response = page("change", change=None, question=question, problems=[
                "This form did not come from the staff page; open the unanswered questions again."])
            response.status_code = 403
            return response
        try:
            change = propose(knowledge_dir, action, question, entry_id or None)
            written = apply_change(knowledge_dir, change, expected_sha256=base_sha256)
        except KnowledgeError as exc:
            response = page("change", change=None, problems=exc.problems, question=question)
            response.status_code = 409
            return response
        log.info("staff page: %s written to %s", action, written)
        return page("written", change=change, file=written)

    @api.get(base + "/crisis", dependencies=staff, include_in_schema=False)
    def crisis_pane() -> HTMLResponse:
        return page("crisis", regions=crisis_regions(assistant.resources))
