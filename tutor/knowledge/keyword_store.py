"""Keyword search kept on disk beside the ingest record: each passage's terms as postings
(term, passage number, count, passage length), written in the transaction that commits its
file, removed with it.

A search reads the postings of its terms only (`tutor.knowledge.bm25` keeps those it has read,
per version of the index) and scores them as rank_bm25's BM25Okapi did when the index was
built in memory at each start: the same k1, b and idf floor, so rankings stay what they were.
The same SQL runs on SQLite and PostgreSQL (`?` placeholders, `{p}` the tables' prefix).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from tutor.knowledge.keyword_sql import PostgresSql, Sql, SqliteSql, batches, marks
from tutor.knowledge.terms import ALIAS, KeywordDoc

__all__ = ["PostgresSql", "Sql", "SqliteSql", "batches", "marks"]  # and the functions below

K1, B, EPSILON = 1.5, 0.75, 0.25
"""BM25Okapi's defaults (rank_bm25), as the in-memory index used them."""
VERSION_KEY, VERSION = "keyword_version", "2"
"""Meta: the keyword rows hold every committed file (set by the backfill, unset by a commit
that came without them)."""
GENERATION = "keyword_generation"
"""Meta: bumped by each change of the passages (a commit, a forgotten file, a clear)."""
ALIASES = "keyword_aliases"
ALIASES_AT = "keyword_aliases_at"
"""Meta: the generation the stored aliases (and the passages' alias terms) were read at."""

TABLES = """
CREATE TABLE IF NOT EXISTS {p}keyword_passages (
    doc {serial} PRIMARY KEY,
    chunk_id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    length INTEGER NOT NULL,
    base_length INTEGER NOT NULL,
    text TEXT NOT NULL,
    meta TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS {p}keyword_passages_source ON {p}keyword_passages (source);
CREATE INDEX IF NOT EXISTS {p}keyword_passages_tagged ON {p}keyword_passages (doc)
    WHERE tags <> '';
CREATE TABLE IF NOT EXISTS {p}keyword_hits (
    term TEXT NOT NULL,
    doc {number} NOT NULL,
    tf INTEGER NOT NULL,
    dl INTEGER NOT NULL,
    word INTEGER NOT NULL,
    PRIMARY KEY (term, doc)
){clustered};
CREATE INDEX IF NOT EXISTS {p}keyword_hits_doc ON {p}keyword_hits (doc);
CREATE TABLE IF NOT EXISTS {p}keyword_df (
    term TEXT PRIMARY KEY,
    df INTEGER NOT NULL,
    words INTEGER NOT NULL
);
"""
"""Passages (numbered in the order they were written), their terms' postings (clustered by
term in SQLite, so a term's postings are one range), and each term's passage count."""
SQLITE_TABLES = TABLES.format(p="", serial="INTEGER", number="INTEGER", clustered=" WITHOUT ROWID")
PG_TABLES = TABLES.format(p="tutor_", serial="BIGSERIAL", number="BIGINT", clustered="")
PG_CHECKS = (
    "SELECT doc, chunk_id, source, length, base_length, text, meta, tags "
    "FROM tutor_keyword_passages LIMIT 0",
    "SELECT term, doc, tf, dl, word FROM tutor_keyword_hits LIMIT 0",
    "SELECT term, df, words FROM tutor_keyword_df LIMIT 0",
)
ALIAS_RANGE = f"term >= '{ALIAS}' AND term < '{ALIAS[:-1]};'"
"""Every `alias:` term, as a range the primary key serves (`;` sorts right after `:`)."""


# ---- writing ------------------------------------------------------------------------


def write_docs(sql: Sql, docs: Sequence[KeywordDoc], replacing: Sequence[int] = ()) -> None:
    """Store passages with their postings, in place of the passages numbered `replacing` and
    of any stored under the same ids."""
    df, words = _unlink(sql, [*replacing, *numbers(sql, [d.chunk_id for d in docs]).values()])
    sql.many(
        "INSERT INTO {p}keyword_passages (chunk_id, source, length, base_length, text, meta, "
        "tags) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                d.chunk_id,
                d.source,
                len(d.terms) + len(d.aliases),
                len(d.terms),
                d.text,
                json.dumps(d.meta),
                str(d.meta.get("tags") or ""),
            )
            for d in docs
        ],
    )
    number = numbers(sql, [d.chunk_id for d in docs])
    postings = []
    for doc in docs:
        counts = Counter([*doc.terms, *doc.aliases])
        length = len(doc.terms) + len(doc.aliases)
        for term, tf in counts.items():
            postings.append((term, number[doc.chunk_id], tf, length, int(term in doc.words)))
        df.update(counts.keys())
        words.update(doc.words)
    sql.many("INSERT INTO {p}keyword_hits VALUES (?, ?, ?, ?, ?)", postings)
    count_terms(sql, df, words)


def drop_docs(sql: Sql, chunk_ids: Sequence[str]) -> None:
    """Remove passages and their postings (ids not stored are ignored)."""
    drop_numbers(sql, list(numbers(sql, chunk_ids).values()))


def drop_source(sql: Sql, source: str) -> None:
    """Remove every passage of one file."""
    drop_numbers(sql, of_source(sql, source))


def of_source(sql: Sql, source: str) -> list[int]:
    """The numbers of one file's passages."""
    rows = sql.rows("SELECT doc FROM {p}keyword_passages WHERE source = ?", [source])
    return [int(r[0]) for r in rows]


def drop_numbers(sql: Sql, docs: Sequence[int]) -> None:
    """Remove passages by number, with their postings and their share of the term counts."""
    count_terms(sql, *_unlink(sql, docs))


def _unlink(sql: Sql, docs: Sequence[int]) -> tuple[Counter[str], Counter[str]]:
    """Delete passages and their postings; the term counts they took away (negative), for
    the caller to apply in one write."""
    df: Counter[str] = Counter()
    words: Counter[str] = Counter()
    for part in batches(list(docs)):
        for term, n, w in sql.rows(
            "SELECT term, COUNT(*), SUM(word) FROM {p}keyword_hits "
            f"WHERE doc IN ({marks(part)}) GROUP BY term",
            part,
        ):
            df[str(term)] -= int(n)
            words[str(term)] -= int(w)
        sql.rows(f"DELETE FROM {{p}}keyword_hits WHERE doc IN ({marks(part)})", part)
        sql.rows(f"DELETE FROM {{p}}keyword_passages WHERE doc IN ({marks(part)})", part)
    return df, words


def clear(sql: Sql) -> None:
    """Remove every passage."""
    for table in ("keyword_hits", "keyword_passages", "keyword_df"):
        sql.rows(f"DELETE FROM {{p}}{table}")


def count_terms(sql: Sql, df: Counter[str], words: Counter[str]) -> None:
    """Add to each term's passage count and word count in one write, terms in one order (two
    writers never wait on each other in a cycle); drop terms no passage has."""
    changed = sorted(t for t in {*df, *words} if df[t] or words[t])
    if not changed:
        return
    sql.many(
        "INSERT INTO {p}keyword_df (term, df, words) VALUES (?, ?, ?) ON CONFLICT (term) "
        "DO UPDATE SET df = {p}keyword_df.df + excluded.df, "
        "words = {p}keyword_df.words + excluded.words",
        [(t, df[t], words[t]) for t in changed],
    )
    if any(df[t] < 0 for t in changed):
        sql.rows("DELETE FROM {p}keyword_df WHERE df <= 0")


def set_meta(sql: Sql, key: str, value: str) -> None:
    """A meta value, written in the caller's transaction."""
    sql.rows(
        "INSERT INTO {p}meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def get_meta(sql: Sql, key: str) -> str | None:
    """A meta value, read in the caller's transaction."""
    rows = sql.rows("SELECT value FROM {p}meta WHERE key = ?", [key])
    return str(rows[0][0]) if rows else None


def commit_file(
    sql: Sql, source: str, chunk_ids: Sequence[str], docs: Sequence[KeywordDoc] | None
) -> None:
    """A file's passages replace its old ones, in the transaction that commits it; without
    them (none were staged), the next upkeep reads them from the notes index."""
    old = of_source(sql, source)
    if docs is not None and sorted(d.chunk_id for d in docs) == sorted(chunk_ids):
        write_docs(sql, docs, replacing=old)
    else:
        drop_numbers(sql, old)
        set_meta(sql, VERSION_KEY, "")
    bump_generation(sql)


def bump_generation(sql: Sql) -> None:
    """Note that the passages changed (their aliases are read again after the ingest)."""
    set_meta(sql, GENERATION, str(int(get_meta(sql, GENERATION) or 0) + 1))


# ---- reading ------------------------------------------------------------------------


def stored_ids(sql: Sql) -> set[str]:
    return {str(r[0]) for r in sql.rows("SELECT chunk_id FROM {p}keyword_passages")}


def numbers(sql: Sql, chunk_ids: Iterable[str]) -> dict[str, int]:
    """The numbers of these passages (ids not stored are left out)."""
    out: dict[str, int] = {}
    for part in batches(list(dict.fromkeys(chunk_ids))):
        rows = sql.rows(
            f"SELECT chunk_id, doc FROM {{p}}keyword_passages WHERE chunk_id IN ({marks(part)})",
            part,
        )
        out.update((str(cid), int(doc)) for cid, doc in rows)
    return out


def names(sql: Sql, docs: Sequence[int]) -> dict[int, str]:
    """The ids of passages by number (numbers no longer stored are left out)."""
    out: dict[int, str] = {}
    for part in batches(list(docs)):
        rows = sql.rows(
            f"SELECT doc, chunk_id FROM {{p}}keyword_passages WHERE doc IN ({marks(part)})", part
        )
        out.update((int(doc), str(cid)) for doc, cid in rows)
    return out


def stats(sql: Sql) -> tuple[int, int]:
    """How many passages, and their terms in all."""
    n, total = sql.rows("SELECT COUNT(*), COALESCE(SUM(length), 0) FROM {p}keyword_passages")[0]
    return int(n), int(total)


def average_idf(sql: Sql, n: int) -> float:
    """BM25Okapi's mean idf over every term (its floor for terms in most passages)."""
    dfs = [int(r[0]) for r in sql.rows("SELECT df FROM {p}keyword_df")]
    if not dfs:
        return 0.0
    return sum(math.log(n - df + 0.5) - math.log(df + 0.5) for df in dfs) / len(dfs)


def postings(sql: Sql, term: str) -> list[tuple[Any, ...]]:
    """A term's postings: (passage number, times in it, the passage's length in terms)."""
    return sql.rows("SELECT doc, tf, dl FROM {p}keyword_hits WHERE term = ?", [term])


def passages(sql: Sql, chunk_ids: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """These passages' text and metadata (ids not stored are left out)."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for part in batches(list(dict.fromkeys(chunk_ids))):
        for cid, text, meta in sql.rows(
            "SELECT chunk_id, text, meta FROM {p}keyword_passages "
            f"WHERE chunk_id IN ({marks(part)})",
            part,
        ):
            out[str(cid)] = (str(text), json.loads(meta))
    return out


def every_passage(
    sql: Sql, tagged: Sequence[str] | None = None
) -> list[tuple[str, str, dict[str, Any]]]:
    """Every passage as (id, text, metadata), in the order they were written; with `tagged`,
    only those whose note's tags contain one of these words (lower-case)."""
    where, args = "", []
    if tagged is not None:
        if not tagged:
            return []
        # Only the tagged passages are read (a partial index), not every passage's text.
        likes = " OR ".join("LOWER(tags) LIKE ? ESCAPE '!'" for _ in tagged)
        where = f"WHERE tags <> '' AND ({likes}) "
        args = [f"%{_escaped(w)}%" for w in tagged]
    return [
        (str(cid), str(text), json.loads(meta))
        for cid, text, meta in sql.rows(
            f"SELECT chunk_id, text, meta FROM {{p}}keyword_passages {where}ORDER BY doc", args
        )
    ]


def _escaped(word: str) -> str:
    """A word LIKE matches literally."""
    return word.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def vocabulary(sql: Sql) -> frozenset[str]:
    """Every word of the notes (as `keywords` spells them)."""
    rows = sql.rows("SELECT term FROM {p}keyword_df WHERE words > 0")
    return frozenset(str(r[0]) for r in rows)
