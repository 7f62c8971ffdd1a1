"""A passage of the notes as answers cite it, and how a citation reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from tutor.knowledge.links import source_url

if TYPE_CHECKING:
    from langchain_core.documents import Document


class LineSource(TypedDict):
    """Where a passage is, as sources recorded before notebook cells were cited hold it."""

    file: str
    """The note, relative to the notes folder."""
    heading: str
    """The heading path above the passage (`A › B`), empty before the first heading."""
    start_line: int | None
    """The passage's first line (counted from 1); None for a notebook passage, cited by cell."""
    end_line: int | None
    """The passage's last line; None for a notebook passage."""


class Source(LineSource, total=False):
    """Where a passage is, as answers, quiz questions and cards record it (`Passage.ref`).

    Every source written now has `cell` and `end_cell`; only sources recorded before cells
    were cited lack them."""

    cell: int | None
    """A notebook passage's first cell (counted from 1); None elsewhere."""
    end_cell: int | None
    """A notebook passage's last cell; None elsewhere."""
    url: str
    """A link back to the passage in the notes (`obsidian://` in a vault, else `file://`);
    absent from sources recorded before citations carried links."""


@dataclass
class Passage:
    """A retrieved passage as the CLI and JSON show it."""

    file: str
    heading: str
    start_line: int
    end_line: int
    text: str
    score: float
    similarity: float = 0.0
    """Cosine similarity of the passage to the query (0 when dense search did not rank it)."""
    chunk_id: str = ""
    """The passage's id in the index (derived from its file and content)."""
    cell: int | None = None
    """A notebook passage's first cell (counted from 1, top of the notebook); None elsewhere.
    Its `start_line` and `end_line` then count lines of the notebook as read, not of the file."""
    end_cell: int | None = None
    """A notebook passage's last cell (the same as `cell` within one cell); None elsewhere."""
    source: str = ""
    """The note's absolute path, as the index keeps it ("" when not known)."""
    url: str = ""
    """A link back to the passage given by whoever knows the settings (`linked`); when empty,
    `link()` finds one from `source`."""

    @classmethod
    def from_document(cls, doc: Document) -> Passage:
        """Build from a retriever document."""
        m = doc.metadata
        return replace(
            cls.from_row(str(doc.id or ""), doc.page_content, m),
            score=round(float(m.get("score", 0.0)), 6),
            similarity=round(float(m.get("similarity", 0.0)), 4),
        )

    @classmethod
    def from_row(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> Passage:
        """Build from an index row (id, text, metadata), unranked."""
        # An index written before cells were cited holds a notebook's first cell without its
        # last: that passage keeps its line citation until `tutor ingest` refreshes it.
        cited_by_cell = meta.get("end_cell") is not None
        return cls(
            file=str(meta.get("file", "")),
            heading=str(meta.get("heading", "")),
            start_line=int(meta.get("start_line", 0)),
            end_line=int(meta.get("end_line", 0)),
            text=text,
            score=0.0,
            chunk_id=chunk_id,
            cell=int(meta["cell"]) if cited_by_cell else None,
            end_cell=int(meta["end_cell"]) if cited_by_cell else None,
            source=str(meta.get("source", "")),
        )

    @property
    def citation(self) -> str:
        """`file › heading (lines a–b)`, `(line a)`, or for a notebook `(cell n)`/`(cells m–n)`."""
        return cite(self.ref())

    def ref(self) -> Source:
        """Where the passage is, as answers and quiz cards record it (and JSON shows it)."""
        by_cell = self.cell is not None
        return {
            "file": self.file,
            "heading": self.heading,
            "start_line": None if by_cell else self.start_line,
            "end_line": None if by_cell else self.end_line,
            "cell": self.cell,
            "end_cell": self.end_cell,
        }

    def link(self, vault: str = "", notes: Path | None = None) -> str:
        """The link back into the notes: `url` when given, else one found from `source` (an
        Obsidian vault by its `.obsidian` folder, or `vault` naming the notes folder `notes`).
        A notebook's lines are not the file's, so its link carries none."""
        if self.url:
            return self.url
        line = 0 if self.cell is not None else self.start_line
        return source_url(self.source, heading=self.heading, line=line, vault=vault, notes=notes)

    def linked(self, vault: str = "", notes: Path | None = None) -> Passage:
        """The passage with its `url` set (see `link`)."""
        return replace(self, url=self.link(vault, notes))

    def as_dict(self) -> dict[str, Any]:
        """JSON-able fields (a notebook passage's lines are null: its cells say where it is),
        and its `url` in place of the note's path on this machine."""
        fields = {k: v for k, v in asdict(self).items() if k != "source"}
        return fields | self.ref() | {"url": self.link()}


def cite(ref: Mapping[str, Any]) -> str:
    """`file › heading (lines a–b)` for a source ref: `(line a)` for one line, and for a
    notebook `(cell n)` or `(cells m–n)`; refs recorded before cells were cited work too."""
    place = f"{ref['file']} › {ref['heading']}" if ref.get("heading") else str(ref["file"])
    if ref.get("cell") is not None:
        first, last, one, many = ref["cell"], ref.get("end_cell"), "cell", "cells"
    else:
        first, last, one, many = ref.get("start_line"), ref.get("end_line"), "line", "lines"
    if first is None:
        return place
    if last is None or last == first:
        return f"{place} ({one} {first})"
    return f"{place} ({many} {first}–{last})"
