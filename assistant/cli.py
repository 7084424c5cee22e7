"""Command line: `python -m assistant build | rollback | check | ask | try | eval | info | review | report | import | export | serve | train-crisis | train-names`.

Exit codes: 0 ok, 1 findings/failed floors, 2 invalid knowledge or usage, 3 model problem,
4 index problem (missing, corrupt or stale).
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli_developer import register_developer_commands
from assistant.errors import AssistantError, KnowledgeError
from assistant.settings import environment

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Vetted-answer FAQ assistant for addiction support and aftercare programs.")

KnowledgeOpt = Annotated[Optional[Path], typer.Option("--knowledge", "-k", show_default=False,
                                                      help="Knowledge directory (YAML) (default: ASSISTANT_KNOWLEDGE, else knowledge).")]
IndexOpt = Annotated[Optional[Path], typer.Option("--index", "-i", show_default=False,
                                                  help="Index directory (default: ASSISTANT_INDEX, else index).")]


def _paths(knowledge: Path | None, index: Path | None = None) -> tuple[Path, Path]:
    """The knowledge and index directories: the flags, else the environment's (settings.py)."""
    env = environment()
    return knowledge or env.knowledge, index or env.index


def _report(exc: AssistantError) -> None:
    if isinstance(exc, KnowledgeError):
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{len(exc.problems)} problem(s); nothing was changed. Fix them, then run `make check` again.",
                   err=True)
    else:
        typer.echo(f"error: {exc}", err=True)


def _fail(exc: AssistantError) -> None:
    _report(exc)
    raise typer.Exit(exc.exit_code)


@app.command()
def build(knowledge: KnowledgeOpt = None, index: IndexOpt = None,
          quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
          if_stale: Annotated[bool, typer.Option("--if-stale", help="Only build when the index is missing or stale.")] = False,
          force: Annotated[bool, typer.Option("--force", help="Publish even when more than a quarter of the published entries would go.")] = False) -> None:
    """Validate the knowledge, embed it and publish it as a new build (`make index`).

    Invalid knowledge exits with code 2, lists every problem as file:line: message,
    and leaves the published build untouched; so does a build that would remove more than
    a quarter of the entries, unless --force. Warnings (as `check` gives them without the
    model: long answers, review dates) are shown and do not stop the build.

    Example: python -m assistant build --knowledge knowledge --index index
    """
    from assistant.index import build_index, index_is_current
    from assistant.knowledge import load_knowledge
    from assistant.staff.lint import text_findings

    knowledge, index = _paths(knowledge, index)
    try:
        if if_stale and index_is_current(knowledge, index):
            typer.echo(f"{index}: up to date with {knowledge}", err=True)
            return
        loaded = load_knowledge(knowledge)  # raises before anything is built
        for finding in text_findings(loaded):
            if finding not in loaded.warnings:  # build_index shows those itself
                typer.echo(f"warning: {finding}", err=True)
        build_index(knowledge, index, progress=not quiet, allow_drop=force)
    except AssistantError as exc:
        _fail(exc)


@app.command()
def rollback(knowledge: KnowledgeOpt = None, index: IndexOpt = None,
             to: Annotated[Optional[str], typer.Option("--to", help="The build to publish again (its name, or the start of it, from --list); default: the one published before the current one.")] = None,
             list_builds: Annotated[bool, typer.Option("--list", help="Only list the kept builds.")] = False,
             keep_files: Annotated[bool, typer.Option("--keep-files", help="Leave the knowledge files as they are (the next `make index` publishes them again).")] = False) -> None:
    """Publish an earlier build again, and put back the knowledge files it was made from.

    The website serves it within a few seconds, without a restart. The files it replaces are
    kept in index/replaced/<time>/. The last five published builds are kept.

    Example: python -m assistant rollback --list ; python -m assistant rollback
    """
    from assistant.encoders.model import configured_model
    from assistant.index.history import kept_builds
    from assistant.index.history import rollback as roll_back

    knowledge, index = _paths(knowledge, index)
    if list_builds:
        builds = kept_builds(index)
        if not builds:
            typer.echo(f"{index}: no builds yet; `make index` makes one")
        for build in builds:
            typer.echo(f"{build.name}  published {build.built_at}  {build.entries} entries"
                       + ("  <- visitors see this one" if build.serving else ""))
        return
    try:
        done = roll_back(index, knowledge, to, restore_files=not keep_files,
                         weights_sha256=configured_model(knowledge).weights_sha256)
    except AssistantError as exc:
        _fail(exc)
    typer.echo(f"Visitors now get build {done.build.name} (published {done.build.built_at}, "
               f"{done.build.entries} entries); a running website switches within a few seconds.")
    if done.restored or done.removed:
        typer.echo(f"Knowledge files put back as they were then: {', '.join(done.restored + done.removed)}. "
                   f"Your files as they were are kept in {done.replaced_dir}.")
    elif not keep_files and not done.notes:
        typer.echo("Your knowledge files already match it.")
    for note in done.notes:
        typer.echo(f"Note: {note}")


@app.command()
def check(knowledge: KnowledgeOpt = None) -> None:
    """Validate and lint the knowledge without building the index.

    Reports, as file:line: message: invalid YAML or fields, crisis lines that would be
    dropped, an alternate shared by two entries (exit 2; `build` refuses these too); and
    findings (exit 1): near-duplicate questions of two entries, questions or alternates that
    retrieve another entry first, empty or over-long answers, review dates passed, due within
    30 days, missing or contradicting, crisis lines not verified for 180 days, unknown fields.
    Exit 0 when clean.

    Example: python -m assistant check --knowledge knowledge
    """
    from assistant.staff.lint import check_knowledge

    knowledge, _ = _paths(knowledge)
    try:
        findings = check_knowledge(knowledge)
    except AssistantError as exc:
        _fail(exc)
    for finding in findings:
        typer.echo(str(finding))
    typer.echo(f"{len(findings)} finding(s)" if findings else "knowledge is clean", err=True)
    if findings:
        raise typer.Exit(1)


def _read_stdin_questions():
    """Every input line, blank ones included: one reply per line, so replies line up with input."""
    # Undecodable bytes become U+FFFD instead of crashing the loop.
    stream = open(sys.stdin.fileno(), "r", encoding="utf-8", errors="replace", closefd=False)
    for line in stream:
        yield line.rstrip("\r\n")


@app.command()
def ask(
    question: Annotated[Optional[list[str]], typer.Argument(help="The question; omit to read one per line from stdin.")] = None,
    knowledge: KnowledgeOpt = None,
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per question (the API contract).")] = False,
    region: Annotated[Optional[str], typer.Option("--region", help="Crisis-line region: US, CA, UK, IE, AU, NZ.")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild/--no-rebuild", help="Answer from a draft build of unpublished edits (never served to visitors); --no-rebuild answers from the published build only.")] = True,
) -> None:
    """Answer questions with vetted text (or crisis lines, or a kind fallback).

    Answers reflect the knowledge files as they are now: edits not yet published with
    `make index` are answered from a draft build that visitors never see. Reading from
    stdin, every line gets exactly one reply, blank lines included.

    Examples:
      python -m assistant ask "how long does group therapy last"
      printf 'what is group therapy\\n' | python -m assistant ask --json
    """
    from assistant.engine import Assistant

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    knowledge, index = _paths(knowledge, index)
    assistant = Assistant.load(knowledge, index, draft=rebuild)
    if assistant.problem is not None:
        typer.echo(f"warning: answers unavailable ({assistant.problem}); crisis lines still work", err=True)
    questions = [" ".join(question)] if question else _read_stdin_questions()
    for text in questions:
        response = assistant.ask(text, region=region, log=False)  # staff testing, not a visitor
        if as_json:
            sys.stdout.write(json.dumps(response.to_dict(), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(response.to_text() + "\n")
        sys.stdout.flush()
    if assistant.problem is not None:
        raise typer.Exit(assistant.problem.exit_code)


# `try` is `ask` under the name staff look for when trying an edit before publishing it (issue #20).
app.command("try", help="Try your edits before publishing them: the same as `ask` (a draft visitors never see).\n\n"
            "Example: python -m assistant try \"how long does group therapy last\"")(ask)


@app.command("eval")
def evaluate(
    knowledge: KnowledgeOpt = None,
    index: IndexOpt = None,
    seed_set: Annotated[Optional[list[Path]], typer.Option("--set", help="Labelled visitor questions (repeat for several files; default: the seed, blind-tune and fresh sets).")] = None,
    crisis_set: Annotated[Path, typer.Option("--crisis-set", help="Labelled crisis/benign messages.")] = Path("knowledge/eval/crisis_messages.yaml"),
    datasets: Annotated[Optional[Path], typer.Option("--datasets", help="Also measure the public datasets in this folder (e.g. ../shared/datasets).")] = None,
    calibrate_policy: Annotated[bool, typer.Option("--calibrate", help="Choose the answer thresholds and the two confidence penalties on the tune split; report the held-out splits.")] = False,
    crisis_only: Annotated[bool, typer.Option("--crisis", help="Only the crisis screen.")] = False,
    changes: Annotated[bool, typer.Option("--changes", help="For staff: which questions get a different answer with your unpublished edits than visitors get now (exit 1 when a test question got worse).")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Top-1 precision, MRR, out-of-scope abstention and crisis recall on the labelled sets.

    With --changes: every test question, entry question and alternate asked of the published
    build and of your edits, and the differences in plain words.

    Example: python -m assistant eval --datasets ../shared/datasets ; python -m assistant eval --changes
    """
    from assistant.engine import Assistant
    from assistant.evaluation import answers as evaluation
    from assistant.evaluation.crisis import evaluate_crisis

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    knowledge, index = _paths(knowledge, index)
    if changes:
        _changes(knowledge, index, seed_set or list(evaluation.LABELLED_SETS), as_json)
        return
    assistant = Assistant.load(knowledge, index, draft=True)  # measures the edits, publishes nothing
    seed_set = seed_set or list(evaluation.LABELLED_SETS)
    result: dict = {}
    crisis_report = evaluate_crisis(assistant.screen, crisis_set)
    result["crisis"] = crisis_report.to_dict()
    if not crisis_only:
        if assistant.problem is not None:
            _fail(assistant.problem)
        reports = evaluation.evaluate_seed(assistant.retriever, assistant.embedder, assistant.entries,
                                           assistant.settings, seed_set)
        result["seed"] = {k: v.to_dict() for k, v in reports.items()}
        from assistant.knowledge import load_knowledge
        from assistant.staff.lint import misroutes

        knowledge_now = load_knowledge(knowledge)
        wrong = misroutes(knowledge_now, assistant.retriever, assistant.embedder)
        phrasings = sum(1 + len(e.alternates) for e in knowledge_now.entries)
        result["test_all"] = {"phrasings": phrasings, "misrouted": [m.__dict__ for m in wrong]}
        if calibrate_policy:
            chosen, tune, holdout = evaluation.calibrate(assistant.retriever, assistant.embedder,
                                                         assistant.entries, assistant.settings, seed_set)
            result["calibration"] = {
                "min_score": chosen.min_score, "min_margin": chosen.min_margin,
                "confident_score": chosen.confident_score, "unknown_word_penalty": chosen.unknown_word_penalty,
                "not_covered_weight": chosen.not_covered_weight, "tune": tune.to_dict(), "holdout": holdout.to_dict(),
            }
        if datasets:
            result["datasets"] = [
                evaluation.evaluate_dataset(datasets / name, assistant.embedder, assistant.settings)
                for name in ("stackfaq", "covid_q") if (datasets / name / "queries.csv").exists()
            ]
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    typer.echo("== Crisis screen")
    typer.echo(crisis_report.format())
    if "seed" in result:
        typer.echo("\n== Seed questions (shown-right = the right vetted answer shown first)")
        typer.echo(evaluation.format_seed(reports))
        failures = reports["all"].failures
        if failures:
            typer.echo(f"\n{len(failures)} question(s) not handled right:")
            for f in failures:
                typer.echo(f"  {f['query']!r}: expected {f['expect'] or 'fallback'}, shown {f['shown'] or 'fallback'}")
    if "test_all" in result:
        t = result["test_all"]
        typer.echo(f"\n== Test-all: {t['phrasings'] - len(t['misrouted'])}/{t['phrasings']} questions and alternates "
                   "retrieve their own entry first")
        for m in t["misrouted"]:
            typer.echo(f"  {m['file']}:{m['line']}: {m['text']!r} ({m['entry_id']}) retrieves {m['retrieved']!r}")
    if "calibration" in result:
        c = result["calibration"]
        typer.echo(f"\n== Calibration (tune split): min_score={c['min_score']} min_margin={c['min_margin']} "
                   f"confident_score={c['confident_score']} unknown_word_penalty={c['unknown_word_penalty']} "
                   f"not_covered_weight={c['not_covered_weight']}")
        typer.echo(f"   tune: shown-right {c['tune']['answered_correctly']:.3f} wrong {c['tune']['answered_wrong']:.3f} "
                   f"abstain {c['tune']['abstention']:.3f}; "
                   f"held out (holdout + fresh): shown-right {c['holdout']['answered_correctly']:.3f} "
                   f"wrong {c['holdout']['answered_wrong']:.3f} abstain {c['holdout']['abstention']:.3f}")
    for d in result.get("datasets", []):
        typer.echo(f"\n== {d['dataset']} ({d['queries']} queries, {d['faqs']} FAQs): "
                   f"fused top-1 {d['fused']['top1']:.3f} MRR {d['fused']['mrr']:.3f}; "
                   f"plain {d['model'].rsplit('/', 1)[-1]} on the question top-1 {d['plain_model']['top1']:.3f} MRR {d['plain_model']['mrr']:.3f}")


def _changes(knowledge: Path, index: Path, labelled_sets: list[Path], as_json: bool) -> None:
    from assistant.engine import Assistant
    from assistant.evaluation.answers import load_seed_set
    from assistant.evaluation.changes import Outcome, compare, probes
    from assistant.knowledge import load_knowledge

    now = load_knowledge(knowledge)  # a broken file: its message, before any model loads
    published = Assistant.load(knowledge, index)
    draft = Assistant.load(knowledge, index, draft=True, embedder=published.embedder)
    questions = probes(load_seed_set([p for p in labelled_sets if p.exists()]),
                       [published.entries, draft.entries], now.not_covered)
    # Staff's own questions: never in the visitors' log.
    report = compare(questions, lambda q: Outcome.of(published.ask(q, log=False)),
                     lambda q: Outcome.of(draft.ask(q, log=False)))
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        if draft.index_dir == published.index_dir:
            typer.echo("Your files are what visitors get now (nothing unpublished); compared anyway.\n")
        typer.echo(report.format())
    if report.worse:
        raise typer.Exit(1)


@app.command()
def info(knowledge: KnowledgeOpt = None, index: IndexOpt = None,
         as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The served model and its files, the published build and whether the knowledge is published.

    Example: python -m assistant info --json
    """
    from assistant.index.status import status

    knowledge, index = _paths(knowledge, index)
    found = status(knowledge, index)
    typer.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False) if as_json else found.format())


@app.command()
def review(knowledge: KnowledgeOpt = None,
           as_json: Annotated[bool, typer.Option("--json", help="The dashboard as one JSON object.")] = False) -> None:
    """What is due for a human check: answers whose review_by date has passed or comes within 30
    days, answers missing their review dates or with reviewed after review_by, and crisis lines
    not verified in the last 180 days. Each with file:line. Exit 1 when anything is due.

    Example: python -m assistant review
    """
    from assistant.knowledge import load_knowledge
    from assistant.staff.review import review_status

    knowledge, _ = _paths(knowledge)
    try:
        status = review_status(load_knowledge(knowledge), knowledge_dir=knowledge)
    except AssistantError as exc:
        _fail(exc)
    typer.echo(json.dumps(status.to_dict(), indent=2, ensure_ascii=False) if as_json else status.to_text())
    if status.problems():
        raise typer.Exit(1)


@app.command()
def report(knowledge: KnowledgeOpt = None,
           top: Annotated[int, typer.Option(help="How many groups of questions to show.")] = 20) -> None:
    """What visitors could not find (grouped by similarity) and helpful / not-helpful per entry.

    Needs staff logging switched on (log_questions: true in settings.yaml, or
    ASSISTANT_LOG_QUESTIONS=1). Example: python -m assistant report --top 10
    """
    from assistant.encoders import reference_encoder
    from assistant.settings import Settings
    from assistant.staff.question_log import QuestionLog, group_questions

    knowledge, _ = _paths(knowledge)
    settings = Settings.load(knowledge)
    if not settings.log_questions and not Path(settings.log_path).exists():
        typer.echo("Logging is off, so there is nothing to report. Switch it on with `log_questions: true` "
                   "in knowledge/settings.yaml (or ASSISTANT_LOG_QUESTIONS=1).")
        return
    log = QuestionLog(settings.log_path, settings.log_retention_days)
    questions = [row.question for row in log.unanswered()]
    typer.echo(f"== Unanswered questions ({len(questions)} in the last {settings.log_retention_days} days)")
    for group in group_questions(questions, reference_encoder())[:top]:
        typer.echo(f"{len(group):4d}  {group[0]}")
        for other in list(dict.fromkeys(group[1:]))[:3]:
            typer.echo(f"        also: {other}")
    typer.echo("\n== Feedback per entry (helpful / not helpful)")
    for entry_id, (yes, no) in sorted(log.feedback_counts().items(), key=lambda kv: -kv[1][1]):
        typer.echo(f"{yes:4d} {no:4d}  {entry_id}")


@app.command("import")
def import_(csv_file: Annotated[Path, typer.Argument(help="The spreadsheet saved as CSV (any CSV type Excel or LibreOffice saves), with the columns of `export`.")],
            knowledge: KnowledgeOpt = None,
            dry_run: Annotated[bool, typer.Option("--dry-run", help="Check the sheet and say what would change; write nothing.")] = False) -> None:
    """Update the knowledge from a spreadsheet (CSV), entry by entry.

    A row updates the entry with its id in the YAML file where that entry lives; a new id is added
    to the file its `file` column names (else faq.yaml or articles.yaml). Entries missing from the
    sheet are left as they are (import never deletes). Nothing is written unless every change
    passes the checks of `make check`; problems name the sheet's row and column.

    Example: python -m assistant import answers.csv
    """
    from assistant.staff.spreadsheet import import_csv

    knowledge, _ = _paths(knowledge)
    try:
        result = import_csv(csv_file, knowledge, write=not dry_run)
    except AssistantError as exc:
        _fail(exc)
    sheet = result.sheet
    separator = {",": "commas", ";": "semicolons", "\t": "tabs"}.get(sheet.delimiter, repr(sheet.delimiter))
    typer.echo(f"Read {sheet.display}: {len(sheet.rows)} rows, {sheet.encoding}, separated by {separator}.")
    would = "would be " if dry_run else ""
    for label, changed in (("updated", result.updated), ("added", result.added)):
        typer.echo(f"{len(changed)} {'entry' if len(changed) == 1 else 'entries'} {would}{label}"
                   + (":" if changed else "."))
        for entry_id, file_name in changed.items():
            typer.echo(f"  {entry_id}  ({knowledge / file_name})")
    typer.echo(f"{len(result.unchanged)} unchanged.")
    if result.not_in_sheet:
        listed = ", ".join(result.not_in_sheet[:10]) + (", ..." if len(result.not_in_sheet) > 10 else "")
        typer.echo(f"{len(result.not_in_sheet)} not in the sheet, left as they are (import never deletes; to delete "
                   f"an entry, remove it from its YAML file): {listed}")
    if dry_run:
        typer.echo("Nothing was written (--dry-run).")
    elif result.written:
        typer.echo(f"Wrote {', '.join(str(p) for p in result.written)}. Next: `make check`, then `make index` "
                   "to publish.")
    else:
        typer.echo("Nothing to change; no file was written.")


@app.command("export")
def export(knowledge: KnowledgeOpt = None,
           output: Annotated[Optional[Path], typer.Option("--output", "-o", help="CSV file (default: stdout).")] = None) -> None:
    """Write the knowledge as CSV for a spreadsheet: one row per entry, every field, and its file.

    Example: python -m assistant export -o answers.csv
    """
    from assistant.staff.spreadsheet import export_csv

    knowledge, _ = _paths(knowledge)
    try:
        if output:
            with open(output, "w", encoding="utf-8-sig", newline="") as handle:  # the BOM tells Excel it is UTF-8
                count = export_csv(knowledge, handle)
        else:
            count = export_csv(knowledge, sys.stdout)
    except AssistantError as exc:
        _fail(exc)
    typer.echo(f"exported {count} entries", err=True)


@app.command()
def serve(knowledge: KnowledgeOpt = None, index: IndexOpt = None,
          host: Annotated[Optional[str], typer.Option(show_default=False, help="Address to listen on (default: ASSISTANT_HOST, else 127.0.0.1).")] = None,
          port: Annotated[Optional[int], typer.Option(show_default=False, help="Port to listen on (default: ASSISTANT_PORT, else 7860).")] = None,
          workers: Annotated[Optional[int], typer.Option(min=1, show_default=False, help="Worker processes, each with its own model (~300 MB) (default: ASSISTANT_WORKERS, else 1).")] = None,
          region: Annotated[Optional[str], typer.Option(help="Default crisis-line region (else settings).")] = None) -> None:
    """Serve the widget, `POST /api/ask` and `GET /healthz` with worker processes that share the
    published build. Builds published later go live without a restart; SIGTERM stops within seconds.

    Example: python -m assistant serve --workers 2 --host 0.0.0.0 --port 7860
    """
    from assistant.web.serve import serve as run_server

    env = environment()
    knowledge, index = _paths(knowledge, index)
    run_server(knowledge, index, host=host or env.host, port=port or env.port, workers=workers or env.workers,
               region=region)


register_developer_commands(app, _fail)  # export-onnx, train-crisis, train-names (cli_developer.py)


def main() -> None:
    try:
        app()
    except AssistantError as exc:  # any command: the message staff can act on, never a traceback
        _report(exc)
        sys.exit(exc.exit_code)
