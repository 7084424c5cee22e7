"""Web front end: a Gradio chat at `/`, plus `POST /api/ask` and `GET /healthz` on the same server.

Thin by design: every reply comes from `Assistant.ask()`; this file only renders it.
Visitor text is escaped before display and never goes into HTML; vetted answers and crisis
text render as Markdown, with raw tags neutralised here and sanitised again by Gradio.

The app keeps nothing per visitor on the server (no Gradio queue, no `gr.State`): every event is
one request carrying what it needs, so any worker process can answer any request
(`python -m assistant serve --workers N`, see serve.py).

Widget parameters (page URL or iframe `src`): `?region=AU` picks the crisis lines' region.
"""
# No `from __future__ import annotations`: Gradio and FastAPI read these callbacks' annotations
# (gr.Request, gr.LikeData, the request body model) at runtime, and they are local names.

import html
import logging
import os
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

log = logging.getLogger("assistant.app")

TITLE = "Questions about group therapy and aftercare"
INTRO = ("Ask a question about group therapy, support groups or aftercare. "
         "Answers come from a set of vetted answers written and reviewed by staff.")
FOOTER = ("This assistant is automated and not monitored: it shows vetted answers only and cannot send help. "
          "In an emergency, call your local emergency number.")
CALM_ERROR = ("I'm sorry, something went wrong on our side. Please try again in a moment. "
              "If you need to talk to someone now, use the crisis lines for your region.")
FEEDBACK_THANKS = "Thanks for letting us know."
# Buttons on a fallback reply; a fixed number of components, shown and relabelled per reply.
MAX_SUGGESTIONS = 3
# Gradio's default fonts come from Google Fonts; the widget must work offline, so use system fonts.
SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]

CSS = """
.gradio-container { max-width: 760px !important; margin: 0 auto !important; }
/* The crisis block keeps the same light, high-contrast colours in light and dark mode. */
#crisis-block { border: 3px solid #b00020; border-radius: 10px; padding: 10px 12px;
  background: #fff5f5 !important; }
#crisis-block, #crisis-block * { color: #1a1a1a !important; }
#crisis-block h3 { margin: 0 0 0.3em 0; }
#crisis-block ul { list-style: none; padding-left: 0; margin: 0.3em 0; }
#crisis-block li { margin: 0.5em 0; }
#crisis-block a { display: inline-block; min-height: 44px; line-height: 40px; padding: 0 12px; margin: 4px 6px 0 0;
  border: 2px solid #8a0017; border-radius: 8px; background: #fff !important; color: #8a0017 !important;
  font-weight: 700; text-decoration: none; }
#crisis-block a:hover, #crisis-block a:focus-visible { background: #8a0017 !important; color: #fff !important; }
#suggestions button { white-space: normal; text-align: left; height: auto; min-height: 44px; }
#widget-footer p { font-size: 0.95rem !important; color: #374151 !important; }
#chat * { overflow-wrap: anywhere !important; }  /* a long word or URL must wrap, not widen the page */
:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
.dark #widget-footer p { color: #e5e7eb !important; }
/* The help bar keeps the crisis block's colours in light and dark mode; its links are 44 px tap targets. */
#help-bar { border: 2px solid #b00020; border-radius: 10px; padding: 4px 10px; background: #fff5f5 !important; }
#help-bar p { margin: 0; color: #1a1a1a !important; }
#help-bar a { display: inline-block; min-height: 44px; line-height: 44px; padding: 0 6px; color: #8a0017 !important;
  font-weight: 700; }
"""

# Gradio scopes `css` to the app's content; the page padding outside it is set from <head>.
HEAD = ("<style>@media (max-width: 480px) { .main.fillable { padding-left: 8px !important; "
        "padding-right: 8px !important; } }</style>")

# After each reply: when the crisis block first appears (or changes), bring it into view on a phone.
# Client-side only; reads no visitor text.
SHOW_CRISIS_JS = """() => setTimeout(() => {
  const block = document.getElementById('crisis-block');
  if (!block || block.offsetParent === null) return;
  const text = block.innerText;
  if (window.__crisisShown === text) return;
  window.__crisisShown = text;
  block.scrollIntoView({block: 'start'});
}, 50)"""


# -- rendering: pure functions, no Gradio --------------------------------------------------------
# Markdown's specials; & < > are left to html.escape (a backslash before an entity would show it raw).
MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|~:=$")


def escape_visitor_text(text: str) -> str:
    """Show what the visitor typed literally: no HTML, no Markdown (links, images, emphasis)."""
    escaped = "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in str(text))
    # After the Markdown escapes, so entities such as &#x27; are not broken by a backslash.
    return html.escape(escaped, quote=False)


def vetted_markdown(text: str) -> str:
    """Vetted or crisis text as Markdown with any raw tag made inert (Gradio sanitises it again)."""
    return str(text or "").replace("<", "&lt;")


def _link(target: str, scheme: str) -> str:
    target = str(target).strip()
    if not target.lower().startswith(scheme + ":"):
        target = f"{scheme}:{target.replace(' ', '')}"
    return target


def render_crisis_block(crisis: dict[str, Any]) -> str:
    """The block that stays above the chat once a crisis was detected: the headline and one
    tap-to-call / tap-to-text button per line (the full crisis message is in the chat turn)."""
    headline = crisis.get("headline") or "If you are in danger right now, call your local emergency number."
    lines = [f"### {vetted_markdown(headline)}"]
    for resource in crisis.get("resources") or []:
        links = []
        tel = resource.get("tel_link") or resource.get("tel")
        if tel:
            links.append(f"[Call {vetted_markdown(resource.get('number', ''))}]({_link(tel, 'tel')})")
        sms = resource.get("sms_link") or resource.get("sms")
        if sms:
            label = resource.get("text_instructions") or f"Text {resource.get('sms', '')}"
            links.append(f"[{vetted_markdown(label)}]({_link(sms, 'sms')})")
        if not links and resource.get("number"):
            links.append(vetted_markdown(resource["number"]))
        lines.append(f"- **{vetted_markdown(resource.get('name', ''))}**  \n  " + " ".join(links))
    lines.append("")
    lines.append("_This assistant is automated and cannot send help._")
    return "\n".join(lines)


def render_answer_card(answer: dict[str, Any]) -> str:
    heading = vetted_markdown(answer.get("question") or answer.get("title") or "")
    meta = []
    if answer.get("source"):
        meta.append(f"Source: {vetted_markdown(answer['source'])}")
    if answer.get("reviewed"):
        meta.append(f"reviewed {vetted_markdown(answer['reviewed'])}")
    card = f"**{heading}**\n\n{vetted_markdown(answer['answer'])}"
    if meta:
        card += "\n\n_" + " · ".join(meta) + "_"
    return card


def render_reply(reply: dict[str, Any]) -> str:
    """Markdown for one assistant turn, built only from vetted text and the crisis resources."""
    parts: list[str] = []
    if reply["kind"] == "crisis":
        parts.append(vetted_markdown(reply["crisis"].get("message_markdown") or reply.get("message", "")))
    elif reply.get("message"):
        parts.append(vetted_markdown(reply["message"]))
    if reply["kind"] == "crisis" and reply.get("message") and reply["crisis"].get("message_markdown"):
        parts.append(vetted_markdown(reply["message"]))
    cards = [render_answer_card(a) for a in reply.get("answers", [])]
    parts.append("\n\n---\n\n".join(cards))
    if reply.get("suggestions"):
        parts.append("\n".join(f"- {vetted_markdown(s['question'])}" for s in reply["suggestions"]))
    if reply["kind"] == "fallback" and reply.get("helpline"):
        helpline = reply["helpline"]
        parts.append(vetted_markdown(helpline.get("markdown") or helpline.get("text", "")))
    for note in reply.get("notes", []):
        parts.append(f"_{vetted_markdown(note)}_")
    return "\n\n".join(p for p in parts if p)


def record_feedback(entry_id: str | None, helpful: bool, *, enabled: bool = False) -> bool:
    """Hook for helpful / not helpful. Stores nothing unless staff logging is switched on
    (`log_questions`); the staff workflow adds the storage. Never receives visitor text."""
    if not enabled:
        return False
    log.info("feedback entry=%s helpful=%s", entry_id or "-", bool(helpful))
    return True


# -- the app ------------------------------------------------------------------------------------
def render_help_bar(resources, region: str) -> str:
    """The compact line of help that every screen carries, whatever happens to a request: the
    region's emergency number and its first crisis line, as tap-to-call / tap-to-text links."""
    emergency, lines = resources.help_bar(region)
    links = [f'<a href="{html.escape(emergency.tel_link or "", quote=True)}">Call {html.escape(emergency.number)}</a>']
    for line in lines:
        if line.tel:
            links.append(f'<a href="{html.escape(line.tel_link, quote=True)}">Call {html.escape(line.number)}'
                         f' ({html.escape(line.name)})</a>')
        if line.sms:
            label = line.text_instructions or f"Text {line.sms}"
            links.append(f'<a href="{html.escape(line.sms_link, quote=True)}">{html.escape(label)}</a>')
    return f'<strong>In danger or struggling?</strong> {" · ".join(links)}'


def render_help_bars(resources, region: str) -> str:
    """One help bar per region, only `region`'s shown: a region change switches it in the page
    itself, so the lines are there even when the server cannot be reached."""
    bars = [f'<p data-help-region="{html.escape(code, quote=True)}"{"" if code == region else " hidden"}>'
            f"{render_help_bar(resources, code)}</p>" for code in resources.regions]
    return f'<nav id="help-bar" aria-label="Crisis lines">{"".join(bars)}</nav>'


# Client-side only: show the help bar of the chosen region (reads no visitor text).
SWITCH_HELP_BAR_JS = """(region) => {
  document.querySelectorAll('[data-help-region]').forEach(p => { p.hidden = p.dataset.helpRegion !== region; });
  return region;
}"""


def build_app(assistant, default_region: str | None = None, fastapi_app=None, path: str = "/",
              rate_limit: int | None = None):
    """Return a FastAPI app serving the widget at `path`, `POST /api/ask` and `GET /healthz`.

    Pass `fastapi_app` to mount into an existing FastAPI application instead of a new one.
    A visitor over the rate limit still has every message screened: a crisis message gets the
    crisis lines (with status 429 from the API), anything else a short "please wait".
    """
    import gradio as gr
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, Field

    from assistant.web_guard import WebGuard, retry_after_of

    resources = assistant.resources
    default_region = resources.resolve_region(default_region, assistant.settings.region)
    regions = list(resources.regions)
    n_suggestions = max(1, min(MAX_SUGGESTIONS, assistant.settings.suggestions or MAX_SUGGESTIONS))

    def ask_api(question: str, region: str | None = None, answer: bool = True) -> dict[str, Any]:
        """Ask the assistant one question; returns the JSON contract (Response.to_dict())."""
        started = time.perf_counter()
        reply = assistant.ask(question, region=region or default_region, answer=answer).to_dict()
        # One line per request, never the question text.
        log.info("ask kind=%s crisis=%s region=%s answers=%d limited=%s ms=%.1f", reply["kind"],
                 reply["crisis"].get("category") or "-", reply["region"], len(reply["answers"]), not answer,
                 (time.perf_counter() - started) * 1000)
        return reply

    def hidden_suggestions() -> list:
        return [gr.update(visible=False)] + [gr.update(visible=False, value="") for _ in range(n_suggestions)]

    def chat(message: str, history: list[dict], region: str, entry_ids: dict, crisis_text: str,
             request: gr.Request):
        """One visitor turn. Outputs: textbox, chat, entry ids, crisis text, crisis block,
        suggestion box, then each suggestion button."""
        message = message or ""
        if not message.strip():
            return ("", history, entry_ids, crisis_text, gr.update(), *hidden_suggestions())
        history = list(history or [])
        history.append({"role": "user", "content": escape_visitor_text(message)})
        over_limit = bool(retry_after_of(getattr(request, "request", None)))
        try:
            reply = ask_api(message, region, answer=not over_limit)
        except Exception:  # the visitor sees a calm message, staff see the traceback
            log.exception("ask failed")
            history.append({"role": "assistant", "content": CALM_ERROR})
            return ("", history, entry_ids, crisis_text, gr.update(), *hidden_suggestions())
        history.append({"role": "assistant", "content": render_reply(reply)})
        entry_ids = dict(entry_ids or {})
        entry_ids[str(len(history) - 1)] = [a["id"] for a in reply["answers"]]
        crisis_update = gr.update()  # once shown, the crisis block stays (it is never cleared)
        if reply["crisis"].get("detected"):
            crisis_text = message
            crisis_update = gr.update(value=render_crisis_block(reply["crisis"]), visible=True)
        suggestions = reply["suggestions"][:n_suggestions] if reply["kind"] == "fallback" else []
        labels = [s["question"] for s in suggestions] + [""] * (n_suggestions - len(suggestions))
        buttons = [gr.update(visible=bool(label), value=label) for label in labels]
        return ("", history, entry_ids, crisis_text, crisis_update, gr.update(visible=bool(suggestions)), *buttons)

    def region_changed(region: str, crisis_text: str):
        """Keep a visible crisis block in step with the region selector."""
        if not crisis_text:
            return gr.update()
        reply = ask_api(crisis_text, region, answer=False)  # the screen only: no answers are needed here
        if not reply["crisis"].get("detected"):
            return gr.update()
        return gr.update(value=render_crisis_block(reply["crisis"]), visible=True)

    def on_load(request: gr.Request):
        """The region from the page URL, and the help bars as currently published."""
        requested = request.query_params.get("region") if request is not None else None
        region = assistant.resources.resolve_region(requested, default_region)
        return region, render_help_bars(assistant.resources, region)

    def feedback(entry_ids: dict, data: gr.LikeData):
        ids = (entry_ids or {}).get(str(data.index), []) if isinstance(data.index, int) else []
        for entry_id in ids or [None]:
            if record_feedback(entry_id, bool(data.liked), enabled=assistant.settings.log_questions) and entry_id:
                assistant.record_feedback(entry_id, bool(data.liked))  # SQLite, only when logging is on
        return FEEDBACK_THANKS

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        help_bar = gr.HTML(render_help_bars(resources, default_region), elem_id="help-bar-box")
        gr.Markdown(f"## {TITLE}\n\n{INTRO}", elem_id="intro")
        crisis_block = gr.Markdown(visible=False, elem_id="crisis-block")
        chatbot = gr.Chatbot(label="Conversation", elem_id="chat", height="min(60vh, 520px)",
                             sanitize_html=True, allow_tags=False, render_markdown=True, layout="panel",
                             feedback_options=("Like", "Dislike"), buttons=[], autoscroll=True,
                             latex_delimiters=[], placeholder=None)
        with gr.Column(visible=False, elem_id="suggestions") as suggestion_box:
            gr.Markdown("**Did you mean:**")
            suggestion_buttons = [gr.Button("", visible=False, size="sm", variant="secondary")
                                  for _ in range(n_suggestions)]
        with gr.Row(equal_height=True):
            box = gr.Textbox(label="Your question", placeholder="e.g. How long does group therapy last?",
                             scale=4, min_width=200, lines=1, max_lines=4, autofocus=False,
                             max_length=assistant.settings.max_question_chars * 10, elem_id="question")
            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
        region = gr.Dropdown(choices=regions, value=default_region, label="Crisis lines for (region)",
                             filterable=False, elem_id="region")
        feedback_status = gr.Markdown("", elem_id="feedback-status")
        gr.Markdown(FOOTER, elem_id="widget-footer")
        # Held in the page, not on the server (no gr.State): any worker can answer the next event.
        entry_ids = gr.JSON({}, visible=False)
        crisis_text = gr.Textbox("", visible=False)

        outputs = [box, chatbot, entry_ids, crisis_text, crisis_block, suggestion_box, *suggestion_buttons]
        # queue=False: one plain request per event, answered by whichever worker gets it.
        common = dict(outputs=outputs, api_visibility="private", queue=False, show_progress="minimal",
                      show_progress_on=[chatbot])  # a pending reply must not fade the crisis block
        send.click(chat, [box, chatbot, region, entry_ids, crisis_text], **common).then(None, js=SHOW_CRISIS_JS)
        box.submit(chat, [box, chatbot, region, entry_ids, crisis_text], **common).then(None, js=SHOW_CRISIS_JS)
        for button in suggestion_buttons:  # asks the suggested vetted question itself
            button.click(chat, [button, chatbot, region, entry_ids, crisis_text], **common).then(
                None, js=SHOW_CRISIS_JS)
        region.change(None, region, None, js=SWITCH_HELP_BAR_JS)
        region.change(region_changed, [region, crisis_text], crisis_block, api_visibility="private", queue=False)
        chatbot.like(feedback, [entry_ids], feedback_status, api_visibility="private", queue=False,
                     show_progress="hidden")
        demo.load(on_load, None, [region, help_bar], api_visibility="private", queue=False)
        # The public API endpoint: `Client(url).predict(question, region, api_name="/ask")`. Off the queue:
        # it runs in the server's threadpool like `POST /api/ask`.
        def ask(question: str, region: str | None = None) -> dict[str, Any]:
            """Ask the assistant one question; returns the JSON contract (Response.to_dict())."""
            return ask_api(question, region)

        gr.api(ask, api_name="ask", queue=False)

    class AskBody(BaseModel):
        question: str = Field(max_length=100_000)
        region: str | None = Field(default=None, max_length=16)

    api = fastapi_app or FastAPI(title="Aftercare FAQ assistant", docs_url=None, redoc_url=None,
                                 openapi_url=None)
    prefix = "" if path == "/" else path.rstrip("/")
    if fastapi_app is None:
        # Security headers, request-size limit, per-client rate limit (ASSISTANT_RATE_LIMIT per minute).
        # Asking (the API and the widget's events) counts against the limit but is never refused
        # outright: the handlers screen an over-limit message for crisis and skip the answers.
        # A site mounting the widget into its own app keeps its own middleware.
        api.add_middleware(WebGuard, rate_limit=rate_limit,
                           screened_paths=(f"{prefix}/api/ask", f"{prefix}/gradio_api/"))

    # Plain `def` routes: FastAPI runs them in its threadpool, so visitors are not serialised.
    @api.post(f"{prefix}/api/ask")
    def post_ask(body: AskBody, request: Request):
        wait = retry_after_of(request)
        try:
            reply = ask_api(body.question, body.region, answer=not wait)
        except Exception:
            log.exception("ask failed")
            # Even here the visitor gets the region's lines: the crisis screen's rules need no model.
            reply = assistant.ask(body.question, region=body.region or default_region, answer=False).to_dict()
            return JSONResponse({**reply, "detail": CALM_ERROR}, status_code=503)
        if wait:
            return JSONResponse({**reply, "error": "too many questions in a short time; please wait a moment "
                                 "and try again", "retry_after": wait},
                                status_code=429, headers={"Retry-After": str(wait)})
        return reply

    @api.get(f"{prefix}/healthz")
    def healthz() -> dict[str, Any]:
        status = "ok" if assistant.ready else "degraded"
        return {"status": status, "problem": str(assistant.problem) if assistant.problem else None,
                "regions": list(assistant.resources.regions), "default_region": default_region,
                "manifest": assistant.manifest.summary() if assistant.manifest else None}

    api.state.widget_blocks = demo  # for tests and for apps that mount the widget
    # Readable contrast: white on blue-700 (6.7:1) instead of the default white on orange (2.8:1).
    theme = gr.themes.Default(primary_hue="blue", font=SYSTEM_FONTS, font_mono=MONO_FONTS).set(
        button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white", button_primary_background_fill_dark="*primary_600",
        input_placeholder_color="*neutral_500", link_text_color="*primary_700")
    return gr.mount_gradio_app(api, demo, path=path, allowed_paths=[], footer_links=[], theme=theme, css=CSS,
                               head=HEAD, show_error=False, pwa=False, mcp_server=False, ssr_mode=False)
