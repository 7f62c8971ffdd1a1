"""The relations between concepts, each with the line of the notes that made it.

- part-of: a heading under a heading, a title line under a heading, a defined term under its
  title ("Forget Gate" under "What is LSTM").
- prerequisite, from three kinds of evidence:
  * the lines that introduce a concept (its definition: the first sentence of the first few
    points under its heading or title) use another concept's name. Not counted: a name after a
    contrast ("unlike RNNs", "simpler than LSTM", "alternative to PPO", "don't need a separate
    Reward Model"); a line naming three concepts or more (a list of parts or examples, not
    what the concept rests on); the concept's own parts and whole; a pair that mention each
    other (neither is clearly first);
  * an ordered sequence: a numbered pipeline (`tutor.learning.steps`) or a chain of arrows
    ("Pretraining → Fine-Tuning → RLHF", or one item a line with ↓ between): each step needs
    the one before;
  * a wikilink from a passage about one concept to another concept's note.
- compare-with: an "X vs Y" heading or title, and the contrasts `tutor.learning.contrasts`
  reads ("RLHF uses humans as the judge; RLAIF replaces that judge with another AI").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tutor.knowledge.aliases import key
from tutor.knowledge.cleaning import EMBED, WIKILINK
from tutor.knowledge.passage import Source
from tutor.learning.contrasts import compare_questions
from tutor.learning.recall_blocks import GENERIC
from tutor.learning.steps import sequences
from tutor.studymap.concepts import Concept, Evidence, Relation
from tutor.studymap.lookup import TOKEN, NameIndex
from tutor.studymap.note_lines import Line, NoteLines
from tutor.studymap.reading import Reading, Row

CONTRAST = frozenset(
    "unlike instead without than vs versus alternative compared rather not don't dont doesn't "
    "no".split()
)
BASE_WORDS = frozenset("of on upon from".split())
PART_WORDS = frozenset("part parts component components member step stage one each".split())
CONTRAST_REACH = 4
"""How many words before a name a contrast word still turns it into a comparison."""
ARROW = re.compile(r"\s*(?:→|->|-->|=>|⟶)\s*")
DOWN = re.compile(r"^\s*(?:↓|⬇|\|)\s*$")
COMPARED = re.compile(r"^(.+?) vs (.+?): ")
LIST_SIZE = 3
BRACKETED = re.compile(r"\([^()]*\)")
MAX_STEP_WORDS = 8


def part_of(reading: Reading, owner: list[str]) -> Iterator[Relation]:
    """A candidate under another: its concept is part of the other's."""
    for i, cand in enumerate(reading.candidates):
        if cand.parent is None:
            continue
        source, target = owner[i], owner[cand.parent]
        if source != target:
            yield Relation("part_of", source, target, _evidence(cand.file, cand.line))


def from_definitions(
    reading: Reading,
    owner: list[str],
    names: NameIndex,
    concepts: dict[str, Concept],
    built_on: set[tuple[str, str]] | None = None,
) -> Iterator[Relation]:
    """A concept's introducing lines use another concept's name. `built_on` collects the
    pairs whose line builds the concept on the other ("Built on top of LangChain", "a type
    of RNN", "an extention of SA"): such a line outweighs the headings' nesting."""
    for i, cand in enumerate(reading.candidates):
        for number, text in cand.home:
            said = BRACKETED.sub(" ", text)  # "(the ones we got using backpropagation)": aside
            words = [w.lower() for w in TOKEN.findall(said)]
            named = _used(said, names, owner[i], concepts, cand.file)
            if len(set(c for c, _ in named)) >= LIST_SIZE:
                continue
            for target, at in dict(reversed(named)).items():
                evidence = _evidence(cand.file, (number, text))
                if built_on is not None and _builds_on(words[max(0, at - 2) : at]):
                    built_on.add((owner[i], target))
                yield Relation("prerequisite", owner[i], target, evidence)


def _builds_on(before: list[str]) -> bool:
    """The words before a name make it what the concept is built on ("top of", "type of"),
    not what holds it ("used in", "part of")."""
    return bool(before) and before[-1] in BASE_WORDS and not set(before) & PART_WORDS


def _used(
    text: str, names: NameIndex, itself: str, concepts: dict[str, Concept], file: str = ""
) -> list[tuple[str, int]]:
    """The concepts a line uses as terms: not after a contrast word, not a word too general
    ("LLM"), and not a term defined in one common word ("weights", "nodes") unless the line
    writes it as the notes name it ("Chain rule" is not "Chains"); a single word only when it
    is a whole name of the concept."""
    words = [w.lower() for w in TOKEN.findall(text)]
    out = []
    for concept, at, piece in names.mentions(text):
        if concept == itself or set(words[max(0, at - CONTRAST_REACH) : at]) & CONTRAST:
            continue
        said = [re.sub(r"['’]s$", "", w).lower() for w in piece]
        names_of = [concepts[concept].name, *concepts[concept].aliases]
        own_note = concepts[concept].file == file
        if all(w in GENERIC for w in said) and not _whole_name(piece, names_of, own_note):
            continue
        if len(piece) == 1 and not _one_word_name(piece[0], names_of, concepts[concept].kind):
            continue
        out.append((concept, at))
    return out


def _whole_name(piece: list[str], names: list[str], own_note: bool) -> bool:
    """General words that are a concept's whole name as the notes write it: "loss function"
    of "Loss Function"; "NN" (in capitals) of "Neural Network" in the note that introduces
    it (elsewhere a bare "LLM" or "NN" is said in passing); never "network" or "loss"."""
    said = re.sub(r"['’]s$", "", " ".join(piece))
    if len(piece) == 1 and not (own_note and said.isupper() and len(said) >= 2):
        return False
    return any(key(said) == key(n) for n in names)


def _one_word_name(word: str, names: list[str], kind: str) -> bool:
    """A word of a line names a concept only as one of its names, whole ("cost" is not
    "Cost Function"), and a term defined in one word as the notes write it ("Chains")."""
    if kind == "definition":
        return word in names
    return any(key(word) in (key(n), key(n) + "s", key(n)[:-1]) for n in names)


def from_sequences(reading: Reading, names: NameIndex) -> Iterator[Relation]:
    """Each step of a pipeline or arrow chain needs the step before it."""
    for row in reading.rows:
        text = "\n".join(t for _, t in row.lines)
        chains = [[s.name for s in steps] for _, steps in sequences(row.heading, text)]
        chains += _arrow_chains(row.lines)
        for chain in chains:
            resolved = [(step, _resolve_step(step, names)) for step in chain]
            for (_, before), (step, after) in zip(resolved, resolved[1:], strict=False):
                if before and after and before != after:
                    line = _line_naming(row, step)
                    yield Relation("prerequisite", after, before, _evidence(row.file, line))


def _arrow_chains(lines: list[Line]) -> list[list[str]]:
    """Items joined by arrows on one line, or one item a line with ↓ lines between."""
    chains: list[list[str]] = []
    column: list[str] = []
    after_down = False
    for _, text in lines:
        bare = re.sub(r"\([^)]*\)", "", text)
        parts = [p.strip(" *`") for p in ARROW.split(bare)]
        if len(parts) >= 3 and all(0 < len(p.split()) <= 5 for p in parts):
            chains.append(parts)
        if DOWN.match(text):
            after_down = True
            continue
        if after_down and column:
            column.append(bare.strip())
        else:
            chains += [column] if len(column) >= 2 else []
            column = [bare.strip()]
        after_down = False
    return chains + ([column] if len(column) >= 2 else [])


def _resolve_step(step: str, names: NameIndex) -> str | None:
    """The concept a step names: whole, or its longest run of words that is a name; a
    sentence ("LangSmith is a debugging … platform built by …") names no step."""
    words = re.sub(r"\([^)]*\)", " ", step).split()
    if len(words) > MAX_STEP_WORDS:
        return None
    for n in range(len(words), 0, -1):
        for start in range(len(words) - n + 1):
            found = names.resolve(" ".join(words[start : start + n]))
            if found:
                return found
    return None


def _line_naming(row: Row, name: str) -> Line:
    first = name.split()[0].lower() if name.split() else ""
    return next((ln for ln in row.lines if first and first in ln[1].lower()), row.lines[0])


def from_links(
    reading: Reading, owner: list[str], names: NameIndex, notes: NoteLines
) -> Iterator[Relation]:
    """A wikilink in a passage: the passage's concept needs the linked note's concept."""
    by_chunk = {p: owner[i] for i, c in enumerate(reading.candidates) for p in c.passages}
    for row in reading.rows:
        source = by_chunk.get(row.chunk_id)
        raw = notes.raw(row.source) if row.links and source is not None else None
        if raw is None or source is None:
            continue
        for number, text in row.lines:
            line = raw[number - 1] if number <= len(raw) else ""
            for match in WIKILINK.finditer(EMBED.sub("", line)):
                target = names.resolve(match.group(1).split("/")[-1].removesuffix(".md"))
                if target and target != source:
                    yield Relation(
                        "prerequisite", source, target, _evidence(row.file, (number, text))
                    )


def compared(reading: Reading, names: NameIndex) -> Iterator[Relation]:
    """ "X vs Y" headings and titles, and the contrasts of each passage."""
    for a, b, file, line in reading.compared:
        yield from _pair(names.resolve(a), names.resolve(b), file, line)
    for row in reading.rows:
        text = "\n".join(t for _, t in row.lines)
        src = Source(file=row.file, heading=row.heading, start_line=row.start, end_line=row.start)
        for question in compare_questions(row.heading, text, src):
            m = COMPARED.match(question.prompt)
            if m:
                line = _line_naming(row, m.group(1))
                yield from _pair(
                    names.resolve(m.group(1)), names.resolve(m.group(2)), row.file, line
                )


def _pair(a: str | None, b: str | None, file: str, line: Line) -> Iterator[Relation]:
    if a and b and a != b:
        low, high = sorted((a, b))
        yield Relation("compare_with", low, high, _evidence(file, line))


def _evidence(file: str, line: Line) -> Evidence:
    return Evidence(file, line[0], line[1][:240])
