"""The house rules that keep the package readable (docs/architecture.md): checked, not hoped for.

Import layers and circles are checked by import-linter and style by ruff, both run by `make test`."""
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "assistant"
MAX_LINES = 500


def product_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name not in {"__init__.py", "__main__.py"})


def test_every_product_module_has_a_test_module_named_after_it():
    missing = []
    for module in product_modules():
        relative = module.relative_to(PACKAGE)
        expected = ROOT / "tests" / relative.parent / f"test_{relative.name}"
        if not expected.is_file():
            missing.append(str(expected.relative_to(ROOT)))
    assert missing == []


def test_no_module_is_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in product_modules() + list(PACKAGE.rglob("__init__.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_importing_the_package_loads_no_heavy_library():
    heavy = ["torch", "gradio", "faiss", "onnxruntime", "openvino", "sentence_transformers", "transformers"]
    code = ("import sys, assistant; from assistant import __version__; "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
