"""Which card to ask next: the learner's due cards first, then new questions from the bank.

Due cards are refreshed on the way: a card whose passage changed is regenerated from the
note as it is now (its schedule and history kept), and a card whose note is gone retires.
New questions come from the ingest-time question bank (rules), from the model's cached
questions per passage (LLM mode), or, for an index built before the bank existed, are
built from the passages on the spot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from tutor.errors import TutorError
from tutor.knowledge.aliases import Aliases
from tutor.knowledge.passage import Passage, Source
from tutor.learning.cards import Card, due_at, new_card, question_id
from tutor.learning.on_topic import find_name, names_for, terms
from tutor.learning.questions import Question, pick_question
from tutor.llm import ModelFailure
from tutor.prompts import BANK_QUESTION

if TYPE_CHECKING:
    from tutor.learning.collaborators import Collaborators
    from tutor.learning.memory import LearnerMemory

MODEL_PASSAGES = 3
"""A model-written question is about one of the first few passages."""


@dataclass
class Pick:
    """The card to ask, and whether it is a review of a due card."""

    card: Card
    review: bool


def next_card(
    services: Collaborators,
    memory: LearnerMemory | None,
    topic: str,
    passages: Sequence[Passage],
    focus: int | None,
    avoid: set[str],
    at: datetime,
    level: str,
) -> Pick | None:
    """Due cards on the topic first; else a question the learner has not had yet."""
    held, due = cards_and_due(services, memory, topic, passages, avoid, at)
    if due is not None:
        return due
    taken = {c["id"] for c in held} | {c["question"]["prompt"] for c in held} | avoid
    fresh = new_question(services, passages, focus, taken, level, topic)
    return Pick(fresh, review=False) if fresh is not None else None


def next_on_topic(
    services: Collaborators,
    memory: LearnerMemory | None,
    topic: str,
    groups: Sequence[Sequence[Passage]],
    others: Sequence[Passage],
    avoid: set[str],
    at: datetime,
    level: str,
    in_passing: bool = False,
) -> Pick | None:
    """A due card from a passage about the topic first; else a new question from the first
    group of passages about it that has one (the rest of the search lends wrong options).
    When the passages only mention the topic, a due card must name it itself."""
    about_it = [] if in_passing else [p for group in groups for p in group]
    held, due = cards_and_due(services, memory, topic, about_it, avoid, at)
    if due is not None:
        return due
    taken = {c["id"] for c in held} | {c["question"]["prompt"] for c in held} | avoid
    for group in groups:
        passages = [*group, *(p for p in others if p not in group)]
        fresh = new_question(services, passages, len(group), taken, level, topic)
        if fresh is not None:
            return Pick(fresh, review=False)
    return None


def cards_and_due(
    services: Collaborators,
    memory: LearnerMemory | None,
    topic: str,
    passages: Sequence[Passage],
    avoid: set[str],
    at: datetime,
) -> tuple[list[Card], Pick | None]:
    """The learner's cards, and the due card to review first on the topic (if any)."""
    held: list[Card] = memory.cards() if memory is not None else []
    if memory is None:
        return held, None
    due = due_card(services, memory, held, topic, passages, avoid, at)
    return held, Pick(due, review=True) if due is not None else None


def due_card(
    services: Collaborators,
    memory: LearnerMemory,
    held: list[Card],
    topic: str,
    passages: Sequence[Passage],
    avoid: set[str],
    at: datetime,
) -> Card | None:
    """The most overdue card on the topic, refreshed against the notes as they are now."""
    from tutor.learning.refresh import card_status, regenerate

    on_topic = {p.chunk_id for p in passages}
    aliases = _aliases(services) if topic else None
    due = [
        c
        for c in held
        if c.get("history")  # retired cards too: their note may be back
        and due_at(c) <= at
        and c["question"]["prompt"] not in avoid
        and (not topic or c.get("chunk_id") in on_topic or about(c, topic, aliases))
    ]
    chunk_files = services.index.records.chunk_files()
    prompts = {c["question"]["prompt"] for c in held}
    for card in sorted(due, key=due_at):
        status = card_status(card, chunk_files)
        if status == "active":
            if card.get("status") != "active":
                card = {**card, "status": "active"}
                memory.put_card(card)
            return card
        if status == "stale":
            renewed = regenerate(card, services.index, prompts - {card["question"]["prompt"]})
            if renewed is not None:
                memory.put_card(renewed)
                return renewed
            # Its passage went and nothing in the note replaces it: retire it.
            memory.put_card({**card, "status": "retired", "retired_because": "passage"})
        elif card.get("status") != status:
            memory.put_card({**card, "status": status})
    return None


def about(card: Card, topic: str, aliases: Aliases | None = None) -> bool:
    """Whether a card's own heading or its question names the topic or another name of it
    (not its file or the headings above: every card of rlhf-and-alignment.md is not on RLHF)."""
    heading = str(card.get("source", {}).get("heading") or card.get("topic", "")).split("›")[-1]
    return names_topic(card["question"], topic, aliases, also=heading)


def names_topic(
    question: Mapping[str, Any], topic: str, aliases: Aliases | None = None, also: str = ""
) -> bool:
    """Whether a question asks about the topic: its prompt names it (or another name the
    notes give it), or, for a fill-in-the-blank, the blank is the topic."""
    asked = f"{also}\n{question.get('prompt', '')}"
    if question.get("kind") == "cloze":
        asked += " " + str(question.get("reference", ""))
    words = terms(asked)
    return any(find_name(name, words) >= 0 for name in names_for(topic, aliases))


def _aliases(services: Collaborators) -> Aliases | None:
    """The notes' other names for their terms (none for an index that cannot be read)."""
    try:
        return services.retriever.aliases
    except TutorError:
        return None


def new_question(
    services: Collaborators,
    passages: Sequence[Passage],
    focus: int | None,
    taken: set[str],
    level: str,
    topic: str = "",
) -> Card | None:
    """A card for a question not yet taken: the model's (LLM mode), else the bank's."""
    asked_about = list(passages[:focus])
    fell_back = ""
    if services.structured is not None and asked_about:
        try:
            card = model_question(services, asked_about[:MODEL_PASSAGES], taken, level)
        except ModelFailure as failure:
            card, fell_back = None, failure.line(BANK_QUESTION)
        if card is not None:
            return card
    card = offline_question(services, passages, asked_about, focus, taken, topic)
    if card is not None and fell_back:
        card[FELL_BACK_KEY] = fell_back  # the line under the question, never stored
    return card


FELL_BACK_KEY: Final = "fell_back"
"""The key of a new card's line saying why the model did not write it."""


def offline_question(
    services: Collaborators,
    passages: Sequence[Passage],
    asked_about: list[Passage],
    focus: int | None,
    taken: set[str],
    topic: str = "",
) -> Card | None:
    """A card from the bank of questions built at ingest, else built now; questions that
    name the topic first (a passage on the reward model also defines the KL penalty)."""
    records = services.index.records
    banked = records.questions_for([p.chunk_id for p in asked_about], by="rules")
    ranked: list[tuple[int, dict[str, Any]]] = []
    for rank, passage in enumerate(asked_about):
        for q in banked.get(passage.chunk_id, []):
            if q["qid"] not in taken and q["prompt"] not in taken:
                ranked.append((rank, {**q, "chunk_id": passage.chunk_id}))
    if topic and ranked:
        aliases = _aliases(services)
        ranked = [(r, q) for r, q in ranked if names_topic(q, topic, aliases)] or ranked
    if ranked:
        kind = services.rng.choice(sorted({q["kind"] for _, q in ranked}))
        of_kind = [(rank, q) for rank, q in ranked if q["kind"] == kind]
        weights = [1.0 / (1 + rank) for rank, _ in of_kind]
        chosen = services.rng.choices(of_kind, weights=weights)[0][1]
        return new_card(Question.from_dict(chosen), chosen["chunk_id"], chosen["qid"])
    return built_on_the_spot(services, passages, focus, taken)


def model_question(
    services: Collaborators, passages: Sequence[Passage], taken: set[str], level: str
) -> Card | None:
    """A model-written question, cached per passage so it is written once."""
    from tutor.learning.authoring import write_question

    records = services.index.records
    cache = records.questions_for([p.chunk_id for p in passages], by="model")
    for passage in passages:  # a question the model already wrote comes first
        for cached in cache.get(passage.chunk_id, []):
            if cached["qid"] not in taken and cached["prompt"] not in taken:
                return new_card(Question.from_dict(cached), passage.chunk_id, cached["qid"])
    passage = services.rng.choice(list(passages))
    written = write_question(services, passage, level or services.settings.level)
    if written is None or written.prompt in taken:
        return None
    qid = question_id(passage.chunk_id, written)
    earlier = cache.get(passage.chunk_id, [])
    records.put_questions(passage.chunk_id, "model", [*earlier, {**written.as_dict(), "qid": qid}])
    return new_card(written, passage.chunk_id, qid)


def built_on_the_spot(
    services: Collaborators, passages: Sequence[Passage], focus: int | None, taken: set[str]
) -> Card | None:
    """A question built from the passages now (an index ingested before the bank existed)."""
    question = pick_question(passages, services.rng, avoid=taken, focus=focus)
    if question is None:
        return None
    chunk_id = next((p.chunk_id for p in passages if same_place(p.ref(), question.source)), "")
    card = new_card(question, chunk_id)
    return None if card["id"] in taken else card


def same_place(ref: Source, source: Source) -> bool:
    """Whether a passage's ref is where a question's source says (a notebook's lines are None)."""
    return (
        ref["file"] == source.get("file")
        and ref["heading"] == source.get("heading")
        and ref["start_line"] == source.get("start_line")
        and ref.get("cell") == source.get("cell")
    )
