"""The chat session's own behaviour: resuming a thread whose last turn did not finish."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from tests.fakes import HashEmbeddings
from tutor.config import load_settings
from tutor.context import Services
from tutor.session import Tutor
from tutor.terminal.chat import ChatSession


def chat_on(notes: Path, thread: str) -> tuple[ChatSession, io.StringIO]:
    """A chat session on fast embeddings whose screen is a string."""
    settings = load_settings(notes=notes)
    session = ChatSession(settings, thread, "default")
    session.tutor.close()
    services = Services(settings, embeddings=HashEmbeddings(), rng=random.Random(3))
    session.tutor = Tutor(settings, services)
    screen = io.StringIO()
    session.console = Console(file=screen, width=100, highlight=False)
    return session, screen


def test_a_turn_that_failed_in_an_earlier_chat_can_be_retried(notes: Path) -> None:
    first, _ = chat_on(notes, "f1")
    first.handle("/run softmax")
    real_run = first.tutor.services.run_code

    def killed(code: str) -> Any:
        raise KeyboardInterrupt  # the process died while the sandbox ran

    first.tutor.services.run_code = killed  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        first.tutor.ask("yes", "f1")
    first.tutor.services.run_code = real_run  # type: ignore[method-assign]
    first.close()

    later, screen = chat_on(notes, "f1")
    later.start(resumed=True)
    assert "that turn did not finish" in screen.getvalue()
    later.handle("/retry")
    assert "exit code 0" in screen.getvalue()
    assert later.tutor.failed_message("f1") is None
    later.handle("/retry")
    assert "nothing to retry" in screen.getvalue()
    later.close()


def test_retry_never_carries_a_failed_message_into_another_thread(notes: Path) -> None:
    session, screen = chat_on(notes, "g1")
    session.failed = "what is the reward model?"  # the last turn here failed
    session.handle("/thread other")
    session.handle("/retry")
    assert "nothing to retry" in screen.getvalue()
    assert session.tutor.history("other") == []
    session.close()


def test_resuming_a_thread_that_waits_shows_what_it_waits_for(notes: Path) -> None:
    first, _ = chat_on(notes, "g2")
    for _ in range(30):  # a multiple-choice question, then a reply that picks no option
        first.tutor.ask("/quiz", "g2")
        quiz = first.tutor.graph.get_state({"configurable": {"thread_id": "g2"}}).values["quiz"]
        if quiz["options"]:
            break
        first.tutor.ask("/skip", "g2")
    else:
        raise AssertionError("no multiple-choice question in 30 tries")
    first.handle("something vague")
    first.close()
    later, screen = chat_on(notes, "g2")
    later.start(resumed=True)
    shown = screen.getvalue()
    assert "couldn't tell which option" in shown  # the last exchange ...
    assert quiz["options"][0][:30] in shown  # ... and the question it waits on, in full
    later.handle("/new")
    assert "still waits for your reply" in screen.getvalue()
    later.close()
