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
    from tutor.knowledge.index import IngestReport, NotesIndex

app = typer.Typer(
    name="tutor",
    help="A study tutor that teaches from your own notes.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _out() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def friendly(command: F) -> F:
    """Print user errors as one clear message (and a hint), never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from tutor.errors import TutorError

        try:
            return command(*args, **kwargs)
        except TutorError as exc:
            console = _err()
            console.print(f"[bold red]error:[/] {exc.message}")
            if exc.hint:
                console.print(f"[yellow]hint:[/] {exc.hint}")
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            _err().print("interrupted: what was finished is kept; run the command again to go on")
            raise typer.Exit(130) from None
        finally:
            _send_traces()

    return wrapper  # type: ignore[return-value]


def _send_traces() -> None:
    """Send queued LangSmith runs for at most about a second; one warning line if they
    could not go (only when a command traced anything: tracing is imported lazily)."""
    import sys

    if "tutor.tracing" in sys.modules:
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
    from tutor.knowledge.index import NotesIndex

    return NotesIndex(settings)


def _status_line(settings: Settings, index: NotesIndex) -> str:
    from tutor.knowledge.embeddings import model_id_of
    from tutor.prompts import OFFLINE_MODE

    mode = f"llm mode · {settings.model}" if settings.model else OFFLINE_MODE
    return f"tutor · {mode} · embeddings {model_id_of(index.embeddings)} · {index.count()} passages"


def _run_ingest(index: NotesIndex, paths: list[Path], quiet: bool) -> IngestReport:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    if quiet:
        return index.ingest(paths)
    columns = (
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=_err(), transient=True) as bar:
        task = bar.add_task("", total=None)

        def progress(file: str, done: int, total: int) -> None:
            bar.update(
                task, completed=done, total=total, description=Path(file).name if file else ""
            )

        return index.ingest(paths, progress)


@app.command()
@friendly
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: TUTOR_NOTES).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Index notes (Markdown, Obsidian, text, Jupyter) for search; only changes are redone."""
    settings = _settings()
    targets = list(paths or [settings.notes])
    index = _index(settings)
    report = _run_ingest(index, targets, quiet=as_json)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    missing = [s for s in report.skipped if s.reason == "path does not exist"]
    if missing and len(missing) == len(targets):
        raise typer.Exit(1)


def _print_report(report: IngestReport) -> None:
    console = _out()
    if report.rebuilt_from:
        console.print(
            f"[yellow]embedding model changed (was {report.rebuilt_from}): rebuilt the index[/]"
        )
    console.print(
        f"files seen {report.seen} · indexed {report.indexed} · unchanged {report.unchanged} · "
        f"removed {report.removed} · skipped {len(report.skipped)} · "
        f"passages written {report.chunks_written} · passages in index {report.chunks}"
    )
    for skip in report.skipped:
        console.print(f"  [yellow]skipped[/] {skip.path}: {skip.reason}")
    if report.seen == 0:
        console.print(
            "[yellow]no notes found[/] (looked for .md, .markdown, .txt and .ipynb files)"
        )


@app.command()
@friendly
def search(
    query: Annotated[str, typer.Argument(help="What to look for in your notes.")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many passages.")] = 5,
    as_json: JsonFlag = False,
) -> None:
    """Find the passages of your notes that answer QUERY, with file › heading."""
    from tutor.errors import TutorError
    from tutor.knowledge.retriever import HybridRetriever

    settings = _settings()
    index = _index(settings)
    if index.count() == 0:
        if not settings.notes.exists():
            raise TutorError(
                f"the index is empty and the notes folder {settings.notes} does not exist",
                "set TUTOR_NOTES to your notes folder, or run `tutor ingest PATH`",
            )
        _err().print(f"the index is empty: ingesting {settings.notes} first")
        _run_ingest(index, [settings.notes], quiet=as_json)
    passages = HybridRetriever(index=index).search(query, k=k)
    if as_json:
        typer.echo(json.dumps([p.as_dict() for p in passages], indent=2, ensure_ascii=False))
        return
    _err().print(f"[dim]{_status_line(settings, index)}[/]")
    console = _out()
    if not passages:
        console.print("no passages matched; try other words, or `tutor ingest` your notes")
    for rank, passage in enumerate(passages, start=1):
        console.print(
            f"\n[bold cyan]{rank}. {passage.citation}[/]  [dim]score {passage.score:.4f}[/]"
        )
        console.print(_excerpt(passage.text), markup=False)


def _excerpt(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


@app.command()
@friendly
def doctor() -> None:
    """Check the setup: versions, mode, embeddings, index, LangSmith and Slack."""
    from tutor.doctor import run_checks

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
    from tutor.session import Tutor, new_thread_id, readable

    settings = _settings()
    message = readable(message)
    thread = readable(thread) if thread else new_thread_id()
    try:
        tutor = Tutor(settings)
        try:
            turn = tutor.ask(message, thread, learner=learner, interface="cli")
        finally:
            tutor.close()
    except TutorError as failure:
        shown = failure
        if message.strip():
            retry = f"retry with: tutor ask --thread {thread} {shlex.quote(message)}"
            hint = f"{failure.hint}; {retry}" if failure.hint else retry
            shown = TutorError(failure.message, hint)
        if as_json:
            failed = {"thread": thread, "error": shown.message, "hint": shown.hint}
            typer.echo(json.dumps(failed, ensure_ascii=False))
        raise shown from None
    if as_json:
        typer.echo(json.dumps(turn.as_dict(), indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.markdown import Markdown

    from tutor.prompts import OFFLINE_MODE

    mode = f"llm mode · {turn.model}" if turn.mode == "llm" else OFFLINE_MODE
    traced = f" · trace {turn.run_id}" if turn.run_id else ""
    _err().print(f"[dim]tutor · {mode} · thread {thread} · route {turn.route}{traced}[/]")
    Console(highlight=False).print(Markdown(turn.answer or "(no answer)"))
    if turn.pending:
        reply = {"quiz_answer": "YOUR ANSWER", "rating": "good"}.get(turn.pending["type"], "yes")
        _err().print(f'[yellow]waiting for you:[/] tutor ask --thread {thread} "{reply}"')


@app.command()
@friendly
def quiz(
    topic: Annotated[str, typer.Argument(help="Only questions on this topic.")] = "",
    learner: LearnerOption = "default",
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many questions.")] = 5,
) -> None:
    """A review session: due cards first, then new questions; a summary at the end."""
    from tutor.review import run_review

    run_review(_settings(), topic, learner, count)


@app.command()
@friendly
def chat(thread: ThreadOption = None, learner: LearnerOption = "default") -> None:
    """Talk with the tutor in the terminal (slash commands: /help)."""
    from tutor.chat import run_chat

    run_chat(_settings(), thread=thread, learner=learner)


@app.command()
@friendly
def progress(learner: LearnerOption = "default", as_json: JsonFlag = False) -> None:
    """Your cards per note and topic: what is due, how much you retain, your mastery."""
    from rich.markup import escape
    from rich.table import Column, Table

    from tutor.learning.cards import now
    from tutor.learning.memory import LearnerMemory, close_store, open_store
    from tutor.learning.progress import Tally, habit_line, mastery_bar, percent, progress_report

    settings = _settings()
    store = open_store(settings)
    try:
        memory = LearnerMemory(store, learner)
        cards = memory.cards()
        if settings.records_path.exists():  # bring statuses up to date with the notes
            from tutor.knowledge.records import Records
            from tutor.learning.refresh import current_cards

            records = Records(settings.records_path)
            try:
                cards = current_cards(memory, records)
            finally:
                records.close()
    finally:
        close_store(store)
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

    def cells(tally: Tally) -> list[str]:
        due = [str(tally.cards), str(tally.due_now), str(tally.due_7d)]
        return [*due, percent(tally.retention), mastery_bar(tally.mastery)]

    numbers = [
        Column(name, justify="right") for name in ("cards", "due now", "due 7d", "retention")
    ]
    table = Table(Column("note › topic", overflow="fold"), *numbers, "mastery")
    for note in report.notes:
        table.add_row(escape(note.file), *cells(note.tally), style="bold")
        for topic in note.topics:
            table.add_row(f"  › {escape(topic.heading or '(top of note)')}", *cells(topic.tally))
        table.add_section()
    table.add_row("all notes", *cells(report.tally), style="bold")
    console.print(table)
    console.print(habit_line(report))


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

    from tutor.slack_app import run_slack

    console = _err()
    run_slack(_settings(), port, host, say=lambda line: console.print(escape(line)))


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

    from tutor.errors import TutorError
    from tutor.sandbox import run

    settings = _settings()
    if file == "-":
        code = sys.stdin.read()
    else:
        try:
            code = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            hint = "give a Python file, or - for stdin"
            raise TutorError(f"cannot read {file}: {exc}", hint) from None
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

    console = _out()
    mode = f"llm mode · {report.model}" if report.mode == "llm" else "offline mode"
    console.print(
        f"tutor eval · {mode} · embeddings {report.embeddings} · {report.passages} passages · "
        f"{report.questions} questions, {report.quiz_answers} quiz answers · "
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
            f"({exp['examples']} examples; {synced})"
        )
        if exp.get("url"):
            console.print(f"  {exp['url']}", markup=False)


def main() -> None:
    """Entry point for `python -m tutor`."""
    app(prog_name="tutor")


if __name__ == "__main__":
    main()
