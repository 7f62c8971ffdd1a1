"""Quiz cards: a question tied to the passage it came from, scheduled with FSRS.

A card is a plain dict in the LangGraph Store; `Card` names its keys. Each review keeps the
automatic or model grade and the learner's own rating apart.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypedDict

from tutor.knowledge.passage import Source
from tutor.learning.grading import GradedBy, GradeRecord, Verdict
from tutor.learning.question import QuestionDict
from tutor.learning.questions import Question

Rating = Literal["again", "hard", "good", "easy"]
RATINGS: tuple[Rating, ...] = ("again", "hard", "good", "easy")
RATING_SCORE = {"again": 0.0, "hard": 0.5, "good": 0.8, "easy": 1.0}
HISTORY = 20
RECENT = 5
"""Mastery looks at each card's last few reviews."""
CardStatus = Literal["active", "stale", "retired"]


class FsrsState(TypedDict):
    """A card's FSRS scheduling state, as the `fsrs` library writes it (`fsrs.Card.to_dict`)."""

    card_id: int
    """FSRS's own id of the card."""
    state: int
    """1 learning, 2 review, 3 relearning."""
    step: int | None
    """The learning or relearning step the card is at (None in review)."""
    stability: float | None
    """Days until recall falls to 90% (None before the first review)."""
    difficulty: float | None
    """1 to 10 (None before the first review)."""
    due: str
    """When the card is next due (ISO 8601, UTC)."""
    last_review: str | None
    """When it was last reviewed (ISO 8601, UTC), None before the first review."""


class ReviewEntry(TypedDict):
    """One review in a card's history."""

    review_id: str
    """The review's id: a review already in the history is never applied again."""
    at: str
    """When it was recorded (ISO 8601, UTC)."""
    rating: Rating
    """The rating that scheduled the card (the learner's, the estimate or the model's)."""
    score: float | None
    """The grade's score, 0 to 1."""
    verdict: Verdict | None
    """The grade's verdict."""
    graded_by: GradedBy
    """Who graded the answer: `rules` or `model`."""


class CardNotes(TypedDict, total=False):
    """What only some cards hold."""

    retired_because: str
    """`passage` when the card retired because its passage went and nothing in its note
    replaced it (not because the note went)."""
    regenerated: str
    """When a stale card was last moved to the passage that now says the same (ISO 8601)."""
    fell_back: str
    """A new card's line saying why the model did not write it (`selection.FELL_BACK_KEY`):
    shown under the question, taken off before the card goes anywhere, never stored."""


class Card(CardNotes):
    """A quiz card, one item in a learner's `("learner", ID, "cards")` Store namespace."""

    id: str
    """The card's key: derived from its passage and question, or the bank's question id."""
    chunk_id: str
    """The passage's content-derived id in the index."""
    source: Source
    """Where the passage is."""
    topic: str
    """`file › heading`, the unit mastery is measured in."""
    question: QuestionDict
    """The question the card asks."""
    status: CardStatus
    """`active`, `stale` when its passage changed, `retired` when its note is gone."""
    fsrs: FsrsState
    """The FSRS scheduling state."""
    history: list[ReviewEntry]
    """Recent reviews, newest last (at most `HISTORY`)."""
    created: str
    """When the card was made (ISO 8601, UTC)."""


def now() -> datetime:
    """The current time, timezone-aware (FSRS needs UTC)."""
    return datetime.now(UTC)


def question_id(chunk_id: str, question: Question) -> str:
    """A stable id for a question asked about one passage."""
    digest = hashlib.sha256(f"{chunk_id}\n{question.kind}\n{question.prompt}".encode())
    return digest.hexdigest()[:20]


def section_of(source: Source) -> str:
    """`file › heading`, the unit mastery is measured in."""
    file, heading = str(source.get("file", "")), str(source.get("heading", ""))
    return f"{file} › {heading}" if heading else file


def new_card(question: Question, chunk_id: str, card_id: str | None = None) -> Card:
    """A card for a question the learner has not seen before, due now."""
    from fsrs import Card as FsrsCard

    created = now()
    state = FsrsCard(card_id=_fsrs_id(card_id or question_id(chunk_id, question)), due=created)
    return {
        "id": card_id or question_id(chunk_id, question),
        "chunk_id": chunk_id,
        "source": question.source.copy(),
        "topic": section_of(question.source),
        "question": question.as_dict(),
        "status": "active",
        "fsrs": state.to_dict(),
        "history": [],
        "created": created.isoformat(),
    }


def _fsrs_id(card_id: str) -> int:
    return int(card_id[:12], 16) if all(c in "0123456789abcdef" for c in card_id[:12]) else 1


def suggested_rating(score: float, verdict: str) -> Rating:
    """The rating a grade suggests: a miss is Again, a shaky answer Hard, a right one Good."""
    if verdict in ("skipped", "incorrect") or score < 0.3:
        return "again"
    if verdict == "partial" or score < 0.6:
        return "hard"
    return "easy" if score >= 0.95 else "good"


def review_card(
    card: Card, rating: Rating, review_id: str, grade: GradeRecord, at: datetime
) -> Card:
    """The card after one review; a review already applied (same id) changes nothing."""
    if any(h.get("review_id") == review_id for h in card.get("history", [])):
        return card
    from fsrs import Card as FsrsCard
    from fsrs import Rating as FsrsRating

    state = FsrsCard.from_dict(card["fsrs"])
    updated, _ = scheduler().review_card(state, FsrsRating[rating.capitalize()], at)
    entry: ReviewEntry = {
        "review_id": review_id,
        "at": at.isoformat(),
        "rating": rating,
        "score": grade.get("score"),
        "verdict": grade.get("verdict"),
        "graded_by": grade.get("graded_by", "rules"),
    }
    history = [*card.get("history", []), entry][-HISTORY:]
    return {**card, "fsrs": updated.to_dict(), "history": history}


_SCHEDULER: Any = None


def scheduler() -> Any:
    """One FSRS scheduler with default parameters (90% desired retention), no fuzzing."""
    global _SCHEDULER
    if _SCHEDULER is None:
        from fsrs import Scheduler

        _SCHEDULER = Scheduler(enable_fuzzing=False)
    return _SCHEDULER


def due_at(card: Card) -> datetime:
    """When the card is next due."""
    return datetime.fromisoformat(str(card["fsrs"]["due"]))


def is_due(card: Card, at: datetime) -> bool:
    """Whether a card that has been reviewed is due for review again."""
    return bool(card.get("history")) and card.get("status") != "retired" and due_at(card) <= at


def next_due(cards: list[Card], at: datetime) -> datetime | None:
    """When the first reviewed, live card that is not due yet falls due (None if none)."""
    upcoming = [
        due_at(c)
        for c in cards
        if c.get("history") and c.get("status") != "retired" and not is_due(c, at)
    ]
    return min(upcoming, default=None)


def retrievability(card: Card, at: datetime) -> float | None:
    """FSRS's estimate that the learner would recall the card now (None before any review)."""
    if not card.get("history"):
        return None
    from fsrs import Card as FsrsCard

    return float(scheduler().get_card_retrievability(FsrsCard.from_dict(card["fsrs"]), at))


def card_mastery(card: Card) -> float | None:
    """How well the last few reviews went, 0–1 (the learner's ratings decide)."""
    recent = card.get("history", [])[-RECENT:]
    if not recent:
        return None
    return sum(RATING_SCORE[h["rating"]] for h in recent) / len(recent)


def due_within(card: Card, at: datetime, days: float) -> bool:
    """Whether a reviewed card falls due within `days` from `at`."""
    return is_due(card, at + timedelta(days=days))


def ahead(when: datetime, at: datetime) -> str:
    """ "in 10 minutes", "in 3 days": how far ahead a time is."""
    return f"in {span(when - at)}" if when > at else "now"


def ago(when: datetime, at: datetime) -> str:
    """ "3 days ago", "just now"."""
    return f"{span(at - when)} ago" if at - when >= timedelta(minutes=1) else "just now"


def span(delta: timedelta) -> str:
    """A duration in the largest whole unit: 10 minutes, 3 hours, 4 days, 2 months."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "under a minute"
