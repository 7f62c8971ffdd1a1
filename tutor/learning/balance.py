"""A quiz without a topic: notes and their topics take turns, so no note crowds out the rest.

A note's share of new questions grows with the square root of its number of topics (its
distinct headings), never with its length: one 5,000-line note among a few short ones gets
more questions than each of them, not all of them. Within a note its topics take turns the
same way, and the heading just asked waits while another has questions.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tutor.knowledge.passage import Passage
from tutor.learning.cards import Card
from tutor.learning.grading import GradeRecord
from tutor.learning.selection import Pick, cards_and_due, new_question, offline_question

if TYPE_CHECKING:
    from tutor.learning.collaborators import Collaborators
    from tutor.learning.memory import LearnerMemory

TRIES = 40
"""Topics tried for a new question before the quiz says there is none."""

Where = tuple[str, str]
"""A topic: (file, heading)."""


def balanced_card(
    services: Collaborators,
    memory: LearnerMemory | None,
    grades: Sequence[GradeRecord],
    avoid: set[str],
    at: datetime,
    level: str,
) -> Pick | None:
    """A due card first; else a new question from the topic whose turn it is."""
    held, due = cards_and_due(services, memory, "", [], avoid, at)
    if due is not None:
        return due
    taken = {c["id"] for c in held} | {c["question"]["prompt"] for c in held} | avoid
    passages = _askable(services, taken)
    for n, group in enumerate(turns(passages, asked_before(held, grades), services.rng)[:TRIES]):
        # A model writes for the first topic only: a dead server is waited for once.
        if n == 0:
            fresh = new_question(services, group, None, taken, level)
        else:
            fresh = offline_question(services, group, list(group), None, taken)
        if fresh is not None:
            return Pick(fresh, review=False)
    return None


def turns(
    passages: Iterable[Passage], asked: Sequence[Where], rng: random.Random
) -> list[list[Passage]]:
    """The passages grouped by topic, in the order to ask from: the note furthest behind its
    share first, and each note's least-asked topic before its others (round robin)."""
    topics: dict[str, dict[str, list[Passage]]] = {}
    for p in sorted(passages, key=lambda p: (p.file, p.start_line)):
        topics.setdefault(p.file, {}).setdefault(p.heading, []).append(p)
    per_note = Counter(file for file, _ in asked)
    per_topic = Counter(asked)
    last = asked[-1] if asked else None
    notes = sorted(topics, key=lambda f: (per_note[f] / math.sqrt(len(topics[f])), rng.random()))

    def topic_order(file: str) -> list[str]:
        return sorted(
            topics[file],
            key=lambda h: ((file, h) == last, per_topic[(file, h)], rng.random()),
        )

    queues = [topic_order(f) for f in notes]
    order: list[list[Passage]] = []
    for depth in range(max(map(len, queues), default=0)):
        order += [topics[f][q[depth]] for f, q in zip(notes, queues, strict=True) if depth < len(q)]
    return order


def asked_before(cards: Sequence[Card], grades: Sequence[GradeRecord]) -> list[Where]:
    """Where the questions asked so far came from, oldest first, each question once: the
    learner's cards by when they were made, then this conversation's answers in order."""
    seen: dict[str, Where] = {}
    for card in sorted(cards, key=lambda c: str(c.get("created", ""))):
        seen[card["question"]["prompt"]] = _where(card.get("source") or {})
    for grade in grades:
        seen.pop(str(grade.get("question", "")), None)  # moved to the end: asked just now
        seen[str(grade.get("question", ""))] = _where(grade.get("source") or {})
    return list(seen.values())


def _where(source: Mapping[str, Any]) -> Where:
    return str(source.get("file", "")), str(source.get("heading", ""))


def _askable(services: Collaborators, taken: set[str]) -> list[Passage]:
    """Every passage, or with only the rules' bank to ask from, those with a question left."""
    rows = services.retriever.rows()
    passages = [Passage.from_row(*row) for row in rows]
    if services.structured is not None:
        return passages  # a model can write a question on any passage
    banked = services.index.records.questions_for([cid for cid, _, _ in rows], by="rules")
    if not banked:
        return passages  # an index built before the bank: questions are built on the spot
    left = {
        cid
        for cid, questions in banked.items()
        if any(q["qid"] not in taken and q["prompt"] not in taken for q in questions)
    }
    return [p for p in passages if p.chunk_id in left]
