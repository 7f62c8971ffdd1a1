"""Shared fixtures: every test gets its own TUTOR_HOME and a clean environment."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.fakes import HashEmbeddings
    from tutor.session import Tutor

REPO = Path(__file__).resolve().parents[1]
SHIPPED_NOTES = REPO / "knowledge"
SCRUBBED = ("OPENAI_", "LANGSMITH_", "LANGCHAIN_", "SLACK_", "TUTOR_")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point TUTOR_HOME at a tmp dir, drop real keys, and run from a dir with no `.env`."""
    for name in list(os.environ):
        if name.startswith(SCRUBBED):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("TUTOR_HOME", str(home))
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    yield home


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """A private copy of the shipped notes that a test may change."""
    target = tmp_path / "notes"
    shutil.copytree(SHIPPED_NOTES, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch, notes: Path) -> HashEmbeddings:
    """Instant embeddings in place of the real model (for the CLI, which makes its own);
    the shipped notes as TUTOR_NOTES."""
    from tests.fakes import HashEmbeddings

    fake = HashEmbeddings()
    monkeypatch.setattr("tutor.knowledge.index.make_embeddings", lambda settings: fake)
    monkeypatch.setenv("TUTOR_NOTES", str(notes))
    return fake


MakeTutor = Callable[[], "Tutor"]


@pytest.fixture
def make_tutor(notes: Path) -> Iterator[MakeTutor]:
    """Tutors over one home and the `notes` copy (fast hash embeddings, a seeded choice of
    questions), as if the program were started again each time."""
    import random

    from tests.fakes import HashEmbeddings
    from tutor.config import load_settings
    from tutor.context import Services
    from tutor.session import Tutor

    made: list[Tutor] = []

    def make() -> Tutor:
        settings = load_settings(notes=notes)
        services = Services(settings, embeddings=HashEmbeddings(), rng=random.Random(3))
        made.append(Tutor(settings, services))
        return made[-1]

    yield make
    for tutor in made:
        tutor.close()


def free_port() -> int:
    """A loopback port nothing listens on (for servers a test starts, or a dead endpoint)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
