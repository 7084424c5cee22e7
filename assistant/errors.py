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
