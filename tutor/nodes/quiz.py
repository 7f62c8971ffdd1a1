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
from tutor.context import Services, TutorContext, level_of, memory_of, services_of
from tutor.errors import TutorError
from tutor.knowledge.citations import where
from tutor.learning.authoring import grade_with_model
from tutor.learning.balance import balanced_card
from tutor.learning.cards import Card, ago, ahead, due_at, next_due, now, suggested_rating
from tutor.learning.choices import parse_choice, says_something
from tutor.learning.grading import Grade, GradedBy, GradeRecord, grade_answer, is_skip
from tutor.learning.memory import LearnerMemory
from tutor.learning.nearest_topics import nearest_topics
from tutor.learning.on_topic import OnTopic, find_on_topic
from tutor.learning.questions import LABELS, Question
from tutor.learning.selection import FELL_BACK_KEY, Pick, next_card, next_on_topic
from tutor.messages import is_new_request, reply_message
from tutor.state import PendingQuiz, Review, TutorState

MARKDOWN = re.compile(r"\[\[|\]\]|(?<!\w)[*_`]+(?=\w)|(?<=\w)[*_`]+(?!\w)|^#+\s")
"""Markup a typed topic may carry ("[[LoRA]]", "*PPO*"), left out where a reply names it."""
LITERAL = re.compile(r"[\\*_\[\]#|<>]")
"""Characters Markdown would read: a topic still holding one ("(.*)+", "a|b") is shown as
code, as typed, in the terminal and in Slack alike."""
WIDER = 200
"""Passages sampled when the first dozen hold no question the learner has not had."""


def quiz(state: TutorState, runtime: Runtime[TutorContext]) -> TutorState:
    """Ask one question: a due card on the topic first, else a new one from the notes."""
    services = services_of(runtime)
    if (missing := services.missing_notes()) is not None:
        return {"messages": [AIMessage(missing)], "sources": []}
    topic = state.get("topic", "")
    memory = memory_of(runtime, state.get("learner"))
    asked = {g.get("question", "") for g in state.get("grades", [])}
    at = now()
    level = level_of(state, services, memory)
    if topic:
        return quiz_on(services, memory, topic, asked, at, level)
    # Notes and their topics take turns, whatever their length.
    pick = balanced_card(services, memory, state.get("grades", []), asked, at, level)
    if pick is None:  # those few were all asked: look wider
        passages = services.random_passages(WIDER)
        pick = next_card(services, memory, topic, passages, None, asked, at, level)
    if pick is None:
        text = prompts.QUIZ_NO_QUESTION
        if memory is not None and (upcoming := next_due(memory.cards(), at)) is not None:
            text = prompts.QUIZ_ALL_ASKED.format(when=ahead(upcoming, at))
        return {"messages": [AIMessage(text)], "quiz": None}
    return ask_card(pick, at)


def quiz_on(
    services: Services,
    memory: LearnerMemory | None,
    topic: str,
    asked: set[str],
    at: datetime,
    level: str,
) -> TutorState:
    """A question from a passage about the topic; when the notes have none, say so and offer
    the nearest topics they do have (a due card that names the topic is still asked)."""
    found = find_on_topic(services, topic)
    shown = shown_topic(topic)
    if not found.groups:
        due = due_card_on(services, memory, topic, at) if memory is not None else None
        if due is None:
            return {"messages": [AIMessage(not_in_notes(services, topic, found))], "quiz": None}
        return ask_card(Pick(due, review=True), at)
    pick = next_on_topic(
        services, memory, topic, found.groups, found.searched, asked, at, level, found.in_passing
    )
    if pick is None:
        return {"messages": [AIMessage(none_left(memory, topic, found, at))], "quiz": None}
    lead = prompts.QUIZ_IN_PASSING if found.in_passing else ""
    lead = prompts.QUIZ_RELATED if found.related else lead
    return ask_card(pick, at, lead.format(topic=shown))


def ask_card(pick: Pick, at: datetime, lead: str = "") -> TutorState:
    """The question of a card, waiting for its answer."""
    question = Question.from_dict(pick.card["question"])
    review = prompts.QUIZ_REVIEW.format(when=ago(due_at(pick.card), at)) if pick.review else ""
    note = pick.card.pop(FELL_BACK_KEY, "")
    pending: PendingQuiz = {**question.as_dict(), "card": pick.card, "review_id": uuid.uuid4().hex}
    text = "\n\n".join(filter(None, [lead, review, question.render(), note]))
    return {"messages": [AIMessage(text)], "quiz": pending, "sources": [question.source]}


def shown_topic(topic: str) -> str:
    """The topic as a reply names it: no Markdown of its own, at most about 80 characters."""
    plain = " ".join(MARKDOWN.sub(" ", topic).split()) or topic
    short = plain if len(plain) <= 80 else plain[:80].rsplit(" ", 1)[0] + " …"
    return f"`{short.replace('`', '')}`" if LITERAL.search(short) else short


def not_in_notes(services: Services, topic: str, found: OnTopic) -> str:
    """The notes have nothing on the topic: say so, and offer the nearest topics they have."""
    lines = [prompts.QUIZ_NOT_IN_NOTES.format(topic=shown_topic(topic))]
    offered = nearest_topics(services, topic, found.searched)
    if offered:
        lines += ["", prompts.QUIZ_NEAREST_TOPICS, *(f"- {name}" for name in offered)]
        lines += ["", prompts.QUIZ_TRY_TOPIC.format(topic=offered[0])]
    return "\n".join(lines)


def none_left(memory: LearnerMemory | None, topic: str, found: OnTopic, at: datetime) -> str:
    """Why no question on a topic the notes have: all were asked, or none can be made."""
    shown = shown_topic(topic)
    upcoming = next_due(memory.cards(), at) if memory is not None else None
    if upcoming is not None:
        return prompts.QUIZ_ALL_ASKED_ON_TOPIC.format(topic=shown, when=ahead(upcoming, at))
    return prompts.QUIZ_NONE_ON_TOPIC.format(topic=shown, where=found.passages[0].citation)


def due_card_on(services: Services, memory: LearnerMemory, topic: str, at: datetime) -> Card | None:
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


def grade(state: TutorState, runtime: Runtime[TutorContext]) -> TutorState:
    """Grade the answer (by the rubric with a model, else an automatic estimate), show the
    reference and source, and ask the learner to rate their recall when no model graded it."""
    pending = state["quiz"]
    question = Question.from_dict(pending or {})
    answer = state.get("reply") or ""
    services = services_of(runtime)
    result, note = auto_grade(services, question, answer), ""
    graded_by: GradedBy = "rules"
    if services.structured is not None and question.rubric and result.verdict != "skipped":
        try:
            by_model = grade_with_model(services, question, answer)
        except TutorError as error:  # a dead model never costs the learner their answer
            by_model, note = None, prompts.MODEL_GRADE_FAILED.format(reason=error.message)
        if by_model is not None:
            result, graded_by = by_model, "model"
        elif not note:
            note = prompts.MODEL_GRADE_FAILED.format(reason=prompts.UNREADABLE_GRADE)
    record: GradeRecord = {
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
    review: Review | None = None
    parts = [feedback(question, result, graded_by), note]
    if has_memory and pending and pending.get("card"):
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
