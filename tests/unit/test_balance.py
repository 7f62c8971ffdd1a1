"""A quiz without a topic spreads its questions over notes and topics, whatever their length."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes import HashEmbeddings
from tutor.cli import app
from tutor.config import load_settings
from tutor.knowledge.passage import Passage
from tutor.knowledge.words import keywords
from tutor.learning.balance import asked_before, turns
from tutor.learning.memory import LearnerMemory, close_store, open_store

SYLLABLES = ["ka", "lo", "mi", "ren", "tor", "vex", "sul", "pra", "den", "qui"]
SHORT_NOTES = {
    "optics.md": (
        "# Optics\n\n## Refraction\n\n**Snell's law** relates the angles of incidence and "
        "refraction to the refractive indices of the two media.\n\n"
        "- Light bends towards the normal when it enters a denser medium such as glass.\n"
    ),
    "cells.md": (
        "# Cell Biology\n\n## Organelles\n\n**Mitochondria** are organelles that produce most of "
        "the chemical energy a cell needs, as ATP.\n\n"
        "- Ribosomes read messenger RNA and assemble proteins from amino acids in the cytoplasm.\n"
    ),
    "history.md": (
        "# Medieval Trade\n\n## The Hanse\n\nThe **Hanseatic League** was a federation of "
        "merchant guilds and market towns that dominated trade on the Baltic Sea.\n"
    ),
}


def coined(n: int) -> str:
    """A made-up word a section, so no two sections of the long note share their term."""
    return "".join(SYLLABLES[n // 10**k % 10] for k in range(3)).capitalize()


def long_note(sections: int = 250) -> str:
    """5,000 lines: a section a gear, each with a definition and a sentence naming it."""
    lines = ["# Machine Shop Handbook", ""]
    for n in range(sections):
        name = coined(n)
        lines += [
            f"## {name} Gear",
            "",
            f"A **{name} gear** is a toothed wheel that carries torque between the shafts "
            f"of press {n}.",
            "",
            f"- Each {name} gear meshes with the drive rack and turns slowly under the heavy "
            f"load of press {n}.",
            f"- Operators inspect the teeth every morning before the first batch of parts {n}.",
            "",
        ]
        while len(lines) % 20:
            lines.append(f"Shift log for press {n}: nothing unusual was recorded by the crew.")
    return "\n".join(lines) + "\n"


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One 5,000-line note and three short ones, as TUTOR_NOTES, with instant embeddings."""
    root = tmp_path / "vault"
    root.mkdir()
    (root / "handbook.md").write_text(long_note(), encoding="utf-8")
    for name, text in SHORT_NOTES.items():
        (root / name).write_text(text, encoding="utf-8")
    fake = HashEmbeddings()
    monkeypatch.setattr("tutor.knowledge.index.make_embeddings", lambda settings: fake)
    monkeypatch.setenv("TUTOR_NOTES", str(root))
    return root


def asked_cards() -> list[dict[str, object]]:
    store = open_store(load_settings())
    try:
        cards = LearnerMemory(store, "default").cards()
    finally:
        close_store(store)
    return sorted(cards, key=lambda c: str(c["created"]))


def test_a_long_note_does_not_take_the_whole_quiz(vault: Path) -> None:
    assert len((vault / "handbook.md").read_text().splitlines()) == 5000
    result = CliRunner().invoke(app, ["quiz", "--count", "5"], input="/skip\n" * 5)
    assert result.exit_code == 0, result.output
    assert "5 asked" in result.output
    cards = asked_cards()
    sources = [dict(c["source"]) for c in cards]  # type: ignore[call-overload]
    files = [s["file"] for s in sources]
    assert len(files) == 5 and files.count("handbook.md") <= 2, files
    assert set(SHORT_NOTES) <= set(files)  # every short note had its turn
    headings = [(s["file"], s["heading"]) for s in sources]
    assert all(a != b for a, b in zip(headings, headings[1:], strict=False))
    for card in cards:
        question = card["question"]
        assert isinstance(question, dict)
        if question["kind"] == "cloze":  # never a word of the heading the question shows
            shown = set(keywords(str(question["source"]["heading"])))
            assert not set(keywords(str(question["reference"]))) & shown


def passage(file: str, heading: str, line: int) -> Passage:
    return Passage(file, heading, line, line + 1, "text", 0.0, chunk_id=f"{file}:{line}")


def test_notes_take_turns_by_their_topics_not_their_length() -> None:
    big = [passage("big.md", f"Big › Part {n // 3}", n) for n in range(300)]  # 100 topics
    small = [passage("a.md", "A", 1), passage("b.md", "B › One", 1), passage("b.md", "B › Two", 9)]
    asked: list[tuple[str, str]] = []
    rng = random.Random(7)
    for _ in range(30):
        first = turns([*big, *small], asked, rng)[0]
        asked.append((first[0].file, first[0].heading))
    per_note = {f: sum(f == a for a, _ in asked) for f in ("big.md", "a.md", "b.md")}
    # Shares grow with the square root of the topics: 10 : 1 : 1.4, not 300 lines to 3.
    assert 18 <= per_note["big.md"] <= 24 and per_note["a.md"] >= 3 and per_note["b.md"] >= 4
    assert all(a != b for a, b in zip(asked, asked[1:], strict=False))
    assert len({h for f, h in asked if f == "big.md"}) == per_note["big.md"]  # no repeats


def test_the_heading_just_asked_waits_while_another_has_questions() -> None:
    one_note = [passage("n.md", "N › A", 1), passage("n.md", "N › B", 5)]
    for last in ("N › A", "N › B"):
        # A was asked twice before, B once: still, the one asked just now is not next.
        asked = [("n.md", "N › A"), ("n.md", "N › A"), ("n.md", "N › B"), ("n.md", last)]
        assert turns(one_note, asked, random.Random(1))[0][0].heading != last


def test_asked_before_orders_cards_then_this_conversation() -> None:
    cards = [
        {"created": "2025-01-02", "source": {"file": "b", "heading": "x"},
         "question": {"prompt": "Q2"}},
        {"created": "2025-01-01", "source": {"file": "a", "heading": "x"},
         "question": {"prompt": "Q1"}},
    ]  # fmt: skip
    grades = [{"question": "Q1", "source": {"file": "a", "heading": "x"}}]
    assert asked_before(cards, grades) == [("b", "x"), ("a", "x")]
