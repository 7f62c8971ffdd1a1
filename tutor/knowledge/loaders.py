"""Find note files and read them into cleaned lines that remember where they came from."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutor.knowledge.cleaning import (
    NotText,
    clean_line,
    decode_note,
    split_front_matter,
    wikilink_targets,
)
from tutor.knowledge.exclude import EXCLUDED, Exclusion, exclusion_for
from tutor.prompts import PATH_MISSING
from tutor.text_in import path_text

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
NOTEBOOK_SUFFIX = ".ipynb"
SUFFIXES = TEXT_SUFFIXES | {NOTEBOOK_SUFFIX}
OUTPUT_LINES = 12
OUTPUT_CHARS = 1200
OUTPUT_LABEL = "Output:"
OUTPUT_INFO = "output"
"""The info string of the fence around a notebook code cell's output (its code's is python)."""


class Unreadable(Exception):
    """A file that cannot be ingested; the message is the reason shown to the learner."""


@dataclass
class Skip:
    """A path left out of an ingest, and why."""

    path: str
    reason: str


@dataclass
class NoteText:
    """A note as cleaned lines, each mapped back to its line (and cell) in the file."""

    lines: list[str]
    line_numbers: list[int]
    cells: list[int | None]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scan:
    """What a walk of the given paths found: notes to read, and what it left out and why."""

    found: list[tuple[Path, Path]] = field(default_factory=list)
    """(root, file) pairs: the folder given (or the file's own folder), then the note."""
    skipped: list[Skip] = field(default_factory=list)
    excluded: list[Skip] = field(default_factory=list)
    """Paths the exclude patterns left out (a folder once, not each file in it)."""
    emptied: list[Path] = field(default_factory=list)
    """Folders left with no note by the patterns the user wrote."""


def find_notes(
    paths: Iterable[Path], exclude: str = ""
) -> tuple[list[tuple[Path, Path]], list[Skip]]:
    """Walk the given files and folders; return (root, file) pairs and what was skipped."""
    scan = scan_notes(paths, exclude)
    return scan.found, scan.skipped


def scan_notes(paths: Iterable[Path], exclude: str = "") -> Scan:
    """Walk the given files and folders, leaving out what the defaults, `exclude`
    (TUTOR_NOTES_EXCLUDE) and each folder's `.tutorignore` exclude; a file named outright is
    always read."""
    scan = Scan()
    for given in paths:
        if not given.exists() and not given.is_symlink():
            scan.skipped.append(Skip(path_text(given), PATH_MISSING))
        elif given.is_dir():
            root = given.resolve()
            rules = exclusion_for(given, exclude)
            before, by_user = len(scan.found), False
            for path, reason in _walk(given, set(), rules, ""):
                if not reason:
                    scan.found.append((root, path))
                elif reason.startswith(EXCLUDED):
                    scan.excluded.append(Skip(path_text(path), reason))
                    by_user = by_user or rules.by_user(reason)
                else:
                    scan.skipped.append(Skip(path_text(path), reason))
            if by_user and len(scan.found) == before:
                scan.emptied.append(given)
        elif given.suffix.lower() in SUFFIXES:
            scan.found.append((given.parent.resolve(), given))
        else:
            kind = path_text(given.suffix) or "(none)"
            scan.skipped.append(Skip(path_text(given), f"unsupported file type {kind}"))
    return scan


def _walk(
    folder: Path, visiting: set[str], rules: Exclusion, under: str
) -> Iterator[tuple[Path, str]]:
    """Yield (file, "") for notes and (path, reason) for problems and exclusions; follows
    links, not loops. `under` is the folder's path below the root, `/`-separated."""
    real = os.path.realpath(folder)
    if real in visiting:
        yield folder, "symlink loop (folder links back to itself)"
        return
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield folder, f"cannot list folder: {exc.strerror or exc}"
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                yield path, "symlink loop"
            continue
        if not is_dir and path.suffix.lower() not in SUFFIXES:
            continue  # images, PDFs, settings: never read, so nothing to exclude or report
        relative = under + entry.name
        reason = rules.reason(relative, is_dir)
        if reason:
            yield path, reason
        elif is_dir:
            yield from _walk(path, visiting | {real}, rules, relative + "/")
        else:
            yield path, ""


def read_note_bytes(path: Path, max_bytes: int) -> bytes:
    """Read a note's bytes, refusing huge files, loops and unreadable ones with a reason."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise Unreadable(
                f"too large ({size / 1e6:.1f} MB, limit {max_bytes / 1e6:.1f} MB; "
                "raise TUTOR_MAX_FILE_MB to include it)"
            )
        return path.read_bytes()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Unreadable("symlink loop") from exc
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise Unreadable("permission denied (cannot read the file)") from exc
        if exc.errno == errno.ENOENT:
            raise Unreadable("broken link or file vanished while reading") from exc
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from exc


def file_hash(raw: bytes) -> str:
    """The content hash that decides whether a file changed since the last ingest."""
    return hashlib.sha256(raw).hexdigest()


def parse_note(path: Path, raw: bytes) -> NoteText:
    """Parse a note's bytes by its format: Markdown/text or a Jupyter notebook."""
    if path.suffix.lower() == NOTEBOOK_SUFFIX:
        return _parse_notebook(raw)
    try:
        text = decode_note(raw)
    except NotText as exc:
        raise Unreadable(str(exc)) from exc
    return _parse_markdown(text.split("\n"))


def _parse_markdown(raw_lines: list[str]) -> NoteText:
    meta, lines = split_front_matter(raw_lines)
    links = wikilink_targets("\n".join(lines))
    cleaned = clean_lines(lines)
    metadata: dict[str, Any] = {"front_matter": meta} if meta else {}
    if links:
        metadata["links"] = links
    numbers = list(range(1, len(cleaned) + 1))
    return NoteText(cleaned, numbers, [None] * len(cleaned), metadata)


def clean_lines(lines: list[str]) -> list[str]:
    """Clean every line outside code fences; code stays exactly as written."""
    out: list[str] = []
    fence = ""
    for line in lines:
        marker = line.lstrip()[:3]
        if fence:
            out.append(line.rstrip())
            if marker == fence:
                fence = ""
        elif marker in ("```", "~~~"):
            fence = marker
            out.append(line.rstrip())
        else:
            out.append(clean_line(line))
    return out


def _parse_notebook(raw: bytes) -> NoteText:
    try:
        text = decode_note(raw)
        nb = json.loads(text)
    except NotText as exc:
        raise Unreadable(str(exc)) from exc
    except json.JSONDecodeError as exc:
        raise Unreadable(f"broken notebook: invalid JSON at line {exc.lineno}") from exc
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise Unreadable("broken notebook: no list of cells")
    lines: list[str] = []
    cell_of: list[int | None] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            continue
        block = _notebook_cell_lines(cell)
        if block:
            lines.extend([*block, ""])
            cell_of.extend([number] * (len(block) + 1))
    if not any(line.strip() for line in lines):
        raise Unreadable("empty notebook (no text in any cell)")
    links = wikilink_targets("\n".join(lines))
    meta: dict[str, Any] = {"links": links} if links else {}
    return NoteText(lines, list(range(1, len(lines) + 1)), cell_of, meta)


def _notebook_cell_lines(cell: dict[str, Any]) -> list[str]:
    source = _joined(cell.get("source", ""))
    kind = cell.get("cell_type")
    if kind == "markdown":
        return clean_lines(source.split("\n")) if source.strip() else []
    if kind != "code" or not source.strip():
        return []
    block = ["```python", *source.rstrip("\n").split("\n"), "```"]
    output = _trimmed_output(cell.get("outputs") or [])
    # Labelled twice: "Output:" for the reader, the fence's `output` for a passage cut
    # between the two, so what the code printed is never taken for code, nor code for it.
    return [*block, *([OUTPUT_LABEL, f"```{OUTPUT_INFO}", *output, "```"] if output else [])]


def _trimmed_output(outputs: list[Any]) -> list[str]:
    """Text outputs only (images dropped), cut to a few lines so notes stay notes."""
    text = ""
    for out in outputs:
        if not isinstance(out, dict):
            continue
        if out.get("output_type") == "stream":
            text += _joined(out.get("text", ""))
        elif isinstance(out.get("data"), dict) and "text/plain" in out["data"]:
            text += _joined(out["data"]["text/plain"]) + "\n"
        elif out.get("output_type") == "error":
            text += f"{out.get('ename', 'Error')}: {out.get('evalue', '')}\n"
    lines = text[:OUTPUT_CHARS].rstrip("\n").split("\n")
    if not text.strip():
        return []
    if len(lines) > OUTPUT_LINES or len(text) > OUTPUT_CHARS:
        lines = [*lines[:OUTPUT_LINES], "… (output trimmed)"]
    return lines


def _joined(value: object) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return str(value or "")
