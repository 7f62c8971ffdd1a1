"""`tutor export anki` and `tutor progress --plot`: a learner's cards leave the tutor as an
Anki deck or CSV, or as a picture of their progress."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.errors import TutorError
from tutor.learning.cards import Card, now
from tutor.prompts import counted

if TYPE_CHECKING:
    from tutor.config import Settings
    from tutor.learning.collaborators import Collaborators

NO_CARDS_HINT = "run `tutor quiz` (or /quiz in `tutor chat`) and rate your answers to make cards"


def learner_cards(settings: Settings, learner: str) -> list[Card]:
    """The learner's cards, their statuses brought up to date with the notes once there is
    an index (as `tutor progress` reads them)."""
    from tutor.learning.memory import LearnerMemory, close_store, open_store

    store = open_store(settings)
    try:
        memory = LearnerMemory(store, learner)
        # Before any ingest (right after `tutor db migrate`) no card is retired for notes
        # the index does not have yet.
        if settings.backend == "postgresql" or settings.records_path.exists():
            from tutor.knowledge.records import open_records
            from tutor.learning.refresh import current_cards

            records = open_records(settings)
            try:
                if records.passages():
                    return current_cards(memory, records)
            finally:
                records.close()
        return memory.cards()
    finally:
        close_store(store)


def export_cards(
    settings: Settings,
    learner: str,
    *,
    output: Path | None,
    csv: Path | None = None,
    topic: str = "",
    services: Collaborators | None = None,
) -> str:
    """Write the learner's live cards (on `topic`, if given) as an Anki package at `output`
    and/or CSV at `csv`; returns the one line saying what was written."""
    from tutor.knowledge.links import vault_name
    from tutor.learning.anki_deck import write_apkg
    from tutor.learning.card_export import cards_on_topic, check_output, export_rows, write_csv

    if output is None and csv is None:
        raise TutorError("nothing to write", "give -o deck.apkg, --csv cards.csv, or both")
    if output is not None:
        check_output(output, ".apkg")
    if csv is not None:
        check_output(csv, ".csv")
    cards = learner_cards(settings, learner)
    if topic and services is not None:
        cards = cards_on_topic(services, cards, topic)
    rows = export_rows(cards, settings.notes.expanduser(), vault_name(settings))
    if not rows:
        on = f" on {topic}" if topic else ""
        raise TutorError(f"no cards to export for learner {learner}{on}", NO_CARDS_HINT)
    at = now()
    due = sum(r.reviewed and datetime.fromisoformat(r.fsrs["due"]) <= _day_end(at) for r in rows)
    written = []
    if output is not None:
        due = write_apkg(rows, output)  # Anki's own "today" (its day starts at 4 am)
        written.append(str(output))
    if csv is not None:
        write_csv(rows, csv)
        written.append(str(csv))
    where = " and ".join(written)
    return (
        f"exported {counted(len(rows), 'card')} of learner {learner} to {where} ({due} due today)"
    )


def _day_end(at: datetime) -> datetime:
    day = at.astimezone(UTC).date()
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


def plot_progress(cards: list[Card], path: Path, learner: str) -> str:
    """Draw the learner's progress to `path` (a PNG); returns the line saying so, or that
    there is nothing to draw yet (then no file is written)."""
    from tutor.learning.card_export import check_output
    from tutor.learning.progress_plot import PLOT_HINT, draw_progress, progress_series

    check_output(path, ".png", PLOT_HINT)
    if not any(c.get("history") for c in cards):
        return f"nothing to draw yet for learner {learner}: {NO_CARDS_HINT}"
    series = progress_series(cards, now())
    draw_progress(series, path, title=f"Progress of {learner}")
    reviews, due = counted(sum(series.reviews), "review"), counted(sum(series.forecast), "card")
    return (
        f"drew the progress of learner {learner} to {path} ({reviews} in the last "
        f"{len(series.past)} days, {due} due in the next {len(series.ahead)})"
    )
