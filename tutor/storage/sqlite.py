"""The small SQLite files under TUTOR_HOME, opened one way."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tutor.errors import unwritable


def open_sqlite(path: Path, schema: str, what: str) -> sqlite3.Connection:
    """`path` with `schema` applied: autocommit (callers open their own transactions), WAL,
    shareable between threads (LangGraph's workers, the Slack bot's). An unwritable home
    becomes the TutorError naming `what` is kept there."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(schema)
    except (OSError, sqlite3.Error) as exc:
        raise unwritable(what, path.parent, exc) from None
    return db
