"""`tutor export anki`: the deck a learner takes to Anki, checked with the real `anki` library.

Each test exports through the CLI and imports the package into a fresh Anki collection, then
reads back what Anki would show: the notes, their tags and links, each card's due date (as a
date: Anki counts review days from its collection's creation) and its FSRS memory state.
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import load_settings
from tutor.learning.cards import RATING_SCORE, Rating, new_card, retrievability, review_card
from tutor.learning.memory import LearnerMemory, close_store, open_store
from tutor.learning.questions import Question

pytestmark = pytest.mark.integration
runner = CliRunner()
NOW = datetime.now(UTC)


def make_card(heading: str, prompt: str, file: str = "attention.md", **kind: Any) -> dict:
    """A new card on `file › heading` asking `prompt`."""
    question = Question(
        kind=kind.get("kind", "recall"),
        prompt=prompt,
        reference=kind.get("reference", f"What the notes say about {heading}."),
        key_terms=[],
        source={"file": file, "heading": heading, "start_line": 4, "end_line": 9},
        options=kind.get("options", []),
        answer_index=kind.get("answer_index"),
    )
    return new_card(question, chunk_id=f"{file}#{heading}#{prompt}")


def reviewed(card: dict, *ratings: Rating, due_in: timedelta | None = None) -> dict:
    """The card after one review a day for the last few days; its next review pinned
    `due_in` from now when given."""
    for n, rating in enumerate(ratings):
        grade = {"score": RATING_SCORE[rating], "verdict": "correct", "graded_by": "rules"}
        at = NOW - timedelta(days=len(ratings) - n)
        card = review_card(card, rating, f"{card['id']}-{n}", grade, at)
    if due_in is not None:
        card = {**card, "fsrs": {**card["fsrs"], "due": (NOW + due_in).isoformat()}}
    return card


def as_review(card: dict, stability: float, difficulty: float, due_in: timedelta) -> dict:
    """The card in FSRS's review state with this memory, last reviewed 3 days ago."""
    fsrs = {
        **card["fsrs"],
        "state": 2,
        "step": None,
        "stability": stability,
        "difficulty": difficulty,
        "due": (NOW + due_in).isoformat(),
        "last_review": (NOW - timedelta(days=3)).isoformat(),
    }
    return {**reviewed(card, "good"), "fsrs": fsrs}


def seed(learner: str, cards: list[dict]) -> None:
    store = open_store(load_settings())
    try:
        memory = LearnerMemory(store, learner)
        for card in cards:
            memory.put_card(card)
    finally:
        close_store(store)


@pytest.fixture
def anki_collection(tmp_path: Path) -> Iterator[Any]:
    """A fresh, empty Anki collection, as a new Anki profile has."""
    from anki.collection import Collection

    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    yield col
    col.close()


def import_deck(col: Any, package: Path) -> Any:
    """Import an .apkg with its scheduling, as Anki's import dialog does by default."""
    from anki.collection import ImportAnkiPackageRequest

    request = ImportAnkiPackageRequest(package_path=str(package), options={"with_scheduling": True})
    return col.import_anki_package(request).log


def anki_date(col: Any, seconds: float) -> date:
    """The day a moment falls on in Anki: its days start at the rollover hour, local time."""
    rollover = int(col.get_config("rollover", 4))
    return (datetime.fromtimestamp(seconds) - timedelta(hours=rollover)).date()


def due_date(col: Any, card: Any) -> date:
    """A review card's due date: `due` counts days from the collection's creation."""
    day_start = col.sched.day_cutoff - 86_400
    return anki_date(col, day_start + (card.due - col.sched.today) * 86_400)


def by_guid(col: Any) -> dict[str, Any]:
    return {col.get_card(cid).note().guid: col.get_card(cid) for cid in col.find_cards("")}


def test_every_card_arrives_in_anki_with_its_source_tags_due_date_and_memory(
    tmp_path: Path, anki_collection: Any
) -> None:
    soon = as_review(
        make_card("Softmax", "What does softmax output?"), 12.5, 4.25, timedelta(days=5)
    )
    late = as_review(make_card("Masking", "Why mask future tokens?"), 3.0, 7.5, timedelta(days=-2))
    fresh = make_card("Scaling", "Why divide by the square root of d_k?")
    choice = make_card(
        "Heads",
        "Which describes multi-head attention?",
        kind="choice",
        options=["one big head", "several heads in parallel"],
        answer_index=1,
    )
    gone = {**as_review(make_card("Old", "Gone?"), 5, 5, timedelta(days=1)), "status": "retired"}
    seed("ana", [soon, late, fresh, choice, gone])
    deck = tmp_path / "deck.apkg"

    result = runner.invoke(app, ["export", "anki", "--learner", "ana", "-o", str(deck)])

    assert result.exit_code == 0, result.output
    assert f"exported 4 cards of learner ana to {deck} (1 due today)" in result.stdout
    log = import_deck(anki_collection, deck)
    assert len(log.new) == 4
    cards = by_guid(anki_collection)
    assert set(cards) == {f"tutor:{c['id']}" for c in (soon, late, fresh, choice)}

    note = cards[f"tutor:{soon['id']}"].note()
    assert "What does softmax output?" in note["Question"]
    assert "What the notes say about Softmax." in note["Answer"]
    assert "attention.md › Softmax (lines 4–9)" in note["Source"]
    assert 'href="file://' in note["Source"] and "attention.md#4" in note["Source"]
    assert set(note.tags) == {"tutor", "tutor::note::attention", "tutor::topic::Softmax"}
    multiple = cards[f"tutor:{choice['id']}"].note()
    assert "several heads in parallel" in multiple["Question"]
    assert "B) several heads in parallel" in multiple["Answer"]

    for card in (soon, late):
        got = cards[f"tutor:{card['id']}"]
        due = datetime.fromisoformat(card["fsrs"]["due"]).timestamp()
        assert (got.type, got.queue) == (2, 2)  # review cards
        assert due_date(anki_collection, got) == anki_date(anki_collection, due)
        assert got.memory_state.stability == pytest.approx(card["fsrs"]["stability"], rel=1e-4)
        assert got.memory_state.difficulty == pytest.approx(card["fsrs"]["difficulty"], rel=1e-4)
    anki_collection.set_config("fsrs", True)  # as the learner switches it on in Anki
    for card in (soon, late):
        stats = anki_collection.card_stats_data(cards[f"tutor:{card['id']}"].id)
        # Anki reads the same forgetting curve: its recall estimate is the tutor's.
        assert stats.fsrs_retrievability == pytest.approx(retrievability(card, NOW), abs=2e-3)
    assert cards[f"tutor:{late['id']}"].due < anki_collection.sched.today  # overdue in Anki
    assert cards[f"tutor:{soon['id']}"].ivl == 8  # last review 3 days ago, due in 5
    new = cards[f"tutor:{fresh['id']}"]
    assert (new.type, new.queue, new.memory_state) == (0, 0, None)


def test_a_card_still_in_learning_stays_in_learning_due_when_fsrs_says(
    tmp_path: Path, anki_collection: Any
) -> None:
    learning = reviewed(make_card("Softmax", "Softmax?"), "again", due_in=timedelta(minutes=10))
    assert learning["fsrs"]["state"] in (1, 3)
    seed("default", [learning])

    result = runner.invoke(app, ["export", "anki", "-o", str(tmp_path / "d.apkg")])

    assert result.exit_code == 0, result.output
    import_deck(anki_collection, tmp_path / "d.apkg")
    (card,) = by_guid(anki_collection).values()
    assert card.queue == 1  # learning, due later today
    due = datetime.fromisoformat(learning["fsrs"]["due"]).timestamp()
    assert abs(card.due - due) < 1
    assert card.memory_state.stability == pytest.approx(learning["fsrs"]["stability"], rel=1e-4)


def test_exporting_again_updates_the_notes_instead_of_adding_copies(
    tmp_path: Path, anki_collection: Any
) -> None:
    first = as_review(make_card("Softmax", "What does softmax output?"), 9, 5, timedelta(days=4))
    seed("default", [first])
    runner.invoke(app, ["export", "anki", "-o", str(tmp_path / "one.apkg")])
    import_deck(anki_collection, tmp_path / "one.apkg")

    time.sleep(1.1)  # Anki updates a note when the package's is newer, in whole seconds
    changed = {**first, "question": {**first["question"], "reference": "A distribution."}}
    changed["fsrs"] = {**first["fsrs"], "stability": 30.0}
    added = as_review(make_card("Masking", "Why mask?"), 2, 6, timedelta(days=1))
    seed("default", [changed, added])
    result = runner.invoke(app, ["export", "anki", "-o", str(tmp_path / "two.apkg")])
    assert result.exit_code == 0, result.output
    log = import_deck(anki_collection, tmp_path / "two.apkg")

    assert (len(log.new), len(log.updated)) == (1, 1)
    assert anki_collection.note_count() == anki_collection.card_count() == 2
    cards = by_guid(anki_collection)
    assert "A distribution." in cards[f"tutor:{first['id']}"].note()["Answer"]
    # A card Anki already schedules keeps Anki's schedule: the learner may have reviewed it there.
    assert cards[f"tutor:{first['id']}"].memory_state.stability == pytest.approx(9)
    assert [m.name for m in anki_collection.models.all_names_and_ids()].count("Tutor card") == 1


def test_topic_exports_only_the_cards_on_that_topic(
    tmp_path: Path, fake_model: Any, anki_collection: Any
) -> None:
    ppo = as_review(
        make_card(
            "2. RLHF with PPO (Proximal Policy Optimization)",
            "What does PPO clip?",
            file="rlhf-and-alignment.md",
        ),
        4,
        5,
        timedelta(days=2),
    )
    dpo = as_review(
        make_card(
            "3. DPO (Direct Preference Optimization)",
            "What does DPO skip?",
            file="rlhf-and-alignment.md",
        ),
        4,
        5,
        timedelta(days=2),
    )
    seed("default", [ppo, dpo])

    result = runner.invoke(
        app, ["export", "anki", "--topic", "PPO", "-o", str(tmp_path / "t.apkg")]
    )

    assert result.exit_code == 0, result.output
    assert "exported 1 card of learner default" in result.stdout
    import_deck(anki_collection, tmp_path / "t.apkg")
    assert set(by_guid(anki_collection)) == {f"tutor:{ppo['id']}"}


def test_csv_has_one_properly_quoted_row_per_card(tmp_path: Path) -> None:
    tricky = as_review(
        make_card(
            "Softmax",
            'What does "softmax", applied to\nlogits, give?',
            reference="Probabilities, summing to 1",
        ),
        12.5,
        4.25,
        timedelta(days=5),
    )
    fresh = make_card("Scaling", "Why scale?")
    seed("default", [tricky, fresh])
    out = tmp_path / "cards.csv"

    result = runner.invoke(app, ["export", "anki", "--csv", str(out)])

    assert result.exit_code == 0, result.output
    assert f"exported 2 cards of learner default to {out}" in result.stdout
    with out.open(newline="", encoding="utf-8") as f:
        rows = {r["question"]: r for r in csv.DictReader(f)}
    assert list(next(iter(rows.values()))) == [
        "question",
        "answer",
        "source",
        "url",
        "tags",
        "due",
        "stability",
        "difficulty",
    ]
    row = rows['What does "softmax", applied to\nlogits, give?']
    assert row["answer"] == "Probabilities, summing to 1"
    assert row["source"] == "attention.md › Softmax (lines 4–9)"
    assert row["url"].startswith("file://") and row["url"].endswith("attention.md#4")
    assert row["tags"].split() == ["tutor", "tutor::note::attention", "tutor::topic::Softmax"]
    assert datetime.fromisoformat(row["due"]) == datetime.fromisoformat(tricky["fsrs"]["due"])
    assert (float(row["stability"]), float(row["difficulty"])) == (12.5, 4.25)
    assert (rows["Why scale?"]["due"], rows["Why scale?"]["stability"]) == ("", "")


def test_a_learner_without_cards_gets_a_clear_message_and_no_file(tmp_path: Path) -> None:
    deck = tmp_path / "deck.apkg"

    result = runner.invoke(app, ["export", "anki", "-l", "carol", "-o", str(deck)])

    assert result.exit_code == 2
    assert "no cards to export for learner carol" in result.output
    assert "tutor quiz" in result.output and "Traceback" not in result.output
    assert not deck.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_or_misnamed_output_is_refused_before_any_work(tmp_path: Path) -> None:
    seed("default", [as_review(make_card("Softmax", "Softmax?"), 3, 5, timedelta(days=1))])
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)

    unwritable = runner.invoke(app, ["export", "anki", "-o", str(locked / "deck.apkg")])
    misnamed = runner.invoke(app, ["export", "anki", "-o", str(tmp_path / "deck.zip")])
    missing = runner.invoke(app, ["export", "anki", "-o", str(tmp_path / "no" / "deck.apkg")])
    nothing = runner.invoke(app, ["export", "anki"])

    assert unwritable.exit_code == 2 and "permission denied" in unwritable.output
    assert misnamed.exit_code == 2 and "must end in .apkg" in misnamed.output
    assert missing.exit_code == 2 and "no such folder" in missing.output
    assert nothing.exit_code == 2 and "-o deck.apkg" in nothing.output
    assert not list(locked.iterdir()) and not (tmp_path / "deck.zip").exists()


def test_a_place_even_root_cannot_write_is_a_clear_error(tmp_path: Path) -> None:
    seed("default", [as_review(make_card("Softmax", "Softmax?"), 3, 5, timedelta(days=1))])

    result = runner.invoke(app, ["export", "anki", "-o", "/proc/deck.apkg"])

    assert result.exit_code == 2, result.output
    assert "cannot write /proc/deck.apkg" in result.output and "Traceback" not in result.output
