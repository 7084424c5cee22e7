"""The chooser: which encoder answers and which builds, from the settings and the CPU."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.parametrize("value, expected", [("1", 1), ("3", 3), ("", None)])
def test_encoder_threads_setting(monkeypatch, value, expected):
    import os

    from assistant.encoders import encoder_threads

    monkeypatch.setenv("ASSISTANT_ENCODER_THREADS", value)
    assert encoder_threads() == (expected or max(1, min(2, os.cpu_count() or 1)))


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_encoder_threads_setting_is_a_clear_error(monkeypatch, value):
    from assistant.encoders import encoder_threads
    from assistant.errors import ModelError

    monkeypatch.setenv("ASSISTANT_ENCODER_THREADS", value)
    with pytest.raises(ModelError, match="ASSISTANT_ENCODER_THREADS"):
        encoder_threads()


def test_serving_path_never_imports_torch(onnx_cache):
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from assistant.encoders.onnx import OnnxEmbedder\n"
        "e = OnnxEmbedder.load(cache_dir=Path(sys.argv[1]))\n"
        "assert e.encode(['how long is aftercare', 'hi']).shape == (2, 384)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "               ('torch', 'sentence_transformers', 'transformers', 'onnx'))\n"
        "assert not heavy, heavy\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["HF_HUB_OFFLINE"] = "1"
    result = subprocess.run([sys.executable, "-c", script, str(onnx_cache)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
