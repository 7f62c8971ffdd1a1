"""Quiz cards: a question tied to the passage it came from, scheduled with FSRS.

A card is a plain dict (it lives in the LangGraph Store):
`id`, `chunk_id` (the passage's content-derived id), `source` (file, heading, lines),
`topic` ("file › heading"), `question` (a `Question` as a dict), `status`
(`active`, `stale` when its passage changed, `retired` when its note is gone),
`fsrs` (the FSRS card state), `history` (recent reviews, newest last) and `created`.
Each review keeps the automatic or model grade and the learner's own rating apart.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from tutor.learning.questions import Question

Rating = Literal["again", "hard", "good", "easy"]
RATINGS: tuple[Rating, ...] = ("again", "hard", "good", "easy")
RATING_SCORE = {"again": 0.0, "hard": 0.5, "good": 0.8, "easy": 1.0}
HISTORY = 20
RECENT = 5
"""Mastery looks at each card's last few reviews."""


def now() -> datetime:
    """The current time, timezone-aware (FSRS needs UTC)."""
    return datetime.now(UTC)


def question_id(chunk_id: str, question: Question) -> str:
    """A stable id for a question asked about one passage."""
    digest = hashlib.sha256(f"{chunk_id}\n{question.kind}\n{question.prompt}".encode())
    return digest.hexdigest()[:20]


def topic_of(source: dict[str, Any]) -> str:
    """`file › heading`, the unit mastery is measured in."""
    file, heading = str(source.get("file", "")), str(source.get("heading", ""))
    return f"{file} › {heading}" if heading else file


def new_card(question: Question, chunk_id: str, card_id: str | None = None) -> dict[str, Any]:
    """A card for a question the learner has not seen before, due now."""
    from fsrs import Card

    created = now()
    state = Card(card_id=_fsrs_id(card_id or question_id(chunk_id, question)), due=created)
    return {
        "id": card_id or question_id(chunk_id, question),
        "chunk_id": chunk_id,
        "source": dict(question.source),
        "topic": topic_of(question.source),
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


def review(
    card: dict[str, Any], rating: Rating, review_id: str, grade: dict[str, Any], at: datetime
) -> dict[str, Any]:
    """The card after one review; a review already applied (same id) changes nothing."""
    if any(h.get("review_id") == review_id for h in card.get("history", [])):
        return card
    from fsrs import Card
    from fsrs import Rating as FsrsRating

    state = Card.from_dict(card["fsrs"])
    updated, _ = scheduler().review_card(state, FsrsRating[rating.capitalize()], at)
    entry = {
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


def due_at(card: dict[str, Any]) -> datetime:
    """When the card is next due."""
    return datetime.fromisoformat(str(card["fsrs"]["due"]))


def is_due(card: dict[str, Any], at: datetime) -> bool:
    """Whether a card that has been reviewed is due for review again."""
    return bool(card.get("history")) and card.get("status") != "retired" and due_at(card) <= at


def next_due(cards: list[dict[str, Any]], at: datetime) -> datetime | None:
    """When the first reviewed, live card that is not due yet falls due (None if none)."""
    upcoming = [
        due_at(c)
        for c in cards
        if c.get("history") and c.get("status") != "retired" and not is_due(c, at)
    ]
    return min(upcoming, default=None)


def retrievability(card: dict[str, Any], at: datetime) -> float | None:
    """FSRS's estimate that the learner would recall the card now (None before any review)."""
    if not card.get("history"):
        return None
    from fsrs import Card

    return float(scheduler().get_card_retrievability(Card.from_dict(card["fsrs"]), at))


def card_mastery(card: dict[str, Any]) -> float | None:
    """How well the last few reviews went, 0–1 (the learner's ratings decide)."""
    recent = card.get("history", [])[-RECENT:]
    if not recent:
        return None
    return sum(RATING_SCORE[h["rating"]] for h in recent) / len(recent)


def due_within(card: dict[str, Any], at: datetime, days: float) -> bool:
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
