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
