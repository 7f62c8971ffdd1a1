"""The notes index: chunks in Chroma, kept in step with the files by the ingest record."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    find_notes,
    parse_note,
    read_note_bytes,
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

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data."""
        return asdict(self)


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
        found, skipped = find_notes(paths)
        report = IngestReport(seen=len(found), skipped=skipped)
        if self.records.get_meta("embed_model") != model_id_of(self.embeddings):
            _ = self.collection  # opening it rebuilds an index made by another model
        report.rebuilt_from = self.rebuilt_from
        for done, (root, path) in enumerate(found, start=1):
            if progress:
                progress(path_text(path), done - 1, len(found))
            self._ingest_file(root, path, report)
        report.removed = self._remove_missing(paths, {_source(p) for _, p in found})
        report.chunks = self.records.passages()
        if progress:
            progress("", len(found), len(found))
        return report

    def _ingest_file(self, root: Path, path: Path, report: IngestReport) -> None:
        source = _source(path)
        record = self.records.get(source)
        try:
            raw = read_note_bytes(path, int(self.settings.max_file_mb * 1_000_000))
            digest = file_hash(raw)
            if record and record.up_to_date(digest, PIPELINE):
                report.unchanged += 1
                return
            note = parse_note(path, raw)
            chunks = chunk_note(note, self.settings.chunk_chars)
            if not chunks:
                raise Unreadable("no text to index")
        except Unreadable as exc:
            kept = f"; kept its {len(record.chunk_ids)} indexed passages" if record else ""
            report.skipped.append(Skip(path_text(path), f"{exc}{kept}"))
            return
        file = _display_name(root, path)
        ids = [_chunk_id(source, c, n) for c, n in _numbered(chunks)]
        extra = _note_metadata(note.metadata)
        report.chunks_written += self._write(source, file, chunks, ids, record, extra)
        self._store_questions(file, chunks, ids)
        self.records.commit(source, file, digest, ids, PIPELINE)
        report.indexed += 1

    def _write(
        self,
        source: str,
        file: str,
        chunks: list[Chunk],
        ids: list[str],
        record: FileRecord | None,
        extra: dict[str, str],
    ) -> int:
        """Upsert a file's chunks, embedding only the ones not already stored; drop stale ones."""
        pending = set(record.pending_ids) if record else set()
        previous = (set(record.chunk_ids) if record else set()) | pending
        self.records.begin(source, file, sorted(set(ids) | pending))
        metas = [_metadata(source, file, c) | extra for c in chunks]
        have = set(self.collection.get(ids=ids, include=[])["ids"]) if previous else set()
        new = [i for i, cid in enumerate(ids) if cid not in have]
        for start in range(0, len(new), EMBED_BATCH):
            part = new[start : start + EMBED_BATCH]
            vectors = self.embeddings.embed_documents([chunks[i].for_search() for i in part])
            self.collection.upsert(
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

    def everything(self) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        """All passages: ids, texts and metadata (for keyword search)."""
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


def _source(path: Path) -> str:
    # As text with undecodable bytes escaped: SQLite and Chroma refuse lone surrogates.
    return path_text(path.absolute().resolve() if not path.is_symlink() else path.absolute())


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
