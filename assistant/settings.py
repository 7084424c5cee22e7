"""Configuration in one place, and the only module that reads `ASSISTANT_*` environment variables.

- `Settings`: what staff tune (answer policy, region, logging): defaults in code, overridden by
  `<knowledge>/settings.yaml`, then by `ASSISTANT_<NAME>`, then by command-line flags. Published with
  each build. A knowledge directory holding only FAQ entries needs no settings file at all.
- `Environment`: how this process runs (paths, server, threads, encoder): `ASSISTANT_*` only.

docs/configuration.md lists both.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from assistant.errors import KnowledgeError, Problem, SettingError, plain_validation_message

SETTINGS_FILE = "settings.yaml"
# The embedding models that can answer (encoders/model.py has each one's files and sha256), and the
# answer policy calibrated for each on the tune split (`python -m assistant eval --calibrate`): a policy
# setting staff leave out takes the chosen model's value; the defaults below are MiniLM's.
MODELS = ("all-MiniLM-L6-v2", "all-mpnet-base-v2")
MODEL_POLICIES: dict[str, dict[str, Any]] = {
    "all-MiniLM-L6-v2": {},
    "all-mpnet-base-v2": {"min_score": 0.92, "min_margin": 0.05, "confident_score": 1.05,  # 2026-12-03 06:26,
                          "unknown_word_penalty": 0.2, "not_covered_weight": 0.25},  # tune with batch s, both bars
}


def offline() -> None:
    """No model hub is reachable here or in CI: the libraries that could try are told not to, once,
    before they are imported (encoders/reference.py and encoders/export.py call this)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


class Settings(BaseModel):
    """Every knob staff can turn, with its default (docs/configuration.md)."""

    model_config = ConfigDict(extra="forbid")

    # The embedding model that answers (encoders/model.py lists the supported ones and their sha256).
    # The policy below is calibrated per model: a setting left out takes the chosen model's value.
    model: str = Field(MODELS[0], description="the embedding model that answers: all-MiniLM-L6-v2 or all-mpnet-base-v2 (pip install '.[mpnet]')")
    # Answer policy, with the two confidence penalties below. Calibrated on the tune split (seed_queries.yaml's
    # half and blind_tune_queries.yaml) with `python -m assistant eval --calibrate` (docs/answer-quality.md).
    min_score: float = Field(0.69, ge=0, le=2, description="fused score the best match needs to be shown")
    min_margin: float = Field(0.08, ge=0, le=1, description="lead the best entry needs over the runner-up")
    confident_score: float = Field(0.95, ge=0, le=2, description="above this score no margin is required")
    max_answers: int = Field(2, ge=1, le=5, description="answers shown at most (a close second is shown too)")
    second_answer_gap: float = Field(0.03, ge=0, le=1, description="show the runner-up when within this of the best")
    suggestions: int = Field(3, ge=0, le=10, description="closest vetted questions offered on a fallback")
    candidates: int = Field(10, ge=1, le=50, description="entries ranked before the policy decides")
    # Retrieval fusion: weight of the lexical (BM25) signal next to the embedding cosine.
    lexical_weight: float = Field(0.15, ge=0, le=1, description="weight of the lexical (BM25) score next to the embedding cosine")
    classifier_weight: float = Field(0.3, ge=0, le=2, description="weight of the entry classifier's probability")
    # Confidence penalty for questions whose words the knowledge never uses (see retrieval.py).
    unknown_word_penalty: float = Field(0.6, ge=0, le=1, description="confidence lost by questions whose words the knowledge never uses")
    # Confidence penalty for questions like those the knowledge lists under `not_covered:`.
    not_covered_weight: float = Field(0.5, ge=0, le=2, description="confidence lost, times the probability that a question is like the `not_covered:` list")
    # Questions in other languages (crosslingual.py), chosen on the tune batches' non-English questions with
    # the knowledge's `alternates_es:` and `not_covered_es:` lists (research/crosslingual_tuning.py).
    crosslingual_weight: float = Field(0.8, ge=0, le=2, description="weight of the entry classifier in matching questions in other languages")
    crosslingual_min_score: float = Field(1.17, ge=0, le=2, description="score a question in another language needs for an answer")
    # Crisis resources.
    region: str = Field("US", description="default region for crisis lines (US, CA, UK, IE, AU, NZ)")
    # Input.
    max_question_chars: int = Field(1000, ge=50, le=100_000, description="longer questions are cut for retrieval, with a note; the crisis screen reads it all")
    # Privacy: nothing a visitor types is stored unless this is switched on.
    log_questions: bool = Field(False, description="store unanswered questions and feedback (redacted)")
    log_path: Path = Field(Path("logs/questions.sqlite3"), description="SQLite file for the opt-in log")
    log_retention_days: int = Field(30, ge=1, le=3650, description="rows older than this are purged")

    @classmethod
    def load(cls, knowledge_dir: Path | str | None = None, **overrides: Any) -> "Settings":
        values: dict[str, Any] = {}
        values_file = None  # the parsed settings.yaml: its keys' lines, for messages
        if knowledge_dir is not None:
            path = Path(knowledge_dir) / SETTINGS_FILE
            if path.is_file():
                from .yamlfile import parse_yaml

                data, problems = parse_yaml(path, str(path))
                if problems:
                    raise KnowledgeError(problems)
                if data is not None and not isinstance(data, dict):
                    raise KnowledgeError([Problem(str(path), 1, "settings must be a mapping of name: value")])
                values.update(data or {})
                values_file = data
        for name in cls.model_fields:
            env = os.environ.get(f"ASSISTANT_{name.upper()}")
            if env is not None and env != "":
                values[name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        for name, value in _model_policy(values.get("model")).items():
            values.setdefault(name, value)
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            source = str(Path(knowledge_dir) / SETTINGS_FILE) if knowledge_dir else "environment"
            key_lines = getattr(values_file, "key_lines", {})
            raise KnowledgeError([
                Problem(source, key_lines.get(e["loc"][0], 1) if e.get("loc") else 1,
                        "setting " + plain_validation_message(e, tuple(cls.model_fields))) for e in exc.errors()
            ]) from None

    @field_validator("model")
    @classmethod
    def _supported_model(cls, value: str) -> str:
        if value not in MODELS:
            raise ValueError(f"{value!r} is not a supported model; choose one of {', '.join(MODELS)}")
        return value


def _model_policy(model: Any) -> dict[str, Any]:
    """The answer policy calibrated for `model` (nothing for an unknown name: validation says so)."""
    return dict(MODEL_POLICIES.get(model, {})) if isinstance(model, str) else {}


ENCODER_BACKENDS = ("auto", "openvino", "onnxruntime")


class Environment(BaseModel):
    """How this process runs, from `ASSISTANT_*` environment variables (never from staff files).
    `Environment.read()` raises `SettingError` naming the variable when a value is unusable."""

    model_config = ConfigDict(extra="forbid")

    knowledge: Path = Field(Path("knowledge"), description="the staff's knowledge directory")
    index: Path = Field(Path("index"), description="the index directory (published builds)")
    host: str = Field("127.0.0.1", description="address the server listens on")
    port: int = Field(7860, ge=1, le=65535, description="port the server listens on")
    workers: int = Field(1, ge=1, le=64, description="server worker processes, each with its own model (~300 MB)")
    rate_limit: int = Field(60, ge=0, description="questions per minute per visitor address; 0 is off")
    trusted_proxies: str = Field("", description="comma-separated proxy addresses whose X-Forwarded-For is believed")
    frame_ancestors: str = Field("*", description="CSP frame-ancestors: sites allowed to embed the widget")
    threads: int = Field(1, ge=1, description="FAISS's (and torch's) threads")
    encoder_threads: int = Field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)), ge=1,
                                 description="the serving model's threads: a server runs one copy of it per thread (the cores, at most 2)")
    # Checked where it is used (encoders/chooser.py): a mistyped backend must not stop the rest.
    encoder_backend: str = Field("auto", description="what builds: auto (onnxruntime, fp32), openvino (fp32) or onnxruntime; answers are always onnxruntime's")
    model_dir: Path | None = Field(None, description="the model's files (default: the installed model package)")
    model_cache: Path = Field(Path(".model-cache"), description="derived model files: the ONNX export, corpus vectors")
    # A secret: SecretStr keeps it out of reprs, logs and error messages.
    staff_password: SecretStr | None = Field(None, description="switches the staff page at /staff on, behind this password (off when unset); serve it over HTTPS only")

    @classmethod
    def read(cls, environ: Any = None) -> "Environment":
        environ = os.environ if environ is None else environ
        values = {name: environ[f"ASSISTANT_{name.upper()}"] for name in cls.model_fields
                  if environ.get(f"ASSISTANT_{name.upper()}", "").strip()}
        if "encoder_backend" in values:
            values["encoder_backend"] = values["encoder_backend"].strip().lower()
        try:
            environment = cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = f"ASSISTANT_{str(first['loc'][0]).upper()}"
            shown = "(hidden)" if first["loc"][0] == "staff_password" else repr(values.get(first["loc"][0]))
            raise SettingError(f"{name}={shown}: {first['msg'].lower()}") from None
        return environment

    @property
    def trusted_proxy_set(self) -> set[str]:
        return {p.strip() for p in self.trusted_proxies.split(",") if p.strip()}


def environment() -> Environment:
    """The process's settings, read now (tests change the environment between calls)."""
    return Environment.read()
