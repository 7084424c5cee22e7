"""The crisis screen and the crisis lines. Runs on every message before anything else.

    normalise.py  undo disguises (leetspeak, spacing, misspellings, emoji)
    rules.py      the lexicon, guards, exemplars and thresholds, with the staff's overlays
    screen.py     the screen: lexicon layers, then the semantic layer (docs/crisis.md)
    resources.py  the lines by region and the crisis reply
    data/         the built-in rules and lines
"""
import re
from pathlib import Path

from assistant.errors import Problem

from .resources import CrisisReply, CrisisResources
from .rules import CATEGORIES, CATEGORY_PRIORITY, load_crisis_config, overlay_files
from .screen import CrisisResult, CrisisScreen

__all__ = ["CATEGORIES", "CATEGORY_PRIORITY", "CrisisReply", "CrisisResources", "CrisisResult", "CrisisScreen",
           "load_crisis_config", "overlay_files", "overlay_problems"]

_WHERE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<message>.*)$", re.S)


def overlay_problems(knowledge_dir: Path | str) -> list[Problem]:
    """What is wrong in the staff's crisis files (`knowledge/crisis/*.yaml`), as `file:line` problems.

    Serving tolerates a broken entry (it is skipped, the built-in one kept, so the screen and the
    lines keep working), but publishing must not: `check` reports these and `build` refuses them,
    so a mistyped crisis number never goes live silently."""
    overlays = {str(path) for path in overlay_files(Path(knowledge_dir))}
    found = [*load_crisis_config(Path(knowledge_dir)).warnings, *CrisisResources.load(Path(knowledge_dir)).warnings]
    problems = []
    for warning in dict.fromkeys(found):
        match = _WHERE.match(warning)
        if match and match["file"] in overlays:
            problems.append(Problem(match["file"], int(match["line"]), match["message"]))
    return problems
