"""The tutor graph's state: the conversation plus what the current turn found and left pending."""

from __future__ import annotations

import operator
import uuid
from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage, HumanMessage
from langgraph.graph.message import add_messages

Route = Literal["explain", "retrieve", "quiz", "code_run", "help"]
ROUTES: tuple[Route, ...] = ("explain", "retrieve", "quiz", "code_run", "help")


class TutorState(TypedDict, total=False):
    """One thread's state; nodes return only the keys they change."""

    messages: Annotated[list[AnyMessage], add_messages]
    """The conversation, learner and tutor turns."""

    route: Route
    """Where the router sent the current turn."""

    routed_by: str
    """How the route was chosen: `command`, `rules` (code), `meaning` (the offline intent
    classifier; `meaning (unsure)` when it fell back to explain) or `model`."""

    intent: str
    """What the classifier read the message as (a route, or greet, thanks, bye, about for
    the help route); empty for commands."""

    topic: str
    """The concept the current turn is about, without the words that asked for it."""

    asked_level: str
    """A level the current message asked for ("like I'm a beginner"), else empty."""

    sources: list[dict[str, Any]]
    """Passages the last answer used: file, heading, start_line, end_line."""

    quiz: dict[str, Any] | None
    """The question waiting for an answer (a `Question` as a dict), or None."""

    reply: str | None
    """The learner's answer to the pending question, between waiting for it and grading it."""

    review: dict[str, Any] | None
    """A graded answer on its way to the learner's card: card, grade, suggested and chosen
    rating (None while the learner is asked to rate), and where to go after recording it."""

    rated: dict[str, Any] | None
    """The last rating recorded on a card: rating, who chose it (`learner`, `estimate` or
    `model`), the suggestion, and the trace run of the graded answer (for feedback)."""

    grades: Annotated[list[dict[str, Any]], operator.add]
    """Every graded quiz answer in this thread: question, answer, score, verdict."""

    proposal: dict[str, Any] | None
    """Code the tutor offers to run, waiting for the learner's confirmation."""

    to_run: str | None
    """Code about to run (the learner's, or a confirmed proposal)."""

    code: dict[str, Any] | None
    """The last sandbox run: code plus its result."""

    learner: str
    """Who is learning (a CLI name or a Slack user id)."""

    interface: str
    """Where the turn came from: cli, chat, slack or studio."""

    level: str
    """beginner, intermediate or advanced; explanations are pitched at it."""


REPLY_ID = "reply-"
"""Message ids of the learner's replies to what the tutor asked (answers, ratings, yes/no)."""


def reply_message(text: str) -> HumanMessage:
    """The learner's reply to a question, rating prompt or confirmation, marked as such."""
    return HumanMessage(text, id=f"{REPLY_ID}{uuid.uuid4().hex}")


def is_reply(message: AnyMessage) -> bool:
    """Whether a message is a reply made while the tutor waited (see `reply_message`)."""
    return message.type == "human" and str(message.id or "").startswith(REPLY_ID)
