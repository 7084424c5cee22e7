"""The web front end: the widget and JSON API (`app.py`) and the production server (`serve.py`)."""
