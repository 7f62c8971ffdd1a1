"""OpenAI embeddings through the real langchain-openai client against a loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import free_port
from tests.fakes import HashEmbeddings
from tests.integration.openai_stub import OpenAIStub, running_stub
from tutor.cli import app
from tutor.config import load_settings
from tutor.knowledge.index import NotesIndex

pytestmark = pytest.mark.integration
runner = CliRunner()
MODEL = "openai:text-embedding-3-small"


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch, notes: Path) -> Iterator[OpenAIStub]:
    with running_stub() as server:
        monkeypatch.setenv("TUTOR_EMBEDDINGS", MODEL)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("TUTOR_NOTES", str(notes))
        yield server


def test_openai_embeddings_index_and_search(stub: OpenAIStub) -> None:
    result = runner.invoke(app, ["ingest", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["indexed"] == 5
    sent = [r["body"] for r in stub.requests if r["path"].endswith("/embeddings")]
    assert sent and all(body["model"] == "text-embedding-3-small" for body in sent)
    index = NotesIndex(load_settings())
    assert index.collection.metadata["embed_model"] == MODEL

    found = runner.invoke(app, ["search", "reward model", "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout)


def test_switching_the_model_rebuilds_the_index(stub: OpenAIStub) -> None:
    assert runner.invoke(app, ["ingest"]).exit_code == 0
    report = NotesIndex(load_settings(), HashEmbeddings("local-test")).ingest(
        [load_settings().notes]
    )
    assert report.rebuilt_from == MODEL and report.indexed == 5


def test_a_dead_embedding_server_is_a_message_and_keeps_the_index(
    stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch, notes: Path
) -> None:
    assert runner.invoke(app, ["ingest"]).exit_code == 0
    before = NotesIndex(load_settings()).count()
    (notes / "new.md").write_text("# New\nA note written while the server is down.\n")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 1  # a failure of the server, not of the command
    assert "did not answer" in result.stderr and "Traceback" not in result.output
    assert NotesIndex(load_settings()).count() == before


def test_a_wrong_key_is_named(stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "wrong")
    result = runner.invoke(app, ["search", "anything"])
    assert result.exit_code == 2
    assert "refused the API key" in result.stderr
