"""The offline automatic estimate: the rules' grade, lifted for a free answer by how close
it is in meaning to the reference (the local embedding model). A suggestion only: the
learner's own rating decides the schedule."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from tutor.knowledge.words import keywords
from tutor.learning.choices import parse_choice
from tutor.learning.grading import (
    Grade,
    choice_grade,
    free_text_feedback,
    grade_answer,
    verdict_for,
)
from tutor.learning.questions import Question

FREE_TEXT = frozenset(["recall", "definition", "steps", "compare", "why"])
"""Kinds answered in the learner's own words, whose meaning may lift the rules' grade."""
Embed = Callable[[list[str]], list[list[float]]]
# Calibrated for all-MiniLM-L6-v2 on evals/quiz_answers.json (`bench/quiz.py --sweep` prints
# the fit). Similarity adds at most half the scale: alone it lifts an answer to partial, but
# correct needs key terms too, since wrong answers on the topic reach cosines of 0.45-0.7.
SIMILAR_FROM = 0.25
"""Cosine to the reference below which resemblance earns nothing (off-topic answers: < 0.15)."""
SIMILAR_AT = 0.6
"""Cosine to the reference at which resemblance earns its full weight."""
SIMILARITY_WEIGHT = 0.5
"""The most that resemblance adds to the key-term score."""
MEANS_AT, MEANS_BY = 0.35, 0.1
"""A choice answered in words means the option it is this close to, and this much closer
than to any other ("humans rank pairs of answers": 0.56 to its option, under 0.16 to the rest;
an answer between two options, 0.35 against 0.26, is graded as free text instead)."""


def auto_estimate(
    question: Question, answer: str, embed: Callable[[list[str]], list[list[float]]] | None
) -> Grade:
    """The rules' grade, lifted for a free answer by its similarity in meaning to the reference.

    `embed` embeds documents (the local model's `embed_documents`); without it, or when it
    fails, the rules' grade stands. Cloze and skipped answers are always rule-graded; a
    choice answered in the learner's own words is matched to the option it means.
    """
    grade = grade_answer(question, answer)
    if embed is None or grade.verdict == "skipped":
        return grade
    if question.kind == "choice" and parse_choice(answer, question.options) is None:
        return _choice_by_meaning(question, answer, embed, grade)
    if question.kind not in FREE_TEXT:
        return grade
    return _lifted(question, answer, embed, grade)


def _choice_by_meaning(question: Question, answer: str, embed: Embed, grade: Grade) -> Grade:
    """A choice answered in the learner's own words: the option it is clearly closest to in
    meaning, else graded as a free answer against the notes' answer."""
    try:
        said, *options = embed([answer.strip(), *question.options])
    except Exception:  # noqa: BLE001 - a suggestion: the rules' grade will do
        return grade
    closeness = sorted(((_cosine(said, o), i) for i, o in enumerate(options)), reverse=True)
    (best, picked), runner_up = closeness[0], closeness[1][0] if len(closeness) > 1 else 0.0
    if best >= MEANS_AT and best - runner_up >= MEANS_BY:
        return choice_grade(question, picked, "meaning")
    return _lifted(question, answer, embed, grade)


def _lifted(question: Question, answer: str, embed: Embed, grade: Grade) -> Grade:
    """The rules' grade of a free answer, lifted by its similarity to the reference."""
    if not set(keywords(answer)) - set(keywords(question.prompt)):
        return grade  # the question's own words resemble the reference but answer nothing
    try:
        similarity = _cosine(*embed([answer.strip(), question.reference]))
    except Exception:  # noqa: BLE001 - a suggestion: the rules' grade will do
        return grade
    span = (similarity - SIMILAR_FROM) / (SIMILAR_AT - SIMILAR_FROM)
    lift = SIMILARITY_WEIGHT * min(1.0, max(0.0, span))
    score = round(min(grade.ceiling, grade.score + lift), 2)
    if score <= grade.score:
        return grade
    verdict = verdict_for(score)
    feedback = free_text_feedback(question, verdict, grade.matched, grade.missed, similar=True)
    return Grade(score, verdict, feedback, grade.matched, grade.missed, grade.ceiling)


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity; 0 for a zero vector (normalised input is not assumed)."""
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norms if norms else 0.0
