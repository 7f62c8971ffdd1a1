"""What an ingest would do, without doing it: `tutor ingest --dry-run`.

It walks the notes with the same exclude patterns, hashes each file against the ingest
record, reads each new or changed one as ingest would (so a broken one shows as skipped),
and names the indexed files an ingest would remove. It loads neither Chroma nor the
embedding model, so it answers in about the time of reading the files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tutor.errors import TutorError
from tutor.knowledge.chunking import chunk_note
from tutor.knowledge.index import PIPELINE, NotesIndex, _sources
from tutor.knowledge.loaders import (
    Skip,
    Unreadable,
    file_hash,
    parse_note,
    read_note_bytes,
    scan_notes,
)
from tutor.text_in import path_text


@dataclass
class Planned:
    """A note an ingest would keep in the index, and whether it would (re)index it."""

    path: str
    status: str
    """`new`, `changed` or `unchanged`."""


@dataclass
class IngestPlan:
    """Every note an ingest would index, skip, leave out or remove, each with its reason."""

    index: list[Planned] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    excluded: list[Skip] = field(default_factory=list)
    remove: list[Skip] = field(default_factory=list)
    refused: str | None = None
    """Why the ingest itself would refuse to run (it would empty a folder of the index)."""

    def count(self, status: str) -> int:
        """How many notes have this status."""
        return sum(1 for p in self.index if p.status == status)

    def as_dict(self) -> dict[str, Any]:
        """The plan as plain JSON-able data."""
        return asdict(self)


def plan_ingest(index: NotesIndex, paths: Iterable[Path]) -> IngestPlan:
    """What `index.ingest(paths)` would do now."""
    paths = [Path(p).expanduser() for p in paths]
    scan = scan_notes(paths, index.settings.notes_exclude)
    plan = IngestPlan(skipped=scan.skipped, excluded=scan.excluded)
    limit = int(index.settings.max_file_mb * 1_000_000)
    sources = _sources([path for _, path in scan.found])
    for (_, path), source in zip(scan.found, sources, strict=True):
        record = index.records.get(source)
        try:
            raw = read_note_bytes(path, limit)
            if record and record.up_to_date(file_hash(raw), PIPELINE):
                plan.index.append(Planned(path_text(path), "unchanged"))
                continue
            if not chunk_note(parse_note(path, raw), index.settings.chunk_chars):
                raise Unreadable("no text to index")
        except Unreadable as exc:  # the reason ingest would give (it keeps indexed passages)
            plan.skipped.append(Skip(path_text(path), str(exc)))
            continue
        plan.index.append(Planned(path_text(path), "new" if record is None else "changed"))
    seen = set(sources)
    folders = [path_text(p.resolve()) + os.sep for p in paths if p.is_dir()]
    left_out = [(path_text(Path(s.path).resolve()), s.reason) for s in scan.excluded]
    for record in index.records.all():
        if record.source in seen or not any(record.source.startswith(f) for f in folders):
            continue
        why = next(
            (r for p, r in left_out if record.source == p or record.source.startswith(p + os.sep)),
            "no longer there",
        )
        plan.remove.append(Skip(record.file, why))
    try:
        index.refuse_emptied(scan.emptied)
    except TutorError as exc:
        plan.refused = exc.message
    return plan
