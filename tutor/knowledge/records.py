"""What was ingested from which file: the record that makes ingest incremental and resumable.

Before touching the index for a file, its new chunk ids are written here as
`pending`; only after Chroma holds them is the file's hash committed. A killed
ingest therefore leaves either the old record (redone next time) or the new one,
and the ids it may have half-written are known and cleaned up.

The same file holds the question bank: quiz questions per chunk, written by the rules at
ingest or by the model when first asked. They live and die with their chunk.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.storage import open_sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    source TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    chunk_ids TEXT NOT NULL,
    pending_ids TEXT NOT NULL DEFAULT '[]',
    indexed_at REAL NOT NULL,
    pipeline TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    chunk_id TEXT NOT NULL,
    qid TEXT NOT NULL,
    by TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (chunk_id, qid)
);
"""


@dataclass
class FileRecord:
    """One ingested file: its hash when last indexed and the chunk ids it owns."""

    source: str
    file: str
    file_hash: str
    chunk_ids: list[str]
    pending_ids: list[str]
    indexed_at: float
    pipeline: str

    @property
    def complete(self) -> bool:
        """True when the last ingest of this file finished."""
        return not self.pending_ids

    def up_to_date(self, file_hash: str, pipeline: str) -> bool:
        """True when this file, with this content, was fully indexed by this pipeline."""
        return self.complete and (self.file_hash, self.pipeline) == (file_hash, pipeline)


class Records:
    """The ingest record in a small SQLite file under TUTOR_HOME."""

    def __init__(self, path: Path) -> None:
        self.db = open_sqlite(path, SCHEMA, "the index")
        # Write transactions take turns between threads (Slack turns run in parallel on
        # this one connection); re-entrant, since transactions nest.
        self._writing = threading.RLock()

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def get(self, source: str) -> FileRecord | None:
        """The record of one file, if it was ever ingested."""
        row = self.db.execute("SELECT * FROM files WHERE source = ?", (source,)).fetchone()
        return _record(row) if row else None

    def all(self) -> list[FileRecord]:
        """Every file record."""
        return [_record(r) for r in self.db.execute("SELECT * FROM files ORDER BY file")]

    def begin(self, source: str, file: str, pending: list[str]) -> None:
        """Note the ids about to be written for a file, before writing them."""
        with self.db:
            self.db.execute(
                "INSERT INTO files (source, file, file_hash, chunk_ids, pending_ids, indexed_at) "
                "VALUES (?, ?, '', '[]', ?, 0) "
                "ON CONFLICT(source) DO UPDATE SET pending_ids = excluded.pending_ids",
                (source, file, json.dumps(pending)),
            )

    def commit(
        self, source: str, file: str, file_hash: str, chunk_ids: list[str], pipeline: str
    ) -> None:
        """Record a file as fully indexed with these chunk ids, by this version of the pipeline."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, '[]', ?, ?)",
                (source, file, file_hash, json.dumps(chunk_ids), time.time(), pipeline),
            )

    def forget(self, source: str) -> None:
        """Drop a removed file's record and the questions of its chunks."""
        with self._transaction():
            record = self.get(source)
            if record:
                self._delete_questions(record.chunk_ids + record.pending_ids)
            self.db.execute("DELETE FROM files WHERE source = ?", (source,))

    def clear(self) -> None:
        """Forget everything (the index is being rebuilt)."""
        with self._transaction():
            self.db.execute("DELETE FROM files")
            self.db.execute("DELETE FROM questions")

    def chunk_files(self) -> dict[str, str]:
        """Every indexed chunk id and the file it belongs to, as the index displays it."""
        # A record whose re-ingest was cut short still owns its committed chunks.
        rows = self.db.execute(
            "SELECT chunk.value, files.file FROM files, json_each(files.chunk_ids) AS chunk"
        )
        return {str(cid): str(file) for cid, file in rows}

    def put_questions(self, chunk_id: str, by: str, questions: list[dict[str, Any]]) -> None:
        """Replace the questions `by` ("rules" or "model") wrote for one chunk; each has a `qid`."""
        with self._transaction():
            self.db.execute("DELETE FROM questions WHERE chunk_id = ? AND by = ?", (chunk_id, by))
            self.db.executemany(
                "INSERT OR REPLACE INTO questions VALUES (?, ?, ?, ?)",
                [(chunk_id, str(q["qid"]), by, json.dumps(q)) for q in questions],
            )

    def questions_for(
        self, chunk_ids: Sequence[str], by: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """The stored questions of these chunks (all authors when `by` is None), in write order."""
        out: dict[str, list[dict[str, Any]]] = {}
        for part in _batches(list(dict.fromkeys(chunk_ids))):
            marks = ",".join("?" * len(part))
            sql = f"SELECT chunk_id, data FROM questions WHERE chunk_id IN ({marks})"
            args: list[str] = list(part)
            if by is not None:
                sql += " AND by = ?"
                args.append(by)
            for chunk_id, data in self.db.execute(sql + " ORDER BY rowid", args):
                out.setdefault(str(chunk_id), []).append(json.loads(data))
        return out

    def drop_questions(self, chunk_ids: Sequence[str]) -> None:
        """Drop every question of these chunks (they left the index)."""
        with self._transaction():
            self._delete_questions(chunk_ids)

    def question_count(self, by: str | None = None) -> int:
        """How many questions the bank holds (of one author, or all)."""
        if by is None:
            row = self.db.execute("SELECT COUNT(*) FROM questions").fetchone()
        else:
            row = self.db.execute("SELECT COUNT(*) FROM questions WHERE by = ?", (by,)).fetchone()
        return int(row[0])

    def _delete_questions(self, chunk_ids: Sequence[str]) -> None:
        for part in _batches(list(chunk_ids)):
            marks = ",".join("?" * len(part))
            self.db.execute(f"DELETE FROM questions WHERE chunk_id IN ({marks})", part)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One atomic write (the connection autocommits each statement otherwise), one thread
        at a time: another thread's open transaction is never joined by mistake."""
        with self._writing:
            if self.db.in_transaction:
                yield  # nested in this thread's own transaction
                return
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def passages(self) -> int:
        """How many passages the finished file records account for."""
        row = self.db.execute("SELECT SUM(json_array_length(chunk_ids)) FROM files").fetchone()
        return int(row[0] or 0)

    def last_ingest(self) -> float:
        """When a file was last indexed (0 if never)."""
        row = self.db.execute("SELECT MAX(indexed_at) FROM files").fetchone()
        return float(row[0] or 0)

    def get_meta(self, key: str) -> str | None:
        """A stored setting of the index, such as the embedding model that built it."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting of the index."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def _batches(items: list[str], size: int = 500) -> Iterator[list[str]]:
    """Slices small enough for SQLite's limit on bound parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _record(row: tuple[str, str, str, str, str, float, str]) -> FileRecord:
    source, file, file_hash, chunk_ids, pending, indexed_at, pipeline = row
    return FileRecord(
        source, file, file_hash, json.loads(chunk_ids), json.loads(pending), indexed_at, pipeline
    )
