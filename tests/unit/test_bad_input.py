"""Bad input at every door: bytes that are not UTF-8, NULs, empty input and a closed stdin.

Each gives one clear line and the right exit code (2: the input is wrong), never a traceback,
and loses nothing already stored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.conftest import MakeTutor
from tests.fakes import HashEmbeddings
from tutor.cli import app
from tutor.config import load_settings
from tutor.errors import TutorError
from tutor.slack.connect import learner_map

runner = CliRunner()
LATIN1 = os.fsdecode(b"caf\xe9")  # what Python makes of `printf 'caf\xe9'` in argv


def refused(result: Result, line: str) -> None:
    """Exit 2 with `line` on stderr (however it is wrapped), and no traceback."""
    assert result.exit_code == 2, result.output
    assert line in " ".join(result.stderr.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("fake_model")
@pytest.mark.parametrize("query", ["", "   ", "\t\n", "\x00"])
def test_an_empty_search_is_refused_like_an_empty_question(query: str) -> None:
    refused(runner.invoke(app, ["search", query]), "error: the search is empty")
    refused(runner.invoke(app, ["search", query, "--json"]), "error: the search is empty")


class StrictEmbeddings(HashEmbeddings):
    """Embeddings that, like the real tokenizer, cannot take text that is not valid Unicode."""

    def embed_query(self, text: str) -> list[float]:
        """Embed a query, refusing lone surrogates as the MiniLM tokenizer does."""
        text.encode("utf-8")
        return super().embed_query(text)


def test_a_search_with_a_byte_that_is_not_utf8_still_finds_passages(
    monkeypatch: pytest.MonkeyPatch, notes: Path
) -> None:
    strict = StrictEmbeddings()
    monkeypatch.setattr("tutor.knowledge.index.make_embeddings", lambda settings: strict)
    monkeypatch.setenv("TUTOR_NOTES", str(notes))
    result = runner.invoke(app, ["search", f"{LATIN1} reward model\x00", "--json", "-k", "2"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 2


@pytest.mark.parametrize(
    ("code", "line"),
    [
        (b'print("caf\xe9")\n', "the code on stdin is not UTF-8 text (byte 0xe9 on line 1)"),
        (b"print(1)\x00\n", "the code on stdin contains a NUL byte on line 1"),
        (b"", "no code to run: stdin was empty"),
    ],
)
def test_run_refuses_code_python_could_not_read_in_one_line(code: bytes, line: str) -> None:
    refused(runner.invoke(app, ["run", "-"], input=code), line)


def test_run_refuses_a_file_that_is_not_utf8_naming_the_line(tmp_path: Path) -> None:
    script = tmp_path / "latin.py"
    script.write_bytes(b"# notes\nprint('caf\xe9')\n")
    refused(runner.invoke(app, ["run", str(script)]), "is not UTF-8 text (byte 0xe9 on line 2)")


def test_run_with_stdin_closed_says_so() -> None:
    # `tutor run - <&-`: Python starts with no sys.stdin at all.
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "run", "-"],
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.close(0),
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "error: stdin is closed: no code to read" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("fake_model")
@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["ask", "what is softmax", "--thread", os.fsdecode(b"t-\xe9")], '--thread "t-\\xe9"'),
        (["ask", "what is softmax", "--thread", "t\x00x"], '--thread "t\\x00x"'),
        (["ask", "what is softmax", "--learner", os.fsdecode(b"l\xe9")], '--learner "l\\xe9"'),
        (["chat", "--thread", os.fsdecode(b"t-\xe9")], '--thread "t-\\xe9"'),
        (["chat", "--learner", "l\x00"], '--learner "l\\x00"'),
        (["quiz", "--learner", os.fsdecode(b"l\xe9")], '--learner "l\\xe9"'),
        (["progress", "--learner", os.fsdecode(b"l\xe9")], '--learner "l\\xe9"'),
    ],
)
def test_a_thread_or_learner_that_is_not_plain_text_is_refused(args: list[str], line: str) -> None:
    # Replacing the byte would merge two names into one conversation or one memory.
    refused(runner.invoke(app, args, input=""), f"error: {line} is not plain text")


@pytest.mark.usefixtures("fake_model")
def test_a_note_whose_file_name_is_not_utf8_is_indexed_cited_and_removed(notes: Path) -> None:
    note = notes / os.fsdecode(b"caf\xe9.md")
    note.write_text("# Espresso\n\nEspresso is coffee pressed through fine grounds.\n")
    first = runner.invoke(app, ["ingest", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["skipped"] == []
    found = runner.invoke(app, ["search", "espresso coffee grounds", "--json", "-k", "1"])
    assert json.loads(found.stdout)[0]["file"] == "caf\\xe9.md"
    again = json.loads(runner.invoke(app, ["ingest", "--json"]).stdout)
    assert (again["indexed"], again["removed"]) == (0, 0)  # the same file, not a new one
    note.unlink()
    gone = json.loads(runner.invoke(app, ["ingest", "--json"]).stdout)
    assert gone["removed"] == 1


@pytest.mark.usefixtures("fake_model")
def test_a_note_in_a_windows_code_page_is_read_and_a_mixed_one_skipped_naming_the_line(
    notes: Path,
) -> None:
    (notes / "kaffee.md").write_bytes(b"# Kaffee\n\nEin Caf\xe9 am Morgen \x96 mit S\xfc\xdfem.\n")
    (notes / "mixed.md").write_bytes("# Tee\n\nna\u00efve\n".encode() + b"Th\xe9 vert.\n")
    result = runner.invoke(app, ["ingest", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [(Path(s["path"]).name, s["reason"]) for s in report["skipped"]] == [
        ("mixed.md", "not UTF-8 text (byte 0xe9 on line 4; save the note as UTF-8)")
    ]
    assert report["indexed"] == 6
    found = runner.invoke(app, ["search", "Kaffee Morgen", "--json", "-k", "1"])
    assert json.loads(found.stdout)[0]["text"] == "Ein Café am Morgen – mit Süßem."


def test_a_lone_surrogate_from_slack_json_neither_crashes_the_thread_nor_the_turn(
    make_tutor: MakeTutor,
) -> None:
    # Slack's JSON may carry half an emoji pair ("\ud83d"); thread ids key SQLite rows.
    tutor = make_tutor()
    turn = tutor.ask("what is softmax \ud83d", "slack-T1-C1-\ud83d")
    assert turn.answer and turn.thread == "slack-T1-C1-\ufffd"
    assert tutor.history("slack-T1-C1-\ufffd")[0] == ("human", "what is softmax \ufffd")


def test_a_slack_learner_that_is_not_plain_text_is_refused() -> None:
    settings = load_settings(slack_learners="U1=alice,U2=" + os.fsdecode(b"b\xf6b"))
    with pytest.raises(TutorError, match=r'the learner "b\\xf6b" is not plain text'):
        learner_map(settings)
