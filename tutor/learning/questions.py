"""Quiz questions built from the notes' own structure, for offline mode (no model needed).

Four shapes are read from a passage: a question or title line with the bullets that answer it
(recall), a term stated with its definition (definition, and multiple choice against other
terms' definitions), and a key sentence with its salient term blanked out (cloze).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Literal

from tutor.knowledge.retriever import STOPWORDS, Passage, keywords

QuestionKind = Literal["recall", "definition", "cloze", "choice"]
LABELS = "ABCDEFGH"
BLANK = "_____"
OPTION_BLANK = "___"

FENCE = re.compile(r"^\s*(```|~~~)")
BULLET = re.compile(r"^(\s*)(?:[-+•]\s*|\*\s+|\d+[.)]\s+)")
LEAD = re.compile(r"^\s*(?:>\s*|=+>\s*|👉\s*)+")
BOLD = re.compile(r"\*\*(.+?)\*\*")
ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
WORD = re.compile(r"[A-Za-z0-9][\w'’@^-]*")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(*])")
QUESTION_START = re.compile(
    r"^(what|why|how|when|where|which|who|explain|describe|define|compare|list)\b", re.I
)
BOLD_LEAD = re.compile(r"^(?:(A|An|The)\s+)?\*\*([^*]{2,80}?)\*\*\s*(.*)$")
COLON_DEF = re.compile(r"^([A-Za-z][^:?]{0,45}?)\s*:\s*(\S.*)$")
WHAT_IS = re.compile(r"^What (?:is|are) ((?:a |an )?[^,?]{2,60})\?$")
ACRONYM = re.compile(r"\b[A-Za-z]*[A-Z][a-z]*[A-Z][A-Za-z]*\b")
LABEL_PREFIX = re.compile(r"^\*{1,2}([^*]{1,30}?):?\*{1,2}:\s*|^\*{1,2}([^*]{1,30}?):\*{1,2}\s*")
EXAMPLE = re.compile(
    r"^(?:e\.?g\b|for example\b|example\b"
    r"|(?:prompt|input|output|target|answer|question)\b[^:]{0,3}:)",
    re.I,
)
# A masked definition that opens with its (blanked) subject: 'A ___ (RM) is a ...', '___ uses ...'.
SUBJECT = re.compile(
    r"^(?:(?:A|An|The)\s+)?___(?:\s*\([^)]*\))?\s+(?:(?:is|are|refers to|means)\s+)?"
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
COMMON = frozenset(
    "network neural data layer learning training function output input parameter weight value "
    "task information".split()
)
# 'LangChain is a ...', 'It is a ...': the subject names the answer; the rest describes it.
NAMED_SUBJECT = re.compile(
    r"^(?:[A-Z][\w’'()/-]*(?: [\w’'()/-]+){0,3}) (?:is|are|refers to) (?=(?:a|an|the) )"
)
HEDGES = frozenset("even also just more most less very only so".split())
PRONOUNS = frozenset("you it they this these we he she i there".split())


@dataclass
class Question:
    """One quiz question, its reference answer and where in the notes it comes from."""

    kind: QuestionKind
    prompt: str
    reference: str
    key_terms: list[str]
    source: dict[str, Any]
    options: list[str] = field(default_factory=list)
    answer_index: int | None = None
    rubric: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able fields (the question lives in a graph checkpoint)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """Rebuild from `as_dict` output."""
        index = data.get("answer_index")
        return cls(
            kind=data["kind"],
            prompt=str(data["prompt"]),
            reference=str(data.get("reference", "")),
            key_terms=[str(t) for t in data.get("key_terms", [])],
            source=dict(data.get("source", {})),
            options=[str(o) for o in data.get("options", [])],
            answer_index=None if index is None else int(index),
            rubric=[str(r) for r in data.get("rubric", [])],
        )

    def render(self) -> str:
        """Markdown for the learner: the prompt, then labelled options for multiple choice."""
        if not self.options:
            return self.prompt
        # List items, so Markdown renderers (rich, Slack) keep one option per line.
        lines = [f"- {LABELS[i]}) {option}" for i, option in enumerate(self.options)]
        return "\n".join([self.prompt, "", *lines])


@dataclass(frozen=True)
class _Line:
    raw: str  # without its bullet marker, emphasis kept
    text: str  # readable: emphasis removed
    bullet: bool
    indent: int


@dataclass(frozen=True)
class _Definition:
    term: str
    text: str
    stated: bool  # the notes state it as a definition (else: first point of a recall answer)


@dataclass(frozen=True)
class _Recall:
    prompt: str
    points: tuple[str, ...]


def questions_from_passage(passage: Passage, others: Sequence[Passage] = ()) -> list[Question]:
    """All questions this passage supports; `others` supply distractors for multiple choice."""
    source = {
        "file": passage.file,
        "heading": passage.heading,
        "start_line": passage.start_line,
        "end_line": passage.end_line,
    }
    recalls, definitions = _structure(passage.heading, passage.text)
    out = [q for r in recalls if (q := _recall_question(r, source))]
    asked = {_norm(m.group(1)) for r in recalls if (m := WHAT_IS.match(r.prompt))}
    for d in definitions:
        if d.stated and _norm(d.term) not in asked and (q := _definition_question(d, source)):
            out.append(q)
    pool = list(definitions)
    for other in others:
        if other is not passage:
            pool += _structure(other.heading, other.text)[1]
    out += [q for d in definitions if (q := _choice_question(d, pool, source))]
    out += _clozes(passage.heading, passage.text, recalls, source)
    return out


def pick_question(
    passages: Sequence[Passage],
    rng: random.Random,
    avoid: Collection[str] = (),
    focus: int | None = None,
) -> Question | None:
    """A varied pick: a random kind, then a question of it, leaning to the first passages.

    Only the first `focus` passages are asked about (all of them by default); the rest
    still supply wrong options for multiple choice.
    """
    pool: dict[str, tuple[int, Question]] = {}
    for rank, passage in enumerate(passages[:focus]):
        others = [p for p in passages if p is not passage]
        for q in questions_from_passage(passage, others):
            if q.prompt not in avoid and q.prompt not in pool:
                pool[q.prompt] = (rank, q)
    if not pool:
        return None
    kind = rng.choice(sorted({q.kind for _, q in pool.values()}))
    ranked = [(rank, q) for rank, q in pool.values() if q.kind == kind]
    weights = [1.0 / (1 + rank) for rank, _ in ranked]
    return rng.choices(ranked, weights=weights)[0][1]


def _recall_question(recall: _Recall, source: dict[str, Any]) -> Question | None:
    """The question or title line; its bullets are the reference answer."""
    reference = _join(recall.points, 450)
    terms = _key_terms(reference, set(keywords(recall.prompt)))
    if len(terms) < 3:
        return None
    rubric = [_trim(p, 160) for p in recall.points[:4]]
    return Question("recall", recall.prompt, reference, terms, source, rubric=rubric)


def _definition_question(d: _Definition, source: dict[str, Any]) -> Question | None:
    """ "What is <term>?" with the notes' definition as the reference."""
    prompt = f"What {'are' if _plural(d.term) else 'is'} {d.term}?"
    terms = _key_terms(d.text, set(keywords(d.term)))
    if len(terms) < 3:
        return None
    return Question("definition", prompt, d.text, terms, source, rubric=[_trim(d.text, 160)])


def _choice_question(
    d: _Definition, pool: Sequence[_Definition], source: dict[str, Any]
) -> Question | None:
    """The definition among three others' definitions; None without three distinct ones."""
    answer = _masked(d)
    seen = {_norm(answer)}
    distractors: list[str] = []
    for other in pool:
        text = _masked(other)
        if _norm(text) in seen or _related(d, other) or len(WORD.findall(text)) < 4:
            continue
        seen.add(_norm(text))
        distractors.append(text)
        if len(distractors) == 8:
            break
    if len(distractors) < 3:
        return None
    # Seeded by the definition, so the same question always shows the same order.
    seed = int(hashlib.sha256(f"{d.term}\n{d.text}".encode()).hexdigest()[:12], 16)
    rng = random.Random(seed)
    options = [answer, *rng.sample(distractors, 3)]
    rng.shuffle(options)
    return Question(
        "choice",
        f"Which of these describes {d.term}?",
        d.text,
        _key_terms(d.text, set(keywords(d.term))),
        source,
        options=options,
        answer_index=options.index(answer),
        rubric=[f"Picks: {answer}"],
    )


def _clozes(
    heading: str, text: str, recalls: Sequence[_Recall], source: dict[str, Any]
) -> list[Question]:
    """Key sentences with one salient term blanked (at most three a passage, best terms first)."""
    topics = _topic_terms([_leaf(heading), *(r.prompt for r in recalls)])
    lines = _lines(text)
    found: list[tuple[int, int, Question]] = []
    for n, line in enumerate(lines):
        if line is None or _is_example(line.text) or _question(line.text) or _is_title(lines, n):
            continue
        if _bold_definition(lines, n) or _colon_definition(line):
            continue  # a definition line is asked as a definition already
        for sentence in SENTENCE_END.split(_unlabelled(line.raw)):
            bold = [(0, _bare(_plain(b))) for b in BOLD.findall(sentence)]
            picked = _cloze(_plain(sentence), [*bold, *topics], source)
            if picked:
                found.append((picked[0], n, picked[1]))
    return [q for _, _, q in sorted(found, key=lambda f: f[:2])[:3]]


def _cloze(
    sentence: str, candidates: list[tuple[int, str]], source: dict[str, Any]
) -> tuple[int, Question] | None:
    """The sentence with its best candidate term blanked, if it is a key sentence."""
    if len(WORD.findall(sentence)) < 8 or sentence.endswith(("?", ":")) or _is_example(sentence):
        return None
    candidates += [(2, a) for a in ACRONYM.findall(sentence)]
    picked = _salient(sentence, sorted(candidates, key=lambda c: c[0]))
    if picked is None:
        return None
    tier, term = picked
    blanked = _blank_pattern(term).sub(BLANK, sentence)
    if len(re.findall(r"[A-Za-z]{2,}", blanked)) < 6:
        return None
    key = " ".join(keywords(term.replace("-", " ")))
    prompt = f"Fill in the blank: {blanked}"
    return tier, Question("cloze", prompt, term, [key], source, rubric=[f"Gives the term: {term}"])


def _blank_pattern(term: str) -> re.Pattern[str]:
    """The term as a whole word; a hyphenated word counts as one ('Fine-tuning')."""
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.I)


@lru_cache(maxsize=1024)
def _structure(heading: str, text: str) -> tuple[tuple[_Recall, ...], tuple[_Definition, ...]]:
    """The recall blocks and definitions a passage holds (cached: `others` repeat a lot)."""
    lines = _lines(text)
    recalls = _recalls(heading, lines)
    definitions = _stated_definitions(heading, lines)
    known = {_norm(d.term) for d in definitions}
    for r in recalls:
        m = WHAT_IS.match(r.prompt)
        term = m.group(1).strip() if m else ""
        if not term or len(term.split()) > 6 or _norm(term) in known:
            continue
        if re.search(r"\b(how|and|explain|the)\b", term, re.I) or term.split()[0] in GROUPS:
            continue
        if len(WORD.findall(r.points[0])) >= 6:
            definitions.append(_Definition(term, _trim(r.points[0], 250), stated=False))
    return tuple(recalls), tuple(definitions)


def _recalls(heading: str, lines: list[_Line | None]) -> list[_Recall]:
    """Question or title lines followed by bullets; a question heading asks the whole passage."""
    leaf = _leaf(heading)
    if leaf.endswith("?") and (asked := _question(leaf)):
        points = _points(lines)
        return [_Recall(asked, tuple(points))] if points else []
    out: list[_Recall] = []
    titles = [i for i, line in enumerate(lines) if _is_title(lines, i)]
    for i, end in zip(titles, [*titles[1:], len(lines)][: len(titles)], strict=True):
        block = lines[i + 1 : end]
        if None in block:
            block = block[: block.index(None)]
        prompt = _title_prompt(_text(lines[i]), leaf)
        points = _points(block)
        if prompt and points:
            out.append(_Recall(prompt, tuple(points)))
    first = next((line for line in lines if line is not None), None)
    if first is not None and first.bullet:
        # A passage that opens with bullets answers its heading, if the bullets are about it.
        prompt = _title_prompt(leaf, _leaf(heading, 2), strict=True)
        points = _points(lines)
        about = set(keywords(leaf)) - GENERIC
        if (
            prompt
            and points
            and (points[0].split()[0] in ("It", "They", "This") or about & set(keywords(points[0])))
        ):
            out.append(_Recall(prompt, tuple(points)))
    return out


def _stated_definitions(heading: str, lines: list[_Line | None]) -> list[_Definition]:
    """Bold terms with their definitions, `Term: definition` bullets, a term heading's prose."""
    found: list[_Definition | None] = []
    aspects = False  # bullets answering 'How does X affect Y?' name aspects, not terms
    for i, line in enumerate(lines):
        if _is_title(lines, i):
            aspects = bool(re.match(r"(how|why)\b", _text(line), re.I))
        found.append(_bold_definition(lines, i) or (None if aspects else _colon_definition(line)))
    found.append(_heading_definition(heading, lines))
    out: list[_Definition] = []
    for d in found:
        if d is not None and not any(_same_term(d, x) for x in out):
            out.append(d)
    return out


def _same_term(a: _Definition, b: _Definition) -> bool:
    """Whether two definitions name the same thing ('RLAIF' and 'Constitutional AI (RLAIF)')."""
    ka = set(keywords(" ".join(_variants(a.term)))) - GENERIC
    return _norm(a.term) == _norm(b.term) or bool(ka & set(keywords(" ".join(_variants(b.term)))))


def _bold_definition(lines: list[_Line | None], i: int) -> _Definition | None:
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
        term = _plain(inner).rstrip(":").strip()
        if not _is_term(term):
            continue
        rest = " ".join([m.group(3), *segments[k + 1 :]]).strip()
        sep = re.match(r"^[:=\-–—→]+\s*", rest)
        if sep or inner.endswith(":") or not rest:
            body = [rest[sep.end() :] if sep else rest, *_continuation(lines, i)]
        else:
            body = [f"{m.group(1) or ''} {inner} {rest}", *_mentions(lines, i, term)]
        text = _join([p for b in body if (p := _plain(b))], 400)
        if len(WORD.findall(text)) >= 6:
            return _Definition(term, text, stated=True)
    return None


def _colon_definition(line: _Line | None) -> _Definition | None:
    """A top-level bullet `Term: Definition ...`."""
    if line is None or not line.bullet or line.indent or line.raw.startswith("**"):
        return None
    m = COLON_DEF.match(line.text)
    if not m:
        return None
    term, body = m.group(1).strip(), m.group(2).strip()
    if not _is_term(term) or len(term.split()) > 5 or not body[0].isupper():
        return None
    return _Definition(term, _trim(body, 400), True) if len(WORD.findall(body)) >= 6 else None


def _heading_definition(heading: str, lines: list[_Line | None]) -> _Definition | None:
    """A heading that names a term, when the passage opens with prose describing it."""
    term = _leaf(heading).split("=")[0].strip()
    first = next((line for line in lines if line is not None), None)
    if not term or first is None or first.bullet or not _termlike(term, strict=True):
        return None
    text = first.text
    if text.endswith(":") or _question(text) or _is_example(text) or len(WORD.findall(text)) < 6:
        return None
    if text.split()[0].lower() in PRONOUNS or not text[0].isupper():
        return None
    return _Definition(term, _trim(" ".join(SENTENCE_END.split(text)[:2]), 300), True)


def _continuation(lines: list[_Line | None], i: int) -> list[str]:
    """The lines that carry a definition on, up to the next term, label, question or code."""
    out: list[str] = []
    for line in lines[i + 1 :]:
        if line is None or BOLD_LEAD.match(line.raw) or line.text.endswith(":"):
            break
        if _question(line.text) or _is_example(line.text) or sum(map(len, out)) > 200:
            break
        out.append(line.text)
    return out[:3]


def _mentions(lines: list[_Line | None], i: int, term: str) -> list[str]:
    """A later line of the passage that says more about the term."""
    for line in lines[i + 1 :]:
        if line and not _is_example(line.text) and not line.text.endswith(":"):
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
        elif text := _plain(raw):
            out.append(_Line(raw, text, bool(bullet), len(bullet.group(1)) if bullet else 0))
        else:
            out.append(None)
    return out


def _plain(raw: str) -> str:
    """Text without emphasis markers, backticks or doubled spaces."""
    text = ITALIC.sub(r"\1", BOLD.sub(r"\1", raw)).replace("`", "").replace("**", "")
    return re.sub(r"\s+", " ", text).strip()


def _text(line: _Line | None) -> str:
    return line.text if line else ""


def _leaf(heading: str, depth: int = 1) -> str:
    """A breadcrumb's last (or depth-th from last) part, without emoji or numbering."""
    parts = heading.split(" › ") if heading else []
    if len(parts) < depth:
        return ""
    words = parts[-depth].split()
    while words and not re.search(r"[A-Za-z]", words[0]):
        words.pop(0)
    return _plain(re.sub(r"^\d+[.)]\s*", "", " ".join(words))).rstrip(":").strip()


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
    if not _termlike(t, strict):
        return None
    if _plural(t):
        return f"What are {'the ' if len(words) > 1 else ''}{t}?"
    return f"What is {t}?"


def _termlike(text: str, strict: bool = False) -> bool:
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


def _plural(term: str) -> bool:
    """Whether the head noun is plural ('Evaluation Metrics for Retrieval')."""
    words = re.sub(r"\s*\(.*?\)", "", term).split() or [term]
    head = words[-1]
    for i, w in enumerate(words[1:], 1):
        if w.lower() in ("of", "for", "in", "with"):
            head = words[i - 1]
            break
    low = head.lower()
    return len(head) > 3 and low.endswith("s") and not low.endswith("ss") and not head.isupper()


def _is_example(text: str) -> bool:
    """Example, prompt and input/output lines: illustrations, not facts to quiz."""
    return bool(EXAMPLE.match(text))


def _points(lines: Sequence[_Line | None]) -> list[str]:
    """Readable answer points; a lead-in ending in ':' joins the point after it."""
    points: list[str] = []
    pending = ""
    for line in lines:
        if line is None or _is_example(line.text):
            pending = ""
        elif line.text.endswith(":"):
            pending = line.text
        else:
            points.append(f"{pending} {line.text}".strip())
            pending = ""
    return points


def _join(points: Sequence[str], limit: int) -> str:
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
    return _trim(out, limit)


def _trim(text: str, limit: int) -> str:
    """Cut at a sentence end (or a word, with an ellipsis) to at most `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if end >= limit // 3:
        return cut[: end + 1]
    return cut[: cut.rfind(" ")].rstrip(",;:") + "…"


def _key_terms(reference: str, exclude: set[str]) -> list[str]:
    """The reference's most telling words: frequent, early, technical, long; 6 at most."""
    tokens = keywords(reference)
    early = set(keywords(SENTENCE_END.split(reference)[0]))
    tokens = [t for t in tokens if "'" not in t]
    counts = Counter(
        t for t in tokens if t not in exclude and t not in WEAK and len(t) > 2 and not t.isdigit()
    )
    technical = {k for w in WORD.findall(reference) if ACRONYM.fullmatch(w) for k in keywords(w)}
    first_seen = {t: i for i, t in reversed(list(enumerate(tokens)))}

    def weight(t: str) -> float:
        common = t in COMMON  # every passage of ML notes says 'network', so it tells little
        return counts[t] + (t in early) + 0.5 * (t in technical) + min(len(t), 10) / 10 - common

    return sorted(counts, key=lambda t: (-weight(t), first_seen[t]))[:6]


def _topic_terms(sources: Sequence[str]) -> list[tuple[int, str]]:
    """Terms a passage is about (from its heading and titles), tiered: phrases 1, words 3."""
    out: list[tuple[int, str]] = []
    for text in sources:
        bare = _bare(text).strip(" ?.:")
        if _termlike(bare):
            out.append((1, bare))
        out += [(1, inner) for inner in re.findall(r"\(([^)]{2,40})\)", text)]
        for w in re.findall(r"[A-Za-z][\w-]*", bare):
            if ACRONYM.fullmatch(w):
                out.append((1, w))
            elif len(w) >= 4 and w.lower() not in GENERIC | WEAK and not QUESTION_START.match(w):
                # Describing words ('adaptive', 'varying', 'neural') make guessing games.
                if not re.search(r"(ing|ive|al|ed|ous|ful|less|ly)$", w.lower()):
                    out.append((3, w))
    return out


def _salient(sentence: str, candidates: Sequence[tuple[int, str]]) -> tuple[int, str] | None:
    """The first candidate the sentence mentions, as written there, with its tier."""
    for tier, term in candidates:
        if len(term) < 2 or term.lower() in GENERIC or term.lower() in STOPWORDS:
            continue
        m = _blank_pattern(term).search(sentence)
        if m and len(m.group(0)) < len(sentence) // 2:
            return tier, m.group(0)
    return None


def _unlabelled(raw: str) -> str:
    """A line without a leading bold label such as '**Key point:**' (a bold term stays)."""
    m = LABEL_PREFIX.match(raw)
    return raw[m.end() :] if m and not _is_term(m.group(1) or m.group(2) or "") else raw


def _bare(text: str) -> str:
    return re.sub(r"\s*\([^)]*\)", "", text).strip()


def _variants(term: str) -> list[str]:
    """A term, its form without the parenthesis, and what the parenthesis holds."""
    term = re.sub(r"^(?:a|an|the)\s+", "", term, flags=re.I)
    acronyms = [w for w in re.findall(r"\b[A-Z]{2,}\b", term) if w.lower() not in GENERIC]
    found = [term, _bare(term), *re.findall(r"\(([^)]+)\)", term), *acronyms]
    return sorted({v.strip() for v in found if len(v.strip()) >= 2}, key=len, reverse=True)


def _masked(d: _Definition) -> str:
    """The definition as an option: its own term blanked, a leading 'X is' dropped."""
    text = d.text
    # The term's own telling words go too ('Normalization is ...' would give 'Layer Normalization').
    words = [w for w in re.findall(r"[A-Za-z][\w-]{4,}", _bare(d.term)) if w.lower() not in WEAK]
    for v in [*_variants(d.term), *(w for w in words if w.lower() not in GENERIC)]:
        text = re.sub(rf"(?<![\w-]){re.escape(v)}s?(?![\w-])", OPTION_BLANK, text, flags=re.I)
    text = re.sub(r"___(?:\s*___)+", OPTION_BLANK, text).strip()
    m = SUBJECT.match(text) or NAMED_SUBJECT.match(text)
    text = text[m.end() :] if m else text
    if re.match(r"[a-z][a-z ]", text):  # a sentence, not a formula such as 'f(x)=...'
        text = text[:1].upper() + text[1:]
    return _trim(text, 220)


def _related(a: _Definition, b: _Definition) -> bool:
    """Whether b is about the same thing as a, or names it (so it cannot be a wrong option)."""
    return _same_term(a, b) or _names(b.text, a.term) or _names(a.text, b.term)


def _names(text: str, term: str) -> bool:
    """Whether the text mentions the term (any of its forms, plural or not)."""
    have = set(keywords(text))
    for variant in _variants(term):
        wanted = set(keywords(variant)) - GENERIC
        if wanted and wanted <= have:
            return True
    return False


def _contains(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.I) is not None


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
