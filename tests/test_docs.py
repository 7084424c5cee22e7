"""The generated parts of docs/ (every command's --help, every setting, the measured figures) match the
code and benchmarks/results: `docs/generate.py --check` finds nothing out of date."""
import subprocess
import sys

from tests.conftest import ROOT


def test_generated_docs_are_current():
    result = subprocess.run([sys.executable, "docs/generate.py", "--check"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_is_short_and_links_only_to_pages_that_exist():
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        assert (ROOT / target).exists(), target
