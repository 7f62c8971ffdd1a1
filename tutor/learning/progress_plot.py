"""A picture of progress (`tutor progress --plot FILE.png`): reviews per day, retention, and
the cards falling due over the next 30 days.

`progress_series` is the data (days in UTC, as `progress` counts streaks); `draw_progress`
draws it with matplotlib, imported only when a picture is drawn.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tutor.errors import TutorError
from tutor.learning.card_export import check_output
from tutor.learning.cards import Card, due_at

DAYS = 30
"""How far the picture looks back (reviews, retention) and ahead (the forecast)."""
ROLLING = 7
"""Retention is also shown over the last week up to each day, which a single day's few
reviews make jumpy."""
PLOT_HINT = "give a .png path in a folder you can write to"


@dataclass
class ProgressSeries:
    """What the picture shows, one value a day."""

    past: list[date]
    """The last `DAYS` days, oldest first, today last."""
    reviews: list[int]
    """Reviews on each of those days."""
    retention: list[float | None]
    """The share of that day's reviews not rated `again` (None on a day without any)."""
    rolling: list[float | None]
    """The same share over the `ROLLING` days up to each day."""
    ahead: list[date]
    """Today and the next `DAYS - 1` days."""
    forecast: list[int]
    """Reviewed cards falling due each of those days (overdue ones count today)."""


def progress_series(cards: list[Card], at: datetime, days: int = DAYS) -> ProgressSeries:
    """Reviews, retention and the due forecast from the learner's cards at `at`.

    Reviews of retired cards count (the learner did them); only live cards fall due."""
    today = at.astimezone(UTC).date()
    past = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    total: Counter[date] = Counter()
    kept: Counter[date] = Counter()
    for card in cards:
        for review in card.get("history", []):
            day = datetime.fromisoformat(str(review["at"])).astimezone(UTC).date()
            total[day] += 1
            kept[day] += review["rating"] != "again"
    ahead = [today + timedelta(days=n) for n in range(days)]
    due: Counter[date] = Counter()
    for card in cards:
        if card.get("history") and card.get("status") != "retired":
            due[max(due_at(card).astimezone(UTC).date(), today)] += 1
    return ProgressSeries(
        past=past,
        reviews=[total[d] for d in past],
        retention=[kept[d] / total[d] if total[d] else None for d in past],
        rolling=[_share(kept, total, d) for d in past],
        ahead=ahead,
        forecast=[due[d] for d in ahead],
    )


def _share(kept: Counter[date], total: Counter[date], day: date) -> float | None:
    window = [day - timedelta(days=n) for n in range(ROLLING)]
    done = sum(total[d] for d in window)
    return sum(kept[d] for d in window) / done if done else None


def draw_progress(series: ProgressSeries, path: Path, title: str = "") -> None:
    """Draw the three panels to a PNG: reviews per day, retention, the due forecast."""
    check_output(path, ".png", PLOT_HINT)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (reviews, retention, forecast) = plt.subplots(3, 1, figsize=(8, 9))
    try:
        reviews.bar(series.past, series.reviews, color="#4c72b0")
        reviews.set_title(f"Reviews per day (last {len(series.past)} days)")
        daily = [
            (d, r) for d, r in zip(series.past, series.retention, strict=True) if r is not None
        ]
        rolled = [(d, r) for d, r in zip(series.past, series.rolling, strict=True) if r is not None]
        if daily:
            retention.scatter(*zip(*daily, strict=True), color="#55a868", label="that day")
        if rolled:
            retention.plot(
                *zip(*rolled, strict=True), color="#2d6a3e", label=f"last {ROLLING} days"
            )
            retention.legend(loc="lower left")
        retention.set_ylim(0, 1.05)
        retention.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        retention.set_title("Retention (reviews not rated again)")
        forecast.bar(series.ahead, series.forecast, color="#c44e52")
        forecast.set_title(f"Cards due (next {len(series.ahead)} days)")
        for ax in (reviews, retention, forecast):
            ax.tick_params(axis="x", labelrotation=45, labelsize=8)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=100)
    except OSError as exc:
        raise TutorError(f"cannot write {path}: {exc.strerror or exc}", PLOT_HINT) from None
    finally:
        plt.close(fig)
