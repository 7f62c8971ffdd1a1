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

from tutor.knowledge.spelling import plain_english, typo_of, written
from tutor.knowledge.words import one_edit, tokens

LONGEST = 6
"""Names have at most this many words."""
CAPITALISED = re.compile(r"(?<![\w-])(?=[\w-]*[A-Z][\w-]*[A-Z])[A-Za-z][\w-]*")
"""A word with two capitals or more, as abbreviations are written ("PPO", "mAP", "GPT-4")."""


@dataclass(frozen=True)
class FieldTerm:
    """One concept of the field by all the names it goes by."""

    names: tuple[str, ...]


def _shape(name: str) -> tuple[str, ...]:
    """A name's words as compared: case-folded, hyphens as spaces, in American spelling, a
    last plural s off."""
    words = [w for t in tokens(name) for w in t.split("-") if w]
    return (*map(_american, words[:-1]), _singular(words[-1])) if words else ()


def _singular(word: str) -> str:
    """The word without a plural s, in American spelling (see `_american`)."""
    word = word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
    return _american(word)


def _american(word: str) -> str:
    """The word in American spelling ("modelling" is "modeling", "normalisation"
    "normalization"), as the list and the learner may spell it either way."""
    return BRITISH.sub(lambda m: AMERICAN[m.group(0)], word)


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
    for raw in CAPITALISED.findall(topic):
        bare = raw.removesuffix("s")
        term = glossary.by_capitals.get(bare.upper()) if _capitalised(bare) else None
        if term:
            found.append((term, raw))
    words = [w for t in tokens(topic) for w in t.split("-") if w]
    start = 0
    while start < len(words):
        longest = glossary.longest.get(_american(words[start])) or glossary.longest.get(
            _singular(words[start]), 0
        )
        for size in range(min(longest, len(words) - start), 0, -1):
            run = words[start : start + size]
            if term := glossary.by_words.get((*map(_american, run[:-1]), _singular(run[-1]))):
                found.append((term, " ".join(run)))
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
        if len(pieces) > 1:  # "GPT-4", "GPT 4", "GPT4"
            pattern = r"[\s-]?".join(map(re.escape, pieces))
            return re.search(rf"(?<![\w-]){pattern}(?![\w])", text, re.IGNORECASE) is not None
        if written(name, text):  # in capitals, or one slip from them ("BLUE")
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
    if not all(any(s in lower for s in each) for each in spellings):
        return False  # a word is nowhere in the notes: no need to look for the name
    parts = [rf"(?:{'|'.join(map(re.escape, each))})(?:s|es)?" for each in spellings]
    between = r"[\s@/-]*(?:[\w']+[\s-]+)?" if len(words) > 1 else ""
    pattern = between.join(f"(?:{p})" for p in parts)
    return re.search(rf"(?<![\w]){pattern}(?![\w])", text, re.IGNORECASE) is not None


@lru_cache(maxsize=4)
def _folded(text: str) -> str:
    return text.lower()


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
    return [t.names[0] for t in named_in(topic) if not noted(t, text, vocabulary)]
