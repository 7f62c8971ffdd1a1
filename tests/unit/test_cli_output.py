"""What the CLI prints around the answers: the first run's ingest, output that fits the
width, `--json` errors, exit codes and counted nouns (transcripts through CliRunner)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tests.fakes import HashEmbeddings
from tutor.cli import app
from tutor.prompts import counted
from tutor.terminal.output import print_markdown

runner = CliRunner()
EMPTY_INDEX = "the index is empty: ingesting"
SOFTMAX_LINE = 'print("logits + 100 ->", ", ".join(f"{p:.3f}" for p in shifted), "(only differences'


# The first run says what it does


@pytest.mark.usefixtures("fake_model")
@pytest.mark.parametrize(
    ("command", "typed"),
    [
        (["ask", "what is the softmax function?"], None),
        (["ask", "what is the softmax function?", "--json"], None),
        (["search", "softmax"], None),
        (["quiz", "-n", "1"], ""),
        (["chat"], "/exit\n"),
    ],
)
def test_a_command_that_finds_the_index_empty_says_it_ingests_the_notes(
    command: list[str], typed: str | None, notes: Path
) -> None:
    result = runner.invoke(app, command, input=typed)

    assert result.exit_code == 0, result.output
    assert f"{EMPTY_INDEX} {notes} first" in result.stderr
    assert "indexed 5 files · " in result.stderr  # and what it indexed, when done
    again = runner.invoke(app, command, input=typed)
    assert EMPTY_INDEX not in again.stderr


@pytest.mark.usefixtures("fake_model")
def test_the_slack_bot_ingests_an_empty_index_the_same_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: dict[str, Any] = {}

    def run_slack(settings: Any, port: Any, host: Any, *, say: Any, services: Any) -> None:
        started["passages"] = services.index.count()  # what the bot's warm-up does first

    monkeypatch.setattr("tutor.slack.app.run_slack", run_slack)
    result = runner.invoke(app, ["slack"])

    assert result.exit_code == 0, result.output
    assert EMPTY_INDEX in result.stderr and started["passages"] > 100


# Output that fits


@pytest.mark.usefixtures("fake_model")
def test_a_piped_answer_has_no_trailing_spaces() -> None:
    result = runner.invoke(app, ["ask", "what is the softmax function?"])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) > 5 and "softmax" in result.stdout.lower()
    assert [line for line in lines if line != line.rstrip()] == []


def test_markdown_wraps_prose_at_word_boundaries_and_never_code() -> None:
    code = 'print("a string literal that is longer than the screen is wide", 12345)'
    text = f"Some prose that is long enough to need wrapping twice.\n\n```python\n{code}\n```\n"
    screen = io.StringIO()

    print_markdown(Console(file=screen, width=30, soft_wrap=False), text)

    lines = screen.getvalue().splitlines()
    assert code in lines  # whole, on one line, not indented: it runs when copied
    prose = [line.rstrip() for line in lines[: lines.index(code)] if line.strip()]
    assert prose == ["Some prose that is long enough", "to need wrapping twice."]


@pytest.mark.usefixtures("fake_model")
def test_code_shown_in_chat_is_printed_whole_so_it_runs_when_copied() -> None:
    result = runner.invoke(app, ["chat"], input="/run softmax\nno\n/exit\n")

    assert result.exit_code == 0, result.output
    shown = [line for line in result.stdout.splitlines() if "logits + 100" in line]
    assert len(shown) == 1 and shown[0].startswith(SOFTMAX_LINE)
    assert "import math" in result.stdout.splitlines()  # no indent: pasted, it runs


def seed_card(file: str, heading: str) -> None:
    """One new card for the default learner on `file › heading`."""
    from tutor.config import load_settings
    from tutor.learning.cards import new_card
    from tutor.learning.memory import LearnerMemory, close_store, open_store
    from tutor.learning.questions import Question

    source = {"file": file, "heading": heading, "start_line": 1, "end_line": 6}
    question = Question(kind="recall", prompt="q?", reference="a", key_terms=[], source=source)
    store = open_store(load_settings())
    try:
        LearnerMemory(store, "default").put_card(new_card(question, chunk_id=f"{file}#1"))
    finally:
        close_store(store)


@pytest.mark.parametrize("columns", [80, 60, 20])
def test_progress_never_splits_a_file_name_that_fits(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "llm-pretraining-posttraining.md"
    heading = "POST-TRAINING: SUPERVISED FINETUNING › Cognitive Deficits › Knowledge of self"
    seed_card(name, heading)
    monkeypatch.setenv("COLUMNS", str(columns))

    result = runner.invoke(app, ["progress"])

    assert result.exit_code == 0, result.output
    *shown, habits = result.stdout.splitlines()  # the habit line is not laid out
    assert all(len(line) <= columns for line in shown), result.stdout
    if columns > len(name):
        assert any(name in line for line in shown), result.stdout
    if columns < 60:  # a list: nothing cut off
        words = " ".join(result.stdout.split())
        assert "1 card · 0 due now · 0 due in 7 days · retention — · mastery —" in words
    assert habits.startswith("streak 0 days")


# --json errors, exit codes


@pytest.mark.parametrize(
    "command",
    [
        ["ingest", "--json"],
        ["search", "softmax", "--json"],
        ["ask", "hi", "--json"],
        ["progress", "--json"],
        ["run", "missing.py", "--json"],
        ["eval", "--json"],
    ],
)
def test_every_json_command_reports_an_error_as_json_on_stdout(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if command[0] != "run":
        monkeypatch.setenv("TUTOR_MAX_FILE_MB", "lots")  # a setting that must change

    result = runner.invoke(app, command)

    assert result.exit_code == 2
    failed = json.loads(result.stdout)
    assert failed["error"] and failed["hint"]
    assert ("cannot read missing.py" if command[0] == "run" else "bad setting") in failed["error"]
    assert "error:" in result.stderr  # and the one line for a person


@pytest.mark.parametrize(
    ("command", "typed"), [(["ask", "what is softmax?"], None), (["quiz"], ""), (["chat"], "")]
)
def test_a_notes_folder_that_does_not_exist_fails_clearly(
    command: list[str], typed: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_NOTES", str(tmp_path / "nonexistent"))

    result = runner.invoke(app, command, input=typed)

    assert result.exit_code == 2
    assert "the notes folder" in result.stderr and "does not exist" in result.stderr
    assert "TUTOR_NOTES" in result.stderr


@pytest.mark.usefixtures("fake_model")
def test_a_home_that_cannot_keep_the_thread_is_not_offered_for_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TUTOR_HOME", str(blocker / "home"))

    result = runner.invoke(app, ["ask", "what is softmax?", "--thread", "t-1"])
    as_json = runner.invoke(app, ["ask", "what is softmax?", "--json"])

    assert result.exit_code == 2 and as_json.exit_code == 2
    assert "set TUTOR_HOME to a folder you can write to" in result.stderr
    assert "retry" not in result.stderr and "--thread" not in result.stderr
    failed = json.loads(as_json.stdout)
    assert "thread" not in failed and "retry" not in failed["hint"]


@pytest.mark.usefixtures("fake_model")
def test_a_turn_that_failed_after_it_was_kept_names_its_thread_and_exits_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tutor.llm import ModelFailure

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise ModelFailure("cannot reach the model server at http://127.0.0.1:9", "retry")

    monkeypatch.setattr("tutor.nodes.router.choose_route", unreachable)
    result = runner.invoke(app, ["ask", "what is softmax?", "--thread", "t-kept", "--json"])

    assert result.exit_code == 1  # a failure, not something to change in the command
    failed = json.loads(result.stdout)
    assert failed["thread"] == "t-kept"
    assert "retry with: tutor ask --thread t-kept 'what is softmax?'" in failed["hint"]


def test_help_documents_the_exit_codes() -> None:
    result = runner.invoke(app, ["--help"])
    assert "0    it worked" in result.stdout and "1    it failed" in result.stdout
    assert "2    the command line, an input or a setting must change" in result.stdout


# Words


def test_counts_have_their_noun_in_the_right_number() -> None:
    assert [counted(n, "passage") for n in (0, 1, 2)] == ["0 passages", "1 passage", "2 passages"]
    assert counted(1, "more topic") == "1 more topic"


def test_a_one_passage_index_says_1_passage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = tmp_path / "one"
    notes.mkdir()
    (notes / "softmax.md").write_text("# Softmax\n\nSoftmax turns logits into probabilities.\n")
    monkeypatch.setattr("tutor.knowledge.index.make_embeddings", lambda s: HashEmbeddings())
    monkeypatch.setenv("TUTOR_NOTES", str(notes))

    result = runner.invoke(app, ["search", "softmax"])

    assert result.exit_code == 0, result.output
    assert "· 1 passage\n" in result.stderr and "indexed 1 file · 1 passage" in result.stderr


@pytest.mark.usefixtures("fake_model")
def test_chat_help_lists_every_command_as_written() -> None:
    result = runner.invoke(app, ["chat"], input="/help\n/exit\n")

    assert "/good or /bad [why] (rate the last answer" in result.stdout
    assert "  (rate" not in result.stdout


def test_a_read_only_home_is_called_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tutor.errors import unwritable

    monkeypatch.setattr("os.access", lambda path, mode: False)  # as on a read-only mount
    error = unwritable("conversations", tmp_path, OSError("unable to open database file"))

    assert error.message == f"cannot keep conversations in {tmp_path}: the folder is read-only"
    assert error.hint.startswith("set TUTOR_HOME to a folder you can write to")


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["run", "demo.py", "--timeout", "abc", "--json"], "Invalid value for '--timeout'"),
        (["search", "--json"], "Missing argument 'query'"),
        (["ask", "softmax?", "--json", "--bogus"], "No such option: --bogus"),
    ],
)
def test_a_usage_error_with_json_is_json_on_stdout_too(command: list[str], said: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tutor", *command], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert said in json.loads(result.stdout)["error"]
    assert said in result.stderr and "Traceback" not in result.stderr
