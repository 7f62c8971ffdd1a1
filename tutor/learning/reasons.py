"""Why questions: "Why is PE used in transformers?" from a sentence that gives its reason.

The cue words split a sentence into what happens and why: 'B because A', 'B since A',
'B due to A', 'B so that A', 'B in order to A', 'B to <verb> A', 'A, which is why B',
'Since A, B', and 'So/Hence B' after the sentence that gives A. The question is B turned
round ('PE is used …' -> 'Why is PE used …?'); when B will not turn round cleanly, there is
no question. 'It'/'this' as B's subject is the passage's topic, or there is no question.
"""

from __future__ import annotations

import re

from tutor.knowledge.markdown import plain
from tutor.knowledge.passage import Source
from tutor.knowledge.words import STOPWORDS, keywords
from tutor.learning.question import Question, key_terms
from tutor.learning.recall_blocks import WORD, leaf, termlike, trim
from tutor.learning.structure import SENTENCE_END, WHAT_IS, statements

AUX = frozenset("is are was were can could will would should must may might".split())
COPULA = frozenset("is are was were".split())
ADVERBS = frozenset("often usually always also mostly generally typically then not".split())
CONNECTIVES = frozenset(
    "and but so also then finally first second third hence thus therefore usually instead "
    "however".split()
)
OPENERS = frozenset("unlike for in while when if as with after before by".split())
VAGUE = frozenset("this that it these those them".split())
DEMONSTRATIVES = frozenset("these those that them such".split())
NEW_CLAUSE = re.compile(r"(?:but|and|so|which|while|whereas|as|though|although)\b", re.I)
MAX_WORDS = 18
PLURAL_SUBJECTS = frozenset("we you they i".split())
PURPOSE_VERBS = frozenset(
    "keep prevent avoid make reduce improve get help ensure allow create find stop learn "
    "capture process produce increase control maximize minimize predict align train teach "
    "generate follow handle solve speed measure evaluate retrieve store compute calculate "
    "remove add encode represent understand critique rate judge refine scale".split()
)
NOT_PURPOSE = frozenset("how want wants need needs going able has have had tries leads".split())
CUES = (
    (re.compile(r"^(.+?),?\s+which is why\s+(.+)$", re.I), "which"),
    (re.compile(r"^since\s+(.+?),\s+(.+)$", re.I), "since-first"),
    (re.compile(r"^(.+?),?\s+(because|since|due to|so that|in ?order to)\s+(.+)$", re.I), "after"),
)
TO_PURPOSE = re.compile(r"^(.+?\S)\s+to\s+([a-z]+)\b(.*)$")
THEREFORE = re.compile(r"^(?:so|hence|thus|therefore)(?:\s+instead)?,?\s+(.+)$", re.I)
REASON_LEAD = {"because": "Because", "since": "Because", "due to": "Due to", "so that": "So that"}
MAX_PER_PASSAGE = 3
POINTER = re.compile(
    r"^(?:due to|because(?: of)?|since)\s+(?:the|its|their|this|that|a|an)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:flaw|problem|issue|limitation|drawback|weakness|shortcoming|reason|disadvantage)s?"
    r"(?:\s+(?:in|of|with)\s+(?:the\s+)?[\w-]+)?[.,]?$",
    re.I,
)
"""A reason that only points at a cause stated elsewhere ("due to the inherent flaw in SA"):
its answer would not say what the flaw is."""


def why_questions(heading: str, text: str, source: Source) -> list[Question]:
    """The passage's reasons as 'Why …?' questions (a few a passage)."""
    topic = _topic(heading, text)
    out: list[Question] = []
    previous = ""
    for _, line in statements(text):
        for sentence in SENTENCE_END.split(plain(line, squeeze=True)):
            found = reason_of(sentence.strip().rstrip("."), previous)
            previous = sentence
            if not found:
                continue
            what, why = found
            asked = invert(what, topic)
            if asked is None or len(WORD.findall(why)) < 3 or POINTER.match(why):
                continue
            prompt = f"Why {asked}?"
            reference = trim(why[:1].upper() + why[1:].rstrip(",;") + ".", 300)
            terms = key_terms(reference, set(keywords(prompt)) | {"because", "due", "order"})
            if len(terms) >= 2 and all(q.prompt != prompt for q in out):
                rubric = [f"Gives the reason: {trim(reference, 160)}"]
                out.append(Question("why", prompt, reference, terms, source, rubric=rubric))
    return out[:MAX_PER_PASSAGE]


def reason_of(sentence: str, previous: str = "") -> tuple[str, str] | None:
    """(what happens, why) if the sentence gives a reason; `previous` is the sentence before."""
    m = THEREFORE.match(sentence)
    if m and previous and len(WORD.findall(previous)) >= 4:
        said, *rest = re.split(r",\s*", m.group(1), maxsplit=1)
        if rest and not NEW_CLAUSE.match(rest[0]):
            return None  # 'use SGD with momentum, AdaGrad, …': the cut would leave half out
        return said, "Because " + _reason(previous.rstrip("."))
    for pattern, shape in CUES:
        m = pattern.match(sentence)
        if not m:
            continue
        if shape == "which":
            return m.group(2), "Because " + _reason(m.group(1))
        if shape == "since-first":
            return m.group(2), "Because " + _reason(m.group(1))
        cue = m.group(2).lower()
        lead = REASON_LEAD.get(cue, "To")
        return m.group(1), f"{lead} {m.group(3)}"
    m = TO_PURPOSE.match(sentence)
    if m and m.group(2) in PURPOSE_VERBS:
        before = m.group(1).split()[-1].lower()
        if before not in NOT_PURPOSE and len(m.group(1).split()) >= 3:
            return m.group(1), f"To {m.group(2)}{m.group(3)}"
    return None


def invert(clause: str, topic: str = "") -> str | None:
    """A statement turned into the rest of a why question: 'PE is used in X' -> 'is PE used in X'.

    None when its verb cannot be found with confidence, or the question would be vague.
    """
    words = re.sub(r"[,;:]+$", "", clause.strip()).split()
    while words and words[0].lower().strip(",") in CONNECTIVES:
        words = words[1:]
    if len(words) < 3 or len(words) > MAX_WORDS or words[0].lower() in OPENERS:
        return None
    head = 1
    first = words[0].lower()
    if first in DEMONSTRATIVES or (first == "this" and not _verb(words[1])):
        return None  # 'These gradients update …': which ones, another sentence says
    if first in VAGUE | {"they"}:
        if not topic:
            return None
        words, head = [*topic.split(), *words[1:]], len(topic.split())
    asked = _turned(words, head)
    # A question ending on 'in', 'the' or 'this' was cut short or points elsewhere.
    if asked is None or asked.split()[-1].lower().strip("?.") in VAGUE | STOPWORDS:
        return None
    return asked


def _verb(word: str) -> bool:
    """'is', 'can', 'uses': a verb, so the word before it is the subject."""
    low = word.lower()
    return low in AUX or (_third_person(low) and low.isalpha())


def _turned(words: list[str], head: int) -> str | None:
    """The words with their verb brought to the front ('is', 'can', 'does … use', 'do we')."""
    for k in range(head, min(len(words), head + 6)):
        word = words[k].lower()
        rest = words[k + 1 :]
        subject = _lower(" ".join(words[:k]))
        if word in AUX:
            if word in COPULA and not _participle(rest):
                return None  # 'X is a type of Y designed to …' asks nothing clear
            return " ".join([word, subject, *rest])
        if not word.isalpha() or not words[k].islower():
            continue
        if k == 1 and words[0].lower() in PLURAL_SUBJECTS:
            return " ".join(["do", words[0].lower(), *words[k:]])
        if _third_person(word) and _names_a_thing(words[:k]):
            return " ".join(["does", subject, _base(word), *rest])
        if not _names_a_thing([*words[:k], words[k]]):
            return None
    return None


def _participle(rest: list[str]) -> bool:
    """'used in …', 'often used', 'preferred': a passive the question can ask why of."""
    words = [w.lower() for w in rest[:2]]
    while words and words[0] in ADVERBS:
        words = words[1:]
    return bool(words) and (words[0].endswith("ed") or words[0] in ("done", "made", "built"))


def _names_a_thing(words: list[str]) -> bool:
    """A short subject: a name, an acronym or a noun phrase ('variants like LSTMs or GRUs')."""
    return 1 <= len(words) <= 6 and words[0].isalpha() and words[0].lower() not in STOPWORDS


def _third_person(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous"))


def _base(verb: str) -> str:
    """'uses' -> 'use', 'relies' -> 'rely', 'processes' -> 'process', 'has' -> 'have'."""
    if verb == "has":
        return "have"
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("sses", "shes", "ches", "xes", "zes")):
        return verb[:-2]
    return verb[:-1]


def _topic(heading: str, text: str) -> str:
    """What 'it' means in the passage: the term its first line names or asks about, else its
    heading."""
    first = next(
        (plain(line, squeeze=True) for line in text.split("\n") if line.strip()), ""
    ).strip()
    asked = WHAT_IS.match(first.rstrip(":") + ("" if first.endswith("?") else "?"))
    if asked and termlike(asked.group(1)):
        return asked.group(1)
    if termlike(first.rstrip(":")):
        return first.rstrip(":")
    # A heading stands for 'it' only when the passage names it: 'Memory Trick' or 'Level 2'
    # pasted in as a subject makes a question the passage does not ask.
    name = leaf(heading)
    return name if termlike(name) and _named_in(name, text) else ""


def _named_in(name: str, text: str) -> bool:
    """Whether the text names the heading's term, in full, bare or by its acronym."""
    low = plain(text, squeeze=True).lower()
    forms = [name, re.sub(r"\s*\([^)]*\)", "", name), *re.findall(r"\(([^)]+)\)", name)]
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", name))
    if len(initials) >= 2:
        forms.append(initials)
    return any(
        re.search(rf"(?<!\w){re.escape(f.strip().lower())}(?!\w)", low) for f in forms if f.strip()
    )


def _reason(text: str) -> str:
    """A reason clause to follow 'Because': no leading connective, lower-case start."""
    words = text.split()
    while words and words[0].lower().strip(",") in CONNECTIVES:
        words = words[1:]
    return _lower(" ".join(words))


def _lower(text: str) -> str:
    """The text with its first word in lower case, unless that word is part of a name."""
    words = text.split()
    if words and words[0] in ("A", "An", "The"):
        return words[0].lower() + text[len(words[0]) :]  # 'Why is the Decoder used?'
    if not words or any(c.isupper() for c in words[0][1:]):
        return text  # 'RNNs', 'LSTM'
    if len(words) > 1 and words[1][:1].isupper():
        return text  # 'Batch Normalization', 'Prompt Engineering'
    return text[:1].lower() + text[1:]
