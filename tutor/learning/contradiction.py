"""What makes an answer that uses the notes' words false: it negates what they state ("does not
use a reward model" against "uses a reward model"), swaps a word for its opposite ("higher"
for "lower"), or gives another number. Compared clause by clause, so an answer is only held to
the sentence it is talking about."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tutor.knowledge.words import keywords

NEGATIONS = frozenset("not no never none neither nor cannot unable nothing nobody".split())
"""Not "without": it negates its object ("without them, …"), not the clause."""
CLAUSE_BREAK = re.compile(
    r"[.;:!?()\n]|,\s|\s[-–—]\s"
    r"|\b(?:and|but|so|hence|thus|which|because|since|when|if|whereas|while|although|however)\b"
)
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|(?<![\w.])-?\d+(?:[.,]\d+)*%?(?![\w])")
NOT_SAID = re.compile(
    r"\b(?:not|instead of|rather than|than|unlike|vs|versus)\W+(?:\w+\W+){0,3}$", re.I
)
"""What comes before a number the answer sets aside ("2 gates, not 3", "instead of the three")."""
OPPOSITES = (
    ("lower", "higher"), ("less", "more"), ("fewer", "more"), ("small", "large"),
    ("smaller", "larger"), ("small", "big"), ("smaller", "bigger"), ("increase", "decrease"),
    ("increases", "decreases"), ("increasing", "decreasing"), ("minimize", "maximize"),
    ("minimise", "maximise"), ("before", "after"), ("first", "last"), ("add", "remove"),
    ("same", "different"), ("slower", "faster"), ("worse", "better"), ("shallow", "deep"),
    ("underfitting", "overfitting"), ("positive", "negative"), ("input", "output"),
    ("encoder", "decoder"), ("supervised", "unsupervised"), ("linear", "non-linear"),
)  # fmt: skip
OPPOSITE = {a: b for pair in OPPOSITES for a, b in (pair, pair[::-1])}
NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "hundred": "100",
    "thousand": "1000", "million": "1000000", "billion": "1000000000",
    "half": "0.5", "twice": "2", "double": "2", "single": "1",
}  # fmt: skip
FILLERS = frozenset("because due since also just like only".split())
SHARED_FOR_CLAUSE = 2
"""Content words a clause of the answer shares with one of the notes to be about the same."""


def clauses(text: str) -> list[str]:
    """The text's clauses: split at sentence ends, semicolons, commas and 'but'/'whereas'."""
    return [c.strip() for c in CLAUSE_BREAK.split(text.replace("’", "'")) if c and c.strip()]


def is_negated(clause: str) -> bool:
    """An odd number of negations ("not", "no", "never", "-n't", "without"...) in the clause."""
    words = [w.lower() for w in WORD.findall(clause.replace("’", "'"))]
    return sum(w in NEGATIONS or w.endswith("n't") for w in words) % 2 == 1


def contradiction(answer: str, reference: str, asked: Iterable[str] = ()) -> str:
    """A clause of the answer that says the opposite of a clause of the notes: the same content
    words with the negation flipped, or one word swapped for its opposite. "" when none does."""
    skip = set(asked)
    ours = [(c, _content(c) - skip) for c in clauses(answer)]
    theirs = [(c, _content(c) - skip) for c in clauses(reference)]
    for clause, words in ours:
        for note, note_words in theirs:
            shared = {w for w in words if any(_same(w, n) for n in note_words)}
            if len(shared) < SHARED_FOR_CLAUSE:
                continue  # about something else
            # Most of the clause is the note's, so its negation is about the same thing.
            if is_negated(clause) != is_negated(note) and len(shared) >= len(words) / 2:
                return note
            ours_plain, theirs_plain = _plain(clause), _plain(note)
            swapped = {OPPOSITE[w] for w in ours_plain if w in OPPOSITE} & theirs_plain
            if swapped and not swapped & ours_plain and not _flipped(swapped) & theirs_plain:
                return note
    return ""


def numbers(text: str) -> set[str]:
    """The numbers a text states, digits and words alike ("one" is 1, "10%" is 0.1)."""
    out = set()
    for token in WORD.findall(text.lower()):
        word = token[:-1] if token.endswith("s") and token[:-1] in NUMBER_WORDS else token
        if word in NUMBER_WORDS:
            out.add(NUMBER_WORDS[word])
        elif token[0].isdigit():
            out.add(_number(token))
    return out


def wrong_number(answer: str, reference: str) -> str:
    """A number the answer states that the notes do not, when the notes state numbers; "" else.
    "one" and "single" only ever agree: they are as often an article as a count."""
    theirs = numbers(reference)
    if not theirs:
        return ""
    stated = set()
    for found in WORD.finditer(answer.lower()):
        word = found.group(0)
        if word not in ("one", "single") and not NOT_SAID.search(answer[: found.start()]):
            stated |= numbers(word)
    wrong = sorted(stated - theirs)
    return wrong[0] if wrong else ""


def _number(token: str) -> str:
    """A canonical spelling: '1,000' and '1000' alike, '0.50' as '0.5', '10%' as '0.1'."""
    percent = token.endswith("%")
    digits = token.rstrip("%").replace(",", "")
    try:
        value = float(digits) / (100 if percent else 1)
    except ValueError:
        return token
    return str(int(value)) if value == int(value) else f"{value:g}"


def _flipped(words: set[str]) -> set[str]:
    return {OPPOSITE[w] for w in words}


def _content(clause: str) -> set[str]:
    return {k for k in keywords(clause) if len(k) > 2 and k not in NEGATIONS | FILLERS}


def _plain(clause: str) -> set[str]:
    return {w.lower() for w in WORD.findall(clause)}


def _same(a: str, b: str) -> bool:
    """The same word, or one a plural or a clear stem of the other."""
    short, long = sorted((a, b), key=len)
    return a == b or (len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 3)
