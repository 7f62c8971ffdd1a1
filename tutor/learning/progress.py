"""Learner progress: cards, what is due, retention and mastery per note and topic.

Numbers are kept per topic (`file › heading`) and summed per note file and overall.
Retired cards (their note is gone) are counted apart; stale ones (their passage changed)
still count, because they are asked again, rebuilt from the note as it is now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tutor import prompts
from tutor.learning.cards import (
    Card,
    card_mastery,
    due_within,
    is_due,
    next_due,
    retrievability,
)

WEEK = 7
"""`due_7d` counts the cards falling due within this many days (those due now included)."""
BAR = 5
SHOWN = 5
"""Topics per note in the chat view; the weakest come first, so the rest can wait."""


@dataclass
class Tally:
    """The numbers for a group of cards: one topic, one note, or all of them."""

    cards: int
    reviewed: int
    due_now: int
    due_7d: int
    retention: float | None
    """Mean FSRS retrievability of the reviewed cards: the chance of recalling one now."""
    mastery: float | None
    """Mean of the reviewed cards' recent ratings, 0–1."""


@dataclass
class TopicProgress:
    """One topic (`file › heading`)."""

    topic: str
    heading: str
    tally: Tally

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, the numbers flat beside the names."""
        return {"topic": self.topic, "heading": self.heading, **asdict(self.tally)}


@dataclass
class NoteProgress:
    """One note file: its totals and its topics, weakest first."""

    file: str
    tally: Tally
    topics: list[TopicProgress]

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, the numbers flat beside the name."""
        return {
            "file": self.file,
            **asdict(self.tally),
            "topics": [t.as_dict() for t in self.topics],
        }


@dataclass
class Progress:
    """A learner's progress at one moment: totals, habits, and per-note detail."""

    at: datetime
    tally: Tally
    retired: int
    """Cards whose note is gone: not in any other number."""
    streak: int
    """Consecutive UTC days with a review, ending today (or yesterday, if none yet today)."""
    reviewed_today: int
    """Reviews given today (UTC); a card answered twice counts twice."""
    next_due: datetime | None
    """When the next reviewed card falls due, if none is due yet."""
    notes: list[NoteProgress]

    def as_dict(self) -> dict[str, Any]:
        """JSON-able: times as ISO strings, the overall numbers at the top level."""
        return {
            "at": self.at.isoformat(),
            **asdict(self.tally),
            "retired": self.retired,
            "streak": self.streak,
            "reviewed_today": self.reviewed_today,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "notes": [n.as_dict() for n in self.notes],
        }


@dataclass(frozen=True)
class _CardNumbers:
    reviewed: bool
    due_now: bool
    due_7d: bool
    retention: float | None
    mastery: float | None


def progress_report(cards: list[Card], at: datetime) -> Progress:
    """Where the learner stands at `at`, from their cards."""
    at = at.astimezone(UTC)
    live = [c for c in cards if c.get("status") != "retired"]
    by_note: dict[str, dict[str, list[_CardNumbers]]] = defaultdict(lambda: defaultdict(list))
    for card in live:
        file, heading = _place(card)
        by_note[file][heading].append(_numbers(card, at))
    notes = [_note(file, topics) for file, topics in sorted(by_note.items())]
    days = [t.date() for t in _review_times(cards)]
    return Progress(
        at=at,
        tally=_tally(n for topics in by_note.values() for rows in topics.values() for n in rows),
        retired=len(cards) - len(live),
        streak=_streak(set(days), at.date()),
        reviewed_today=days.count(at.date()),
        next_due=next_due(live, at),
        notes=notes,
    )


def _place(card: Card) -> tuple[str, str]:
    source = card.get("source") or {}
    if source.get("file"):
        return str(source["file"]), str(source.get("heading") or "")
    file, _, heading = str(card.get("topic", "")).partition(" › ")
    return file, heading


def _numbers(card: Card, at: datetime) -> _CardNumbers:
    return _CardNumbers(
        reviewed=bool(card.get("history")),
        due_now=is_due(card, at),
        due_7d=due_within(card, at, WEEK),
        retention=retrievability(card, at),
        mastery=card_mastery(card),
    )


def _note(file: str, topics: dict[str, list[_CardNumbers]]) -> NoteProgress:
    rows = [
        TopicProgress(f"{file} › {heading}" if heading else file, heading, _tally(numbers))
        for heading, numbers in topics.items()
    ]
    # What to review next on top: most cards due, then the weakest, unrated topics last.
    rows.sort(key=lambda t: (-t.tally.due_now, _or(t.tally.mastery, 2.0), t.heading))
    return NoteProgress(file, _tally(n for ns in topics.values() for n in ns), rows)


def _tally(numbers: Iterable[_CardNumbers]) -> Tally:
    cards = list(numbers)
    reviewed = [n for n in cards if n.reviewed]
    return Tally(
        cards=len(cards),
        reviewed=len(reviewed),
        due_now=sum(n.due_now for n in cards),
        due_7d=sum(n.due_7d for n in cards),
        retention=_mean(n.retention for n in reviewed),
        mastery=_mean(n.mastery for n in reviewed),
    )


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _review_times(cards: list[Card]) -> list[datetime]:
    # Retired cards count too: the learner did review them on those days.
    return [
        datetime.fromisoformat(str(h["at"])).astimezone(UTC)
        for card in cards
        for h in card.get("history", [])
    ]


def _streak(days: set[date], today: date) -> int:
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


def mastery_bar(mastery: float | None, width: int = BAR) -> str:
    """`███░░ 60%`, or a dash before any review."""
    if mastery is None:
        return "—"
    filled = min(width, int(mastery * width + 0.5))
    return f"{'█' * filled}{'░' * (width - filled)} {mastery:.0%}"


def percent(value: float | None) -> str:
    """`87%`, or a dash when there is nothing to estimate from."""
    return "—" if value is None else f"{value:.0%}"


def habit_line(report: Progress) -> str:
    """Streak, reviews today and when the next card falls due, on one line."""
    streak = prompts.counted(report.streak, "day")
    parts = [f"streak {streak}", f"{report.reviewed_today} reviewed today"]
    if report.next_due is not None:
        when = report.next_due.strftime("%Y-%m-%d %H:%M UTC")
        parts.append(f"next due {_until(report.next_due - report.at)} ({when})")
    if report.retired:
        parts.append(f"{report.retired} retired (note gone)")
    return " · ".join(parts)


def _until(wait: timedelta) -> str:
    hours = wait.total_seconds() / 3600
    if hours < 1:
        return f"in {max(1, round(hours * 60))} min"
    return f"in {round(hours)} h" if hours < 48 else f"in {round(hours / 24)} days"


def progress_markdown(report: Progress) -> str:
    """A compact view for chat and Slack: totals, habits, then each note's weakest topics."""
    total = report.tally
    if not total.cards:
        if report.retired:
            return f"{prompts.PROGRESS_ALL_RETIRED}\n\n{habit_line(report)}"
        return prompts.PROGRESS_EMPTY
    lines = [
        f"**Your progress** · {_cards(total.cards)} · {total.due_now} due now · "
        f"{total.due_7d} due this week · retention {percent(total.retention)} · "
        f"mastery {mastery_bar(total.mastery)}",
        "",
        habit_line(report),
    ]
    for note in report.notes:
        lines += [
            "",
            f"**{note.file}** · {_counts(note.tally)} · {mastery_bar(note.tally.mastery)}",
        ]
        lines += [
            f"- {t.heading or prompts.TOP_OF_NOTE}: {mastery_bar(t.tally.mastery)} · "
            f"{_counts(t.tally)}"
            for t in note.topics[:SHOWN]
        ]
        if len(note.topics) > SHOWN:
            lines.append(f"- … and {prompts.counted(len(note.topics) - SHOWN, 'more topic')}")
    return "\n".join(lines)


def _cards(n: int) -> str:
    return prompts.counted(n, "card")


def _counts(tally: Tally) -> str:
    cards = _cards(tally.cards)
    return f"{cards} · {tally.due_now} due" if tally.due_now else cards
