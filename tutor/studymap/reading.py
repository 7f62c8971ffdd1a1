"""Reading the passages into candidate concepts: headings, title lines and defined terms.

Each candidate remembers where it is (file, line, the line's text), the passages it owns,
the lines that introduce it (its `home`: what a prerequisite is read from), and what it sits
under (the heading or title above it: part-of). `tutor.studymap.merge` makes concepts of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tutor.knowledge.chunking import SEPARATOR
from tutor.learning.recall_blocks import read_lines
from tutor.studymap.introductions import (
    HOME_POINTS,
    defined_term,
    home,
    is_title,
    settle,
)
from tutor.studymap.names import read_name
from tutor.studymap.note_lines import Line, NoteLines


@dataclass
class Candidate:
    """One place the notes name something to study."""

    names: list[str]
    kind: str
    file: str
    line: Line
    heading: str
    passages: list[str] = field(default_factory=list)
    home: list[Line] = field(default_factory=list)
    parent: int | None = None
    """The candidate it sits under; None at the top, or under a heading naming several."""
    aliases: list[str] = field(default_factory=list)
    single: bool = True
    """The heading names one concept (children of "X and Y" are part of neither)."""


@dataclass
class Row:
    """A passage with its lines placed in its note."""

    chunk_id: str
    file: str
    source: str
    heading: str
    start: int
    lines: list[Line]
    links: list[str]


@dataclass
class Reading:
    """What the passages gave: candidates, rows, and the "X vs Y" titles met on the way."""

    candidates: list[Candidate] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    compared: list[tuple[str, str, str, Line]] = field(default_factory=list)
    """(name, name, file, line) for each "X vs Y" heading or title."""


def read_rows(rows: Sequence[tuple[str, str, Mapping[str, Any]]], notes: NoteLines) -> Reading:
    """The candidates of every passage, files in order, passages by line."""
    reader = _Reader(notes)
    for chunk_id, text, meta in sorted(rows, key=_order):
        reader.read(chunk_id, text, meta)
    cands = reader.out.candidates
    owned: dict[str, set[int]] = {}
    for c in cands:
        if c.kind in ("title", "definition"):
            owned.setdefault(c.file, set()).add(c.line[0])
    for cand in cands:
        cand.home = settle(cand.home, cand.line[0], owned.get(cand.file, set()))
    return reader.out


def _order(row: tuple[str, str, Mapping[str, Any]]) -> tuple[str, int]:
    return str(row[2].get("file", "")), int(row[2].get("start_line", 0) or 0)


class _Reader:
    def __init__(self, notes: NoteLines) -> None:
        self.notes = notes
        self.out = Reading()
        self.sections: dict[tuple[str, str], int | None] = {}

    def read(self, chunk_id: str, text: str, meta: Mapping[str, Any]) -> None:
        source = str(meta.get("source", ""))
        start, end = int(meta.get("start_line", 1) or 1), int(meta.get("end_line", 1) or 1)
        links = [t.strip() for t in str(meta.get("links", "") or "").split(",") if t.strip()]
        lines = self.notes.place(source, text, start, end)
        heading = str(meta.get("heading", ""))
        row = Row(chunk_id, str(meta.get("file", "")), source, heading, start, lines, links)
        self.out.rows.append(row)
        owner = self._section(row, row.heading)
        if owner is not None:
            cand = self.out.candidates[owner]
            cand.passages.append(chunk_id)
            if not cand.home and cand.heading == row.heading:
                cand.home = home(row.lines)
        single = owner is not None and self.out.candidates[owner].single
        self._titles_and_terms(row, text, owner if single else None)

    def _add(self, candidate: Candidate) -> int:
        self.out.candidates.append(candidate)
        return len(self.out.candidates) - 1

    def _section(self, row: Row, path: str) -> int | None:
        """The candidate owning a heading path: its own, or the nearest named one above."""
        if not path:
            return None
        if (row.file, path) in self.sections:
            return self.sections[(row.file, path)]
        above, _, title = path.rpartition(SEPARATOR)
        parent = self._section(row, above)
        named = read_name(title)
        place = self.notes.heading_line(row.source, title, row.start)
        place = place or (max(row.start - 1, 1), title)
        if named.compared:
            self.out.compared.append((*named.compared, row.file, place))
            for side in named.compared:  # compared, not part of what they sit under
                self._add(Candidate([side], "heading", row.file, place, path))
        owner = parent
        single = parent is not None and self.out.candidates[parent].single
        for n, name in enumerate(named.names):
            # Each its own list: "RLHF & Alignment" names two, and an alias added to one later
            # (`tutor.studymap.merge`) is not the other's.
            cand = Candidate([name], "heading", row.file, place, path, aliases=[*named.aliases])
            cand.parent, cand.single = (parent if single else None), len(named.names) == 1
            found = self._add(cand)
            owner = found if n == 0 else owner
        self.sections[(row.file, path)] = owner
        return owner

    def _titles_and_terms(self, row: Row, text: str, parent: int | None) -> None:
        """Title lines over bullets ("Sigmoid Function", "What is LSTM") and defined terms:
        a title is part of the heading's concept, a term part of the title above it."""
        lines = read_lines(text)
        kept = [i for i, t in enumerate(text.split("\n")) if t.strip()]
        placed = dict(zip(kept, range(len(kept)), strict=True))
        under = parent
        for i, line in enumerate(lines):
            k = placed.get(i)
            if line is None or k is None or k >= len(row.lines):
                continue
            if is_title(line, lines[i + 1] if i + 1 < len(lines) else None):
                named = read_name(line.text)
                if named.compared:
                    self.out.compared.append((*named.compared, row.file, row.lines[k]))
                    for side in named.compared:
                        self._add(self._here(row, [side], "title", k, [], None))
                if named.names:
                    window = row.lines[k + 1 : k + HOME_POINTS + 2]
                    cand = self._here(row, named.names[:1], "title", k, home(window), parent)
                    cand.aliases = named.aliases
                    under = self._add(cand)
                    continue
            term = defined_term(line)
            defined = read_name(term) if term else None
            for n, name in enumerate(defined.names if defined else []):
                # "Document Loaders & Text Splitters: …" defines both
                cand = self._here(row, [name], "definition", k, home(row.lines[k : k + 1]), under)
                cand.aliases = defined.aliases if defined and n == 0 else []
                self._add(cand)

    def _here(
        self, row: Row, names: list[str], kind: str, k: int, lines: list[Line], parent: int | None
    ) -> Candidate:
        """A candidate introduced at the passage's k-th line."""
        return Candidate(
            names, kind, row.file, row.lines[k], row.heading, [row.chunk_id], lines, parent
        )
