"""Concept coverage of the study map, counted from the notes' files, not from the builder.

Counted: every heading (`#` lines and lines that are only bold) and every bold-term definition
(`**Term**: …`, `**Term** = …`, `A **term** is …`), outside code. Left out, and counted as
left out: labels (made only of `LABELS` words, before or after a colon: "Example",
"Key point", "Summary", "Big Picture: …"), numbered or example headings ("Mitigation #1",
"eg1. …"), questions other than "What is X?", and headings with no text under them (only
images, or straight into the next heading). A name is covered when `find_concept` finds it;
"X and Y" or "X vs Y" when it finds each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tutor.studymap.build import find_concept
from tutor.studymap.concepts import StudyMap

HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$|^\s*\*\*([^*]+?)\*\*\s*$")
BOLD_TERM = re.compile(
    r"^\s*(?:[-*+]\s+)?(?:(?:A|An|The)\s+)?\*\*([^*]{2,60}?)\*\*\s*"
    r"(?:[:=\-–—→]|(?:is|are|refers to|means)\b)"
)
FENCE = re.compile(r"^\s*(```|~~~)")
LABELS = frozenset(
    "introduction notes note summary overview conclusion example examples use case important "
    "others other misc key point points difference behavior why it matters when to quick "
    "comparison intuitive analogy insight method result results techniques tip tips memory trick "
    "next topics learn one-line simple explanation data used level beginner intermediate "
    "advanced core concepts big picture upside downside naive approach real-world applications "
    "challenges mathematical view high the a an of in how what is are".split()
)
NOT_A_TOPIC = re.compile(
    r"#\s*\d|^(?:eg|e\.g|q)\s*\d|^(?:why|how|what|when|where|which|who)\b", re.I
)


def study_names(lines: Sequence[str]) -> tuple[list[str], int]:
    """The headings and bold-term definitions of a note's lines that name a study topic,
    and how many others were left out (see the module docstring)."""
    names, left_out, fenced = [], 0, False
    for n, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
        match = None if fenced else HEADING.match(line) or BOLD_TERM.match(line)
        if not match:
            continue
        raw = next(g for g in match.groups() if g)
        name = re.sub(r"[*_`]", "", raw).strip(" :")
        name = re.sub(r"^[^A-Za-z\"“]*", "", name)  # numbering, emoji
        name = re.sub(r"^(?:step|part)\s*\d+\s*[:.]\s*", "", name, flags=re.I).strip(' "“”')
        words = [w.lower() for w in re.findall(r"[A-Za-z][\w-]*", name)]
        what = re.match(r"^what\s+(?:is|are)\s+(.+?)\??$", name, re.I)
        if what:
            names.append(what.group(1))
        elif not words or NOT_A_TOPIC.search(name) or _labels(name) or _empty(lines, n):
            left_out += 1
        else:
            names.append(name)
    return names, left_out


def _labels(name: str) -> bool:
    """A label: made only of label words, before or after its colon ("Big Picture: …")."""
    parts = [re.findall(r"[A-Za-z][\w-]*", p.lower()) for p in name.split(":")]
    return any(p and all(w in LABELS for w in p) for p in parts) or not any(parts)


def _empty(lines: Sequence[str], at: int) -> bool:
    """A heading with no text under it before the next heading (only images, or nothing)."""
    for line in lines[at + 1 :]:
        if HEADING.match(line) and not BOLD_TERM.match(line):
            return True
        if re.search(r"[A-Za-z]", re.sub(r"!\[[^\]]*\]\([^)]*\)|!\[\[[^\]]*\]\]", "", line)):
            return False
    return True


def covered(study_map: StudyMap, name: str) -> bool:
    if find_concept(study_map, name):
        return True
    parts = re.split(r"\s+(?:vs\.?|versus|and|&)\s+|,\s*(?:and\s+)?", name, flags=re.I)
    return len(parts) > 1 and all(find_concept(study_map, p) for p in parts if p.strip())


def coverage(study_map: StudyMap, notes: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Share of the notes' study headings and bold terms that became concepts."""
    every, missed, left_out = 0, [], 0
    for file, lines in notes.items():
        names, skipped = study_names(lines)
        left_out += skipped
        for name in names:
            every += 1
            if not covered(study_map, name):
                missed.append(f"{file}: {name}")
    share = (every - len(missed)) / every if every else None
    return {"coverage": share, "names": every, "left_out": left_out, "missed": missed}


def note_files(rows: Sequence[tuple[str, str, Mapping[str, Any]]]) -> dict[str, list[str]]:
    """The raw lines of each note the rows come from (by the file name the index shows)."""
    from tutor.knowledge.cleaning import decode_note
    from tutor.knowledge.loaders import clean_lines

    out: dict[str, list[str]] = {}
    for _, _, meta in rows:
        file, source = str(meta.get("file", "")), Path(str(meta.get("source", "")))
        if file in out or source.suffix.lower() == ".ipynb" or not source.is_file():
            continue
        out[file] = clean_lines(decode_note(source.read_bytes()).split("\n"))
    return out
