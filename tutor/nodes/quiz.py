"""The quiz nodes: ask one question from the notes, wait for the answer, grade it."""

from __future__ import annotations

import re
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from tutor import prompts
from tutor.answers import not_covered, where
from tutor.context import Services, TutorContext, services_of
from tutor.errors import TutorError
from tutor.knowledge.retriever import Passage, keyword_overlap, notes_cover
from tutor.learning.authoring import grade_with_model, write_question
from tutor.learning.grading import Grade, grade_answer, is_skip, parse_choice
from tutor.learning.questions import LABELS, Question, pick_question
from tutor.nodes.router import QUIZ, split_command
from tutor.state import TutorState

REQUEST_START = re.compile(
    r"^\s*(where|which|explain|tell me|can you|could you|what (is|are|does)"
    r"|how (do|does|is)|why)\b",
    re.I,
)


def quiz(state: TutorState, runtime: Runtime[TutorContext]) -> dict[str, Any]:
    """Pick a passage (on the topic, if one was given) and ask one question about it."""
    services = services_of(runtime)
    if (missing := services.missing_notes()) is not None:
        return {"messages": [AIMessage(missing)], "sources": []}
    topic = state.get("topic", "")
    passages = services.search(topic, k=6) if topic else services.random_passages(12)
    if topic and not notes_cover(topic, passages):
        text = not_covered(topic, passages, hint=prompts.QUIZ_NOTHING_THERE)
        return {"messages": [AIMessage(text)]}
    asked = {g.get("question", "") for g in state.get("grades", [])}
    if topic:
        # Ask about the passages that are about the topic; the rest lend wrong options.
        about = [p for p in passages if keyword_overlap(topic, p) > 0 or p.similarity >= 0.45]
        about = about or passages[:2]
        passages = about + [p for p in passages if p not in about]
        focus: int | None = len(about)
    else:
        focus = None
    question = make_question(services, passages, asked, state.get("level") or "", focus)
    if question is None:
        text = prompts.QUIZ_NO_QUESTION if passages else prompts.NO_NOTES
        return {"messages": [AIMessage(text)], "quiz": None}
    return {
        "messages": [AIMessage(question.render())],
        "quiz": question.as_dict(),
        "sources": [question.source],
    }


def make_question(
    services: Services, passages: list[Passage], asked: set[str], level: str, focus: int | None
) -> Question | None:
    """A model-written question when a model can write one, else one from the notes' structure."""
    if services.structured is not None and passages:
        passage = services.rng.choice(passages[: min(focus or 3, 3)])
        written = write_question(services, passage, level or services.settings.level)
        if written is not None and written.prompt not in asked:
            return written
    return pick_question(passages, services.rng, avoid=asked, focus=focus)


def after_quiz(state: TutorState) -> Literal["await_answer", "__end__"]:
    """Wait for an answer only when a question was asked."""
    return "await_answer" if state.get("quiz") else "__end__"


def await_answer(state: TutorState) -> Command[Any]:
    """Wait for the answer; nothing else happens here, so a resume never repeats work."""
    question = Question.from_dict(state["quiz"] or {})
    answer = str(interrupt({"type": "quiz_answer", "prompt": question.render()})).strip()
    said = HumanMessage(answer)
    if is_new_request(answer):
        update = {"messages": [AIMessage(prompts.QUIZ_SET_ASIDE), said], "quiz": None}
        return Command(goto="router", update=update)
    unclear = question.options and parse_choice(answer, question.options) is None
    if unclear and not is_skip(answer):
        labels = ", ".join(LABELS[: len(question.options)])
        again = AIMessage(prompts.QUIZ_UNCLEAR_CHOICE.format(labels=labels))
        return Command(goto="await_answer", update={"messages": [said, again]})
    return Command(goto="grade", update={"messages": [said], "reply": answer})


def grade(state: TutorState, runtime: Runtime[TutorContext]) -> dict[str, Any]:
    """Grade the answer (by the rubric with a model), show the reference and the source."""
    question = Question.from_dict(state["quiz"] or {})
    answer = state.get("reply") or ""
    services = services_of(runtime)
    result, graded_by, note = grade_answer(question, answer), "rules", ""
    if services.structured is not None and question.rubric and result.verdict != "skipped":
        try:
            by_model = grade_with_model(services, question, answer)
        except TutorError as error:  # a dead model never costs the learner their answer
            by_model, note = None, prompts.MODEL_GRADE_FAILED.format(reason=error.message)
        if by_model is not None:
            result, graded_by = by_model, "model"
    record = {
        "question": question.prompt,
        "answer": answer,
        "kind": question.kind,
        "source": question.source,
        "graded_by": graded_by,
        **result.as_dict(),
    }
    text = "\n\n".join(filter(None, [feedback(question, result), note]))
    return {
        "messages": [AIMessage(text)],
        "quiz": None,
        "reply": None,
        "grades": [record],
        "sources": [question.source],
    }


def is_new_request(answer: str) -> bool:
    """Whether a reply to a question is really a new request: a command or a clear question."""
    command, _ = split_command(answer)
    if command:
        return command != "/skip"
    asks = answer.rstrip().endswith("?") and bool(REQUEST_START.match(answer))
    return asks or bool(QUIZ.search(answer))


def feedback(question: Question, result: Grade) -> str:
    """The verdict, what was right or missing, the reference answer and where it comes from."""
    verdict = f"{prompts.VERDICTS[result.verdict]} {result.feedback}".strip()
    if result.verdict != "skipped":
        verdict += f" (score {result.score:.0%})"
    reference = question.reference
    if question.options and question.answer_index is not None:
        reference = f"{LABELS[question.answer_index]}) {reference}"
    return "\n\n".join(
        [
            verdict,
            f"**Reference:** {reference}",
            f"**Source:** {where(question.source)}",
            prompts.QUIZ_ANOTHER,
        ]
    )
