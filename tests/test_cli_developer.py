"""assistant/cli_developer.py: the developers' commands, registered on the same command line."""
from typer.testing import CliRunner

from assistant.cli import app
from assistant.errors import KnowledgeError, Problem

runner = CliRunner()


def test_the_developers_commands_are_on_the_command_line():
    listed = runner.invoke(app, ["--help"]).output
    assert all(name in listed for name in ("export-onnx", "train-crisis", "train-names"))


def test_a_broken_training_file_is_reported_where_it_is_not_as_a_traceback(monkeypatch):
    from assistant.staff import name_training

    def broken():
        raise KnowledgeError([Problem(str(name_training.TRAINING_FILE), 12, "pii must be a list of strings")])

    monkeypatch.setattr(name_training, "messages", broken)
    result = runner.invoke(app, ["train-names"])
    assert result.exit_code == 2
    assert "names_training.yaml:12" in result.output and "Traceback" not in result.output
