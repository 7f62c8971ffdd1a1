"""The quiz nodes: ask one question from the notes, wait for the answer, grade it."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Literal

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from tutor import prompts
from tutor.answers import not_covered, where
from tutor.context import Services, TutorContext, level_of, memory_of, services_of
from tutor.errors import TutorError
from tutor.knowledge.retriever import keyword_overlap
from tutor.learning.authoring import grade_with_model
from tutor.learning.balance import balanced_card
from tutor.learning.cards import ago, ahead, due_at, next_due, now, suggested_rating
from tutor.learning.grading import Grade, grade_answer, is_skip, parse_choice, says_something
from tutor.learning.memory import LearnerMemory
from tutor.learning.questions import LABELS, Question
from tutor.learning.selection import FELL_BACK_KEY, next_card
from tutor.nodes.router import split_command
from tutor.state import TutorState, reply_message

QUIZ = re.compile(
    r"\b(quiz|test)\s+me\b|\bask me (a )?(question|questions|about)\b"
    r"|\bgive me (a |another )?(question|quiz)|^/?quiz\b",
    re.I,
)
"""A reply that asks for a quiz is a new request, not an answer."""
WIDER = 200
"""Passages sampled when the first dozen hold no question the learner has not had."""
ASKS_WITHOUT_MARK = re.compile(
    r"^\s*(explain|tell me about|teach me|show me|where (do|does|did)|which notes?)\b", re.I
)
"""Openings that make a request even without a question mark ("explain dropout")."""
REQUEST_START = re.compile(
    r"^\s*(where|which|explain|tell me|can you|could you|what (is|are|does)"
    r"|how (do|does|is)|why)\b",
    re.I,
)


def quiz(state: TutorState, runtime: Runtime[TutorContext]) -> dict[str, Any]:
    """Ask one question: a due card on the topic first, else a new one from the notes."""
    services = services_of(runtime)
    if (missing := services.missing_notes()) is not None:
        return {"messages": [AIMessage(missing)], "sources": []}
    topic = state.get("topic", "")
    memory = memory_of(runtime, state.get("learner"))
    passages, found = (
        services.look_up(topic, k=6) if topic else (services.random_passages(12), None)
    )
    asked = {g.get("question", "") for g in state.get("grades", [])}
    focus: int | None = None
    if topic:
        # Ask about the passages that are about the topic; the rest lend wrong options.
        tagged = {p.chunk_id for p in services.retriever.tagged(topic)}  # a front-matter tag
        about = [
            p
            for p in passages
            if p.chunk_id in tagged or keyword_overlap(topic, p) > 0 or p.similarity >= 0.45
        ]
        about = about or passages[:2]
        passages = about + [p for p in passages if p not in about]
        focus = len(about)
    at = now()
    if found is not None and not found.covered:
        if memory is None or due_card_on(services, memory, topic, at) is None:
            text = not_covered(topic, passages, hint=prompts.QUIZ_NOTHING_THERE)
            return {"messages": [AIMessage(text)]}
    level = level_of(state, services, memory)
    if topic:
        pick = next_card(services, memory, topic, passages, focus, asked, at, level)
    else:  # notes and their topics take turns, whatever their length
        pick = balanced_card(services, memory, state.get("grades", []), asked, at, level)
    if pick is None and not topic and passages:  # those few were all asked: look wider
        passages = services.random_passages(WIDER)
        pick = next_card(services, memory, topic, passages, focus, asked, at, level)
    if pick is None:
        text = prompts.QUIZ_NO_QUESTION if passages else prompts.NO_NOTES
        if (
            memory is not None
            and passages
            and (upcoming := next_due(memory.cards(), at)) is not None
        ):
            text = prompts.QUIZ_ALL_ASKED.format(when=ahead(upcoming, at))
        return {"messages": [AIMessage(text)], "quiz": None}
    question = Question.from_dict(pick.card["question"])
    lead = prompts.QUIZ_REVIEW.format(when=ago(due_at(pick.card), at)) if pick.review else ""
    note = pick.card.pop(FELL_BACK_KEY, "")
    pending = {**question.as_dict(), "card": pick.card, "review_id": uuid.uuid4().hex}
    return {
        "messages": [AIMessage("\n\n".join(filter(None, [lead, question.render(), note])))],
        "quiz": pending,
        "sources": [question.source],
    }


def due_card_on(services: Services, memory: LearnerMemory, topic: str, at: datetime) -> Any:
    """A due card on the topic, even when the notes no longer cover it well."""
    from tutor.learning.selection import due_card

    return due_card(services, memory, memory.cards(), topic, [], set(), at)


def after_quiz(state: TutorState) -> Literal["await_answer", "__end__"]:
    """Wait for an answer only when a question was asked."""
    return "await_answer" if state.get("quiz") else "__end__"


def await_answer(state: TutorState) -> Command[Any]:
    """Wait for the answer; nothing else happens here, so a resume never repeats work."""
    question = Question.from_dict(state["quiz"] or {})
    answer = str(interrupt({"type": "quiz_answer", "prompt": question.render()})).strip()
    said = reply_message(answer)
    if is_new_request(answer):
        update = {"messages": [AIMessage(prompts.QUIZ_SET_ASIDE), said], "quiz": None}
        return Command(goto="router", update=update)
    # A choice answered in words is graded (matched to the option it means); only a reply
    # that names no option and says nothing the options say is asked again.
    unclear = question.options and parse_choice(answer, question.options) is None
    if unclear and not is_skip(answer) and not says_something(question, answer):
        labels = ", ".join(LABELS[: len(question.options)])
        again = AIMessage(prompts.QUIZ_UNCLEAR_CHOICE.format(labels=labels))
        return Command(goto="await_answer", update={"messages": [said, again]})
    return Command(goto="grade", update={"messages": [said], "reply": answer})


def grade(state: TutorState, runtime: Runtime[TutorContext]) -> dict[str, Any]:
    """Grade the answer (by the rubric with a model, else an automatic estimate), show the
    reference and source, and ask the learner to rate their recall when no model graded it."""
    pending = state["quiz"] or {}
    question = Question.from_dict(pending)
    answer = state.get("reply") or ""
    services = services_of(runtime)
    result, graded_by, note = auto_grade(services, question, answer), "rules", ""
    if services.structured is not None and question.rubric and result.verdict != "skipped":
        try:
            by_model = grade_with_model(services, question, answer)
        except TutorError as error:  # a dead model never costs the learner their answer
            by_model, note = None, prompts.MODEL_GRADE_FAILED.format(reason=error.message)
        if by_model is not None:
            result, graded_by = by_model, "model"
        elif not note:
            note = prompts.MODEL_GRADE_FAILED.format(reason=prompts.UNREADABLE_GRADE)
    record = {
        "question": question.prompt,
        "answer": answer,
        "kind": question.kind,
        "source": question.source,
        "graded_by": graded_by,
        **result.as_dict(),
    }
    run_id = str(getattr(runtime.context, "run_id", "") or "")
    if run_id:
        record["run_id"] = run_id  # its trace, for the learner's rating later
    suggested = suggested_rating(result.score, result.verdict)
    # The learner rates their own recall offline; a skip is a miss, a model's grade decides.
    asks = graded_by == "rules" and result.verdict != "skipped"
    has_memory = memory_of(runtime, state.get("learner")) is not None
    review = None
    parts = [feedback(question, result, graded_by), note]
    if has_memory and pending.get("card"):
        review = {
            "card": pending["card"],
            "review_id": pending.get("review_id") or uuid.uuid4().hex,
            "grade": record,
            "suggested": suggested,
            "rating": None if asks else suggested,
            "then": None,
        }
        if asks:
            parts.append(prompts.RATE.format(suggested=suggested))
    else:
        parts.append(prompts.QUIZ_ANOTHER)
    return {
        "messages": [AIMessage("\n\n".join(filter(None, parts)))],
        "quiz": None,
        "reply": None,
        "grades": [record],
        "sources": [question.source],
        "review": review,
    }


def auto_grade(services: Services, question: Question, answer: str) -> Grade:
    """Key terms plus, for free answers, similarity to the reference in the local embedder."""
    from tutor.learning.estimate import auto_estimate

    try:
        embed = services.index.embeddings.embed_documents
    except TutorError:
        return grade_answer(question, answer)
    return auto_estimate(question, answer, embed)


def is_new_request(answer: str) -> bool:
    """Whether a reply to a question is really a new request: a command or a clear question."""
    command, _ = split_command(answer)
    if command:
        return command != "/skip"
    asks = answer.rstrip().endswith("?") and bool(REQUEST_START.match(answer))
    return asks or bool(QUIZ.search(answer)) or bool(ASKS_WITHOUT_MARK.match(answer))


def feedback(question: Question, result: Grade, graded_by: str = "rules") -> str:
    """The verdict, what was right or missing, the reference answer and where it comes from."""
    verdict = f"{prompts.VERDICTS[result.verdict]} {result.feedback}".strip()
    if result.verdict != "skipped":
        how = "model's" if graded_by == "model" else "automatic"
        verdict += f" ({how} score {result.score:.0%})"
    reference = question.reference
    if question.options and question.answer_index is not None:
        reference = f"{LABELS[question.answer_index]}) {reference}"
    return "\n\n".join(
        [
            verdict,
            f"**Reference:** {reference}",
            f"**Source:** {where(question.source)}",
        ]
    )
