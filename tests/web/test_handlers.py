"""The web app, served for real on a free port: gradio_client, plain HTTP, and the pure renderers.

One server per test session (`live_server`), in this process, on the session's seed index.
The browser test (test_browser.py) reuses the same server.
"""
import logging

from assistant.web import handlers as widget


def test_feedback_hook_stores_nothing_when_logging_is_off(caplog):
    caplog.set_level(logging.INFO, logger="assistant.app")
    assert widget.record_feedback("faq-duration", True) is False
    assert caplog.records == []
    assert widget.record_feedback("faq-duration", False, enabled=True) is True


import pytest  # noqa: E402


@pytest.mark.parametrize("info, region", [
    ("en-GB,en|Europe/London", "UK"),
    ("en-US,en|Europe/London", "UK"),          # the time zone says where the visitor is
    ("en-AU|", "AU"),                          # no time zone: the language's region
    ("en|Australia/Sydney", "AU"),
    ("fr-CA,fr|America/Montreal", "CA"),
    ("en-US|America/Chicago", "US"),
    ("en-IE|Europe/Dublin", "IE"),
    ("en|Pacific/Auckland", "NZ"),
    ("de-DE,de|Europe/Berlin", None),          # no lines for Germany: the configured default
    ("", None), (None, None), ("garbage", None),
])
def test_region_from_the_browser(info, region):
    assert widget.region_from_browser(info, ["US", "CA", "UK", "IE", "AU", "NZ"]) == region


def handlers_for(assistant):
    return widget.Handlers(assistant, "US")


def test_the_url_region_wins_over_the_browser_and_the_browser_over_the_default(seed_assistant):
    handlers = handlers_for(seed_assistant)
    assert handlers.on_load("AU", "en-GB|Europe/London")[0] == "AU"
    assert handlers.on_load(None, "en-GB|Europe/London")[0] == "UK"
    assert handlers.on_load("nowhere", "en-GB|Europe/London")[0] == "UK"
    assert handlers.on_load(None, "de-DE|Europe/Berlin")[0] == "US"


def test_a_turn_leaves_the_question_box_alone_and_keeps_crisis_turns(seed_assistant):
    handlers = handlers_for(seed_assistant)
    history, entry_ids, crisis_text, crisis_turns, block, *labels = handlers.chat(
        "i want to kill myself", [], "US", {}, "", False, {})
    assert history[-1]["role"] == "assistant" and block is not None
    assert crisis_turns == {"1": "i want to kill myself"} and crisis_text == "i want to kill myself"


def test_a_cleared_chat_keeps_no_crisis_mark_for_its_next_reply(seed_assistant):
    # Clear empties the chat in the page; its reset of the per-turn state may reach the server after the
    # next question does. The new ordinary reply at the old crisis reply's place must stay rateable.
    handlers = handlers_for(seed_assistant)
    _, entry_ids, crisis_text, crisis_turns, *_ = handlers.chat("i want to kill myself", [], "US", {}, "")
    assert crisis_turns == {"1": "i want to kill myself"}
    history, entry_ids, _, crisis_turns, *_ = handlers.chat(
        "how long does group therapy last", [], "US", entry_ids, crisis_text, False, crisis_turns)
    assert crisis_turns == {} and "1" in entry_ids and entry_ids["1"]
    assert handlers.feedback(entry_ids, 1, True, crisis_turns) == widget.FEEDBACK_THANKS


def test_a_region_change_redoes_every_crisis_reply_in_the_chat(seed_assistant):
    handlers = handlers_for(seed_assistant)
    history, entry_ids, crisis_text, crisis_turns, *_ = handlers.chat("i want to kill myself", [], "US", {}, "")
    history, entry_ids, crisis_text, crisis_turns, *_ = handlers.chat(
        "how long does group therapy last", history, "US", entry_ids, crisis_text, False, crisis_turns)
    assert "tel:911" in history[1]["content"]
    block, redone = handlers.region_changed("UK", crisis_text, history, crisis_turns)
    assert "tel:999" in block and "tel:999" in redone[1]["content"] and "tel:911" not in redone[1]["content"]
    assert redone[3] == history[3]  # an ordinary answer is left as it was
    assert handlers.region_changed("UK", "", history, {}) == (None, None)


def test_fallback_buttons_offer_faq_questions_only_and_the_text_does_not_repeat_them(seed_assistant):
    handlers = handlers_for(seed_assistant)
    history, *_rest = handlers.chat("what is the best pizza in town", [], "US", {}, "")
    labels = _rest[-handlers.suggestions:]
    faq_questions = {e.heading for e in seed_assistant.state.serving.entries if e.type == "faq"}
    assert all(label in faq_questions for label in labels if label)
    assert not any(f"- {label}" in history[-1]["content"] for label in labels if label)


def test_a_crisis_reply_is_never_rated(seed_assistant, monkeypatch):
    handlers = handlers_for(seed_assistant)
    history, entry_ids, crisis_text, crisis_turns, *_ = handlers.chat("i want to kill myself", [], "US", {}, "")
    history, entry_ids, crisis_text, crisis_turns, *_ = handlers.chat(
        "how long does group therapy last", history, "US", entry_ids, crisis_text, False, crisis_turns)
    recorded = []
    monkeypatch.setattr(widget, "record_feedback", lambda entry_id, liked, enabled=False: recorded.append(entry_id))
    assert handlers.feedback(entry_ids, 1, False, crisis_turns) == ""  # the crisis reply: nothing, no thanks
    assert recorded == []
    assert handlers.feedback(entry_ids, 3, True, crisis_turns) == widget.FEEDBACK_THANKS
    assert recorded == entry_ids["3"]
