"""Concept names as the notes write them: cleaned, judged worth studying, compared.

A heading, title line or bold term becomes a name here, or nothing. Dropped, because a learner
studies none of them: headings made only of words that file or label a section
("Introduction", "Notes", "Summary", "Example Use Case", "Beginner Level: Core Concepts",
"Memory Trick"); numbered labels ("Q1", "Mitigation #1"); examples ("eg1.deepseek …");
questions other than "What is X?" ("Why RLHF Is Needed", "How It Learns": they ask about the
concept above them, and their passages stay with it). Reduced to the thing they name:
"step2: Tokenization" (Tokenization), "What Is Pretraining?" (Pretraining), "Types of
Transfer Learning" (Transfer Learning), "RLHF upside" and "Encoder Working" (RLHF, Encoder),
"Regularization = Preventing Overfitting" (Regularization). "X and Y" names two concepts, and
"X vs Y" two concepts compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from tutor.knowledge.aliases import ABBREVIATION, SHORT_NAME, key, spells
from tutor.knowledge.markdown import plain
from tutor.knowledge.words import STOPWORDS, one_edit
from tutor.learning.on_topic import same_word
from tutor.learning.recall_blocks import GENERIC
from tutor.learning.structure import HEDGES, LABEL_LEADS, LABEL_TERMS, PLACE

FILING = frozenset(
    "introduction intro notes note summary overview conclusion conclusions important others "
    "other misc miscellaneous example examples use case cases simple explanation memory trick "
    "next topics topic learn one-line one line comparison level beginner intermediate advanced "
    "core concepts concept big picture upside downside approach naive advantages used "
    "disadvantages applications real-world world definition definitions key points point tips "
    "questions question answers answer review recap basics general high low actually works "
    "system-level understanding mathematical view real end table contents references links "
    "todo what why how when which where who data".split()
)
"""Words that file or label a section; a name made only of these (and stopwords) names nothing
to study, nor does one `GENERIC` word alone."""
TAIL = frozenset(
    "approach upside downside working workings overview basics explained steps".split()
)
"""Trailing words that make a heading an aspect of the concept before them ("RLHF upside")."""
LABELLED = re.compile(r"^(?:q|question|part|chapter|section)\s*\d+\b|#\s*\d+$", re.I)
EXAMPLE = re.compile(r"^(?:eg|e\.g|example)\s*\d*\s*[.:]", re.I)
STEP = re.compile(r"^(?:step|stage|phase|part)\s*\d+\s*[:.)-]\s*", re.I)
EQUATED = re.compile(r"^\s*([A-Z][A-Za-z-]*(?:\s+[A-Z][A-Za-z-]*){0,4})\s*$")
"""The right side of "Regularization = Preventing Overfitting": another name in capitals,
not a formula ("Loss = MSE + L2")."""
ASPECT = re.compile(
    r"^(?:types?|kinds?|limitations?|advantages?|disadvantages?|applications?|challenges?"
    r"|components?|uses?|need|needs|role|purpose|importance)\s+(?:of|in|for)\s+(?:the\s+)?(.+)$",
    re.I,
)
WHAT_IS = re.compile(
    r"^(?:what\s+(?:is|are)|explain|describe|define)\s+(?:an?\s+|the\s+)?(.+?)"
    r"(?:\s+and\s+(?:how|its|their|explain)\b.*|,.*|\s+work\w*)?\??$",
    re.I,
)
PURPOSE = re.compile(r"\b(?:purpose|role|use) of (?:the |an? )?(.+?)(?: in .+)?\??$", re.I)
ORDINAL = re.compile(
    r"(?:step|stage|phase|part)\s*\d+|first|second|third|fourth|fifth|then|next|finally", re.I
)
VERSUS = re.compile(r"\s+(?:vs\.?|versus)\s+", re.I)
IN_CONTEXT = re.compile(r"\s+in\s+(?:the\s+)?(?:llms?|llm context|deep learning|practice)$", re.I)
SPLIT = re.compile(r",\s*and\s+|,\s+|\s+and\s+|\s*&\s*")
MAX_WORDS = 7
CLIP = 4
"""A word cut to this many letters or more may stand for the whole ("Prop")."""


@dataclass
class Named:
    """What a heading, title or term names: concepts (the first is the main one), or two
    compared ones."""

    names: list[str] = field(default_factory=list)
    compared: tuple[str, str] | None = None
    aliases: list[str] = field(default_factory=list)
    """Other names given in brackets ("L1 Regularization (Lasso)")."""


def read_name(raw: str) -> Named:
    """The concepts a heading, title line or bold term names (see the module docstring)."""
    text = _tidy(raw)
    if not text or EXAMPLE.match(text) or LABELLED.search(text):
        return Named()
    pair = VERSUS.split(text)
    if len(pair) == 2:
        sides = [_reduce(side) for side in pair]
        if all(sides):
            return Named(names=[], compared=(sides[0], sides[1]))
        return Named()
    text = PLACE.sub("", STEP.sub("", text))
    if ":" in text:
        left, right = (s.strip() for s in text.split(":", 1))
        text = right if right and len(right.split()) <= MAX_WORDS - 1 else left
    text, _, equated = text.partition("=")
    text = text.split(" -- ")[0].strip()
    other = EQUATED.match(equated)
    bracketed = [b.strip() for b in re.findall(r"\(([^()]+)\)", text)]
    text = re.sub(r"\s*\([^()]*\)\s*", " ", text).strip()
    main = _reduce(text)
    if not main:
        return Named()
    pieces = SPLIT.split(main)
    parts = [p for p in (_reduce(s) for s in pieces) if p]
    named = all(p[:1].isupper() for p in pieces if _reduce(p))  # not "Download and preprocess"
    several = 2 <= len(parts) <= 3 and named and all(len(p.split()) <= 4 for p in parts)
    names = parts if several else [main]
    aliases = [b for b in bracketed if _bracket_name(b, main)]
    if other and len(names) == 1 and _reduce(other.group(1)):
        aliases.append(other.group(1))
    return Named(names=names, aliases=aliases)


def _tidy(raw: str) -> str:
    """The words of a name: no markup, emoji, numbering, quotes or trailing colon."""
    text = plain(raw.replace("\\", " "), squeeze=True).replace("“", '"').replace("”", '"')
    words = text.split()
    while words and not re.search(r"[A-Za-z]", words[0]):
        words.pop(0)
    text = re.sub(r"^\d+[.)]\s*", "", " ".join(words))
    return text.replace('"', "").strip(" :;,.-")


def _reduce(text: str) -> str:
    """The thing a name is about, or "" when it is not a study topic."""
    text = text.strip(" :;,.?-")
    asked = PURPOSE.search(text) or WHAT_IS.match(text)
    if asked:
        text = asked.group(1).strip(" ?")
    elif text.endswith("?") or re.match(r"(?:why|how|when|where|which|who)\b", text, re.I):
        return ""
    if aspect := ASPECT.match(text):
        text = aspect.group(1)
    text = IN_CONTEXT.sub("", re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I))
    words = text.split()
    while len(words) > 1 and words[-1].lower() in TAIL:
        words.pop()
    text = " ".join(words)
    return display(text) if study_name(text) else ""


def study_name(text: str) -> bool:
    """A name a learner studies: a few words, not a sentence, not only filing words."""
    words = re.findall(r"[A-Za-z0-9][\w'’+@/-]*", text)
    if not 1 <= len(words) <= MAX_WORDS or len(text) > 60 or re.search(r"[.;!?]\s", text):
        return False
    if words[-1].lower() in STOPWORDS or ORDINAL.fullmatch(text.strip()):
        return False  # "drawbacks are", "Main components are", "Third", "Step1": lead-ins
    if words[0].lower() in STOPWORDS | LABEL_LEADS | HEDGES or text.lower() in LABEL_TERMS:
        return False  # "Key difference", "Why it matters", "Insight": labels, not terms
    if len(words) == 1 and words[0].lower() in GENERIC:
        return False  # "Memory", "Layers": too general alone ("Loss Function" is not)
    filing = FILING | STOPWORDS
    return any(w.lower() not in filing and re.search("[a-z]{2}", w.lower()) for w in words)


def display(text: str) -> str:
    """A name as shown: a heading in capitals ("SUPERVISED FINETUNING") in title case."""
    words = text.split()
    if len(words) > 1 and text.isupper():
        return " ".join(w.capitalize() for w in words)
    return text


def _bracket_name(text: str, main: str = "") -> bool:
    """A bracket that gives another name ("Lasso", "RM"), not a gloss ("Simplified"): a
    longer one names the same kind of thing as `main` (`same_head`)."""
    if ABBREVIATION.fullmatch(text.replace(" ", "")):
        return True
    if SHORT_NAME.fullmatch(text):
        return study_name(text) and text.lower() not in FILING
    return bool(main) and study_name(text) and same_head(main, text)


def same_head(a: str, b: str) -> bool:
    """Two names of one kind of thing, by the word that says what they are: the last word of
    one ends the other's ("Pretraining" / "Foundation Training", "Colbert" / "… over BERT"),
    or an abbreviation's last letter starts it ("Pre-trained LLMs" / "Base Models"). A
    description in brackets ("Reward Model (Key RLHF Component)") names another kind."""
    a_words, b_words = words_of(a), words_of(b)
    if not a_words or not b_words or max(len(a_words), len(b_words)) < 2:
        return False
    for one, other, raw in ((a_words, b_words, a), (b_words, a_words, b)):
        head, last = other[-1], one[-1]
        if len(head) >= 4 and last.endswith(head):
            return True
        tail = raw.split()[-1]
        short = tail[:-1] if re.fullmatch(r"[A-Z]{2,}s", tail) else tail
        if len(other) < 2 or not ABBREVIATION.fullmatch(short) or head[0] != short[-1].lower():
            continue
        # "RLHF with PPO (Proximal Policy Optimization)" spells out PPO, not the heading.
        if len(one) == 1 or not spells(short, other):
            return True
    return False


def name_keys(name: str) -> list[str]:
    """How a name is compared: its `key`, and the key of its singular or plural."""
    k = key(name)
    if not k:
        return []
    other = k[:-1] if len(k) > 3 and k.endswith("s") and not k.endswith("ss") else f"{k}s"
    return [k, other]


@lru_cache(maxsize=100_000)
def _words(name: str) -> tuple[str, ...]:
    out = []
    for w in re.split(r"[\s\-/]+", plain(name, squeeze=True).lower()):
        w = re.sub(r"[^\w]", "", w)
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        if w:
            out.append(w)
    return tuple(out)


def words_of(name: str) -> list[str]:
    """A name's words, lower case, hyphenated words split, plural s off."""
    return list(_words(name))


def close_words(a: list[str], b: list[str]) -> bool:
    """One name spelled two ways: word for word the same, or one slip apart
    ("Mutli-head attenion" ~ "Multi-head attention", "Fine Tuninig" ~ "Fine-Tuning"); in a
    name of two words or more, one word may be clipped ("Forward Prop" ~ "Forward
    Propagation"), and in one of three or more, one short word misspelled ("bite pair
    encoding" ~ "byte pair encoding")."""
    if len(a) != len(b) or a == b:
        return a == b
    odd = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(a) >= 2 and len(odd) == 1 and _clipped(*odd[0]):
        return True
    if len(a) >= 3 and len(odd) == 1 and _short_slip(*odd[0]):
        return True
    return all(_slip(x, y) for x, y in odd)


def _clipped(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    # "Prop" of "Propagation", not "Model" of "Modeling" (a word and its inflection)
    return len(short) >= CLIP and len(long) > len(short) + 4 and long.startswith(short)


def _short_slip(a: str, b: str) -> bool:
    return (
        a.isalpha()
        and b.isalpha()
        and len(a) == len(b) >= CLIP
        and a[0] == b[0]
        and (sum(x != y for x, y in zip(a, b, strict=True)) == 1)
    )


def _slip(a: str, b: str) -> bool:
    if not (a.isalpha() and b.isalpha()) or a[0] != b[0]:
        return False
    return same_word(a, b) or (min(len(a), len(b)) >= 5 and one_edit(a, b))
