"""Reading a passage of notes into units: sentences and merged list items, each with its context.

A unit remembers the heading, title or question it sits under, so a sentence like "It squishes…"
can later be given its subject, and a first answer under a title counts as its definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.knowledge.loaders import OUTPUT_INFO
from tutor.knowledge.markdown import plain
from tutor.knowledge.passage import Passage
from tutor.knowledge.words import keywords, word_count

SCAFFOLD = re.compile(
    r"^\s*(/explain\s+)?((please\s+)?(explain|describe|define|tell me about|teach me)\s+)?"
    r"((what|who)\s+(is|are|was|were)\s+|how\s+(do|does|did|is|are)\s+|why\s+(do|does|is|are)\s+)?"
    r"(the\s+|an?\s+)?",
    re.I,
)
QUESTION = re.compile(r"[?？]$|^(what|how|why|explain|describe|define)\b", re.I)
BULLET = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+")
SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!vs\.)(?<!eg\.)(?<!\.g\.)(?<!\.e\.)\s+(?=[A-Z(\"'*_])|(?<=[。！？])\s*(?=\S)"
)
BOLD_TERM = re.compile(r"^(?:(?:a|an|the)\s+)?\*\*([^*]+?)\*\*", re.I)
LEADS_TO = re.compile(r"\s*(?:→|->|=>|⇒)")
"""An arrow after a term: what it leads to or goes with, not what it is."""
DEFINITION = re.compile(
    # "X is/are …" defines X, but not "X are frozen", "X is trained" (what is done to X).
    r"^((?:[\w’'()/-]+\s+){0,5}?[\w’'()/-]+)\s+(?:(?:is|are)\b"
    r"(?!\s+(?!(?:defined|called|known|referred)\b)[a-z]+(?:ed|en)\b)|refers to|means)\b"
    r"|^([^:=]{2,50}?)\s*[:=](?:\s|(?=[A-Z]))",  # "Term: …", and the notes' "Term:Definition"
    re.I,
)
NAME_ONLY = re.compile(r"\*\*[^*]+\*\*|[^:=]+\([^)]*\)")  # "* **PPO**", "* DPO (Direct …)"
TITLE_NOISE = re.compile(r"^(?:[\W\d_]|[^\x00-\x7f](?=\s))*(?:(?:step|part)\s*\d+\s*:?\s*)?", re.I)
MATH_FENCES = frozenset(["", "math", "latex", "tex", "text"])
"""Fence info strings of formulas and plain text; any other names a programming language."""
LABELS = frozenset("advantages disadvantages pros cons example examples note summary".split())
"""Titles that say what kind of list follows rather than what it is about."""


@dataclass
class Unit:
    """One sentence or merged list of a passage, with what it is about and what it defines."""

    text: str
    rank: int
    terms: set[str]
    scope: set[str]  # words of the heading and of the title or question above the unit
    title: str  # lends a sentence like "It squishes…" its subject
    under: set[str]  # the title's words, when the unit is the first answer under it
    defines: list[tuple[set[str], int]]  # the term it defines: 2 for "X is …", 1 for "X: …"


def asked_concept(query: str) -> str:
    """The concept a question asks about: "What is the softmax function?" → "softmax function".

    Only the question's own scaffolding goes (it reads note titles as well as queries); a
    learner's whole message is read by `tutor.intent.topic.topic_of`."""
    topic = SCAFFOLD.sub("", query.strip(), count=1).strip(" ?.!")
    topic = re.sub(r"\s+(work|mean|do|and (its|their) \w+)$", "", topic, flags=re.I)
    topic = AND_ASKS.sub("", topic)
    return topic or query.strip(" ?.!")


AND_ASKS = re.compile(
    r"\s+and\s+(?:how|why|what|when|where|explain|describe|give|list|its|it'?s|their)\b.*$", re.I
)
"""A second question joined to the first: "What is BP and how does it work?" asks about BP."""


def read_units(passage: Passage, rank: int) -> list[Unit]:
    """The units of a passage, in order; `rank` is the passage's place in the search results."""
    return _Reader(passage, rank).units


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
        self.lead_in = ""  # a sentence ending in ':' that the next unit completes
        self.labels_next = False  # the last line read was a label ("Example:") for what follows
        self.shorts: list[str] = []  # fragments of a list, joined into one unit
        self.units: list[Unit] = []
        self.code: Unit | None = None  # the short code just read, which an output may follow
        self.heading = TITLE_NOISE.sub("", plain(passage.heading.rsplit(" › ", 1)[-1]))
        self.entitle(self.heading)
        fence: list[str] | None = None
        info = ""
        for raw in [*passage.text.splitlines(), ""]:
            line = raw.strip()
            if line.startswith("```"):
                if fence is None:
                    self.flush()
                    fence, info = [], line[3:].strip().lower()
                else:
                    self.fenced(fence, info)
                    fence = None
            elif fence is not None:
                fence.append(line)
            elif not line.startswith(("#", "---", "|", "![")):
                self.read(line)

    def fenced(self, lines: list[str], info: str) -> None:
        """A short fence is a formula or a line of code (a program is no point); a notebook's
        output joins the code it came from, labelled, or goes with it."""
        short = 0 < len(lines) <= 2
        code, self.code = self.code, None
        if info == OUTPUT_INFO:
            if short and code is not None and self.units and self.units[-1] is code:
                code.text += f" → Output: {plain(' / '.join(lines))}"
        elif short:
            # A label names the block right after it only: "Rules:" over a list is not the
            # code two cells on, and "Output:" is not the next cell's code.
            label = self.label if self.labels_next else "" if info in MATH_FENCES else "Code"
            self.add((f"{label}: " if label else "") + " / ".join(lines), formula=True)
            self.code = self.units[-1] if info not in MATH_FENCES else None
        self.label, self.labels_next = "", False

    def read(self, line: str) -> None:
        bullet = bool(BULLET.match(line))
        raw = BULLET.sub("", line).lstrip("> ")
        text = plain(raw)
        words = word_count(text)
        if text:
            self.labels_next = text.endswith((":", "：")) and words < 8
        # "* Grammar" "* Facts" make one list, not scraps; so does "It teaches:\n> "Which …"".
        fragment = words < 4 or (self.label and words < 6 and text[-1] not in ".。")
        listed = bullet or (self.label and not self.shorts)
        if listed and text and text[-1] not in ":：" and fragment:
            self.shorts.append(text.rstrip(".;,"))
            return
        self.flush()
        if not text:
            return
        asks = ":" not in text and QUESTION.search(text)
        if text.endswith((":", "：")) and words < 8:
            self.label, self.fresh = text[:-1], False  # "Input:" introduces an example
        elif bullet and words <= 6 and NAME_ONLY.fullmatch(raw):
            return  # a bare name in a list says nothing about it
        elif (not bullet and words <= 6 and text[-1] not in ".。") or asks:
            self.entitle(text)  # a title, a question, or a prompt ("Explain the parts of RAG.")
        else:
            self.label = self.label if bullet else ""
            for sentence in _sentences(raw):
                self.add(sentence)

    def flush(self) -> None:
        if len(self.shorts) >= 2 or (self.label and self.shorts):
            items = ("; " if any("," in s for s in self.shorts) else ", ").join(self.shorts)
            self.add(f"{self.label or self.title or self.heading}: {items}", listed=True)
        self.shorts = []

    def entitle(self, text: str) -> None:
        """Start a new section: its first sentence usually defines what the title names."""
        self.lead_in = ""
        topic = asked_concept(text) if QUESTION.search(text) else text
        if topic.lower() in LABELS:
            topic = self.heading
        self.title = topic if word_count(topic) <= 6 else ""
        self.scope = set(keywords(self.heading)) | set(keywords(topic))
        self.about, self.fresh, self.label = set(keywords(topic)), True, ""

    def add(self, raw: str, formula: bool = False, listed: bool = False) -> None:
        """One unit; a list's items joined under their title (`listed`) define nothing."""
        text = plain(raw)
        short = word_count(text) < 4 and "=" not in text
        lead_in, self.lead_in = self.lead_in, ""
        if not formula and not listed and text.endswith((":", "：")) and word_count(text) >= 8:
            self.lead_in = text  # "LLMs are trained in three major stages:" says what follows
            return
        if not formula and (text.endswith(("?", ":", "？", "：")) or short):
            return
        if lead_in and not listed:
            text = f"{lead_in} {text}"
        defines = []  # "Long Short Term Memory: Complex, Expensive" (`listed`) defines nothing
        if not listed and (bold := BOLD_TERM.match(raw)):
            if not LEADS_TO.match(raw[bold.end() :]):  # "**L2** → Dense → Weight shrinkage"
                defines.append((set(keywords(bold.group(1))), 2))
        elif not listed and (defined := DEFINITION.match(text)):
            defines.append((set(keywords(defined[1] or defined[2])), 2 - bool(defined[2])))
        under = self.about if self.fresh and not listed else set()
        title = self.label or self.title
        terms = set(keywords(text))
        self.units.append(Unit(text, self.rank, terms, self.scope, title, under, defines))
        self.fresh = False
