"""Front-matter tags as topics: `quiz me on physik` asks from the notes tagged `physik`.

Ingest keeps a note's front-matter tags on each of its passages (`tags`, comma-separated). A
topic that is one of them (as typed, with its `#`, or the last part of a nested tag such as
`physik/mechanik`) names those notes, even when no passage says the word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import zip_longest
from typing import Any

from tutor.knowledge.passage import Passage

SPLIT = re.compile(r"[,\s]+")
ASIDE = re.compile(r"^(?:my\s+)?(?:notes?\s+)?(?:tagged\s+)?|\s+(?:notes?|tag)$", re.I)
"""Words around a tag in a request: "my notes tagged physik", "physik notes"."""


def tags_of(meta: Mapping[str, Any]) -> set[str]:
    """A passage's note tags, lower-cased, without their `#`."""
    raw = str(meta.get("tags") or "")
    return {t.lstrip("#").lower() for t in SPLIT.split(raw) if t.lstrip("#")}


def names_tag(topic: str, tags: Iterable[str]) -> bool:
    """Whether the topic is one of the tags, or the last part of a nested one."""
    wanted = ASIDE.sub("", topic.strip(" ?!.")).strip().lstrip("#").lower()
    return bool(wanted) and any(wanted in (tag, tag.rsplit("/", 1)[-1]) for tag in tags)


def tagged_passages(
    topic: str, rows: Iterable[tuple[str, str, Mapping[str, Any]]]
) -> list[Passage]:
    """The passages of the notes tagged `topic` (rows of id, text and metadata), each note's in
    order and the notes taking turns, so the first few show every tagged note."""
    notes: dict[str, list[Passage]] = {}
    for chunk_id, text, meta in rows:
        if names_tag(topic, tags_of(meta)):
            passage = Passage.from_row(chunk_id, text, dict(meta))
            notes.setdefault(passage.file, []).append(passage)
    for passages in notes.values():
        passages.sort(key=lambda p: p.start_line)
    return [p for turn in zip_longest(*notes.values()) for p in turn if p is not None]


def tags_first(found: Sequence[Passage], tagged: Sequence[Passage], k: int) -> list[Passage]:
    """Search results for a topic that is a tag: the tagged notes' passages only, those the
    search ranked first, then the others of those notes up to `k`."""
    if not tagged:
        return list(found)
    ids = {p.chunk_id for p in tagged}
    ranked = [p for p in found if p.chunk_id in ids]
    seen = {p.chunk_id for p in ranked}
    return (ranked + [p for p in tagged if p.chunk_id not in seen])[:k]


def as_headings(topic: str, passages: Sequence[Passage]) -> str:
    """A tag spelled as what its notes are about ("physik (Mechanik, Newtonsche Gesetze, …)"),
    for composing an explanation from notes that never say the tag's word."""
    parts = dict.fromkeys(part for p in passages for part in p.heading.split(" › ") if part)
    return f"{topic} ({', '.join(parts)})" if parts else topic
