"""Learner memory in the LangGraph Store: cards and a profile per learner, across threads.

Namespaces are `("learner", ID, "cards")` (one `Card` per item, keyed by card id) and
`("learner", ID, "profile")` (one item, `profile`: a `Profile`). The store (a SQLite file
under TUTOR_HOME, or PostgreSQL) is the same one the graph is compiled with, so a quiz in one
process and `tutor progress` in another read the same schedule.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypedDict, Unpack, cast
from urllib.parse import quote

from tutor.config import Settings
from tutor.learning.cards import Card
from tutor.storage import state

if TYPE_CHECKING:
    from langgraph.store.base import BaseStore

PAGE = 20_000
"""Cards read per query: one query lists a large deck (offset paging is slow in SQLite)."""
PROFILE_FIELDS = ("level", "goals", "style")


class ProfileFields(TypedDict, total=False):
    """What a learner sets in their profile; each is absent until set."""

    level: str
    """beginner, intermediate or advanced: the level explanations are pitched at."""
    goals: str
    """What the learner wants to learn, in their words (`/goal`)."""
    style: str
    """How they like explanations, in their words (`/style`)."""


class Profile(ProfileFields, total=False):
    """A learner's profile, as the Store holds it; empty until a field is first set."""

    learner: str
    """Whose profile it is (written with every change)."""


def open_store(settings: Settings) -> BaseStore:
    """The learners' Store: SQLite under TUTOR_HOME, or PostgreSQL with TUTOR_DATABASE_URL."""
    return state.open_store(settings)


def close_store(store: BaseStore | None) -> None:
    """Close a store opened by `open_store`."""
    if store is not None:
        state.close_saved(store)


def learner_label(learner: str) -> str:
    """A learner id as one Store namespace label (no dots, never empty), reversibly quoted."""
    return quote(learner or "default", safe="-_@+").replace(".", "%2E")


class LearnerMemory:
    """One learner's cards and profile; nothing here can reach another learner's items."""

    def __init__(self, store: BaseStore, learner: str) -> None:
        self.store = store
        self.learner = learner or "default"
        label = learner_label(self.learner)
        self.cards_ns = ("learner", label, "cards")
        self.profile_ns = ("learner", label, "profile")

    def cards(self) -> list[Card]:
        """Every card this learner holds."""
        return list(self._all_cards())

    def _all_cards(self) -> Iterator[Card]:
        offset = 0
        while True:
            page = self.store.search(self.cards_ns, limit=PAGE, offset=offset)
            for item in page:
                yield as_card(item.value)
            if len(page) < PAGE:
                return
            offset += PAGE

    def card(self, card_id: str) -> Card | None:
        """One card, if the learner holds it."""
        item = self.store.get(self.cards_ns, card_id)
        return as_card(item.value) if item else None

    def put_card(self, card: Card) -> None:
        """Save a card (its `id` is the key)."""
        self.store.put(self.cards_ns, str(card["id"]), dict(card), index=False)

    def profile(self) -> Profile:
        """Level, goals and preferred style (empty until set)."""
        item = self.store.get(self.profile_ns, "profile")
        return cast(Profile, dict(item.value)) if item else {}

    def update_profile(self, **changes: Unpack[ProfileFields]) -> Profile:
        """Set some profile fields; returns the whole profile."""
        unknown = set(changes) - set(PROFILE_FIELDS)
        if unknown:
            raise ValueError(f"not profile fields: {sorted(unknown)}")
        profile: Profile = {**self.profile(), **changes, "learner": self.learner}
        self.store.put(self.profile_ns, "profile", dict(profile), index=False)
        return profile


def as_card(value: dict[str, Any]) -> Card:
    """A card as the Store returns it: a copy of the JSON `put_card` wrote, so untyped here."""
    return cast(Card, dict(value))
