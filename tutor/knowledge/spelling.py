"""How words are spelled: slips of one letter, abbreviations in capitals, everyday English."""

from __future__ import annotations

import re
from functools import lru_cache

from tutor.knowledge.words import one_edit, spaceless


def typo_of(a: str, b: str) -> bool:
    """One slip apart: two neighbours swapped ("blue" for "bleu"), in words of five letters
    or more one letter wrong, and in long words one letter more or less ("adamw" is not
    "adam", "rope" is not "role")."""
    if len(a) != len(b):
        return min(len(a), len(b)) >= 7 and one_edit(a, b)
    swapped = sum(x != y for x, y in zip(a, b, strict=True)) == 2
    return len(a) >= 4 and one_edit(a, b) and (swapped or len(a) >= 5)


def written(abbreviation: str, text: str) -> bool:
    """Whether the text has the abbreviation in capitals, or one slip from it ("BLUE")."""
    wanted = abbreviation.rstrip("s").lower()
    return any(t == wanted or t.startswith(wanted) or typo_of(wanted, t) for t in capitals(text))


@lru_cache(maxsize=256)
def capitals(text: str) -> frozenset[str]:
    """The words in capitals of a text, lower-cased ("PPO", "LoRA", "GPT4")."""
    return frozenset(t.lower() for t in re.findall(r"\b[A-Z][A-Za-z]*[A-Z]\w*", text))


def uninflected(word: str) -> set[str]:
    """The word with each inflection it may carry taken off ("scoring": "scor", "score")."""
    return {word[: -len(end)] + put for end, put in ENDINGS if word.endswith(end)}


def plain_english(word: str) -> bool:
    """Whether a word is everyday English (each hyphen part, or its stem, a whole word of the
    MiniLM vocabulary): "squashing" or "tiny" is the learner's own wording, "bottleneck"
    or "watermarking" is a term. A script without spaces tells no terms apart: MiniLM knows its
    characters one by one, not its words, so its words count as plain."""
    from tutor.knowledge.embeddings import known_words

    english = known_words()
    for part in re.split(r"[-'’]", word.lower()):
        if len(part) <= 2 or spaceless(part):
            continue
        stems = [part] + [part[len(p) :] for p in PREFIXES if part.startswith(p)]
        if not any(_a_word(stem, english) for stem in stems if len(stem) >= 4 or stem == part):
            return False
    return True


PREFIXES = ("mis", "un", "re", "non", "over", "under", "out", "dis", "pre")
"""Prefixes of everyday words whose stem is a word ("misbehave", "unfreeze")."""


def _a_word(part: str, english: frozenset[str]) -> bool:
    """Whether a word or one of its inflected stems is a whole word of the vocabulary."""
    return bool(({part, part + "s", part + "e"} | uninflected(part)) & english)


ENDINGS = (("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("ier", "y"), ("ies", "y"),
           ("es", ""), ("s", ""), ("ly", ""), ("er", ""), ("ised", "ize"), ("ise", "ize"),
           ("isation", "ization"))  # fmt: skip
"""Inflections taken off a word to find its stem among whole words."""
