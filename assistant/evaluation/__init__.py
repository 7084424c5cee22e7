"""Measuring answer quality (answers.py) and the crisis screen (crisis.py) on labelled sets."""
