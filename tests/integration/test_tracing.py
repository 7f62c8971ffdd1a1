"""LangSmith tracing against a capture server on 127.0.0.1, with the real langsmith client:
the run tree of a turn, feedback on the right run, redaction, and a dead endpoint."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MakeTutor, free_port
from tests.integration.langsmith_capture import (
    CaptureServer,
    reset_langsmith_globals,
    running_capture,
)

pytestmark = pytest.mark.integration

SECRET = "sk-test" + "Q" * 30
"""An OpenAI-shaped key that must never reach a trace."""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[CaptureServer]:
    """Tracing switched on by the standard variables, pointed at a capture server."""
    from tutor import tracing

    with running_capture() as capture:
        monkeypatch.setenv("LANGSMITH_TRACING", "true")
        monkeypatch.setenv("LANGSMITH_ENDPOINT", capture.url)
        monkeypatch.setenv("LANGSMITH_API_KEY", "test-key")
        monkeypatch.setenv("LANGSMITH_PROJECT", "tutor-tests")
        reset_langsmith_globals()
        yield capture
        tracing.shutdown(timeout=5)
        reset_langsmith_globals()


def flushed(server: CaptureServer, roots: int = 1) -> None:
    """Wait until the tutor's queued runs have arrived: `roots` traces, every run ended."""
    from tutor.tracing import traces

    active = traces._active
    assert active is not None, "tracing should be on"
    assert active.flush(timeout=10)

    def settled() -> bool:
        runs = list(server.runs.values())
        ended = all(run.get("end_time") for run in runs)
        return ended and len(server.root_runs()) >= roots

    server.wait_for(settled, timeout=10)


def children_named(server: CaptureServer, run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {child["name"]: child for child in server.children(run["id"])}


def test_a_turn_is_one_trace_with_named_nodes_and_retrieved_documents(
    server: CaptureServer, make_tutor: MakeTutor
) -> None:
    turn = make_tutor().ask("what is the softmax function?", "tr-1", learner="ann")
    flushed(server)

    roots = server.root_runs()
    assert [r["name"] for r in roots] == ["tutor turn"]
    root = roots[0]
    assert str(root["id"]) == turn.run_id
    meta = root["extra"]["metadata"]
    expected = {"thread_id": "tr-1", "learner": "ann", "route": "explain", "interface": "cli"}
    assert expected.items() <= meta.items()
    assert meta["mode"] == "offline" and meta["model"] == "" and meta["app_version"]
    assert {"route:explain", "interface:cli"} <= set(root["tags"])
    assert root["end_time"] and not root.get("error")

    nodes = children_named(server, root)
    assert {"router", "explain"} <= set(nodes)
    retriever = children_named(server, nodes["explain"])["search notes"]
    assert retriever["run_type"] == "retriever"
    documents = retriever["outputs"]["documents"]
    assert len(documents) == 5
    shown = {(d["metadata"]["file"], d["metadata"]["heading"]) for d in documents}
    assert {(s["file"], s["heading"]) for s in turn.sources} <= shown


def test_quiz_grades_and_self_rating_become_feedback_on_the_answer_turn(
    server: CaptureServer, make_tutor: MakeTutor
) -> None:
    tutor = make_tutor()
    asked = tutor.ask("/quiz softmax", "tr-quiz", learner="ann")
    assert asked.pending and asked.pending["type"] == "quiz_answer"
    answered = tutor.ask("/skip" if "- A)" not in asked.pending["prompt"] else "A", "tr-quiz")
    if answered.pending and answered.pending["type"] == "rating":
        rated = tutor.ask("hard", "tr-quiz")
        assert rated.run_id and rated.run_id != answered.run_id
    flushed(server)
    server.wait_for(lambda: len(server.feedback) >= 1)

    scores = [f for f in server.feedback if f["key"] == "quiz_score"]
    assert len(scores) == 1
    assert scores[0]["run_id"] == answered.run_id
    grade = tutor.graph.get_state({"configurable": {"thread_id": "tr-quiz"}}).values["grades"][0]
    assert scores[0]["score"] == pytest.approx(grade["score"], abs=1e-4)
    assert grade["verdict"] in scores[0]["comment"] and "graded by rules" in scores[0]["comment"]
    ratings = [f for f in server.feedback if f["key"] == "self_rating"]
    if answered.pending:  # rated by the learner: on the same run as the grade
        assert [(r["run_id"], r["value"]) for r in ratings] == [(answered.run_id, "hard")]
        assert ratings[0]["score"] == pytest.approx(1 / 3, abs=1e-4)  # sent to 4 places
    else:  # a skip is not the learner's rating of their recall
        assert ratings == []
    # The resumed turns are labelled with the route that asked the question.
    answer_root = next(r for r in server.root_runs() if str(r["id"]) == answered.run_id)
    assert answer_root["extra"]["metadata"]["route"] == "quiz"
    assert "grade" in children_named(server, answer_root)


def test_the_sandbox_is_a_tool_run_with_code_and_result(
    server: CaptureServer, make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_SANDBOX", "unsafe")  # the trace is under test, not isolation
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)  # offline still: no TUTOR_MODEL
    code = "import os\nprint(sum(range(10)), os.environ.get('OPENAI_API_KEY'))"
    turn = make_tutor().ask(f"run this:\n```python\n{code}\n```", "tr-code")
    assert "45" in turn.answer
    flushed(server)

    tool = server.run_named("sandbox")
    assert tool["run_type"] == "tool"
    assert tool["inputs"]["code"] == code
    assert tool["outputs"]["stdout"].startswith("45 ")
    assert tool["outputs"]["exit_code"] == 0
    assert set(tool["inputs"]) == {"code", "timeout"}  # no environment
    run_code = next(r for r in server.runs.values() if str(r["id"]) == tool["parent_run_id"])
    assert run_code["name"] == "run_code"
    assert SECRET not in json.dumps(list(server.runs.values()), default=str)


def test_secrets_never_reach_a_trace(
    server: CaptureServer, make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1111-2222-abcdefghijkl")
    tutor = make_tutor()
    tutor.ask(f"what is softmax? my key is {SECRET} and token xoxb-1111-2222-abcdefghijkl", "s1")
    flushed(server)

    sent = json.dumps(list(server.runs.values()), default=str)
    assert "softmax" in sent  # the learner's words are kept ...
    assert SECRET not in sent and "abcdefghijkl" not in sent  # ... their secrets are not
    assert "[redacted]" in sent
    assert "test-key" not in sent


def test_the_home_folder_in_note_links_reaches_a_trace_as_a_tilde(
    server: CaptureServer, make_tutor: MakeTutor, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = notes.parent
    monkeypatch.setenv("HOME", str(home))
    tutor = make_tutor()
    turn = tutor.ask("what is softmax?", "home1")
    assert any(s["url"].startswith(notes.as_uri()) for s in turn.as_dict()["sources"])
    flushed(server)

    sent = json.dumps(list(server.runs.values()), default=str)
    assert str(home) not in sent  # a trace does not carry the home folder the links hold
    assert "file://~/notes/" in sent


def test_the_database_password_never_reaches_a_trace(
    server: CaptureServer,
    make_tutor: MakeTutor,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> None:
    from urllib.parse import urlsplit

    password = urlsplit(database_url).password
    assert password
    monkeypatch.setenv("TUTOR_DATABASE_URL", database_url)
    tutor = make_tutor()
    assert tutor.settings.backend == "postgresql"
    tutor.ask(f"what is softmax? the db is {database_url} with password {password}", "db1")
    flushed(server)

    sent = json.dumps(list(server.runs.values()), default=str)
    assert "softmax" in sent
    assert password not in sent and database_url not in sent
    assert "[redacted]" in sent


def test_hide_inputs_keeps_the_learners_words_out(
    server: CaptureServer, make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_TRACE_HIDE_INPUTS", "true")
    tutor = make_tutor()
    tutor.ask("private musing about softmax temperature xyzzy", "h1", learner="bea")
    turn = tutor.ask("and what about gradient descent plugh?", "h1", learner="bea")
    flushed(server, roots=2)

    runs = list(server.runs.values())
    sent = json.dumps(runs, default=str)
    assert "xyzzy" not in sent and "plugh" not in sent
    assert "[hidden]" in sent
    roots = server.root_runs()
    assert len(roots) == 2 and all(r["extra"]["metadata"]["learner"] == "bea" for r in roots)
    said = turn.answer.split("\n\n")[1].splitlines()[0][:60]  # the tutor's line, not the learner's
    assert said and said in json.dumps(roots[1]["outputs"], ensure_ascii=False)


def test_chat_good_and_bad_are_feedback_on_the_last_answer(
    server: CaptureServer, make_tutor: MakeTutor
) -> None:
    from rich.console import Console

    from tutor.terminal.chat import ChatSession

    tutor = make_tutor()
    session = ChatSession(tutor.settings, "c1", "ann", tutor=tutor)
    session.console = Console(record=True, width=120)
    session.handle("/good")
    session.handle("what is backpropagation?")
    first = session.last_run
    session.handle("/bad too long for me")
    session.handle("what is a transformer?")
    session.handle("/good")
    flushed(server)
    server.wait_for(lambda: len(server.feedback) >= 2)

    thumbs = sorted((f["run_id"], f["score"], f["comment"] or "") for f in server.feedback)
    assert first is not None and session.last_run not in (None, first)
    assert thumbs == sorted([(first, 0.0, "too long for me"), (session.last_run, 1.0, "")])
    said = session.console.export_text()
    assert "no answer to rate yet" in said and said.count("thanks: marked") == 2


@pytest.fixture
def tiny_notes(tmp_path: Path) -> Path:
    """One short note: subprocess tests ingest it in a moment."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "softmax.md").write_text("# Softmax\n\nSoftmax turns logits into probabilities.\n")
    return folder


def test_tutor_ask_json_gives_the_run_id_of_its_trace(
    server: CaptureServer, tiny_notes: Path
) -> None:
    env = {**os.environ, "TUTOR_NOTES": str(tiny_notes)}
    result = run_tutor(["ask", "/help", "--json", "--thread", "j1"], env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["run_id"]
    server.wait_for(lambda: data["run_id"] in {str(r["id"]) for r in server.root_runs()})
    assert server.root_runs()[0]["extra"]["metadata"]["route"] == "help"
    assert "warning" not in result.stderr


def test_tracing_off_sends_nothing_and_gives_no_run_id(tiny_notes: Path) -> None:
    with running_capture() as capture:
        env = {**os.environ, "TUTOR_NOTES": str(tiny_notes), "LANGSMITH_ENDPOINT": capture.url}
        result = run_tutor(["ask", "/help", "--json"], env)
        assert result.returncode == 0, result.stderr
        assert "run_id" not in json.loads(result.stdout)
        time.sleep(0.3)  # anything sent would have arrived by now (nothing is ever queued)
        assert capture.requests == []


@pytest.mark.parametrize("endpoint", ["refused", "silent"])
def test_a_dead_endpoint_neither_breaks_nor_holds_a_turn(endpoint: str, tiny_notes: Path) -> None:
    """The turn answers, the process exits promptly with one warning line and no traceback
    (the unbounded client waited about 13 s here). bench/tracing.py measures the times."""
    env = {**os.environ, "TUTOR_NOTES": str(tiny_notes)}
    baseline = timed(["ask", "/help"], env)[1]
    with listener(silent=endpoint == "silent") as port:
        env |= {
            "LANGSMITH_TRACING": "true",
            "LANGSMITH_API_KEY": "test-key",
            "LANGSMITH_ENDPOINT": f"http://127.0.0.1:{port}",
        }
        result, seconds = timed(["ask", "/help"], env)
    assert result.returncode == 0
    assert "/quiz" in result.stdout  # the help answer arrived
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "LangSmith" in warnings[0]
    assert "Traceback" not in result.stderr
    assert seconds < baseline + 4, f"{seconds:.1f} s against {baseline:.1f} s untraced"


def run_tutor(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tutor.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def timed(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    result = run_tutor(args, env)
    return result, time.monotonic() - start


class listener:  # noqa: N801 - used as a context manager, like open()
    """A loopback port that refuses connections, or one that accepts and never answers."""

    def __init__(self, silent: bool) -> None:
        self.silent = silent
        self.sock: socket.socket | None = None

    def __enter__(self) -> int:
        if not self.silent:
            return free_port()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)  # connections queue up; nothing ever reads them
        return int(self.sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        if self.sock is not None:
            self.sock.close()


def test_model_runs_sit_under_their_nodes_and_the_key_stays_out(
    server: CaptureServer, notes: Path
) -> None:
    from tests.integration.openai_stub import running_stub
    from tests.integration.test_llm_mode import answer_with, make_tutor

    with running_stub() as stub:
        answer_with(
            stub, {"RouteChoice": {"route": "explain", "topic": "softmax"}, "chat": "Hi [1]."}
        )
        # Its API key is "test-key"; the model routes whatever is not a command or code.
        tutor = make_tutor(notes, stub.base_url, route_model_below=1.0)
        try:
            turn = tutor.ask("softmax and probabilities, hmm", "m1", learner="ann")
        finally:
            tutor.close()
    flushed(server)

    root = server.root_runs()[0]
    assert str(root["id"]) == turn.run_id
    meta = root["extra"]["metadata"]
    assert (meta["mode"], meta["model"], meta["route"]) == ("llm", "openai:stub-model", "explain")
    nodes = children_named(server, root)

    def llm_runs(run: dict[str, Any]) -> list[dict[str, Any]]:
        below = server.children(run["id"])
        return [r for r in below if r["run_type"] == "llm"] + [
            found for child in below for found in llm_runs(child)
        ]

    assert len(llm_runs(nodes["router"])) == 1 and len(llm_runs(nodes["explain"])) == 1
    assert "test-key" not in json.dumps(list(server.runs.values()), default=str)
