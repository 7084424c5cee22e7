"""The crisis screen and the crisis lines. Runs on every message before anything else.

    normalise.py  undo disguises (leetspeak, spacing, misspellings, emoji)
    rules.py      the lexicon, guards, exemplars and thresholds, with the staff's overlays
    screen.py     the screen: lexicon layers, then the semantic layer (docs/crisis.md)
    resources.py  the lines by region and the crisis reply
    data/         the built-in rules and lines
"""
from .resources import CrisisReply, CrisisResources
from .rules import CATEGORIES, CATEGORY_PRIORITY, load_crisis_config, overlay_files
from .screen import CrisisResult, CrisisScreen

__all__ = ["CATEGORIES", "CATEGORY_PRIORITY", "CrisisReply", "CrisisResources", "CrisisResult", "CrisisScreen",
           "load_crisis_config", "overlay_files"]
