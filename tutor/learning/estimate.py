"""The offline automatic estimate: the rules' grade, lifted for a free answer by how close
it is in meaning to the reference (the local embedding model). A suggestion only: the
learner's own rating decides the schedule."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from tutor.knowledge.retriever import keywords
from tutor.learning.grading import Grade, free_text_feedback, grade_answer, verdict_for
from tutor.learning.questions import Question

FREE_TEXT = frozenset(["recall", "definition"])
# Calibrated for all-MiniLM-L6-v2 on evals/quiz_answers.json (`bench/quiz.py --sweep` prints
# the fit). Similarity adds at most half the scale: alone it lifts an answer to partial, but
# correct needs key terms too, since wrong answers on the topic reach cosines of 0.45-0.7.
SIMILAR_FROM = 0.25
"""Cosine to the reference below which resemblance earns nothing (off-topic answers: < 0.15)."""
SIMILAR_AT = 0.6
"""Cosine to the reference at which resemblance earns its full weight."""
SIMILARITY_WEIGHT = 0.5
"""The most that resemblance adds to the key-term score."""


def auto_estimate(
    question: Question, answer: str, embed: Callable[[list[str]], list[list[float]]] | None
) -> Grade:
    """The rules' grade, lifted for a free answer by its similarity in meaning to the reference.

    `embed` embeds documents (the local model's `embed_documents`); without it, or when it
    fails, the rules' grade stands. Choice, cloze and skipped answers are always rule-graded.
    """
    grade = grade_answer(question, answer)
    if embed is None or question.kind not in FREE_TEXT or grade.verdict == "skipped":
        return grade
    if not set(keywords(answer)) - set(keywords(question.prompt)):
        return grade  # the question's own words resemble the reference but answer nothing
    try:
        similarity = _cosine(*embed([answer.strip(), question.reference]))
    except Exception:  # noqa: BLE001 - a suggestion: the rules' grade will do
        return grade
    span = (similarity - SIMILAR_FROM) / (SIMILAR_AT - SIMILAR_FROM)
    score = round(min(1.0, grade.score + SIMILARITY_WEIGHT * min(1.0, max(0.0, span))), 2)
    if score <= grade.score:
        return grade
    verdict = verdict_for(score)
    feedback = free_text_feedback(question, verdict, grade.matched, grade.missed, similar=True)
    return Grade(score, verdict, feedback, grade.matched, grade.missed)


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity; 0 for a zero vector (normalised input is not assumed)."""
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norms if norms else 0.0
