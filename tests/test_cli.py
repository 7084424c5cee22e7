"""The CLI contract, run as a real process (`python -m assistant`)."""
import json
import subprocess
import sys

from tests.conftest import ROOT


def run(*args, stdin=None, timeout=180):
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True,
                          cwd=ROOT, timeout=timeout)


def test_ask_json_reads_stdin_one_object_per_line(seed_index):
    knowledge, index = seed_index
    # The undecodable line's words are neutral on purpose: this tests reading stdin. ("broken bytes" on its own
    # now gets the crisis check-in, the tier for short messages that may be a plea: docs/crisis.md.)
    stdin = "how long does group therapy last\nwhat's the weather in Paris\n\xff\xfe what time is it\ni want to end it all\n"
    result = run("ask", "--json", "--knowledge", str(knowledge), "--index", str(index),
                 stdin=stdin.encode("latin-1"))
    assert result.returncode == 0, result.stderr.decode()
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["kind"] for r in lines] == ["answer", "fallback", "fallback", "crisis"]
    blank = run("ask", "--json", "--knowledge", str(knowledge), "--index", str(index),
                stdin=b"what is group therapy\n\n   \ni want to end it all\n")
    replies = [json.loads(line) for line in blank.stdout.decode().splitlines()]
    assert len(replies) == 4  # one reply per input line, blank lines included, so they line up
    assert [r["kind"] for r in replies][1:] == ["fallback", "fallback", "crisis"]
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


def test_ask_on_edited_knowledge_answers_the_draft_and_publishes_nothing(tmp_path, seed_index):
    import shutil

    source, _ = seed_index
    knowledge, index = tmp_path / "knowledge", tmp_path / "index"
    shutil.copytree(source, knowledge)
    assert run("build", "-q", "--knowledge", str(knowledge), "--index", str(index)).returncode == 0
    published = (index / "CURRENT").read_text()
    builds = sorted(p.name for p in (index / "builds").iterdir())
    faq = knowledge / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("There is no single answer.", "DRAFT: there is no single answer."),
                   encoding="utf-8")
    result = run("ask", "--json", "--knowledge", str(knowledge), "--index", str(index),
                 "how long does group therapy last in aftercare")
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["answers"][0]["answer"].startswith("DRAFT")
    assert (index / "CURRENT").read_text() == published  # the served build is untouched
    assert sorted(p.name for p in (index / "builds").iterdir()) == builds
    # a small crisis set: the whole labelled one (7,000+ messages) is not what this test is about
    small = tmp_path / "crisis.yaml"
    small.write_text("crisis:\n  - {text: \"i took all my pills\", category: overdose_poisoning, split: holdout}\n"
                     "benign:\n  - {text: \"how long is group therapy\", split: holdout}\n", encoding="utf-8")
    assert run("eval", "--crisis", "--crisis-set", str(small), "--knowledge", str(knowledge),
               "--index", str(index)).returncode == 0
    assert (index / "CURRENT").read_text() == published


def test_ask_from_the_cli_is_never_logged_as_a_visitor_question(tmp_path, seed_index):
    import shutil
    import sqlite3

    source, _ = seed_index
    knowledge, index, log = tmp_path / "knowledge", tmp_path / "index", tmp_path / "log.sqlite3"
    shutil.copytree(source, knowledge)
    (knowledge / "settings.yaml").write_text(f"log_questions: true\nlog_path: {log}\n", encoding="utf-8")
    assert run("build", "-q", "--knowledge", str(knowledge), "--index", str(index)).returncode == 0
    result = run("ask", "--json", "--knowledge", str(knowledge), "--index", str(index), "what is the best pizza in town")
    assert json.loads(result.stdout)["kind"] == "fallback", result.stderr.decode()
    rows = sqlite3.connect(log).execute("SELECT COUNT(*) FROM unanswered").fetchone()[0] if log.exists() else 0
    assert rows == 0


def test_build_shows_warnings_and_needs_force_to_drop_a_quarter_of_the_entries(tmp_path, seed_index):
    import shutil

    source, _ = seed_index
    knowledge, index = tmp_path / "knowledge", tmp_path / "index"
    shutil.copytree(source, knowledge)
    faq = knowledge / "faq.yaml"
    original = faq.read_text(encoding="utf-8")
    faq.write_text(original.replace("There is no single answer.", "There is no single answer. " + "More words. " * 90),
                   encoding="utf-8")
    first = run("build", "-q", "--knowledge", str(knowledge), "--index", str(index))
    assert first.returncode == 0, first.stderr.decode()
    assert "warning: " in first.stderr.decode() and "words; keep it under 150" in first.stderr.decode()
    published = (index / "CURRENT").read_text()
    faq.write_text("entries: []\n", encoding="utf-8")  # emptied by mistake
    refused = run("build", "-q", "--knowledge", str(knowledge), "--index", str(index))
    assert refused.returncode == 2 and "make index FORCE=1" in refused.stderr.decode(), refused.stderr.decode()
    assert (index / "CURRENT").read_text() == published
    forced = run("build", "-q", "--force", "--knowledge", str(knowledge), "--index", str(index))
    assert forced.returncode == 0 and (index / "CURRENT").read_text() != published


def test_a_settings_typo_is_a_message_with_its_line_for_every_command(tmp_path, seed_index):
    import shutil

    source, _ = seed_index
    knowledge = tmp_path / "knowledge"
    shutil.copytree(source, knowledge)
    (knowledge / "settings.yaml").write_text("region: UK\nlog_questoins: true\n", encoding="utf-8")
    for command in ("report", "check", "build"):
        result = run(command, "--knowledge", str(knowledge), *(["--index", str(tmp_path / "i")] if command == "build" else []))
        err = result.stderr.decode()
        assert result.returncode == 2 and "Traceback" not in err, (command, err)
        assert f"{knowledge / 'settings.yaml'}:2: " in err and "did you mean `log_questions`?" in err, (command, err)


def test_rollback_lists_the_kept_builds_and_publishes_the_one_before(tmp_path, seed_index, embedder):
    import shutil

    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.index import build_index

    source, _ = seed_index
    knowledge, index = tmp_path / "knowledge", tmp_path / "index"
    shutil.copytree(source, knowledge)
    paths = ["--knowledge", str(knowledge), "--index", str(index)]
    build_index(knowledge, index, embedder=embedder, progress=False)
    first = (index / "CURRENT").read_text()
    faq = knowledge / "faq.yaml"
    original = faq.read_text(encoding="utf-8")
    faq.write_text(original.replace("There is no single answer.", "A BAD EDIT."), encoding="utf-8")
    build_index(knowledge, index, embedder=embedder, progress=False)
    listed = CliRunner().invoke(app, ["rollback", "--list", *paths]).stdout
    assert listed.count(" entries") == 2 and "<- visitors see this one" in listed.splitlines()[0]
    result = CliRunner().invoke(app, ["rollback", *paths])
    assert result.exit_code == 0, result.output
    assert (index / "CURRENT").read_text() == first and faq.read_text(encoding="utf-8") == original
    assert "faq.yaml" in result.stdout and "replaced" in result.stdout
    assert "up to date" in run("build", "--if-stale", "-q", *paths).stderr.decode()  # make index keeps it


def test_try_is_ask_under_the_name_staff_look_for(seed_index):
    from typer.testing import CliRunner

    from assistant.cli import app

    knowledge, index = seed_index
    result = CliRunner().invoke(app, ["try", "--json", "--knowledge", str(knowledge), "--index", str(index),
                                      "how long does group therapy last in aftercare"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["answers"][0]["id"] == "faq-duration"
