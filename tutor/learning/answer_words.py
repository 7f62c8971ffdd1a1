"""How the words of an answer meet the words of the notes: stems, typos, blanks, terms."""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from tutor.knowledge.words import keywords, one_edit

TYPO_RATIO = 0.85


def fills_blank(said: str, term: str) -> bool:
    """The answer is the term, contains it in a short phrase, or is a near-spelling of it."""
    if said == term or said.replace(" ", "") == term.replace(" ", ""):
        return True
    if f" {term} " in f" {said} " and len(said.split()) <= len(term.split()) + 4:
        return True
    return ratio(said.replace(" ", ""), term.replace(" ", "")) >= TYPO_RATIO


def mentions(said: set[str], term: str) -> bool:
    """Every word of the term is among the answer's words, allowing stems and typos."""
    return all(any(same_word(part, word) for word in said) for part in term.split())


def share(said: set[str], term: str) -> float:
    """The share of the term's words among the answer's words."""
    parts = term.split()
    return sum(any(same_word(part, word) for word in said) for part in parts) / len(parts)


def words_of(text: str) -> set[str]:
    """The text's keywords, with the parts of hyphenated ones ("multi-head": multi, head)."""
    found = set(keywords(text))
    return found | {part for k in found if "-" in k for part in k.split("-") if part}


def same_word(a: str, b: str) -> bool:
    """Equal, sharing a long stem ('probabilit-y/-ies'), or one typo apart."""
    if a == b:
        return True
    stem = len(common_prefix(a, b))
    if stem >= 5 and stem >= 0.8 * min(len(a), len(b)):
        return True
    if min(len(a), len(b)) >= 4 and max(len(a), len(b)) >= 5 and one_edit(a, b):
        return True  # "trian" for "train", "tokn" for "token"
    return min(len(a), len(b)) >= 5 and ratio(a, b) >= TYPO_RATIO


def common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def surfaces(terms: Iterable[str], reference: str) -> list[str]:
    """Key terms as the reference spells them ('probabilities', not 'probabilitie')."""
    words = re.findall(r"[A-Za-z0-9][\w'-]*", reference)
    spelled: dict[str, str] = {}
    for word in words:
        for k in keywords(word):
            spelled.setdefault(k, word if word.isupper() else word.lower())
    return [spelled.get(t, t) for t in terms]


def key_of(text: str) -> str:
    return " ".join(keywords(text.replace("-", " ")))


def normalized(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()
