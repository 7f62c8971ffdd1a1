"""The question bank: every offline question of a note, built once at ingest and stored.

Built per file, so multiple choice draws its wrong options from the same note and a prompt
two passages share (a repeated definition, say) is asked once. Questions are kept by chunk
id in the ingest record, and go when their chunk goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tutor.knowledge.passage import Passage
from tutor.learning.cards import question_id
from tutor.learning.questions import Question, questions_from_passage
from tutor.learning.structure import norm

if TYPE_CHECKING:
    from tutor.knowledge.records import IngestRecords


def build_bank(passages: Sequence[Passage]) -> dict[str, list[dict[str, Any]]]:
    """One file's questions by chunk id, each prompt once in the file (the first passage keeps it).

    Every passage gets an entry, empty when it supports no question, so storing the bank
    also clears what an earlier build left for that chunk.
    """
    bank: dict[str, list[dict[str, Any]]] = {}
    asked: set[str] = set()
    for passage in passages:
        kept = bank.setdefault(passage.chunk_id, [])
        # `questions_from_passage` skips the passage itself among the others.
        for question in questions_from_passage(passage, passages):
            prompt = norm(question.prompt)
            if prompt in asked:
                continue
            asked.add(prompt)
            kept.append({**question.as_dict(), "qid": question_id(passage.chunk_id, question)})
    return bank


def bank_questions(
    records: IngestRecords, chunk_id: str, by: str | None = "rules"
) -> list[Question]:
    """The stored questions of one chunk (the rules' by default), as `Question`s."""
    stored = records.questions_for([chunk_id], by=by).get(chunk_id, [])
    return [Question.from_dict(q) for q in stored]
