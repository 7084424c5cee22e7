"""The web app: a Gradio chat at `/`, plus `POST /api/ask`, `GET /healthz` and, when switched on, the
staff page at `/staff` (staff.py) on the same server.

Thin by design: every reply comes from `Assistant.ask()` (handlers.py) and is rendered by
render.py; this module only lays out the page and wires events. Every event is one plain request
(no Gradio queue, no `gr.State`), so any worker process can answer any request (serve.py).

Widget parameters (page URL or iframe `src`): `?region=AU` picks the crisis lines' region; without
it the page reports the browser's languages and time zone and the region follows them (an
en-GB / Europe/London browser gets UK lines), else the configured default.
"""
# No `from __future__ import annotations`: Gradio and FastAPI read these callbacks' annotations
# (gr.Request, gr.LikeData, the request body model) at runtime, and they are local names.

import logging
from pathlib import Path
from typing import Any

from assistant.settings import environment, offline
from assistant.web.guard import WebGuard, retry_after_of
from assistant.web.handlers import CALM_ERROR, Handlers
from assistant.web.render import render_help_bars

log = logging.getLogger("assistant.app")

TITLE = "Questions about group therapy and aftercare"
INTRO = "Answers written and reviewed by staff."
# Offered on the empty first screen; each is answered by a vetted FAQ entry.
EXAMPLES = ("What is group therapy?", "How long does group therapy last in aftercare?",
            "Can group therapy replace individual therapy?")
FOOTER = ("This assistant is automated and not monitored: it shows vetted answers only and cannot send help. "
          "In an emergency, call your local emergency number.")
# Gradio's default fonts come from Google Fonts; the widget must work offline, so use system fonts.
SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
STATIC = Path(__file__).resolve().parent / "static"
# Gradio scopes `css` to the app's content; the page padding outside it is set from <head>.
HEAD_STYLE = ("<style>@media (max-width: 480px) { .main.fillable { padding-left: 8px !important; "
              "padding-right: 8px !important; } .gradio-container { --layout-gap: 8px !important; } }</style>")
# Asked before Gradio's Clear empties the chat (static/widget.js shows it and presses Clear on "Clear").
CLEAR_CONFIRM = ('<div id="clear-confirm" role="alertdialog" aria-labelledby="clear-confirm-text" hidden>'
                 '<p id="clear-confirm-text">Clear the whole conversation? The crisis lines stay at the top of '
                 'the page.</p><button type="button" id="clear-keep">Keep it</button> '
                 '<button type="button" id="clear-yes">Clear</button></div>')


def _static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _head() -> str:
    return f"{HEAD_STYLE}<script>{_static('widget.js')}</script>"


def build_app(assistant, default_region: str | None = None, fastapi_app=None, path: str = "/",
              rate_limit: int | None = None):
    """Return a FastAPI app serving the widget at `path`, `POST /api/ask` and `GET /healthz`.

    Pass `fastapi_app` to mount into an existing FastAPI application instead of a new one.
    A visitor over the rate limit still has every message screened: a crisis message gets the
    crisis lines (with status 429 from the API), anything else a short "please wait".
    """
    offline()
    import gradio as gr
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, Field

    resources = assistant.resources
    handlers = Handlers(assistant, resources.resolve_region(default_region, assistant.settings.region))
    n = handlers.suggestions

    def chat(message: str, history: list[dict], region: str, entry_ids: dict, crisis_text: str,
             crisis_turns: dict, request: gr.Request):
        over_limit = bool(retry_after_of(getattr(request, "request", None)))
        history, entry_ids, crisis_text, crisis_turns, block, *labels = handlers.chat(
            message, history, region, entry_ids, crisis_text, over_limit, crisis_turns)
        crisis_update = gr.update() if block is None else gr.update(value=block, visible=True)
        buttons = [gr.update(visible=bool(label), value=label) for label in labels]
        return (history, entry_ids, crisis_text, crisis_turns, crisis_update, gr.update(visible=any(labels)),
                *buttons)

    def region_changed(region: str, crisis_text: str, history: list[dict], crisis_turns: dict):
        block, history = handlers.region_changed(region, crisis_text, history, crisis_turns)
        return (gr.update() if block is None else gr.update(value=block, visible=True),
                gr.update() if history is None else history)

    def on_load(browser: str, request: gr.Request):
        requested = request.query_params.get("region") if request is not None else None
        return handlers.on_load(requested, browser)

    def example_chosen(data: gr.SelectData):
        value = data.value
        return value.get("text", "") if isinstance(value, dict) else str(value or "")

    def feedback(entry_ids: dict, crisis_turns: dict, data: gr.LikeData):
        return handlers.feedback(entry_ids, data.index, data.liked, crisis_turns)

    def ask(question: str, region: str | None = None, request: gr.Request = None) -> dict[str, Any]:
        """Ask the assistant one question; returns the JSON contract (Response.to_dict())."""
        over_limit = bool(retry_after_of(getattr(request, "request", None)))
        return handlers.ask(question, region, answer=not over_limit)

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        help_bar = gr.HTML(render_help_bars(resources, handlers.default_region), elem_id="help-bar-box")
        gr.Markdown(f"# {TITLE}\n\n{INTRO}", elem_id="intro")  # the page's one h1
        crisis_block = gr.Markdown(visible=False, elem_id="crisis-block")
        chatbot = gr.Chatbot(label="Conversation", show_label=False, elem_id="chat", height="min(60vh, 520px)",
                             sanitize_html=True, allow_tags=False, render_markdown=True, layout="panel",
                             feedback_options=("Like", "Dislike"), buttons=[], autoscroll=False,
                             latex_delimiters=[], placeholder=None,
                             examples=[{"text": question} for question in EXAMPLES])
        gr.HTML(CLEAR_CONFIRM, elem_id="clear-confirm-box", padding=False)
        with gr.Column(visible=False, elem_id="suggestions") as suggestion_box:
            gr.Markdown("**Did you mean:**")
            suggestion_buttons = [gr.Button("", visible=False, size="sm", variant="secondary") for _ in range(n)]
        with gr.Row(equal_height=True):
            box = gr.Textbox(label="Your question", placeholder="Type a question",
                             scale=4, min_width=200, lines=1, max_lines=4, autofocus=False,
                             max_length=assistant.settings.max_question_chars * 10, elem_id="question")
            send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
        # Country names. Below the question box, so that on a 320 x 568 phone the first screen holds the
        # help bar, the examples and the box; the page picks the visitor's region on load, and the help
        # bar's "Change country" link brings a visitor here.
        region = gr.Dropdown(choices=[(resources.region(code).name, code) for code in resources.regions],
                             value=handlers.default_region, label="Crisis lines for", filterable=False,
                             elem_id="region")
        # Shown beside the Like/Dislike pressed (static/widget.js), not here below the chat.
        feedback_status = gr.Textbox("", visible=False)
        gr.Markdown(FOOTER, elem_id="widget-footer")
        # Held in the page, not on the server (no gr.State): any worker can answer the next event.
        entry_ids = gr.JSON({}, visible=False)
        crisis_text = gr.Textbox("", visible=False)
        crisis_turns = gr.JSON({}, visible=False)
        pending = gr.Textbox("", visible=False)  # the question being sent (the box is emptied at once)
        browser = gr.Textbox("", visible=False)

        outputs = [chatbot, entry_ids, crisis_text, crisis_turns, crisis_block, suggestion_box, *suggestion_buttons]
        # queue=False: one plain request per event, answered by whichever worker gets it.
        common = dict(outputs=outputs, api_visibility="private", queue=False, show_progress="minimal",
                      show_progress_on=[chatbot])  # a pending reply must not fade the crisis block
        after_reply = dict(fn=None, inputs=[crisis_turns], js=_static("after-reply.js"))
        inputs = [chatbot, region, entry_ids, crisis_text, crisis_turns]
        # Sending empties the box in the page at once; the reply never touches it, so what the visitor
        # types while it is on its way stays.
        take = dict(fn=None, inputs=[box], outputs=[box, pending], js="(question) => ['', question]",
                    queue=False, api_visibility="private")
        send.click(**take).then(chat, [pending, *inputs], **common).then(**after_reply)
        box.submit(**take).then(chat, [pending, *inputs], **common).then(**after_reply)
        for button in suggestion_buttons:  # asks the suggested vetted question itself
            button.click(chat, [button, *inputs], **common).then(**after_reply)
        chatbot.example_select(example_chosen, None, pending, api_visibility="private", queue=False).then(
            chat, [pending, *inputs], **common).then(**after_reply)
        region.change(None, region, None, js=_static("switch-help-bar.js"))
        region.change(region_changed, [region, crisis_text, chatbot, crisis_turns], [crisis_block, chatbot],
                      api_visibility="private", queue=False)
        chatbot.like(feedback, [entry_ids, crisis_turns], feedback_status, api_visibility="private", queue=False,
                     show_progress="hidden").then(None, feedback_status,
                                                  js="(text) => window.__showFeedbackThanks(text)")
        # A cleared chat starts again: no feedback ids or crisis turns of the old one. The crisis block stays.
        chatbot.clear(lambda: ({}, {}), None, [entry_ids, crisis_turns], api_visibility="private", queue=False)
        # The browser's languages and time zone, read in the page, choose the region (handlers.on_load).
        demo.load(on_load, browser, [region, help_bar], api_visibility="private", queue=False,
                  js="() => [(navigator.languages || [navigator.language]).join(',') + '|' + "
                     "(Intl.DateTimeFormat().resolvedOptions().timeZone || '')]")
        # The public API endpoint: `Client(url).predict(question, region, api_name="/ask")`, off the queue.
        gr.api(ask, api_name="ask", queue=False)

    class AskBody(BaseModel):
        question: str = Field(max_length=100_000)
        region: str | None = Field(default=None, max_length=16)

    api = fastapi_app or FastAPI(title="Aftercare FAQ assistant", docs_url=None, redoc_url=None, openapi_url=None)
    prefix = "" if path == "/" else path.rstrip("/")
    if fastapi_app is None:
        # Security headers, request-size limit, per-client rate limit (ASSISTANT_RATE_LIMIT per minute).
        # Asking (the API and the widget's events) counts against the limit but is never refused
        # outright: the handlers screen an over-limit message for crisis and skip the answers.
        # A site mounting the widget into its own app keeps its own middleware.
        asking = ("/api/ask", "/gradio_api/run/", "/gradio_api/call/", "/gradio_api/queue/join")
        api.add_middleware(WebGuard, rate_limit=rate_limit, screened_paths=tuple(prefix + p for p in asking))

    # Plain `def` routes: FastAPI runs them in its threadpool, so visitors are not serialised.
    @api.post(f"{prefix}/api/ask")
    def post_ask(body: AskBody, request: Request):
        wait = retry_after_of(request)
        try:
            reply = handlers.ask(body.question, body.region, answer=not wait)
        except Exception:
            log.exception("ask failed")
            # Even here the visitor gets the region's lines: the crisis screen's rules need no model.
            reply = handlers.ask(body.question, body.region, answer=False)
            return JSONResponse({**reply, "detail": CALM_ERROR}, status_code=503)
        if wait:
            return JSONResponse({**reply, "error": "too many questions in a short time; please wait a moment "
                                 "and try again", "retry_after": wait},
                                status_code=429, headers={"Retry-After": str(wait)})
        return reply

    @api.get(f"{prefix}/healthz")
    def healthz() -> dict[str, Any]:
        return handlers.healthz()

    # The staff page (staff.py): routes only when ASSISTANT_STAFF_PASSWORD is set, never linked from here.
    from assistant.web.staff import mount_staff_page

    env = environment()
    mount_staff_page(api, assistant, prefix, env.staff_password.get_secret_value() if env.staff_password else None,
                     env.trusted_proxy_set)

    api.state.widget_blocks = demo  # for tests and for apps that mount the widget
    # Readable contrast: white on blue-700 (6.7:1) instead of the default white on orange (2.8:1).
    theme = gr.themes.Default(primary_hue="blue", font=SYSTEM_FONTS, font_mono=MONO_FONTS).set(
        button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white", button_primary_background_fill_dark="*primary_600",
        input_placeholder_color="*neutral_500", link_text_color="*primary_700")
    return gr.mount_gradio_app(api, demo, path=path, allowed_paths=[], footer_links=[], theme=theme,
                               css=_static("widget.css"), head=_head(), show_error=False, pwa=False, mcp_server=False,
                               ssr_mode=False)
