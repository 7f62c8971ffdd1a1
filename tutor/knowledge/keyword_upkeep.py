"""Keeping the keyword rows whole: passages of files indexed before they existed are read
once from the notes index, and the aliases (which names the notes treat as one term) are
read again after an ingest that changed the passages, or the first ingest after the rules that
read them changed.

Aliases come from every passage ("PPO" defined in one note, used bare in another), so they
are read at ingest and stored, never at a process start; each passage's `alias:` terms are
rewritten only when the aliases changed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.knowledge import keyword_store as store
from tutor.knowledge.aliases import Aliases, read_aliases
from tutor.knowledge.terms import KeywordDoc, alias_terms, aliases_from_json, aliases_to_json

if TYPE_CHECKING:
    from tutor.knowledge.records import IngestRecords

ReadPassages = Callable[[Sequence[str]], list[tuple[str, str, dict[str, Any]]]]
"""Passages of the notes index by id, as (id, text, metadata)."""


def stored_aliases(sql: store.Sql) -> Aliases:
    """The aliases the last ingest read (none before the first)."""
    raw = store.get_meta(sql, store.ALIASES)
    return aliases_from_json(json.loads(raw)) if raw else Aliases()


def backfill(records: IngestRecords, read: ReadPassages) -> int:
    """Give committed files without keyword rows (indexed before they existed, or committed
    without them) their rows, read from the notes index. Returns how many passages were
    added. Read and tokenized before the write transaction, which only stores them."""
    if records.get_meta(store.VERSION_KEY) == store.VERSION:
        return 0
    reader = records.keyword_reader()
    missing = sorted(set(records.chunk_files()) - store.stored_ids(reader))
    aliases = stored_aliases(reader)
    docs = {
        cid: KeywordDoc.of(cid, str(meta.get("source", "")), text, meta, aliases)
        for part in store.batches(missing)
        for cid, text, meta in read(part)
    }
    with records.keyword_writer() as sql:
        sql.lock()
        if store.get_meta(sql, store.VERSION_KEY) == store.VERSION:
            return 0  # another process did it meanwhile
        # Files committed since came with their rows; one that came without waits its turn.
        still = set(records.chunk_files()) - store.stored_ids(sql)
        store.write_docs(sql, [d for cid, d in docs.items() if cid in still])
        if still <= set(missing):  # all asked for (one Chroma lost cannot be helped)
            store.set_meta(sql, store.VERSION_KEY, store.VERSION)
        if still & docs.keys():
            store.bump_generation(sql)
    return len(still & docs.keys())


def refresh_aliases(records: IngestRecords) -> bool:
    """Read the aliases again if the passages changed since they were read, and rewrite the
    `alias:` terms of the passages they change. Returns whether the aliases changed."""
    generation = records.get_meta(store.GENERATION)
    if generation is None or read_at(generation) == records.get_meta(store.ALIASES_AT):
        return False
    with records.keyword_writer() as sql:
        sql.lock()
        generation = read_at(store.get_meta(sql, store.GENERATION) or "0")
        if generation == store.get_meta(sql, store.ALIASES_AT):
            return False
        passages = store.every_passage(sql)
        headed = {cid: f"{meta.get('heading', '')}\n{text}" for cid, text, meta in passages}
        aliases = read_aliases(headed.values())
        raw = json.dumps(aliases_to_json(aliases), sort_keys=True)
        changed = raw != store.get_meta(sql, store.ALIASES)
        if changed:
            relabel(sql, headed, aliases)
            store.set_meta(sql, store.ALIASES, raw)
        store.set_meta(sql, store.ALIASES_AT, generation)
    return changed


def read_at(generation: str) -> str:
    """What the aliases were read for: the passages' generation and the code that reads them,
    so a tutor whose alias rules changed reads the notes' aliases again at its next ingest."""
    return f"{generation}@{_reader_version()}"


@cache
def _reader_version() -> str:
    """A digest of the alias reader's source."""
    from tutor.knowledge import aliases

    return hashlib.sha256(Path(aliases.__file__).read_bytes()).hexdigest()[:12]


def relabel(sql: store.Sql, headed: dict[str, str], aliases: Aliases) -> None:
    """Rewrite the `alias:` postings of the passages whose alias terms differ under `aliases`
    (their lengths with them, since BM25 weighs a term by the passage's length)."""
    old: dict[int, Counter[str]] = {}
    for doc, term, tf in sql.rows(
        f"SELECT doc, term, tf FROM {{p}}keyword_hits WHERE {store.ALIAS_RANGE}"
    ):
        old.setdefault(int(doc), Counter())[str(term)] = int(tf)
    number, base = {}, {}
    for cid, doc, length in sql.rows("SELECT chunk_id, doc, base_length FROM {p}keyword_passages"):
        number[str(cid)], base[int(doc)] = int(doc), int(length)
    changed = {}
    for cid, text in headed.items():
        new = Counter(alias_terms(text, aliases))
        if cid in number and new != old.get(number[cid], Counter()):
            changed[number[cid]] = new
    for part in store.batches(sorted(changed)):
        sql.rows(
            f"DELETE FROM {{p}}keyword_hits WHERE doc IN ({store.marks(part)}) "
            f"AND {store.ALIAS_RANGE}",
            part,
        )
    deltas: Counter[str] = Counter()
    postings: list[tuple[str, int, int, int, int]] = []
    lengths: list[tuple[int, int]] = []
    for doc, new in changed.items():
        deltas.subtract(old.get(doc, Counter()).keys())
        deltas.update(new.keys())
        length = base[doc] + sum(new.values())
        lengths.append((length, doc))
        postings.extend((term, doc, tf, length, 0) for term, tf in new.items())
    sql.many("INSERT INTO {p}keyword_hits VALUES (?, ?, ?, ?, ?)", postings)
    sql.many("UPDATE {p}keyword_hits SET dl = ? WHERE doc = ?", lengths)
    sql.many("UPDATE {p}keyword_passages SET length = ? WHERE doc = ?", lengths)
    store.count_terms(sql, deltas, Counter())
