"""What the Slack bot remembers across restarts, in SQLite under TUTOR_HOME: the deliveries it
has already taken (so Slack's retries never get a second answer) and, per tutor thread, who
started it, whether others joined, and whom it waits for."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tutor.storage import open_sqlite

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


class SlackStore:
    """Deliveries taken and threads known; safe to share between threads and processes."""

    def __init__(self, path: Path) -> None:
        self.db = open_sqlite(path, SCHEMA, "the Slack bot's records")
        self.db.execute("DELETE FROM seen WHERE at < ?", (time.time() - KEEP_SECONDS,))
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        """Record a delivery; True only the first time `key` is seen, by any process."""
        with self._lock:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO seen (key, at) VALUES (?, ?)", (key, time.time())
            )
            return cursor.rowcount == 1

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

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self.db.close()
