"""The tutor graph's state: the conversation plus what the current turn found and left pending."""

from __future__ import annotations

import operator
from typing import Annotated, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

from tutor.knowledge.passage import Source
from tutor.learning.cards import Card, Rating
from tutor.learning.grading import GradeRecord
from tutor.learning.question import QuestionDict
from tutor.sandbox import CodeRun

Route = Literal["explain", "retrieve", "quiz", "code_run", "help"]
ROUTES: tuple[Route, ...] = ("explain", "retrieve", "quiz", "code_run", "help")
RatedBy = Literal["learner", "estimate", "model"]


class PendingQuiz(QuestionDict):
    """The question waiting for an answer: a `Question` as a dict, plus its card."""

    card: Card
    """The card it asks: a due card, or a new one (stored once its answer is rated)."""
    review_id: str
    """The id the review of its answer gets, so recording that review twice changes nothing."""


class ReviewNotes(TypedDict, total=False):
    """What only some reviews hold."""

    estimated: bool
    """True when the learner sent a new request instead of rating: the suggestion is
    recorded, and the reply says it was an estimate."""


class Review(ReviewNotes):
    """A graded answer on its way to the learner's card."""

    card: Card
    """The card as it was asked (the Store's copy is reviewed when it holds one)."""
    review_id: str
    """The review's id (from `PendingQuiz.review_id`)."""
    grade: GradeRecord
    """The graded answer."""
    suggested: Rating
    """The rating the grade suggests."""
    rating: Rating | None
    """The rating to record: None while the learner is asked to rate; the suggestion when
    nobody is asked (a model's grade, a skip)."""
    then: str | None
    """Where the graph goes after recording: `router` when a new request came instead of a
    rating, else None (the turn ends)."""


class Rated(TypedDict):
    """The last rating recorded on a card."""

    rating: Rating
    """The rating recorded."""
    by: RatedBy
    """Who chose it: the `learner`, the `estimate` (a skip, or a new request instead of a
    rating) or the `model` (its grade decides)."""
    suggested: Rating
    """The rating the grade suggested."""
    review_id: str
    """The review's id."""
    run_id: str
    """The trace run of the graded answer ("" when it was not traced): the learner's own
    rating is fed back to it."""


class Proposal(TypedDict):
    """Code the tutor offers to run, waiting for the learner's yes or no."""

    code: str
    """The program."""
    why: str
    """What running it will show (Markdown)."""
    by: str
    """Who wrote it: `model`, or `catalogue:NAME` for a shipped demonstration."""


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

    sources: list[Source]
    """Passages the last answer used: file, heading, start_line, end_line (or cells)."""

    quiz: PendingQuiz | None
    """The question waiting for an answer (a `Question` as a dict), or None."""

    reply: str | None
    """The learner's answer to the pending question, between waiting for it and grading it."""

    review: Review | None
    """A graded answer on its way to the learner's card: card, grade, suggested and chosen
    rating (None while the learner is asked to rate), and where to go after recording it."""

    rated: Rated | None
    """The last rating recorded on a card: rating, who chose it (`learner`, `estimate` or
    `model`), the suggestion, and the trace run of the graded answer (for feedback)."""

    grades: Annotated[list[GradeRecord], operator.add]
    """Every graded quiz answer in this thread: question, answer, score, verdict."""

    proposal: Proposal | None
    """Code the tutor offers to run, waiting for the learner's confirmation."""

    to_run: str | None
    """Code about to run (the learner's, or a confirmed proposal)."""

    code: CodeRun | None
    """The last sandbox run: code plus its result."""

    learner: str
    """Who is learning (a CLI name or a Slack user id)."""

    interface: str
    """Where the turn came from: cli, chat, slack or studio."""

    level: str
    """beginner, intermediate or advanced; explanations are pitched at it."""
