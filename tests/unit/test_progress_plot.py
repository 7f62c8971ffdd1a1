"""`tutor progress --plot`: reviews per day, retention and the due forecast, and the PNG."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import load_settings
from tutor.errors import TutorError
from tutor.learning.cards import RATING_SCORE, Rating, new_card, review_card
from tutor.learning.memory import LearnerMemory, close_store, open_store
from tutor.learning.progress_plot import DAYS, draw_progress, progress_series
from tutor.learning.questions import Question

AT = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"
runner = CliRunner()


def card(prompt: str, *reviews: tuple[timedelta, Rating], due_in: timedelta | None = None) -> Any:
    """A card rated at each offset from AT (negative: in the past), due `due_in` after AT."""
    question = Question(
        kind="recall",
        prompt=prompt,
        reference="Softmax turns scores into probabilities.",
        key_terms=[],
        source={"file": "attention.md", "heading": "Softmax", "start_line": 1, "end_line": 4},
    )
    made: Any = new_card(question, chunk_id=f"c-{prompt}")
    for n, (when, rating) in enumerate(reviews):
        grade = {"score": RATING_SCORE[rating], "verdict": "correct", "graded_by": "rules"}
        made = review_card(made, rating, f"{prompt}-{n}", grade, AT + when)
    if due_in is not None:
        made = {**made, "fsrs": {**made["fsrs"], "due": (AT + due_in).isoformat()}}
    return made


def day(n: int) -> timedelta:
    return timedelta(days=n)


def test_reviews_per_day_count_every_review_on_its_utc_day_over_the_last_30_days() -> None:
    cards = [
        card("a", (day(-2), "good"), (day(0), "again")),
        card("b", (day(-2), "hard"), (timedelta(hours=-11), "good")),  # 01:00 UTC today
        card("c", (day(-40), "good")),  # before the window
        {**card("d", (day(-1), "good")), "status": "retired"},  # a review all the same
    ]

    series = progress_series(cards, AT)

    assert len(series.past) == DAYS and series.past[-1] == AT.date()
    counts = dict(zip(series.past, series.reviews, strict=True))
    assert counts[AT.date()] == 2
    assert counts[(AT - day(1)).date()] == 1
    assert counts[(AT - day(2)).date()] == 2
    assert sum(series.reviews) == 5


def test_retention_is_the_share_of_reviews_not_rated_again() -> None:
    cards = [
        card("a", (day(-1), "good"), (day(0), "again")),
        card("b", (day(-1), "again"), (day(0), "easy")),
        card("c", (day(0), "hard")),
        card("d", (day(-1), "good")),
    ]

    series = progress_series(cards, AT)

    retention = dict(zip(series.past, series.retention, strict=True))
    assert retention[AT.date()] == pytest.approx(2 / 3)
    assert retention[(AT - day(1)).date()] == pytest.approx(2 / 3)
    assert retention[(AT - day(5)).date()] is None  # no reviews that day
    assert series.rolling[-1] == pytest.approx(4 / 6)  # the week up to today


def test_forecast_counts_live_reviewed_cards_by_due_day_with_overdue_ones_today() -> None:
    once = (day(-3), "good")
    cards = [
        card("overdue", once, due_in=day(-2)),
        card("today", once, due_in=timedelta(hours=3)),
        card("in-5", once, due_in=day(5)),
        card("in-5-too", once, due_in=day(5) + timedelta(hours=2)),
        card("far", once, due_in=day(45)),  # after the window
        card("never rated"),
        {**card("retired", once, due_in=day(1)), "status": "retired"},
    ]

    series = progress_series(cards, AT)

    assert series.ahead[0] == AT.date() and len(series.ahead) == DAYS
    forecast = dict(zip(series.ahead, series.forecast, strict=True))
    assert forecast[AT.date()] == 2
    assert forecast[(AT + day(5)).date()] == 2
    assert sum(series.forecast) == 4


def test_the_picture_is_a_png(tmp_path: Path) -> None:
    series = progress_series([card("a", (day(-1), "good"), due_in=day(3))], AT)
    out = tmp_path / "progress.png"

    draw_progress(series, out, title="Progress of ana")

    assert out.read_bytes().startswith(PNG)


def test_a_name_that_is_not_png_or_a_missing_folder_is_refused(tmp_path: Path) -> None:
    series = progress_series([card("a", (day(-1), "good"))], AT)

    with pytest.raises(TutorError, match=r"must end in \.png"):
        draw_progress(series, tmp_path / "progress.jpg", title="")
    with pytest.raises(TutorError, match="no such folder"):
        draw_progress(series, tmp_path / "nowhere" / "progress.png")
    assert not (tmp_path / "progress.jpg").exists() and not (tmp_path / "nowhere").exists()


def seed(learner: str, cards: list[Any]) -> None:
    store = open_store(load_settings())
    try:
        memory = LearnerMemory(store, learner)
        for c in cards:
            memory.put_card(c)
    finally:
        close_store(store)


def test_progress_plot_draws_the_learners_picture(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    reviewed = card("a", (now - AT - day(1), "good"), due_in=now - AT + day(2))
    seed("ana", [reviewed])
    out = tmp_path / "ana.png"

    result = runner.invoke(app, ["progress", "-l", "ana", "--plot", str(out)])

    assert result.exit_code == 0, result.output
    assert f"drew the progress of learner ana to {out}" in result.stdout
    assert "1 review in the last 30 days, 1 card due in the next 30" in result.stdout
    assert out.read_bytes().startswith(PNG)


def test_progress_plot_without_reviews_says_so_and_draws_nothing(tmp_path: Path) -> None:
    out = tmp_path / "carol.png"

    result = runner.invoke(app, ["progress", "-l", "carol", "--plot", str(out)])

    assert result.exit_code == 0, result.output
    assert "nothing to draw yet for learner carol" in result.stdout
    assert "tutor quiz" in result.stdout
    assert not out.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_progress_plot_into_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    seed("ana", [card("a", (day(-1), "good"))])
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)

    result = runner.invoke(app, ["progress", "-l", "ana", "--plot", str(locked / "p.png")])

    assert result.exit_code == 2 and "permission denied" in result.output
