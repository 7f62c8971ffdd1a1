"""One tutor turn for any interface: resume what is pending, retry what failed, report."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, cast

from tutor.config import Settings
from tutor.context import Services, TutorContext
from tutor.errors import TutorError
from tutor.messages import is_reply, last_human, last_human_index, last_human_text
from tutor.storage.state import database_errors, open_checkpointer, thread_lock
from tutor.text_in import message_text
from tutor.tracing import TURN_RUN, app_version, new_run_id, tracing_for, turn_feedback

if TYPE_CHECKING:
    from uuid import UUID

    from langchain_core.messages import AnyMessage
    from langchain_core.runnables import RunnableConfig
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.graph.state import CompiledStateGraph
    from langgraph.store.base import BaseStore
    from langgraph.types import Command, StateSnapshot

    from tutor.knowledge.passage import Source
    from tutor.state import TutorState
    from tutor.tracing import Tracing

    TurnInput = Command[Any] | TutorState | None
    """What a turn feeds the graph: a resumed wait, a new message, or None to retry."""

OnToken = Callable[[str], None]
"""Called with each streamed piece of the tutor's answer (LLM mode)."""
STREAMED_NODES = {"explain", "explain_run"}


def new_thread_id() -> str:
    """A short, readable thread id."""
    return "t-" + secrets.token_hex(4)


@dataclass
class Turn:
    """What one turn produced, as `tutor ask --json` prints it."""

    thread: str
    route: str | None
    mode: str
    model: str | None
    answer: str
    sources: list[Source] = field(default_factory=list)
    pending: dict[str, str] | None = None
    run_id: str | None = None
    """The turn's LangSmith root run id, when tracing is on (for feedback)."""

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape (`run_id` only when the turn was traced)."""
        data = asdict(self)
        if data["run_id"] is None:
            del data["run_id"]
        return data


class Tutor:
    """The compiled tutor graph with its checkpointer and services, driven one turn at a time."""

    def __init__(
        self,
        settings: Settings,
        services: Services | None = None,
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        store: BaseStore | None = None,
    ) -> None:
        from tutor.graph import build_graph
        from tutor.learning.memory import open_store

        self.settings = settings
        self.services = services or Services(settings)
        self.checkpointer = checkpointer or open_checkpointer(settings)
        self.store = store or open_store(settings)
        self.graph: CompiledStateGraph[Any, Any, Any, Any] = build_graph().compile(
            checkpointer=self.checkpointer, store=self.store, name="tutor"
        )

    def _config(self, thread: str, learner: str = "", interface: str = "") -> RunnableConfig:
        config: RunnableConfig = {"configurable": {"thread_id": thread}}
        if learner or interface:
            # Run metadata, so every trace of a turn says whose, from where and how.
            config["metadata"] = {
                "thread_id": thread,
                "learner": learner,
                "interface": surface(interface),
                "mode": self.services.mode,
                "model": self.services.model_name or "",
                "app_version": app_version(),
            }
            config["run_name"] = TURN_RUN
        tracing = tracing_for(self.settings)
        if tracing is not None:
            # Every run of the graph goes through the redacting client, repairs included.
            config = tracing.turn_config(config, name=config.get("run_name", TURN_RUN))
        return config

    def ask(
        self,
        text: str,
        thread: str,
        *,
        learner: str = "default",
        interface: str = "cli",
        on_token: OnToken | None = None,
    ) -> Turn:
        """Run one turn: answer a pending question with `text`, or start a new exchange.

        A turn is five steps: take the thread's lock; read the thread, once what an earlier
        turn left undone is finished; decide the input (or show again what a reply sent twice
        got); run the graph; build the Turn from what it said."""
        text, thread = message_text(text), message_text(thread)
        with (
            database_errors(self.settings, "running the turn"),
            thread_lock(self.settings, thread),
        ):
            config = self._config(thread, learner, interface)
            before = self._recovered(config, text)
            if _sent_again(before, text):
                return self._replayed(thread, before)
            turn_input = self._input(text, before, learner, interface)
            after, run_id = self._run(turn_input, config, before, text, on_token)
            return self._result(thread, before, after, run_id)

    def _recovered(self, config: RunnableConfig, text: str) -> StateSnapshot:
        """The thread as this turn finds it, once the recovery runs (traced as such) have
        finished what an earlier turn left: a wait put back, a rating recorded."""
        repair: RunnableConfig = {**config, "run_name": REPAIR_RUN}
        snapshot = self._put_back_waiting(repair, self.graph.get_state(config))
        return self._finish_recording(repair, snapshot, text)

    def _run(
        self,
        turn_input: TurnInput,
        config: RunnableConfig,
        before: StateSnapshot,
        text: str,
        on_token: OnToken | None,
    ) -> tuple[StateSnapshot, UUID | None]:
        """Run the graph on `turn_input`, passing each streamed piece of the answer to
        `on_token`: the thread after it, and the turn's root run id when tracing is on."""
        tracing = tracing_for(self.settings)
        run_id = None
        if tracing is not None:
            run_id = new_run_id()
            config = self._traced(tracing, config, before, text, run_id)
        for piece in self._stream(turn_input, config, run_id):
            if on_token is not None:
                on_token(piece)
        return self.graph.get_state(config), run_id

    def _result(
        self, thread: str, before: StateSnapshot, after: StateSnapshot, run_id: UUID | None
    ) -> Turn:
        """The Turn: what the tutor said after the messages `before` held, what it waits for,
        and, for a traced turn, its run id, with its grades and rating sent as feedback."""
        turn = self._turn(thread, after, since=len(_messages(before)))
        tracing = tracing_for(self.settings)
        if tracing is not None and run_id is not None:
            turn.run_id = str(run_id)
            turn_feedback(tracing, str(run_id), _values(before), _values(after))
        return turn

    def _traced(
        self,
        tracing: Tracing,
        config: RunnableConfig,
        snapshot: StateSnapshot,
        text: str,
        run_id: UUID,
    ) -> RunnableConfig:
        """The turn's config with its root run id, tags and, for a resumed turn (the router
        does not run), the route that asked; the learner's words are noted for hiding."""
        values = _values(snapshot)
        said = [str(m.text) for m in values.get("messages", []) if m.type == "human"]
        tracing.redactor.learner_said([text, *said])
        route = values.get("route") if snapshot.interrupts else None
        tags = [f"interface:{config.get('metadata', {}).get('interface', 'cli')}"]
        if route:
            tags.append(f"route:{route}")
            config = {**config, "metadata": {**config.get("metadata", {}), "route": route}}
        return tracing.turn_config(config, run_id=run_id, tags=tags)

    def _put_back_waiting(self, config: RunnableConfig, snapshot: StateSnapshot) -> StateSnapshot:
        """A waiting question put back. A turn cancelled (Ctrl-C) while a node ran can leave
        that node's result in the thread with the wait after it not reached: a question nobody
        waits for, a grade with no rating asked. Go on to the wait, so the next message
        answers it."""
        if snapshot.interrupts:
            return snapshot
        values = _values(snapshot)
        if not snapshot.next:
            if values.get("review"):
                self.graph.update_state(config, None, as_node="grade")
            elif values.get("quiz"):
                self.graph.update_state(config, None, as_node="quiz")
            else:
                return snapshot
        elif not set(snapshot.next) <= WAITING:
            return snapshot
        return self._go_on(config)

    def _finish_recording(
        self, config: RunnableConfig, snapshot: StateSnapshot, text: str
    ) -> StateSnapshot:
        """A failure while recording a rating. The rating was given but the turn died
        recording it: when a different message arrives, record it before anything else, so
        no review is ever lost (the same message retries it, see `_retried`)."""
        if not _finishes_first(snapshot, text):
            return snapshot
        return self._go_on(config)

    def _go_on(self, config: RunnableConfig) -> StateSnapshot:
        """Run the thread on from where it stopped, showing nothing; the thread after."""
        for _ in self._stream(None, config):
            pass
        return self.graph.get_state(config)

    def _replayed(self, thread: str, snapshot: StateSnapshot) -> Turn:
        """A reply sent again. The reply to a question that was already handled came back
        (its process was killed before printing, or it was sent twice): show what it got,
        marked as already answered, and run nothing."""
        turn = self.last_turn(thread, since=last_human_index(_messages(snapshot)) + 1)
        turn.answer = f"{REPLAYED}\n\n{turn.answer}"
        return turn

    @staticmethod
    def _input(text: str, snapshot: StateSnapshot, learner: str, interface: str) -> TurnInput:
        """Resume what waits, retry what failed, or start a new exchange."""
        from langchain_core.messages import HumanMessage
        from langgraph.types import Command

        if not text.strip():
            if snapshot.interrupts:
                kind = snapshot.interrupts[0].value.get("type")
                raise TutorError(*EMPTY_REPLY.get(kind, EMPTY_REPLY["quiz_answer"]))
            raise TutorError("the message is empty", "ask a question, or send /help")
        if snapshot.interrupts:
            # Whoever answers is the learner the answer counts for (a shared Slack thread).
            return Command(resume=text, update={"learner": learner, "interface": interface})
        if _retried(snapshot, text):
            return None
        return {"messages": [HumanMessage(text)], "learner": learner, "interface": interface}

    def failed_message(self, thread: str) -> str | None:
        """The learner's message of a turn that stopped before finishing (to retry), if any."""
        snapshot = self.graph.get_state(self._config(message_text(thread)))
        said = last_human(_messages(snapshot)) if _failed(snapshot) else None
        return str(said.text) if said is not None else None

    def _stream(
        self, turn_input: TurnInput, config: RunnableConfig, run_id: UUID | None = None
    ) -> Iterator[str]:
        from tutor.knowledge.retriever import one_index_version
        from tutor.llm import turn_budget
        from tutor.sandbox import Runs

        context = TutorContext(services=self.services, run_id=str(run_id or ""))
        # TUTOR_MODEL_TIMEOUT bounds the model's whole turn; Ctrl-C or a shutdown stops the
        # turn's sandboxes (and refuses one about to start) instead of waiting for them.
        with turn_budget(self.settings), Runs().active(), one_index_version():
            parts: Iterator[Any] = self.graph.stream(
                turn_input, config, context=context, stream_mode="messages"
            )
            for message, meta in parts:
                if meta.get("langgraph_node") in STREAMED_NODES and type(message).__name__ == (
                    "AIMessageChunk"
                ):
                    piece = message.text
                    if piece:
                        yield str(piece)

    def last_turn(self, thread: str, since: int | None = None) -> Turn:
        """The thread's latest answer (everything the tutor said after message `since`)."""
        return self._turn(thread, self.graph.get_state(self._config(thread)), since)

    def _turn(self, thread: str, snapshot: StateSnapshot, since: int | None) -> Turn:
        """What `snapshot` of the thread shows: its answer since message `since`, sources and
        what it waits for."""
        values = _values(snapshot)
        pending = None
        if snapshot.interrupts:
            value = snapshot.interrupts[0].value
            pending = {"type": str(value.get("type")), "prompt": str(value.get("prompt"))}
        return Turn(
            thread=thread,
            route=values.get("route"),
            mode=self.services.mode,
            model=self.services.model_name,
            answer=_answer(values.get("messages", []), since),
            sources=list(values.get("sources") or []),
            pending=pending,
        )

    def history(self, thread: str) -> list[tuple[str, str]]:
        """The thread's messages as (role, text) pairs, oldest first."""
        messages = _messages(self.graph.get_state(self._config(thread)))
        return [(m.type, str(m.text)) for m in messages]

    def close(self) -> None:
        """Release the index, the checkpoint database and the store."""
        from tutor.storage.state import close_saved

        self.services.close()
        close_saved(self.store)
        close_saved(self.checkpointer)


EMPTY_REPLY = {
    "quiz_answer": ("the answer is empty", "type your answer, or /skip"),
    "rating": ("the rating is empty", "send again, hard, good or easy, or ok for the estimate"),
    "confirm_code": ("the reply is empty", "send yes to run the code, or no"),
}
WAITING = {"await_answer", "await_rating", "await_confirm"}
"""Nodes that only wait for the learner."""
REPLAYED = "_(Already answered: this is what that reply got.)_"
REPAIR_RUN = "tutor turn (recovery)"
"""The trace name of a run that finishes what a cancelled or crashed turn left."""
SURFACES = {"chat": "cli", "quiz": "cli", "ask": "cli"}


def surface(interface: str) -> str:
    """Where a turn came from, as traces label it: cli, slack or studio."""
    return SURFACES.get(interface, interface or "cli")


def _values(snapshot: StateSnapshot) -> TutorState:
    """The thread's state in `snapshot` (empty for a thread that has not started)."""
    return cast("TutorState", snapshot.values or {})


def _messages(snapshot: StateSnapshot) -> list[AnyMessage]:
    """The thread's conversation in `snapshot`, oldest first."""
    return _values(snapshot).get("messages", [])


def _failed(snapshot: StateSnapshot) -> bool:
    """Whether the thread's last turn stopped before finishing, not to wait for the learner."""
    return bool(snapshot.next) and not snapshot.interrupts


def _retried(snapshot: StateSnapshot, text: str) -> bool:
    """Whether `text` is the message of a turn that failed: sent again, it retries the turn
    where it stopped instead of starting a new one."""
    return _failed(snapshot) and last_human_text(_messages(snapshot)) == text


def _finishes_first(snapshot: StateSnapshot, text: str) -> bool:
    """Whether a turn stopped while recording a rating, and a different message arrived."""
    said = last_human(_messages(snapshot))
    return "record" in snapshot.next and (said is None or str(said.text) != text)


def _sent_again(snapshot: StateSnapshot, text: str) -> bool:
    """Whether `text` repeats a reply to a question or confirmation that was already handled
    (its process was killed before printing, or it was sent twice)."""
    if snapshot.interrupts or snapshot.next:
        return False
    messages = _messages(snapshot)
    at = last_human_index(messages)
    if at < 0 or at == len(messages) - 1:
        return False
    last = messages[at]
    return is_reply(last) and str(last.text) == text


def _answer(messages: list[AnyMessage], since: int | None) -> str:
    """What the tutor said after message `since`, or its last message when `since` is None."""
    if since is None:
        return str(messages[-1].text) if messages and messages[-1].type == "ai" else ""
    return "\n\n".join(str(m.text) for m in messages[since:] if m.type == "ai")
