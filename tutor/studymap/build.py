"""Building the study map from the indexed passages, and finding a concept by what a learner typed.

`build_map` reads concepts (`reading`: headings, title lines, defined terms; `merge`: one
concept per thing, whatever the name), then relations (`relations`), and drops prerequisite
edges that contradict what else the notes say: a part and its whole, two concepts compared,
and both directions read from definitions alone (a pipeline's or a wikilink's direction wins).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tutor.knowledge.aliases import Aliases, compound_ends, key
from tutor.knowledge.note_units import asked_concept
from tutor.studymap.concepts import Concept, Relation, StudyMap
from tutor.studymap.lookup import NameIndex
from tutor.studymap.merge import add_abbreviations, home_aliases, merge
from tutor.studymap.names import ASPECT, read_name
from tutor.studymap.note_lines import NoteLines
from tutor.studymap.reading import Reading, read_rows
from tutor.studymap.relations import compared, from_definitions, from_links, from_sequences, part_of
from tutor.studymap.spelled import (
    bracketed_compounds,
    described_names,
    dropped_letter,
    misspelled_abbreviations,
    named_in_text,
    renamed_in_text,
    spelled_in_text,
)

MAX_TOPIC = 200
"""A typed topic is read up to this many characters (a name is never longer)."""
PLAIN_KIND = re.compile(
    r"^(?:the\s+)?(?:basic|vanilla|plain|simple|standard|classic(?:al)?|naive|ordinary"
    r"|traditional|conventional)\s+(.+)$"
    r"|^(.+?)\s+systems?$",
    re.I,
)
"""A name with a word saying it is the plain kind ("vanilla GD", "basic SGD") or a system of
it ("RAG system"): the concept itself, when the notes have no name of their own for that."""
MARKUP = re.compile(r"!?\[\[([^\]|]*)(?:\|[^\]]*)?\]\]|[*_`#>~\"“”'‘’\[\]{}]")


def build_map(rows: Sequence[tuple[str, str, Mapping[str, Any]]], aliases: Aliases) -> StudyMap:
    """The concepts of the passages and the relations between them, with their evidence."""
    notes = NoteLines()
    reading = read_rows(rows, notes)
    aliases = _joined(aliases, _spelled(reading, aliases))
    add_abbreviations(reading, aliases)
    concepts, owner = merge(reading, aliases)
    study_map = StudyMap(concepts=concepts)
    names = NameIndex.of(study_map)
    structure = _unique(part_of(reading, owner))
    compare = _unique(compared(reading, names))
    ordered = _unique([*from_sequences(reading, names), *from_links(reading, owner, names, notes)])
    built_on: set[tuple[str, str]] = set()
    defined = _unique(from_definitions(reading, owner, names, concepts, built_on))
    study_map.relations = [
        *structure,
        *compare,
        *_prerequisites(ordered, defined, structure, compare, built_on),
    ]
    study_map.names, study_map.names_for = names, len(concepts)
    return study_map


def _joined(aliases: Aliases, more: Aliases) -> Aliases:
    """The notes' aliases and those read from concepts' own lines (the caller's unchanged)."""
    out = Aliases()
    for found in (aliases, more):
        _add_all(out, found)
    return out


def _add_all(out: Aliases, found: Aliases) -> None:
    for name_key, name in found.pairs():
        for other in found.of(name):
            if key(other) == name_key:
                out.add(other, name)


def _spelled(reading: Reading, aliases: Aliases) -> Aliases:
    """Aliases read from the notes beyond the index's: from concepts' own lines, abbreviations
    of long words, misspelled or used bare, and names given in running text
    (`tutor.studymap.spelled`)."""
    lines = [t for row in reading.rows for _, t in row.lines]
    by_file: dict[str, list[str]] = defaultdict(list)
    titles: dict[str, set[str]] = defaultdict(set)
    for row in reading.rows:
        by_file[row.file] += [t for _, t in row.lines]
        titles[row.file].update(row.heading.split(" › "))
    for file, found in titles.items():
        by_file[file] += sorted(found)
    names: dict[str, list[str]] = defaultdict(list)
    for cand in reading.candidates:
        names[cand.file] += cand.names
    vocab = compound_ends(n for c in reading.candidates for n in c.names)
    out = home_aliases(reading)
    for more in (
        bracketed_compounds(lines, vocab, aliases),
        misspelled_abbreviations(lines, aliases),
        spelled_in_text(by_file, names, aliases),
        described_names(lines),
        named_in_text(lines),
    ):
        _add_all(out, more)
    known = _joined(aliases, out)  # these two read what the rules above found
    _add_all(out, renamed_in_text(lines, known))
    _add_all(out, dropped_letter(by_file, known))
    return out


def _unique(relations: Iterable[Relation]) -> list[Relation]:
    """One relation per kind and pair, with the first evidence found (compare: either way)."""
    seen: dict[tuple[str, str, str], Relation] = {}
    for r in relations:
        seen.setdefault((r.kind, r.source, r.target), r)
    return list(seen.values())


def _prerequisites(
    ordered: list[Relation],
    defined: list[Relation],
    structure: list[Relation],
    compare: list[Relation],
    built_on: set[tuple[str, str]],
) -> list[Relation]:
    """The prerequisite edges worth keeping (see the module docstring)."""
    apart = {frozenset((r.source, r.target)) for r in compare}
    apart |= {
        frozenset((r.source, r.target)) for r in structure if (r.source, r.target) not in built_on
    }
    ordered_pairs = {(r.source, r.target) for r in ordered}
    defined_pairs = {(r.source, r.target) for r in defined}
    out = [r for r in ordered if (r.target, r.source) not in ordered_pairs]
    for r in defined:
        pair = (r.source, r.target)
        if (
            frozenset(pair) in apart
            or pair in ordered_pairs
            or (r.target, r.source) in ordered_pairs
        ):
            continue
        if (r.target, r.source) not in defined_pairs:
            out.append(r)
    return out


def find_concept(study_map: StudyMap, text: str) -> Concept | None:
    """The concept a learner's topic names: any name or alias of it, whatever the case, plural,
    hyphens or spaces, with markup (`[[LoRA]]`, `*PPO*`) and question words ("what is") off;
    None when no concept has that name."""
    names = study_map.names if isinstance(study_map.names, NameIndex) else None
    if names is None or study_map.names_for != len(study_map.concepts):
        names = NameIndex.of(study_map)
        study_map.names, study_map.names_for = names, len(study_map.concepts)
    topic = " ".join(MARKUP.sub(lambda m: f" {m.group(1) or ''} ", text[:MAX_TOPIC]).split())
    for candidate in _readings(topic):
        found = names.resolve(candidate)
        if found and found in study_map.concepts:
            return study_map.concepts[found]
    return None


def _readings(topic: str) -> list[str]:
    """The topic as typed, without question words, and without "types of" and the like."""
    asked = asked_concept(topic) if topic else ""
    out = [topic, asked]
    for text in (topic, asked):
        aspect = ASPECT.match(text)
        if aspect:
            out.append(aspect.group(1))
        named = read_name(text)  # a heading pasted whole: "2. RLHF with PPO (Proximal …)"
        out += [*named.names[:1], *named.aliases, re.sub(r"\s*\([^()]*\)", " ", text)]
    plain = [m.group(1) or m.group(2) for t in out if (m := PLAIN_KIND.match(t.strip()))]
    out += plain
    return [t.strip(" ?.!:,;") for t in dict.fromkeys(out) if t.strip(" ?.!:,;")]
