"""The ingest record's database as keyword search writes and reads it: SQLite's connection
or PostgreSQL's, behind one small interface, so the keyword rows' SQL is written once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol


class Sql(Protocol):
    """A connection, or a transaction, of the ingest record's database."""

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def many(self, sql: str, args: Sequence[Sequence[Any]]) -> None: ...
    def lock(self) -> None: ...


def batches(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """Slices small enough for SQLite's limit on bound parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(items: Sequence[Any]) -> str:
    return ",".join("?" * len(items))


class SqliteSql:
    """The SQLite ingest record's connection (a transaction when the caller opened one)."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.db.execute(sql.replace("{p}", ""), args).fetchall())

    def many(self, sql: str, args: Sequence[Sequence[Any]]) -> None:
        self.db.executemany(sql.replace("{p}", ""), args)

    def lock(self) -> None:
        """Nothing: the caller's BEGIN IMMEDIATE holds the database's one write lock."""


class PostgresSql:
    """PostgreSQL: one transaction's connection, or (for reads) a connection of the pool
    per statement."""

    def __init__(self, conn: Any = None, pool: Any = None) -> None:
        self.conn = conn
        self.pool = pool

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.conn is None:
            with self.pool.connection() as conn:
                return PostgresSql(conn).rows(sql, args)
        from psycopg.rows import tuple_row

        text = sql.replace("{p}", "tutor_").replace("?", "%s")
        with self.conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(text, args)
            return cursor.fetchall() if cursor.description is not None else []

    def many(self, sql: str, args: Sequence[Sequence[Any]]) -> None:
        if not args:
            return
        text = sql.replace("{p}", "tutor_").replace("?", "%s")
        with self.conn.cursor() as cursor:
            cursor.executemany(text, args)

    def lock(self) -> None:
        """One writer of the keyword rows' upkeep at a time, until the transaction ends."""
        from tutor.storage.postgres import lock_key

        self.rows("SELECT pg_advisory_xact_lock(?)", [lock_key("tutor-keyword-upkeep")])
