"""How a note passage reads line by line: its lines, titles and the recall blocks they make.

A recall block is a question or title line with the bullets that answer it. The words and
patterns here are shared vocabulary: `structure` reads definitions with them, `blanks` and
`questions` pick terms with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.knowledge.markdown import FENCE, plain
from tutor.knowledge.words import STOPWORDS, keywords

BULLET = re.compile(r"^(\s*)(?:[-+•]\s*|\*\s+|\d+[.)]\s+)")
LEAD = re.compile(r"^\s*(?:>\s*|=+>\s*|👉\s*)+")
BOLD = re.compile(r"\*\*(.+?)\*\*")
"""A bold span (the notes mark key terms so); `blanks` collects the terms it holds."""
WORD = re.compile(r"[A-Za-z0-9][\w'’@^-]*")
ACRONYM = re.compile(r"\b[A-Za-z]*[A-Z][a-z]*[A-Z][A-Za-z]*\b")
ACTOR = re.compile(r"^(The|A|An) (\w+(?: \w+)?):$")
QUESTION_START = re.compile(
    r"^(what|why|how|when|where|which|who|explain|describe|define|compare|list)\b", re.I
)
EXAMPLE = re.compile(
    r"^(?:e\.?g\b|for example\b|example\b"
    r"|(?:prompt|input|output|target|answer|question)\b[^:]{0,3}:"
    r"|(?:using|applying|taking|fine-tuning) (?:a|an|the)\b"
    r"(?![^.]*\b(?:is|are|was|were|can|will|does|do|has|have)\b))",
    re.I,
)
"""Example lines; a line led by "Using a …" with no verb of its own is an illustration ("Using a
model trained on ImageNet to classify dog breeds …" under a kind of transfer learning)."""

# Words too general to be the point of a question, a blank or a topic on their own.
GENERIC = frozenset(
    "model models data function functions network networks layer layers value values training "
    "output input problem process method step type types level way thing text time task use "
    "used working important rate new simple example examples summary overview notes others "
    "other advantages disadvantages applications explanation intermediate memory trick "
    "one-line next topics learn case challenges big picture loss gate unit ai nn nns llm llms ml "
    "dl".split()
)
GROUPS = frozenset(
    "types advantages disadvantages limitations applications components steps uses benefits "
    "drawbacks challenges examples".split()
)
# Words that say little on their own: never a key term, a topic word or a word to mask.
WEAK = frozenset(
    "used use like also make one two much many more less very well eg etc instead thus hence "
    "get based using called example way thing will just some each other only all not no same "
    "new want need very most even may might every given take lot done too per find both any "
    "through during itself become alone better best allow give take model process it' whole "
    "than then while once since another into via over out due again first second finally "
    "usually often inorder getting going our here ask down tell similar involve especially "
    "method typically basically particularly actually anything something create important "
    "work".split()
)


@dataclass(frozen=True)
class Line:
    """One readable line of a passage, with whether it is a bullet and how deep."""

    raw: str  # without its bullet marker, emphasis kept
    text: str  # readable: emphasis removed
    bullet: bool
    indent: int


@dataclass(frozen=True)
class Recall:
    """A question (or a title asked as one) and the points that answer it."""

    prompt: str
    points: tuple[str, ...]


def recall_blocks(heading: str, lines: list[Line | None]) -> list[Recall]:
    """Question or title lines followed by bullets; a question heading asks the whole passage."""
    topic = leaf(heading)
    asked = heading_question(topic, leaf(heading, 2))
    if asked:
        points = _points(lines)
        return [Recall(asked, tuple(points))] if points else []
    out: list[Recall] = []
    titles = [i for i, line in enumerate(lines) if is_title(lines, i)]
    for i, end in zip(titles, [*titles[1:], len(lines)][: len(titles)], strict=True):
        block = lines[i + 1 : end]
        if None in block:
            block = block[: block.index(None)]
        prompt = _title_prompt(line_text(lines[i]), topic)
        points = _points(block)
        # Only a title naming who acts ('The model:') needs its points to say what it does;
        # a question title ('How to handle VGP:') is answered by any points.
        actor = ACTOR.match(line_text(lines[i])) is not None
        if actor and not all(verb_led(p) for p in points):
            prompt = None  # 'The model:' asks what it does only over what it does
        if prompt and points:
            out.append(Recall(prompt, tuple(points)))
    first = next((line for line in lines if line is not None), None)
    if first is not None and first.bullet:
        # A passage that opens with bullets answers its heading, if the bullets are about it.
        prompt = _title_prompt(topic, leaf(heading, 2), strict=True)
        points = _points(lines)
        about = set(keywords(topic)) - GENERIC
        opener = points[0].split() if points else []
        if (
            prompt
            and points
            and (
                opener[0] in ("It", "They", "This")
                or about & set(keywords(points[0]))
                or verb_led(points[0])  # 'Uses labeled datasets', 'Trains model to …'
            )
        ):
            out.append(Recall(prompt, tuple(points)))
    return out


def heading_recall(heading: str, text: str, siblings: Sequence[str] = ()) -> list[Recall]:
    """'What do your notes say about <heading>?' with the passage's points: for a passage that
    asks nothing else, so every passage with prose is asked about.

    A passage that opens with its own title over bullets ('To stop BP:') answers that title,
    not the wider heading above it: it is asked about the title when that names a thing, else
    not at all. One point will do when it is a sentence of eight words or more. An "Others"
    section is asked for what its `siblings` (the other sections beside it) leave out.
    """
    lines = read_lines(text)
    start = next((i for i, line in enumerate(lines) if line is not None), 0)
    if is_title(lines, start):
        title = line_text(lines[start]).rstrip(":").strip()
        if keywords(title) != keywords(leaf(heading)):
            if not termlike(title):
                return []
            heading, lines = f"{heading} › {title}", lines[start + 1 :]
    topic = re.sub(r"^(?:eg|step|example)\s*\d*\s*[.:]\s*", "", leaf(heading), flags=re.I)
    topic = re.sub(r"\s*(?:--|—|:)\s*", ": ", topic).strip(" :")
    parent = re.sub(r"\s*\(.*?\)", "", leaf(heading, 2)).strip()
    words = topic.split()
    if topic.lower() in ("others", "other", "more", "misc") and parent:
        prompt = _others_prompt(parent, siblings)
    elif len(words) <= 3 and words[-1].lower() in APPROACHES and parent:
        named = topic[0].lower() + topic[1:] if topic[1:2].islower() else topic
        prompt = f"What do your notes say about the {named} to {parent}?"  # "Naive approach:"
    elif [w for w in re.findall(r"[a-z]{3,}", topic.lower()) if w not in GENERIC | STOPWORDS]:
        prompt = f"What do your notes say about {topic}?"
    else:
        return []
    points = _points(lines)
    sizes = [len(WORD.findall(p)) for p in points]
    # Two points that say something, or one sentence; not a caption and an arrow.
    enough = sum(n >= 3 for n in sizes) >= 2 or any(n >= 8 for n in sizes)
    return [Recall(prompt, tuple(points))] if enough else []


def _others_prompt(parent: str, siblings: Sequence[str]) -> str:
    """'Besides A, B and C, what other <parent> do your notes list?', or, without short sibling
    names to say, what the notes list under 'Others' in <parent>."""
    named = [n for n in dict.fromkeys(siblings) if n and len(n.split()) <= 6][:4]
    if not named or len(named) < len([n for n in siblings if n]):
        return f'What do your notes list under "Others" in {parent}?'
    said = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    return f"Besides {said}, what other {parent.lower()} do your notes list?"


APPROACHES = frozenset("approach approaches method idea solution option strategy version".split())
"""A heading's last word that names a way of doing something, not what it is done to."""


def heading_question(topic: str, parent: str = "") -> str | None:
    """The question a heading asks of its passage: 'What Is RLHF?', 'Why RLHF Is Needed'
    ('Why is RLHF needed?'), 'How X Works' ('How does X work?'), 'Data Used' ('What data is
    used in Pretraining?')."""
    if topic.endswith("?"):
        asked = as_question(topic)
        lower = r"^(\w+) (Is|Are|Does|Do|Can) "
        return re.sub(lower, lambda m: f"{m.group(1)} {m.group(2).lower()} ", asked or "") or None
    why = re.match(r"^(Why|How)\s+(.{2,40}?)\s+(Is|Are)\s+(\w+)$", topic)
    if why:
        return f"{why.group(1)} {why.group(3).lower()} {why.group(2)} {why.group(4).lower()}?"
    works = re.match(r"^How\s+(.{2,40}?)\s+Works?$", topic)
    if works:
        return f"How does {works.group(1)} work?"
    used = re.match(r"^(\w+(?: \w+)?) Used$", topic)
    context = re.sub(r"\s*\(.*?\)", "", parent).strip()
    if used and context and termlike(context):
        return f"What {used.group(1).lower()} is used in {context}?"
    return None


def verb_led(point: str) -> bool:
    """A point that opens with a verb in the third person ('Uses labeled datasets')."""
    words = point.split()
    if len(words) < 2 or not words[0].isalpha() or not words[0][0].isupper():
        return False
    low = words[0].lower()
    third = len(low) > 3 and low.endswith("s") and not low.endswith(("ss", "us", "is", "ics"))
    return third and words[1][:1].islower() and low not in GENERIC | GROUPS


def read_lines(text: str) -> list[Line | None]:
    """The passage's lines; None marks code, tables and blanks, which never make questions."""
    out: list[Line | None] = []
    fenced = False
    for line in text.split("\n"):
        stripped = line.strip()
        if FENCE.match(line):
            fenced = not fenced
        bullet = BULLET.match(line)
        raw = (line[bullet.end() :] if bullet else LEAD.sub("", line)).strip()
        if fenced or FENCE.match(line) or not stripped or stripped.startswith(("|", "`")):
            out.append(None)
        elif text := plain(raw, squeeze=True):
            out.append(Line(raw, text, bool(bullet), len(bullet.group(1)) if bullet else 0))
        else:
            out.append(None)
    return out


def line_text(line: Line | None) -> str:
    return line.text if line else ""


def leaf(heading: str, depth: int = 1) -> str:
    """A breadcrumb's last (or depth-th from last) part, without emoji or numbering."""
    parts = heading.split(" › ") if heading else []
    if len(parts) < depth:
        return ""
    words = parts[-depth].split()
    while words and not re.search(r"[A-Za-z]", words[0]):
        words.pop(0)
    return plain(re.sub(r"^\d+[.)]\s*", "", " ".join(words)), squeeze=True).rstrip(":").strip()


def as_question(text: str) -> str | None:
    """The line as a clean question, if it asks one."""
    t = text.strip().rstrip(":").strip()
    if not 3 <= len(WORD.findall(t)) <= 25 or ":" in t:
        return None
    t = t[0].upper() + t[1:]
    if t.endswith("?"):
        return t
    # Without a '?', 'where/when/which ...' is usually a clause ('Where reward comes from:').
    opener = QUESTION_START.match(t)
    if not opener or opener.group(1).lower() in ("where", "when", "which", "who"):
        return None
    return t.rstrip(".") + ("?" if opener.group(1).lower() in ("what", "why", "how") else ".")


def is_title(lines: list[Line | None], i: int) -> bool:
    """A non-bullet line directly followed by bullets."""
    line, nxt = lines[i], lines[i + 1] if i + 1 < len(lines) else None
    return line is not None and not line.bullet and nxt is not None and nxt.bullet


def _title_prompt(title: str, context: str, strict: bool = False) -> str | None:
    """The question a title line stands for: 'Types of GR' -> 'What are the types of GR?'."""
    asked = as_question(title)
    if asked or not title:
        return asked
    if title.endswith(":"):
        # A lead-in ('Using algorithms like:'), not a topic, unless it names who acts:
        # 'The model:' over 'Generates responses', 'Gets reward scores'.
        ways = re.match(r"^(?:You|We) can (.{3,60}?) in (\d+|two|three|four) ways:$", title, re.I)
        if ways:
            return f"What are the {ways.group(2)} ways to {ways.group(1)}?"
        actor = ACTOR.match(title)
        return f"What does {actor.group(0)[:-1].lower()} do in {context}?" if actor else None
    t = title.strip()
    words = t.split()
    first = words[0].lower()
    pair = re.split(r"\s+vs\.?\s+", t, flags=re.I)
    if len(pair) == 2 and len(words) <= 8:
        return f"What is the difference between {pair[0]} and {pair[1]}?"
    if first in GROUPS:
        rest = " ".join(words[1:])
        if rest.lower().startswith(("of ", "for ", "in ")):
            return f"What are the {first} {rest}?"
        return f"What are the {first} of {context}?" if not rest and context else None
    bare = re.sub(r"\s*\(.*?\)", "", t).split()
    if bare and bare[-1].lower() == "working" and (len(bare) > 1 or context):
        # "Deconder Working(Training)" beside "Decoder Working(Prediction)": which one is asked
        which = re.search(r"\(([^()]{2,30})\)\s*$", t)
        during = f" in {which.group(1).lower()}" if which else ""
        return f"How does {' '.join(bare[:-1]) or context} work{during}?"
    if first == "need" and len(words) > 2 and words[1].lower() in ("of", "for"):
        return f"Why is {' '.join(words[2:])} needed?"
    if t.lower() == "training" and context:
        return f"How is {context} trained?"
    if not termlike(t, strict):
        return None
    if plural(t):
        return f"What are {'the ' if len(words) > 1 else ''}{t}?"
    return f"What is {t}?"


def termlike(text: str, strict: bool = False) -> bool:
    """Looks like the name of a thing: short, no sentence punctuation, not generic."""
    words = text.split()
    if not 1 <= len(words) <= 6 or any(c in text for c in ":&,=#?;.!"):
        return False
    if QUESTION_START.match(text):
        return False
    if words[0].lower() in STOPWORDS or not words[0][0].isupper():
        return False
    if all(w.lower().strip("()") in GENERIC | STOPWORDS for w in words):
        return False
    for w in words:
        letters = re.sub(r"[^A-Za-z]", "", w)
        if not letters:
            return False
        lower_word = len(letters) >= 4 and w.lower() not in STOPWORDS and w.islower()
        if strict and lower_word:
            return False
    return True


def plural(term: str) -> bool:
    """Whether the head noun is plural ('Evaluation Metrics for Retrieval')."""
    words = re.sub(r"\s*\(.*?\)", "", term).split() or [term]
    head = words[-1]
    for i, w in enumerate(words[1:], 1):
        if w.lower() in ("of", "for", "in", "with"):
            head = words[i - 1]
            break
    low = head.lower()
    return len(head) > 3 and low.endswith("s") and not low.endswith("ss") and not head.isupper()


def is_example(text: str) -> bool:
    """Example, prompt and input/output lines: illustrations, not facts to quiz."""
    return bool(EXAMPLE.match(text))


def _points(lines: Sequence[Line | None]) -> list[str]:
    """Readable answer points; a lead-in ending in ':' joins the point after it."""
    points: list[str] = []
    pending = ""
    for line in lines:
        if line is None or is_example(line.text):
            pending = ""
        elif line.text.endswith(":"):
            pending = line.text
        else:
            points.append(f"{pending} {line.text}".strip())
            pending = ""
    return points


def join(points: Sequence[str], limit: int) -> str:
    """Points as sentences, as many as fit in `limit` characters (at least the first)."""
    out = ""
    for point in points:
        point = point.strip().rstrip(";,")
        if point and point[-1] not in ".!?":
            point += "."
        joined = f"{out} {point}".strip()
        if out and len(joined) > limit:
            break
        out = joined
    return trim(out, limit)


def trim(text: str, limit: int) -> str:
    """Cut at a sentence end (or a word, with an ellipsis) to at most `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if end >= limit // 3:
        return cut[: end + 1]
    return cut[: cut.rfind(" ")].rstrip(",;:") + "…"
