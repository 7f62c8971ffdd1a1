"""The notes index: chunks in Chroma, kept in step with the files by the ingest record."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from tutor.config import Settings
from tutor.errors import FAILED, TutorError, unwritable
from tutor.knowledge.chunking import Chunk, chunk_note
from tutor.knowledge.embeddings import ChromaAdapter, make_embeddings, model_id_of
from tutor.knowledge.loaders import (
    Skip,
    Unreadable,
    file_hash,
    parse_note,
    read_note_bytes,
    scan_notes,
)
from tutor.knowledge.passage import Passage
from tutor.knowledge.records import FileRecord, IngestRecords, open_records
from tutor.text_in import path_text

QuestionBank = Callable[[Sequence[Passage]], Mapping[str, list[dict[str, Any]]]]
"""Builds a file's question bank at ingest: its passages in, each chunk id's questions out."""

COLLECTION = "notes"
PIPELINE = "9"
"""Bump when cleaning, chunking or the question bank changes: every file is re-chunked and its
questions rebuilt (unchanged text keeps its vectors, since chunk ids come from content)."""
EMBED_BATCH = 64
EMBED_BUFFER = 512
"""Passages an ingest gathers across files before embedding them in one call (so the model
can batch them by length); 0 embeds each file on its own."""
UPSERT_BATCH = 1000
"""Passages in one Chroma upsert (under its maximum batch size)."""

Progress = Callable[[str, int, int], None]
"""Called as (file, done, total) while an ingest runs."""


@dataclass
class IngestReport:
    """What an ingest did, file by file, in numbers a person can check."""

    seen: int = 0
    indexed: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[Skip] = field(default_factory=list)
    chunks_written: int = 0
    chunks: int = 0
    rebuilt_from: str | None = None
    excluded: int = 0
    """Paths the exclude patterns left out (`tutor ingest --dry-run` lists them)."""

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data."""
        return asdict(self)


@dataclass
class Prepared:
    """A changed file read and chunked, waiting for its passages to be embedded and stored."""

    source: str
    file: str
    digest: str
    chunks: list[Chunk]
    ids: list[str]
    record: FileRecord | None
    extra: dict[str, str]


class NotesIndex:
    """Chroma collection plus ingest record under TUTOR_HOME (or a Chroma server)."""

    def __init__(
        self,
        settings: Settings,
        embeddings: Embeddings | None = None,
        *,
        questions: QuestionBank | None = None,
    ) -> None:
        self.settings = settings
        self._embeddings = embeddings
        self._questions = questions
        """Builds the rules' question bank of a file's passages at ingest (`tutor.learning.bank`
        through `tutor.context.open_index`); None keeps no bank (search only)."""
        self._collection: Any = None
        self._records: IngestRecords | None = None
        self.rebuilt_from: str | None = None
        self.embed_buffer = EMBED_BUFFER
        self._staged: list[dict[str, Any]] | None = None
        """Upserts `_write` leaves for `_flush` to send together (None: send at once)."""

    @property
    def embeddings(self) -> Embeddings:
        """The embedding model (created on first use)."""
        if self._embeddings is None:
            self._embeddings = make_embeddings(self.settings)
        return self._embeddings

    @property
    def records(self) -> IngestRecords:
        """The ingest record."""
        if self._records is None:
            self._records = open_records(self.settings)
        return self._records

    @property
    def collection(self) -> Any:
        """The Chroma collection, rebuilt empty if a different embedding model made it."""
        if self._collection is None:
            self._collection = self._open_collection()
        return self._collection

    def _client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(self.settings.chroma_url)
            try:
                return chromadb.HttpClient(
                    host=url.hostname or "localhost",
                    port=url.port or 8000,
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
            except Exception as exc:
                raise TutorError(
                    f"cannot reach the Chroma server at {self.settings.chroma_url}: {exc}",
                    "start it, or unset TUTOR_CHROMA_URL to use the local index",
                    exit_code=FAILED,
                ) from exc
        try:
            self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(
                path=str(self.settings.chroma_dir), settings=chroma_settings
            )
        except OSError as exc:
            raise unwritable("the index", self.settings.chroma_dir, exc) from None

    def _open_collection(self) -> Any:
        client = self._client()
        model = model_id_of(self.embeddings)
        adapter = ChromaAdapter(self.embeddings)
        built_by = self.records.get_meta("embed_model")
        if built_by is not None and built_by != model:
            # Vectors from different models are not comparable: rebuild from scratch.
            try:
                client.delete_collection(COLLECTION)
            except Exception:  # noqa: BLE001 - absent already is fine
                pass
            self.records.clear()
            self.rebuilt_from = built_by
        self.records.set_meta("embed_model", model)
        return client.get_or_create_collection(
            COLLECTION,
            embedding_function=adapter,
            metadata={"hnsw:space": "cosine", "embed_model": model},
        )

    def count(self) -> int:
        """How many passages the index holds."""
        return int(self.collection.count())

    def close(self) -> None:
        """Release the record database."""
        if self._records is not None:
            self._records.close()
            self._records = None

    def ingest(self, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
        """Bring the index in step with the notes under `paths`."""
        paths = [Path(p).expanduser() for p in paths]
        scan = scan_notes(paths, self.settings.notes_exclude)
        self.refuse_emptied(scan.emptied)
        found = scan.found
        report = IngestReport(seen=len(found), skipped=scan.skipped)
        report.excluded = len(scan.excluded)
        with write_failures_explained(self.settings):
            if self.records.get_meta("embed_model") != model_id_of(self.embeddings):
                _ = self.collection  # opening it rebuilds an index made by another model
            report.rebuilt_from = self.rebuilt_from
            queue: list[Prepared] = []
            queued = 0
            sources = _sources([path for _, path in found])
            for done, ((root, path), source) in enumerate(zip(found, sources, strict=True), 1):
                if progress:
                    progress(path_text(path), done - 1, len(found))
                prepared = self._ingest_file(root, path, report, source)
                if prepared:
                    queue.append(prepared)
                    queued += len(prepared.ids)
                if queued >= self.embed_buffer:
                    self._flush(queue, report)
                    queued = 0
            self._flush(queue, report)
            report.removed = self._remove_missing(paths, set(sources))
            report.chunks = self.records.passages()
            self.refresh_keywords()  # the aliases of what changed, read once here
        if progress:
            progress("", len(found), len(found))
        return report

    def _ingest_file(
        self, root: Path, path: Path, report: IngestReport, source: str
    ) -> Prepared | None:
        """Read and chunk one file; None when it is unchanged or unreadable (then reported)."""
        record = self.records.get(source)
        try:
            raw = read_note_bytes(path, int(self.settings.max_file_mb * 1_000_000))
            digest = file_hash(raw)
            if record and record.up_to_date(digest, PIPELINE):
                report.unchanged += 1
                return None
            note = parse_note(path, raw)
            chunks = chunk_note(note, self.settings.chunk_chars)
            if not chunks:
                raise Unreadable("no text to index")
        except Unreadable as exc:
            kept = f"; kept its {len(record.chunk_ids)} indexed passages" if record else ""
            report.skipped.append(Skip(path_text(path), f"{exc}{kept}"))
            return None
        file = _display_name(root, path)
        ids = [_chunk_id(source, c, n) for c, n in _numbered(chunks)]
        extra = _note_metadata(note.metadata)
        return Prepared(source, file, digest, chunks, ids, record, extra)

    def _flush(self, queue: list[Prepared], report: IngestReport) -> None:
        """Embed the queued files' new passages in one call, then write and commit each file.

        Across files, the model gets enough passages to batch them by length; each file is
        still committed alone, after its vectors are stored, so a killed ingest loses at most
        the queue's embeddings and the next run redoes just those files.
        """
        if not queue:
            return
        stored: set[str] = set()
        asked = [cid for p in queue if p.record for cid in p.ids]
        if asked:
            stored = set(self.collection.get(ids=asked, include=[])["ids"])
        todo = [
            (cid, c)
            for p in queue
            for cid, c in zip(p.ids, p.chunks, strict=True)
            if cid not in stored
        ]
        vectors = self.embeddings.embed_documents([c.for_search() for _, c in todo])
        given = dict(zip([cid for cid, _ in todo], vectors, strict=True))
        # Every file's pending ids are recorded (`_write` begins each) before Chroma gets the
        # queue's passages in a few large upserts: one upsert costs ~20 ms however small.
        self._staged = []
        try:
            for p in queue:
                report.chunks_written += self._write(
                    p.source, p.file, p.chunks, p.ids, p.record, p.extra, given
                )
            staged, self._staged = self._staged, None
            for batch in _merged(staged, UPSERT_BATCH):
                self.collection.upsert(**batch)
        finally:
            self._staged = None
        for p in queue:
            self._store_questions(p.file, p.chunks, p.ids)
            self.records.commit(p.source, p.file, p.digest, p.ids, PIPELINE)
            report.indexed += 1
        queue.clear()

    def _upsert(self, **batch: Any) -> None:
        """Upsert passages into Chroma now, or stage them for `_flush` to write together."""
        if self._staged is None:
            self.collection.upsert(**batch)
        else:
            self._staged.append(batch)

    def _vectors(
        self, ids: list[str], chunks: list[Chunk], given: Mapping[str, list[float]] | None
    ) -> list[list[float]]:
        """The chunks' vectors: those embedded ahead, the rest embedded now."""
        given = given or {}
        missing = [c.for_search() for cid, c in zip(ids, chunks, strict=True) if cid not in given]
        fresh = iter(self.embeddings.embed_documents(missing) if missing else [])
        return [given[cid] if cid in given else next(fresh) for cid in ids]

    def refuse_emptied(self, folders: list[Path]) -> None:
        """Refuse an ingest whose exclude patterns would take every indexed note of a folder."""
        for folder in folders:
            inside = path_text(folder.resolve()) + os.sep
            held = [r for r in self.records.all() if r.source.startswith(inside)]
            if held:
                raise TutorError(
                    f"the exclude patterns leave no note in {path_text(folder)}: ingesting "
                    f"would remove all {len(held)} of its indexed notes, so nothing was changed",
                    "check TUTOR_NOTES_EXCLUDE and .tutorignore with `tutor ingest --dry-run`",
                )

    def _write(
        self,
        source: str,
        file: str,
        chunks: list[Chunk],
        ids: list[str],
        record: FileRecord | None,
        extra: dict[str, str],
        given: Mapping[str, list[float]] | None = None,
    ) -> int:
        """Upsert a file's chunks, embedding only the ones not already stored; drop stale ones.

        `given` holds vectors embedded ahead, across files (`_flush`); others are embedded here.
        """
        pending = set(record.pending_ids) if record else set()
        previous = (set(record.chunk_ids) if record else set()) | pending
        self.records.begin(source, file, sorted(set(ids) | pending))
        metas = [_metadata(source, file, c) | extra for c in chunks]
        self._stage_keywords(source, chunks, ids, metas)  # written when the file commits
        have = set(self.collection.get(ids=ids, include=[])["ids"]) if previous else set()
        new = [i for i, cid in enumerate(ids) if cid not in have]
        for start in range(0, len(new), EMBED_BATCH):
            part = new[start : start + EMBED_BATCH]
            vectors = self._vectors([ids[i] for i in part], [chunks[i] for i in part], given)
            self._upsert(
                ids=[ids[i] for i in part],
                embeddings=vectors,
                documents=[chunks[i].text for i in part],
                metadatas=[metas[i] for i in part],
            )
        kept = [i for i, cid in enumerate(ids) if cid in have]
        if kept:  # same text, maybe moved: refresh line numbers without re-embedding
            self.collection.update(ids=[ids[i] for i in kept], metadatas=[metas[i] for i in kept])
        stale = sorted(previous - set(ids))
        if stale:
            self.collection.delete(ids=stale)
            self.records.drop_questions(stale)
        return len(new)

    def _store_questions(self, file: str, chunks: list[Chunk], ids: list[str]) -> None:
        """Rebuild the rules' question bank of a file's chunks; model-written questions stay."""
        if self._questions is None:
            return
        passages = [
            Passage(
                file,
                c.heading,
                c.start_line,
                c.end_line,
                c.text,
                0.0,
                chunk_id=cid,
                cell=c.cell,
                end_cell=c.end_cell,
            )
            for c, cid in zip(chunks, ids, strict=True)
        ]
        for chunk_id, questions in self._questions(passages).items():
            self.records.put_questions(chunk_id, "rules", questions)

    def _remove_missing(self, paths: list[Path], seen: set[str]) -> int:
        """Drop files that were indexed under a scanned folder and are gone now."""
        folders = [path_text(p.resolve()) + os.sep for p in paths if p.is_dir()]
        removed = 0
        for record in self.records.all():
            if record.source in seen or not any(record.source.startswith(f) for f in folders):
                continue
            gone = record.chunk_ids + record.pending_ids
            if gone:
                self.collection.delete(ids=gone)
            self.records.forget(record.source)  # with the questions of its chunks
            removed += 1
        return removed

    def _stage_keywords(
        self, source: str, chunks: list[Chunk], ids: list[str], metas: list[dict[str, Any]]
    ) -> None:
        """A file's passages for keyword search, their alias terms read with the aliases the
        last ingest stored (the next `refresh_keywords` brings them up to date)."""
        from tutor.knowledge.keyword_upkeep import stored_aliases
        from tutor.knowledge.terms import KeywordDoc

        aliases = stored_aliases(self.records.keyword_reader())
        docs = [
            KeywordDoc.of(cid, source, chunk.text, meta, aliases)
            for cid, chunk, meta in zip(ids, chunks, metas, strict=True)
        ]
        self.records.stage_keywords(source, docs)

    def refresh_keywords(self, aliases: bool = True) -> None:
        """Keep the keyword rows whole: passages of files indexed before they existed are
        read once from Chroma; with `aliases`, the aliases are read again if the passages
        changed since (the end of an ingest; a search does not, to start fast)."""
        from tutor.knowledge.keyword_upkeep import backfill, refresh_aliases

        added = backfill(self.records, self._by_ids)
        if aliases or added:
            refresh_aliases(self.records)

    def _by_ids(self, ids: Sequence[str]) -> list[tuple[str, str, dict[str, Any]]]:
        """These passages as Chroma holds them: (id, text, metadata)."""
        got = self.collection.get(ids=list(ids), include=["documents", "metadatas"])
        texts, metas = got["documents"] or [], got["metadatas"] or []
        return [(c, t, dict(m)) for c, t, m in zip(got["ids"], texts, metas, strict=True)]

    def everything(self) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        """All passages: ids, texts and metadata, as Chroma holds them."""
        got = self.collection.get(include=["documents", "metadatas"])
        return list(got["ids"]), list(got["documents"] or []), list(got["metadatas"] or [])

    def of_file(self, file: str) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        """One note's passages (ids, texts, metadata), by the file name the index shows."""
        got = self.collection.get(where={"file": file}, include=["documents", "metadatas"])
        return list(got["ids"]), list(got["documents"] or []), list(got["metadatas"] or [])

    def nearest(self, query: str, k: int) -> list[tuple[str, float]]:
        """The k passages closest in meaning to the query, as (id, cosine similarity)."""
        total = self.count()
        if total == 0:
            return []
        vector = self.embeddings.embed_query(query)
        got = self.collection.query(
            query_embeddings=[vector], n_results=min(k, total), include=["distances"]
        )
        return [
            (cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)
        ]


def _merged(batches: list[dict[str, Any]], size: int) -> Iterator[dict[str, Any]]:
    """Upsert arguments (ids, embeddings, documents, metadatas) joined into batches of `size`."""
    keys = ("ids", "embeddings", "documents", "metadatas")
    joined = {k: [x for b in batches for x in b[k]] for k in keys}
    for start in range(0, len(joined["ids"]), size):
        yield {k: v[start : start + size] for k, v in joined.items()}


FULL = ("disk is full", "no space left", "file too large", "quota exceeded")
LOW_SPACE = 16_000_000
"""Free bytes under which a failed write is put down to a full disk."""


@contextmanager
def write_failures_explained(settings: Settings) -> Iterator[None]:
    """Turn a write the disk refused (full, over quota, failing) into one clear TutorError.

    Each file is committed only after its passages are stored, so what was indexed before
    the failure stays searchable and the next ingest does the rest.
    """
    import sqlite3

    try:
        yield
    except Exception as exc:
        # Chroma's errors are told by their module: importing chromadb to name its error
        # class would cost a no-change ingest half a second.
        chroma = type(exc).__module__.startswith("chromadb")
        if not (chroma or isinstance(exc, OSError | sqlite3.Error)):
            raise
        where = settings.chroma_url or settings.home
        said = str(exc)
        try:
            low = shutil.disk_usage(settings.home).free < LOW_SPACE
        except OSError:
            low = False
        full = low or any(word in said.lower() for word in FULL)
        why = "the disk is full" if full else said
        raise TutorError(
            f"ingest stopped: cannot write the index in {where}: {why}",
            ("free some disk space, then " if full else "")
            + "run `tutor ingest` again: what was indexed is kept, the rest is done then",
            exit_code=FAILED,
        ) from exc


def _source(path: Path) -> str:
    # As text with undecodable bytes escaped: SQLite and Chroma refuse lone surrogates.
    return path_text(path.absolute().resolve() if not path.is_symlink() else path.absolute())


def _sources(paths: list[Path]) -> list[str]:
    """Each path's `_source`, resolving each folder once rather than each file's whole path
    (the walk up dominated a no-change ingest of 100,000 small files)."""
    folders: dict[Path, Path] = {}
    out = []
    for path in paths:
        if path.is_symlink():
            out.append(_source(path))
            continue
        parent = path.absolute().parent
        if parent not in folders:
            folders[parent] = parent.resolve()
        out.append(path_text(folders[parent] / path.name))
    return out


def _display_name(root: Path, path: Path) -> str:
    try:
        return path_text(path.absolute().relative_to(root))
    except ValueError:
        return path_text(path.name)


def _numbered(chunks: list[Chunk]) -> Iterable[tuple[Chunk, int]]:
    """Pair each chunk with how many identical chunks came before it (ids stay unique)."""
    seen: dict[str, int] = {}
    for chunk in chunks:
        n = seen.get(chunk.content_hash, 0)
        seen[chunk.content_hash] = n + 1
        yield chunk, n


def _chunk_id(source: str, chunk: Chunk, n: int) -> str:
    return f"{hashlib.sha256(source.encode()).hexdigest()[:12]}-{chunk.content_hash[:24]}-{n}"


def _metadata(source: str, file: str, chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "source": source,
        "file": file,
        "heading": chunk.heading,
        "start_line": chunk.start_line,
        "end_line": chunk.end_line,
        "hash": chunk.content_hash,
    }
    if chunk.cell is not None:  # Chroma keeps no None: other notes have no cell keys
        meta["cell"] = chunk.cell
        meta["end_cell"] = chunk.end_cell
    return meta


def _note_metadata(meta: dict[str, Any]) -> dict[str, str]:
    """Note-level facts kept on each chunk: Obsidian links and front-matter title and tags."""
    out: dict[str, str] = {}
    if meta.get("links"):
        out["links"] = ", ".join(meta["links"])
    front = meta.get("front_matter") or {}
    for key in ("title", "tags"):
        value = front.get(key)
        if value:
            out[key] = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return out
