"""Offline explanations: a lead definition and key points drawn from passages, with sources.

Extractive, not generative: every sentence shown is the learner's own, trimmed of Markdown
noise, deduplicated across passages, and numbered back to the passage it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tutor.knowledge.note_units import Unit, plain, read_units, topic_of
from tutor.knowledge.retriever import Passage, keywords, near_word
from tutor.knowledge.words import word_count

__all__ = ["Explanation", "KeyPoint", "compose_explanation", "overlap", "plain", "topic_of"]

COMPARE = re.compile(r"\b(vs\.?|versus|compared?|differences?|differ)\b", re.I)
# Sentences that lean on their title for a subject: "It squishes…", "Solves vanishing…".
PRONOUN = r"(?i:it|its|this|these|they|those|but|and|so)\b"
DANGLING = re.compile(
    rf"^(?:{PRONOUN}"
    r"|[A-Za-z][a-z]*[^s'\W]s\s(?!(?:are|were|have|can|may|will|that|which|of|in|and|to)\b))"
)
GENERIC = frozenset("function model problem method network process use work way type thing".split())
"""Words too common in study notes to show that a sentence is about the topic."""
COMPARING = frozenset("vs versus compare compared difference differ".split())
MAX_POINT = 240
MAX_LEAD = 320
SIMILAR = 0.6


@dataclass
class KeyPoint:
    """One point of an explanation and the source it came from."""

    text: str
    source: int


@dataclass
class Explanation:
    """A structured extractive explanation; sources are numbered in order of first use."""

    topic: str
    lead: str = ""
    lead_source: int = 0
    points: list[KeyPoint] = field(default_factory=list)
    sources: list[Passage] = field(default_factory=list)

    def to_markdown(self) -> str:
        """The explanation as Markdown: topic, lead, key points, numbered sources."""
        if not self.sources:
            return f"Your notes don't say anything about {self.topic}."
        parts = [f"**{self.topic[:1].upper()}{self.topic[1:]}**"]
        if self.lead:
            parts.append(f"{self.lead} [{self.lead_source}]")
        if self.points:
            bullets = "\n".join(f"- {p.text} [{p.source}]" for p in self.points)
            parts.append(f"**Key points**\n{bullets}")
        # A list, because rich Markdown joins plain consecutive lines into one paragraph.
        cited = "\n".join(f"- [{n}] {p.citation}" for n, p in enumerate(self.sources, start=1))
        parts.append(f"**Sources**\n{cited}")
        return "\n\n".join(parts)


def overlap(terms: set[str], wanted: set[str]) -> int:
    """How many wanted words the terms contain."""
    return sum(any(near_word(t, w) for t in terms) for w in wanted)


def _lead_score(unit: Unit, wanted: set[str], named: set[str], compare: bool) -> float:
    """How well a unit introduces the topic; a definition of exactly the topic scores highest."""
    own = overlap(unit.terms, wanted) / len(wanted)
    # "reward modeling" is not "reward model"; a defined term with more words is narrower.
    defines = [
        3 * len(about & named) / len(named) - 0.3 * len(about - named) + form
        for about, form in unit.defines
    ]
    if unit.under:  # the first answer under a title or question defines what it names
        defines.append(3 * len(unit.under & named) / len(named) + 2)
    if compare:  # a comparison is best introduced by the sentence that names both sides
        forms = [form for _, form in unit.defines] + [2] * bool(unit.under)
        return 3 * own + max(forms, default=0) - 0.2 * unit.rank
    words = word_count(unit.text)
    brevity = 2 if words < 5 else 0.5 if words < 8 else 0  # a bare name defines nothing
    return max(defines, default=0.0) + own - 0.2 * unit.rank - brevity


def _repeats(unit: Unit, seen: list[Unit]) -> bool:
    """Whether a unit says again what one already chosen says (same words, or contained)."""
    for other in seen:
        a, b, union = unit.text.lower(), other.text.lower(), unit.terms | other.terms
        if a in b or b in a or len(unit.terms & other.terms) >= SIMILAR * len(union) > 0:
            return True
    return False


def _pick(ranked: list[Unit], opening: list[Unit], max_points: int) -> list[Unit]:
    """Up to max_points distinct units, spread over passages first, in order of relevance."""
    chosen: list[Unit] = []
    for per_passage in (max(2, (max_points + 1) // 2), max_points):
        for unit in ranked:
            crowded = sum(c.rank == unit.rank for c in chosen) >= per_passage
            if len(chosen) < max_points and not crowded and not _repeats(unit, opening + chosen):
                chosen.append(unit)
    return sorted(chosen, key=ranked.index)


def _subjected(unit: Unit, wanted: set[str] | None = None) -> str:
    """The unit's text, given its title when it has no subject of its own (or lacks the topic)."""
    text = unit.text
    orphan = DANGLING.match(text) or (wanted is not None and not overlap(unit.terms, wanted))
    if orphan and unit.title and not set(keywords(unit.title)) <= unit.terms:
        lower = text[:1].lower() if text[1:2].islower() else text[:1]
        text = f"{unit.title}: {lower}{text[1:]}"
    return text


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _lead(units: list[Unit], lead: Unit) -> list[Unit]:
    """The lead, and the sentence after it when that carries on: "X = …. It teaches …"."""
    after = units[units.index(lead) + 1 : units.index(lead) + 2]
    brief = word_count(lead.text) < 10
    if brief and after and after[0].rank == lead.rank and re.match(PRONOUN, after[0].text):
        return [lead, after[0]]
    return [lead]


def _relevant_units(passages: list[Passage], wanted: set[str]) -> list[Unit]:
    """Units about the topic, from passages naming enough of it: "KL penalty", not "L2 penalty"."""
    covers = [overlap(set(keywords(f"{p.heading}\n{p.text}")), wanted) for p in passages]
    need = len(wanted) if len(wanted) <= 2 else -(-2 * len(wanted) // 3)
    need = min(need, max(covers, default=0))
    return [
        u
        for rank, p in enumerate(passages)
        if covers[rank] >= need
        for u in read_units(p, rank)
        if overlap(u.terms | u.scope, wanted)
    ]


def compose_explanation(
    query: str, passages: list[Passage], max_points: int = 6, spelled: str = ""
) -> Explanation:
    """An explanation of `query` from ranked passages: lead, deduplicated points, sources.
    `spelled` is the query with the notes' own spellings added ("BLEU (blue)"), for matching."""
    topic = topic_of(query)
    compare = bool(COMPARE.search(topic))
    named = set(keywords(topic_of(spelled) if spelled else topic)) - COMPARING
    wanted = named - GENERIC or named
    units = _relevant_units(passages, wanted) if wanted else []
    if not units:
        return Explanation(topic)
    lead = max(units, key=lambda u: _lead_score(u, wanted, named, compare))
    ranked = sorted(units, key=lambda u: (-overlap(u.terms | u.scope, wanted), u.rank))
    opening = _lead(units, lead)
    chosen = [*opening, *_pick(ranked, opening, max_points)]
    used = list(dict.fromkeys(u.rank for u in chosen))  # passages in order of first use
    points = [
        KeyPoint(_clip(_subjected(u), MAX_POINT), used.index(u.rank) + 1)
        for u in chosen[len(opening) :]
    ]
    first = _subjected(lead, wanted)
    lead_text = " ".join([first.rstrip(".") + ".", *(u.text for u in opening[1:])])
    lead_text = _clip(lead_text if len(opening) > 1 else first, MAX_LEAD)
    return Explanation(topic, lead_text, 1, points, [passages[rank] for rank in used])
