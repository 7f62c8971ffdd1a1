"""How a note passage is laid out: its lines, titles, recall blocks and stated definitions.

A recall block is a question or title line with the bullets that answer it; a definition is a
term the notes state together with what it is. `tutor.learning.questions` asks about both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from tutor.knowledge.retriever import STOPWORDS, keywords

FENCE = re.compile(r"^\s*(```|~~~)")
BULLET = re.compile(r"^(\s*)(?:[-+•]\s*|\*\s+|\d+[.)]\s+)")
LEAD = re.compile(r"^\s*(?:>\s*|=+>\s*|👉\s*)+")
BOLD = re.compile(r"\*\*(.+?)\*\*")
ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
WORD = re.compile(r"[A-Za-z0-9][\w'’@^-]*")
ACRONYM = re.compile(r"\b[A-Za-z]*[A-Z][a-z]*[A-Z][A-Za-z]*\b")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(*])")
QUESTION_START = re.compile(
    r"^(what|why|how|when|where|which|who|explain|describe|define|compare|list)\b", re.I
)
BOLD_LEAD = re.compile(r"^(?:(A|An|The)\s+)?\*\*([^*]{2,80}?)\*\*\s*(.*)$")
COLON_DEF = re.compile(r"^([A-Za-z][^:?]{0,45}?)\s*:\s*(\S.*)$")
WHAT_IS = re.compile(r"^What (?:is|are) ((?:a |an )?[^,?]{2,60})\?$")
LABEL_PREFIX = re.compile(r"^\*{1,2}([^*]{1,30}?):?\*{1,2}:\s*|^\*{1,2}([^*]{1,30}?):\*{1,2}\s*")
EXAMPLE = re.compile(
    r"^(?:e\.?g\b|for example\b|example\b"
    r"|(?:prompt|input|output|target|answer|question)\b[^:]{0,3}:)",
    re.I,
)

# Bold or colon-led words that introduce an example or a remark, not a term being defined.
LABEL_TERMS = frozenset(
    "prompt input output target answer question example examples eg e.g note notes insight "
    "method result results technique techniques tip important summary reason reasons idea "
    "intuition definition formula drawbacks structure purpose usage working".split()
)
LABEL_LEADS = frozenset("key why when how what quick intuitive answer".split())
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
HEDGES = frozenset("even also just more most less very only so".split())
PRONOUNS = frozenset("you it they this these we he she i there".split())


@dataclass(frozen=True)
class _Line:
    raw: str  # without its bullet marker, emphasis kept
    text: str  # readable: emphasis removed
    bullet: bool
    indent: int


@dataclass(frozen=True)
class Definition:
    """A term and what the notes say it is."""

    term: str
    text: str
    stated: bool  # the notes state it as a definition (else: first point of a recall answer)


@dataclass(frozen=True)
class Recall:
    """A question (or a title asked as one) and the points that answer it."""

    prompt: str
    points: tuple[str, ...]


@lru_cache(maxsize=1024)
def read_structure(heading: str, text: str) -> tuple[tuple[Recall, ...], tuple[Definition, ...]]:
    """The recall blocks and definitions a passage holds (cached: `others` repeat a lot)."""
    lines = _lines(text)
    recalls = _recalls(heading, lines)
    definitions = _stated_definitions(heading, lines)
    known = {norm(d.term) for d in definitions}
    for r in recalls:
        m = WHAT_IS.match(r.prompt)
        term = m.group(1).strip() if m else ""
        if not term or len(term.split()) > 6 or norm(term) in known:
            continue
        if re.search(r"\b(how|and|explain|the)\b", term, re.I) or term.split()[0] in GROUPS:
            continue
        if len(WORD.findall(r.points[0])) >= 6:
            definitions.append(Definition(term, trim(r.points[0], 250), stated=False))
    return tuple(recalls), tuple(definitions)


def statements(text: str) -> list[tuple[int, str]]:
    """Lines that state facts, as (line index, text with emphasis and without a leading label)."""
    lines = _lines(text)
    out: list[tuple[int, str]] = []
    for n, line in enumerate(lines):
        if line is None or is_example(line.text) or _question(line.text) or _is_title(lines, n):
            continue
        if _bold_definition(lines, n) or _colon_definition(line):
            continue  # a definition line is asked as a definition already
        out.append((n, _unlabelled(line.raw)))
    return out


def _recalls(heading: str, lines: list[_Line | None]) -> list[Recall]:
    """Question or title lines followed by bullets; a question heading asks the whole passage."""
    topic = leaf(heading)
    if topic.endswith("?") and (asked := _question(topic)):
        points = _points(lines)
        return [Recall(asked, tuple(points))] if points else []
    out: list[Recall] = []
    titles = [i for i, line in enumerate(lines) if _is_title(lines, i)]
    for i, end in zip(titles, [*titles[1:], len(lines)][: len(titles)], strict=True):
        block = lines[i + 1 : end]
        if None in block:
            block = block[: block.index(None)]
        prompt = _title_prompt(_text(lines[i]), topic)
        points = _points(block)
        if prompt and points:
            out.append(Recall(prompt, tuple(points)))
    first = next((line for line in lines if line is not None), None)
    if first is not None and first.bullet:
        # A passage that opens with bullets answers its heading, if the bullets are about it.
        prompt = _title_prompt(topic, leaf(heading, 2), strict=True)
        points = _points(lines)
        about = set(keywords(topic)) - GENERIC
        if (
            prompt
            and points
            and (points[0].split()[0] in ("It", "They", "This") or about & set(keywords(points[0])))
        ):
            out.append(Recall(prompt, tuple(points)))
    return out


def _stated_definitions(heading: str, lines: list[_Line | None]) -> list[Definition]:
    """Bold terms with their definitions, `Term: definition` bullets, a term heading's prose."""
    found: list[Definition | None] = []
    aspects = False  # bullets answering 'How does X affect Y?' name aspects, not terms
    for i, line in enumerate(lines):
        if _is_title(lines, i):
            aspects = bool(re.match(r"(how|why)\b", _text(line), re.I))
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


def _bold_definition(lines: list[_Line | None], i: int) -> Definition | None:
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
        term = plain(inner).rstrip(":").strip()
        if not _is_term(term):
            continue
        rest = " ".join([m.group(3), *segments[k + 1 :]]).strip()
        sep = re.match(r"^[:=\-–—→]+\s*", rest)
        if sep or inner.endswith(":") or not rest:
            body = [rest[sep.end() :] if sep else rest, *_continuation(lines, i)]
        else:
            body = [f"{m.group(1) or ''} {inner} {rest}", *_mentions(lines, i, term)]
        text = join([p for b in body if (p := plain(b))], 400)
        if len(WORD.findall(text)) >= 6:
            return Definition(term, text, stated=True)
    return None


def _colon_definition(line: _Line | None) -> Definition | None:
    """A top-level bullet `Term: Definition ...`."""
    if line is None or not line.bullet or line.indent or line.raw.startswith("**"):
        return None
    m = COLON_DEF.match(line.text)
    if not m:
        return None
    term, body = m.group(1).strip(), m.group(2).strip()
    if not _is_term(term) or len(term.split()) > 5 or not body[0].isupper():
        return None
    return Definition(term, trim(body, 400), True) if len(WORD.findall(body)) >= 6 else None


def _heading_definition(heading: str, lines: list[_Line | None]) -> Definition | None:
    """A heading that names a term, when the passage opens with prose describing it."""
    term = leaf(heading).split("=")[0].strip()
    first = next((line for line in lines if line is not None), None)
    if not term or first is None or first.bullet or not termlike(term, strict=True):
        return None
    text = first.text
    if text.endswith(":") or _question(text) or is_example(text) or len(WORD.findall(text)) < 6:
        return None
    if text.split()[0].lower() in PRONOUNS or not text[0].isupper():
        return None
    return Definition(term, trim(" ".join(SENTENCE_END.split(text)[:2]), 300), True)


def _continuation(lines: list[_Line | None], i: int) -> list[str]:
    """The lines that carry a definition on, up to the next term, label, question or code."""
    out: list[str] = []
    for line in lines[i + 1 :]:
        if line is None or BOLD_LEAD.match(line.raw) or line.text.endswith(":"):
            break
        if _question(line.text) or is_example(line.text) or sum(map(len, out)) > 200:
            break
        out.append(line.text)
    return out[:3]


def _mentions(lines: list[_Line | None], i: int, term: str) -> list[str]:
    """A later line of the passage that says more about the term."""
    for line in lines[i + 1 :]:
        if line and not is_example(line.text) and not line.text.endswith(":"):
            if _contains(line.text, term) and len(WORD.findall(line.text)) >= 4:
                return [line.text]
    return []


def _lines(text: str) -> list[_Line | None]:
    """The passage's lines; None marks code, tables and blanks, which never make questions."""
    out: list[_Line | None] = []
    fenced = False
    for line in text.split("\n"):
        stripped = line.strip()
        if FENCE.match(line):
            fenced = not fenced
        bullet = BULLET.match(line)
        raw = (line[bullet.end() :] if bullet else LEAD.sub("", line)).strip()
        if fenced or FENCE.match(line) or not stripped or stripped.startswith(("|", "`")):
            out.append(None)
        elif text := plain(raw):
            out.append(_Line(raw, text, bool(bullet), len(bullet.group(1)) if bullet else 0))
        else:
            out.append(None)
    return out


def plain(raw: str) -> str:
    """Text without emphasis markers, backticks or doubled spaces."""
    text = ITALIC.sub(r"\1", BOLD.sub(r"\1", raw)).replace("`", "").replace("**", "")
    return re.sub(r"\s+", " ", text).strip()


def _text(line: _Line | None) -> str:
    return line.text if line else ""


def leaf(heading: str, depth: int = 1) -> str:
    """A breadcrumb's last (or depth-th from last) part, without emoji or numbering."""
    parts = heading.split(" › ") if heading else []
    if len(parts) < depth:
        return ""
    words = parts[-depth].split()
    while words and not re.search(r"[A-Za-z]", words[0]):
        words.pop(0)
    return plain(re.sub(r"^\d+[.)]\s*", "", " ".join(words))).rstrip(":").strip()


def _question(text: str) -> str | None:
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


def _is_title(lines: list[_Line | None], i: int) -> bool:
    """A non-bullet line directly followed by bullets."""
    line, nxt = lines[i], lines[i + 1] if i + 1 < len(lines) else None
    return line is not None and not line.bullet and nxt is not None and nxt.bullet


def _title_prompt(title: str, context: str, strict: bool = False) -> str | None:
    """The question a title line stands for: 'Types of GR' -> 'What are the types of GR?'."""
    asked = _question(title)
    if asked or not title:
        return asked
    if title.endswith(":"):
        return None  # a lead-in ('Using algorithms like:'), not a topic
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
        return f"How does {' '.join(bare[:-1]) or context} work?"
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


def _is_term(term: str) -> bool:
    """A bold or colon-led phrase that names a term (not 'Key point', 'Example', 'Step1')."""
    words = term.split()
    if not 1 <= len(words) <= 6 or "?" in term or "," in term or not re.search("[A-Za-z]", term):
        return False
    low = term.lower()
    if low in LABEL_TERMS or words[0].lower() in LABEL_LEADS or low.startswith(("step", "eg")):
        return False
    # 'Even more subtle: ...' is a remark; 'Reason are: ...' a lead-in.
    return words[0].lower() not in STOPWORDS | HEDGES and words[-1].lower() not in STOPWORDS


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


def _points(lines: Sequence[_Line | None]) -> list[str]:
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
