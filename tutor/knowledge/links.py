"""Links from a citation back into the notes: `obsidian://` in a vault, `file://` otherwise.

A note in an Obsidian vault (a folder holding `.obsidian`, or the notes folder when
TUTOR_OBSIDIAN_VAULT names its vault) links to `obsidian://open?vault=V&file=F`, F the
note's path in the vault without `.md` and, when the citation has a heading, `#Heading`
after it, encoded into the parameter as Obsidian reads it. Any other note links to
`file:///absolute/path#12`: file URLs have no standard line anchor, so the line is the bare
number in the fragment, as ripgrep's `kitty` hyperlink format writes it (kitty and editors
set up for it open that line; every other opener ignores the fragment and opens the file).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from tutor.config import Settings

VAULT_MARKER = ".obsidian"
"""The folder Obsidian keeps at a vault's root."""
HEADING_SEPARATOR = " › "
"""How a citation's heading path joins its headings (as the chunker writes it)."""
UNLINKABLE = re.compile(r"[#|^:\[\]\\]+|%%")
"""Characters Obsidian leaves out of a heading link (it writes them as spaces)."""


def note_url(
    notes_root: Path, file: str, *, heading: str = "", line: int = 0, vault: str = ""
) -> str:
    """The link to `file` (relative to `notes_root`): into vault `vault` when one is given and
    Obsidian opens the file (a Markdown note), else `file://` to the file with its line."""
    # Obsidian reads `#` in `file` as a heading, so such a name cannot be opened by name.
    if vault and file.lower().endswith(".md") and "#" not in file:
        return obsidian_url(vault, file, heading)
    return file_url(notes_root / file, line)


def obsidian_url(vault: str, file: str, heading: str = "") -> str:
    """`obsidian://open?vault=…&file=…` for a vault-relative path, at the citation's heading.

    Only the innermost heading goes in: Obsidian opens `Note#Heading` at the first heading of
    that name, and a nested path is not part of its URI scheme."""
    target = PurePosixPath(file.replace(os.sep, "/")).as_posix()
    if target.lower().endswith(".md"):  # Obsidian adds `.md` to a name without a suffix
        target = target[:-3]
    if anchor := heading_anchor(heading):
        target = f"{target}#{anchor}"
    return f"obsidian://open?vault={quote(vault, safe='')}&file={quote(target, safe='')}"


def heading_anchor(heading: str) -> str:
    """The innermost heading of a `A › B` path as Obsidian links it ("" for none)."""
    own = heading.rsplit(HEADING_SEPARATOR, 1)[-1]
    return " ".join(UNLINKABLE.sub(" ", own).split())


def file_url(path: Path, line: int = 0) -> str:
    """`file:///absolute/path`, with `#line` when the line is known (see the module's doc)."""
    uri = Path(os.path.abspath(path)).as_uri()
    return f"{uri}#{line}" if line > 0 else uri


def vault_name(settings: Settings) -> str:
    """The vault the notes folder is: TUTOR_OBSIDIAN_VAULT, else the notes folder's name when
    it holds a `.obsidian` folder, else ""."""
    if settings.obsidian_vault:
        return settings.obsidian_vault
    notes = settings.notes.expanduser()
    return notes.name if (notes / VAULT_MARKER).is_dir() else ""


@lru_cache(maxsize=1024)
def vault_root(folder: str) -> Path | None:
    """The nearest folder at or above `folder` that holds `.obsidian`, or None.

    Cached per folder: a search cites many passages of few folders. A vault made while the
    process runs (rare) is seen by the next process."""
    start = Path(os.path.abspath(folder))
    for candidate in (start, *start.parents):
        if (candidate / VAULT_MARKER).is_dir():
            return candidate
    return None


def source_url(
    source: str,
    *,
    heading: str = "",
    line: int = 0,
    vault: str = "",
    notes: Path | None = None,
) -> str:
    """The link a citation of the note at `source` (an absolute path, as the index keeps it)
    carries; "" when the index did not record where the note is.

    The vault root is the nearest folder above the note that holds `.obsidian`, not the
    folder ingested (`tutor ingest ~/vault/topic` still links `topic/note` in `vault`).
    `vault` (TUTOR_OBSIDIAN_VAULT) names the vault of the notes folder `notes`: it links
    that folder's notes into it even when no `.obsidian` folder is there (a copy of a vault,
    a server whose learners open the links in their own Obsidian)."""
    if not source:
        return ""
    path = Path(os.path.abspath(source))
    root = vault_root(str(path.parent))
    name = root.name if root is not None else ""
    if vault and notes is not None and (notes_root := _holding(path, notes)) is not None:
        root, name = root or notes_root, vault
    if root is None:
        return file_url(path, line)
    file = path.relative_to(root).as_posix()
    return note_url(root, file, heading=heading, line=line, vault=name)


def _holding(path: Path, folder: Path) -> Path | None:
    """`folder` as written or with its links resolved, whichever holds `path`; else None
    (the index keeps a note's path resolved, the notes folder may be a link)."""
    for form in (os.path.abspath(folder.expanduser()), os.path.realpath(folder.expanduser())):
        if path.is_relative_to(form):
            return Path(form)
    return None
