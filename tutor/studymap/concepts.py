"""The study map's data: concepts the notes teach, the relations between them, and the evidence
(file and line) that made each relation.

`build_map` (in `tutor.studymap.build`) reads these from the indexed passages; `mastery`
(in `tutor.studymap.mastery`) lays a learner's cards over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

RelationKind = Literal["part_of", "prerequisite", "compare_with"]


@dataclass(frozen=True)
class Evidence:
    """Where the notes say it: a file, a line and the words that made the relation."""

    file: str
    line: int
    text: str
    """The line (or the part of it) that made the relation, as the notes spell it."""


@dataclass
class Concept:
    """One thing the notes teach, under one id whatever name the notes use for it."""

    id: str
    """A stable slug of its name ("proximal-policy-optimization")."""
    name: str
    """The name shown: the fullest form the notes give ("Proximal Policy Optimization")."""
    aliases: list[str] = field(default_factory=list)
    """Other names of it in the notes ("PPO"), merged into this concept."""
    kind: str = "heading"
    """Where it came from first: `heading`, `definition` (a bold term or `Term:` line),
    `wikilink` or `abbreviation`; also `title` (a line over bullets that titles them, as a
    heading would: "Sigmoid Function", "What is LSTM?")."""
    file: str = ""
    """The note that introduces it (its heading or definition)."""
    line: int = 0
    """The line of the note that introduces it."""
    heading: str = ""
    """The breadcrumb of the passage that introduces it."""
    passages: list[str] = field(default_factory=list)
    """Chunk ids of the passages about it (its heading's, or the one defining it)."""


@dataclass(frozen=True)
class Relation:
    """A directed relation between two concepts, with the evidence that made it.

    `part_of`: source is part of target (heading nesting). `prerequisite`: target is needed
    before source (source's passage uses target's term, a wikilink, or a numbered pipeline's
    order). `compare_with`: an "X vs Y" passage (stored once, source < target).
    """

    kind: RelationKind
    source: str
    target: str
    evidence: Evidence


@dataclass
class StudyMap:
    """The concepts and relations of one version of the notes index."""

    concepts: dict[str, Concept] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    names: Any = field(default=None, repr=False, compare=False)
    """Every name and alias by key, for `find_concept` (`tutor.studymap.lookup.NameIndex`;
    `build_map` fills it, `find_concept` builds it for a map made by hand)."""
    names_for: int = field(default=-1, repr=False, compare=False)
    """How many concepts the map had when `names` was built (a changed map rebuilds it)."""

    def related(self, concept: str, kind: RelationKind) -> list[Relation]:
        """The relations of one kind that start at the concept."""
        return [r for r in self.relations if r.kind == kind and r.source == concept]

    def prerequisites(self, concept: str) -> list[str]:
        """The concepts needed before this one."""
        return [r.target for r in self.related(concept, "prerequisite")]

    def children(self, concept: str) -> list[str]:
        """The concepts that are part of this one."""
        return [r.source for r in self.relations if r.kind == "part_of" and r.target == concept]
