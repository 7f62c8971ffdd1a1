"""The lines of a passage that introduce a concept: titles, defined terms, and a concept's
`home`, the first sentences under it that say what it is (prerequisites are read from them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.knowledge.aliases import ABBREVIATION
from tutor.knowledge.markdown import plain
from tutor.learning.recall_blocks import BULLET, is_example, termlike
from tutor.learning.recall_blocks import Line as ReadLine
from tutor.learning.structure import BOLD_LEAD, COLON_DEF, SENTENCE_END
from tutor.studymap.names import PURPOSE, WHAT_IS, read_name
from tutor.studymap.note_lines import Line

HOME_POINTS = 3
"""The lines after a heading or title that introduce it (its definition, not its details)."""
SPELLED_OUT = re.compile(r"^((?:[A-Za-z][\w-]*\s+){1,7}[A-Za-z][\w-]*)\s*:\s+\S")
"""A long form between an abbreviation's colon and the definition's."""
NAMED_LAST = re.compile(r"\b(?:is|called)\s+(?:an?\s+|the\s+)?\*\*([^*]{3,40})\*\*\s*\.?\s*$")
"""A bold term a line ends by naming: "… it is a **parametric relu**"."""
NAME_IS = re.compile(
    r"^([A-Z][a-z]+[A-Z][A-Za-z]*|(?:[A-Z][\w-]*\s+){1,3}[A-Z][\w-]*)\s+(?:is|are)\s+an?\s"
)
"""A point opening with a capitalised name that it then defines: "LangSmith is a …"."""
BRACKETED_COLON = re.compile(r"^([A-Za-z][^:?()]{0,45}?\s*\([^()]{2,80}\))\s*:\s*(\S.*)$")
"""A term with its other name in brackets, then its definition: "Colbert(Contextualised late
interaction over BERT): …" (the bracket may make it longer than `COLON_DEF` allows)."""
BRACKETED_IS = re.compile(
    r"^((?:[A-Z][\w-]*\s+){0,3}[A-Za-z][\w-]*\s*\([^()]{2,40}\))\s+(?:is|are|refers to)\s"
)
"""A line opening with a name and its other name, then saying what it is: "Pre-trained LLMs
(Base Models) are just next-token predictors"."""
DEFINES = re.compile(r"^\s*(?:[:=\-–—→]|(?:is|are|refers to|means)\b)")


def home(lines: Sequence[Line]) -> list[Line]:
    """The first points of a passage or block (code, tables and images skipped), each cut to
    its first sentence; `settle` ends it where another concept is introduced."""
    out: list[Line] = []
    for number, text in lines:
        if text.startswith(("```", "|", "![")):
            continue
        out.append((number, SENTENCE_END.split(text)[0]))
        if len(out) == HOME_POINTS + 2:
            break
    return out


def settle(lines: Sequence[Line], own: int, owned: set[int]) -> list[Line]:
    """A home up to the next line that introduces another concept, without examples."""
    out: list[Line] = []
    for line in lines:
        if line[0] in owned and line[0] != own:
            break
        if not is_example(plain(BULLET.sub("", line[1]), squeeze=True)):
            out.append(line)
    return out[:HOME_POINTS]


def is_title(line: ReadLine, after: ReadLine | None) -> bool:
    """A line over bullets that names a thing or asks what it is ("Sigmoid Function",
    "What is LSTM"); a lead-in ending in ':' is not one."""
    if line.bullet or after is None or not after.bullet or line.text.endswith(":"):
        return False
    return termlike(line.text) or bool(WHAT_IS.match(line.text) or PURPOSE.search(line.text))


EXAMPLES = re.compile(r"[A-Z][\w.+-]*(?:\s*,\s*[A-Z][\w.+-]*)+\.?")
"""Names listed as a term's instances ("Text Splitter: CharacterTextSplitter, RecursiveChar…")."""


def defined_term(line: ReadLine) -> str:
    """The term a line defines: `**Term**: …`, `**Term** = …`, `A **term** is …`, or a
    top-level bullet `Term: what it is` (a few words, then a sentence)."""
    m = BOLD_LEAD.match(line.raw)
    if m and DEFINES.match(m.group(3) or ":"):
        return plain(m.group(2), squeeze=True).rstrip(":")
    named = NAMED_LAST.search(line.raw) or (NAME_IS.match(line.text) if line.bullet else None)
    if named and not line.indent:
        return plain(named.group(1), squeeze=True)
    both = BRACKETED_IS.match(line.text) if not line.indent else None
    if both and read_name(both.group(1)).aliases:
        return both.group(1)
    c = COLON_DEF.match(line.text) if not line.indent or not line.bullet else None
    if c is None and (not line.indent or not line.bullet):
        c = BRACKETED_COLON.match(line.text)
    term = re.sub(r"\s*\([^()]*\)", "", c.group(1)) if c else ""
    if not c or not term or len(term.split()) > 5:
        return ""
    if len(c.group(2).split()) < 4 and not (line.bullet and EXAMPLES.fullmatch(c.group(2))):
        return ""
    if not line.bullet and (not term.islower() or len(term.split()) < 2):
        return ""  # a plain line defines a lower-case phrase ("bite pair encoding algorithm : …")
    spelled = SPELLED_OUT.match(c.group(2))
    if spelled and ABBREVIATION.fullmatch(term) and spelled.group(1)[0].lower() == term[0].lower():
        return f"{spelled.group(1)} ({term})"  # "BLUE: Bilingual Evaluvation Understudy: …"
    return c.group(1).strip()
