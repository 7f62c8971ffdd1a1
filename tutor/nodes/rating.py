"""Rating and recording a quiz answer: the learner's own rating (or the model's grade)
updates their card's FSRS schedule, once, even if the node runs again after a crash."""

from __future__ import annotations

import difflib
from typing import Any, Literal

from langchain_core.messages import AIMessage
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from tutor import prompts
from tutor.context import TutorContext, memory_of
from tutor.learning.cards import RATINGS, Rating, ahead, due_at, now, review_card
from tutor.messages import is_new_request, reply_message
from tutor.state import Rated, RatedBy, Review, TutorState

ACCEPT = frozenset(["ok", "okay", "yes", "y", "sure", "fine", "agreed", "agree", "accept"])
"""Replies that take the suggested rating."""


def after_grade(state: TutorState) -> Literal["await_rating", "record", "__end__"]:
    """Ask for a rating, record one that is already decided, or finish."""
    review = state.get("review")
    if not review:
        return "__end__"
    return "await_rating" if review.get("rating") is None else "record"


def await_rating(state: TutorState) -> Command[Any]:
    """Wait for the learner's own rating; nothing else happens here."""
    review = state.get("review")
    if not review:  # nothing to rate: the graph waits here only with a graded answer
        return Command(goto="record")
    suggested = review["suggested"]
    prompt = prompts.RATE.format(suggested=suggested)
    reply = str(interrupt({"type": "rating", "prompt": prompt})).strip()
    said = reply_message(reply)
    answered = review["grade"]["answer"]
    if reply.strip().lower() == answered.strip().lower():
        # The answer sent again (a retry, a double submit): not a rating.
        again = AIMessage(prompts.RATE_REPEATED.format(suggested=suggested))
        return Command(goto="await_rating", update={"messages": [said, again]})
    rating = parse_rating(reply, suggested)
    if rating is not None:
        chosen: Review = {**review, "rating": rating}
        return Command(goto="record", update={"messages": [said], "review": chosen})
    if is_new_request(reply) and not reply.lower().startswith("/skip"):
        # A new request instead of a rating: keep the estimate, then do what was asked.
        update: Review = {**review, "rating": suggested, "then": "router", "estimated": True}
        return Command(goto="record", update={"messages": [said], "review": update})
    again = AIMessage(prompts.RATE_AGAIN.format(suggested=suggested))
    return Command(goto="await_rating", update={"messages": [said, again]})


def parse_rating(reply: str, suggested: Rating) -> Rating | None:
    """again/hard/good/easy (a typo is forgiven, words after it ignored); ok/yes takes the
    estimate; skip means again.

    No one-letter or number shortcuts: "a" or "2" is as likely an answer sent twice.
    """
    word = reply.lower().strip(" .!`/")
    if word == "skip":
        return "again"  # as /skip on a question: not known
    word = word.split(",")[0].split()[0] if word else word  # "hard, I guessed"
    if word in ACCEPT:
        return suggested
    close = difflib.get_close_matches(word, RATINGS, n=1, cutoff=0.75)
    return close[0] if close else None  # type: ignore[return-value]


def record(state: TutorState, runtime: Runtime[TutorContext]) -> Command[Any]:
    """Apply the rated review to the learner's card (once, even if this node runs again)."""
    review = state.get("review")
    memory = memory_of(runtime, state.get("learner"))
    then = (review["then"] if review else None) or END
    rating = review["rating"] if review else None
    if not review or memory is None or not rating:
        return Command(goto=then, update={"review": None})
    at = now()
    card = memory.card(review["card"]["id"]) or review["card"]
    updated = review_card(card, rating, review["review_id"], review["grade"], at)
    memory.put_card(updated)
    form = prompts.SCHEDULED_ESTIMATE if review.get("estimated") else prompts.SCHEDULED
    text = form.format(rating=rating, when=ahead(due_at(updated), at))
    more = "" if state.get("interface") == "quiz" else f" {prompts.QUIZ_ANOTHER}"
    message = AIMessage(text + more)
    rated: Rated = {
        "rating": rating,
        "by": rated_by(review),
        "suggested": review["suggested"],
        "review_id": review["review_id"],
        "run_id": review["grade"].get("run_id", ""),
    }
    return Command(goto=then, update={"review": None, "messages": [message], "rated": rated})


def rated_by(review: Review) -> RatedBy:
    """Who chose a review's rating: the model's grade, the estimate, or the learner."""
    if review["grade"]["graded_by"] == "model":
        return "model"
    if review.get("estimated") or review["grade"]["verdict"] == "skipped":
        return "estimate"
    return "learner"
