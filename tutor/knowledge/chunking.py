"""Split a cleaned note into passages that follow its structure.

A chunk never crosses a heading, never splits a code fence, keeps a question
line with the bullets that answer it, and carries its heading breadcrumb and
the line span it came from.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from tutor.knowledge.loaders import NoteText
from tutor.knowledge.markdown import FENCE

HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
BOLD_HEADING = re.compile(r"^\s*\*\*([^*]+?)\*\*\s*$")
BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
PSEUDO_LEVEL = 7
SEPARATOR = " › "


@dataclass(frozen=True)
class Chunk:
    """A passage of a note with where it came from."""

    text: str
    heading: str
    start_line: int
    end_line: int
    cell: int | None = None
    """A notebook passage's first cell (None in other notes)."""
    end_cell: int | None = None
    """A notebook passage's last cell."""

    @property
    def content_hash(self) -> str:
        """Identifies the passage's text and place; cards and records key on it."""
        return hashlib.sha256(f"{self.heading}\n{self.text}".encode()).hexdigest()[:32]

    def for_search(self) -> str:
        """The text that is embedded and keyword-indexed: breadcrumb, then passage."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text


@dataclass
class _Unit:
    lines: list[int]
    is_question: bool = False
    is_code: bool = False


def heading_text(raw: str) -> str:
    """A heading's words without emphasis markers or stray punctuation."""
    return re.sub(r"\s+", " ", raw.replace("*", "").replace("_", " ").replace("`", "")).strip()


def chunk_note(note: NoteText, target_chars: int = 900) -> list[Chunk]:
    """Chunk a note along its headings, question blocks and code fences."""
    chunks: list[Chunk] = []
    for heading, indexes in _sections(note.lines):
        units = _units(note.lines, indexes)
        for lead, group in _pack(note.lines, units, target_chars):
            shown = ([lead] if lead is not None else []) + group
            text = "\n".join(note.lines[i] for i in shown).strip("\n")
            if not any(ch.isalnum() for ch in text):
                continue
            chunks.append(
                Chunk(
                    text=text,
                    heading=heading,
                    start_line=note.line_numbers[group[0]],
                    end_line=note.line_numbers[group[-1]],
                    cell=note.cells[group[0]],
                    end_cell=note.cells[group[-1]],
                )
            )
    return chunks


def _sections(lines: list[str]) -> list[tuple[str, list[int]]]:
    """Group line indexes under the heading path they sit beneath."""
    stack: list[tuple[int, str]] = []
    sections: list[tuple[str, list[int]]] = [("", [])]
    in_fence = False
    for i, line in enumerate(lines):
        if FENCE.match(line):
            in_fence = not in_fence
        level, title = (0, "") if in_fence else _heading(line)
        if level and title:
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + [(level, title)]
            sections.append((SEPARATOR.join(t for _, t in stack), []))
        elif not level:
            sections[-1][1].append(i)
    return [(h, idx) for h, idx in sections if any(lines[i].strip() for i in idx)]


def _heading(line: str) -> tuple[int, str]:
    match = HEADING.match(line)
    if match:
        return len(match.group(1)), heading_text(match.group(2))
    bold = BOLD_HEADING.match(line)
    if bold and not bold.group(1).rstrip().endswith(":"):
        return PSEUDO_LEVEL, heading_text(bold.group(1))
    return 0, ""


def _units(lines: list[str], indexes: list[int]) -> list[_Unit]:
    """Blocks between blank lines; a list stays with its lead line, a fence stays whole."""
    units: list[_Unit] = []
    current: list[int] = []
    fence = False

    def close() -> None:
        nonlocal current
        if current:
            units.append(_classify(lines, current))
            current = []

    for i in indexes:
        line = lines[i]
        if FENCE.match(line):
            if not fence:
                close()
            current.append(i)
            if fence:
                units.append(_Unit(current, is_code=True))
                current = []
            fence = not fence
        elif fence:
            current.append(i)
        elif not line.strip() or RULE.match(line):
            close()
        else:
            current.append(i)
    close()
    return _merge_lists(lines, units)


def _classify(lines: list[str], idx: list[int]) -> _Unit:
    first = lines[idx[0]].strip()
    leads_list = len(idx) > 1 and bool(BULLET.match(lines[idx[1]]))
    question = not BULLET.match(first) and (
        first.endswith("?") or (leads_list and len(first) < 120)
    )
    return _Unit(idx, is_question=question)


def _merge_lists(lines: list[str], units: list[_Unit]) -> list[_Unit]:
    """Join a bullet block to the block before it when that one is its lead or its list."""
    merged: list[_Unit] = []
    for unit in units:
        prev = merged[-1] if merged else None
        starts_list = bool(BULLET.match(lines[unit.lines[0]]))
        if prev and not prev.is_code and not unit.is_code and starts_list:
            prev_is_lead = len(prev.lines) == 1 and not BULLET.match(lines[prev.lines[0]])
            prev_has_list = any(BULLET.match(lines[i]) for i in prev.lines)
            if prev_is_lead or prev_has_list:
                prev.lines.extend(unit.lines)
                prev.is_question = prev.is_question or prev_is_lead
                continue
        merged.append(unit)
    return merged


Group = tuple[int | None, list[int]]
"""A chunk's lines, and the lead line repeated above them when a long block was cut."""


def _pack(lines: list[str], units: list[_Unit], target: int) -> list[Group]:
    """Fill chunks up to the target size; a question starts a fresh chunk."""
    groups: list[Group] = []
    current: list[int] = []
    size = 0
    holds_question = False
    for unit in units:
        length = sum(len(lines[i]) + 1 for i in unit.lines)
        # One question with its answer per chunk, unless the chunk so far is a scrap.
        starts_fresh = unit.is_question and size >= (120 if holds_question else target // 4)
        # A scrap (a stray line, a closing remark) stays with what it follows.
        too_big = size + length > (target * 3 // 2 if length < 80 else target)
        if current and (too_big or starts_fresh):
            groups.append((None, current))
            current, size, holds_question = [], 0, False
        if length > target * 3 // 2 and not unit.is_code:
            groups.extend(_split_long(lines, unit.lines, target))
            continue
        current.extend(unit.lines)
        size += length
        holds_question = holds_question or unit.is_question
    if current:
        groups.append((None, current))
    return groups


def _split_long(lines: list[str], idx: list[int], target: int) -> list[Group]:
    """Cut an oversized block at line boundaries, one line of overlap, lead line repeated."""
    # Repeat a question above each piece of its answer; a topic line may head unrelated bullets.
    lead = idx[0] if lines[idx[0]].rstrip().endswith("?") else None
    pieces: list[Group] = []
    current: list[int] = []
    size = len(lines[lead]) if lead is not None else 0
    for i in idx:
        length = len(lines[i]) + 1
        if current and size + length > target:
            pieces.append((lead if pieces and lead is not None else None, current))
            current = current[-1:]
            size = sum(len(lines[j]) + 1 for j in current) + (len(lines[lead]) if lead else 0)
        current.append(i)
        size += length
    if current:
        pieces.append((lead if pieces and lead is not None else None, current))
    return pieces
