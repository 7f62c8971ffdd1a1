"""An offline explanation's shape: the definition of the topic, why it matters and how it
works, one example, then side remarks from other passages under "See also", every line cited.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.knowledge.passage import Passage

__all__ = [
    "BODY",
    "EXAMPLE",
    "HOW_IT_WORKS",
    "SIDE_REMARK",
    "WHY_IT_MATTERS",
    "Explanation",
    "KeyPoint",
    "Side",
]

WHY_IT_MATTERS = "Why it matters"
HOW_IT_WORKS = "How it works"
EXAMPLE = "Example"
SIDE_REMARK = "See also"
BODY = (WHY_IT_MATTERS, HOW_IT_WORKS)


@dataclass
class KeyPoint:
    """One line of an explanation, the source it came from and the part it goes under."""

    text: str
    source: int
    part: str = HOW_IT_WORKS


@dataclass
class Side:
    """One side of a comparison: its name as asked, its own definition and that line's source."""

    name: str
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
    sides: list[Side] = field(default_factory=list)
    """For a comparison, each side defined on its own, shown before what names both."""

    def to_markdown(self) -> str:
        """The explanation as Markdown: the definition, why it matters, how it works, an
        example, side remarks under "See also", then the numbered sources."""
        if not self.sources:
            return f"Your notes don't say anything about {self.topic}."
        parts = [f"**{_capital(self.topic)}**"]
        parts += [f"**{_capital(side.name)}**: {side.text} [{side.source}]" for side in self.sides]
        if self.lead:
            parts.append(f"{self.lead} [{self.lead_source}]")
        for part in (*BODY, EXAMPLE, SIDE_REMARK):
            if lines := [p for p in self.points if p.part == part]:
                bullets = "\n".join(f"- {p.text} [{p.source}]" for p in lines)
                parts.append(f"**{part}**\n{bullets}")
        # A list, because rich Markdown joins plain consecutive lines into one paragraph.
        cited = "\n".join(f"- [{n}] {p.citation}" for n, p in enumerate(self.sources, start=1))
        parts.append(f"**Sources**\n{cited}")
        return "\n\n".join(parts)


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]
