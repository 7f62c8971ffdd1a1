"""The tutor on a real PostgreSQL when the database is wrong, old, or goes away mid-run: one
line that says what to do, never a traceback or the password; and `tutor doctor` on either
backend."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import psycopg
import pytest
from typer.testing import CliRunner

from tests.conftest import MakeTutor, free_port
from tests.integration.postgres import PostgresServer
from tests.integration.processes import run_tutor
from tutor.cli import app
from tutor.config import load_settings
from tutor.errors import TutorError
from tutor.knowledge.records import open_records
from tutor.terminal.doctor import run_checks

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("pools_given_back")]
SECRET = "hunter2-never-shown"
"""A password the tests give wrong URLs, to look for in what the tutor prints."""


def wrong_password(url: str) -> str:
    """`url` with the password replaced by SECRET (the server refuses it)."""
    return url.replace(f":{urlsplit(url).password}@", f":{SECRET}@", 1)


def refused_port() -> str:
    """A PostgreSQL URL with SECRET on a loopback port nothing listens on."""
    return f"postgresql://tutor:{SECRET}@127.0.0.1:{free_port()}/tutor"


def test_a_database_that_goes_away_fails_one_turn_and_the_next_loses_nothing(
    own_pg_server: PostgresServer, make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = own_pg_server.url()
    monkeypatch.setenv("TUTOR_DATABASE_URL", url)
    tutor = make_tutor()
    asked = tutor.ask("/quiz softmax", "o1")
    assert asked.pending is not None and asked.pending["type"] == "quiz_answer"
    reply = "A" if "- A) " in asked.pending["prompt"] else "probabilities that sum to 1"

    own_pg_server.stop()
    with pytest.raises(TutorError) as lost:
        tutor.ask(reply, "o1")
    said = f"{lost.value.message}\n{lost.value.hint}"
    assert said.count("\n") == 1 and "Traceback" not in said and "psycopg" not in said
    assert f"postgresql://tutor:***@127.0.0.1:{own_pg_server.port}/tutor" in said
    assert urlsplit(url).password not in said
    # A connection lent a moment ago finds the server gone; one that rested is checked first
    # and the pool then waits in vain for a new one. Either way: one line, send it again.
    assert "went away" in said or "did not answer" in said
    assert "send the message again" in lost.value.hint

    own_pg_server.start()  # the same port and data
    graded = tutor.ask(reply, "o1")  # the same Tutor: its pool reconnects
    assert graded.pending is not None and graded.pending["type"] == "rating"
    assert "**Reference:**" in graded.answer
    assert [text for role, text in tutor.history("o1") if role == "human"] == [
        "/quiz softmax",
        reply,
    ]


def cli_error(url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The one `error:` line `tutor ask` prints with TUTOR_DATABASE_URL=`url`, once it was
    checked that it failed without a traceback or the password."""
    monkeypatch.setenv("TUTOR_DATABASE_URL", url)
    result = run_tutor("ask", "what is softmax?", check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and SECRET not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_the_cli_refuses_a_wrong_password_in_one_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = cli_error(wrong_password(database_url), monkeypatch)
    assert "tutor:***@127.0.0.1" in error and "refused the user or password" in error


def test_the_cli_says_the_database_cannot_be_reached_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    error = cli_error(refused_port(), monkeypatch)
    assert "tutor:***@127.0.0.1" in error and "cannot be reached" in error


def test_the_cli_refuses_a_url_that_is_not_postgresql_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "is not a PostgreSQL URL: mysql://x" in cli_error("mysql://x", monkeypatch)
    error = cli_error(f"mysql://root:{SECRET}@127.0.0.1/tutor", monkeypatch)
    assert "mysql://root:***@127.0.0.1/tutor" in error


@pytest.mark.parametrize(
    ("tables", "named"),
    [
        (
            ["CREATE TABLE tutor_files (source TEXT PRIMARY KEY, file TEXT NOT NULL)"],
            "the database's records tables have an old schema: column",
        ),
        (
            [
                "CREATE TABLE tutor_schema (part TEXT PRIMARY KEY, version INTEGER NOT NULL)",
                "INSERT INTO tutor_schema VALUES ('records', 99)",
            ],
            "the database's records tables are schema 99; this tutor knows 1",
        ),
    ],
    ids=["missing column", "newer version"],
)
def test_tables_of_another_schema_are_refused_in_one_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tables: list[str], named: str
) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        for statement in tables:
            conn.execute(statement.encode())
    monkeypatch.setenv("TUTOR_DATABASE_URL", database_url)
    with pytest.raises(TutorError, match=named) as refused:
        open_records(load_settings())
    assert "\n" not in refused.value.message and "new database" in refused.value.hint
    index = {check.name: check for check in run_checks(load_settings())}["index"]
    assert index.status == "fail" and named in index.detail  # doctor says the same


def doctor_lines() -> tuple[int, list[str]]:
    """`tutor doctor`'s exit code and its lines."""
    result = CliRunner().invoke(app, ["doctor"])
    return result.exit_code, result.stdout.splitlines()


@pytest.mark.usefixtures("fake_model")
def test_doctor_names_the_state_backend_and_counts_its_learners(
    backend: str, make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_DATABASE_POOL", "7")
    tutor = make_tutor()
    tutor.ask("/quiz softmax", "d1", learner="ann")
    tutor.ask("/skip", "d1", learner="ann")
    _, lines = doctor_lines()
    [state] = [line for line in lines if line.startswith("✓ state: ")]
    settings = load_settings()
    if backend == "sqlite":
        assert state == f"✓ state: sqlite in {settings.home}"
    else:
        password = urlsplit(settings.database_url).password
        assert password and not any(password in line for line in lines)
        assert state.startswith("✓ state: postgresql at postgresql://tutor:***@127.0.0.1:")
        with psycopg.connect(settings.database_url) as conn:
            version = conn.info.server_version // 10000
        assert f": server {version}." in state and "reachable" in state
        pool = re.search(r"a pool of at most 7 connections \((\d) open, (\d) idle\)$", state)
        assert pool is not None and 1 <= int(pool[1]) <= 7 and int(pool[2]) <= int(pool[1])
    assert any(line.startswith("✓ memory: 1 learner, 1 card in ") for line in lines)
    assert any(line.startswith("✓ index: ") for line in lines)


@pytest.mark.parametrize("wrong", ["password", "port", "scheme"])
@pytest.mark.usefixtures("fake_model")
def test_doctor_fails_one_line_for_a_database_it_cannot_use(
    wrong: str, pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = {
        "password": wrong_password(pg_server.url()),
        "port": refused_port(),
        "scheme": f"mysql://root:{SECRET}@127.0.0.1/tutor",
    }[wrong]
    monkeypatch.setenv("TUTOR_DATABASE_URL", url)
    code, lines = doctor_lines()
    assert code == 1
    assert not any(SECRET in line for line in lines)
    [failed] = [line for line in lines if line.startswith("✗")]
    assert failed.startswith("✗ state: ") and ":***@127.0.0.1" in failed
    fix = lines[lines.index(failed) + 1]
    assert fix.startswith("    → ") and ("TUTOR_DATABASE_URL" in fix or "postgresql://" in fix)
    assert not any(line.startswith(("✓ index", "✓ memory", "! index")) for line in lines)
