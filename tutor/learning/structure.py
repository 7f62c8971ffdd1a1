"""What a note passage states: its definitions, and the lines that state facts.

A definition is a term the notes state together with what it is; `recall_blocks` reads the
lines, titles and recall blocks. `tutor.learning.questions` asks about both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tutor.knowledge.markdown import plain
from tutor.knowledge.words import STOPWORDS, keywords
from tutor.learning.recall_blocks import (
    GENERIC,
    GROUPS,
    WORD,
    Line,
    Recall,
    as_question,
    is_example,
    is_title,
    join,
    leaf,
    line_text,
    read_lines,
    recall_blocks,
    termlike,
    trim,
)

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(*])")
BOLD_LEAD = re.compile(r"^(?:(A|An|The)\s+)?\*\*([^*]{2,80}?)\*\*\s*(.*)$")
COLON_DEF = re.compile(r"^([A-Za-z][^:?]{0,45}?)\s*:\s*(\S.*)$")
PLACE = re.compile(
    r"^(?:first|second|third|fourth|fifth|next|then|finally|lastly)(?:ly)?,\s*", re.I
)
"""A step's place before the term it names ("Third, Attention Score: …")."""
WHAT_IS = re.compile(r"^What (?:is|are) ((?:a |an )?[^,?]{2,60})\?$")
LABEL_PREFIX = re.compile(r"^\*{1,2}([^*]{1,30}?):?\*{1,2}:\s*|^\*{1,2}([^*]{1,30}?):\*{1,2}\s*")

# Bold or colon-led words that introduce an example or a remark, not a term being defined.
LABEL_TERMS = frozenset(
    "prompt input output target answer question example examples eg e.g note notes insight "
    "method result results technique techniques tip important summary reason reasons idea "
    "intuition definition formula drawbacks structure purpose usage working".split()
)
LABEL_LEADS = frozenset("key why when how what quick intuitive answer".split())
# A label that opens with one of these verbs names a step to do ('Compute Loss gradient:',
# 'Collect data:'), not a term: 'What is Compute Loss gradient?' asks nothing.
IMPERATIVES = frozenset(
    "compute calculate find collect apply use get take train initialize initialise repeat "
    "continue choose select load split evaluate gather download preprocess tokenize define "
    "remove perform identify create send optimize estimate write give provide run build "
    "combine multiply divide convert prepare generate append check do make ask start".split()
)
HEDGES = frozenset("even also just more most less very only so".split())
PRONOUNS = frozenset("you it they this these we he she i there".split())


@dataclass(frozen=True)
class Definition:
    """A term and what the notes say it is."""

    term: str
    text: str
    stated: bool  # the notes state it as a definition (else: first point of a recall answer)


@lru_cache(maxsize=1024)
def read_structure(heading: str, text: str) -> tuple[tuple[Recall, ...], tuple[Definition, ...]]:
    """The recall blocks and definitions a passage holds (cached: `others` repeat a lot)."""
    lines = read_lines(text)
    recalls = recall_blocks(heading, lines)
    definitions = _stated_definitions(heading, lines)
    known = {norm(d.term) for d in definitions}
    for r in recalls:
        m = WHAT_IS.match(r.prompt)
        term = m.group(1).strip() if m else ""
        if not term or len(term.split()) > 6 or norm(term) in known:
            continue
        if re.search(r"\b(how|and|explain|the)\b", term, re.I) or term.split()[0] in GROUPS:
            continue
        label = COLON_DEF.match(r.points[0])
        if label and _is_term(label.group(1)) and norm(label.group(1)) != norm(term):
            continue  # 'What is GRU?' over 'Reset Gate: …' defines the gate, not GRU
        if len(WORD.findall(r.points[0])) >= 6:
            definitions.append(Definition(term, trim(r.points[0], 250), stated=False))
    return tuple(recalls), tuple(definitions)


def has_prose(text: str) -> bool:
    """Whether a passage has a sentence of text: not only code, tables, images and headings.

    A sentence is a line of five words or more, or of three or more ending as a sentence
    does; a list of names ('ChatGPT', 'Claude') or a lone label ('Input:') is not one.
    """
    for line in read_lines(text):
        if line is None or line.raw.startswith(("#", "![", "<")):
            continue
        words = len(WORD.findall(line.text))
        if words >= 5 or (words >= 3 and line.text.rstrip('"”)').endswith((".", "!", "?"))):
            return True
    return False


def statements(text: str) -> list[tuple[int, str]]:
    """Lines that state facts, as (line index, text with emphasis and without a leading label)."""
    lines = read_lines(text)
    out: list[tuple[int, str]] = []
    for n, line in enumerate(lines):
        if line is None or is_example(line.text) or as_question(line.text) or is_title(lines, n):
            continue
        if _bold_definition(lines, n) or _colon_definition(line):
            continue  # a definition line is asked as a definition already
        out.append((n, _unlabelled(line.raw)))
    return out


def _stated_definitions(heading: str, lines: list[Line | None]) -> list[Definition]:
    """Bold terms with their definitions, `Term: definition` bullets, a term heading's prose."""
    found: list[Definition | None] = []
    aspects = False  # bullets answering 'How does X affect Y?' name aspects, not terms
    for i, line in enumerate(lines):
        if is_title(lines, i):
            aspects = bool(re.match(r"(how|why)\b", line_text(line), re.I))
        found.append(_bold_definition(lines, i) or (None if aspects else _colon_definition(line)))
    found.append(_heading_definition(heading, lines))
    out: list[Definition] = []
    for d in found:
        if d is not None and not any(same_term(d, x) for x in out):
            out.append(d)
    return out


def same_term(a: Definition, b: Definition) -> bool:
    """Whether two definitions name the same thing ('RLAIF' and 'Constitutional AI (RLAIF)')."""
    ka = set(keywords(" ".join(variants(a.term)))) - GENERIC
    return norm(a.term) == norm(b.term) or bool(ka & set(keywords(" ".join(variants(b.term)))))


def _bold_definition(lines: list[Line | None], i: int) -> Definition | None:
    """`**Term**: definition`, `**Term** = formula` or a sentence opening `A **term** is ...`."""
    line = lines[i]
    if line is None:
        return None
    segments = SENTENCE_END.split(line.raw)
    for k, segment in enumerate(segments):
        m = BOLD_LEAD.match(segment)
        if not m:
            continue
        inner = m.group(2).strip()
        term = plain(inner, squeeze=True).rstrip(":").strip()
        if not _is_term(term):
            continue
        rest = " ".join([m.group(3), *segments[k + 1 :]]).strip()
        sep = re.match(r"^[:=\-–—→]+\s*", rest)
        if sep or inner.endswith(":") or not rest:
            body = [rest[sep.end() :] if sep else rest, *_continuation(lines, i)]
        else:
            body = [f"{m.group(1) or ''} {inner} {rest}", *_mentions(lines, i, term)]
        text = join([p for b in body if (p := plain(b, squeeze=True))], 400)
        if len(WORD.findall(text)) >= 6:
            return Definition(term, text, stated=True)
    return None


def _colon_definition(line: Line | None) -> Definition | None:
    """A top-level bullet `Term: Definition ...`."""
    if line is None or not line.bullet or line.indent or line.raw.startswith("**"):
        return None
    m = COLON_DEF.match(PLACE.sub("", line.text))
    if not m:
        return None
    term, body = m.group(1).strip(), m.group(2).strip()
    if not _is_term(term) or len(term.split()) > 5 or not body[0].isupper():
        return None
    return Definition(term, trim(body, 400), True) if len(WORD.findall(body)) >= 6 else None


def _heading_definition(heading: str, lines: list[Line | None]) -> Definition | None:
    """A heading that names a term, when the passage opens with prose describing it."""
    term = leaf(heading).split("=")[0].strip()
    first = next((line for line in lines if line is not None), None)
    if not term or first is None or first.bullet or not termlike(term, strict=True):
        return None
    if term.split()[0].lower() in IMPERATIVES:
        return None  # a step's heading ('Train the Reward Model'), not a term
    text = first.text
    if text.endswith(":") or as_question(text) or is_example(text) or len(WORD.findall(text)) < 6:
        return None
    if text.split()[0].lower() in PRONOUNS or not text[0].isupper():
        return None
    return Definition(term, trim(" ".join(SENTENCE_END.split(text)[:2]), 300), True)


def _continuation(lines: list[Line | None], i: int) -> list[str]:
    """The lines that carry a definition on, up to the next term, label, question or code."""
    out: list[str] = []
    for line in lines[i + 1 :]:
        if line is None or BOLD_LEAD.match(line.raw) or line.text.endswith(":"):
            break
        if as_question(line.text) or is_example(line.text) or sum(map(len, out)) > 200:
            break
        out.append(line.text)
    return out[:3]


def _mentions(lines: list[Line | None], i: int, term: str) -> list[str]:
    """A later line of the passage that says more about the term."""
    for line in lines[i + 1 :]:
        if line and not is_example(line.text) and not line.text.endswith(":"):
            if _contains(line.text, term) and len(WORD.findall(line.text)) >= 4:
                return [line.text]
    return []


def _is_term(term: str) -> bool:
    """A bold or colon-led phrase that names a term (not 'Key point', 'Example', 'Step1')."""
    words = term.split()
    if not 1 <= len(words) <= 6 or "?" in term or "," in term or not re.search("[A-Za-z]", term):
        return False
    low = term.lower()
    if low in LABEL_TERMS or words[0].lower() in LABEL_LEADS | IMPERATIVES:
        return False
    if low.startswith(("step", "eg")):
        return False
    # 'Even more subtle: ...' is a remark; 'Reason are: ...' a lead-in.
    return words[0].lower() not in STOPWORDS | HEDGES and words[-1].lower() not in STOPWORDS


def _unlabelled(raw: str) -> str:
    """A line without a leading bold label such as '**Key point:**' (a bold term stays)."""
    m = LABEL_PREFIX.match(raw)
    return raw[m.end() :] if m and not _is_term(m.group(1) or m.group(2) or "") else raw


def bare(text: str) -> str:
    """The text without its parentheses ('Reward Model (RM)' -> 'Reward Model')."""
    return re.sub(r"\s*\([^)]*\)", "", text).strip()


def variants(term: str) -> list[str]:
    """A term, its form without the parenthesis, and what the parenthesis holds."""
    term = re.sub(r"^(?:a|an|the)\s+", "", term, flags=re.I)
    acronyms = [w for w in re.findall(r"\b[A-Z]{2,}\b", term) if w.lower() not in GENERIC]
    found = [term, bare(term), *re.findall(r"\(([^)]+)\)", term), *acronyms]
    return sorted({v.strip() for v in found if len(v.strip()) >= 2}, key=len, reverse=True)


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.I) is not None


def norm(text: str) -> str:
    """Lower-case words only, for telling whether two texts say the same."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
