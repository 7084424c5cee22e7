"""The developers' commands (not staff's): exporting the fast encoder and retraining the models that
are trained here. Registered on the command line's app by cli.py, so that `python -m assistant --help`
lists them with the others."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.errors import AssistantError


def register_developer_commands(app: typer.Typer, _fail) -> None:
    """Add the commands to `app`; `_fail` reports an AssistantError as cli.py does and exits."""
    @app.command("export-onnx")
    def export_onnx(model: Annotated[str | None, typer.Option(help="A supported model (default: the settings' `model:`).")]
                    = None) -> None:
        """Export the fast serving encoder (ONNX) if it is missing or stale (`build` does this too)."""
        from assistant.encoders.export import ensure_onnx
        from assistant.encoders.model import configured_model, model_spec
        from assistant.settings import environment

        try:
            typer.echo(str(ensure_onnx(model=model_spec(model) if model else configured_model(environment().knowledge))))
        except AssistantError as exc:
            _fail(exc)

    @app.command("train-crisis")
    def train_crisis(labelled: Annotated[Path, typer.Option(help="Labelled crisis set; only its `tune` split is read.")]
                     = Path("knowledge/eval/crisis_messages.yaml")) -> None:
        """Retrain the crisis classifier after its training data changed (developers, not staff).

        Reads assistant/crisis/data/training.yaml, the exemplars and the labelled set's tune split, through
        the multilingual model and the answering model; chooses the thresholds on out-of-fold scores; writes assistant/crisis/data/classifier.npz and
        prints the figures for docs/crisis.md. Needs scikit-learn (installed with sentence-transformers).
        """
        from assistant.crisis.training import train
        from assistant.encoders import serving_encoder
        from assistant.encoders.model import MINILM

        try:
            # The paired part learns MiniLM's vectors as the engine computes them: the screen reads
            # messages with MiniLM whichever model answers (engine.py), as its figures were measured.
            typer.echo(json.dumps(train(labelled, serving_encoder(MINILM), MINILM.weights_sha256), indent=2))
        except AssistantError as exc:
            _fail(exc)

    @app.command("train-names")
    def train_names() -> None:
        """Retrain the question log's name recogniser after its training data changed (developers, not staff).

        Reads assistant/staff/data/names_training.yaml and the PII sets named in name_training.py; updates
        spaCy's entity recogniser on them; writes assistant/staff/data/names_ner/ and names_ner.json.
        """
        from assistant.staff.name_training import messages, train

        try:
            typer.echo(json.dumps(train(messages()), indent=2))
        except AssistantError as exc:
            _fail(exc)
