"""The `tutor` command, read like transcripts: invoke, then check what a person sees."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutor.cli import app

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "search", "doctor"):
        assert command in result.stdout


@pytest.mark.usefixtures("fake_model")
def test_ingest_json_summarises_what_happened() -> None:
    result = runner.invoke(app, ["ingest", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["seen"], report["indexed"], report["unchanged"], report["removed"]) == (
        5,
        5,
        0,
        0,
    )
    assert report["chunks"] > 100 and report["skipped"] == []
    again = json.loads(runner.invoke(app, ["ingest", "--json"]).stdout)
    assert (again["indexed"], again["unchanged"], again["chunks_written"]) == (0, 5, 0)


@pytest.mark.usefixtures("fake_model")
def test_ingest_prints_a_summary_with_skip_reasons(notes: Path) -> None:
    (notes / "broken.ipynb").write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 0, result.output
    assert "files seen 6 · indexed 5" in result.stdout
    assert "broken.ipynb: broken notebook: invalid JSON" in result.stdout


@pytest.mark.usefixtures("fake_model")
def test_search_on_an_empty_index_ingests_first_and_cites_file_and_heading() -> None:
    result = runner.invoke(app, ["search", "what does the reward model learn", "--json", "-k", "3"])
    assert result.exit_code == 0, result.output
    assert "the index is empty: ingesting" in result.stderr
    passages = json.loads(result.stdout)
    assert len(passages) == 3
    fields = {"file", "heading", "start_line", "end_line", "text", "score", "similarity"}
    fields |= {"cell", "end_cell"}  # a notebook's place (null here)
    fields |= {"url"}  # the link back into the notes
    assert set(passages[0]) == fields | {"chunk_id"}  # the id quiz cards are tied to
    assert any("reward model" in p["text"].lower() for p in passages)
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)


@pytest.mark.usefixtures("fake_model")
def test_search_shows_ranked_citations_and_the_mode() -> None:
    runner.invoke(app, ["ingest"])
    result = runner.invoke(app, ["search", "DPO direct preference optimization"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    cited = [line for line in lines if re.match(r"^\d\. \S+\.md › .+ \(lines? \d+(–\d+)?\)", line)]
    assert [c.split(".")[0] for c in cited] == ["1", "2", "3", "4", "5"]
    assert any("rlhf-and-alignment.md › RLHF & Alignment › 3. DPO" in c for c in cited)
    assert "offline mode" in result.stderr


@pytest.mark.usefixtures("fake_model")
def test_missing_path_is_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nowhere")])
    assert result.exit_code == 2  # the command line must change
    assert "nowhere: path does not exist" in result.stdout
    assert "Traceback" not in result.output


def test_unknown_embedding_setting_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_EMBEDDINGS", "word2vec")
    result = runner.invoke(app, ["search", "anything"])
    assert result.exit_code == 2
    assert "error: unknown TUTOR_EMBEDDINGS value 'word2vec'" in result.stderr
    assert "hint:" in result.stderr and "Traceback" not in result.output


def test_openai_embeddings_without_a_key_say_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_EMBEDDINGS", "openai:text-embedding-3-small")
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 2
    assert "needs OPENAI_API_KEY" in result.stderr


def test_a_malformed_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_MAX_FILE_MB", "lots")
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 2
    assert "bad setting: TUTOR_MAX_FILE_MB" in result.stderr


def test_only_the_documented_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from tutor.config import load_settings

    monkeypatch.delenv("TUTOR_HOME")
    monkeypatch.setenv("HOME", "/somewhere/else")
    monkeypatch.setenv("MODEL", "openai:gpt-4o")
    monkeypatch.setenv("LEVEL", "expert")
    settings = load_settings()
    assert settings.home.name == "tutor" and settings.home != Path("/somewhere/else")
    assert settings.model == "" and settings.level == "intermediate"
    assert load_settings(home="/tmp/h", langsmith_tracing=True).home == Path("/tmp/h")


@pytest.mark.parametrize("command", [["search", "softmax"], ["ingest"], ["ask", "hi"]])
def test_a_home_that_cannot_be_written_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TUTOR_HOME", str(blocker / "home"))
    result = runner.invoke(app, command)
    assert result.exit_code != 0
    assert "cannot keep" in result.stderr and str(blocker) in result.stderr
    assert "set TUTOR_HOME to a folder you can write to" in result.stderr
    assert "Traceback" not in result.output
    doctor = runner.invoke(app, ["doctor"])
    assert doctor.exit_code == 1 and "home: cannot write to" in doctor.stdout


def test_settings_come_from_a_dotenv_file(monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("TUTOR_EMBEDDINGS=openai:text-embedding-3-small\n")
    result = runner.invoke(app, ["ingest"])
    assert "TUTOR_EMBEDDINGS=openai:text-embedding-3-small needs OPENAI_API_KEY" in result.stderr


@pytest.mark.usefixtures("fake_model")
def test_doctor_reports_mode_index_and_integrations() -> None:
    runner.invoke(app, ["ingest"])
    result = runner.invoke(app, ["doctor"])
    assert "mode: offline" in result.stdout
    assert "index:" in result.stdout and "passages from 5 files" in result.stdout
    assert "langsmith: tracing off" in result.stdout
    assert "slack: not configured" in result.stdout
    assert "memory: no learner has answered a question yet" in result.stdout


@pytest.mark.usefixtures("fake_model")
def test_doctor_notices_notes_changed_since_ingest(notes: Path) -> None:
    runner.invoke(app, ["ingest"])
    (notes / "new.md").write_text("# New\nfresh note\n")
    result = runner.invoke(app, ["doctor"])
    assert "1 note changed since" in result.stdout
    assert "run `tutor ingest`" in result.stdout


def test_doctor_fails_when_tracing_is_on_without_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGSMITH_TRACING", "true")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "LANGSMITH_TRACING is on but LANGSMITH_API_KEY is not set" in result.stdout


def test_search_with_no_index_and_no_notes_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TUTOR_NOTES", str(tmp_path / "gone"))
    result = runner.invoke(app, ["search", "anything"])
    assert result.exit_code == 2
    assert "the notes folder" in result.stderr and "does not exist" in result.stderr
    assert "TUTOR_NOTES" in result.stderr
