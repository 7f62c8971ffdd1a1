"""Fixtures for the integration tier: a real PostgreSQL server (see postgres.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.integration.postgres import PostgresServer


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run, removed at its end; tests must not stop it
    (use `own_pg_server` for that)."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def database_url(pg_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database on `pg_server`, for this test alone (dropped after
    it, with any connections the test left open)."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    url = pg_server.create_database(name)
    yield url
    if pg_server.running:
        pg_server.drop_database(name)


@pytest.fixture
def own_pg_server() -> Iterator[PostgresServer]:
    """A started PostgreSQL server of this test's own, which it may stop and restart."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.cleanup()
