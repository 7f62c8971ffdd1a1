"""The other name an answer may use for a term of the notes: an abbreviation for its spelled-out
form ("PPO" for "Proximal Policy Optimization") and back. Read from the question's own text and
the answer, never from a built-in list, so it works for any note."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tutor.knowledge.aliases import SKIPPABLE
from tutor.knowledge.words import keywords

RUN = re.compile(r"[A-Za-z][A-Za-z0-9]*")
SHORT = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,7}$")
"""What a typed abbreviation looks like: a short token, in any case ("ppo", "LoRA", "rlhf")."""


def alias_words(answer: str, texts: Iterable[str]) -> set[str]:
    """Keywords the answer says under another name: the long form's words for an abbreviation
    it types, an abbreviation of the texts for a long form it spells out."""
    texts = list(texts)
    ours = RUN.findall(answer)
    out: set[str] = set()
    theirs_runs = [RUN.findall(text) for text in texts]
    for token in {t for t in ours if SHORT.match(t) and len(t) <= 6}:
        for words in theirs_runs:
            long = _spelled_by(token, words)
            if long:
                out.update(keywords(" ".join(long)))
    for abbreviation in {t for words in theirs_runs for t in words if _looks_abbreviated(t)}:
        if _spelled_by(abbreviation, ours):
            out.update(keywords(abbreviation))
    return out


def names(term: str, answer: str) -> bool:
    """Whether the answer names the term, as it is or by its other name."""
    said = " ".join(RUN.findall(answer)).lower()
    if f" {' '.join(RUN.findall(term)).lower()} " in f" {said} ":
        return True
    term_words = RUN.findall(term)
    if _looks_abbreviated(term) and _spelled_by(term, RUN.findall(answer)):
        return True
    return len(term_words) >= 2 and any(_spelled_by(t, term_words) for t in RUN.findall(answer))


def _spelled_by(abbreviation: str, words: list[str]) -> list[str]:
    """A run of the words spelling the abbreviation, [] when none does. Their initials must
    spell it ("ppo": "Proximal Policy Optimization"), or, for a token written with capitals
    inside ("LoRA", "AdaGrad"), its capitals ("Low Rank Adaptation", "Adaptive Gradient")."""
    letters = abbreviation.replace("-", "").lower()
    if len(letters) < 2 or not letters.isalnum() or len(letters) > 6:
        return []
    if _looks_abbreviated(abbreviation) and not abbreviation.isupper():
        letters = "".join(c for c in abbreviation if c.isupper()).lower()
    for start, word in enumerate(words):
        if word.lower() in SKIPPABLE or word[0].lower() != letters[0]:
            continue
        for end in range(start + 2, min(len(words), start + len(letters) + 3) + 1):
            run = words[start:end]
            if run[-1].lower() in SKIPPABLE:
                continue
            initials = "".join(w[0] for w in run if w.lower() not in SKIPPABLE).lower()
            if initials == letters:
                return run
    return []


def _looks_abbreviated(token: str) -> bool:
    """Two capitals or more in a short token: "PPO", "LoRA", "RLAIF"."""
    return 2 <= len(token) <= 8 and sum(c.isupper() for c in token) >= 2
