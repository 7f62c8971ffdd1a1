"""The PostgreSQL fixtures: a real server with password auth, a database per test, and a
server of a test's own that it can stop and start again."""

from __future__ import annotations

import psycopg
import pytest

from tests.integration.postgres import PostgresServer

pytestmark = pytest.mark.integration


def test_password_url_connects_and_a_wrong_password_is_refused(
    pg_server: PostgresServer,
) -> None:
    with psycopg.connect(pg_server.url()) as conn:
        row = conn.execute("SELECT current_user, current_database()").fetchone()
    assert row == ("tutor", "tutor")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(pg_server.url(password="wrong"))


@pytest.mark.parametrize("run", [1, 2])
def test_each_database_url_is_a_fresh_database_of_its_own(database_url: str, run: int) -> None:
    """Both runs find no table and make one: a shared database would fail the second."""
    assert database_url.rsplit("/", 1)[1].startswith("test_")
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT to_regclass('notes')").fetchone() == (None,)
        conn.execute("CREATE TABLE notes (body text)")
        conn.execute("INSERT INTO notes VALUES (%s)", (f"run {run}",))


def test_own_server_stops_and_restarts_on_the_same_port_with_its_data(
    own_pg_server: PostgresServer,
) -> None:
    url = own_pg_server.url()
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE kept (n int)")
        conn.execute("INSERT INTO kept VALUES (42)")

    own_pg_server.stop()
    assert not own_pg_server.running
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=5)

    own_pg_server.restart()
    assert own_pg_server.running
    assert own_pg_server.url() == url
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT n FROM kept").fetchall() == [(42,)]
