"""FAQ assistant for addiction support and aftercare programs.

Pipeline: knowledge (YAML) -> index (embed, FAISS) -> crisis screen -> answer policy -> CLI / app.
Importing this package is light: torch, faiss and gradio load only when something needs them.
"""
from __future__ import annotations

__all__ = ["Assistant", "Response"]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "Assistant":
        from assistant.engine import Assistant

        return Assistant
    if name == "Response":
        from assistant.responses import Response

        return Response
    raise AttributeError(name)
