"""The CLI contract, run as a real process (`python -m assistant`)."""
import json
import subprocess
import sys

from .conftest import ROOT


def run(*args, stdin=None, timeout=180):
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=timeout)


def test_ask_json_reads_stdin_one_object_per_line(seed_index):
    knowledge, index = seed_index
    stdin = "how long does group therapy last\nwhat's the weather in Paris\n\xff\xfe broken bytes\ni want to end it all\n"
    result = run("ask", "--json", "--knowledge", str(knowledge), "--index", str(index),
                 stdin=stdin.encode("latin-1"))
    assert result.returncode == 0, result.stderr.decode()
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["kind"] for r in lines] == ["answer", "fallback", "fallback", "crisis"]
    for reply in lines:
        assert {"query", "kind", "crisis", "answers", "candidates"} <= set(reply)
        assert isinstance(reply["crisis"]["detected"], bool)
    assert lines[0]["answers"][0]["id"] == "faq-duration"
    assert "\ufffd" in lines[2]["query"]


def test_ask_readable_reply_and_region(seed_index):
    knowledge, index = seed_index
    result = run("ask", "--knowledge", str(knowledge), "--index", str(index), "--region", "AU",
                 "my", "mate", "took", "too", "many", "pills")
    assert result.returncode == 0, result.stderr.decode()
    assert "000" in result.stdout.decode()
