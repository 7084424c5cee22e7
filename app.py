"""Web front end: a Gradio chat at `/`, plus `POST /api/ask` and `GET /healthz` on the same server.

Thin by design: every reply comes from `Assistant.ask()`; this file only renders it.
Visitor text is escaped before display and never goes into HTML.

    python app.py [--host H] [--port P] [--knowledge DIR] [--index DIR] [--region R]
"""
from __future__ import annotations

import argparse
import html
import logging
import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

log = logging.getLogger("assistant.app")

FOOTER = ("This assistant is automated and not monitored; it shows vetted answers only and cannot send help. "
          "In an emergency, call your local emergency number.")


def escape_visitor_text(text: str) -> str:
    """Show what the visitor typed literally: no HTML, no Markdown."""
    escaped = html.escape(text, quote=True)
    for char in "\\`*_{}[]()#+-.!|~>":
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def render_reply(reply: dict[str, Any]) -> str:
    """Markdown for one assistant turn, built only from vetted text and the crisis resources."""
    parts: list[str] = []
    if reply["kind"] == "crisis":
        parts.append(reply["crisis"].get("message_markdown", ""))
    if reply.get("message"):
        parts.append(reply["message"])
    for answer in reply["answers"]:
        heading = answer.get("question") or answer.get("title")
        meta = f"Source: {answer['source']}" if answer.get("source") else ""
        if answer.get("reviewed"):
            meta += f" · reviewed {answer['reviewed']}"
        parts.append(f"**{heading}**\n\n{answer['answer']}\n\n_{meta}_")
    for suggestion in reply.get("suggestions", []):
        parts.append(f"- {suggestion['question']}")
    if reply["kind"] == "fallback" and reply.get("helpline"):
        parts.append(reply["helpline"].get("markdown") or reply["helpline"].get("text", ""))
    for note in reply.get("notes", []):
        parts.append(f"_{note}_")
    return "\n\n".join(p for p in parts if p)


def build_app(assistant, default_region: str):
    import gradio as gr
    from fastapi import FastAPI
    from pydantic import BaseModel, Field

    regions = assistant.resources.regions

    def ask_api(question: str, region: str | None = None) -> dict[str, Any]:
        started = time.perf_counter()
        reply = assistant.ask(question, region=region or default_region).to_dict()
        # One line per request, never the question text.
        log.info("ask kind=%s region=%s answers=%d ms=%.1f", reply["kind"], reply["region"],
                 len(reply["answers"]), (time.perf_counter() - started) * 1000)
        return reply

    def chat(message: str, history: list[dict], region: str):
        reply = ask_api(message, region)
        history = list(history or [])
        history.append({"role": "user", "content": escape_visitor_text(message)})
        history.append({"role": "assistant", "content": render_reply(reply)})
        return "", history

    with gr.Blocks(title="Group therapy & aftercare questions") as demo:
        gr.Markdown("### Questions about group therapy and aftercare")
        chatbot = gr.Chatbot(label="Conversation", sanitize_html=True, height=480)
        with gr.Row():
            box = gr.Textbox(label="Your question", placeholder="e.g. How long does group therapy last?",
                             scale=4, max_length=assistant.settings.max_question_chars * 10)
            send = gr.Button("Ask", variant="primary", scale=1)
        region = gr.Dropdown(choices=regions, value=default_region, label="Crisis lines for")
        gr.Markdown(FOOTER)
        send.click(chat, [box, chatbot, region], [box, chatbot], api_name=False)
        box.submit(chat, [box, chatbot, region], [box, chatbot], api_name=False)
        api_question = gr.Textbox(visible=False)
        api_region = gr.Textbox(visible=False)
        api_out = gr.JSON(visible=False)
        api_question.submit(ask_api, [api_question, api_region], api_out, api_name="ask")

    class AskBody(BaseModel):
        question: str = Field(max_length=100_000)
        region: str | None = None

    api = FastAPI(title="Aftercare FAQ assistant", docs_url=None, redoc_url=None)

    @api.post("/api/ask")
    def post_ask(body: AskBody) -> dict[str, Any]:
        return ask_api(body.question, body.region)

    @api.get("/healthz")
    def healthz() -> dict[str, Any]:
        status = "ok" if assistant.ready else "degraded"
        return {"status": status, "problem": str(assistant.problem) if assistant.problem else None,
                "manifest": assistant.manifest.summary() if assistant.manifest else None}

    return gr.mount_gradio_app(api, demo, path="/", allowed_paths=[], footer_links=[])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the FAQ widget.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--knowledge", type=Path, default=Path("knowledge"))
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    import uvicorn

    from assistant.engine import Assistant

    assistant = Assistant.load(args.knowledge, args.index, rebuild_stale=True)
    if assistant.problem:
        log.error("serving in degraded mode (crisis lines only): %s", assistant.problem)
    region = assistant.resources.resolve_region(args.region, assistant.settings.region)
    uvicorn.run(build_app(assistant, region), host=args.host, port=args.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
