"""One small error hierarchy. Each message says what is wrong, where, and what to do.

The CLI maps these to exit codes; the app maps them to a calm visitor-facing message.
"""
from __future__ import annotations

from dataclasses import dataclass


class AssistantError(Exception):
    """Base class for every problem the assistant reports to staff."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One validation finding, printed as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(AssistantError):
    """The knowledge YAML is invalid. Carries every problem found, not only the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SettingError(AssistantError):
    """An `ASSISTANT_*` environment variable has a value that cannot be used."""

    exit_code = 2


class ModelError(AssistantError):
    """The embedding model is missing or is not the expected weights."""

    exit_code = 3


class IndexError_(AssistantError):
    """The built index is missing, corrupt, or was built from other knowledge or another model."""

    exit_code = 4


class StaleIndexError(IndexError_):
    """The index on disk was built from different knowledge than what is on disk now."""


def plain_validation_message(error: dict, known: tuple[str, ...] = ()) -> str:
    """One pydantic error (`ValidationError.errors()` item) in words staff can act on, without the
    library's jargon ("Input should be a valid string"). `known`: the valid names, for a typo."""
    import difflib

    loc = error.get("loc") or ()
    name = str(loc[0]) if loc else ""
    kind = error.get("type", "")
    limit = (error.get("ctx") or {})
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(name, known, n=1)
        return (f"`{name}` is not a setting we know" + (f": did you mean `{close[0]}`?" if close else "")
                + (f" (the settings are: {', '.join(known)})" if known and not close else ""))
    if kind == "string_type":
        return f"`{name}` must be plain text (after the colon, or on the next lines after `>-`), not a list or fields"
    if kind in ("list_type", "tuple_type"):
        return f"`{name}` must be a list: each item on its own line, starting with `- `"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"`{name}` must be a date written as YYYY-MM-DD, for example 2026-11-26"
    if kind == "string_too_short":
        return f"`{name}` is empty: write its text after the colon"
    if kind == "string_too_long":
        return f"`{name}` is too long: at most {limit.get('max_length')} characters"
    if kind == "literal_error":
        return f"`{name}` must be one of {limit.get('expected', '')}"
    if kind == "bool_parsing" or kind == "bool_type":
        return f"`{name}` must be true or false"
    if kind in ("int_parsing", "int_type", "float_parsing", "float_type"):
        return f"`{name}` must be a number"
    if kind in ("greater_than_equal", "greater_than"):
        return f"`{name}` must be at least {limit.get('ge', limit.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"`{name}` must be at most {limit.get('le', limit.get('lt'))}"
    if kind == "missing":
        return f"`{name}` is missing"
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"`{name}`: {message}" if name else message
