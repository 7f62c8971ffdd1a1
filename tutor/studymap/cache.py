"""The study map kept on disk between commands, for one version of the index and of the code.

Building the map needs every passage, read from Chroma, which a command pays for in imports
and reads before it prints anything; `tutor map` and `tutor next` read this file instead
while the index is the version it was built from (passages held, last file committed: the
keyword index's stamp, read from the ingest records) and the code that built it is the same.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

from tutor.studymap.concepts import StudyMap

Stamp = tuple[int, float]
"""Passages the ingest records hold, and when a file was last committed."""
BUILT_BY = ("tutor/studymap", "tutor/knowledge/aliases.py")
"""The code a map depends on: a change to any of it builds the map again."""


@cache
def code_version() -> str:
    """A digest of the sources that build the map (read, not imported)."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for part in BUILT_BY:
        path = root / part
        for source in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def load_map(path: Path, stamp: Stamp) -> StudyMap | None:
    """The map saved for this version of the index and code, None if there is none."""
    from tutor.studymap.render import map_from_json

    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("stamp") != list(stamp) or saved.get("code") != code_version():
            return None
        return map_from_json(saved["map"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, half-written by an older run, or from another format: rebuild


def save_map(path: Path, stamp: Stamp, study_map: StudyMap) -> None:
    """Keep the map for the next command (written whole, then moved into place)."""
    from tutor.studymap.render import map_json

    data = {"stamp": list(stamp), "code": code_version(), "map": map_json(study_map, {})}
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        temporary.unlink(missing_ok=True)  # a cache only: the next command builds it again
