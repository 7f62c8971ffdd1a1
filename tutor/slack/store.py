"""What the Slack bot remembers across restarts: the deliveries it has already taken (so
Slack's retries never get a second answer) and, per tutor thread, who started it, whether
others joined, and whom it waits for; and each person's `/tutor remind` (in
`tutor.slack.reminder_store`). In SQLite under TUTOR_HOME for one bot process, or in
PostgreSQL (TUTOR_DATABASE_URL) shared by every replica, with the rate limit's count too."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tutor.slack.reminder_store import (
    PG_CHECK,
    SQLITE_SCHEMA,
    PostgresReminders,
    ReminderRecords,
    SqliteReminders,
)
from tutor.slack.reminder_store import PG_SCHEMA as PG_REMINDERS
from tutor.storage import open_sqlite

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

    from tutor.config import Settings

KEEP_SECONDS = 3 * 24 * 3600
"""How long a delivery is remembered (Slack retries for minutes, not days)."""
SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS threads (
    thread TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    shared INTEGER NOT NULL DEFAULT 0,
    waiting_for TEXT,
    waiting_kind TEXT
);
"""
# Tables are added with CREATE TABLE IF NOT EXISTS (the reminders' too): an older file or
# database gains them on the next start, and nothing an older bot reads changes, so the
# schema version stays.


@dataclass(frozen=True)
class ThreadInfo:
    """A tutor thread as Slack sees it."""

    owner: str
    """The Slack user who started it."""
    shared: bool
    """Whether someone else has spoken in it since."""
    waiting_for: str | None
    """The user whose reply the tutor waits for, if any."""
    waiting_kind: str | None
    """What for: `quiz_answer`, `rating` or `confirm_code`."""


class BotRecords(Protocol):
    """What the bot keeps, on either backend."""

    reminders: ReminderRecords

    def first_time(self, key: str) -> bool: ...
    def finished(self, key: str) -> None: ...
    def forget(self, key: str) -> None: ...
    def thread(self, thread: str) -> ThreadInfo | None: ...
    def note_turn(self, thread: str, user: str, waiting: str | None) -> None: ...
    def note_voice(self, thread: str, user: str) -> None: ...
    def forget_user(self, user: str) -> int: ...
    def close(self) -> None: ...


def open_bot_records(settings: Settings) -> BotRecords:
    """The bot's records: SQLite under TUTOR_HOME, or PostgreSQL with TUTOR_DATABASE_URL."""
    if settings.backend == "postgresql":
        return PostgresSlackStore(settings)
    return SlackStore(settings.home / "slack.sqlite")


class SlackStore:
    """Deliveries taken and threads known; safe to share between threads and processes."""

    def __init__(self, path: Path) -> None:
        self.db = open_sqlite(path, SCHEMA + SQLITE_SCHEMA, "the Slack bot's records")
        self.db.execute("DELETE FROM seen WHERE at < ?", (time.time() - KEEP_SECONDS,))
        self._lock = threading.Lock()
        self.reminders: ReminderRecords = SqliteReminders(self.db, self._lock)

    def first_time(self, key: str) -> bool:
        """Record a delivery; True only the first time `key` is seen, by any process."""
        with self._lock:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO seen (key, at) VALUES (?, ?)", (key, time.time())
            )
            return cursor.rowcount == 1

    def finished(self, key: str) -> None:
        """The delivery was answered (one process: nothing else could take it over)."""

    def forget(self, key: str) -> None:
        """Let a delivery be taken again (it was refused before anything happened)."""
        with self._lock:
            self.db.execute("DELETE FROM seen WHERE key = ?", (key,))

    def thread(self, thread: str) -> ThreadInfo | None:
        """What is known about a tutor thread, if the bot ever answered in it."""
        with self._lock:
            row = self.db.execute(
                "SELECT owner, shared, waiting_for, waiting_kind FROM threads WHERE thread = ?",
                (thread,),
            ).fetchone()
        return ThreadInfo(row[0], bool(row[1]), row[2], row[3]) if row else None

    def note_turn(self, thread: str, user: str, waiting: str | None) -> None:
        """After `user`'s turn in a thread: what the tutor now waits for from them, if any."""
        with self._lock:
            self.db.execute(
                "INSERT INTO threads (thread, owner, waiting_for, waiting_kind) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(thread) DO UPDATE SET "
                "shared = shared OR owner != excluded.owner, "
                "waiting_for = excluded.waiting_for, waiting_kind = excluded.waiting_kind",
                (thread, user, user if waiting else None, waiting),
            )

    def note_voice(self, thread: str, user: str) -> None:
        """Someone spoke in a thread without mentioning the bot: another voice makes it shared."""
        with self._lock:
            self.db.execute(
                "UPDATE threads SET shared = 1 WHERE thread = ? AND owner != ?", (thread, user)
            )

    def forget_user(self, user: str) -> int:
        """Forget the threads a Slack user started, and their reminder (`tutor forget`); how
        many threads there were."""
        self.reminders.forget_user(user)
        with self._lock:
            return self.db.execute("DELETE FROM threads WHERE owner = ?", (user,)).rowcount

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self.db.close()


PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS tutor_schema (part TEXT PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tutor_slack_seen (
    key TEXT PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    holder TEXT NOT NULL,
    done BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE IF NOT EXISTS tutor_slack_threads (
    thread TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    shared BOOLEAN NOT NULL DEFAULT FALSE,
    waiting_for TEXT,
    waiting_kind TEXT
);
CREATE TABLE IF NOT EXISTS tutor_slack_starts (
    id BIGSERIAL PRIMARY KEY,
    slack_user TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS tutor_slack_starts_user ON tutor_slack_starts (slack_user, at);
"""
SCHEMA_CHECK = (
    "SELECT key, at, holder, done FROM tutor_slack_seen LIMIT 0",
    "SELECT thread, owner, shared, waiting_for, waiting_kind FROM tutor_slack_threads LIMIT 0",
    "SELECT slack_user, at FROM tutor_slack_starts LIMIT 0",
    PG_CHECK,
)
NOW = "extract(epoch from clock_timestamp())"
"""The server's clock: replicas on several machines count time the same way."""


class PostgresSlackStore:
    """The bot's records in PostgreSQL, shared by every replica: a retry delivered to another
    replica is recognised, and the rate limit counts a user's turns on all of them.

    A delivery is taken by a replica (its holder) until it is answered. Each replica holds an
    advisory lock for its whole life, so when it dies its lock is free: a retry of a delivery
    it took and never answered is then taken over by whichever replica gets it."""

    def __init__(self, settings: Settings) -> None:
        import uuid

        import psycopg

        from tutor.storage.postgres import POOLS, lock_key
        from tutor.storage.state import ensure_schema

        self.holder = uuid.uuid4().hex
        self.pool: ConnectionPool = POOLS.take(settings.database_url, settings.database_pool)
        self.reminders: ReminderRecords = PostgresReminders(self.pool)
        try:
            ensure_schema(settings, self.pool, "slack", PG_SCHEMA + PG_REMINDERS, SCHEMA_CHECK)
            self._one(f"DELETE FROM tutor_slack_seen WHERE at < {NOW} - %s", (KEEP_SECONDS,))
            # Held by this connection until the process ends (or closes the store).
            self._alive = psycopg.connect(settings.database_url.strip(), autocommit=True)
            self._alive.execute("SELECT pg_advisory_lock(%s)", (lock_key(self._life),))
        except BaseException:
            POOLS.give_back(self.pool)
            raise

    @property
    def _life(self) -> str:
        return f"tutor:replica:{self.holder}"

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> tuple[int, dict[str, Any] | None]:
        """Run one statement: rows it touched, and its first row if it returned any."""
        with self.pool.connection() as conn:
            cursor = conn.execute(sql.encode(), args)
            row = cursor.fetchone() if cursor.description else None
            return cursor.rowcount, row  # type: ignore[return-value]

    def first_time(self, key: str) -> bool:
        """Record a delivery; True the first time `key` is seen, by any replica, and for a
        retry of one whose replica died before answering it (taken over by this one)."""
        touched, _ = self._one(
            f"INSERT INTO tutor_slack_seen (key, at, holder) VALUES (%s, {NOW}, %s) "
            "ON CONFLICT DO NOTHING",
            (key, self.holder),
        )
        return touched == 1 or self._take_over(key)

    def _take_over(self, key: str) -> bool:
        """Take a delivery that is not answered and whose holder's life lock is free."""
        from tutor.storage.postgres import lock_key

        _, row = self._one(
            "SELECT holder FROM tutor_slack_seen WHERE key = %s AND NOT done AND holder <> %s",
            (key, self.holder),
        )
        if row is None:
            return False
        before = str(row["holder"])
        with self.pool.connection() as conn:
            life = lock_key(f"tutor:replica:{before}")
            got: Any = conn.execute("SELECT pg_try_advisory_lock(%s) AS got", (life,)).fetchone()
            if not got["got"]:
                return False  # its replica is alive and still on it
            conn.execute("SELECT pg_advisory_unlock(%s)", (life,))
            cursor = conn.execute(
                f"UPDATE tutor_slack_seen SET holder = %s, at = {NOW} "
                "WHERE key = %s AND holder = %s AND NOT done",
                (self.holder, key, before),
            )
            return cursor.rowcount == 1

    def finished(self, key: str) -> None:
        """The delivery was answered: no retry of it is taken again, by any replica."""
        self._one("UPDATE tutor_slack_seen SET done = TRUE WHERE key = %s", (key,))

    def forget(self, key: str) -> None:
        """Let a delivery be taken again (it was refused before anything happened)."""
        self._one("DELETE FROM tutor_slack_seen WHERE key = %s", (key,))

    def thread(self, thread: str) -> ThreadInfo | None:
        """What is known about a tutor thread, if the bot ever answered in it."""
        _, row = self._one(
            "SELECT owner, shared, waiting_for, waiting_kind FROM tutor_slack_threads "
            "WHERE thread = %s",
            (thread,),
        )
        if row is None:
            return None
        return ThreadInfo(
            row["owner"], bool(row["shared"]), row["waiting_for"], row["waiting_kind"]
        )

    def note_turn(self, thread: str, user: str, waiting: str | None) -> None:
        """After `user`'s turn in a thread: what the tutor now waits for from them, if any."""
        self._one(
            "INSERT INTO tutor_slack_threads (thread, owner, waiting_for, waiting_kind) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (thread) DO UPDATE SET "
            "shared = tutor_slack_threads.shared OR tutor_slack_threads.owner != excluded.owner, "
            "waiting_for = excluded.waiting_for, waiting_kind = excluded.waiting_kind",
            (thread, user, user if waiting else None, waiting),
        )

    def note_voice(self, thread: str, user: str) -> None:
        """Someone spoke in a thread without mentioning the bot: another voice makes it shared."""
        self._one(
            "UPDATE tutor_slack_threads SET shared = TRUE WHERE thread = %s AND owner != %s",
            (thread, user),
        )

    def forget_user(self, user: str) -> int:
        """Forget the threads a Slack user started, and their reminder (`tutor forget`); how
        many threads there were."""
        self.reminders.forget_user(user)
        touched, _ = self._one("DELETE FROM tutor_slack_threads WHERE owner = %s", (user,))
        return touched

    def wait_needed(self, user: str, per_minute: int, window: float = 60.0) -> float:
        """0 when `user` may start a turn now (and it is counted, for every replica), else
        the seconds to wait; one replica at a time per user."""
        from tutor.storage.postgres import lock_key

        if per_minute <= 0:
            return 0.0
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(f"tutor:rate:{user}"),))
            conn.execute(
                f"DELETE FROM tutor_slack_starts WHERE slack_user = %s AND at <= {NOW} - %s",
                (user, window),
            )
            row: Any = conn.execute(
                f"SELECT COUNT(*) AS n, MIN(at) AS first, {NOW} AS now FROM tutor_slack_starts "
                "WHERE slack_user = %s",
                (user,),
            ).fetchone()
            if int(row["n"]) >= per_minute:
                return max(0.1, float(row["first"]) + window - float(row["now"]))
            conn.execute(
                f"INSERT INTO tutor_slack_starts (slack_user, at) VALUES (%s, {NOW})", (user,)
            )
            return 0.0

    def close(self) -> None:
        """Give back this holder's share of the pool, and its life lock."""
        from tutor.storage.postgres import POOLS

        self._alive.close()
        POOLS.give_back(self.pool)
