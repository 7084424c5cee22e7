"""Shared fixtures. The real model and real FAISS are used: they are small and ship in a wheel."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
SEED_SET = KNOWLEDGE / "eval" / "seed_queries.yaml"
FRESH_SET = KNOWLEDGE / "eval" / "fresh_queries.yaml"
CRISIS_SET = KNOWLEDGE / "eval" / "crisis_messages.yaml"
DATASETS = ROOT.parent / "shared" / "datasets"

if TYPE_CHECKING:
    from assistant.crisis import CrisisScreen


MODEL_FIXTURES = {"embedder", "seed_index", "seed_assistant", "screen", "report", "onnx_cache", "onnx_embedder",
                  "reference_vectors", "live_server", "http", "gradio", "server"}


def pytest_collection_modifyitems(items):
    """Mark the tests that run the real model (`-m "not model"` runs the rest in seconds)."""
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


@pytest.fixture(autouse=True)
def _no_env_leaks(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def embedder():
    from assistant.encoders.reference import shared_embedder

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


# -- the crisis screen with the real model (tests/crisis, tests/evaluation) --------------------------


@pytest.fixture(scope="session")
def lexicon_screen() -> CrisisScreen:
    from assistant.crisis import CrisisScreen

    return CrisisScreen.load(KNOWLEDGE)


class CachedEncoder:
    """The real model, with every evaluation text encoded up front in one batch (one call per
    message is slow on a busy CI box); texts not in the cache go to the model as usual."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.cache: dict[str, np.ndarray] = {}

    def warm(self, texts: list[str]) -> None:
        todo = sorted({t for t in texts if t not in self.cache})
        for text, vector in zip(todo, self.embedder.encode(todo, batch_size=128)):
            self.cache[text] = vector

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.warm(texts)
        return np.vstack([self.cache[t] for t in texts])


@pytest.fixture(scope="session")
def screen(embedder) -> CrisisScreen:
    """The crisis screen with the real model, every labelled message encoded up front."""
    from assistant.crisis import CrisisScreen
    from assistant.crisis.classifier import CrisisClassifier
    from assistant.evaluation.crisis import load_labelled

    loaded = CrisisScreen.load(KNOWLEDGE)
    encoder = CachedEncoder(embedder)
    assert loaded.attach_encoder(encoder)
    encoder.warm([t for m in load_labelled(CRISIS_SET) for t in [m.text, *loaded.embedding_texts(m.text)]])
    loaded.attach_classifier(CrisisClassifier.load())  # as served (engine.crisis_classifier)
    return loaded


@pytest.fixture(scope="session")
def exemplar_screen(embedder) -> CrisisScreen:
    """The screen without its classifier: the lexicon and the exemplar layer, as when the classifier
    cannot load (the fallback)."""
    from assistant.crisis import CrisisScreen

    loaded = CrisisScreen.load(KNOWLEDGE)
    assert loaded.attach_encoder(CachedEncoder(embedder))
    return loaded


@pytest.fixture(scope="session")
def report(screen):
    from assistant.evaluation.crisis import evaluate_crisis

    return evaluate_crisis(screen, CRISIS_SET)


@pytest.fixture(scope="session")
def messages():
    from assistant.evaluation.crisis import load_labelled

    return load_labelled(CRISIS_SET)
