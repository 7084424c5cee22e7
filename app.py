"""`python app.py [--host H] [--port P] [--workers N] ...`: serve the widget (the Gradio / Spaces entry
point). The same as `python -m assistant serve`; the app itself lives in `assistant/web/`."""
import sys

from assistant.cli import app

if __name__ == "__main__":
    app(["serve", *sys.argv[1:]])
