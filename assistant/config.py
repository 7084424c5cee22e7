"""Configuration in one place: defaults in code, overridden by `<knowledge>/settings.yaml`,
then by environment variables (``ASSISTANT_*``), then by command-line flags.

A knowledge directory holding only FAQ entries needs no settings file at all.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import KnowledgeError, Problem

SETTINGS_FILE = "settings.yaml"


class Settings(BaseModel):
    """Every knob, with its default. README documents them."""

    model_config = ConfigDict(extra="forbid")

    # Answer policy. Calibrated on the tune split of knowledge/eval/seed_queries.yaml with
    # `python -m assistant eval --calibrate`; see README "Answer quality".
    min_score: float = Field(0.71, ge=0, le=2, description="fused score the best match needs to be shown")
    min_margin: float = Field(0.0, ge=0, le=1, description="lead the best entry needs over the runner-up")
    confident_score: float = Field(0.75, ge=0, le=2, description="above this score no margin is required")
    max_answers: int = Field(2, ge=1, le=5, description="answers shown at most (a close second is shown too)")
    second_answer_gap: float = Field(0.03, ge=0, le=1, description="show the runner-up when within this of the best")
    suggestions: int = Field(3, ge=0, le=10, description="closest vetted questions offered on a fallback")
    candidates: int = Field(10, ge=1, le=50)
    # Retrieval fusion: weight of the lexical (BM25) signal next to the embedding cosine.
    lexical_weight: float = Field(0.15, ge=0, le=1)
    classifier_weight: float = Field(0.3, ge=0, le=2)
    # Confidence penalty for questions whose words the knowledge never uses (see retrieval.py).
    unknown_word_penalty: float = Field(0.4, ge=0, le=1)
    # Confidence penalty for questions like those the knowledge lists under `not_covered:`.
    not_covered_weight: float = Field(1.0, ge=0, le=2)
    # Crisis resources.
    region: str = Field("US", description="default region for crisis lines (US, CA, UK, IE, AU, NZ)")
    # Input.
    max_question_chars: int = Field(1000, ge=50, le=100_000)
    # Privacy: nothing a visitor types is stored unless this is switched on.
    log_questions: bool = Field(False, description="store unanswered questions and feedback (redacted)")
    log_path: Path = Field(Path("logs/questions.sqlite3"), description="SQLite file for the opt-in log")
    log_retention_days: int = Field(30, ge=1, le=3650, description="rows older than this are purged")

    @classmethod
    def load(cls, knowledge_dir: Path | str | None = None, **overrides: Any) -> "Settings":
        values: dict[str, Any] = {}
        if knowledge_dir is not None:
            path = Path(knowledge_dir) / SETTINGS_FILE
            if path.is_file():
                from .knowledge import parse_yaml

                data, problems = parse_yaml(path, str(path))
                if problems:
                    raise KnowledgeError(problems)
                if data is not None and not isinstance(data, dict):
                    raise KnowledgeError([Problem(str(path), 1, "settings must be a mapping of name: value")])
                values.update(data or {})
        for name in cls.model_fields:
            env = os.environ.get(f"ASSISTANT_{name.upper()}")
            if env is not None and env != "":
                values[name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            source = str(Path(knowledge_dir) / SETTINGS_FILE) if knowledge_dir else "environment"
            raise KnowledgeError([
                Problem(source, 1, f"setting `{'.'.join(map(str, e['loc']))}`: {e['msg']}") for e in exc.errors()
            ]) from None
