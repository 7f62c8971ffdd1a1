"""Abbreviations the notes use bare, matched to the one concept name they spell.

"SA" in "an extention of SA" spells "Self Attention", a concept of the same note; "BP" spells
"Backpropagation", a word the notes also split ("back" + "propagation", a word of another
name). An abbreviation that spells two concepts' names ("CA": "Cross Attention",
"Constitutional AI"), or none in its own note, stays unmatched. A misspelled abbreviation
bracketing a known long form ("PLHF(Reinforcement Learning from Human Feedback)") is that
concept's abbreviation when it is one letter off the one the notes give.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from tutor.knowledge.aliases import (
    ABBREVIATION,
    MIN_COMPOUND,
    MIN_PART,
    NOT_ABBREVIATIONS,
    Aliases,
    key,
    spells,
    split_compound,
)
from tutor.knowledge.words import one_edit

BRACKETED = re.compile(r"\b([A-Z][A-Za-z]{1,9})\s?\(([^()]{5,80})\)")


def abbreviations_in(lines: Iterable[str]) -> set[str]:
    """The bare abbreviations of some lines ("BP", "SGDwM")."""
    found = {m.group(0) for line in lines for m in ABBREVIATION.finditer(line)}
    return {a for a in found if a.isalpha() and a not in NOT_ABBREVIATIONS}


def spelled_by(abbreviation: str, words: list[str], vocab: set[str]) -> bool:
    """Whether the name's words (a long single word cut in two) spell the abbreviation."""
    if len(abbreviation) < 2 or key(abbreviation) == key(" ".join(words)):
        return False
    return spells(abbreviation, split_compound(words, vocab))


def unique_owner(
    abbreviation: str, names: dict[str, list[str]], group: Callable[[str], int], vocab: set[str]
) -> int | None:
    """The one group whose names spell the abbreviation, or None (none, or several)."""
    owners = {
        group(name_key)
        for name_key, words in names.items()
        if spelled_by(abbreviation, words, vocab)
    }
    return owners.pop() if len(owners) == 1 else None


def misspelled_abbreviations(lines: Iterable[str], aliases: Aliases) -> Aliases:
    """ "PLHF(Reinforcement Learning from Human Feedback)": an abbreviation one letter off the
    one the notes give the bracketed long form."""
    found = Aliases()
    known: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        for m in BRACKETED.finditer(line):
            short, long = m.group(1), m.group(2).strip()
            if not ABBREVIATION.fullmatch(short) or aliases.of(short) or len(short) < 4:
                continue
            if key(long) not in known:
                known[key(long)] = {a for a in aliases.of(long) if ABBREVIATION.fullmatch(a)}
            if any(len(a) == len(short) and one_edit(a.lower(), short.lower())
                   for a in known[key(long)]):  # fmt: skip
                found.add(short, long)
    return found


def bracketed_compounds(lines: Iterable[str], vocab: set[str], aliases: Aliases) -> Aliases:
    """ "backpropagation through time (BPTT)": a bracketed abbreviation the words before it
    spell once a long word is cut in two, which `tutor.knowledge.aliases` does not read."""
    found = Aliases()
    for line in lines:
        for m in BEFORE_BRACKET.finditer(line):
            short = m.group(2)
            if aliases.of(short) or not ABBREVIATION.fullmatch(short):
                continue
            words = m.group(1).split()
            for n in range(2, len(words) + 1):
                if any(spells(short, parts) for parts in _cut_once(words[-n:], vocab)):
                    found.add(short, " ".join(words[-n:]))
                    break
    return found


def _cut_once(words: list[str], vocab: set[str]) -> Iterable[list[str]]:
    """The words with known compounds cut, then with any one long word cut anywhere: the
    bracket says the words before it are the long form, so a cut needs no known word."""
    yield [p for w in words for p in split_compound([w], vocab)]
    for i, word in enumerate(words):
        if len(word) >= MIN_COMPOUND:
            for cut in range(MIN_PART - 1, len(word) - MIN_PART + 1):
                yield [*words[:i], word[:cut], word[cut:], *words[i + 1 :]]


BEFORE_BRACKET = re.compile(r"((?:[A-Za-z][\w-]*\s+){1,5}[A-Za-z][\w-]*)\s*\(([A-Za-z]{2,9})\)")
