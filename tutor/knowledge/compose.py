"""Offline explanations: a lead definition and key points drawn from passages, with sources.

Extractive, not generative: every sentence shown is the learner's own, trimmed of Markdown
noise, deduplicated across passages, and numbered back to the passage it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tutor.knowledge.retriever import Passage, keywords

SCAFFOLD = re.compile(
    r"^\s*(/explain\s+)?((please\s+)?(explain|describe|define|tell me about|teach me)\s+)?"
    r"((what|who)\s+(is|are|was|were)\s+|how\s+(do|does|did|is|are)\s+|why\s+(do|does|is|are)\s+)?"
    r"(the\s+|an?\s+)?",
    re.I,
)
QUESTION = re.compile(r"\?$|^(what|how|why|explain|describe|define)\b", re.I)
COMPARE = re.compile(r"\b(vs\.?|versus|compared?|differences?|differ)\b", re.I)
BULLET = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+")
EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
SENTENCE_END = re.compile(r"(?<=[.!?])(?<!vs\.)(?<!eg\.)(?<!\.g\.)(?<!\.e\.)\s+(?=[A-Z(\"'*_])")
BOLD_TERM = re.compile(r"^(?:(?:a|an|the)\s+)?\*\*([^*]+?)\*\*", re.I)
DEFINITION = re.compile(
    r"^((?:[\w’'()/-]+\s+){0,5}?[\w’'()/-]+)\s+(?:is|are|refers to|means)\b"
    r"|^([^:=]{2,50}?)\s*[:=]\s",
    re.I,
)
# Sentences that lean on their title for a subject: "It squishes…", "Solves vanishing…".
PRONOUN = r"(?i:it|its|this|these|they|those|but|and|so)\b"
DANGLING = re.compile(
    rf"^(?:{PRONOUN}"
    r"|[A-Za-z][a-z]*[^s'\W]s\s(?!(?:are|were|have|can|may|will|that|which|of|in|and|to)\b))"
)
NAME_ONLY = re.compile(r"\*\*[^*]+\*\*|[^:=]+\([^)]*\)")  # "* **PPO**", "* DPO (Direct …)"
TITLE_NOISE = re.compile(r"^(?:[\W\d_]|[^\x00-\x7f](?=\s))*(?:(?:step|part)\s*\d+\s*:?\s*)?", re.I)
GENERIC = frozenset("function model problem method network process use work way type thing".split())
"""Words too common in study notes to show that a sentence is about the topic."""
COMPARING = frozenset("vs versus compare compared difference differ".split())
LABELS = frozenset("advantages disadvantages pros cons example examples note summary".split())
"""Titles that say what kind of list follows rather than what it is about."""
MAX_POINT = 240
MAX_LEAD = 320
SIMILAR = 0.6


@dataclass
class KeyPoint:
    """One point of an explanation and the source it came from."""

    text: str
    source: int


@dataclass
class Explanation:
    """A structured extractive explanation; sources are numbered in order of first use."""

    topic: str
    lead: str = ""
    lead_source: int = 0
    points: list[KeyPoint] = field(default_factory=list)
    sources: list[Passage] = field(default_factory=list)

    def to_markdown(self) -> str:
        """The explanation as Markdown: topic, lead, key points, numbered sources."""
        if not self.sources:
            return f"Your notes don't say anything about {self.topic}."
        parts = [f"**{self.topic[:1].upper()}{self.topic[1:]}**"]
        if self.lead:
            parts.append(f"{self.lead} [{self.lead_source}]")
        if self.points:
            bullets = "\n".join(f"- {p.text} [{p.source}]" for p in self.points)
            parts.append(f"**Key points**\n{bullets}")
        # A list, because rich Markdown joins plain consecutive lines into one paragraph.
        cited = "\n".join(f"- [{n}] {p.citation}" for n, p in enumerate(self.sources, start=1))
        parts.append(f"**Sources**\n{cited}")
        return "\n\n".join(parts)


@dataclass
class _Unit:
    text: str
    rank: int
    terms: set[str]
    scope: set[str]  # words of the heading and of the title or question above the unit
    title: str  # lends a sentence like "It squishes…" its subject
    under: set[str]  # the title's words, when the unit is the first answer under it
    defines: list[tuple[set[str], int]]  # the term it defines: 2 for "X is …", 1 for "X: …"


def topic_of(query: str) -> str:
    """The concept a question asks about: "What is the softmax function?" → "softmax function"."""
    topic = SCAFFOLD.sub("", query.strip(), count=1).strip(" ?.!")
    topic = re.sub(r"\s+(work|mean|do|and (its|their) \w+)$", "", topic, flags=re.I)
    return topic or query.strip(" ?.!")


def plain(text: str) -> str:
    """Text without Markdown emphasis markers or inline code ticks."""
    text = EMPHASIS.sub(lambda m: m.group(2) or m.group(3), text)
    return text.replace("**", "").replace("`", "").strip()


def _sentences(text: str) -> list[str]:
    """The sentences of a line, never split inside a quotation."""
    out: list[str] = []
    for piece in SENTENCE_END.split(text):
        if out and (out[-1].count('"') % 2 or out[-1].count("“") > out[-1].count("”")):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


class _Reader:
    """Splits a passage into units, tracking the title or question each line sits under."""

    def __init__(self, passage: Passage, rank: int) -> None:
        self.rank, self.label = rank, ""
        self.shorts: list[str] = []  # fragments of a list, joined into one unit
        self.units: list[_Unit] = []
        self.heading = TITLE_NOISE.sub("", plain(passage.heading.rsplit(" › ", 1)[-1]))
        self.entitle(self.heading)
        fence: list[str] | None = None
        for raw in [*passage.text.splitlines(), ""]:
            line = raw.strip()
            if line.startswith("```"):
                if fence is not None and 0 < len(fence) <= 2:  # a formula, not a program
                    label = f"{self.label}: " if self.label else ""
                    self.add(label + " / ".join(fence), formula=True)
                fence = None if fence is not None else []
            elif fence is not None:
                fence.append(line)
            elif not line.startswith(("#", "---", "|", "![")):
                self.read(line)

    def read(self, line: str) -> None:
        bullet = bool(BULLET.match(line))
        raw = BULLET.sub("", line).lstrip("> ")
        text = plain(raw)
        words = len(text.split())
        # "* Grammar" "* Facts" make one list, not scraps; so does "It teaches:\n> "Which …"".
        fragment = words < 4 or (self.label and words < 6 and text[-1] != ".")
        if (bullet or (self.label and not self.shorts)) and text and text[-1] != ":" and fragment:
            self.shorts.append(text.rstrip(".;,"))
            return
        self.flush()
        if not text:
            return
        asks = ":" not in text and QUESTION.search(text)
        if text.endswith(":") and words < 8:
            self.label, self.fresh = text[:-1], False  # "Input:" introduces an example
        elif bullet and words <= 6 and NAME_ONLY.fullmatch(raw):
            return  # a bare name in a list says nothing about it
        elif (not bullet and words <= 6 and text[-1] != ".") or asks:
            self.entitle(text)  # a title, a question, or a prompt ("Explain the parts of RAG.")
        else:
            self.label = self.label if bullet else ""
            for sentence in _sentences(raw):
                self.add(sentence)

    def flush(self) -> None:
        if len(self.shorts) >= 2 or (self.label and self.shorts):
            items = ("; " if any("," in s for s in self.shorts) else ", ").join(self.shorts)
            self.add(f"{self.label or self.title or self.heading}: {items}")
        self.shorts = []

    def entitle(self, text: str) -> None:
        """Start a new section: its first sentence usually defines what the title names."""
        topic = topic_of(text) if QUESTION.search(text) else text
        if topic.lower() in LABELS:
            topic = self.heading
        self.title = topic if len(topic.split()) <= 6 else ""
        self.scope = set(keywords(self.heading)) | set(keywords(topic))
        self.about, self.fresh, self.label = set(keywords(topic)), True, ""

    def add(self, raw: str, formula: bool = False) -> None:
        text = plain(raw)
        if not formula and (text.endswith(("?", ":")) or len(text.split()) < 4 and "=" not in text):
            return
        defines = []
        if bold := BOLD_TERM.match(raw):
            defines.append((set(keywords(bold.group(1))), 2))
        elif defined := DEFINITION.match(text):
            defines.append((set(keywords(defined[1] or defined[2])), 2 - bool(defined[2])))
        under = self.about if self.fresh else set()
        title = self.label or self.title
        terms = set(keywords(text))
        self.units.append(_Unit(text, self.rank, terms, self.scope, title, under, defines))
        self.fresh = False


def _near(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)  # "vanish" ~ "vanishing", but "token" !~ "tokenization"
    close = len(long) - len(short) <= 4 or len(short) >= 7  # "backprop" ~ "backpropagation"
    return a == b or (len(short) >= 5 and close and long.startswith(short))


def overlap(terms: set[str], wanted: set[str]) -> int:
    """How many wanted words the terms contain."""
    return sum(any(_near(t, w) for t in terms) for w in wanted)


def _lead_score(unit: _Unit, wanted: set[str], named: set[str], compare: bool) -> float:
    """How well a unit introduces the topic; a definition of exactly the topic scores highest."""
    own = overlap(unit.terms, wanted) / len(wanted)
    # "reward modeling" is not "reward model"; a defined term with more words is narrower.
    defines = [
        3 * len(about & named) / len(named) - 0.3 * len(about - named) + form
        for about, form in unit.defines
    ]
    if unit.under:  # the first answer under a title or question defines what it names
        defines.append(3 * len(unit.under & named) / len(named) + 2)
    if compare:  # a comparison is best introduced by the sentence that names both sides
        forms = [form for _, form in unit.defines] + [2] * bool(unit.under)
        return 3 * own + max(forms, default=0) - 0.2 * unit.rank
    words = len(unit.text.split())
    brevity = 2 if words < 5 else 0.5 if words < 8 else 0  # a bare name defines nothing
    return max(defines, default=0.0) + own - 0.2 * unit.rank - brevity


def _repeats(unit: _Unit, seen: list[_Unit]) -> bool:
    """Whether a unit says again what one already chosen says (same words, or contained)."""
    for other in seen:
        a, b, union = unit.text.lower(), other.text.lower(), unit.terms | other.terms
        if a in b or b in a or len(unit.terms & other.terms) >= SIMILAR * len(union) > 0:
            return True
    return False


def _pick(ranked: list[_Unit], opening: list[_Unit], max_points: int) -> list[_Unit]:
    """Up to max_points distinct units, spread over passages first, in order of relevance."""
    chosen: list[_Unit] = []
    for per_passage in (max(2, (max_points + 1) // 2), max_points):
        for unit in ranked:
            crowded = sum(c.rank == unit.rank for c in chosen) >= per_passage
            if len(chosen) < max_points and not crowded and not _repeats(unit, opening + chosen):
                chosen.append(unit)
    return sorted(chosen, key=ranked.index)


def _subjected(unit: _Unit, wanted: set[str] | None = None) -> str:
    """The unit's text, given its title when it has no subject of its own (or lacks the topic)."""
    text = unit.text
    orphan = DANGLING.match(text) or (wanted is not None and not overlap(unit.terms, wanted))
    if orphan and unit.title and not set(keywords(unit.title)) <= unit.terms:
        lower = text[:1].lower() if text[1:2].islower() else text[:1]
        text = f"{unit.title}: {lower}{text[1:]}"
    return text


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _lead(units: list[_Unit], lead: _Unit) -> list[_Unit]:
    """The lead, and the sentence after it when that carries on: "X = …. It teaches …"."""
    after = units[units.index(lead) + 1 : units.index(lead) + 2]
    brief = len(lead.text.split()) < 10
    if brief and after and after[0].rank == lead.rank and re.match(PRONOUN, after[0].text):
        return [lead, after[0]]
    return [lead]


def _relevant_units(passages: list[Passage], wanted: set[str]) -> list[_Unit]:
    """Units about the topic, from passages naming enough of it: "KL penalty", not "L2 penalty"."""
    covers = [overlap(set(keywords(f"{p.heading}\n{p.text}")), wanted) for p in passages]
    need = len(wanted) if len(wanted) <= 2 else -(-2 * len(wanted) // 3)
    need = min(need, max(covers, default=0))
    return [
        u
        for rank, p in enumerate(passages)
        if covers[rank] >= need
        for u in _Reader(p, rank).units
        if overlap(u.terms | u.scope, wanted)
    ]


def compose_explanation(query: str, passages: list[Passage], max_points: int = 6) -> Explanation:
    """An explanation of `query` from ranked passages: lead, deduplicated points, sources."""
    topic = topic_of(query)
    compare = bool(COMPARE.search(topic))
    named = set(keywords(topic)) - COMPARING
    wanted = named - GENERIC or named
    units = _relevant_units(passages, wanted) if wanted else []
    if not units:
        return Explanation(topic)
    lead = max(units, key=lambda u: _lead_score(u, wanted, named, compare))
    ranked = sorted(units, key=lambda u: (-overlap(u.terms | u.scope, wanted), u.rank))
    opening = _lead(units, lead)
    chosen = [*opening, *_pick(ranked, opening, max_points)]
    used = list(dict.fromkeys(u.rank for u in chosen))  # passages in order of first use
    points = [
        KeyPoint(_clip(_subjected(u), MAX_POINT), used.index(u.rank) + 1)
        for u in chosen[len(opening) :]
    ]
    first = _subjected(lead, wanted)
    lead_text = " ".join([first.rstrip(".") + ".", *(u.text for u in opening[1:])])
    lead_text = _clip(lead_text if len(opening) > 1 else first, MAX_LEAD)
    return Explanation(topic, lead_text, 1, points, [passages[rank] for rank in used])
