"""A learner's cards as rows another tool reads: question, answer, source, link, tags, schedule.

`tutor export anki` turns the rows into an Anki deck (`anki_deck`); `--csv` writes them as
they are. A row keeps the card's FSRS state (due, stability, difficulty) so the other tool
can go on with the learner's schedule.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.errors import TutorError
from tutor.knowledge.links import note_url
from tutor.knowledge.passage import cite
from tutor.learning.cards import Card, FsrsState
from tutor.learning.question import LABELS

if TYPE_CHECKING:
    from tutor.learning.collaborators import Collaborators

CSV_COLUMNS = ("question", "answer", "source", "url", "tags", "due", "stability", "difficulty")
TAG_ROOT = "tutor"
UNTAGGABLE = re.compile(r"[\s\":,]+|›")
"""What an Anki tag cannot hold: spaces separate tags, `::` nests them."""
WRITABLE = "give a path in a folder you can write to"


@dataclass
class ExportRow:
    """One card as it leaves the tutor."""

    card_id: str
    """The tutor's card id: the note's stable id in the other tool."""
    question: str
    """The question as the learner reads it (Markdown; a multiple choice lists its options)."""
    answer: str
    """The answer the notes give (the right option, labelled, for a multiple choice)."""
    source: str
    """`file › heading (lines a–b)`."""
    url: str
    """A link back to the passage in the notes."""
    fsrs: FsrsState
    """The FSRS state the schedule goes on from."""
    reviews: int
    """How many reviews the card's history holds."""
    lapses: int
    """How many of them were rated `again`."""
    tags: list[str] = field(default_factory=list)
    """`tutor`, `tutor::note::<note>`, `tutor::topic::<heading>`."""

    @property
    def reviewed(self) -> bool:
        """Whether the learner has reviewed the card (else it is new to the other tool)."""
        return self.reviews > 0 and self.fsrs.get("stability") is not None


def export_rows(cards: Iterable[Card], notes: Path, vault: str = "") -> list[ExportRow]:
    """The live cards (retired ones left out) as rows, their links into the notes at `notes`
    (into Obsidian vault `vault` when one is given)."""
    return [as_row(c, notes, vault) for c in cards if c.get("status") != "retired"]


def as_row(card: Card, notes: Path, vault: str = "") -> ExportRow:
    """One card as a row."""
    question, source = card["question"], card["source"]
    options, right = question.get("options") or [], question.get("answer_index")
    asked = question["prompt"]
    answer = question["reference"]
    if options:
        asked = "\n".join([asked, "", *(f"- {LABELS[i]}) {o}" for i, o in enumerate(options))])
        if right is not None and 0 <= right < len(options):
            answer = f"{LABELS[right]}) {options[right]}"
    history = card.get("history", [])
    return ExportRow(
        card_id=card["id"],
        question=asked,
        answer=answer,
        source=cite(source),
        url=source.get("url") or source_link(card, notes, vault),
        fsrs=card["fsrs"],
        reviews=len(history),
        lapses=sum(h["rating"] == "again" for h in history),
        tags=card_tags(card),
    )


def source_link(card: Card, notes: Path, vault: str = "") -> str:
    """The link to a card's passage, for cards recorded before sources carried one."""
    source = card["source"]
    line = 0 if source.get("cell") is not None else int(source.get("start_line") or 0)
    return note_url(
        notes, source["file"], heading=source.get("heading", ""), line=line, vault=vault
    )


def card_tags(card: Card) -> list[str]:
    """`tutor`, then a tag for the card's note and one for its topic (its own heading)."""
    file = Path(str(card["source"].get("file", ""))).stem
    heading = str(card["source"].get("heading", "")).split("›")[-1]
    tags = [TAG_ROOT]
    if note := tag_word(file):
        tags.append(f"{TAG_ROOT}::note::{note}")
    if topic := tag_word(heading):
        tags.append(f"{TAG_ROOT}::topic::{topic}")
    return tags


def tag_word(text: str) -> str:
    """Text as one Anki tag level: runs of spaces, quotes, colons and commas become `_`."""
    return UNTAGGABLE.sub("_", text.strip()).strip("_")


def cards_on_topic(services: Collaborators, cards: Sequence[Card], topic: str) -> list[Card]:
    """The cards a quiz on `topic` would review: from a passage about the topic, or naming it
    in their own heading or question (as `selection.due_card` picks them)."""
    from tutor.learning.on_topic import find_on_topic
    from tutor.learning.selection import about

    found = find_on_topic(services, topic)
    chunk_ids = set() if found.in_passing else {p.chunk_id for p in found.passages}
    try:
        aliases = services.retriever.aliases
    except TutorError:
        aliases = None  # an index that cannot be read: the cards' own words decide
    return [c for c in cards if c.get("chunk_id") in chunk_ids or about(c, topic, aliases)]


def write_csv(rows: Sequence[ExportRow], path: Path) -> None:
    """The rows as CSV with a header: question, answer, source, url, tags (space-separated),
    due (ISO 8601, UTC), stability and difficulty (empty before the first review)."""
    try:
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            for row in rows:
                stability, difficulty = row.fsrs.get("stability"), row.fsrs.get("difficulty")
                writer.writerow(
                    [
                        row.question,
                        row.answer,
                        row.source,
                        row.url,
                        " ".join(row.tags),
                        row.fsrs["due"] if row.reviewed else "",
                        "" if stability is None else f"{stability:.4f}",
                        "" if difficulty is None else f"{difficulty:.4f}",
                    ]
                )
    except OSError as exc:
        raise cannot_write(path, exc) from None


def cannot_write(path: Path, exc: OSError) -> TutorError:
    """The error for an output file the export cannot write."""
    return TutorError(f"cannot write {path}: {exc.strerror or exc}", WRITABLE)


def check_output(path: Path, suffix: str, hint: str = WRITABLE) -> None:
    """Refuse an output file of another kind than `suffix`, or in a place it cannot be
    written, before any work: the user fixes the path, nothing is left half written."""
    if path.suffix.lower() != suffix:
        raise TutorError(f"cannot write {path}: the file must end in {suffix}", hint)
    folder = path.parent
    if path.is_dir():
        reason = "it is a folder"
    elif not folder.is_dir():
        reason = "no such folder"
    elif not os.access(path if path.exists() else folder, os.W_OK):
        reason = "permission denied"
    else:
        return
    raise TutorError(f"cannot write {path}: {reason}", hint)
