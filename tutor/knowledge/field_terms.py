"""The names of the field: methods, models, metrics and systems terms any ML text might name.

A question about "gradient checkpointing" or "reciprocal rank fusion" is made of words the
notes use ("gradient", "rank", "fusion") and sits close in meaning to passages about nearby
things, so neither closeness nor known words tell that the notes never discuss it. What
tells is that it is a name of the field and the notes never write it. `assets/field_terms.txt`
lists such names, one concept a line with its other names after ` | ` ("low-rank adaptation |
LoRA"); it was written from general knowledge of the field, not from the shipped notes or the
labelled sets (see evals/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from tutor.knowledge.spelling import capitals, plain_english, typo_of
from tutor.knowledge.words import one_edit, tokens

LONGEST = 6
"""Names have at most this many words."""
READ = 2000
"""A topic is searched for names up to this many characters (a pasted page is not a topic)."""
CAPITALISED = re.compile(r"(?<![\w-])(?=[\w-]*[A-Z][\w-]*[A-Z])[A-Za-z][\w-]*")
"""A word with two capitals or more, as abbreviations are written ("PPO", "mAP", "GPT-4")."""


@dataclass(frozen=True)
class FieldTerm:
    """One concept of the field by all the names it goes by."""

    names: tuple[str, ...]


def _shape(name: str) -> tuple[str, ...]:
    """A name's words as compared: case-folded, hyphens as spaces, a last plural s off."""
    words = [w for t in tokens(name) for w in t.split("-") if w]
    return (*words[:-1], _singular(words[-1])) if words else ()


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _american(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words in American spelling ("modelling" is "modeling", "normalisation"
    "normalization"): a learner's British spelling of a name the list spells the American
    way. Only tried when the words as typed name nothing ("calling" is no "caling")."""
    return tuple(BRITISH.sub(lambda m: AMERICAN[m.group(0)], w) for w in words)


AMERICAN = {"isation": "ization", "ise": "ize", "ised": "ized", "ising": "izing",
            "lling": "ling", "lled": "led"}  # fmt: skip
BRITISH = re.compile(r"(?:isation|ised|ising|ise|lling|lled)$")


def _capitalised(name: str) -> bool:
    """Whether a name is written with capitals inside it, as abbreviations are ("ELU", "mAP",
    "LoRA")."""
    return " " not in name and sum(c.isupper() for c in name) >= 2


SHORT_WORD = 4
"""Everyday words an abbreviation may spell are short ("MAP", "GAN", "CLIP"); a longer name
in capitals ("ColBERT", "RoBERTa") is the name however it is written ("Colbert")."""


def _cased(name: str) -> bool:
    """Whether a name is told from an everyday word only by its capitals ("MAP", "GAN",
    "CLIP"): it is found in a topic only as written, while "lora" is LoRA however typed."""
    letters = re.sub(r"[^A-Za-z]", "", name)
    return _capitalised(name) and len(letters) <= SHORT_WORD and plain_english(letters)


@dataclass(frozen=True)
class _Glossary:
    by_words: dict[tuple[str, ...], FieldTerm]
    by_capitals: dict[str, FieldTerm]
    longest: dict[str, int]
    """By a name's first word, how many words the longest name starting with it has."""


@cache
def _glossary() -> _Glossary:
    text = resources.files("tutor.knowledge").joinpath("assets/field_terms.txt").read_text("utf-8")
    by_words: dict[tuple[str, ...], FieldTerm] = {}
    by_capitals: dict[str, FieldTerm] = {}
    for line in text.splitlines():
        names = tuple(n.strip() for n in line.split("|") if n.strip())
        if not names:
            continue
        term = FieldTerm(names)
        for name in names:
            if _cased(name):
                by_capitals.setdefault(name.upper(), term)
            elif 0 < len(shape := _shape(name)) <= LONGEST:
                by_words.setdefault(shape, term)
    longest: dict[str, int] = {}
    for shape in by_words:
        longest[shape[0]] = max(longest.get(shape[0], 0), len(shape))
    return _Glossary(by_words, by_capitals, longest)


def named_in(topic: str) -> list[FieldTerm]:
    """The field's terms the topic names: those told by capitals, then the others, the longest
    name where names overlap ("policy gradient" is inside "deterministic policy gradient")."""
    return list(dict.fromkeys(term for term, _ in _named(topic)))


def _named(topic: str) -> list[tuple[FieldTerm, str]]:
    """Each field term the topic names, with the words that name it."""
    glossary = _glossary()
    found: list[tuple[FieldTerm, str]] = []
    topic = topic[:READ]
    letters = re.sub(r"[^A-Za-z]", "", topic)
    shouted = len(topic.split()) >= 3 and letters.isupper()  # capitals tell nothing there
    for raw in [] if shouted else CAPITALISED.findall(topic):
        bare = raw.removesuffix("s")
        term = glossary.by_capitals.get(bare.upper()) if _capitalised(bare) else None
        if term:
            found.append((term, raw))
    words = [w for t in tokens(topic) for w in t.split("-") if w]
    start = 0
    while start < len(words):
        first = words[start]
        longest = max(glossary.longest.get(w, 0) for w in {first, *_american((first,))})
        for size in range(min(longest, len(words) - start), 0, -1):
            run = (*words[start : start + size - 1], _singular(words[start + size - 1]))
            term = glossary.by_words.get(run) or glossary.by_words.get(_american(run))
            if term:
                found.append((term, " ".join(words[start : start + size])))
                start += size
                break
        else:
            start += 1
    return found


def as_named_in_notes(topic: str, text: str, vocabulary: frozenset[str]) -> str:
    """The topic followed by the names the notes write for its field terms when they never
    write them as the topic does ("low rank adaptation" → "low rank adaptation (LoRA)"), so
    search and the coverage decision find the notes' passage."""
    extra: list[str] = []
    for term, typed in _named(topic):
        if written_in(typed, text, vocabulary):
            continue
        other = next((n for n in term.names if written_in(n, text, vocabulary)), None)
        if other and other.lower() not in topic.lower() and other not in extra:
            extra.append(other)
    return f"{topic} ({', '.join(extra)})" if extra else topic


def noted(term: FieldTerm, text: str, vocabulary: frozenset[str]) -> bool:
    """Whether the notes' text names the term by one of its names (a slip of theirs in a long
    word allowed: "Fine Tuninig", "attenion")."""
    return any(written_in(name, text, vocabulary) for name in term.names)


HEADS = frozenset("layer model network method algorithm technique approach mechanism".split())
"""Last words a name may go without in the notes ("adapter layers" are their "Adapters")."""


def written_in(name: str, text: str, vocabulary: frozenset[str]) -> bool:
    """Whether the text writes a name as notes do (see `noted`)."""
    if _capitalised(name):
        pieces = re.findall(r"[A-Za-z]+|\d+", name)
        if len(pieces) > 1:  # "GPT-4", "GPT 4", "GPT4", "GPT-3.5"
            pattern = r"[\s./@-]?".join(re.escape(p.lower()) for p in pieces)
            return re.search(rf"{OPEN}{pattern}{CLOSE}", _folded(text)) is not None
        if _in_capitals(name, text):  # or one slip from them ("BLUE")
            return True
        if _cased(name):
            return False
    words = _shape(name)
    if not words:
        return False
    forms = [list(words)]
    if len(words) >= 2 and words[-1] in HEADS:
        forms.append(list(words[:-1]))
    # A run of its last words may be written as their initials ("mini-batch GD"); the whole
    # name's initials are a name of their own, listed when it goes by them.
    forms += [[*words[:i], "".join(w[0] for w in words[i:])] for i in range(1, len(words) - 1)]
    return any(_found(form, text, vocabulary) for form in forms)


def _found(words: list[str], text: str, vocabulary: frozenset[str]) -> bool:
    """Whether the text has the words in order, each as written or with one slip of the
    notes' ("bite pair encoding"), one more word allowed between two ("KL Divergence
    Penalty"), joined by "@" or "/" ("Precision@k"), any of them in the plural."""
    spellings = [_spellings(w, vocabulary, alone=len(words) == 1) for w in words]
    lower = _folded(text)
    spellings = [tuple(s.replace("’", "'") for s in each) for each in spellings]
    if not all(any(s in lower for s in each) for each in spellings):
        return False  # a word is nowhere in the notes: no need to look for the name
    parts = [rf"(?:{'|'.join(map(re.escape, each))})(?:s|es)?" for each in spellings]
    between = r"[\s./@-]*(?:[\w']+[\s-]+)?" if len(words) > 1 else ""
    pattern = between.join(f"(?:{p})" for p in parts)
    return re.search(rf"{OPEN}{pattern}{CLOSE}", lower) is not None


OPEN, CLOSE = r"(?<![a-z0-9-])", r"(?![a-z0-9])"
"""A name's ends in the folded text: not inside a longer word ("batch gradient descent" is
not in "mini-batch gradient descent"), while a neighbour in another script is no letter of it
("使用LoRA进行")."""


@lru_cache(maxsize=4)
def _folded(text: str) -> str:
    """The text in lower case with typographic apostrophes plain ("Newton’s method")."""
    return text.lower().replace("’", "'")


def _in_capitals(name: str, text: str) -> bool:
    """Whether the text writes the abbreviation in capitals, plural or with one slip ("BLUE"),
    not as the start of a longer one ("GP" is not in "GPU")."""
    wanted = name.lower()
    return any(t in (wanted, wanted + "s") or typo_of(wanted, t) for t in capitals(text))


@lru_cache(maxsize=4096)
def _spellings(word: str, vocabulary: frozenset[str], alone: bool) -> tuple[str, ...]:
    """The word and the notes' one-slip misspellings of it, longest first: slips
    of five letters or more, or of four when other words of the name are there too."""

    def slip(v: str) -> bool:
        if len(word) >= 5:
            return typo_of(word, v)
        return not alone and len(word) == 4 and len(v) == 4 and one_edit(word, v)

    slips = {v for v in vocabulary if slip(v)}
    return tuple(sorted({word, *slips}, key=len, reverse=True))


def unnoted(topic: str, text: str, vocabulary: frozenset[str]) -> list[str]:
    """The names of the field the topic names and the notes never write (by any name)."""
    return list(_unnoted(topic, text, vocabulary))


@lru_cache(maxsize=64)
def _unnoted(topic: str, text: str, vocabulary: frozenset[str]) -> tuple[str, ...]:
    # A turn asks twice of one topic: whether it is covered (`covers`) and why not (`judge`).
    return tuple(t.names[0] for t in named_in(topic) if not noted(t, text, vocabulary))
