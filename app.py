"""Web front end: a Gradio chat at `/`, plus `POST /api/ask` and `GET /healthz` on the same server.

Thin by design: every reply comes from `Assistant.ask()`; this file only renders it.
Visitor text is escaped before display and never goes into HTML; vetted answers and crisis
text render as Markdown, with raw tags neutralised here and sanitised again by Gradio.

    python app.py [--host H] [--port P] [--knowledge DIR] [--index DIR] [--region R]

Widget parameters (page URL or iframe `src`): `?region=AU` picks the crisis lines' region.
"""
# No `from __future__ import annotations`: Gradio and FastAPI read these callbacks' annotations
# (gr.Request, gr.LikeData, the request body model) at runtime, and they are local names.

import argparse
import html
import logging
import os
import sys
import time
from pathlib import Path
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
# Concurrent chat events per process. The embedder runs one encode at a time, so more would only queue
# inside the process; this keeps a slow visitor from holding up the others (Gradio's default is 1).
CHAT_CONCURRENCY = 4
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


def configure_threads(threads: int | None = None) -> int:
    """Cap torch's and FAISS's threads for serving (default 1, or `ASSISTANT_THREADS`).

    FAISS searches one question at a time here, which is faster on one OpenMP thread than on two
    (they wait on each other whenever anything else is busy). torch is only in use as the fallback
    encoder, which holds a lock: measured with it, 1 thread gave median 10 ms, p99 13 ms; 2 threads
    16-47 ms, p99 170-400 ms. The ONNX encoder sets its own threads (`ASSISTANT_ENCODER_THREADS`).
    """
    threads = threads or int(os.environ.get("ASSISTANT_THREADS") or 1)
    torch = sys.modules.get("torch")  # only when the torch encoder is in use: importing it costs seconds
    if torch is not None:
        torch.set_num_threads(threads)
    try:
        import faiss

        faiss.omp_set_num_threads(threads)
    except ImportError:  # pragma: no cover
        pass
    return threads


# -- the app ------------------------------------------------------------------------------------
def build_app(assistant, default_region: str | None = None, fastapi_app=None, path: str = "/",
              rate_limit: int | None = None):
    """Return a FastAPI app serving the widget at `path`, `POST /api/ask` and `GET /healthz`.

    Pass `fastapi_app` to mount into an existing FastAPI application instead of a new one.
    """
    import gradio as gr
    from fastapi import FastAPI, HTTPException
    from pydantic import BaseModel, Field

    resources = assistant.resources
    default_region = resources.resolve_region(default_region, assistant.settings.region)
    regions = list(resources.regions)
    n_suggestions = max(1, min(MAX_SUGGESTIONS, assistant.settings.suggestions or MAX_SUGGESTIONS))

    def ask_api(question: str, region: str | None = None) -> dict[str, Any]:
        """Ask the assistant one question; returns the JSON contract (Response.to_dict())."""
        started = time.perf_counter()
        reply = assistant.ask(question, region=region or default_region).to_dict()
        # One line per request, never the question text.
        log.info("ask kind=%s crisis=%s region=%s answers=%d ms=%.1f", reply["kind"],
                 reply["crisis"].get("category") or "-", reply["region"], len(reply["answers"]),
                 (time.perf_counter() - started) * 1000)
        return reply

    def hidden_suggestions() -> list:
        return [gr.update(visible=False)] + [gr.update(visible=False, value="") for _ in range(n_suggestions)]

    def chat(message: str, history: list[dict], region: str, entry_ids: dict, crisis_text: str):
        """One visitor turn. Outputs: textbox, chat, entry ids, crisis text, crisis block,
        suggestion box, then each suggestion button."""
        message = message or ""
        if not message.strip():
            return ("", history, entry_ids, crisis_text, gr.update(), *hidden_suggestions())
        history = list(history or [])
        history.append({"role": "user", "content": escape_visitor_text(message)})
        try:
            reply = ask_api(message, region)
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
        reply = ask_api(crisis_text, region)
        if not reply["crisis"].get("detected"):
            return gr.update()
        return gr.update(value=render_crisis_block(reply["crisis"]), visible=True)

    def region_from_url(request: gr.Request):
        requested = request.query_params.get("region") if request is not None else None
        return resources.resolve_region(requested, default_region)

    def feedback(entry_ids: dict, data: gr.LikeData):
        ids = (entry_ids or {}).get(str(data.index), []) if isinstance(data.index, int) else []
        for entry_id in ids or [None]:
            if record_feedback(entry_id, bool(data.liked), enabled=assistant.settings.log_questions) and entry_id:
                assistant.record_feedback(entry_id, bool(data.liked))  # SQLite, only when logging is on
        return FEEDBACK_THANKS

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
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
        entry_ids = gr.State({})
        crisis_text = gr.State("")

        outputs = [box, chatbot, entry_ids, crisis_text, crisis_block, suggestion_box, *suggestion_buttons]
        common = dict(outputs=outputs, api_visibility="private", concurrency_limit=CHAT_CONCURRENCY,
                      concurrency_id="chat", show_progress="minimal",
                      show_progress_on=[chatbot])  # a pending reply must not fade the crisis block
        send.click(chat, [box, chatbot, region, entry_ids, crisis_text], **common).then(None, js=SHOW_CRISIS_JS)
        box.submit(chat, [box, chatbot, region, entry_ids, crisis_text], **common).then(None, js=SHOW_CRISIS_JS)
        for button in suggestion_buttons:  # asks the suggested vetted question itself
            button.click(chat, [button, chatbot, region, entry_ids, crisis_text], **common).then(
                None, js=SHOW_CRISIS_JS)
        region.change(region_changed, [region, crisis_text], crisis_block, api_visibility="private",
                      concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
        chatbot.like(feedback, [entry_ids], feedback_status, api_visibility="private", queue=False,
                     show_progress="hidden")
        demo.load(region_from_url, None, region, api_visibility="private", queue=False)
        # The public API endpoint: `Client(url).predict(question, region, api_name="/ask")`. Off the queue:
        # it runs in the server's threadpool like `POST /api/ask` (measured: no slower for gradio_client,
        # about 4 ms less per request server-side than going through the queue).
        gr.api(ask_api, api_name="ask", queue=False)

    class AskBody(BaseModel):
        question: str = Field(max_length=100_000)
        region: str | None = Field(default=None, max_length=16)

    api = fastapi_app or FastAPI(title="Aftercare FAQ assistant", docs_url=None, redoc_url=None,
                                 openapi_url=None)
    if fastapi_app is None:
        # Security headers, request-size limit, per-client rate limit (ASSISTANT_RATE_LIMIT per minute).
        # A site mounting the widget into its own app keeps its own middleware.
        from assistant.web_guard import WebGuard

        api.add_middleware(WebGuard, rate_limit=rate_limit)
    prefix = "" if path == "/" else path.rstrip("/")

    # Plain `def` routes: FastAPI runs them in its threadpool, so visitors are not serialised.
    @api.post(f"{prefix}/api/ask")
    def post_ask(body: AskBody) -> dict[str, Any]:
        try:
            return ask_api(body.question, body.region)
        except Exception:
            log.exception("ask failed")
            raise HTTPException(status_code=503, detail=CALM_ERROR) from None

    @api.get(f"{prefix}/healthz")
    def healthz() -> dict[str, Any]:
        status = "ok" if assistant.ready else "degraded"
        return {"status": status, "problem": str(assistant.problem) if assistant.problem else None,
                "regions": regions, "default_region": default_region,
                "manifest": assistant.manifest.summary() if assistant.manifest else None}

    api.state.widget_blocks = demo  # for tests and for apps that mount the widget
    # Readable contrast: white on blue-700 (6.7:1) instead of the default white on orange (2.8:1).
    theme = gr.themes.Default(primary_hue="blue", font=SYSTEM_FONTS, font_mono=MONO_FONTS).set(
        button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white", button_primary_background_fill_dark="*primary_600",
        input_placeholder_color="*neutral_500", link_text_color="*primary_700")
    return gr.mount_gradio_app(api, demo, path=path, allowed_paths=[], footer_links=[], theme=theme, css=CSS,
                               head=HEAD, show_error=False, pwa=False, mcp_server=False, ssr_mode=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the FAQ widget.")
    parser.add_argument("--host", default=os.environ.get("ASSISTANT_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ASSISTANT_PORT", "7860")))
    parser.add_argument("--knowledge", type=Path, default=Path(os.environ.get("ASSISTANT_KNOWLEDGE", "knowledge")))
    parser.add_argument("--index", type=Path, default=Path(os.environ.get("ASSISTANT_INDEX", "index")))
    parser.add_argument("--region", default=None, help="default region for crisis lines (else settings)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import uvicorn

    from assistant.engine import Assistant

    assistant = Assistant.load(args.knowledge, args.index, rebuild_stale=True)
    configure_threads()  # after loading: caps torch too if a rebuild brought it in
    if assistant.problem:
        log.error("serving in degraded mode (crisis lines only): %s", assistant.problem)
    assistant.watch_index()
    app = build_app(assistant, args.region)
    log.info("serving on http://%s:%d/", args.host, args.port)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
