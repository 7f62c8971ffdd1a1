"""Front-matter tags are topics: quizzing, explaining and searching on one uses its notes."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes import HashEmbeddings
from tutor.cli import app
from tutor.config import load_settings
from tutor.context import Services
from tutor.knowledge.tags import names_tag, tags_of
from tutor.session import Tutor

NOTES = {
    "mechanik.md": (
        "---\ntitle: Mechanik\ntags: [physik, mechanik]\n---\n"
        "# Mechanik\n\n## Newtonsche Gesetze\n\n"
        "Das **Trägheitsgesetz** besagt, dass ein Körper in Ruhe oder gleichförmiger Bewegung "
        "bleibt, solange keine Kraft auf ihn wirkt.\n\n"
        "- Die Kraft ist gleich Masse mal Beschleunigung, nach dem zweiten Gesetz von Newton.\n"
    ),
    "optik.md": (
        "---\ntags: '#physik'\n---\n# Optik\n\n## Brechung\n\n"
        "Die **Brechung** ist die Richtungsänderung einer Welle, wenn sie von einem Medium in "
        "ein anderes übergeht.\n\n"
        "- Licht wird zum Lot hin gebrochen, wenn es in ein optisch dichteres Medium eintritt.\n"
    ),
    "cells.md": (
        "# Cell Biology\n\n## Organelles\n\n**Mitochondria** are organelles that produce most of "
        "the chemical energy a cell needs, as ATP.\n\n"
        "- Ribosomes read messenger RNA and assemble proteins from amino acids in the cytoplasm.\n"
    ),
}
TAGGED = {"mechanik.md", "optik.md"}


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "vault"
    root.mkdir()
    for name, text in NOTES.items():
        (root / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv("TUTOR_NOTES", str(root))
    return root


@pytest.fixture
def tutor(vault: Path) -> Iterator[Tutor]:
    settings = load_settings(notes=vault)
    services = Services(settings, embeddings=HashEmbeddings(), rng=random.Random(3))
    made = Tutor(settings, services)
    yield made
    made.close()


def test_a_tag_is_read_as_typed_with_its_hash_or_nested() -> None:
    assert tags_of({"tags": "physik, #Mechanik"}) == {"physik", "mechanik"}
    assert names_tag("physik", {"physik"}) and names_tag("#Physik", {"physik"})
    assert names_tag("my notes tagged physik", {"physik"})
    assert names_tag("mechanik", {"physik/mechanik"})
    assert not names_tag("physics", {"physik"}) and not names_tag("", {"physik"})


def test_quiz_on_a_tag_asks_from_the_tagged_notes(tutor: Tutor) -> None:
    turn = tutor.ask("quiz me on physik", "c1")
    assert turn.route == "quiz" and "don't cover" not in turn.answer
    assert turn.pending is not None and turn.pending["type"] == "quiz_answer"
    assert {s["file"] for s in turn.sources} <= TAGGED and turn.sources


def test_explain_and_retrieve_on_a_tag_use_the_tagged_notes(tutor: Tutor) -> None:
    explained = tutor.ask("explain physik", "c2")
    assert explained.route == "explain" and "don't cover" not in explained.answer
    assert explained.sources and {s["file"] for s in explained.sources} <= TAGGED
    found = tutor.ask("which of my notes talk about physik?", "c3")
    assert found.route == "retrieve"
    assert {s["file"] for s in found.sources} == TAGGED  # both tagged notes, nothing else


def test_search_on_a_tag_lists_only_the_tagged_notes(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = HashEmbeddings()
    monkeypatch.setattr("tutor.knowledge.index.make_embeddings", lambda settings: fake)
    result = CliRunner().invoke(app, ["search", "physik", "--json"])
    assert result.exit_code == 0, result.output
    assert {p["file"] for p in json.loads(result.stdout)} == TAGGED
