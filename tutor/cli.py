"""The `tutor` command: a thin layer over the library (typer + rich, heavy imports lazy)."""

from __future__ import annotations

import functools
import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from tutor.config import Settings
    from tutor.context import Services
    from tutor.knowledge.index import IngestReport, NotesIndex
    from tutor.knowledge.ingest_plan import IngestPlan
    from tutor.knowledge.loaders import Skip
    from tutor.session import Tutor

EXIT_CODES = """\b
Exit codes (`tutor run` exits with its program's own):
  0    it worked
  1    it failed: a model or server, a doctor check
  2    the command line, an input or a setting must change
  130  interrupted (Ctrl-C)"""
app = typer.Typer(
    name="tutor",
    help="A study tutor that teaches from your own notes.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _err() -> Console:
    from tutor.terminal.output import console

    return console(stderr=True)


def _out() -> Console:
    from tutor.terminal.output import console

    return console()


def friendly(command: F) -> F:
    """Print user errors as one clear message (and a hint), never a traceback; with --json,
    also as JSON on stdout. Exit 2 for what the user must change, 1 for a failure."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from tutor.errors import TutorError
        from tutor.sandbox import stop_on_signals

        stop_on_signals()  # Ctrl-C, SIGTERM and exit kill running code first, never orphan it
        try:
            try:
                return command(*args, **kwargs)
            except Exception as exc:
                raise _as_user_error(exc) from None
        except TutorError as exc:
            from rich.markup import escape

            from tutor.terminal.output import error_json

            if kwargs.get("as_json"):
                typer.echo(json.dumps(error_json(exc), ensure_ascii=False))
            console = _err()
            console.print(f"[bold red]error:[/] {escape(exc.message)}")
            if exc.hint:
                console.print(f"[yellow]hint:[/] {escape(exc.hint)}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            _err().print("interrupted: what was finished is kept; run the command again to go on")
            raise typer.Exit(130) from None
        finally:
            _send_traces()

    return wrapper  # type: ignore[return-value]


def _as_user_error(exc: Exception) -> Exception:
    """A failure of the PostgreSQL server (it went away, refused, a broken connection) as its
    one-line TutorError; anything else as it was."""
    from tutor.storage.postgres import database_error, is_database_error

    if not is_database_error(exc):
        return exc
    return database_error(exc, _settings().database_url)


def _send_traces() -> None:
    """Send queued LangSmith runs for at most about a second; one warning line if they
    could not go (only when a command traced anything: tracing is imported lazily)."""
    import sys

    if "tutor.tracing.traces" in sys.modules:
        from tutor.tracing import shutdown

        shutdown(warn=lambda line: _err().print(line, style="yellow", markup=False))


def _settings() -> Settings:
    from pydantic import ValidationError

    from tutor.config import load_settings
    from tutor.errors import TutorError

    try:
        return load_settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise TutorError(f"bad setting: {problems}", "fix it in .env or the environment") from None


def _index(settings: Settings) -> NotesIndex:
    from tutor.context import open_index

    return open_index(settings)


def _status_line(settings: Settings, index: NotesIndex) -> str:
    from tutor.knowledge.embeddings import model_id_of
    from tutor.prompts import LLM_MODE, OFFLINE_MODE, counted

    mode = LLM_MODE.format(model=settings.model) if settings.model else OFFLINE_MODE
    embeddings = model_id_of(index.embeddings)
    return f"tutor · {mode} · embeddings {embeddings} · {counted(index.count(), 'passage')}"


def _services(settings: Settings, quiet: bool = False) -> Services:
    """The turn's collaborators; an empty index is filled from TUTOR_NOTES with a progress
    bar, as `tutor ingest` shows it, and a missing notes folder stops the command."""
    from tutor.context import Services
    from tutor.terminal.output import ingesting_first

    services = Services(settings, first_ingest=ingesting_first(quiet))
    _need_notes(settings, lambda: services.index)
    return services


def _need_notes(settings: Settings, index: Callable[[], NotesIndex]) -> None:
    """Stop (exit 2) when the index is empty and TUTOR_NOTES names no folder: nothing to
    teach from, and the answer would only say so."""
    from tutor.errors import TutorError

    if not settings.notes.exists() and index().count() == 0:
        raise TutorError(
            f"the index is empty and the notes folder {settings.notes} does not exist",
            "set TUTOR_NOTES to your notes folder, or run `tutor ingest PATH`",
        )


@app.command()
@friendly
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: TUTOR_NOTES).")
    ] = None,
    as_json: JsonFlag = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="List what would be indexed, skipped, excluded and removed; change nothing.",
        ),
    ] = False,
) -> None:
    """Index notes (Markdown, Obsidian, text, Jupyter) for search; only changes are redone.

    Leave folders out with TUTOR_NOTES_EXCLUDE or a .tutorignore file (gitignore patterns).
    """
    from tutor.errors import USAGE
    from tutor.prompts import PATH_MISSING
    from tutor.terminal.output import ingest_with_progress

    settings = _settings()
    targets = list(paths or [settings.notes])
    index = _index(settings)
    if dry_run:
        from tutor.knowledge.ingest_plan import plan_ingest

        plan = plan_ingest(index, targets)
        if as_json:
            typer.echo(json.dumps(plan.as_dict(), indent=2, ensure_ascii=False))
        else:
            _print_plan(plan)
        return
    report = ingest_with_progress(index, targets, quiet=as_json)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    missing = [s for s in report.skipped if s.reason == PATH_MISSING]
    if missing and len(missing) == len(targets):
        raise typer.Exit(USAGE)  # nothing given exists: the command line must change


def _print_report(report: IngestReport) -> None:
    console = _out()
    if report.rebuilt_from:
        console.print(
            f"[yellow]embedding model changed (was {report.rebuilt_from}): rebuilt the index[/]"
        )
    excluded = f"excluded {report.excluded} · " if report.excluded else ""
    console.print(
        f"files seen {report.seen} · indexed {report.indexed} · unchanged {report.unchanged} · "
        f"removed {report.removed} · skipped {len(report.skipped)} · {excluded}"
        f"passages written {report.chunks_written} · passages in index {report.chunks}"
    )
    _print_paths(console, "skipped", report.skipped)
    if report.seen == 0:
        console.print(
            "[yellow]no notes found[/] (looked for .md, .markdown, .txt and .ipynb files)"
        )


SHOWN_PATHS = 20
"""Paths listed one by one; beyond that they are counted by reason (`--json` has them all)."""


def _print_paths(console: Console, label: str, skips: list[Skip], limit: int = SHOWN_PATHS) -> None:
    """One line per path and its reason; past `limit`, a count per reason (10,000 empty files
    make one line, not 10,000)."""
    from collections import Counter

    from rich.markup import escape

    for skip in skips[:limit]:
        # A path is not wrapped: it stays one piece to copy (the terminal folds it).
        line = f"  [yellow]{label}[/] {escape(f'{skip.path}: {skip.reason}')}"
        console.print(line, soft_wrap=True)
    rest = Counter(skip.reason for skip in skips[limit:])
    for reason, n in rest.most_common():
        console.print(f"  [yellow]{label}[/] {n:,} more: {escape(reason)}", soft_wrap=True)
    if rest:
        console.print(f"  (all {len(skips):,} are listed with --json)", style="dim")


def _print_plan(plan: IngestPlan) -> None:
    """`tutor ingest --dry-run`: every note with what an ingest would do with it, and why."""
    from rich.markup import escape

    console = _out()
    console.print(
        f"dry run, nothing changed: would index {plan.count('new')} new and "
        f"{plan.count('changed')} changed files · unchanged {plan.count('unchanged')} · "
        f"skip {len(plan.skipped)} · exclude {len(plan.excluded)} · remove {len(plan.remove)}"
    )
    for planned in plan.index:
        console.print(f"  {planned.status:9} {escape(planned.path)}", soft_wrap=True)
    for label, skips in (
        ("skip", plan.skipped),
        ("exclude", plan.excluded),
        ("remove", plan.remove),
    ):
        _print_paths(console, f"{label:9}", skips, limit=len(skips))  # a dry run lists them all
    if plan.refused:
        console.print(f"[red]the ingest would refuse to run:[/] {escape(plan.refused)}")


@app.command()
@friendly
def search(
    query: Annotated[str, typer.Argument(help="What to look for in your notes.")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many passages.")] = 5,
    as_json: JsonFlag = False,
) -> None:
    """Find the passages of your notes that answer QUERY, with file › heading."""
    from rich.markup import escape

    from tutor.errors import TutorError
    from tutor.knowledge.citations import linked
    from tutor.knowledge.retriever import HybridRetriever
    from tutor.terminal.output import print_markdown
    from tutor.text_in import message_text

    query = message_text(query)
    if not query.strip():  # as `ask` refuses an empty message: any passage would "match"
        raise TutorError("the search is empty", 'give words to look for: tutor search "softmax"')
    settings = _settings()
    index = _services(settings, quiet=as_json).index
    passages = linked(HybridRetriever(index=index).search(query, k=k), settings)
    if as_json:
        typer.echo(json.dumps([p.as_dict() for p in passages], indent=2, ensure_ascii=False))
        return
    _err().print(f"[dim]{_status_line(settings, index)}[/]")
    console = _out()
    if not passages:
        console.print("no passages matched; try other words, or `tutor ingest` your notes")
    for rank, passage in enumerate(passages, start=1):
        cited = escape(f"{rank}. {passage.citation}")
        if passage.url:  # a hyperlink on a terminal that shows them; plain text elsewhere
            cited = f"[link={passage.url}]{cited}[/link]"
        console.print(f"\n[bold cyan]{cited}[/]  [dim]score {passage.score:.4f}[/]")
        print_markdown(console, _excerpt(passage.text), render=False)  # code is not wrapped


def _excerpt(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


@app.command()
@friendly
def doctor() -> None:
    """Check the setup: versions, mode, embeddings, index, LangSmith and Slack."""
    from tutor.terminal.doctor import run_checks

    settings = _settings()
    console = _out()
    problems = 0
    for check in run_checks(settings):
        mark = {"ok": "[green]✓[/]", "warn": "[yellow]![/]", "fail": "[red]✗[/]"}[check.status]
        console.print(f"{mark} [bold]{check.name}[/]: {check.detail}", highlight=False)
        if check.fix and check.status != "ok":
            console.print(f"    [dim]→ {check.fix}[/]")
        problems += check.status == "fail"
    if problems:
        raise typer.Exit(1)


ThreadOption = Annotated[
    str | None, typer.Option("--thread", "-t", help="Continue this thread (default: a new one).")
]
LearnerOption = Annotated[str, typer.Option("--learner", "-l", help="Who is learning.")]


@app.command()
@friendly
def ask(
    message: Annotated[str, typer.Argument(help="Your question, request or quiz answer.")],
    thread: ThreadOption = None,
    learner: LearnerOption = "default",
    as_json: JsonFlag = False,
) -> None:
    """One turn with the tutor; if the thread waits for an answer, MESSAGE answers it."""
    from tutor.errors import TutorError
    from tutor.session import Tutor, new_thread_id
    from tutor.text_in import identifier, message_text

    message = message_text(message)
    thread = identifier(thread, "--thread") if thread else new_thread_id()
    learner = identifier(learner, "--learner")
    settings = _settings()
    tutor: Tutor | None = None
    try:
        tutor = Tutor(settings, _services(settings, quiet=as_json))
        turn = tutor.ask(message, thread, learner=learner, interface="cli")
    except TutorError as failure:
        if message.strip() and tutor is not None and _saved(tutor, thread):
            # Only a thread that was kept can be named: a new one that could not be saved
            # (a read-only home) does not exist, and the error says what to fix.
            retry = f"retry with: tutor ask --thread {thread} {shlex.quote(message)}"
            failure.hint = f"{failure.hint}; {retry}" if failure.hint else retry
            failure.details["thread"] = thread
        raise
    finally:
        if tutor is not None:
            tutor.close()
    if as_json:
        typer.echo(json.dumps(turn.as_dict(), indent=2, ensure_ascii=False))
        return
    from tutor.prompts import LLM_MODE, NO_ANSWER, OFFLINE_MODE
    from tutor.terminal.output import print_markdown

    mode = LLM_MODE.format(model=turn.model) if turn.mode == "llm" else OFFLINE_MODE
    traced = f" · trace {turn.run_id}" if turn.run_id else ""
    _err().print(f"[dim]tutor · {mode} · thread {thread} · route {turn.route}{traced}[/]")
    print_markdown(_out(), turn.answer or NO_ANSWER, sources=turn.sources)
    if turn.pending:
        reply = {"quiz_answer": "YOUR ANSWER", "rating": "good"}.get(turn.pending["type"], "yes")
        _err().print(f'[yellow]waiting for you:[/] tutor ask --thread {thread} "{reply}"')


def _saved(tutor: Tutor, thread: str) -> bool:
    """Whether the thread has anything saved (so `--thread` can go back to it)."""
    try:
        return bool(tutor.history(thread))
    except Exception:  # noqa: BLE001 - a home that cannot be read keeps nothing
        return False


@app.command()
@friendly
def quiz(
    topic: Annotated[str, typer.Argument(help="Only questions on this topic.")] = "",
    learner: LearnerOption = "default",
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many questions.")] = 5,
) -> None:
    """A review session: due cards first, then new questions; a summary at the end."""
    from tutor.terminal.review import run_review
    from tutor.text_in import identifier, message_text

    learner = identifier(learner, "--learner")
    settings = _settings()
    services = _services(settings)
    run_review(settings, message_text(topic), learner, count, services=services)


@app.command()
@friendly
def chat(thread: ThreadOption = None, learner: LearnerOption = "default") -> None:
    """Talk with the tutor in the terminal (slash commands: /help)."""
    from tutor.terminal.chat import run_chat
    from tutor.text_in import identifier

    thread = identifier(thread, "--thread") if thread else None
    learner = identifier(learner, "--learner")
    settings = _settings()
    run_chat(settings, thread=thread, learner=learner, services=_services(settings))


@app.command()
@friendly
def progress(
    learner: LearnerOption = "default",
    as_json: JsonFlag = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            metavar="FILE.png",
            help="Draw reviews per day, retention and the due forecast to a PNG instead.",
        ),
    ] = None,
) -> None:
    """Your cards per note and topic: what is due, how much you retain, your mastery."""
    from rich.markup import escape

    from tutor.learning.cards import now
    from tutor.learning.memory import LearnerMemory, close_store, open_store
    from tutor.learning.progress import progress_report
    from tutor.terminal.output import print_progress
    from tutor.text_in import identifier

    learner = identifier(learner, "--learner")
    settings = _settings()
    store = open_store(settings)
    try:
        memory = LearnerMemory(store, learner)
        cards = None
        # Bring statuses up to date with the notes, once there is an index (before one, as
        # right after `tutor db migrate`, no card is retired for notes not yet ingested).
        if settings.backend == "postgresql" or settings.records_path.exists():
            from tutor.knowledge.records import open_records
            from tutor.learning.refresh import current_cards

            records = open_records(settings)
            try:
                if records.passages():
                    cards = current_cards(memory, records)
            finally:
                records.close()
        if cards is None:
            cards = memory.cards()
    finally:
        close_store(store)
    if plot is not None:
        from tutor.terminal.export import plot_progress

        _out().print(plot_progress(cards, plot, learner), markup=False, highlight=False)
        return
    report = progress_report(cards, now())
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    console = _out()
    if not report.tally.cards:
        console.print(
            f"no cards yet for learner {escape(learner)}: run `tutor quiz` "
            "(or /quiz in `tutor chat`) and rate your answers to start"
        )
        return

    print_progress(console, report)


@app.command()
@friendly
def forget(
    learner: Annotated[str, typer.Option("--learner", "-l", help="The learner to remove.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Remove without asking.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Remove a learner: cards, profile, conversation threads and the Slack bot's records."""
    from tutor.terminal.forget import confirm_removal, forget_learner
    from tutor.text_in import identifier

    learner = identifier(learner, "--learner")
    removed = forget_learner(_settings(), learner, lambda found: confirm_removal(found, yes))
    if removed is None:
        _err().print("nothing removed", markup=False)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(removed.as_dict(), indent=2, ensure_ascii=False))
        return
    _out().print(f"removed {removed.describe()}", markup=False, highlight=False)


@app.command()
@friendly
def slack(
    port: Annotated[
        int | None,
        typer.Option("--port", min=1, max=65535, help="Receive HTTP events on this port."),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (HTTP).")] = "0.0.0.0",
) -> None:
    """Run the Slack bot: Socket Mode with SLACK_APP_TOKEN, or HTTP events with --port."""
    from rich.markup import escape

    from tutor.slack.app import run_slack

    console = _err()
    settings = _settings()
    services = _services(settings)
    run_slack(settings, port, host, say=lambda line: console.print(escape(line)), services=services)


@app.command("run")
@friendly
def run_code(
    file: Annotated[str, typer.Argument(help="A Python file, or - to read stdin.")] = "-",
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, max=3600, help="Wall-clock limit in seconds.")
    ] = 10.0,
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Copy the files the code wrote into this folder.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run Python in the sandbox (no network, no secrets, limits); exits with its exit code."""
    import sys

    from tutor.sandbox import run

    settings = _settings()
    code = _code_to_run(file)
    result = run(code, timeout=timeout, mode=settings.sandbox, artifacts_dir=keep)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        if result.timed_out:
            _err().print(f"[yellow]timed out after {timeout:g} s: everything it started was killed")
        if result.truncated:
            _err().print("[yellow]output was truncated[/]")
        if result.files:
            where = f"kept in {keep}" if keep else "discarded; use --keep DIR to keep them"
            _err().print(f"files written: {', '.join(result.files)} ({where})", markup=False)
    raise typer.Exit(result.exit_code)


def _code_to_run(file: str) -> str:
    """The program from FILE or stdin (-), as text the sandbox's Python will read."""
    from tutor.errors import TutorError
    from tutor.text_in import code_text, path_text, stdin_bytes

    if file == "-":
        code = code_text(stdin_bytes("code"), "the code on stdin")
        if not code.strip():  # usually a pipe that was never connected (`tutor run </dev/null`)
            raise TutorError("no code to run: stdin was empty", "pipe a program in, or give a file")
        return code
    try:
        raw = Path(file).read_bytes()
    except OSError as exc:
        hint = "give a Python file, or - for stdin"
        raise TutorError(f"cannot read {path_text(file)}: {exc.strerror or exc}", hint) from None
    return code_text(raw, path_text(file))


@app.command("eval")
@friendly
def eval_command(
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", min=1, help="Only N questions and N quiz answers."),
    ] = None,
    upload: Annotated[
        bool,
        typer.Option("--upload", help="Sync the LangSmith datasets; record experiments."),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Measure the tutor on evals/: retrieval, citations and quiz grading."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    settings = _settings()
    if upload:
        from tutor.evals.upload import langsmith_client, upload_eval

        client = langsmith_client(settings)
        if not as_json:
            _err().print(f"[dim]recording experiments in LangSmith at {client.api_url}[/]")
        report = upload_eval(settings, client=client, limit=limit)
    else:
        from tutor.evals import run_eval

        columns = (
            TextColumn("eval"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
        )
        with Progress(*columns, console=_err(), transient=True, disable=as_json) as bar:
            task = bar.add_task("", total=None)

            def progress(item: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total, description=item)

            report = run_eval(settings, limit=limit, progress=progress)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    _print_eval_report(report)


def _print_eval_report(report: Any) -> None:
    from rich.markup import escape
    from rich.table import Column, Table

    from tutor.prompts import LLM_MODE, counted

    console = _out()
    mode = LLM_MODE.format(model=report.model) if report.mode == "llm" else "offline mode"
    console.print(
        f"tutor eval · {mode} · embeddings {report.embeddings} · "
        f"{counted(report.passages, 'passage')} · {counted(report.questions, 'question')}, "
        f"{counted(report.quiz_answers, 'quiz answer')} · "
        f"{report.timings.get('total_s', 0):.1f} s"
    )
    table = Table(Column("metric"), Column("score", justify="right"), Column("n", justify="right"))
    for label, value, n in report.table():
        table.add_row(label, value, n)
    console.print(table)
    for problem in report.problems:
        console.print(f"[yellow]eval set:[/] {escape(problem)}")
    for exp in report.experiments:
        synced = ", ".join(f"{k} {exp[k]}" for k in ("created", "updated", "unchanged", "removed"))
        console.print(
            f"experiment [bold]{escape(str(exp['experiment']))}[/] on dataset {exp['dataset']} "
            f"({counted(exp['examples'], 'example')}; {synced})"
        )
        if exp.get("url"):
            console.print(f"  {exp['url']}", markup=False)


@app.command("map")
@friendly
def study_map(
    topic: Annotated[
        str | None, typer.Argument(help="A concept: it, its parts, what it needs, what needs it.")
    ] = None,
    learner: LearnerOption = "default",
    as_json: JsonFlag = False,
    as_mermaid: Annotated[
        bool, typer.Option("--mermaid", help="Print a Mermaid `graph TD` of the map.")
    ] = False,
    png: Annotated[
        Path | None, typer.Option("--png", help="Draw the map to this PNG file.")
    ] = None,
    evidence: Annotated[
        bool, typer.Option("--evidence", help="Under each concept, the lines that link it.")
    ] = False,
) -> None:
    """The concepts of your notes, what each builds on, and your mastery of each."""
    from tutor.errors import TutorError
    from tutor.terminal.study import run_map
    from tutor.text_in import identifier, message_text

    learner = identifier(learner, "--learner")
    if as_json + as_mermaid + (png is not None) > 1:
        raise TutorError("--json, --mermaid and --png each print the map", "choose one of them")
    settings = _settings()
    services = _services(settings, quiet=as_json or as_mermaid)
    shown = message_text(topic) if topic else ""
    try:
        run_map(
            _out(),
            services,
            learner,
            shown,
            as_json=as_json,
            as_mermaid=as_mermaid,
            png=png,
            evidence=evidence,
        )
    finally:
        services.close()


@app.command("next")
@friendly
def study_next(learner: LearnerOption = "default", as_json: JsonFlag = False) -> None:
    """What to study now: your due cards, then a concept you are ready for, and why."""
    from tutor.terminal.study import run_next
    from tutor.text_in import identifier

    learner = identifier(learner, "--learner")
    settings = _settings()
    services = _services(settings, quiet=as_json)
    try:
        run_next(_out(), services, learner, as_json=as_json)
    finally:
        services.close()


export_app = typer.Typer(
    help="Your cards for other tools: an Anki deck with your schedule, or CSV.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
app.add_typer(export_app, name="export")


@export_app.command("anki")
@friendly
def export_anki(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The Anki package to write (.apkg).")
    ] = None,
    learner: LearnerOption = "default",
    topic: Annotated[str, typer.Option("--topic", help="Only the cards on this topic.")] = "",
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Also, or instead, write the cards as CSV.")
    ] = None,
) -> None:
    """Your cards as an Anki deck (one note per card, linked to its source) that keeps your
    FSRS schedule; exporting again updates the notes already imported."""
    from tutor.terminal.export import export_cards
    from tutor.text_in import identifier, message_text

    learner = identifier(learner, "--learner")
    settings = _settings()
    topic = message_text(topic).strip()
    services = _services(settings, quiet=True) if topic else None
    try:
        line = export_cards(
            settings, learner, output=output, csv=csv_file, topic=topic, services=services
        )
    finally:
        if services is not None:
            services.close()
    _out().print(line, markup=False, highlight=False)


db_app = typer.Typer(
    help="The team's PostgreSQL (TUTOR_DATABASE_URL).",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")


@db_app.command("migrate")
@friendly
def db_migrate(
    from_sqlite: Annotated[
        Path,
        typer.Option("--from-sqlite", help="The TUTOR_HOME to copy (its SQLite files)."),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Copy a TUTOR_HOME into PostgreSQL (TUTOR_DATABASE_URL).

    Learners' cards and profiles, and every conversation thread with its history; running it
    again changes nothing."""
    from tutor.terminal.migrate import migrate_home

    report = migrate_home(_settings(), from_sqlite)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        return
    console = _out()
    for line in report.describe():
        console.print(line, markup=False, highlight=False)


def main() -> None:
    """Entry point for `tutor` and `python -m tutor`: with --json, even a usage error (an
    unknown option, a bad value, a missing argument) is JSON on stdout."""
    import sys

    if "--json" not in sys.argv[1:]:
        app(prog_name="tutor")
        return
    try:
        code = app(prog_name="tutor", standalone_mode=False)
    except typer.Abort:
        code = 130
    except typer.TyperException as exc:  # typer's own click: bad option, value or argument
        from tutor.errors import TutorError
        from tutor.terminal.output import error_json

        said = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        usage = TutorError(said, "see `tutor COMMAND --help`")
        typer.echo(json.dumps(error_json(usage), ensure_ascii=False))
        if hasattr(exc, "show"):
            exc.show()
        code = getattr(exc, "exit_code", 2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
