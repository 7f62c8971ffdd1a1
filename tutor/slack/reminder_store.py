"""Where `/tutor remind` is kept: per Slack user, the time of day, the time zone it is read
in, and the local date of the last reminder, in the bot's SQLite file or in PostgreSQL.

A reminder is claimed for a local date before it is sent (an UPDATE that only one process
can win), so replicas sharing PostgreSQL send it once, and a restart never sends it again."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS reminders (
    team TEXT NOT NULL,
    slack_user TEXT NOT NULL,
    at TEXT NOT NULL,
    tz TEXT NOT NULL,
    last_sent TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (team, slack_user)
);
"""
PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS tutor_slack_reminders (
    team TEXT NOT NULL,
    slack_user TEXT NOT NULL,
    at TEXT NOT NULL,
    tz TEXT NOT NULL,
    last_sent TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (team, slack_user)
);
"""
PG_CHECK = "SELECT team, slack_user, at, tz, last_sent FROM tutor_slack_reminders LIMIT 0"


@dataclass(frozen=True)
class Reminder:
    """One user's daily reminder."""

    team: str
    user: str
    at: str
    """The local time of day, `HH:MM` (24-hour)."""
    tz: str
    """An IANA zone (`Europe/Paris`), a fixed offset (`UTC+05:30`) or `UTC`."""
    last_sent: str
    """The local date (ISO) it was last claimed for; empty before the first."""


class ReminderRecords(Protocol):
    """The reminders, on either backend. Dates are ISO strings, so `<` orders them."""

    def put(self, reminder: Reminder) -> None: ...
    def get(self, team: str, user: str) -> Reminder | None: ...
    def remove(self, team: str, user: str) -> bool: ...
    def every(self) -> list[Reminder]: ...
    def move_zone(self, team: str, user: str, tz: str) -> None: ...
    def claim(self, team: str, user: str, day: str) -> bool: ...
    def release(self, team: str, user: str, day: str, before: str) -> None: ...
    def forget_user(self, user: str) -> int: ...


COLUMNS = "team, slack_user, at, tz, last_sent"


class SqliteReminders:
    """Reminders in the bot's SQLite file (one process)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock) -> None:
        self.db, self._lock = db, lock

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self.db.execute(sql, args)

    def put(self, reminder: Reminder) -> None:
        """Set (or replace) a user's reminder."""
        self._run(
            f"INSERT OR REPLACE INTO reminders ({COLUMNS}) VALUES (?, ?, ?, ?, ?)",
            (reminder.team, reminder.user, reminder.at, reminder.tz, reminder.last_sent),
        )

    def get(self, team: str, user: str) -> Reminder | None:
        """A user's reminder, if they set one."""
        with self._lock:
            row = self.db.execute(
                f"SELECT {COLUMNS} FROM reminders WHERE team = ? AND slack_user = ?", (team, user)
            ).fetchone()
        return Reminder(*row) if row else None

    def remove(self, team: str, user: str) -> bool:
        """Turn a user's reminder off; whether there was one."""
        cursor = self._run("DELETE FROM reminders WHERE team = ? AND slack_user = ?", (team, user))
        return cursor.rowcount > 0

    def every(self) -> list[Reminder]:
        """All reminders."""
        with self._lock:
            rows = self.db.execute(f"SELECT {COLUMNS} FROM reminders").fetchall()
        return [Reminder(*row) for row in rows]

    def move_zone(self, team: str, user: str, tz: str) -> None:
        """The user's time zone changed in Slack (they travelled, or set it)."""
        self._run("UPDATE reminders SET tz = ? WHERE team = ? AND slack_user = ?", (tz, team, user))

    def claim(self, team: str, user: str, day: str) -> bool:
        """Take the reminder of local date `day`: True for the one caller that may send it."""
        cursor = self._run(
            "UPDATE reminders SET last_sent = ? WHERE team = ? AND slack_user = ? "
            "AND last_sent < ?",
            (day, team, user, day),
        )
        return cursor.rowcount == 1

    def release(self, team: str, user: str, day: str, before: str) -> None:
        """Give back a claim whose message could not be sent, so a later tick tries again."""
        self._run(
            "UPDATE reminders SET last_sent = ? WHERE team = ? AND slack_user = ? "
            "AND last_sent = ?",
            (before, team, user, day),
        )

    def forget_user(self, user: str) -> int:
        """Drop a Slack user's reminder (`tutor forget`)."""
        return self._run("DELETE FROM reminders WHERE slack_user = ?", (user,)).rowcount


class PostgresReminders:
    """Reminders in PostgreSQL, shared by every replica."""

    def __init__(self, pool: ConnectionPool) -> None:
        self.pool = pool

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> tuple[int, list[dict[str, Any]]]:
        with self.pool.connection() as conn:
            cursor = conn.execute(sql.encode(), args)
            rows = cursor.fetchall() if cursor.description else []
            return cursor.rowcount, rows  # type: ignore[return-value]

    def put(self, reminder: Reminder) -> None:
        """Set (or replace) a user's reminder."""
        self._rows(
            f"INSERT INTO tutor_slack_reminders ({COLUMNS}) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (team, slack_user) DO UPDATE SET at = excluded.at, tz = excluded.tz, "
            "last_sent = excluded.last_sent",
            (reminder.team, reminder.user, reminder.at, reminder.tz, reminder.last_sent),
        )

    def get(self, team: str, user: str) -> Reminder | None:
        """A user's reminder, if they set one."""
        _, rows = self._rows(
            f"SELECT {COLUMNS} FROM tutor_slack_reminders WHERE team = %s AND slack_user = %s",
            (team, user),
        )
        return _reminder(rows[0]) if rows else None

    def remove(self, team: str, user: str) -> bool:
        """Turn a user's reminder off; whether there was one."""
        touched, _ = self._rows(
            "DELETE FROM tutor_slack_reminders WHERE team = %s AND slack_user = %s", (team, user)
        )
        return touched > 0

    def every(self) -> list[Reminder]:
        """All reminders."""
        _, rows = self._rows(f"SELECT {COLUMNS} FROM tutor_slack_reminders")
        return [_reminder(row) for row in rows]

    def move_zone(self, team: str, user: str, tz: str) -> None:
        """The user's time zone changed in Slack (they travelled, or set it)."""
        self._rows(
            "UPDATE tutor_slack_reminders SET tz = %s WHERE team = %s AND slack_user = %s",
            (tz, team, user),
        )

    def claim(self, team: str, user: str, day: str) -> bool:
        """Take the reminder of local date `day`: True for the one replica that may send it
        (the row lock makes a second UPDATE wait, then find the date already taken)."""
        _, rows = self._rows(
            "UPDATE tutor_slack_reminders SET last_sent = %s "
            "WHERE team = %s AND slack_user = %s AND last_sent < %s RETURNING slack_user",
            (day, team, user, day),
        )
        return len(rows) == 1

    def release(self, team: str, user: str, day: str, before: str) -> None:
        """Give back a claim whose message could not be sent, so a later tick tries again."""
        self._rows(
            "UPDATE tutor_slack_reminders SET last_sent = %s "
            "WHERE team = %s AND slack_user = %s AND last_sent = %s",
            (before, team, user, day),
        )

    def forget_user(self, user: str) -> int:
        """Drop a Slack user's reminder (`tutor forget`)."""
        touched, _ = self._rows("DELETE FROM tutor_slack_reminders WHERE slack_user = %s", (user,))
        return touched


def _reminder(row: dict[str, Any]) -> Reminder:
    return Reminder(row["team"], row["slack_user"], row["at"], row["tz"], row["last_sent"])
