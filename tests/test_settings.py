"""Settings: staff's settings.yaml, then ASSISTANT_* variables; the process's Environment from variables only."""
import pytest

from assistant.errors import KnowledgeError, SettingError
from assistant.settings import Environment, Settings
from tests.conftest import write


def test_defaults_need_no_file(tmp_path):
    settings = Settings.load(tmp_path)
    assert settings.region == "US" and settings.log_questions is False


def test_the_file_then_the_environment_then_arguments(tmp_path, monkeypatch):
    write(tmp_path / "settings.yaml", "region: UK\nsuggestions: 2\n")
    assert Settings.load(tmp_path).region == "UK"
    monkeypatch.setenv("ASSISTANT_REGION", "AU")
    assert Settings.load(tmp_path).region == "AU"
    assert Settings.load(tmp_path, region="NZ").region == "NZ"
    assert Settings.load(tmp_path).suggestions == 2


@pytest.mark.parametrize("text, message", [("min_score: high\n", "min_score"), ("colour: blue\n", "colour"),
                                           ("- a list\n", "mapping")])
def test_a_bad_settings_file_names_the_file_and_setting(tmp_path, text, message):
    write(tmp_path / "settings.yaml", text)
    with pytest.raises(KnowledgeError) as error:
        Settings.load(tmp_path)
    assert "settings.yaml" in str(error.value) and message in str(error.value)


def test_environment_defaults_and_values():
    env = Environment.read({})
    assert (env.host, env.port, env.workers, env.rate_limit, env.frame_ancestors) == ("127.0.0.1", 7860, 1, 60, "*")
    env = Environment.read({"ASSISTANT_PORT": "8000", "ASSISTANT_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2",
                            "ASSISTANT_INDEX": "/srv/index", "ASSISTANT_WORKERS": " "})
    assert env.port == 8000 and env.trusted_proxy_set == {"10.0.0.1", "10.0.0.2"}
    assert str(env.index) == "/srv/index" and env.workers == 1  # a blank variable is unset


@pytest.mark.parametrize("name, value", [("ASSISTANT_PORT", "http"), ("ASSISTANT_WORKERS", "0"),
                                         ("ASSISTANT_ENCODER_THREADS", "-1")])
def test_an_unusable_variable_is_named_in_the_error(name, value):
    with pytest.raises(SettingError, match=name):
        Environment.read({name: value})


def test_no_other_module_reads_the_environment():
    """Every ASSISTANT_* variable is read in settings.py (docs/configuration.md lists them)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent / "assistant"
    readers = [str(p.relative_to(root)) for p in root.rglob("*.py")
               if re.search(r"os\.environ\b|os\.getenv\(", p.read_text(encoding="utf-8"))]
    assert readers == ["settings.py"]
