"""A learner's cards laid over the study map: per concept, how much they know and what waits.

A card belongs to a concept when its passage (chunk id) is one of the concept's; a card whose
passage changed since (stale, not yet moved) belongs by its note and heading instead. Retired
cards count nowhere, as in `tutor progress`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tutor.learning.cards import Card, is_due, retrievability
from tutor.studymap.concepts import Concept, StudyMap

MASTERED = 0.85
"""Mean retrievability from which a concept counts as mastered. FSRS schedules a card when its
retrievability falls to 0.9, so a learner keeping up with reviews stays above this."""
RECENT_DAYS = 7
"""An `again` within this many days is a recent failure: what builds on it waits."""


@dataclass(frozen=True)
class ConceptMastery:
    """What one learner knows of one concept at one moment."""

    concept: str
    """The concept's id."""
    cards: int
    """Live cards on its passages (retired ones left out)."""
    reviewed: int
    """Of those, the ones rated at least once."""
    mastery: float | None
    """Mean FSRS retrievability of its reviewed cards now; None before any review."""
    due: int
    """Cards due for review now."""
    never_asked: int
    """Its passages no card was ever made from."""
    failed_recently: bool
    """An `again` among its cards' reviews of the last `RECENT_DAYS` days."""
    due_cards: frozenset[str] = frozenset()
    """The ids of its due cards (a card on a passage two concepts share is due once)."""

    @property
    def mastered(self) -> bool:
        """Known well enough to build on: retained above `MASTERED`, no recent failure."""
        return self.mastery is not None and self.mastery >= MASTERED and not self.failed_recently

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, the id left out (the caller keys by it)."""
        return {
            "cards": self.cards,
            "reviewed": self.reviewed,
            "mastery": self.mastery,
            "mastered": self.mastered,
            "due": self.due,
            "never_asked": self.never_asked,
            "failed_recently": self.failed_recently,
        }


def concept_mastery(
    study_map: StudyMap, cards: Iterable[Card], at: datetime
) -> dict[str, ConceptMastery]:
    """Each concept's mastery, due cards and unasked passages at `at`, from a learner's cards."""
    at = at.astimezone(UTC)
    live = [c for c in cards if c.get("status") != "retired"]
    by_chunk: dict[str, list[Card]] = defaultdict(list)
    by_place: dict[tuple[str, str], list[Card]] = defaultdict(list)
    for card in live:
        by_chunk[str(card.get("chunk_id", ""))].append(card)
        source = card.get("source") or {}
        by_place[(str(source.get("file", "")), str(source.get("heading", "")))].append(card)
    result = {}
    for cid, concept in study_map.concepts.items():
        own = {id(c): c for p in concept.passages for c in by_chunk.get(p, [])}
        if concept.heading:  # stale cards: their passage changed, their place did not
            for card in by_place.get((concept.file, concept.heading), []):
                if card.get("status") == "stale":
                    own[id(card)] = card
        asked = {p for p in concept.passages if by_chunk.get(p)}
        result[cid] = _numbers(cid, list(own.values()), len(concept.passages) - len(asked), at)
    return result


def _numbers(concept: str, cards: list[Card], never_asked: int, at: datetime) -> ConceptMastery:
    known = [r for r in (retrievability(c, at) for c in cards) if r is not None]
    return ConceptMastery(
        concept=concept,
        cards=len(cards),
        reviewed=len(known),
        mastery=sum(known) / len(known) if known else None,
        due=sum(is_due(c, at) for c in cards),
        due_cards=frozenset(str(c["id"]) for c in cards if is_due(c, at)),
        never_asked=never_asked,
        failed_recently=any(failed_since(c, at - timedelta(days=RECENT_DAYS)) for c in cards),
    )


def failed_since(card: Card, since: datetime) -> bool:
    """Whether the card was rated `again` at or after `since`."""
    return any(
        h.get("rating") == "again" and datetime.fromisoformat(str(h["at"])) >= since
        for h in card.get("history", [])
    )


def not_started(concept: str, passages: int) -> ConceptMastery:
    """The numbers of a concept the learner has no card on."""
    return ConceptMastery(concept, 0, 0, None, 0, passages, False)


Known = Mapping[str, "ConceptMastery"]
"""A learner's numbers per concept id (a concept left out is not started)."""


def mastery_of(known: Known, concept: Concept) -> ConceptMastery:
    """The learner's numbers for a concept, `not_started` when it has none."""
    return known.get(concept.id) or not_started(concept.id, len(concept.passages))
