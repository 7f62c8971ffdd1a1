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
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tutor.knowledge import keyword_store as keywords
from tutor.knowledge.terms import KeywordDoc
from tutor.storage import open_sqlite

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

    from tutor.config import Settings

SCHEMA = (
    """
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
    + keywords.SQLITE_TABLES
)


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


class IngestRecords(Protocol):
    """What ingest, the question bank and doctor need of the records, on either backend."""

    def close(self) -> None: ...
    def get(self, source: str) -> FileRecord | None: ...
    def all(self) -> list[FileRecord]: ...
    def begin(self, source: str, file: str, pending: list[str]) -> None: ...
    def commit(
        self, source: str, file: str, file_hash: str, chunk_ids: list[str], pipeline: str
    ) -> None: ...
    def forget(self, source: str) -> None: ...
    def clear(self) -> None: ...
    def chunk_files(self) -> dict[str, str]: ...
    def put_questions(self, chunk_id: str, by: str, questions: list[dict[str, Any]]) -> None: ...
    def questions_for(
        self, chunk_ids: Sequence[str], by: str | None = None
    ) -> dict[str, list[dict[str, Any]]]: ...
    def drop_questions(self, chunk_ids: Sequence[str]) -> None: ...
    def question_count(self, by: str | None = None) -> int: ...
    def passages(self) -> int: ...
    def last_ingest(self) -> float: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def stage_keywords(self, source: str, docs: Sequence[KeywordDoc]) -> None: ...
    def keyword_reader(self) -> keywords.Sql: ...
    def keyword_writer(self) -> AbstractContextManager[keywords.Sql]: ...


def open_records(settings: Settings) -> IngestRecords:
    """The ingest records: SQLite under TUTOR_HOME, or PostgreSQL with TUTOR_DATABASE_URL (so
    every replica reads the same question bank and sees the same index version)."""
    if settings.backend == "postgresql":
        return PostgresRecords(settings)
    return Records(settings.records_path)


class Records:
    """The ingest record in a small SQLite file under TUTOR_HOME."""

    def __init__(self, path: Path) -> None:
        self.db = open_sqlite(path, SCHEMA, "the index")
        # Write transactions take turns between threads (Slack turns run in parallel on
        # this one connection); re-entrant, since transactions nest.
        self._writing = threading.RLock()
        self._staged: dict[str, Sequence[KeywordDoc]] = {}

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def stage_keywords(self, source: str, docs: Sequence[KeywordDoc]) -> None:
        """A file's passages for keyword search, written when the file is committed."""
        self._staged[source] = docs

    def keyword_reader(self) -> keywords.Sql:
        """The keyword rows, to read."""
        return keywords.SqliteSql(self.db)

    @contextmanager
    def keyword_writer(self) -> Iterator[keywords.Sql]:
        """The keyword rows in one write transaction."""
        with self._transaction():
            yield keywords.SqliteSql(self.db)

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
        """Record a file as fully indexed with these chunk ids, by this version of the pipeline,
        and its staged passages for keyword search with it (one transaction: a killed ingest
        leaves both or neither)."""
        with self._transaction() as sql:
            self.db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, '[]', ?, ?)",
                (source, file, file_hash, json.dumps(chunk_ids), time.time(), pipeline),
            )
            keywords.commit_file(sql, source, chunk_ids, self._staged.pop(source, None))

    def forget(self, source: str) -> None:
        """Drop a removed file's record, its keyword rows and the questions of its chunks."""
        with self._transaction() as sql:
            record = self.get(source)
            if record:
                self._delete_questions(record.chunk_ids + record.pending_ids)
            keywords.drop_source(sql, source)
            keywords.bump_generation(sql)
            self.db.execute("DELETE FROM files WHERE source = ?", (source,))

    def clear(self) -> None:
        """Forget everything (the index is being rebuilt)."""
        with self._transaction() as sql:
            self.db.execute("DELETE FROM files")
            self.db.execute("DELETE FROM questions")
            keywords.clear(sql)
            keywords.bump_generation(sql)

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
    def _transaction(self) -> Iterator[keywords.Sql]:
        """One atomic write (the connection autocommits each statement otherwise), one thread
        at a time: another thread's open transaction is never joined by mistake."""
        with self._writing:
            if self.db.in_transaction:
                yield keywords.SqliteSql(self.db)  # nested in this thread's own transaction
                return
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield keywords.SqliteSql(self.db)
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


PG_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS tutor_schema (part TEXT PRIMARY KEY, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tutor_files (
    source TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    chunk_ids JSONB NOT NULL,
    pending_ids JSONB NOT NULL DEFAULT '[]',
    indexed_at DOUBLE PRECISION NOT NULL,
    pipeline TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS tutor_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tutor_questions (
    seq BIGSERIAL,
    chunk_id TEXT NOT NULL,
    qid TEXT NOT NULL,
    author TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (chunk_id, qid)
);
"""
    + keywords.PG_TABLES
)
FILE_COLUMNS = "source, file, file_hash, chunk_ids, pending_ids, indexed_at, pipeline"
SCHEMA_CHECK = (
    f"SELECT {FILE_COLUMNS} FROM tutor_files LIMIT 0",
    "SELECT key, value FROM tutor_meta LIMIT 0",
    "SELECT seq, chunk_id, qid, author, data FROM tutor_questions LIMIT 0",
    *keywords.PG_CHECKS,
)
"""Reads that fail on tables an older or foreign schema made."""


class PostgresRecords:
    """The ingest record in PostgreSQL (TUTOR_DATABASE_URL), shared by every replica: the
    same methods as `Records`, in PostgreSQL's dialect."""

    def __init__(self, settings: Settings) -> None:
        from tutor.storage.postgres import POOLS
        from tutor.storage.state import ensure_schema

        self.pool: ConnectionPool = POOLS.take(settings.database_url, settings.database_pool)
        try:
            ensure_schema(settings, self.pool, "records", PG_SCHEMA, SCHEMA_CHECK)
        except BaseException:
            POOLS.give_back(self.pool)
            raise
        self._staged: dict[str, Sequence[KeywordDoc]] = {}

    def close(self) -> None:
        """Give back this holder's share of the pool."""
        from tutor.storage.postgres import POOLS

        POOLS.give_back(self.pool)

    def stage_keywords(self, source: str, docs: Sequence[KeywordDoc]) -> None:
        """A file's passages for keyword search, written when the file is committed."""
        self._staged[source] = docs

    def keyword_reader(self) -> keywords.Sql:
        """The keyword rows, to read."""
        return keywords.PostgresSql(pool=self.pool)

    @contextmanager
    def keyword_writer(self) -> Iterator[keywords.Sql]:
        """The keyword rows in one write transaction."""
        with self._transaction() as conn:
            yield keywords.PostgresSql(conn)

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        from psycopg.rows import tuple_row

        with self.pool.connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(sql, args)
            return cursor.fetchall()

    @contextmanager
    def _transaction(self) -> Iterator[Connection[Any]]:
        with self.pool.connection() as conn, conn.transaction():
            yield conn

    def get(self, source: str) -> FileRecord | None:
        """The record of one file, if it was ever ingested."""
        rows = self._rows(f"SELECT {FILE_COLUMNS} FROM tutor_files WHERE source = %s", (source,))
        return _pg_record(rows[0]) if rows else None

    def all(self) -> list[FileRecord]:
        """Every file record."""
        return [
            _pg_record(r)
            for r in self._rows(f"SELECT {FILE_COLUMNS} FROM tutor_files ORDER BY file")
        ]

    def begin(self, source: str, file: str, pending: list[str]) -> None:
        """Note the ids about to be written for a file, before writing them."""
        self._rows(
            "INSERT INTO tutor_files (source, file, file_hash, chunk_ids, pending_ids, indexed_at) "
            "VALUES (%s, %s, '', '[]', %s, 0) "
            "ON CONFLICT (source) DO UPDATE SET pending_ids = excluded.pending_ids RETURNING 1",
            (source, file, json.dumps(pending)),
        )

    def commit(
        self, source: str, file: str, file_hash: str, chunk_ids: list[str], pipeline: str
    ) -> None:
        """Record a file as fully indexed with these chunk ids, by this version of the pipeline,
        and its staged passages for keyword search with it (one transaction)."""
        with self._transaction() as conn:
            conn.execute(
                f"INSERT INTO tutor_files ({FILE_COLUMNS}) VALUES (%s, %s, %s, %s, '[]', %s, %s) "
                "ON CONFLICT (source) DO UPDATE SET file = excluded.file, "
                "file_hash = excluded.file_hash, chunk_ids = excluded.chunk_ids, "
                "pending_ids = '[]', indexed_at = excluded.indexed_at, "
                "pipeline = excluded.pipeline",
                (source, file, file_hash, json.dumps(chunk_ids), time.time(), pipeline),
            )
            sql = keywords.PostgresSql(conn)
            keywords.commit_file(sql, source, chunk_ids, self._staged.pop(source, None))

    def forget(self, source: str) -> None:
        """Drop a removed file's record, its keyword rows and the questions of its chunks."""
        with self._transaction() as conn:
            row = conn.execute(
                "DELETE FROM tutor_files WHERE source = %s RETURNING chunk_ids, pending_ids",
                (source,),
            ).fetchone()
            sql = keywords.PostgresSql(conn)
            if row is not None:
                values = list(row.values()) if isinstance(row, dict) else list(row)
                ids = [*_json_list(values[0]), *_json_list(values[1])]
                conn.execute("DELETE FROM tutor_questions WHERE chunk_id = ANY(%s)", (ids,))
            keywords.drop_source(sql, source)
            keywords.bump_generation(sql)

    def clear(self) -> None:
        """Forget everything (the index is being rebuilt)."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM tutor_files")
            conn.execute("DELETE FROM tutor_questions")
            sql = keywords.PostgresSql(conn)
            keywords.clear(sql)
            keywords.bump_generation(sql)

    def chunk_files(self) -> dict[str, str]:
        """Every indexed chunk id and the file it belongs to, as the index displays it."""
        rows = self._rows(
            "SELECT chunk.value, f.file FROM tutor_files f, "
            "jsonb_array_elements_text(f.chunk_ids) AS chunk(value)"
        )
        return {str(cid): str(file) for cid, file in rows}

    def put_questions(self, chunk_id: str, by: str, questions: list[dict[str, Any]]) -> None:
        """Replace the questions `by` ("rules" or "model") wrote for one chunk; each has a `qid`."""
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM tutor_questions WHERE chunk_id = %s AND author = %s", (chunk_id, by)
            )
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO tutor_questions (chunk_id, qid, author, data) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (chunk_id, qid) DO UPDATE SET "
                    "author = excluded.author, data = excluded.data",
                    [(chunk_id, str(q["qid"]), by, json.dumps(q)) for q in questions],
                )

    def questions_for(
        self, chunk_ids: Sequence[str], by: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """The stored questions of these chunks (all authors when `by` is None), in write order."""
        sql = "SELECT chunk_id, data FROM tutor_questions WHERE chunk_id = ANY(%s)"
        args: list[Any] = [list(dict.fromkeys(chunk_ids))]
        if by is not None:
            sql += " AND author = %s"
            args.append(by)
        out: dict[str, list[dict[str, Any]]] = {}
        for chunk_id, data in self._rows(sql + " ORDER BY seq", args):
            out.setdefault(str(chunk_id), []).append(json.loads(data))
        return out

    def drop_questions(self, chunk_ids: Sequence[str]) -> None:
        """Drop every question of these chunks (they left the index)."""
        self._rows(
            "DELETE FROM tutor_questions WHERE chunk_id = ANY(%s) RETURNING 1", (list(chunk_ids),)
        )

    def question_count(self, by: str | None = None) -> int:
        """How many questions the bank holds (of one author, or all)."""
        if by is None:
            return int(self._rows("SELECT COUNT(*) FROM tutor_questions")[0][0])
        sql = "SELECT COUNT(*) FROM tutor_questions WHERE author = %s"
        return int(self._rows(sql, (by,))[0][0])

    def passages(self) -> int:
        """How many passages the finished file records account for."""
        rows = self._rows("SELECT SUM(jsonb_array_length(chunk_ids)) FROM tutor_files")
        return int(rows[0][0] or 0)

    def last_ingest(self) -> float:
        """When a file was last indexed (0 if never)."""
        return float(self._rows("SELECT MAX(indexed_at) FROM tutor_files")[0][0] or 0)

    def get_meta(self, key: str) -> str | None:
        """A stored setting of the index, such as the embedding model that built it."""
        rows = self._rows("SELECT value FROM tutor_meta WHERE key = %s", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Store a setting of the index."""
        self._rows(
            "INSERT INTO tutor_meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING 1",
            (key, value),
        )


def _json_list(value: Any) -> list[str]:
    """A JSONB list as psycopg returns it (already decoded), or JSON text."""
    return [str(v) for v in (json.loads(value) if isinstance(value, str) else value or [])]


def _pg_record(row: tuple[Any, ...]) -> FileRecord:
    source, file, file_hash, chunk_ids, pending, indexed_at, pipeline = row
    return FileRecord(
        source,
        file,
        file_hash,
        _json_list(chunk_ids),
        _json_list(pending),
        float(indexed_at),
        pipeline,
    )


def _batches(items: list[str], size: int = 500) -> Iterator[list[str]]:
    """Slices small enough for SQLite's limit on bound parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _record(row: tuple[str, str, str, str, str, float, str]) -> FileRecord:
    source, file, file_hash, chunk_ids, pending, indexed_at, pipeline = row
    return FileRecord(
        source, file, file_hash, json.loads(chunk_ids), json.loads(pending), indexed_at, pipeline
    )
