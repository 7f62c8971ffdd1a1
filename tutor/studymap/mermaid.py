"""The study map as Mermaid text (`graph TD`), nodes coloured by mastery.

Labels are quoted, and every character that Mermaid could read as syntax is an entity code,
so a concept named with brackets, quotes, pipes or `end` cannot break the graph.
"""

from __future__ import annotations

from tutor import prompts
from tutor.studymap.concepts import StudyMap
from tutor.studymap.mastery import ConceptMastery, Known, mastery_of
from tutor.studymap.render import label

MERMAID_SAFE = frozenset(" .,:-_/+?!'")
"""Characters a Mermaid label keeps as they are (with letters and digits); any other is
written as an entity code (`#35;`), so a name with brackets, quotes, pipes or `end` in it
can never close the label or start new syntax."""
MERMAID_CLASSES = {
    "notstarted": "fill:#e6e6e6,stroke:#999",
    "weak": "fill:#f4a6a6,stroke:#b33",
    "learning": "fill:#f7dc8b,stroke:#b80",
    "mastered": "fill:#a8e6a1,stroke:#393",
}


def mermaid_text(text: str) -> str:
    """A label's text with every character that Mermaid could read as syntax encoded."""
    return "".join(
        ch if ch.isalnum() or ch in MERMAID_SAFE else f"#{ord(ch)};"
        for ch in " ".join(text.split())
    )


def mastery_class(known: ConceptMastery) -> str:
    """`notstarted`, `weak` (under half), `learning` or `mastered`: a node's colour."""
    if known.mastery is None:
        return "notstarted"
    if known.mastered:
        return "mastered"
    return "weak" if known.mastery < 0.5 or known.failed_recently else "learning"


def mermaid(study_map: StudyMap, known: Known) -> str:
    """A Mermaid `graph TD`: prerequisites as arrows (A --> B: A before B), parts as lines
    from the whole, comparisons dotted; nodes coloured by mastery."""
    node = {cid: f"c{n}" for n, cid in enumerate(study_map.concepts)}
    lines = ["graph TD", "%% A --> B: learn A before B; A --- B: B is part of A; A -.- B: compared"]
    classes: dict[str, list[str]] = {}
    for cid, c in study_map.concepts.items():
        k = mastery_of(known, c)
        shown = prompts.MAP_NOT_STARTED if k.mastery is None else f"{k.mastery:.0%}"
        lines.append(f'    {node[cid]}["{mermaid_text(f"{label(c)} · {shown}")}"]')
        classes.setdefault(mastery_class(k), []).append(node[cid])
    arrows = {"prerequisite": "-->", "part_of": "---", "compare_with": "-.-"}
    for r in study_map.relations:
        if r.source in node and r.target in node:
            # A prerequisite points from what is needed to what needs it; a part hangs
            # below its whole.
            first, second = (
                (r.source, r.target) if r.kind == "compare_with" else (r.target, r.source)
            )
            lines.append(f"    {node[first]} {arrows[r.kind]} {node[second]}")
    for name, style in MERMAID_CLASSES.items():
        lines.append(f"    classDef {name} {style}")
    lines += [f"    class {','.join(ids)} {name}" for name, ids in classes.items()]
    return "\n".join(lines) + "\n"
