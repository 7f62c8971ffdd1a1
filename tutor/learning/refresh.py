"""Keeping learners' cards in step with notes that change.

A card names the chunk its question came from. When the chunk is still indexed the card is
`active`; when the note changed under it the card is `stale`, and `regenerate` moves it to
the passage that now says the same thing, keeping its schedule and history; when the note is
gone the card is `retired`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from tutor.knowledge.passage import Passage
from tutor.knowledge.words import keywords
from tutor.learning.cards import Card, CardStatus, now, section_of
from tutor.learning.questions import Question

if TYPE_CHECKING:
    from tutor.knowledge.index import NotesIndex
    from tutor.knowledge.records import IngestRecords
    from tutor.learning.memory import LearnerMemory

STATUSES = ("active", "stale", "retired")
SIMILAR = 0.5
"""Share of the old question's words a passage under another heading must hold to replace it."""


def card_status(card: Card, chunk_files: dict[str, str]) -> CardStatus:
    """`active` while its chunk is indexed, `stale` once its note changed, `retired` when gone."""
    if card.get("chunk_id") in chunk_files:
        return "active"
    if card.get("status") == "retired" and card.get("retired_because") == "passage":
        return "retired"  # its passage went and nothing in the note replaced it
    file = card["source"].get("file")
    return "stale" if file in chunk_files.values() else "retired"


def refresh_cards(memory: LearnerMemory, records: IngestRecords) -> dict[str, int]:
    """Mark each of a learner's cards with its status now; returns how many have each."""
    counts = dict.fromkeys(STATUSES, 0)
    for card in current_cards(memory, records):
        counts[card["status"]] += 1
    return counts


def current_cards(memory: LearnerMemory, records: IngestRecords) -> list[Card]:
    """The learner's cards with their status brought up to date with the index (saved)."""
    chunk_files = records.chunk_files()
    cards = []
    for card in memory.cards():
        status = card_status(card, chunk_files)
        if card.get("status") != status:
            card = {**card, "status": status}
            memory.put_card(card)
        cards.append(card)
    return cards


def regenerate(card: Card, index: NotesIndex, taken: Collection[str] = ()) -> Card | None:
    """A stale card rebuilt from its note as indexed now, or None if nothing there replaces it.

    `taken` holds prompts the learner already has on other cards, so none is asked twice.
    """
    passages = file_passages(index, str(card["source"].get("file", "")))
    return replace_card(card, passages, index.records, taken)


def file_passages(index: NotesIndex, file: str) -> list[Passage]:
    """The indexed passages of one note, in the note's order."""
    ids, texts, metas = index.of_file(file)
    passages = [
        Passage.from_row(cid, text, m) for cid, text, m in zip(ids, texts, metas, strict=True)
    ]
    return sorted(passages, key=lambda p: p.start_line)


def replace_card(
    card: Card,
    passages: Sequence[Passage],
    records: IngestRecords,
    taken: Collection[str] = (),
) -> Card | None:
    """The card moved to the best of these passages that has a question to ask, else None."""
    from tutor.learning.bank import build_bank

    candidates = _replacements(card, passages)
    if not candidates:
        return None
    stored = records.questions_for([p.chunk_id for p in candidates])
    if not stored:  # an index built before the bank: build this note's questions now
        stored = build_bank(passages)
    old = card["question"]
    others = set(taken) - {old["prompt"]}
    for passage in candidates:
        usable = [q for q in stored.get(passage.chunk_id, []) if q["prompt"] not in others]
        if not usable:
            continue
        # The same prompt if the edit kept it, else the same kind about the same words.
        chosen = min(
            usable,
            key=lambda q: (
                q["prompt"] != old["prompt"],
                q["kind"] != old["kind"],
                -_shared(q["prompt"], old["prompt"]),
            ),
        )
        return _moved(card, passage, Question.from_dict(chosen))
    return None


def _shared(a: str, b: str) -> float:
    """How much two prompts share their words ("Input Gate" ~ "Input Gate (i_t)")."""
    one, two = set(keywords(a)), set(keywords(b))
    return len(one & two) / (len(one | two) or 1)


def _replacements(card: Card, passages: Sequence[Passage]) -> list[Passage]:
    """Passages that could stand in for the card's old one, best first.

    The same heading comes first; another passage qualifies when it holds most of the old
    question's words, so a card never moves to a passage about something else.
    """
    # Imported here: the retriever pulls in langchain_core, which `tutor progress` and
    # `tutor map` would otherwise pay for at every start (about 0.4 s).
    from tutor.knowledge.retriever import keyword_overlap

    heading = str(card["source"].get("heading", ""))
    said = f"{card['question'].get('prompt', '')} {card['question'].get('reference', '')}"
    old_words = set(keywords(heading))

    scored = []
    for p in passages:
        new_words = set(keywords(p.heading))
        alike = len(old_words & new_words) / (len(old_words | new_words) or 1)
        overlap = keyword_overlap(said, p)
        if p.heading == heading or overlap >= SIMILAR:
            scored.append(((p.heading == heading, alike + overlap), p))
    return [p for _, p in sorted(scored, key=lambda s: s[0], reverse=True)]


def _moved(card: Card, passage: Passage, question: Question) -> Card:
    """The card asking `question` about `passage`, its id, schedule and history kept."""
    source = passage.ref()
    question.source = source  # where the passage is now, even if it moved since the bank
    return {
        **card,
        "chunk_id": passage.chunk_id,
        "source": source,
        "topic": section_of(source),
        "question": question.as_dict(),
        "status": "active",
        "regenerated": now().isoformat(),
    }
