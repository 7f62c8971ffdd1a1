"""Learner progress: due counts, streaks, retention and mastery, and `tutor progress`."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import load_settings
from tutor.learning import memory as memory_module
from tutor.learning.cards import RATING_SCORE, Rating, new_card, review_card
from tutor.learning.memory import LearnerMemory, close_store, open_store
from tutor.learning.progress import (
    SHOWN,
    mastery_bar,
    progress_markdown,
    progress_report,
)
from tutor.learning.questions import Question

AT = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
runner = CliRunner()


def make_card(file: str = "attention.md", heading: str = "Softmax", prompt: str = "") -> dict:
    """A new card on `file › heading`; the prompt tells cards on one topic apart."""
    question = Question(
        kind="recall",
        prompt=prompt or f"What does the note say about {heading}?",
        reference="Softmax turns scores into probabilities that sum to one.",
        key_terms=["probabilities"],
        source={"file": file, "heading": heading, "start_line": 1, "end_line": 6},
    )
    return new_card(question, chunk_id=f"{file}#{heading}")


def reviewed(card: dict[str, Any], *reviews: tuple[datetime, Rating]) -> dict[str, Any]:
    """The card after the learner rated it at each of these times, in order."""
    for n, (when, rating) in enumerate(reviews):
        grade = {"score": RATING_SCORE[rating], "verdict": "correct", "graded_by": "rules"}
        card = review_card(card, rating, f"{card['id']}-{n}", grade, when)
    return card


def due_in(card: dict[str, Any], wait: timedelta) -> dict[str, Any]:
    """The card with its next review pinned `wait` after AT (negative: overdue)."""
    return {**card, "fsrs": {**card["fsrs"], "due": (AT + wait).isoformat()}}


def test_due_now_and_due_this_week_count_reviewed_cards_that_are_not_retired() -> None:
    once = [(AT - timedelta(days=2), "good")]
    overdue = due_in(reviewed(make_card(prompt="a"), *once), -timedelta(hours=1))
    stale = {
        **due_in(reviewed(make_card(prompt="b"), *once), -timedelta(days=1)),
        "status": "stale",
    }
    this_week = due_in(reviewed(make_card(prompt="c"), *once), timedelta(days=5))
    later = due_in(reviewed(make_card(prompt="d"), *once), timedelta(days=9))
    never_rated = make_card(prompt="e")
    retired = {
        **due_in(reviewed(make_card(prompt="f"), *once), -timedelta(days=3)),
        "status": "retired",
    }

    report = progress_report([overdue, stale, this_week, later, never_rated, retired], AT)

    total = report.tally
    assert (total.cards, total.reviewed, total.due_now, total.due_7d) == (5, 4, 2, 3)
    assert report.retired == 1
    assert report.next_due == AT + timedelta(days=5)


def test_a_note_whose_cards_are_all_retired_is_not_listed() -> None:
    gone = {**reviewed(make_card("old.md", "Gone"), (AT, "again")), "status": "retired"}
    kept = reviewed(make_card("attention.md", "Softmax"), (AT, "good"))

    report = progress_report([gone, kept], AT + timedelta(days=1))

    assert [n.file for n in report.notes] == ["attention.md"]
    assert report.tally.cards == 1 and report.retired == 1


def test_topics_group_by_note_with_the_most_due_then_the_weakest_first() -> None:
    strong = due_in(reviewed(make_card("a.md", "Softmax"), (AT, "easy")), timedelta(days=3))
    weak = due_in(reviewed(make_card("a.md", "Layer norm"), (AT, "again")), timedelta(days=1))
    due = due_in(reviewed(make_card("a.md", "Attention"), (AT, "easy")), -timedelta(hours=2))
    unrated = make_card("a.md", "Heads")
    other = reviewed(make_card("b.md", "Adam"), (AT, "good"))

    report = progress_report([other, strong, unrated, weak, due], AT)

    assert [n.file for n in report.notes] == ["a.md", "b.md"]
    a = report.notes[0]
    assert [t.heading for t in a.topics] == ["Attention", "Layer norm", "Softmax", "Heads"]
    assert a.topics[0].topic == "a.md › Attention"
    assert (a.tally.cards, a.tally.reviewed, a.tally.due_now, a.tally.due_7d) == (4, 3, 1, 3)


def test_streak_counts_consecutive_utc_days_ending_today_or_yesterday() -> None:
    def streak(*days_ago: float, at: datetime = AT) -> tuple[int, int]:
        card = reviewed(make_card(), *[(AT - timedelta(days=d), "good") for d in days_ago])
        report = progress_report([card], at)
        return report.streak, report.reviewed_today

    assert streak(2, 1) == (2, 0)  # nothing yet today: the streak still runs to yesterday
    assert streak(2, 1, 0.1, 0) == (3, 2)
    assert streak(3, 1, 0) == (2, 1)  # a missed day breaks it
    assert streak(3, 2) == (0, 0)  # nothing yesterday or today
    assert streak(1, 0, at=AT + timedelta(days=2)) == (0, 0)
    assert streak() == (0, 0)


def test_streak_days_are_utc_calendar_days() -> None:
    late = datetime(2025, 3, 8, 23, 59, tzinfo=UTC)
    early = datetime(2025, 3, 9, 0, 1, tzinfo=UTC)
    card = reviewed(make_card(), (late, "good"), (early, "good"))
    assert progress_report([card], early + timedelta(hours=1)).streak == 2

    # 01:00 at UTC+2 on the 10th is 23:00 UTC on the 9th: yesterday, not today.
    shifted = reviewed(make_card(prompt="b"), (AT, "good"))
    shifted["history"][0]["at"] = "2025-03-10T01:00:00+02:00"
    report = progress_report([shifted], AT)
    assert (report.streak, report.reviewed_today) == (1, 0)


def test_reviews_of_retired_cards_still_count_for_the_streak() -> None:
    gone = {**reviewed(make_card(), (AT - timedelta(days=1), "good")), "status": "retired"}
    today = reviewed(make_card(prompt="b"), (AT, "good"))
    report = progress_report([gone, today], AT)
    assert (report.streak, report.reviewed_today) == (2, 1)


def test_retention_is_a_probability_and_lower_for_an_overdue_card() -> None:
    fresh = reviewed(make_card("a.md", "Fresh"), (AT - timedelta(days=1), "easy"))
    overdue = reviewed(make_card("a.md", "Overdue"), (AT - timedelta(days=60), "easy"))

    report = progress_report([fresh, overdue, make_card("a.md", "Unrated")], AT)

    by_heading = {t.heading: t.tally.retention for t in report.notes[0].topics}
    assert by_heading["Unrated"] is None
    fresh_r, overdue_r = by_heading["Fresh"], by_heading["Overdue"]
    assert fresh_r is not None and overdue_r is not None
    assert 0 < overdue_r < fresh_r < 1
    assert report.tally.retention == pytest.approx((fresh_r + overdue_r) / 2)


def test_mastery_is_the_mean_of_reviewed_cards_ratings() -> None:
    good_then_easy = reviewed(
        make_card(prompt="a"), (AT - timedelta(days=3), "good"), (AT - timedelta(days=1), "easy")
    )
    missed = reviewed(make_card(prompt="b"), (AT - timedelta(days=1), "again"))
    unrated = make_card(prompt="c")

    report = progress_report([good_then_easy, missed, unrated], AT)

    topic = report.notes[0].topics[0]
    assert topic.tally.mastery == pytest.approx((0.9 + 0.0) / 2)  # the unrated card adds nothing
    assert report.tally.mastery == pytest.approx(0.45)
    assert progress_report([unrated], AT).tally.mastery is None


def test_as_dict_is_json_with_the_report_numbers() -> None:
    card = due_in(reviewed(make_card(), (AT - timedelta(days=1), "hard")), timedelta(days=2))
    report = progress_report([card], AT)

    data = json.loads(json.dumps(report.as_dict()))

    assert data["at"] == AT.isoformat()
    assert data["next_due"] == (AT + timedelta(days=2)).isoformat()
    assert (data["cards"], data["due_7d"], data["streak"], data["retired"]) == (1, 1, 1, 0)
    topic = data["notes"][0]["topics"][0]
    assert topic["topic"] == "attention.md › Softmax"
    assert topic["mastery"] == 0.5 and topic["retention"] == report.tally.retention


def test_mastery_bar_fills_in_fifths() -> None:
    assert mastery_bar(0.6) == "███░░ 60%"
    assert mastery_bar(0.0) == "░░░░░ 0%"
    assert mastery_bar(1.0) == "█████ 100%"
    assert mastery_bar(None) == "—"


def test_markdown_for_no_cards_invites_a_quiz() -> None:
    assert "`/quiz`" in progress_markdown(progress_report([], AT))
    gone = {**reviewed(make_card(), (AT, "good")), "status": "retired"}
    assert "`/quiz`" in progress_markdown(progress_report([gone], AT))


def test_markdown_lists_each_note_weakest_topic_first_with_bars() -> None:
    cards = [reviewed(make_card("a.md", f"Topic {n}"), (AT, "easy")) for n in range(SHOWN + 2)] + [
        reviewed(make_card("a.md", "Backprop"), (AT, "hard"), (AT, "good"), (AT, "hard"))
    ]

    text = progress_markdown(progress_report(cards, AT))

    assert f"{SHOWN + 3} cards" in text
    lines = text.splitlines()
    note = lines.index(next(line for line in lines if line.startswith("**a.md**")))
    assert lines[note + 1] == "- Backprop: ███░░ 60% · 1 card"
    assert lines[note + SHOWN + 1] == "- … and 3 more topics"
    assert "streak 1 day · 10 reviewed today" in text


# `tutor progress`


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Every `now()` (new cards, the command) returns AT."""
    monkeypatch.setattr("tutor.learning.cards.now", lambda: AT)
    return AT


def seed(learner: str, cards: list[dict[str, Any]]) -> None:
    store = open_store(load_settings())
    try:
        for card in cards:
            LearnerMemory(store, learner).put_card(card)
    finally:
        close_store(store)


def stored_cards(learner: str) -> list[dict[str, Any]]:
    store = open_store(load_settings())
    try:
        return LearnerMemory(store, learner).cards()
    finally:
        close_store(store)


@pytest.fixture
def two_learners(frozen_now: datetime) -> None:
    """Ana has three cards on attention.md, one due soon; Bob has one on rlhf.md, due now."""
    yesterday = AT - timedelta(days=1)
    seed(
        "ana",
        [
            reviewed(make_card("attention.md", "Softmax"), (AT - timedelta(hours=2), "easy")),
            reviewed(make_card("attention.md", "Heads"), (yesterday, "again"), (AT, "good")),
            make_card("attention.md", "Masking"),
        ],
    )
    bob = due_in(
        reviewed(make_card("rlhf.md", "Reward"), (AT - timedelta(days=9), "hard")),
        -timedelta(days=1),
    )
    seed("bob", [bob])


@pytest.mark.usefixtures("two_learners")
def test_progress_shows_only_the_chosen_learners_cards() -> None:
    ana = runner.invoke(app, ["progress", "--learner", "ana"])
    bob = runner.invoke(app, ["progress", "-l", "bob"])

    assert ana.exit_code == 0, ana.output
    assert "attention.md" in ana.stdout and "› Softmax" in ana.stdout
    assert "rlhf.md" not in ana.stdout
    total = next(line for line in ana.stdout.splitlines() if "all notes" in line)
    assert [c.strip() for c in total.split("│")[2:5]] == ["3", "0", "1"]
    assert "streak 2 days · 2 reviewed today" in ana.stdout

    assert bob.exit_code == 0, bob.output
    assert "rlhf.md" in bob.stdout and "attention.md" not in bob.stdout
    total = next(line for line in bob.stdout.splitlines() if "all notes" in line)
    assert [c.strip() for c in total.split("│")[2:5]] == ["1", "1", "1"]


@pytest.mark.usefixtures("two_learners")
def test_progress_json_has_the_computed_numbers() -> None:
    result = runner.invoke(app, ["progress", "--learner", "ana", "--json"])

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown == progress_report(stored_cards("ana"), AT).as_dict()
    assert (shown["cards"], shown["reviewed"], shown["reviewed_today"]) == (3, 2, 2)
    assert [n["file"] for n in shown["notes"]] == ["attention.md"]


@pytest.mark.usefixtures("two_learners")
def test_progress_for_a_learner_without_cards_says_how_to_start() -> None:
    result = runner.invoke(app, ["progress", "-l", "carol"])

    assert result.exit_code == 0, result.output
    assert "no cards yet for learner carol" in result.stdout and "tutor quiz" in result.stdout
    empty = json.loads(runner.invoke(app, ["progress", "-l", "carol", "--json"]).stdout)
    assert (empty["cards"], empty["streak"], empty["next_due"], empty["notes"]) == (0, 0, None, [])


def test_progress_closes_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Any] = []

    def recording_open(settings: Any) -> Any:
        opened.append(open_store(settings))
        return opened[-1]

    monkeypatch.setattr(memory_module, "open_store", recording_open)
    assert runner.invoke(app, ["progress"]).exit_code == 0
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError):
        opened[0].conn.execute("select 1")


def test_progress_with_an_unwritable_home_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("TUTOR_HOME", str(blocker / "home"))

    result = runner.invoke(app, ["progress"])

    assert result.exit_code == 2
    assert "cannot keep learner memory" in result.stderr
    assert "set TUTOR_HOME" in result.stderr
    assert "Traceback" not in result.output
