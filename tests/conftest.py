"""Shared fixtures: every test gets its own TUTOR_HOME and a clean environment; a real
PostgreSQL server for the tests that ask for one, and `backend` to run a test on either."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.fakes import HashEmbeddings
    from tests.integration.postgres import PostgresServer
    from tutor.session import Tutor

REPO = Path(__file__).resolve().parents[1]
SHIPPED_NOTES = REPO / "knowledge"
SCRUBBED = ("OPENAI_", "LANGSMITH_", "LANGCHAIN_", "SLACK_", "TUTOR_")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point TUTOR_HOME at a tmp dir, drop real keys, and run from a dir with no `.env`."""
    for name in list(os.environ):
        if name.startswith(SCRUBBED):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    yield home


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """A private copy of the shipped notes that a test may change."""
    target = tmp_path / "notes"
    shutil.copytree(SHIPPED_NOTES, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch, notes: Path) -> HashEmbeddings:
    """Instant embeddings in place of the real model (for the CLI, which makes its own);
    the shipped notes as TUTOR_NOTES."""
    from tests.fakes import HashEmbeddings

    fake = HashEmbeddings()
    monkeypatch.setattr("tutor.knowledge.index.make_embeddings", lambda settings: fake)
    monkeypatch.setenv("TUTOR_NOTES", str(notes))
    return fake


MakeTutor = Callable[[], "Tutor"]


@pytest.fixture
def make_tutor(notes: Path) -> Iterator[MakeTutor]:
    """Tutors over one home and the `notes` copy (fast hash embeddings, a seeded choice of
    questions), as if the program were started again each time."""
    import random

    from tests.fakes import HashEmbeddings
    from tutor.config import load_settings
    from tutor.context import Services
    from tutor.session import Tutor

    made: list[Tutor] = []

    def make() -> Tutor:
        settings = load_settings(notes=notes)
        services = Services(settings, embeddings=HashEmbeddings(), rng=random.Random(3))
        made.append(Tutor(settings, services))
        return made[-1]

    yield make
    for tutor in made:
        tutor.close()


def free_port() -> int:
    """A loopback port nothing listens on (for servers a test starts, or a dead endpoint)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run, removed at its end (started only when a test
    asks for it); tests must not stop it (use `own_pg_server` for that)."""
    yield from _started_server()


@pytest.fixture
def database_url(pg_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database on `pg_server`, for this test alone (dropped after
    it, with any connections the test left open)."""
    import uuid

    name = f"test_{uuid.uuid4().hex[:16]}"
    url = pg_server.create_database(name)
    yield url
    if pg_server.running:
        pg_server.drop_database(name)


@pytest.fixture
def own_pg_server() -> Iterator[PostgresServer]:
    """A started PostgreSQL server of this test's own, which it may stop and restart."""
    yield from _started_server()


def _started_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster, started, and removed when the generator closes."""
    from tests.integration.postgres import PostgresServer

    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def pools_given_back() -> Iterator[None]:
    """Fail the test when a PostgreSQL pool is still open at its end: a Tutor or records left
    open hold the server's connections. Ask for it before `make_tutor` (fixtures end in the
    reverse order they began), as `backend` and `usefixtures` do."""
    from tutor.storage.postgres import POOLS, redact

    before = set(POOLS._pools)
    yield
    leaked = {url: pool for url, pool in POOLS._pools.items() if url not in before}
    for pool in leaked.values():
        pool.close()  # or it would retry a dropped database for the rest of the run
    if leaked:
        pytest.fail(f"pools left open: {', '.join(map(redact, leaked))}", pytrace=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Where the test's state lives: SQLite under TUTOR_HOME, or a fresh PostgreSQL database
    as TUTOR_DATABASE_URL, whose pools must all be given back by the test's end."""
    if request.param == "postgresql":
        request.getfixturevalue("pools_given_back")
        monkeypatch.setenv("TUTOR_DATABASE_URL", request.getfixturevalue("database_url"))
    return str(request.param)


both_backends = pytest.mark.usefixtures("backend")
"""Run a test on SQLite and on PostgreSQL (`test_x[sqlite]`, `test_x[postgresql]`)."""
