"""The terms keyword search indexes and looks up, and a passage as the keyword index keeps it.

One tokenization for ingest (`KeywordDoc.of`) and for queries (`search_terms`, `alias_terms`),
so the terms a query looks up are those a passage was indexed under.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from tutor.knowledge.aliases import Aliases
from tutor.knowledge.chunking import SEPARATOR
from tutor.knowledge.words import keywords

ALIAS = "alias:"
"""The prefix of the one term a name with other names gives, whichever name is used."""


def search_terms(text: str) -> list[str]:
    """The keywords BM25 indexes and looks up: a hyphenated word also gives its parts and its
    parts run together, so "multi-head" meets "Multi Head" and "fine-tuning" meets
    "finetuning"."""
    out = []
    for word in keywords(text):
        out.append(word)
        if "-" in word:
            parts = [p for p in word.split("-") if p]
            out.extend([*parts, "".join(parts)])
    return out


def query_terms(query: str, aliases: Aliases) -> list[str]:
    """What a search looks up: the query's `search_terms`, where a name of several words the
    notes also give another name is looked up by its `alias:` term alone, once per keyword of
    the name, so a passage that says "VGP" weighs as one that spells out "vanishing gradient
    problem" (only the words outside the name are looked up as words)."""
    mentions = [(c, s, e, len(keywords(query[s:e]))) for c, s, e in aliases.mentions(query)]
    rest, names, at = [], [], 0
    for concept, start, end, words in sorted(mentions, key=lambda m: (m[1], -m[2])):
        if words >= 2 and start >= at:  # the longest name at each place, none overlapping
            rest.append(query[at:start])
            names += [f"{ALIAS}{concept}"] * words
            at = end
    rest.append(query[at:])
    spelled = [f"{ALIAS}{concept}" for concept, _, _, words in mentions if words < 2]
    return [*search_terms(" ".join(rest)), *names, *spelled]


def own_terms(heading: str, text: str) -> list[str]:
    """A passage's terms that depend on it alone: its breadcrumb, its own heading once more (a
    heading names what the passage is about, so it outweighs a passing mention), its text."""
    own = heading.rsplit(SEPARATOR, 1)[-1]
    return [*search_terms(heading), *search_terms(own), *search_terms(text)]


def passage_terms(heading: str, text: str, aliases: Aliases) -> list[str]:
    """What BM25 indexes of a passage: its own terms, and one `alias:` term per name of a term
    the notes give other names for."""
    return [*own_terms(heading, text), *alias_terms(f"{heading}\n{text}", aliases)]


def alias_terms(text: str, aliases: Aliases) -> list[str]:
    """One term per mention of a term with other names, the same whichever name is used
    ("VGP" and "vanishing gradient problem" both give "alias:vgp")."""
    return [f"{ALIAS}{concept}" for concept in aliases.concepts_in(text)]


@dataclass(frozen=True)
class KeywordDoc:
    """One passage as the keyword index stores it: its text and metadata (what a search
    returns), its terms, and its words (the notes' vocabulary)."""

    chunk_id: str
    source: str
    text: str
    meta: dict[str, Any]
    terms: list[str]
    """Its own terms (`own_terms`); the alias terms are apart, since they change with the
    aliases of the whole vault."""
    aliases: list[str]
    words: frozenset[str]

    @classmethod
    def of(
        cls, chunk_id: str, source: str, text: str, meta: dict[str, Any], aliases: Aliases
    ) -> KeywordDoc:
        """A passage's record, its alias terms read with the aliases known now."""
        heading = str(meta.get("heading", ""))
        headed = f"{heading}\n{text}"
        return cls(
            chunk_id,
            source,
            text,
            meta,
            own_terms(heading, text),
            alias_terms(headed, aliases),
            frozenset(keywords(headed)),
        )


def aliases_to_json(aliases: Aliases) -> dict[str, list[str]]:
    """The aliases as stored in the ingest record's meta (name key to other names)."""
    out: dict[str, list[str]] = defaultdict(list)
    for name_key, other in aliases.pairs():
        out[name_key].append(other)
    return dict(out)


def aliases_from_json(data: dict[str, list[str]]) -> Aliases:
    """The aliases `aliases_to_json` stored."""
    return Aliases(_names=defaultdict(set, {k: set(v) for k, v in data.items()}))
