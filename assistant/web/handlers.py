"""What the widget's events do: one method per event, each a plain function of its inputs.

Nothing is kept on the server between events (the page holds the conversation and what the
next event needs), so any worker process can answer any event.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from assistant.web.render import escape_visitor_text, render_crisis_block, render_help_bars, render_reply

log = logging.getLogger("assistant.app")

CALM_ERROR = ("I'm sorry, something went wrong on our side. Please try again in a moment. "
              "If you need to talk to someone now, use the crisis lines for your region.")
FEEDBACK_THANKS = "Thanks for letting us know."
# Buttons on a fallback reply; a fixed number of components, shown and relabelled per reply.
MAX_SUGGESTIONS = 3


def record_feedback(entry_id: str | None, helpful: bool, *, enabled: bool = False) -> bool:
    """Hook for helpful / not helpful. Stores nothing unless staff logging is switched on
    (`log_questions`); the staff workflow adds the storage. Never receives visitor text."""
    if not enabled:
        return False
    log.info("feedback entry=%s helpful=%s", entry_id or "-", bool(helpful))
    return True


class Handlers:
    """The widget's and the API's handlers for one assistant."""

    def __init__(self, assistant, default_region: str):
        self.assistant = assistant
        self.default_region = default_region
        self.suggestions = max(1, min(MAX_SUGGESTIONS, assistant.settings.suggestions or MAX_SUGGESTIONS))

    def ask(self, question: str, region: str | None = None, answer: bool = True) -> dict[str, Any]:
        """One question -> the JSON contract (Response.to_dict()). `answer=False`: the crisis screen only."""
        started = time.perf_counter()
        reply = self.assistant.ask(question, region=region or self.default_region, answer=answer).to_dict()
        # One line per request, never the question text.
        log.info("ask kind=%s crisis=%s region=%s answers=%d limited=%s ms=%.1f", reply["kind"],
                 reply["crisis"].get("category") or "-", reply["region"], len(reply["answers"]), not answer,
                 (time.perf_counter() - started) * 1000)
        return reply

    def chat(self, message: str, history: list[dict], region: str, entry_ids: dict, crisis_text: str,
             over_limit: bool = False) -> tuple:
        """One visitor turn. Returns: textbox, chat, entry ids, crisis text, crisis block (an update
        dict or None for no change), then the suggestion labels ("" hides a button)."""
        message = message or ""
        no_suggestions = [""] * self.suggestions
        if not message.strip():
            return "", history, entry_ids, crisis_text, None, *no_suggestions
        history = [*(history or []), {"role": "user", "content": escape_visitor_text(message)}]
        try:
            reply = self.ask(message, region, answer=not over_limit)
        except Exception:  # the visitor sees a calm message, staff see the traceback
            log.exception("ask failed")
            history.append({"role": "assistant", "content": CALM_ERROR})
            return "", history, entry_ids, crisis_text, None, *no_suggestions
        history.append({"role": "assistant", "content": render_reply(reply)})
        entry_ids = {**(entry_ids or {}), str(len(history) - 1): [a["id"] for a in reply["answers"]]}
        crisis_block = None  # once shown, the crisis block stays (it is never cleared)
        if reply["crisis"].get("detected"):
            crisis_text = message
            crisis_block = render_crisis_block(reply["crisis"])
        suggestions = reply["suggestions"][: self.suggestions] if reply["kind"] == "fallback" else []
        labels = [s["question"] for s in suggestions] + [""] * (self.suggestions - len(suggestions))
        return "", history, entry_ids, crisis_text, crisis_block, *labels

    def region_changed(self, region: str, crisis_text: str) -> str | None:
        """The crisis block for the new region, or None to leave it as it is."""
        if not crisis_text:
            return None
        reply = self.ask(crisis_text, region, answer=False)  # the screen only: no answers are needed here
        return render_crisis_block(reply["crisis"]) if reply["crisis"].get("detected") else None

    def on_load(self, requested_region: str | None) -> tuple[str, str]:
        """The region from the page URL, and the help bars as currently published."""
        region = self.assistant.resources.resolve_region(requested_region, self.default_region)
        return region, render_help_bars(self.assistant.resources, region)

    def feedback(self, entry_ids: dict, index: Any, liked: bool) -> str:
        ids = (entry_ids or {}).get(str(index), []) if isinstance(index, int) else []
        for entry_id in ids or [None]:
            if record_feedback(entry_id, bool(liked), enabled=self.assistant.settings.log_questions) and entry_id:
                self.assistant.record_feedback(entry_id, bool(liked))  # SQLite, only when logging is on
        return FEEDBACK_THANKS

    def healthz(self) -> dict[str, Any]:
        assistant = self.assistant
        return {"status": "ok" if assistant.ready else "degraded",
                "problem": str(assistant.problem) if assistant.problem else None,
                "regions": list(assistant.resources.regions), "default_region": self.default_region,
                "manifest": assistant.manifest.summary() if assistant.manifest else None}
