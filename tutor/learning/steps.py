"""Steps questions: "In X, what comes after Y?" from a sequence the notes give in order.

A sequence is a numbered list whose lead-in, title or heading speaks of order (steps, stages,
a pipeline, how something works) or whose items are named stages; bullets under a title
that says 'steps'; or lines that count on ('First …', 'Second …', 'Then …', 'Finally …').
A numbered list of ways, reasons or types is an enumeration, not an order, and asks nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.knowledge.markdown import FENCE, plain
from tutor.knowledge.passage import Source
from tutor.knowledge.words import keywords
from tutor.learning.question import Question, key_terms
from tutor.learning.recall_blocks import BULLET, WORD, join, leaf, trim, verb_led
from tutor.learning.structure import BOLD_LEAD, COLON_DEF, IMPERATIVES

NUMBERED = re.compile(r"^(\s*)(\d+)[.)]\s+(.*)$")
ORDINAL = re.compile(
    r"^(?:and\s+)?(first(?:ly)?|second(?:ly)?|third(?:ly)?|fourth|fifth|then|next|after that"
    r"|finally|lastly)\b[,:]?\s*",
    re.I,
)
ORDERED = re.compile(
    r"\b(steps?|stages?|phases?|pipeline|process|procedure|workflow|working|works|lifecycle"
    r"|algorithm|recipe|how\b.*\bwork)",
    re.I,
)
ENUMERATION = re.compile(
    r"\b(ways?|reasons?|types?|kinds?|examples?|advantages|disadvantages|limitations|deficits?"
    r"|applications|uses|benefits|drawbacks|challenges|others|tips|problems|issues)\b",
    re.I,
)
TITLED = re.compile(r"\b(steps|stages|phases|pipeline|procedure|workflow)\b", re.I)
ASKING = re.compile(
    r"^(?:explain|describe|what (?:is|are)|how (?:does|do|is|are))\s+(?:the\s+)?(.+?)"
    r"(?:\s+and\s+(?:its|their)\s+work\w*|\s+works?|\s+working)?[?.:]?$",
    re.I,
)
MAX_PER_PASSAGE = 3
MAX_NAME_WORDS = 14
MAX_CONTEXT_WORDS = 8
# A line that says more about the step before it rather than being a step of its own.
POINTS_BACK = re.compile(
    r"^(?:these|this|it|they|that|which|here|so|such|where|hence|thus|because|i\.e|e\.g|note)\b",
    re.I,
)


@dataclass(frozen=True)
class Step:
    """One item of a sequence: its short name (a label, or its own words) and its text."""

    name: str
    text: str
    labelled: bool  # named by a bold or colon label (else by its own words, quoted)


def steps_questions(heading: str, text: str, source: Source) -> list[Question]:
    """'What comes after …?' for each step of the passage's sequences (a few a passage)."""
    out: list[Question] = []
    for context, steps in sequences(heading, text):
        for before, after in zip(steps, steps[1:], strict=False):
            if (q := _after_question(context, before, after, source)) is not None:
                out.append(q)
    return out[:MAX_PER_PASSAGE]


def sequences(heading: str, text: str) -> list[tuple[str, list[Step]]]:
    """The ordered sequences of a passage, each with what it is the sequence of."""
    lines = _prose_lines(text)
    found = _numbered_runs(heading, lines) + _titled_runs(lines) + _counted_runs(heading, lines)
    out = []
    for context, steps in found:
        # What the sequence is of must read as a name, never a pasted paragraph.
        name = next((c for c in (context, leaf(heading)) if _short(c)), None)
        if name is not None and len(steps) >= 2:
            out.append((name, steps))
    return out


def _short(context: str) -> bool:
    """A heading or list title: a few words, no sentence inside it."""
    words = WORD.findall(context)
    return 1 <= len(words) <= MAX_CONTEXT_WORDS and not re.search(r"[.;!?](?:\s|$)", context)


def _prose_lines(text: str) -> list[str]:
    """The passage's lines with code fences blanked (a step is never code)."""
    out, fenced = [], False
    for line in text.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
            out.append("")
        else:
            out.append("" if fenced else line.rstrip())
    return out


def _numbered_runs(heading: str, lines: list[str]) -> list[tuple[str, list[Step]]]:
    """Runs of '1.', '2.', … at one depth; deeper lines carry their item on."""
    out: list[tuple[str, list[Step]]] = []
    i = 0
    while i < len(lines):
        m = NUMBERED.match(lines[i])
        if not m or m.group(2) != "1":
            i += 1
            continue
        lead = next((x for x in reversed(lines[:i]) if x.strip()), "")
        depth, j = len(m.group(1)), i
        items: list[list[str]] = []
        while j < len(lines):
            n = NUMBERED.match(lines[j])
            if n and len(n.group(1)) == depth and int(n.group(2)) == len(items) + 1:
                items.append([n.group(3)])
            elif lines[j].strip() and _depth(lines[j]) > depth and items:
                items[-1].append(BULLET.sub("", lines[j]).strip())
            elif lines[j].strip():
                break
            j += 1
        steps = [_step(item) for item in items]
        context = f"{plain(lead, squeeze=True)} {leaf(heading)}"
        # Numbers alone do not make an order ('1. **Counting**', '2. **Spelling**'): named
        # items are stages only when each says what is done in it ('Train on …').
        named = all(s.labelled and _acts(s) for s in steps)
        if not ENUMERATION.search(context) and (ORDERED.search(context) or named):
            out.append((_context(heading, lead), steps))
        i = max(j, i + 1)
    return out


def _titled_runs(lines: list[str]) -> list[tuple[str, list[Step]]]:
    """Bullets at one depth under a title line that says they are steps ('BP Working Steps')."""
    out: list[tuple[str, list[Step]]] = []
    for i, title in enumerate(lines[:-1]):
        if not title.strip() or BULLET.match(title) or not TITLED.search(title):
            continue
        items: list[list[str]] = []
        for line in lines[i + 1 :]:
            bullet = BULLET.match(line)
            if not bullet or NUMBERED.match(line) or _depth(line) > _depth(lines[i + 1]):
                break
            items.append([line[bullet.end() :]])
        if len(items) >= 3:
            out.append((plain(title, squeeze=True).rstrip(":"), [_step(item) for item in items]))
    return out


def _counted_runs(heading: str, lines: list[str]) -> list[tuple[str, list[Step]]]:
    """Lines that count on from 'First …'.

    A line between two counted ones carries the step before it on only when it is nested
    under it or points back at it ('These are computed by …'); any other line at the same
    level ('we add positional encodings') is a step the count skipped, so the order is
    interrupted there and the run ends: what follows it is not known to come next.
    """
    out: list[tuple[str, list[Step]]] = []
    items: list[list[str]] = []
    title = ""
    level: tuple[bool, int] | None = None  # bullet or not, and indent, of the counted lines

    def close() -> None:
        if len(items) >= 3:
            out.append((_context(heading, title), [_step(item) for item in items]))

    for line in lines:
        said = BULLET.sub("", line).strip()
        if not said:
            continue
        counted = ORDINAL.match(said)
        here = (bool(BULLET.match(line)), _depth(line))
        if counted and counted.group(1).lower().startswith("first"):
            close()
            items, level = [[said[counted.end() :]]], here
        elif level is None:
            title = said if not BULLET.match(line) else title
        elif here[1] > level[1] or (here[0] and not level[0]):
            items[-1].append(said)  # nested under the step
        elif counted and here == level:
            items.append([said[counted.end() :]])
        elif POINTS_BACK.match(said):
            items[-1].append(said)
        else:
            close()
            items, level = [], None
    close()
    return out


def _step(item: list[str]) -> Step:
    """A step named by its bold or colon label, else by its own (short) words."""
    first = item[0].strip()
    text = join([p for part in item if (p := plain(part, squeeze=True))], 300)
    text = text[:1].upper() + text[1:]
    bold = BOLD_LEAD.match(first)
    if bold:
        return Step(plain(bold.group(2), squeeze=True).rstrip(":").strip(), text, labelled=True)
    label = COLON_DEF.match(plain(first, squeeze=True))
    if label and len(label.group(1).split()) <= 5:
        return Step(label.group(1).strip(), text, labelled=True)
    return Step(plain(first, squeeze=True).rstrip(".,;:"), text, labelled=False)


def _after_question(context: str, before: Step, after: Step, source: Source) -> Question | None:
    """'In <context>, what comes after <before>?', the next step's text as the reference."""
    if len(WORD.findall(before.name)) > MAX_NAME_WORDS or len(WORD.findall(after.text)) < 2:
        return None
    name = before.name if before.labelled else f"“{before.name}”"
    context = re.sub(r"^(The|A|An) ", lambda m: m.group(1).lower() + " ", context)
    where = f"In {context}, w" if context else "W"
    prompt = f"{where}hat comes after {name}?"
    terms = key_terms(after.text, set(keywords(prompt)))
    if not terms:
        return None
    rubric = [f"Names the next step: {trim(after.text, 160)}"]
    return Question("steps", prompt, after.text, terms, source, rubric=rubric)


def _acts(step: Step) -> bool:
    """Whether a labelled step says what is done in it: 'Train on …', 'Uses labeled data'."""
    said = step.text.split(":", 1)[-1].strip() if step.labelled else step.text
    words = said.split()
    if not words:
        return False
    first = re.sub(r"[^a-z]", "", words[0].lower())
    return first in IMPERATIVES or first in ("further", "then") or verb_led(said)


def _context(heading: str, title: str) -> str:
    """What the sequence is of: the subject a title line asks about, else the heading."""
    asked = ASKING.match(plain(title, squeeze=True).strip())
    if asked and len(asked.group(1).split()) <= 6:
        return asked.group(1).strip()
    return leaf(heading)


def _depth(line: str) -> int:
    return len(line) - len(line.lstrip())
