"""Rules for the question kinds that ask for one thing in particular: the printed output of a
code cell, the next of a list of steps, the side of a comparison. Each reads only the question
and the answer, so they hold for any note."""

from __future__ import annotations

import re
from typing import Literal

from tutor.learning.answer_aliases import names

Match = Literal["all", "some", "wrong", "none"]
VALUE = re.compile(
    r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])|\b(?:true|false|none)\b", re.I
)
WORD = re.compile(r"[^\W_]+")
SEQUENCE_CUE = re.compile(
    r"(?:,|\band)\s+then\b|\b(?:after that|afterwards|after which|followed by|only after"
    r"|comes after|come after|later)\b|,\s*and\b",
    re.I,
)
FIRST = re.compile(r"\b(?:first|to begin|starts?)\b", re.I)
VS = re.compile(r"^\s*(.+?)\s+(?:vs\.?|versus|or)\s+(.+?)\s*[:?,]", re.I)
PICK_END = re.compile(r"^\s*(?:[,:.;!\-–—)]|\s(?:because|since|as|it|they|is|wins|does)\b|$)", re.I)
"""What follows a side the answer picks: a stop or a reason ("DPO, because…", "GRU - …")."""


def output_match(reference: str, answer: str) -> Match:
    """How a predicted output matches the printed one: every value in order ("all"), some of
    them and nothing else ("some"), another value ("wrong") or none at all ("none").
    Formatting does not count: "0, -3" is "0 -3.0"; words around the values are fine."""
    want, said = _values(reference), _values(answer)
    if not want:  # words only: the printed words in order
        want_words, said_words = _words(reference), _words(answer)
        if _subsequence(want_words, said_words):
            return "all"
        shared = sum(w in said_words for w in want_words)
        return "some" if shared * 2 >= len(want_words) else "none"
    if _subsequence(want, said):
        return "all"
    if said and _subsequence(said, want):
        return "some"
    return "wrong" if said else "none"


def first_step(answer: str) -> tuple[str, str]:
    """The step an answer names first, and the rest ("A, and then B": A). "B comes first, and
    A after that" names B first too."""
    parts = [p for p in SEQUENCE_CUE.split(answer) if p.strip()] or [answer]
    first = next((p for p in parts if FIRST.search(p)), parts[0])
    return first, " ".join(p for p in parts if p is not first)


def sides(prompt: str) -> tuple[str, str] | None:
    """The two things a comparison asks about ("RLHF vs RLAIF: which…"), None if it names none."""
    found = VS.match(prompt)
    if not found:
        return None
    return found.group(1).strip(" *`\"'"), found.group(2).strip(" *`\"'")


def right_side(prompt: str, reference: str) -> tuple[str, str] | None:
    """(the side the notes' answer names first, the other side), None if they name neither."""
    both = sides(prompt)
    if both is None:
        return None
    places = [(_place(side, reference), side) for side in both]
    named = sorted(p for p in places if p[0] >= 0)
    if not named:
        return None
    right = named[0][1]
    return right, both[1] if right == both[0] else both[0]


def picked_side(answer: str, right: str, wrong: str) -> str:
    """The side an answer opens with as its pick ("DPO, because…", "Direct Preference
    Optimization"), "" when it opens with neither or as a statement ("PPO first trains…")."""
    text = answer.strip()
    for end in range(1, min(len(text), 80) + 1):
        head, tail = text[:end], text[end:]
        if tail and tail[0].isalnum():
            continue
        named = [side for side in (right, wrong) if names(side, head)]
        if named:
            return named[0] if PICK_END.match(tail) else ""
    return ""


def _place(side: str, text: str) -> int:
    """Where in the text the side is first named (-1 when it is not)."""
    words = WORD.findall(text)
    for n in range(len(words)):
        if names(side, " ".join(words[n : n + 8])):
            return n
    return -1


def _values(text: str) -> list[float | str]:
    out: list[float | str] = []
    for token in VALUE.findall(text):
        try:
            out.append(float(token))
        except ValueError:
            out.append(token.lower())
    return out


def _words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def _subsequence(want: list[float | str] | list[str], said: list[float | str] | list[str]) -> bool:
    """Every wanted item in the said ones, in order."""
    found = iter(said)
    return all(any(item == other for other in found) for item in want)
