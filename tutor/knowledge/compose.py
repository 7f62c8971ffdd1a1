"""Offline explanations: a lead definition and key points drawn from passages, with sources.

Extractive, not generative: every sentence shown is the learner's own, trimmed of Markdown
noise, deduplicated across passages, and numbered back to the passage it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tutor.knowledge.retriever import Passage, keywords

SCAFFOLD = re.compile(
    r"^\s*(/explain\s+)?((please\s+)?(explain|describe|define|tell me about|teach me)\s+)?"
    r"((what|who)\s+(is|are|was|were)\s+|how\s+(do|does|did|is|are)\s+|why\s+(do|does|is|are)\s+)?"
    r"(the\s+|an?\s+)?",
    re.I,
)
BOLD_LEAD = re.compile(r"^\s*\*\*([^*:]+)\*\*")
BULLET = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+")
EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'*_])")
DEFINES = re.compile(
    r"^(?:[\w’'()-]+\s+){0,6}?(is|are|refers to|means|describes|measures|converts|scores)\b",
    re.I,
)
GENERIC = frozenset("function model problem method network process use work way type thing".split())
"""Words too common in study notes to show that a sentence is about the topic."""
MAX_POINT = 240
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
        cited = "\n".join(f"- [{n}] {p.citation}" for n, p in enumerate(self.sources, start=1))
        parts.append(f"**Sources**\n{cited}")
        return "\n\n".join(parts)


@dataclass
class _Unit:
    text: str
    rank: int
    terms: set[str]
    context: set[str]
    """Words of the question or label the unit answers, and of its heading."""
    defines: int
    """2: first answer under a question or label; 1: reads like a definition; 0: neither."""
    bold: set[str] = field(default_factory=set)
    """Words of a bold term the sentence starts with ("**RLAIF** uses …" defines RLAIF)."""


def topic_of(query: str) -> str:
    """The concept a question asks about: "What is the softmax function?" → "softmax function"."""
    topic = SCAFFOLD.sub("", query.strip(), count=1).strip(" ?.!")
    topic = re.sub(r"\s+(work|mean|do)$", "", topic, flags=re.I)
    return topic or query.strip(" ?.!")


def plain(text: str) -> str:
    """Text without Markdown emphasis markers or inline code ticks."""
    text = EMPHASIS.sub(lambda m: m.group(2) or m.group(3), text)
    return text.replace("`", "").strip()


def units_of(passage: Passage, rank: int) -> list[_Unit]:
    """The sentences and bullet items of a passage worth showing, in order."""
    units: list[_Unit] = []
    heading = set(keywords(passage.heading.rsplit(" › ", 1)[-1]))
    context, fresh = heading, True  # the first lines under a heading usually define it
    fence: list[str] | None = None
    for raw in passage.text.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            if fence is not None and 0 < len(fence) <= 2 and "=" in "".join(fence):
                text = " / ".join(fence)  # a one-line formula is worth showing; code is not
                units.append(_Unit(text, rank, set(keywords(text)), context, 0))
            fence, fresh = (None if fence is not None else []), False
            continue
        if fence is not None:
            fence.append(line)
            continue
        if not line or line.startswith(("#", "---", ">", "|", "![")):
            continue
        is_bullet = bool(BULLET.match(line))
        raw_text = BULLET.sub("", line)
        text = plain(raw_text)
        words = text.split()
        is_label = not is_bullet and len(words) <= 6 and not text.endswith(".")
        if text.endswith("?") or is_label or (text.endswith(":") and len(words) < 8):
            if not (is_bullet and text.endswith(":")):
                # "Input:" introduces an example; a question or a title introduces a definition.
                context, fresh = heading | set(keywords(text)), not text.endswith(":")
            continue
        if (len(words) < 4 and "=" not in text) or text.endswith(":"):
            continue  # scraps, and lines that only introduce a list or an example
        for raw_sentence in [raw_text] if is_bullet else SENTENCE_END.split(raw_text):
            sentence = plain(raw_sentence)
            defines = 2 if fresh else int(bool(DEFINES.search(sentence)))
            bold = BOLD_LEAD.match(raw_sentence)
            terms = set(keywords(sentence))
            bold_terms = set(keywords(bold.group(1))) if bold else set()
            units.append(_Unit(sentence, rank, terms, context, defines, bold_terms))
            fresh = False
    return units


def overlap(terms: set[str], wanted: set[str]) -> int:
    """How many wanted words the terms contain, counting "vanish" ~ "vanishing"."""
    return sum(
        any(
            t == w or (min(len(t), len(w)) >= 5 and (t.startswith(w) or w.startswith(t)))
            for t in terms
        )
        for w in wanted
    )


def _similar(a: _Unit, b: _Unit) -> bool:
    if a.text.lower() in b.text.lower() or b.text.lower() in a.text.lower():
        return True
    union = a.terms | b.terms
    return bool(union) and len(a.terms & b.terms) / len(union) >= SIMILAR


def _clip(text: str) -> str:
    return text if len(text) <= MAX_POINT else text[:MAX_POINT].rsplit(" ", 1)[0] + " …"


def compose_explanation(query: str, passages: list[Passage], max_points: int = 6) -> Explanation:
    """An explanation of `query` from ranked passages: lead, deduplicated points, sources."""
    topic = topic_of(query)
    wanted = set(keywords(topic))
    wanted = wanted - GENERIC or wanted
    units = [u for rank, p in enumerate(passages) for u in units_of(p, rank)]
    explanation = Explanation(topic=topic)
    if not units:
        return explanation

    def relevance(u: _Unit) -> tuple[int, int, int]:
        return (overlap(u.terms | u.context, wanted), int(u.rank == lead.rank), -u.rank)

    def lead_score(u: _Unit) -> tuple[int, int, int, int]:
        hits, own = overlap(u.terms | u.context, wanted), overlap(u.terms, wanted)
        names_it = 6 * (overlap(u.bold, wanted) > 0)
        return (hits > 0, 2 * own + hits + 3 * u.defines + names_it, u.defines, -u.rank)

    lead = max(units, key=lead_score)
    if not lead_score(lead)[0]:
        return explanation  # nothing here is about the topic
    chosen = [lead]
    for unit in sorted(units, key=relevance, reverse=True):
        if len(chosen) > max_points or relevance(unit)[0] == 0:
            break
        if not any(_similar(unit, seen) for seen in chosen):
            chosen.append(unit)
    numbers: dict[int, int] = {}

    def number(rank: int) -> int:
        if rank not in numbers:
            numbers[rank] = len(numbers) + 1
            explanation.sources.append(passages[rank])
        return numbers[rank]

    explanation.lead, explanation.lead_source = _clip(lead.text), number(lead.rank)
    explanation.points = [KeyPoint(_clip(u.text), number(u.rank)) for u in chosen[1:]]
    return explanation
