"""The web app, served for real on a free port: gradio_client, plain HTTP, and the pure renderers.

One server per test session (`live_server`), in this process, on the session's seed index.
The browser test (test_browser.py) reuses the same server.
"""

import pytest

from assistant.web import render as widget


@pytest.mark.parametrize("text", ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "[a](javascript:x)",
                                  "![i](http://x/y.png)", "**bold** _it_ `code` # h", "don't & <b>", "1. list",
                                  "&lt;b&gt; &amp;", "$x^2$ | a | b |", "https://example.com"])
def test_visitor_text_is_escaped(text):
    escaped = widget.escape_visitor_text(text)
    assert "<" not in escaped and ">" not in escaped
    for special in "[]()*_`#!|$":
        assert all(escaped[i - 1] == "\\" for i, ch in enumerate(escaped) if ch == special)
    # Undo the escapes: what is shown is what was typed.
    import html

    assert html.unescape(escaped.replace("\\\\", "\x00").replace("\\", "").replace("\x00", "\\")) == text


def test_vetted_text_cannot_carry_tags():
    assert "<" not in widget.vetted_markdown("Fine <script>x</script> text")
    assert widget.vetted_markdown("[link](https://example.org)") == "[link](https://example.org)"


def test_answer_card_has_heading_answer_source_and_date():
    card = widget.render_answer_card({"id": "a", "question": "What is it?", "answer": "It is **this**.",
                                      "source": "Guide", "reviewed": "2026-01-02"})
    assert card.startswith("**What is it?**")
    assert "It is **this**." in card and "Source: Guide" in card and "reviewed 2026-01-02" in card
    titled = widget.render_answer_card({"id": "b", "title": "A passage", "answer": "Text", "source": "",
                                        "reviewed": ""})
    assert titled.startswith("**A passage**") and "Source" not in titled


def test_crisis_block_has_tap_to_call_and_text_links(seed_assistant):
    reply = seed_assistant.ask("i want to kill myself", region="AU").to_dict()
    block = widget.render_crisis_block(reply["crisis"])
    assert "](tel:000)" in block
    assert "](sms:" in block
    assert "automated" in block
    reply_md = widget.render_reply(reply)
    assert reply_md.index("000") < (reply_md.find("**") if reply["answers"] else len(reply_md))


def test_fallback_reply_has_the_helpline_once_and_leaves_suggestions_to_the_buttons(seed_assistant):
    reply = seed_assistant.ask("what is the best pizza topping", region="UK").to_dict()
    text = widget.render_reply(reply)
    assert reply["suggestions"] and not any(s["question"] in text for s in reply["suggestions"])
    assert reply["helpline"] and text.count("116 123") == 1  # the sentence does not repeat the link
