"""Where a passage's lines stand in its note, so every relation cites a real line.

A passage keeps its first and last line, not where each line of it is: blank lines between
its blocks are gone, and a long block's question may be repeated at its top. So the note is
read again (once per build, from the `source` path the index keeps) and each line of the
passage is looked up in order within the passage's span. A note that cannot be read (moved
since the ingest) gives lines counted from the passage's first line: near, maybe not exact.

The note is read as plain UTF-8 without the ingest's repair of double-encoded text (which
costs more than the whole rest of the build on a big vault), and lines are compared by their
ASCII characters only: a repair changes only characters outside ASCII, and the line numbers
stay. A note that is not UTF-8, or a notebook, is read as the ingest reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tutor.knowledge.chunking import BOLD_HEADING, HEADING, heading_text
from tutor.knowledge.cleaning import decode_note, split_front_matter
from tutor.knowledge.loaders import clean_lines, parse_note

Line = tuple[int, str]
"""A line of a note: its number (from 1) and its cleaned text."""
NOT_ASCII = re.compile(r"[^!-~]+")
ASCII_RUN = re.compile(r"[A-Za-z0-9][ -~]*")


def skeleton(text: str) -> str:
    """A line's visible ASCII characters: the same before and after a repair of its bytes."""
    return NOT_ASCII.sub("", text)


@dataclass
class NoteLines:
    """The notes' cleaned lines (as skeletons) by source path, read once each."""

    lines: dict[str, list[str] | None] = field(default_factory=dict)
    skeletons: dict[str, list[str]] = field(default_factory=dict)

    def of(self, source: str) -> list[str] | None:
        """The note's cleaned lines, or None if it cannot be read."""
        if source not in self.lines:
            self.lines[source] = _read(source)
            self.skeletons[source] = [
                skeleton(x) if x.strip() else "\0" for x in self.lines[source] or []
            ]
        return self.lines[source]

    def raw(self, source: str) -> list[str] | None:
        """The note's lines before cleaning (Markdown only), or None."""
        path = Path(source)
        try:
            if path.suffix.lower() == ".ipynb" or not path.is_file():
                return None
            return decode_note(path.read_bytes()).split("\n")
        except Exception:  # noqa: BLE001 - an unreadable note gives no links
            return None

    def place(self, source: str, text: str, start: int, end: int) -> list[Line]:
        """The passage's non-blank lines with their line numbers in the note."""
        found_any = self.of(source) is not None
        shapes = self.skeletons.get(source, [])
        out: list[Line] = []
        at = start
        for n, line in enumerate(x for x in text.split("\n") if x.strip()):
            shape = skeleton(line)
            found = _find(shapes, shape, at, end) if found_any else None
            if found is None and found_any and n == 0:
                found = _find(shapes, shape, 1, start, backwards=True)  # a repeated question
            number = found if found is not None else min(at, max(end, start))
            out.append((number, line.strip()))
            at = number + 1 if found is not None and number >= at else at + 1
        return out

    def heading_line(self, source: str, title: str, before: int) -> Line | None:
        """The heading line titled so, the last one above the line `before`; its text is the
        heading's longest ASCII run ("Big Picture: How …" of "## 📌 Big Picture: How …")."""
        note = self.of(source)
        if not note:
            return None
        wanted = skeleton(title)
        for i in range(min(before, len(note)) - 1, -1, -1):
            match = HEADING.match(note[i]) or BOLD_HEADING.match(note[i])
            if match and skeleton(heading_text(match.groups()[-1])) == wanted:
                runs = ASCII_RUN.findall(note[i])
                return i + 1, (max(runs, key=len) if runs else note[i]).strip()
        return None


def _read(source: str) -> list[str] | None:
    path = Path(source) if source else None
    try:
        if path is None or not path.is_file():
            return None
        data = path.read_bytes()
        if path.suffix.lower() != ".ipynb":
            try:
                return clean_lines(split_front_matter(data.decode("utf-8").split("\n"))[1])
            except UnicodeDecodeError:
                pass
        return list(parse_note(path, data).lines)
    except Exception:  # noqa: BLE001 - any unreadable note falls back to counted lines
        return None


def _find(
    shapes: list[str], shape: str, start: int, end: int, backwards: bool = False
) -> int | None:
    """The first line from `start` to `end` (or the last, going back) of that skeleton; a
    line with no ASCII at all ("↓") matches any non-blank line that has none either."""
    numbers = (
        range(min(end, len(shapes)), max(start, 1) - 1, -1)
        if backwards
        else range(max(start, 1), min(end, len(shapes)) + 1)
    )
    for number in numbers:
        if shapes[number - 1] == shape:
            return number
    return None
