"""The study map shown: a tree for the terminal and chat, and JSON.

A tree nests concepts by `part_of` and gives each its mastery bar, due cards and passages
never asked; a map narrowed to one concept (`focus`) lists what it needs first and what
builds on it, with the lines of the notes that say so. Mermaid and PNG are in `draw`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from typing import Any

from tutor import prompts
from tutor.errors import TutorError
from tutor.learning.progress import mastery_bar
from tutor.studymap.concepts import Concept, Evidence, Relation, StudyMap
from tutor.studymap.mastery import ConceptMastery, Known, mastery_of

NEAREST = 3
QUOTE = 70
"""Characters of an evidence line shown in the tree."""


def focus(study_map: StudyMap, concept: str) -> StudyMap:
    """The map narrowed to a concept: it, its parts, its prerequisites and what builds on it."""
    keep = {concept, *study_map.prerequisites(concept), *builders(study_map, concept)}
    stack = [concept]
    while stack:  # every part, however deep (a cycle in bad notes stops at what it saw)
        for child in study_map.children(stack.pop()):
            if child not in keep:
                keep.add(child)
                stack.append(child)
    return StudyMap(
        concepts={cid: c for cid, c in study_map.concepts.items() if cid in keep},
        relations=[r for r in study_map.relations if r.source in keep and r.target in keep],
    )


def builders(study_map: StudyMap, concept: str) -> list[str]:
    """The concepts that need this one first."""
    return [
        r.source for r in study_map.relations if r.kind == "prerequisite" and r.target == concept
    ]


def nearest_names(study_map: StudyMap, text: str, n: int = NEAREST) -> list[str]:
    """Names of the concepts spelled nearest to `text` (by their names and aliases)."""
    spellings: dict[str, str] = {}
    for concept in study_map.concepts.values():
        for name in (concept.name, *concept.aliases):
            spellings.setdefault(name.lower(), concept.name)
    close = difflib.get_close_matches(text.lower(), list(spellings), n=n * 3, cutoff=0.4)
    words = set(text.lower().split())
    sharing = [s for s in spellings if words & set(s.split())]
    names = [spellings[s] for s in [*close, *sharing]]
    return list(dict.fromkeys(names))[:n]


def mastery_text(known: ConceptMastery) -> str:
    """`███░░ 60% · 2 due · 3 never asked · missed recently`, or `not started · …`."""
    parts = [prompts.MAP_NOT_STARTED if known.mastery is None else mastery_bar(known.mastery)]
    if known.due:
        parts.append(f"{known.due} due")
    if known.never_asked:
        parts.append(f"{known.never_asked} never asked")
    if known.failed_recently:
        parts.append("missed recently")
    return " · ".join(parts)


def label(concept: Concept) -> str:
    """The name, with its first other name the notes give it: `Proximal Policy … (PPO)`."""
    return f"{concept.name} ({concept.aliases[0]})" if concept.aliases else concept.name


def tree_lines(
    study_map: StudyMap, known: Known, *, concept: str | None = None, evidence: bool = False
) -> list[str]:
    """The map as a text tree; with `concept`, that concept's parts, needs and followers."""
    if concept is not None:
        return _focus_lines(study_map, known, concept)
    lines = []
    for prefix, below, cid in walk(study_map):
        c = study_map.concepts[cid]
        needs = [study_map.concepts[p].name for p in _prerequisites(study_map, cid)]
        line = f"{prefix}{label(c)}  {mastery_text(mastery_of(known, c))}"
        lines.append(line + (f" · needs {', '.join(needs)}" if needs and not evidence else ""))
        if evidence:
            lines += [f"{below}   needs {_because(study_map, r)}" for r in _needs(study_map, cid)]
    return lines


def _focus_lines(study_map: StudyMap, known: Known, concept: str) -> list[str]:
    lines = []
    for prefix, _, cid in walk(study_map, concept):
        c = study_map.concepts[cid]
        lines.append(f"{prefix}{label(c)}  {mastery_text(mastery_of(known, c))}")
    needs = _needs(study_map, concept)
    if needs:
        lines += ["", "needs first:"]
        lines += [
            f"  {_line(study_map, known, r.target)}\n      {_because(study_map, r, name=False)}"
            for r in needs
        ]
    after = [r for r in study_map.relations if r.kind == "prerequisite" and r.target == concept]
    if after:
        lines += ["", "builds on it:"]
        lines += [f"  {_line(study_map, known, r.source)}" for r in after]
    return lines


def _line(study_map: StudyMap, known: Known, cid: str) -> str:
    c = study_map.concepts[cid]
    return f"{label(c)}  {mastery_text(mastery_of(known, c))}"


def _needs(study_map: StudyMap, cid: str) -> list[Relation]:
    return [r for r in study_map.related(cid, "prerequisite") if r.target in study_map.concepts]


def _prerequisites(study_map: StudyMap, cid: str) -> list[str]:
    return list(dict.fromkeys(r.target for r in _needs(study_map, cid)))


def _because(study_map: StudyMap, relation: Relation, name: bool = True) -> str:
    ev = relation.evidence
    quote = " ".join(ev.text.split())
    quote = quote if len(quote) <= QUOTE else quote[: QUOTE - 1] + "…"
    said = f'{ev.file}:{ev.line} "{quote}"'
    return f"{study_map.concepts[relation.target].name}: {said}" if name else said


def walk(study_map: StudyMap, root: str | None = None) -> Iterator[tuple[str, str, str]]:
    """(its tree prefix, its children's, concept id) along `part_of`, in the notes' order."""
    concepts = study_map.concepts
    parent = {r.source: r.target for r in study_map.relations if r.kind == "part_of"}
    parent = {s: t for s, t in parent.items() if s in concepts and t in concepts}

    def ordered(ids: list[str]) -> list[str]:
        return sorted(ids, key=lambda cid: (concepts[cid].file, concepts[cid].line, cid))

    kids: dict[str, list[str]] = {}
    for child, whole in parent.items():
        kids.setdefault(whole, []).append(child)
    roots = [root] if root else ordered([c for c in concepts if c not in parent])
    seen: set[str] = set()
    stack = [("", "", cid) for cid in reversed(roots)]
    while stack or (root is None and len(seen) < len(concepts)):
        if not stack:  # a part_of cycle has no root: start it at its first concept
            stack = [("", "", ordered([c for c in concepts if c not in seen])[0])]
        mine, below, cid = stack.pop()
        if cid in seen:
            continue
        seen.add(cid)
        yield mine, below, cid
        children = ordered(kids.get(cid, []))
        for n, child in enumerate(reversed(children)):
            last = n == 0
            stack.append(
                (below + ("└─ " if last else "├─ "), below + ("   " if last else "│  "), child)
            )


def map_json(study_map: StudyMap, known: Known) -> dict[str, Any]:
    """Concepts with the learner's mastery, and relations with their evidence (JSON-able)."""
    return {
        "concepts": [
            {**asdict(c), "learner": mastery_of(known, c).as_dict()}
            for c in study_map.concepts.values()
        ],
        "relations": [asdict(r) for r in study_map.relations],
    }


def map_from_json(data: Mapping[str, Any]) -> StudyMap:
    """The study map that `map_json` wrote (the learner's numbers left aside)."""
    fields = ("id", "name", "aliases", "kind", "file", "line", "heading", "passages")
    concepts = [Concept(**{f: c[f] for f in fields}) for c in data["concepts"]]
    relations = [
        Relation(r["kind"], r["source"], r["target"], Evidence(**r["evidence"]))
        for r in data["relations"]
    ]
    return StudyMap({c.id: c for c in concepts}, relations)


CHAT_LINES = 40
"""Tree lines a chat reply shows; a longer map says how to narrow it."""


def map_markdown(study_map: StudyMap, known: Known, concept: str | None = None) -> str:
    """The tree for chat and Slack: a title, then the tree in a code block (it keeps the
    indentation). A concept shows all of its own; the whole map its top two levels, or when
    that is too long, its top concepts with how many parts each holds."""
    if not study_map.concepts:
        return prompts.MAP_NO_CONCEPTS
    lines = tree_lines(study_map, known, concept=concept, evidence=concept is not None)
    shown_concepts = len(study_map.concepts)
    if concept is None:
        lines = [line for line in lines if not line.startswith(("│  ", "   "))]
        if len(lines) > CHAT_LINES:
            lines = _top_lines(study_map, known)
        shown_concepts = len(lines[:CHAT_LINES])
    hidden = len(study_map.concepts) - shown_concepts
    of = f" of {study_map.concepts[concept].name}" if concept else ""
    title = prompts.MAP_TITLE.format(
        of=of, concepts=prompts.counted(len(study_map.concepts), "concept")
    )
    text = f"{title}\n\n```\n" + "\n".join(lines[:CHAT_LINES]) + "\n```"
    if hidden > 0:
        text += "\n\n" + prompts.MAP_MORE.format(more=prompts.counted(hidden, "more concept"))
    return text


def _top_lines(study_map: StudyMap, known: Known) -> list[str]:
    """One line per top concept, with how many concepts sit below it."""
    tops: list[tuple[str, int]] = []
    for prefix, _, cid in walk(study_map):
        if not prefix:
            tops.append((cid, 0))
        else:
            tops[-1] = (tops[-1][0], tops[-1][1] + 1)
    lines = []
    for cid, below in tops:
        c = study_map.concepts[cid]
        parts = f" · {prompts.counted(below, 'part')}" if below else ""
        lines.append(f"{label(c)}  {mastery_text(mastery_of(known, c))}{parts}")
    return lines


def narrow(study_map: StudyMap, topic: str) -> tuple[StudyMap, str | None]:
    """The map focused on the concept a topic names, and its id (the whole map, None, for no
    topic); a TutorError offering the nearest concepts when the notes have no such concept."""
    from tutor.studymap.build import find_concept

    if not topic.strip():
        return study_map, None
    found = find_concept(study_map, topic.strip())
    if found is None:
        nearest = nearest_names(study_map, topic.strip())
        hint = prompts.MAP_NEAREST.format(names=", ".join(nearest)) if nearest else ""
        raise TutorError(prompts.MAP_NOT_IN_NOTES.format(topic=topic.strip()), hint)
    return focus(study_map, found.id), found.id
