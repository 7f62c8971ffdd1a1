"""`tutor quiz`: a review session in the terminal, due cards first, ending with a summary.

It drives the same graph as chat (`/quiz` turns on a thread of its own), so cards, grading
and scheduling are exactly what chat and Slack use.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from rich.console import Console
from rich.markdown import Markdown

from tutor.chat import pipe_reader
from tutor.config import Settings
from tutor.learning.cards import due_at, is_due, now
from tutor.learning.memory import LearnerMemory
from tutor.session import Tutor, new_thread_id

Reader = Callable[[str], str]
PROMPTS = {"quiz_answer": "answer> ", "rating": "rate> ", "confirm_code": "yes/no> "}


def run_review(
    settings: Settings, topic: str, learner: str, count: int, console: Console | None = None
) -> dict[str, object]:
    """Ask up to `count` questions, read answers and ratings, and print a summary."""
    console = console or Console(highlight=False)
    read = _reader()
    tutor = Tutor(settings)
    thread = "quiz-" + new_thread_id()[2:]
    memory = LearnerMemory(tutor.store, learner)
    started = now()
    due_before = sum(is_due(c, started) for c in memory.cards())
    mode = f"llm · {settings.model}" if settings.model else "offline"
    console.print(
        f"[bold]review[/] · {mode} · learner {learner} · {due_before} card(s) due"
        f"{f' · topic {topic}' if topic else ''} · Ctrl-D ends"
    )
    asked = 0
    try:
        while asked < count:
            turn = tutor.ask(f"/quiz {topic}".strip(), thread, learner=learner, interface="quiz")
            console.print(f"\n[bold]{asked + 1}.[/]")
            console.print(Markdown(turn.answer))
            if turn.pending is None:
                break  # nothing (more) to ask about
            asked += 1
            while turn.pending is not None:
                reply = read(PROMPTS.get(turn.pending["type"], "> ")).strip()
                if not reply:
                    reply = "ok" if turn.pending["type"] == "rating" else ""
                if not reply:
                    console.print("[dim]type your answer, or /skip to see the reference[/]")
                    continue
                turn = tutor.ask(reply, thread, learner=learner, interface="quiz")
                console.print(Markdown(turn.answer))
    except (EOFError, KeyboardInterrupt):
        console.print()
    try:
        summary = _summary(memory, started, asked)
    finally:
        tutor.close()
    console.print(f"\n[bold]summary[/] · {_describe(summary)}")
    return summary


def _summary(memory: LearnerMemory, started: datetime, asked: int) -> dict[str, object]:
    at = now()
    cards = memory.cards()
    ratings: Counter[str] = Counter()
    for card in cards:
        for review in card.get("history", []):
            if datetime.fromisoformat(review["at"]) >= started:
                ratings[review["rating"]] += 1
    upcoming = [due_at(c) for c in cards if c.get("history") and not is_due(c, at)]
    return {
        "asked": asked,
        "rated": dict(ratings),
        "due_now": sum(is_due(c, at) for c in cards),
        "next_due": min(upcoming).isoformat() if upcoming else None,
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
    if sys.stdin.isatty() and sys.stdout.isatty():
        from prompt_toolkit import prompt

        return lambda text: prompt(text)
    return pipe_reader
