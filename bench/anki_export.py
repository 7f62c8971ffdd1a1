"""`tutor export anki` on 1,000 synthetic cards: the deck built in process, the whole command,
and, for reference, the real `anki` library importing the deck into a fresh collection (with
a check that every card arrived due on its FSRS day).

Run: .venv/bin/python bench/anki_export.py [--cards N] [--runs N]   (a tmp TUTOR_HOME)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RATINGS = ("good", "again", "good", "easy", "hard")


def synthetic_cards(n: int, at: datetime) -> list[Any]:
    """Cards over 20 notes: a fifth never reviewed, the rest reviewed 1 to 5 times."""
    from tutor.learning.cards import RATING_SCORE, new_card, review_card
    from tutor.learning.questions import Question

    cards = []
    for i in range(n):
        question = Question(
            kind="recall",
            prompt=f"What does passage {i} of note {i % 20} say about *term {i}*?",
            reference=f"Term {i} means what the notes say, `code {i}` and all.",
            key_terms=[],
            source={
                "file": f"note-{i % 20}.md",
                "heading": f"Part {i % 7} › Section {i % 31}",
                "start_line": 1 + i % 300,
                "end_line": 9 + i % 300,
            },
        )
        card: Any = new_card(question, chunk_id=f"chunk-{i}")
        reviews = i % 6
        for r in range(reviews):
            rating = RATINGS[(i + r) % len(RATINGS)]
            grade = {"score": RATING_SCORE[rating], "verdict": "correct", "graded_by": "rules"}
            when = at - timedelta(days=3 * (reviews - r), hours=i % 24)
            card = review_card(card, rating, f"{i}-{r}", grade, when)  # type: ignore[arg-type]
        cards.append(card)
    return cards


def seed(cards: list[Any]) -> None:
    from tutor.config import load_settings
    from tutor.learning.memory import LearnerMemory, close_store, open_store

    store = open_store(load_settings())
    try:
        memory = LearnerMemory(store, "bench")
        for card in cards:
            memory.put_card(card)
    finally:
        close_store(store)


def show(what: str, took: list[float]) -> None:
    print(
        f"{what:<44} p50 {statistics.median(took):6.2f} s   max {max(took):6.2f} s  (n={len(took)})"
    )


def check_import(deck: Path, cards: list[Any], folder: Path) -> tuple[float, int]:
    """Import into a fresh collection; returns the seconds and how many cards are due on
    another day than FSRS says (0 when the deck is right)."""
    from anki.collection import Collection, ImportAnkiPackageRequest

    col = Collection(str(folder / "fresh.anki2"))
    try:
        start = time.perf_counter()
        request = ImportAnkiPackageRequest(
            package_path=str(deck), options={"with_scheduling": True}
        )
        col.import_anki_package(request)
        took = time.perf_counter() - start
        fsrs = {f"tutor:{c['id']}": c["fsrs"] for c in cards}
        rollover = timedelta(hours=int(col.get_config("rollover", 4)))
        day_start, today = col.sched.day_cutoff - 86_400, col.sched.today
        wrong = 0
        for cid in col.find_cards("-is:new"):
            card = col.get_card(cid)
            due = datetime.fromisoformat(fsrs[card.note().guid]["due"]).astimezone()
            if card.queue == 1:  # learning today: due is a Unix time
                wrong += abs(card.due - due.timestamp()) >= 1
                continue
            shown = datetime.fromtimestamp(day_start + (card.due - today) * 86_400)
            wrong += (shown - rollover).date() != (due - rollover).date()
        return took, wrong
    finally:
        col.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["TUTOR_HOME"] = str(folder / "home")
        from tutor.learning.anki_deck import write_apkg
        from tutor.learning.card_export import export_rows

        cards = synthetic_cards(args.cards, datetime.now(UTC))
        seed(cards)
        rows = export_rows(cards, folder / "notes")
        deck = folder / "deck.apkg"
        took = []
        for _ in range(args.runs):
            start = time.perf_counter()
            write_apkg(rows, deck)
            took.append(time.perf_counter() - start)
        show(f"deck of {len(rows)} cards, in process", took)
        took = []
        for _ in range(args.runs):
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "tutor", "export", "anki", "-l", "bench", "-o", str(deck)],
                capture_output=True,
                text=True,
                check=True,
            )
            took.append(time.perf_counter() - start)
        show("`tutor export anki` (the whole command)", took)
        print(f"  {done.stdout.strip()}")
        seconds, wrong = check_import(deck, cards, folder)
        print(f"import into a fresh collection (reference) {seconds:6.2f} s")
        print(f"reviewed cards due on another day than FSRS says: {wrong}")


if __name__ == "__main__":
    main()
