"""Arranging an explanation's lines into its parts: the body about the topic itself (why it
matters, how it works), one example, and side remarks from other passages ("See also").

A passage is about the topic when it holds the lead definition or its heading names the topic
(or another name the notes give it); a line elsewhere is a side remark only if it names the
topic itself, so a sentence that merely sits near it is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.knowledge.explanation import BODY, EXAMPLE, HOW_IT_WORKS, SIDE_REMARK, WHY_IT_MATTERS
from tutor.knowledge.markdown import plain
from tutor.knowledge.note_units import Unit
from tutor.knowledge.passage import Passage
from tutor.knowledge.words import keywords, near_word

__all__ = [
    "Wanted",
    "arrange",
    "home_passages",
    "is_example",
    "names_any",
    "overlap",
    "pieces",
]

EXAMPLE_LEAD = re.compile(
    r"^(?:e\.?g\b\.?|for (?:example|instance)\b|examples?\b|(?:intuitive )?analogy\b)", re.I
)
"""How a line of the notes says it is an illustration: "Example: …", "e.g. …", "Analogy: …"."""
PURPOSE = re.compile(
    r"\b(?:so that|in order to|prevents?|ensures?|avoids?|solves?|reduces?|improves?|useful"
    r"|advantages?|benefits?|upside|needed|why)\b",
    re.I,
)
"""Words of a line (or of its title) that say what a thing is good for, not how it runs."""
SIMILAR = 0.6
SEE_ALSO = 3
"""Side remarks shown at most; the body about the topic itself comes first."""
ROOM_FOR_ASIDES = 2
"""Places kept for side remarks when the body could fill every place."""


def overlap(terms: set[str], wanted: set[str]) -> int:
    """How many wanted words the terms contain."""
    return sum(any(near_word(t, w) for t in terms) for w in wanted)


def _repeats(unit: Unit, seen: list[Unit]) -> bool:
    """Whether a unit says again what one already chosen says (same words, or contained)."""
    for other in seen:
        a, b, union = unit.text.lower(), other.text.lower(), unit.terms | other.terms
        if a in b or b in a or len(unit.terms & other.terms) >= SIMILAR * len(union) > 0:
            return True
    return False


def _distinct(candidates: list[Unit], seen: list[Unit], limit: int) -> list[Unit]:
    """Up to `limit` candidates, in their order, none saying again what another one says."""
    chosen: list[Unit] = []
    for unit in candidates:
        if len(chosen) < limit and not _repeats(unit, seen + chosen):
            chosen.append(unit)
    return chosen


def is_example(unit: Unit) -> bool:
    """Whether the notes give the unit as an illustration ("Example: …", "e.g. …")."""
    return bool(EXAMPLE_LEAD.match(unit.text) or EXAMPLE_LEAD.fullmatch(unit.title))


def home_passages(passages: list[Passage], lead: Unit, wanted: list[set[str]]) -> set[int]:
    """The passages about the topic itself: the lead's, and those whose heading names it or
    another name of it ("Why RLHF Is Needed") or what the lead defines ("Long Short Term
    Memory")."""
    defined = lead.under.union(*(about for about, _ in lead.defines))
    home = {lead.rank}
    for rank, passage in enumerate(passages):
        leaf = set(keywords(passage.heading.rsplit(" › ", 1)[-1]))
        names = names_any(leaf, wanted) or overlap(defined, leaf) == len(leaf)
        if leaf and names:
            home.add(rank)
    return home


def names_any(terms: set[str], wanted: list[set[str]]) -> bool:
    """Whether the words name the topic, by its own words or by another name of it."""
    return any(overlap(terms, w) == len(w) for w in wanted)


@dataclass
class Wanted:
    """The topic's words that a line must name, and the other names the notes give it.
    Hyphenated words count by their pieces: "multi-head" is named by "Multi Head"."""

    words: set[str]
    others: list[set[str]]
    need: int  # how many of `words` make a line about the topic
    loose: bool = False  # a question in the learner's words: a line near any word may answer

    def named_by(self, terms: set[str], context: set[str] | None = None) -> bool:
        """Whether a line's words name the topic; with `context` (its heading's and title's
        words) a line names part of it and the context the rest ("L1 → Sparse" under "L2
        Regularization" for L1 regularization)."""
        own = pieces(terms)
        near = overlap(own | pieces(context or set()), self.words) >= self.need
        named = near and (context is None or self.loose or overlap(own, self.words) > 0)
        return named or names_any(terms, self.others)


def pieces(words: set[str]) -> set[str]:
    """The words with hyphenated ones split into their pieces."""
    return {piece for word in words for piece in word.split("-") if piece}


def arrange(
    passages: list[Passage],
    units: list[Unit],
    opening: list[Unit],
    home: set[int],
    wanted: Wanted,
    max_points: int,
) -> list[tuple[str, list[Unit]]]:
    """The units after the lead, each with its part: why it matters or how it works (from the
    passages about the topic), one example, and side remarks from the other passages."""
    ranked = sorted(units, key=lambda u: (-overlap(u.terms | u.scope, wanted.words), u.rank))
    # The lead's passage may hold other terms too ("For Regression: MSE …" beside cross entropy).
    own = [
        u
        for u in ranked
        if u.rank in home
        and u not in opening
        and wanted.named_by(u.terms | u.scope | set(keywords(u.title)))
    ]
    # A side remark names the topic itself: a sentence of another passage merely near it
    # ("Tanh squishes …" beside the vanishing gradient) is no remark about it.
    asides = [
        u
        for u in ranked
        if u.rank not in home and wanted.named_by(u.terms, u.scope | set(keywords(u.title)))
    ]
    illustrations = [_with_its_line(u, units, passages) for u in own if is_example(u)]
    illustrations.sort(key=lambda group: "analogy" in group[0].text[:20].lower())
    example = [g for g in illustrations[:1] if not _repeats(g[0], opening)]
    told = {id(u) for group in illustrations for u in group}  # an analogy's sentences too
    # A question in the learner's words may be answered anywhere: more room beside the body.
    kept = SEE_ALSO if wanted.loose else ROOM_FOR_ASIDES
    room = max_points - len(example) - min(kept, len(asides))
    body = [u for u in own if id(u) not in told]
    body = _distinct(body, opening + [u for g in example for u in g], max(room, 1))
    shown = opening + body + [u for g in example for u in g]
    places = max_points - len(example) - len(body)
    side = _distinct(asides, shown, places if wanted.loose else min(SEE_ALSO, places))
    body.sort(key=units.index)  # in the notes' own order: steps stay in sequence
    parts = [(WHY_IT_MATTERS if _purpose(u) else HOW_IT_WORKS, [u]) for u in body]
    parts.sort(key=lambda part: BODY.index(part[0]))
    return parts + [(EXAMPLE, g) for g in example] + [(SIDE_REMARK, [u]) for u in side]


def _with_its_line(unit: Unit, units: list[Unit], passages: list[Passage]) -> list[Unit]:
    """An example and the sentences after it on the same line of the notes ("Example: We're
    predicting house prices. L1 might zero out 35 of them.")."""
    lines = map(plain, passages[unit.rank].text.splitlines())
    line = next((text for text in lines if unit.text in text), "")
    group = [unit]
    for after in units[units.index(unit) + 1 :]:
        if after.rank != unit.rank or after.text not in line:
            break
        group.append(after)
    return group


def _purpose(unit: Unit) -> bool:
    """Whether a unit says what its subject is good for or why it is needed (or sits under a
    heading that asks so: "Why RLHF Is Needed")."""
    return any(PURPOSE.search(text) for text in (unit.text, unit.title, " ".join(unit.scope)))
