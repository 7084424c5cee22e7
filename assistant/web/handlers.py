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
# Where a browser is, from its time zone (crisis lines are about where the visitor is), then from the
# region in its language tags ("en-GB"). Anything else gets the configured default region.
_ZONES = {"Europe/London": "UK", "Europe/Belfast": "UK", "Europe/Dublin": "IE", "Pacific/Auckland": "NZ",
          "Pacific/Chatham": "NZ"}
_ZONE_PREFIXES = {"Australia/": "AU", "Canada/": "CA", "US/": "US"}
_CANADIAN_ZONES = {"Toronto", "Vancouver", "Montreal", "Edmonton", "Winnipeg", "Halifax", "St_Johns", "Regina",
                   "Moncton", "Whitehorse", "Yellowknife", "Iqaluit", "Glace_Bay", "Goose_Bay", "Dawson_Creek",
                   "Swift_Current", "Rankin_Inlet", "Cambridge_Bay", "Inuvik", "Atikokan", "Creston", "Fort_Nelson"}
_LANGUAGE_REGIONS = {"GB": "UK", "UK": "UK", "IE": "IE", "AU": "AU", "NZ": "NZ", "CA": "CA", "US": "US"}


def region_from_browser(info: str | None, known: list[str] | tuple[str, ...]) -> str | None:
    """The region a browser is in, from ``"<language tags, comma separated>|<IANA time zone>"`` as the
    page reports it ("en-GB,en|Europe/London" -> "UK"), or None when neither says."""
    languages, _, zone = str(info or "").partition("|")
    zone = zone.strip()
    found = _ZONES.get(zone) or next((code for prefix, code in _ZONE_PREFIXES.items() if zone.startswith(prefix)), None)
    if found is None and zone.startswith("America/"):
        found = "CA" if zone.split("/")[-1] in _CANADIAN_ZONES else ("US" if zone.count("/") == 1 else None)
    if found is None:
        for tag in languages.split(","):
            parts = tag.strip().replace("_", "-").split("-")
            found = _LANGUAGE_REGIONS.get(parts[-1].upper()) if len(parts) > 1 else None
            if found:
                break
    return found if found in known else None


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
             over_limit: bool = False, crisis_turns: dict | None = None) -> tuple:
        """One visitor turn. Returns: chat, entry ids, crisis text, crisis turns (the message of each
        crisis reply by its index, so a region change can redo them), crisis block (an update dict or
        None for no change), then the suggestion labels ("" hides a button). The question box is not
        touched: the page empties it when the question is sent, so typing on while a reply is on its
        way is kept."""
        message = message or ""
        no_suggestions = [""] * self.suggestions
        # Per-turn state is kept only for turns still in the chat: after Clear, the next question may reach
        # the server before Clear's own reset does, and a stale crisis mark would fall on the new reply.
        turns = len(history or [])
        crisis_turns = {k: v for k, v in (crisis_turns or {}).items() if int(k) < turns}
        entry_ids = {k: v for k, v in (entry_ids or {}).items() if int(k) < turns}
        if not message.strip():
            return history, entry_ids, crisis_text, crisis_turns, None, *no_suggestions
        history = [*(history or []), {"role": "user", "content": escape_visitor_text(message)}]
        try:
            reply = self.ask(message, region, answer=not over_limit)
        except Exception:  # the visitor sees a calm message, staff see the traceback
            log.exception("ask failed")
            history.append({"role": "assistant", "content": CALM_ERROR})
            return history, entry_ids, crisis_text, crisis_turns, None, *no_suggestions
        history.append({"role": "assistant", "content": render_reply(reply)})
        entry_ids = {**entry_ids, str(len(history) - 1): [a["id"] for a in reply["answers"]]}
        crisis_block = None  # once shown, the crisis block stays (it is never cleared)
        if reply["crisis"].get("detected"):
            crisis_text = message
            crisis_turns[str(len(history) - 1)] = message
            crisis_block = render_crisis_block(reply["crisis"])
        # Buttons ask a vetted question: FAQ questions only (an article's title is not a question).
        suggestions = [s for s in reply["suggestions"] if s.get("type") == "faq"] if reply["kind"] == "fallback" else []
        labels = [s["question"] for s in suggestions[: self.suggestions]]
        labels += [""] * (self.suggestions - len(labels))
        return history, entry_ids, crisis_text, crisis_turns, crisis_block, *labels

    def region_changed(self, region: str, crisis_text: str, history: list[dict] | None = None,
                       crisis_turns: dict | None = None) -> tuple[str | None, list[dict] | None]:
        """The crisis block for the new region (None: leave it), and the chat with every crisis reply
        in it redone for that region (None: unchanged), so one region's numbers are on screen at a time."""
        block = None
        if crisis_text:
            reply = self.ask(crisis_text, region, answer=False)  # the screen only: no answers are needed here
            block = render_crisis_block(reply["crisis"]) if reply["crisis"].get("detected") else None
        if not crisis_turns or not history:
            return block, None
        history = [dict(turn) for turn in history]
        for index, message in crisis_turns.items():
            position = int(index)
            if 0 <= position < len(history) and history[position].get("role") == "assistant":
                history[position]["content"] = render_reply(self.ask(message, region))
        return block, history

    def on_load(self, requested_region: str | None, browser: str | None = None) -> tuple[str, str]:
        """The region: the page URL's `?region=`, else where the browser is (time zone, then language),
        else the configured default; and the help bars as currently published."""
        resources = self.assistant.resources
        if resources.knows(requested_region):
            region = resources.resolve_region(requested_region, self.default_region)
        else:
            region = region_from_browser(browser, resources.regions) or self.default_region
        return region, render_help_bars(resources, region)

    def feedback(self, entry_ids: dict, index: Any, liked: bool, crisis_turns: dict | None = None) -> str:
        """Thanks for a rating (recorded only when logging is on); a crisis reply is never rated (the page
        shows it no thumbs, and a tap in the moment before they are hidden counts for nothing)."""
        if str(index) in (crisis_turns or {}):
            return ""
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
                # the model answering here; the manifest's is the one that built the index (they match)
                "model": assistant.embedder.name if assistant.embedder is not None else None,
                "manifest": assistant.manifest.summary() if assistant.manifest else None}
