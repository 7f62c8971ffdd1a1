"""Where conversations and learner memory live, and the one-turn-per-thread lock: SQLite
files and file locks under TUTOR_HOME for one person, or PostgreSQL (TUTOR_DATABASE_URL) for
a team, where any process on any machine may take any thread's next turn."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

from tutor.config import Settings
from tutor.errors import TutorError, unwritable
from tutor.storage.postgres import POOLS, advisory_lock, database_error

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.store.base import BaseStore
    from psycopg_pool import ConnectionPool

_SET_UP: set[tuple[str, str]] = set()
"""(URL, what) whose tables this process has already created or checked."""
_SET_UP_LOCK = threading.Lock()
SETUP_LOCK = "tutor:setup"
"""The advisory lock replicas starting at once take turns on while creating tables."""
SETUP_POLL = 0.05
"""Seconds between asks for the setup lock (see `advisory_lock`: it must not wait in the
server while another process builds an index concurrently)."""


def open_checkpointer(settings: Settings) -> BaseCheckpointSaver[Any]:
    """The checkpointer that keeps every conversation thread across restarts."""
    if settings.backend == "postgresql":
        from langgraph.checkpoint.postgres import PostgresSaver

        pool = _pool(settings)
        saver = PostgresSaver(pool)  # type: ignore[arg-type]
        set_up(settings, pool, "checkpoints", saver.setup)
        return saver
    from langgraph.checkpoint.sqlite import SqliteSaver

    try:
        settings.home.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(settings.threads_path, check_same_thread=False, timeout=30)
        sqlite_saver = SqliteSaver(conn)
        sqlite_saver.setup()
    except (OSError, sqlite3.Error) as exc:
        raise unwritable("conversations", settings.home, exc) from None
    return sqlite_saver


def open_store(settings: Settings) -> BaseStore:
    """The LangGraph Store that keeps learners' cards and profiles (created on first use)."""
    if settings.backend == "postgresql":
        from langgraph.store.postgres import PostgresStore

        pool = _pool(settings)
        store = PostgresStore(pool)  # type: ignore[arg-type]
        set_up(settings, pool, "store", store.setup)
        return store
    from langgraph.store.sqlite import SqliteStore

    try:
        settings.home.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            settings.memory_path, check_same_thread=False, timeout=30, isolation_level=None
        )
        conn.execute("PRAGMA journal_mode=WAL")
        sqlite_store = SqliteStore(conn)
        sqlite_store.setup()
    except (OSError, sqlite3.Error) as exc:
        raise unwritable("learner memory", settings.home, exc) from None
    return sqlite_store


def close_saved(holder: object) -> None:
    """Close what `open_checkpointer` or `open_store` opened: a SQLite connection, or this
    holder's share of the process's PostgreSQL pool."""
    conn = getattr(holder, "conn", None)
    if conn is None:
        return
    if type(conn).__name__ == "ConnectionPool":
        POOLS.give_back(conn)
    else:
        conn.close()


def thread_lock(settings: Settings, thread: str) -> AbstractContextManager[None]:
    """One turn at a time on a thread: a second turn waits for the first, in any process (and,
    with PostgreSQL, on any machine)."""
    if settings.backend == "postgresql":
        return _advisory_thread_lock(settings, thread)
    return _file_lock(settings, thread)


@contextmanager
def _advisory_thread_lock(settings: Settings, thread: str) -> Iterator[None]:
    pool = _pool(settings)
    try:
        with advisory_lock(pool, f"tutor:thread:{thread}"):
            yield
    finally:
        POOLS.give_back(pool)


@contextmanager
def _file_lock(settings: Settings, thread: str) -> Iterator[None]:
    import fcntl

    name = hashlib.sha256(thread.encode()).hexdigest()[:24]
    try:
        folder = settings.home / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / f"{name}.lock", "a")  # noqa: SIM115 - held for the whole turn
    except OSError as exc:
        raise unwritable("conversations", settings.home, exc) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def database_errors(settings: Settings, doing: str) -> Iterator[None]:
    """Turn a failure of the PostgreSQL server during the block (it went away, a connection
    broke, the pool waited in vain) into its one-line TutorError."""
    from tutor.storage.postgres import is_database_error

    try:
        yield
    except Exception as exc:
        if settings.backend != "postgresql" or not is_database_error(exc):
            raise
        raise database_error(exc, settings.database_url, doing) from None


def _pool(settings: Settings) -> ConnectionPool:
    return POOLS.take(settings.database_url, settings.database_pool)


def set_up(settings: Settings, pool: ConnectionPool, what: str, setup: Any) -> None:
    """Run `setup` (create or upgrade tables) once per process and database, one process at a
    time; a failure is the database's one-line error."""
    import psycopg

    key = (settings.database_url.strip(), what)
    with _SET_UP_LOCK:
        if key in _SET_UP:
            return
        try:
            with advisory_lock(pool, SETUP_LOCK, poll=SETUP_POLL):
                setup()
        except psycopg.Error as exc:
            raise database_error(
                exc, settings.database_url, f"creating its {what} tables"
            ) from None
        _SET_UP.add(key)


SCHEMA_VERSION = 1
"""The version of tutor's own tables (`tutor_*`); LangGraph's keep their own migrations."""
OLD_SCHEMA_HINT = (
    "these tables were made by another version of tutor or another program: point "
    "TUTOR_DATABASE_URL at a new database, or move the tutor_* tables aside"
)


def ensure_schema(
    settings: Settings,
    pool: ConnectionPool,
    part: str,
    ddl: str,
    checks: tuple[str, ...],
) -> None:
    """Create tutor's own tables of `part` (once per process), and refuse, with one line,
    tables of another version: a newer version number, or columns that are not there."""
    import psycopg

    def setup() -> None:
        with pool.connection() as conn:
            conn.execute(ddl.encode(), prepare=False)
            row = conn.execute(
                "SELECT version FROM tutor_schema WHERE part = %s", (part,)
            ).fetchone()
            found = int(dict(row)["version"]) if row is not None else None
            if found is not None and found != SCHEMA_VERSION:
                raise TutorError(
                    f"the database's {part} tables are schema {found}; this tutor knows "
                    f"{SCHEMA_VERSION}",
                    OLD_SCHEMA_HINT,
                )
            for check in checks:
                try:
                    conn.execute(check.encode())
                except psycopg.errors.UndefinedColumn as exc:
                    raise TutorError(
                        f"the database's {part} tables have an old schema: {exc}".split("\n")[0],
                        OLD_SCHEMA_HINT,
                    ) from None
            if found is None:
                conn.execute(
                    "INSERT INTO tutor_schema (part, version) VALUES (%s, %s) "
                    "ON CONFLICT (part) DO NOTHING",
                    (part, SCHEMA_VERSION),
                )

    set_up(settings, pool, part, setup)
