"""A learner's cards as an Anki deck (.apkg) that carries their FSRS schedule.

The deck is built with the `anki` library itself, in a throwaway collection: one note of the
note type "Tutor card" (fields Question, Answer, Source) per card, its guid the tutor's card
id, so importing a later export updates the notes instead of adding copies. Each card keeps
the learner's schedule: a reviewed card is a review (or learning) card due on the day FSRS
says, with its memory state (stability, difficulty), last review time and the decay of the
tutor's forgetting curve, so Anki with FSRS goes on from there; a card never reviewed is new
(the review history is not sent: Anki needs only the memory state to go on). Anki stores a
review card's due date as a day number counted from its collection's creation; the importer
moves it into the importing collection's count, so the date stays the same.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.learning.card_export import ExportRow, cannot_write
from tutor.learning.cards import scheduler

if TYPE_CHECKING:
    from anki.collection import Collection

DAY = 86_400
DECK = "Tutor"
NOTETYPE = "Tutor card"
NOTETYPE_ID = 1_700_000_000_001
"""Fixed ids for the note type, its fields and template: Anki matches a note type on import
by id, and a new id on each export would make the notes already imported conflict."""
FIELD_IDS = (1_700_000_000_101, 1_700_000_000_102, 1_700_000_000_103)
TEMPLATE_ID = 1_700_000_000_201
GUID_PREFIX = "tutor:"
# Anki's card types and queues (anki.consts), named here so the schedule needs no anki import.
NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
QUEUE_NEW, QUEUE_LEARNING, QUEUE_REVIEW, QUEUE_DAY_LEARNING = 0, 1, 2, 3
DECAY = 20
"""Where FSRS-6 keeps the forgetting curve's decay among its parameters."""
FACTOR = 2500
"""Anki's starting ease (250%), used only when FSRS is off in the importing collection."""
QUESTION_HTML = "<div class=question>{{Question}}</div>"
ANSWER_HTML = "{{FrontSide}}<hr id=answer>{{Answer}}<div class=source>{{Source}}</div>"
CSS = ".card{font-family:sans-serif;text-align:left}.source{margin-top:1em;font-size:80%}"


@dataclass(frozen=True)
class AnkiSchedule:
    """Where one card stands in Anki's terms."""

    ctype: int
    queue: int
    due: int
    """A day number (review, day learning), a Unix time (learning today), or the new card's
    position."""
    ivl: int
    """Days between the last review and the due day (0 for new and learning cards, 1 for
    relearning ones)."""
    stability: float | None = None
    difficulty: float | None = None
    last_review: int | None = None
    """The last review as a Unix time."""


def anki_schedule(row: ExportRow, today: int, day_start: float, position: int) -> AnkiSchedule:
    """A card's FSRS state as Anki schedules it: `today` is the collection's day number and
    `day_start` the Unix time that day began (Anki's day starts at its rollover hour)."""
    fsrs = row.fsrs
    if not row.reviewed:
        return AnkiSchedule(NEW, QUEUE_NEW, position, 0)
    due = datetime.fromisoformat(fsrs["due"]).timestamp()
    day = today + math.floor((due - day_start) / DAY)
    last = fsrs.get("last_review")
    last_review = int(datetime.fromisoformat(last).timestamp()) if last else None
    memory = {"stability": fsrs.get("stability"), "difficulty": fsrs.get("difficulty")}
    if fsrs["state"] == 2:  # review
        days = (due - last_review) / DAY if last_review else float(fsrs.get("stability") or 1)
        return AnkiSchedule(
            REVIEW, QUEUE_REVIEW, day, max(1, round(days)), **memory, last_review=last_review
        )
    # A relearning card had an interval before its lapse; Anki wants one of at least a day.
    ctype, ivl = (LEARNING, 0) if fsrs["state"] == 1 else (RELEARNING, 1)
    if due < day_start + DAY:  # due within today: Anki keeps such a step as a time
        return AnkiSchedule(ctype, QUEUE_LEARNING, int(due), ivl, **memory, last_review=last_review)
    return AnkiSchedule(ctype, QUEUE_DAY_LEARNING, day, ivl, **memory, last_review=last_review)


def write_apkg(rows: Sequence[ExportRow], path: Path, deck: str = DECK) -> int:
    """Write the rows as an Anki package with their schedule; returns how many are due by
    the end of Anki's day."""
    from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions

    with tempfile.TemporaryDirectory(prefix="tutor-anki-") as tmp:
        col = Collection(str(Path(tmp) / "deck.anki2"))
        try:
            deck_id = col.decks.id(deck)
            assert deck_id is not None
            due_today = _add_cards(col, rows, deck_id)
            built = Path(tmp) / "deck.apkg"
            options = ExportAnkiPackageOptions(
                with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
            )
            col.export_anki_package(
                out_path=str(built), options=options, limit=DeckIdLimit(deck_id)
            )
        finally:
            col.close()
        try:
            shutil.copyfile(built, path)
        except OSError as exc:
            raise cannot_write(path, exc) from None
    return due_today


def _add_cards(col: Collection, rows: Sequence[ExportRow], deck_id: Any) -> int:
    """Add one note per row, then give each card its schedule; returns how many are due."""
    from anki.cards import FSRSMemoryState
    from anki.collection import AddNoteRequest
    from anki.consts import CardQueue, CardType

    notetype = _notetype(col)
    notes = []
    for row in rows:
        note = col.new_note(notetype)
        note["Question"], note["Answer"] = html(row.question), html(row.answer)
        note["Source"] = source_html(row)
        note.guid = GUID_PREFIX + row.card_id
        note.tags = list(row.tags)
        notes.append(note)
    col.add_notes([AddNoteRequest(note=n, deck_id=deck_id) for n in notes])
    today, cutoff = col.sched.today, col.sched.day_cutoff
    # The forgetting curve the tutor's FSRS drew: without it Anki assumes FSRS-5's decay
    # and would estimate recall (and the next interval) on another curve.
    decay, retention = float(scheduler().parameters[DECAY]), scheduler().desired_retention
    cards, due_today = [], 0
    for position, (note, row) in enumerate(zip(notes, rows, strict=True), start=1):
        plan = anki_schedule(row, today, cutoff - DAY, position)
        card = col.get_card(col.card_ids_of_note(note.id)[0])
        card.type, card.queue = CardType(plan.ctype), CardQueue(plan.queue)
        card.due, card.ivl = plan.due, plan.ivl
        if plan.ctype != NEW:
            card.reps, card.lapses, card.factor = row.reviews, row.lapses, FACTOR
            if plan.stability is not None and plan.difficulty is not None:
                card.memory_state = FSRSMemoryState(
                    stability=plan.stability, difficulty=plan.difficulty
                )
            if plan.last_review is not None and hasattr(card, "last_review_time"):
                card.last_review_time = plan.last_review  # Anki 25.07 and later keep it
            card.decay, card.desired_retention = decay, retention
            due_today += plan.due < cutoff if plan.queue == QUEUE_LEARNING else plan.due <= today
        cards.append(card)
    col.update_cards(cards, skip_undo_entry=True)
    return due_today


def _notetype(col: Collection) -> Any:
    """The "Tutor card" note type, with its fixed ids (see NOTETYPE_ID)."""
    models = col.models
    notetype = models.new(NOTETYPE)
    for name, field_id in zip(("Question", "Answer", "Source"), FIELD_IDS, strict=True):
        field = models.new_field(name)
        field["id"] = field_id
        models.add_field(notetype, field)
    template = models.new_template("Card 1")
    template.update(qfmt=QUESTION_HTML, afmt=ANSWER_HTML, id=TEMPLATE_ID)
    models.add_template(notetype, template)
    notetype["css"] = CSS
    added = models.add(notetype).id
    db = col.db
    assert db is not None  # an open collection
    # Anki gives a new note type a fresh id and has no call to choose it; this collection
    # is a throwaway, so its rows are renumbered before any note uses them.
    for table, column in (("notetypes", "id"), ("fields", "ntid"), ("templates", "ntid")):
        db.execute(f"update {table} set {column} = ? where {column} = ?", NOTETYPE_ID, added)
    models._clear_cache()
    return models.get(NOTETYPE_ID)  # type: ignore[arg-type]


def html(markdown: str) -> str:
    """A question or answer (Markdown) as the HTML Anki shows; raw HTML in it stays text."""
    return str(_markdown().render(markdown)).strip()


@lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt  # rich's Markdown parser, already installed with it

    return MarkdownIt("commonmark", {"html": False})


def source_html(row: ExportRow) -> str:
    """`file › heading (lines a–b)`, linked back to the notes."""
    from html import escape

    label = escape(row.source)
    return f'<a href="{escape(row.url, quote=True)}">{label}</a>' if row.url else label
