"""Reading a multiple-choice answer: the option a label or the learner's own words pick."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.knowledge.words import keywords
from tutor.learning.answer_words import TYPO_RATIO, normalized, ratio, same_word
from tutor.learning.questions import WEAK, Question

# What people type around a label: "option b", "the answer is (B)", "I'd say c".
LABEL_PREFIX = re.compile(
    r"^(?:(?:i think|i'd say|i would say|my answer is|the answer is|answer|option|choice)"
    r"\s*(?:is)?\s*[:#]?\s*)+",
    re.I,
)
ABOUT_OPTIONS = frozenset(
    "option choice answer number first second third fourth last one two three four think "
    "guess maybe probably".split()
)
"""Words that talk about the options, not the subject ("I think it's option number two")."""
LABEL = re.compile(r"^\(?([a-h])\)?(?:\s*[.):\-]\s*(.*))?$", re.I | re.S)


def parse_choice(answer: str, options: Sequence[str]) -> int | None:
    """The option an answer picks: by label ('B', 'b)', '(B)', 'option b') or by its text."""
    text = LABEL_PREFIX.sub("", answer.strip()).strip()
    m = LABEL.match(text)
    if m:
        index = ord(m.group(1).lower()) - ord("a")
        return index if index < len(options) else None
    said = normalized(text)
    if not said:
        return None
    close = [i for i, o in enumerate(options) if ratio(said, normalized(o)) >= TYPO_RATIO]
    if len(close) == 1:
        return close[0]
    words = set(keywords(text))
    overlapping = [i for i, option in enumerate(options) if overlaps(words, option)]
    if len(overlapping) == 1:
        return overlapping[0]
    return _most_shared(words, options)


def _most_shared(words: set[str], options: Sequence[str]) -> int | None:
    """The one option sharing the most of the answer's telling words, two at least."""
    telling = {w for w in words if w not in WEAK and len(w) > 2}
    shared = [len(telling & set(keywords(option))) for option in options]
    best = max(shared, default=0)
    return shared.index(best) if best >= 2 and shared.count(best) == 1 else None


def says_something(question: Question, answer: str) -> bool:
    """Whether a reply that names no option still answers, to be graded in its own words: it
    shares a word with an option or the notes' answer ("humans rank pairs of answers"), or
    states something of its own in three telling words or more ("something vague" does not)."""
    said = {w for w in keywords(answer) if len(w) > 2} - set(keywords(question.prompt))
    said -= WEAK | ABOUT_OPTIONS
    have = set(keywords(" ".join([question.reference, *question.options])))
    return len(said) >= 3 or any(same_word(w, h) for w in said for h in have)


def overlaps(words: set[str], option: str) -> bool:
    """Most of the answer's words are the option's, and at least two of them (or all)."""
    have = set(keywords(option))
    shared = words & have
    return len(shared) >= min(2, len(have)) and len(shared) >= 0.6 * min(len(words), len(have))
