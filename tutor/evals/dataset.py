"""The eval set in `evals/`: questions over the shipped notes, and labelled quiz answers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tutor.config import PACKAGE_ROOT
from tutor.errors import TutorError
from tutor.learning.questions import Question

EVALS_DIR = PACKAGE_ROOT.parent / "evals"
QUESTIONS = EVALS_DIR / "questions.jsonl"
QUIZ_ANSWERS = EVALS_DIR / "quiz_answers.json"
QUIZ_ANSWERS_HELDOUT = EVALS_DIR / "quiz_answers_heldout.json"
QUIZ_ANSWER_SETS = (QUIZ_ANSWERS, QUIZ_ANSWERS_HELDOUT)
"""The tuning half (grading may be tuned on its failures) and the held-out half (totals only)."""
QUIZ_TOPICS = EVALS_DIR / "quiz_topics.jsonl"
"""Topics to quiz on, each with the passages about it, or absent from the notes."""
LABELS = ("right", "partial", "wrong")
T = TypeVar("T")


@dataclass(frozen=True)
class EvalQuestion:
    """A question the notes answer, where (file and heading) and with which key facts."""

    id: str
    question: str
    file: str
    heading: str
    facts: tuple[str, ...]
    style: str = "paraphrase"

    def inputs(self) -> dict[str, Any]:
        """What the tutor is given."""
        return {"question": self.question}

    def reference(self) -> dict[str, Any]:
        """What a good result contains."""
        return {"file": self.file, "heading": self.heading, "facts": list(self.facts)}


@dataclass(frozen=True)
class QuizAnswer:
    """A learner's answer to a stored quiz question, with the grade a fair tutor gives it."""

    id: str
    question: Question
    answer: str
    label: str
    split: str = ""
    why: str = ""

    def inputs(self) -> dict[str, Any]:
        """The question (as stored) and the answer to grade."""
        return {"question": self.question.as_dict(), "answer": self.answer}

    def reference(self) -> dict[str, Any]:
        """The expected grade."""
        return {"label": self.label}

    @property
    def half(self) -> str:
        """Which half: "heldout" (totals only), else "tune" (its `tune` and `check` items)."""
        return answer_half(self.split)


def answer_half(split: str) -> str:
    """The half of the labelled answers an item's split belongs to: "heldout" or "tune"."""
    return "heldout" if split == "heldout" else "tune"


def load_questions(path: Path = QUESTIONS) -> list[EvalQuestion]:
    """Every question of the JSONL file, one object a line."""
    out: list[EvalQuestion] = []
    for number, line in enumerate(_read(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            facts = tuple(str(f) for f in item["facts"])
            if not facts:
                raise ValueError("no key facts")
            out.append(
                EvalQuestion(
                    id=str(item["id"]),
                    question=str(item["question"]),
                    file=str(item["file"]),
                    heading=str(item["heading"]),
                    facts=facts,
                    style=str(item.get("style", "paraphrase")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise _bad(path, f"line {number}: {exc!r}") from None
    _unique(path, [q.id for q in out])
    return out


def load_quiz_answers(paths: Path | Sequence[Path] = QUIZ_ANSWER_SETS) -> list[QuizAnswer]:
    """Every labelled answer of the files (both halves by default), each with its question
    rebuilt from the stored fields and its item's split."""
    if isinstance(paths, Path):
        paths = [paths]
    out = [a for path in paths for a in _quiz_answers(path)]
    _unique(paths[0] if len(paths) == 1 else EVALS_DIR, [a.id for a in out])
    return out


def _quiz_answers(path: Path) -> list[QuizAnswer]:
    try:
        items = json.loads(_read(path))["questions"]
        out = [
            QuizAnswer(
                id=f"{item['id']}#{n}",
                question=Question.from_dict(item),
                answer=str(answer["text"]),
                label=str(answer["label"]),
                split=str(item.get("split", "")),
                why=str(answer.get("why", "")),
            )
            for item in items
            for n, answer in enumerate(item["answers"], start=1)
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise _bad(path, repr(exc)) from None
    if wrong := sorted({a.label for a in out} - set(LABELS)):
        raise _bad(path, f"unknown labels {wrong}; use {', '.join(LABELS)}")
    return out


@dataclass(frozen=True)
class QuizTopic:
    """A topic a learner asks to be quizzed on, and the passages about it (none if absent)."""

    id: str
    topic: str
    covered: bool
    about: tuple[dict[str, Any], ...]
    """Each passage about the topic: its `file`, `heading` and a `line` inside it."""
    split: str
    kind: str = ""


def load_quiz_topics(path: Path = QUIZ_TOPICS) -> list[QuizTopic]:
    """Every topic of the JSONL file (see the "Quiz on a topic" section of evals/RUBRIC.md)."""
    out: list[QuizTopic] = []
    for number, line in enumerate(_read(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            about = tuple(
                {"file": str(a["file"]), "heading": str(a["heading"]), "line": int(a["line"])}
                for a in item["about"]
            )
            if bool(item["covered"]) != bool(about) or item["split"] not in ("tune", "heldout"):
                raise ValueError("covered needs passages, absent none; split tune or heldout")
            out.append(QuizTopic(str(item["id"]), str(item["topic"]), bool(item["covered"]),
                                 about, str(item["split"]), str(item.get("kind", ""))))  # fmt: skip
        except (ValueError, KeyError, TypeError) as exc:
            raise _bad(path, f"line {number}: {exc!r}") from None
    _unique(path, [t.id for t in out])
    return out


def question_half(file: str, heading: str) -> str:
    """Which half of the generated-question rubric set a passage's questions belong to:
    "tune" (generators may be tuned on them) or "heldout" (labelled once, totals only).
    Fixed by the passage's file and heading, so it does not move when generation changes."""
    first = hashlib.sha1(f"{file}|{heading}".encode()).digest()[0]
    return "tune" if first % 2 == 0 else "heldout"


def spread(items: Sequence[T], limit: int | None) -> list[T]:
    """`limit` items evenly spaced over the set (all of them without a limit)."""
    if limit is None or limit >= len(items):
        return list(items)
    return [items[i * len(items) // limit] for i in range(max(limit, 0))]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TutorError(
            f"cannot read the eval set {path}: {exc}", "run from a checkout that has evals/"
        ) from None


def _bad(path: Path, detail: str) -> TutorError:
    return TutorError(f"the eval set {path} is malformed: {detail}", "see evals/README.md")


def _unique(path: Path, ids: list[str]) -> None:
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise _bad(path, f"duplicate ids {twice}")
