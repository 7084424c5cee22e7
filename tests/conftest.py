"""Shared fixtures. The real model and real FAISS are used: they are small and ship in a wheel."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
SEED_SET = KNOWLEDGE / "eval" / "seed_queries.yaml"
FRESH_SET = KNOWLEDGE / "eval" / "fresh_queries.yaml"
CRISIS_SET = KNOWLEDGE / "eval" / "crisis_messages.yaml"
DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def _no_env_leaks(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def embedder():
    from assistant.embedding import shared_embedder

    return shared_embedder()


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, embedder) -> tuple[Path, Path]:
    """The shipped knowledge, copied, and an index built from it (once per session)."""
    from assistant.index import build_index

    base = tmp_path_factory.mktemp("seed")
    knowledge = base / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    build_index(knowledge, base / "index", embedder=embedder, progress=False)
    return knowledge, base / "index"


@pytest.fixture(scope="session")
def seed_assistant(seed_index, embedder):
    from assistant.engine import Assistant

    knowledge, index = seed_index
    assistant = Assistant.load(knowledge, index, embedder=embedder)
    assert assistant.problem is None, assistant.problem
    return assistant


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
