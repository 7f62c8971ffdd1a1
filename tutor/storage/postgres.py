"""PostgreSQL for a team (TUTOR_DATABASE_URL): one connection pool per process and URL, the
per-thread turn lock as an advisory lock, and the errors a user can act on, with the URL's
password never shown."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tutor.errors import FAILED, TutorError

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

CONNECT_SECONDS = 5.0
"""How long opening a connection may take before the database counts as unreachable."""
WAIT_SECONDS = 10.0
"""How long a turn waits for a free connection of the pool (or for the server to return)."""
SCHEMES = ("postgresql", "postgres")
URL_HINT = "write it as postgresql://USER:PASSWORD@HOST:5432/DATABASE"
PASSWORD_HINT = "check the user and password in TUTOR_DATABASE_URL"
REACH_HINT = "start PostgreSQL, or fix the host and port in TUTOR_DATABASE_URL"
LOST_HINT = "send the message again when the database is back; nothing of this turn was kept"
QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*")
"""libpq also takes the password as a parameter: `postgresql://db/tutor?password=...`."""


def redact(url: str) -> str:
    """`url` with its password, after the user or as `?password=`, replaced by `***` (for
    messages, doctor and traces); the rest as written (an IPv6 host, several hosts)."""
    url = url.strip()
    try:
        userinfo = urlsplit(url).netloc.rpartition("@")[0]
    except ValueError:
        return "(an unreadable URL)"
    if ":" in userinfo:
        user = userinfo.partition(":")[0]
        url = url.replace(f"//{userinfo}@", f"//{user}:***@", 1)
    return QUERY_PASSWORD.sub(r"\1***", url)


def check_url(url: str) -> str:
    """The URL stripped, or the TutorError saying what is wrong with it."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        raise TutorError("TUTOR_DATABASE_URL is not a URL", URL_HINT) from None
    if parts.scheme not in SCHEMES or not parts.hostname and "host=" not in parts.query:
        raise TutorError(f"TUTOR_DATABASE_URL is not a PostgreSQL URL: {redact(url)}", URL_HINT)
    return url


def reason(exc: BaseException, url: str = "") -> tuple[str, str]:
    """What went wrong with the database, in one line, and what to do about it."""
    from psycopg_pool import PoolTimeout

    if isinstance(exc, PoolTimeout):
        # The pool lends only connections that answer, so a server gone away mid-run shows
        # here, as no connection within the wait (as does a pool with every one busy).
        return f"did not answer within {WAIT_SECONDS:.0f} s", LOST_HINT
    text = " ".join(str(exc).split()) or type(exc).__name__
    password = urlsplit(url).password if url else None
    if password:
        text = text.replace(password, "***")
    lowered = text.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return "refused the user or password", PASSWORD_HINT
    if "database" in lowered and "does not exist" in lowered:
        name = urlsplit(url).path.lstrip("/") or "DATABASE"
        return "has no such database", f"create it (createdb {name}) or fix TUTOR_DATABASE_URL"
    if "refused" in lowered or "could not translate host" in lowered or "timeout" in lowered:
        return "cannot be reached", REACH_HINT
    if "terminat" in lowered or "closed" in lowered or "shutting down" in lowered:
        return "went away", LOST_HINT
    # The server's own words, but shortened: libpq repeats the address on every line.
    return f"failed: {text[:200]}", REACH_HINT


def database_error(exc: BaseException, url: str, doing: str = "") -> TutorError:
    """The one-line error for a failure of the database at `url` (password hidden); from
    now on each pooled connection is checked before it is lent."""
    suspect_connections()
    what, hint = reason(exc, url)
    during = f" while {doing}" if doing else ""
    return TutorError(f"the database {redact(url)} {what}{during}", hint, exit_code=FAILED)


def is_database_error(exc: BaseException) -> bool:
    """Whether `exc` is psycopg's or its pool's (the server went away, a connection broke)."""
    module = type(exc).__module__
    return module.startswith(("psycopg.", "psycopg_pool")) or module == "psycopg"


class _Pools:
    """The process's connection pools, one per URL, shared by everything that opens the
    database and closed when the last of them is closed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pools: dict[str, ConnectionPool] = {}
        self._users: dict[str, int] = {}

    def take(self, url: str, size: int) -> ConnectionPool:
        """The pool for `url` (opened on first use, after one direct connection that says
        clearly why the server cannot be used, if it cannot)."""
        url = check_url(url)
        with self._lock:
            pool = self._pools.get(url)
            if pool is None or pool.closed:
                pool = self._pools[url] = _open_pool(url, size)
                self._users[url] = 0
            self._users[url] += 1
            return pool

    def give_back(self, pool: ConnectionPool) -> None:
        """One user of `pool` is done with it; the last one closes it."""
        with self._lock:
            for url, known in list(self._pools.items()):
                if known is pool:
                    self._users[url] -= 1
                    if self._users[url] <= 0:
                        del self._pools[url], self._users[url]
                        pool.close()
                    return


POOLS = _Pools()


def _open_pool(url: str, size: int) -> ConnectionPool:
    import psycopg
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool

    # The pool warns on every failed reconnection while a server is away; a turn that needs
    # the database says so once, as its own error, so those lines would only repeat it.
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    try:
        psycopg.connect(url, connect_timeout=int(CONNECT_SECONDS)).close()
    except psycopg.Error as exc:
        raise database_error(exc, url) from None
    # The settings LangGraph's PostgresSaver and PostgresStore need; each connection is
    # checked when it is lent, so a server restarted between turns is simply reconnected.
    return ConnectionPool(
        url,
        min_size=1,
        max_size=size,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        check=_check_when_idle,
        reset=_note_returned,
        timeout=WAIT_SECONDS,
        name="tutor",
        open=True,
    )


CHECK_AFTER_IDLE = 1.0
"""Seconds a pooled connection may rest before it is checked when lent again."""
_returned: dict[int, float] = {}
"""When each pooled connection was last given back (by id)."""
_suspect_since = 0.0
"""When the database last failed: connections given back before then are checked."""


def _note_returned(conn: Any) -> None:
    """The pool's reset hook: remember when the connection came back."""
    _returned[id(conn)] = time.monotonic()


def _check_when_idle(conn: Any) -> None:
    """The pool's check hook: a connection that rested for a while (the server may have gone
    and come back since) is checked before it is lent; one given back a moment ago, within
    the same turn, is not, which saves a round trip per statement."""
    from psycopg_pool import ConnectionPool

    returned = _returned.get(id(conn), 0.0)
    if returned <= _suspect_since or time.monotonic() - returned > CHECK_AFTER_IDLE:
        ConnectionPool.check_connection(conn)


def suspect_connections() -> None:
    """After a failure of the database: check every pooled connection before it is lent
    again, however recently it was used (the server may have restarted in between)."""
    global _suspect_since
    _suspect_since = time.monotonic()


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (PostgreSQL's advisory locks take bigints)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory_lock(pool: ConnectionPool, name: str, poll: float | None = None) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock `name` for the block, across processes and machines.
    It lives in the holding connection's session: a process killed while holding it lets go
    of it when the server sees the connection close.

    With `poll`, ask for it every `poll` seconds instead of waiting inside the server: a
    waiting `pg_advisory_lock` is an open statement, and `CREATE INDEX CONCURRENTLY` (which
    LangGraph's setup runs) waits for every open statement to end, so two processes setting
    up one database at once would wait on each other forever, unseen by PostgreSQL's
    deadlock check."""
    import psycopg

    key = lock_key(name)
    with pool.connection() as conn:
        if poll is None:
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        else:
            while not _got(conn.execute("SELECT pg_try_advisory_lock(%s) AS got", (key,))):
                time.sleep(poll)
        try:
            yield
        finally:
            try:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            except psycopg.Error:
                pass  # the session is gone, and its locks with it


def _got(cursor: Any) -> bool:
    row = cursor.fetchone()
    return bool(row["got"] if isinstance(row, dict) else row[0])


def server_version(pool: ConnectionPool) -> str:
    """The server's version, as `SHOW server_version` gives it."""
    with pool.connection() as conn:
        row: Any = conn.execute("SHOW server_version").fetchone()
    return str(row["server_version"]).split()[0]
