"""`tutor chat`: the terminal conversation (prompt-toolkit input, rich Markdown, streaming)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape

from tutor import prompts
from tutor.config import Settings
from tutor.errors import TutorError
from tutor.session import Tutor, new_thread_id
from tutor.terminal.output import console as terminal_console
from tutor.terminal.output import print_markdown
from tutor.text_in import message_text, stdin_is_terminal, stdin_line

if TYPE_CHECKING:
    from tutor.context import Services
    from tutor.session import Turn

CHAT_HELP = (
    "Chat commands: /new (new thread), /thread [ID] (show or switch), /retry, "
    "/good or /bad [why] (rate the last answer in LangSmith), /exit."
)
THUMBS = {"/good": 1.0, "/bad": 0.0}
Reader = Callable[[str], str]


class ChatSession:
    """One terminal conversation: reads lines, runs turns, renders answers."""

    def __init__(
        self, settings: Settings, thread: str | None, learner: str, tutor: Tutor | None = None
    ) -> None:
        self.settings = settings
        self.tutor = tutor or Tutor(settings)
        self.console: Console = terminal_console()
        self.thread = message_text(thread) if thread else new_thread_id()
        self.learner = learner
        self.failed: str | None = None
        self.passages: int | None = None
        self.last_run: str | None = None
        """The LangSmith run of the last answer (for /good and /bad), when traced."""

    def status(self) -> str:
        """Mode, model, thread and notes indexed, on one line."""
        if self.passages is None:  # counted once per turn, not on every toolbar redraw
            self.passages = self.tutor.services.index.count()
        mode = f"llm · {self.settings.model}" if self.settings.model else "offline"
        traced = f" · traced to LangSmith ({self.settings.langsmith_project})"
        traced = traced if self.settings.langsmith_tracing else ""
        indexed = prompts.counted(self.passages, "passage")
        return f"{mode} · thread {self.thread} · {indexed} indexed{traced}"

    def start(self, resumed: bool) -> None:
        """Banner, status and, for a resumed thread, its last exchange."""
        self.console.print("[bold]tutor[/] — learning from your notes. /help for commands.")
        if not self.settings.model:
            self.console.print(f"[yellow]{prompts.OFFLINE_BANNER}[/]")
        self.console.print(f"[dim]{self.status()}[/]")
        if resumed:
            self.show_last_exchange()

    def show_last_exchange(self) -> None:
        """Print the thread's last learner message and tutor reply."""
        history = self.tutor.history(self.thread)
        self.failed = None
        if not history:
            self.console.print(f"[dim]thread {self.thread} is new[/]")
            return
        last_human = max((i for i, (role, _) in enumerate(history) if role == "human"), default=0)
        for role, text in history[last_human:]:
            who = "you" if role == "human" else "tutor"
            self.console.print(f"[bold]{who}:[/]")
            print_markdown(self.console, text)
        pending = self.tutor.last_turn(self.thread).pending
        if pending and pending["prompt"] not in history[-1][1]:
            print_markdown(self.console, pending["prompt"])  # what is waiting, in full
        self.remind(pending)
        self.failed = self.tutor.failed_message(self.thread)
        if self.failed is not None:
            self.console.print("[yellow]that turn did not finish[/] (/retry sends it again)")

    def handle(self, line: str) -> bool:
        """Act on one input line; False ends the session."""
        command = line.split(maxsplit=1)[0].lower() if line.strip() else ""
        if command in ("/exit", "/quit"):
            return False
        if command == "/new":
            self.note_waiting()
            self.thread, self.failed, self.last_run = new_thread_id(), None, None
            self.console.print(f"[dim]new thread {self.thread}[/]")
        elif command == "/thread":
            parts = line.split()
            if len(parts) > 1:
                self.note_waiting()
                self.thread, self.last_run = message_text(parts[1]), None
                self.show_last_exchange()
            self.console.print(f"[dim]{self.status()}[/]")
        elif command in THUMBS:
            self.thumbs(THUMBS[command], line.split(maxsplit=1)[1] if " " in line.strip() else "")
        elif command == "/retry":
            if self.failed is None:
                self.console.print("[dim]nothing to retry[/]")
            else:
                self.turn(self.failed)
        elif line.strip():
            if command == "/help":
                self.console.print(f"[dim]{escape(CHAT_HELP)}[/]")
            self.turn(line.strip())
        return True

    def turn(self, text: str) -> None:
        """Run one turn, streaming tokens when a model produces them."""
        from rich.live import Live

        streamed: list[str] = []
        try:
            with Live(console=self.console, auto_refresh=False, transient=True) as live:

                def on_token(piece: str) -> None:
                    streamed.append(piece)
                    live.update(Markdown("".join(streamed)), refresh=True)

                turn = self.tutor.ask(
                    text, self.thread, learner=self.learner, interface="chat", on_token=on_token
                )
        except TutorError as error:
            self.failed = text
            self.console.print(f"[bold red]error:[/] {error.message}")
            self.console.print("[yellow]hint:[/] your message is kept; /retry sends it again")
            return
        except KeyboardInterrupt:
            self.failed = text
            self.console.print("[yellow]cancelled[/] (your message is kept; /retry sends it)")
            return
        self.failed, self.passages, self.last_run = None, None, turn.run_id
        self.render(turn)

    def thumbs(self, score: float, why: str) -> None:
        """The learner's thumbs up or down on the last answer, as LangSmith feedback."""
        from tutor.tracing import send_feedback

        if not self.settings.langsmith_tracing:
            self.console.print(
                "[dim]not recorded: /good and /bad go to LangSmith, and tracing is off "
                "(set LANGSMITH_TRACING=true and LANGSMITH_API_KEY)[/]"
            )
        elif self.last_run is None:
            self.console.print("[dim]no answer to rate yet in this session[/]")
        elif send_feedback(self.last_run, "thumbs", score, comment=why.strip()):
            word = "good" if score else "bad"
            self.console.print(f"[dim]thanks: marked {word} on this answer's trace[/]")
        else:
            self.console.print("[dim]could not queue the feedback for LangSmith[/]")
        pending = self.tutor.last_turn(self.thread).pending
        if pending and pending["type"] == "rating":
            self.console.print("[dim]to rate your recall, type the word without a slash[/]")

    def render(self, turn: Turn) -> None:
        """The answer as Markdown, with the route and what the tutor waits for."""
        self.console.print(f"[dim]route: {turn.route}[/]")
        print_markdown(self.console, turn.answer or prompts.NO_ANSWER, sources=turn.sources)
        self.remind(turn.pending)

    def remind(self, pending: dict[str, str] | None) -> None:
        """Say what the tutor is waiting for, if anything."""
        if pending and pending["type"] == "quiz_answer":
            self.console.print("[dim]answer below, or /skip[/]")
        elif pending and pending["type"] == "rating":
            self.console.print("[dim]rate it below[/]")
        elif pending:
            self.console.print("[dim]yes or no[/]")

    def note_waiting(self) -> None:
        """Before leaving a thread, say if it still waits for the learner (nothing is lost)."""
        pending = self.tutor.last_turn(self.thread).pending
        if pending:
            self.console.print(
                f"[dim]thread {self.thread} still waits for your reply; "
                f"`/thread {self.thread}` goes back to it[/]"
            )

    def close(self) -> None:
        """Release the tutor's files."""
        self.tutor.close()


def terminal_reader(settings: Settings, session: ChatSession) -> Reader:
    """prompt-toolkit with persistent history and a status toolbar, for a real terminal."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    settings.home.mkdir(parents=True, exist_ok=True)
    prompt: PromptSession[str] = PromptSession(
        history=FileHistory(str(settings.home / "chat_history")),
        bottom_toolbar=lambda: session.status(),
    )
    return lambda text: prompt.prompt(text)


def pipe_reader(text: str) -> str:
    """Lines from a pipe (scripts and tests); EOFError at the end or when stdin is closed."""
    return stdin_line()


def run_chat(
    settings: Settings,
    thread: str | None = None,
    learner: str = "default",
    services: Services | None = None,
) -> None:
    """The chat loop: Ctrl-C cancels a turn or clears the line; Ctrl-D or /exit ends it."""
    session = ChatSession(settings, thread, learner, Tutor(settings, services))
    interactive = stdin_is_terminal() and sys.stdout.isatty()
    read = terminal_reader(settings, session) if interactive else pipe_reader
    try:
        session.start(resumed=thread is not None)
        while True:
            try:
                line = read("you> ")
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            if not session.handle(line):
                break
    finally:
        session.close()
    session.console.print(f"[dim]bye · continue with: tutor chat --thread {session.thread}[/]")
