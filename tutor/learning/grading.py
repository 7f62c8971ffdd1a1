"""Offline grading of quiz answers: rules (choice labels, cloze terms, key terms), and an
automatic estimate that adds, for free answers, their similarity in meaning to the reference."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict

from tutor.knowledge.passage import Source
from tutor.knowledge.words import keywords
from tutor.learning.answer_aliases import alias_words, names
from tutor.learning.answer_words import (
    fills_blank,
    key_of,
    mentions,
    share,
    surfaces,
    words_of,
)
from tutor.learning.choices import LABEL, LABEL_PREFIX, parse_choice
from tutor.learning.contradiction import contradiction, wrong_number
from tutor.learning.kind_rules import first_step, output_match, picked_side, right_side
from tutor.learning.questions import LABELS, WEAK, Question, QuestionKind

Verdict = Literal["correct", "partial", "incorrect", "skipped"]
GradedBy = Literal["rules", "model"]
CORRECT_AT = 0.6
PARTIAL_AT = 0.3
JOINERS = frozenset(["a", "an", "and", "by", "for", "from", "in", "of", "on", "the", "to", "with"])
SKIPS = frozenset(
    ["", "skip", "/skip", "idk", "i don't know", "i dont know", "no idea", "dunno", "pass", "?"]
)
OPENING = re.compile(r"[,;:.(]|\bwhich\b")
"""Where the first phrase of an answer ends: "Masked attention, which …" names its step first."""
REASONS = frozenset("because due since reason".split())
"""Words that say a reason is coming, not what it is."""


class GradeFields(TypedDict):
    """A `Grade` as JSON (`Grade.as_dict`)."""

    score: float
    """0 to 1."""
    verdict: Verdict
    """correct, partial, incorrect or skipped."""
    feedback: str
    """A word for the learner: what was right, what was missing."""
    matched: list[str]
    """Key terms (or the option) the answer got."""
    missed: list[str]
    """Key terms the answer left out."""
    ceiling: float
    """See `Grade.ceiling`."""


class TracedGrade(TypedDict, total=False):
    """What a grade record holds only when its turn was traced."""

    run_id: str
    """The trace run of the turn that graded the answer (the learner's rating is fed back
    to it)."""


class GradeRecord(GradeFields, TracedGrade):
    """One graded quiz answer, as the thread's `grades` and a review hold it."""

    question: str
    """The question's prompt."""
    answer: str
    """What the learner answered."""
    kind: QuestionKind
    """The question's kind."""
    source: Source
    """The passage the question comes from."""
    graded_by: GradedBy
    """`rules` (the automatic estimate) or `model` (a model's rubric grade)."""


@dataclass
class Grade:
    """How an answer did: a score from 0 to 1, a verdict and a word for the learner."""

    score: float
    verdict: Verdict
    feedback: str
    matched: list[str]
    missed: list[str]
    ceiling: float = 1.0
    """The most the answer's meaning may lift the score to: its score when the rules found it
    false (a negation, a number, a wrong order or side), under correct when it is only half."""

    def as_dict(self) -> GradeFields:
        """JSON-able fields, copied."""
        return {
            "score": self.score,
            "verdict": self.verdict,
            "feedback": self.feedback,
            "matched": list(self.matched),
            "missed": list(self.missed),
            "ceiling": self.ceiling,
        }


def grade_answer(question: Question, answer: str) -> Grade:
    """Grade a free-text answer against the question's reference, options or blank."""
    text = answer.strip()
    if is_skip(text):
        missed = surfaces(question.key_terms[:3], question.reference)
        return Grade(0.0, "skipped", "No answer this time; here is what the notes say.", [], missed)
    if question.kind == "choice":
        return _grade_choice(question, text)
    if question.kind == "cloze":
        return _grade_cloze(question, text)
    if question.kind == "output":
        return grade_output(question, text)
    grade = _grade_free_text(question, text)
    return kind_rule(question, text, grade) or grade


def choice_grade(question: Question, picked: int, how: str = "picked") -> Grade:
    """The grade for picking option `picked`; `how` says how the pick was read."""
    labels = LABELS[: len(question.options)]
    right = question.answer_index if question.answer_index is not None else -1
    said = f"You picked {labels[picked]}" if how == "picked" else f"That reads as {labels[picked]}"
    if picked == right:
        feedback = f"{labels[right]} is the one." if how == "picked" else f"{said}, the one."
        return Grade(1.0, "correct", feedback, [labels[right]], [])
    feedback = f"{said}; the notes' answer is {labels[right]}."
    return Grade(0.0, "incorrect", feedback, [], [labels[right]])


def _grade_choice(question: Question, text: str) -> Grade:
    picked = parse_choice(text, question.options)
    if picked is not None:
        label = LABEL.match(LABEL_PREFIX.sub("", text.strip()).strip())
        return choice_grade(question, picked, "picked" if label else "words")
    # An answer in the learner's own words: graded as free text against the notes' answer.
    grade = _grade_free_text(question, text)
    if grade.score > 0:
        return grade
    labels = LABELS[: len(question.options)]
    listed = ", ".join(labels[:-1]) + f" or {labels[-1]}"
    right = question.answer_index if question.answer_index is not None else -1
    feedback = f"That matches none of the options (answer with {listed} to pick one)."
    if right >= 0:
        feedback += f" The notes' answer is {labels[right]}."
    return Grade(0.0, "incorrect", feedback, [], [labels[right]] if right >= 0 else [])


def _grade_cloze(question: Question, text: str) -> Grade:
    said = key_of(text)
    wanted = question.key_terms or [key_of(question.reference)]
    short = len(text.split()) <= 2  # "PPO" for "Proximal Policy Optimization", not a list
    if said and (
        any(fills_blank(said, term) for term in wanted)
        or spells_out(text, question.reference)
        or (short and names(question.reference, text))
    ):
        feedback = f"Yes: “{question.reference}”."
        return Grade(1.0, "correct", feedback, [question.reference], [])
    feedback = f"The missing term is “{question.reference}”."
    return Grade(0.0, "incorrect", feedback, [], [question.reference])


def spells_out(text: str, acronym: str) -> bool:
    """Whether an answer spells an acronym out: "recurrent neural network" for RNN."""
    letters = re.sub(r"[^A-Za-z]", "", acronym)
    if not (2 <= len(letters) <= 6 and letters.isupper()):
        return False
    words = re.findall(r"[A-Za-z]+", text)
    # Acronyms skip small joining words: RLHF is "reinforcement learning from human feedback".
    initials = "".join(w[0] for w in words if w.lower() not in JOINERS).upper()
    return letters in initials and len(words) <= len(letters) + 3


def _grade_free_text(question: Question, text: str) -> Grade:
    # Words of the question earn nothing: repeating the question is not an answer, nor is
    # naming its abbreviation's long form.
    asked = words_of(question.prompt) | alias_words(question.prompt, [question.reference])
    said = words_of(text) | alias_words(text, [question.reference, question.prompt])
    said -= asked
    matched = [t for t in question.key_terms if mentions(said, t)]
    missed = [t for t in question.key_terms if t not in matched]
    # A term of several words earns its share of them: "cross atention" half of "cross attention".
    shares = [share(said, t) for t in question.key_terms]
    coverage = sum(shares) / len(shares) if shares else 0.0
    # Credit for saying other things the reference says, in the learner's own selection.
    reference = {k for k in keywords(question.reference) if len(k) > 2} - asked - WEAK - REASONS
    hits = [k for k in reference if mentions(said, k)]
    overlap = min(1.0, len(hits) / min(len(reference), 8)) if reference else 0.0
    score = round(min(1.0, max(coverage, (coverage + overlap) / 2)), 2)
    if note := contradiction(text, question.reference):
        feedback = f"That contradicts the notes, which say “{note}”."
        return _settled(min(score, 0.1), "incorrect", feedback, matched, missed)
    if number := wrong_number(text, question.reference):
        feedback = f"The notes do not say {number}: “{question.reference}”."
        return _settled(min(score, 0.1), "incorrect", feedback, matched, missed)
    verdict = verdict_for(score)
    feedback = free_text_feedback(question, verdict, matched, missed)
    return Grade(score, verdict, feedback, matched, missed)


def grade_output(question: Question, text: str) -> Grade:
    """A predicted output against the printed one: the values in order, however formatted."""
    found = output_match(question.reference, text)
    if found == "all":
        return Grade(1.0, "correct", "That is what it prints.", [question.reference], [])
    if found == "some":
        feedback = f"Part of it: it prints “{question.reference}”."
        return _settled(0.5, "partial", feedback, [], [question.reference])
    feedback = f"It prints “{question.reference}”."
    return _settled(0.0, "incorrect", feedback, [], [question.reference])


def kind_rule(question: Question, text: str, grade: Grade) -> Grade | None:
    """What the kind of question decides beyond the words: a comparison's side, the order of
    steps. None when it leaves the free-text grade as it is."""
    if grade.ceiling < 1.0:
        return None  # already found false
    if question.kind == "compare" and (found := right_side(question.prompt, question.reference)):
        right, wrong = found
        picked = picked_side(text, right, wrong)
        if picked == wrong:
            return _settled(0.0, "incorrect", f"The notes' answer is {right}, not {wrong}.",
                            [], [right])  # fmt: skip
        if picked == right:
            score = max(grade.score, CORRECT_AT)
            feedback = free_text_feedback(
                question, "correct", [right, *grade.matched], grade.missed
            )
            return Grade(score, "correct", feedback, [right, *grade.matched], grade.missed)
        if names(wrong, text) and not names(right, text):
            # Something about the other side only: at best half of the answer.
            score = min(grade.score, PARTIAL_AT)
            feedback = f"That is about {wrong}; the notes' answer is {right}."
            return Grade(score, verdict_for(score), feedback, grade.matched, [right],
                         ceiling=PARTIAL_AT)  # fmt: skip
    if question.kind == "steps":
        first, rest = first_step(text)
        opening = {w for w in words_of(OPENING.split(first)[0]) if w not in WEAK}
        if opening and opening <= words_of(question.prompt):
            feedback = f"That is the step the question starts from; next is “{question.reference}”."
            return _settled(0.0, "incorrect", feedback, [], grade.matched + grade.missed)
        named = {w for w in words_of(first) if w not in WEAK and len(w) > 2}
        if rest and len(named) >= 2 and _terms_in(question, rest) > _terms_in(question, first):
            feedback = (
                f"That is not the next step: the notes say “{question.reference}” comes next."
            )
            return _settled(0.0, "incorrect", feedback, [], grade.matched + grade.missed)
    return None


def _terms_in(question: Question, text: str) -> int:
    """How many of the question's key terms a part of an answer names."""
    said = set(keywords(text)) | alias_words(text, [question.reference])
    return sum(mentions(said, t) for t in question.key_terms)


def _settled(
    score: float, verdict: Verdict, feedback: str, matched: list[str], missed: list[str]
) -> Grade:
    """A grade the answer's meaning cannot lift: the rules found it false."""
    return Grade(score, verdict, feedback, matched, missed, ceiling=score)


def verdict_for(score: float) -> Verdict:
    return "correct" if score >= CORRECT_AT else "partial" if score >= PARTIAL_AT else "incorrect"


def free_text_feedback(
    question: Question,
    verdict: Verdict,
    matched: Sequence[str],
    missed: Sequence[str],
    similar: bool = False,
) -> str:
    """What went right and what the notes stress; `similar`: credit came from the meaning."""
    got = _list(surfaces(matched[:3], question.reference))
    lacking = _list(surfaces(missed[:3], question.reference))
    if verdict == "correct":
        if similar:
            named = f", naming {got}" if got else ", in your own words"
            feedback = f"Your answer says what the notes say{named}."
        else:
            feedback = f"You covered {got}." if got else "Your answer matches the notes."
        return feedback + (f" Also worth mentioning: {lacking}." if lacking else "")
    if verdict == "partial":
        if similar and not got:
            return f"Partly there: close in meaning to the notes. Missing: {lacking}."
        return f"Partly there: you mentioned {got or 'some of it'}. Missing: {lacking}."
    if got:
        return f"You mentioned {got}, but the notes stress {lacking}."
    return f"That misses the key points; the notes stress {lacking}."


DECLINES = re.compile(
    r"^(i )?(do not|don't|dont) know|^i (have )?no (idea|clue)|^no (idea|clue)|^not sure"
    r"|^i'?m not sure|^(i )?forgot|^\?+$",
    re.I,
)


def is_skip(text: str) -> bool:
    """Whether an answer declines to answer ("skip", "idk", "no idea", "/skip", nothing)."""
    said = text.lower().replace("’", "'").strip(" .!")
    return said in SKIPS or bool(DECLINES.match(said))


def _list(items: Sequence[str]) -> str:
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"
