"""`tutor quiz`: a review session in the terminal, due cards first, ending with a summary.

The module is named for the session, not the command: `run_review` is what `tutor quiz`
runs (`tutor.learning.cards.review_card` schedules one card after a rating; the state's
`review` key holds a graded answer waiting for its rating).

It drives the same graph as chat (`/quiz` turns on a thread of its own), so cards, grading
and scheduling are exactly what chat and Slack use.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from tutor.config import Settings
from tutor.learning.cards import is_due, next_due, now
from tutor.learning.memory import LearnerMemory, learner_label
from tutor.prompts import counted
from tutor.session import Turn, Tutor
from tutor.terminal.chat import pipe_reader
from tutor.terminal.output import console as terminal_console
from tutor.terminal.output import print_markdown
from tutor.text_in import stdin_is_terminal

if TYPE_CHECKING:
    from tutor.context import Services

Reader = Callable[[str], str]
PROMPTS = {"quiz_answer": "answer> ", "rating": "rate> ", "confirm_code": "yes/no> "}


def run_review(
    settings: Settings,
    topic: str,
    learner: str,
    count: int,
    console: Console | None = None,
    services: Services | None = None,
) -> dict[str, object]:
    """Ask up to `count` questions, read answers and ratings, and print a summary."""
    console = console or terminal_console()
    read = _reader()
    tutor = Tutor(settings, services)
    # One review thread per learner: a session cut short is picked up by the next one.
    thread = f"quiz-{learner_label(learner)}"
    memory = LearnerMemory(tutor.store, learner)
    started = now()
    due_before = sum(is_due(c, started) for c in memory.cards())
    mode = f"llm · {settings.model}" if settings.model else "offline"
    due = counted(due_before, "card")
    console.print(
        f"[bold]review[/] · {mode} · learner {escape(learner)} · {due} due"
        f"{f' · topic {escape(topic)}' if topic else ''} · Ctrl-D ends"
    )
    asked, seen = 0, ""
    turn: Turn | None = None
    try:
        while True:
            if turn is None:
                if asked >= count:
                    break
                turn = tutor.ask(
                    f"/quiz {topic}".strip(), thread, learner=learner, interface="quiz"
                )
                if turn.pending is None:  # nothing (more) to ask about
                    print_markdown(console, turn.answer)
                    break
            if turn.pending is not None and turn.pending["type"] == "quiz_answer":
                if turn.pending["prompt"] != seen:  # a new question, not one asked again
                    asked, seen = asked + 1, turn.pending["prompt"]
                    console.print(f"\n[bold]{asked}.[/]")
            print_markdown(console, turn.answer, sources=turn.sources)
            if turn.pending is None:
                turn = None
                continue
            reply = _reply(read, turn.pending, console)
            turn = tutor.ask(reply, thread, learner=learner, interface="quiz")
    except (EOFError, KeyboardInterrupt):
        console.print()
        _finish_rating(tutor, thread, learner, console)
    try:
        summary = _summary(memory, started, asked)
    finally:
        tutor.close()
    console.print(f"\n[bold]summary[/] · {_describe(summary)}")
    return summary


def _reply(read: Reader, pending: dict[str, str], console: Console) -> str:
    """The learner's next line; an empty one takes the estimate at a rating."""
    while True:
        reply = read(PROMPTS.get(pending["type"], "> ")).strip()
        if reply:
            return reply
        if pending["type"] == "rating":
            return "ok"
        console.print("[dim]type your answer, or /skip to see the reference[/]")


def _finish_rating(tutor: Tutor, thread: str, learner: str, console: Console) -> None:
    """At the end of input, a graded answer still waiting for its rating takes the estimate."""
    pending = tutor.last_turn(thread).pending
    if pending is not None and pending["type"] == "rating":
        turn = tutor.ask("ok", thread, learner=learner, interface="quiz")
        print_markdown(console, turn.answer)


def _summary(memory: LearnerMemory, started: datetime, asked: int) -> dict[str, object]:
    at = now()
    cards = memory.cards()
    ratings: Counter[str] = Counter()
    for card in cards:
        for review in card.get("history", []):
            if datetime.fromisoformat(review["at"]) >= started:
                ratings[review["rating"]] += 1
    return {
        "asked": asked,
        "rated": dict(ratings),
        "due_now": sum(is_due(c, at) for c in cards),
        "next_due": upcoming.isoformat() if (upcoming := next_due(cards, at)) else None,
    }


def _describe(summary: dict[str, object]) -> str:
    rated = summary["rated"]
    assert isinstance(rated, dict)
    parts = [f"{summary['asked']} asked"]
    if rated:
        parts.append(", ".join(f"{n} {r}" for r, n in sorted(rated.items())))
    parts.append(f"{summary['due_now']} still due")
    if summary["next_due"]:
        parts.append(f"next due {str(summary['next_due'])[:16].replace('T', ' ')} UTC")
    return " · ".join(parts)


def _reader() -> Reader:
    if stdin_is_terminal() and sys.stdout.isatty():
        from prompt_toolkit import prompt

        return lambda text: prompt(text)
    return pipe_reader
