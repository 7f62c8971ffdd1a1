"""Model-written quiz questions and rubric grading (structured output), for LLM mode."""

from __future__ import annotations

from collections import Counter

from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field

from tutor import prompts
from tutor.knowledge.citations import source_ref
from tutor.knowledge.passage import Passage
from tutor.knowledge.words import keywords
from tutor.learning.collaborators import Collaborators
from tutor.learning.grading import Grade
from tutor.learning.questions import Question


class WrittenQuestion(BaseModel):
    """A question the model wrote about one passage."""

    question: str = Field(description="one question answerable from the passage")
    reference: str = Field(description="the reference answer, one to three sentences")
    rubric: list[str] = Field(description="two to four criteria a correct answer meets")


class RubricGrade(BaseModel):
    """The model's grade of an answer against the rubric."""

    score: float = Field(ge=0, le=1, description="0 to 1")
    verdict: str = Field(description="correct, partial or incorrect")
    right: list[str] = Field(default_factory=list, description="what the answer got right")
    missing: list[str] = Field(default_factory=list, description="what the answer missed")
    feedback: str = Field(description="one or two specific, encouraging sentences")


def write_question(services: Collaborators, passage: Passage, level: str) -> Question | None:
    """A question, reference and rubric written by the model; None if it wrote an empty one
    (a failed call is a ModelFailure)."""
    assert services.structured is not None
    prompt = prompts.QUIZ_WRITE.format(
        level=prompts.LEVELS.get(level, level), citation=passage.citation, passage=passage.text
    )
    written = services.structured(WrittenQuestion, [HumanMessage(prompt)], kind="question")
    if written is None or not written.question.strip() or not written.reference.strip():
        return None
    asked = set(keywords(written.question))
    terms = [t for t, _ in Counter(keywords(written.reference)).most_common() if t not in asked]
    return Question(
        kind="recall",
        prompt=written.question.strip(),
        reference=written.reference.strip(),
        key_terms=terms[:8],
        source=source_ref(passage),
        rubric=[c.strip() for c in written.rubric if c.strip()],
    )


def grade_with_model(services: Collaborators, question: Question, answer: str) -> Grade | None:
    """The model's rubric grade, or None when it cannot give one (rules grade instead)."""
    assert services.structured is not None
    prompt = prompts.QUIZ_GRADE.format(
        question=question.prompt,
        reference=question.reference,
        rubric="\n".join(f"- {c}" for c in question.rubric),
        answer=answer,
    )
    graded = services.structured(RubricGrade, [HumanMessage(prompt)], kind="grade")
    if graded is None:
        return None
    score = graded.score
    by_score = "correct" if score >= 0.7 else "partial" if score >= 0.3 else "incorrect"
    verdict = graded.verdict.strip().lower()
    if verdict != by_score:
        verdict = by_score  # the score is the grade; a verdict that contradicts it is a slip
    return Grade(
        score=round(graded.score, 2),
        verdict=verdict,  # type: ignore[arg-type]
        feedback=_feedback(graded),
        matched=[r.strip() for r in graded.right if r.strip()],
        missed=[m.strip() for m in graded.missing if m.strip()],
    )


def _feedback(graded: RubricGrade) -> str:
    """The model's feedback, or what it found right and missing when it gave none."""
    if graded.feedback.strip():
        return graded.feedback.strip()
    parts = []
    if right := [r.strip() for r in graded.right if r.strip()]:
        parts.append("Right: " + "; ".join(right) + ".")
    if missing := [m.strip() for m in graded.missing if m.strip()]:
        parts.append("Missing: " + "; ".join(missing) + ".")
    return " ".join(parts)
