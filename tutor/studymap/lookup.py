"""Finding concepts by name: a topic the learner typed, a name in a pipeline, a mention in a line.

A name matches a concept's name or alias ignoring case, spacing, hyphens and a plural s;
a name of two or more words also matches one slip apart ("Multi-head attention" finds the
notes' "Mutli-head attenion"). "Softmax function" and "softmax" are one name (a trailing
"function" is dropped unless what is left is too general: "Loss Function" stays whole).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from tutor.knowledge.aliases import ABBREVIATION, key, spells
from tutor.knowledge.words import one_edit
from tutor.learning.recall_blocks import GENERIC
from tutor.studymap.concepts import StudyMap
from tutor.studymap.names import close_words, name_keys, words_of

TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’+@/-]*")
MAX_NAME_WORDS = 7
TYPO_MIN = 6
"""A one-word name this long or longer is forgiven one slip when typed."""
KIND_WORDS = frozenset(
    "function functions loss algorithm algorithms algo method methods technique techniques"
    " mechanism problem issue".split()
)
"""A last word that says what kind of thing a name is ("Softmax function", "Vanishing
Gradient Problem")."""
MIN_STEM = 4
STEM_ENDS = tuple("ations ation ating ated ates ings ing ions ion ers er ed es s".split())
"""Endings taken off a word to find a name inflected otherwise, longest first."""
SHORT = 3
"""A name this short or shorter ("PE", "RM") is matched in a text only as written in
capitals, so "rm" in a command or "pe" in a word never counts."""


@dataclass
class NameIndex:
    """Every name of every concept, by key; and names of two or more words by how their
    words start (`_starts`)."""

    exact: dict[str, str] = field(default_factory=dict)
    by_initials: dict[tuple[str, ...], list[tuple[list[str], str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    first_starts: set[tuple[str, str]] = field(default_factory=set)
    """How the first two words of each such name start: words of a text that start otherwise
    begin no name one slip away, so they are never compared word by word."""
    singles: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    """One-word names of `TYPO_MIN` letters or more by first letter, for a typed slip."""
    shorts: list[tuple[list[str], str]] = field(default_factory=list)
    """(long form's words, abbreviation) of each concept named both ways ("GD")."""
    gapped: dict[tuple[str, str], list[tuple[list[str], str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    """Names of two words or more by their first and last word, for a name said with an
    inner word more or less ("Feed Forward Networks" of "Feed Forward Neural Network")."""
    stems: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Names by the stems of their words (`_stem`), for a name inflected otherwise."""

    @classmethod
    def of(cls, study_map: StudyMap) -> NameIndex:
        index = cls()
        for concept in study_map.concepts.values():
            names = [concept.name, *concept.aliases]
            for name in names:
                index.add(name, concept.id)
            index.shorts += _short_forms(names)
        index._add_heads(study_map)
        return index

    def _add_heads(self, study_map: StudyMap) -> None:
        """ "L1" for "L1 Regularization": a code-like first word (a digit, or capitals) before
        another concept's name stands for the whole, when it begins only that name."""
        heads: dict[str, set[str]] = defaultdict(set)
        for concept in study_map.concepts.values():
            for name in [concept.name, *concept.aliases]:
                head, _, rest = name.partition(" ")
                coded = any(c.isdigit() for c in head) or (head.isupper() and len(head) >= 2)
                if rest and coded and self.exact.get(key(rest)) not in (None, concept.id):
                    heads[key(head)].add(concept.id)
        for head, found in heads.items():
            if len(found) == 1 and head not in self.exact:
                self.exact[head] = found.pop()

    def add(self, name: str, concept: str) -> None:
        bare = _without_function(name)
        for k in name_keys(name) + name_keys(bare):
            self.exact.setdefault(k, concept)
        for words in {tuple(words_of(n)) for n in (name, bare) if n}:
            if len(words) >= 2:
                self.by_initials[_starts(list(words))].append((list(words), concept))
                self.first_starts.add((words[0][:2], words[1][:2]))
            elif words and len(words[0]) >= TYPO_MIN and words[0].isalpha():
                self.singles[words[0][0]].append((words[0], concept))
            if len(words) >= 2:
                self.gapped[words[0], words[-1]].append((list(words), concept))
            if words and len(words[-1]) >= MIN_STEM:
                self.stems[_stem_key(list(words))].add(concept)

    def resolve(self, name: str) -> str | None:
        """The concept a name names, or None: exactly, one slip apart, with a long form the
        notes abbreviate written either way ("Stochastic Gradient Descent": "Stochastic GD"),
        or inflected otherwise; then the same without a word saying what kind of thing it is
        ("multi-head attention mechanism", "jailbreaking techniques")."""
        for k in (key(name), key(_without_function(name))):
            if k and k in self.exact:
                return self.exact[k]
        bare = _without_function(name)
        return self._resolve(name) or (self._resolve(bare) if bare else None)

    def _resolve(self, name: str) -> str | None:
        words = words_of(name)
        found = self._close(words) or self._typo(words)
        for other in [] if found else self._rewritten(words):
            found = self.exact.get(key(other)) or self._close(words_of(other))
            if found:
                break
        return found or self._inner(words) or self._inflected(words)

    def _inflected(self, words: list[str]) -> str | None:
        """The one concept whose name is this one inflected otherwise ("red team" / "Red
        Teaming", "jailbreaking" / "Jailbreaks", "overfit" / "Overfitting")."""
        if not words or len(words[-1]) < MIN_STEM:
            return None
        found = self.stems.get(_stem_key(words), set())
        return next(iter(found)) if len(found) == 1 else None

    def _inner(self, words: list[str]) -> str | None:
        """The one concept named as this with one inner word more ("Feed Forward Networks":
        "Feed Forward Neural Network"), or with up to two inner words fewer ("cross multi head
        attention": "Cross Attention"); the first and last words are the same."""
        if len(words) < 2:
            return None
        found = {
            concept
            for other, concept in self.gapped.get((words[0], words[-1]), ())
            if (len(other) == len(words) + 1 and _gap(other, words))
            or (0 < len(words) - len(other) <= 2 and _gap(words, other))
        }
        return found.pop() if len(found) == 1 else None

    def _typo(self, words: list[str]) -> str | None:
        """A one-word name one slip from a single known one ("Lanchain", "Tokenisation"); short
        names never ("GD" / "SGD", "PPO" / "DPO" are different things)."""
        if len(words) != 1 or len(words[0]) < TYPO_MIN or not words[0].isalpha():
            return None
        word = words[0]
        near = {c for other, c in self.singles.get(word[0], ()) if one_edit(word, other)}
        return near.pop() if len(near) == 1 else None

    def _rewritten(self, words: list[str]) -> list[str]:
        """The name with each long form the notes abbreviate swapped for the abbreviation,
        and each such abbreviation for its long form."""
        out = []
        for long, short in self.shorts:
            n = len(long)
            for i in range(len(words) - n + 1):
                if words[i : i + n] == long and len(words) > n:
                    out.append(" ".join([*words[:i], short, *words[i + n :]]))
            if short.lower() in words and len(words) > 1:
                at = words.index(short.lower())
                out.append(" ".join([*words[:at], *long, *words[at + 1 :]]))
        return out

    def mentions(self, text: str) -> list[tuple[str, int, list[str]]]:
        """The concepts a text names, longest name first at each place: each with the word
        position where it is named and the words naming it (`TOKEN`s of the text)."""
        tokens = TOKEN.findall(text)
        keys = [key(t) for t in tokens]
        parts = [words_of(t) for t in tokens]
        out: list[tuple[str, int, list[str]]] = []
        i = 0
        while i < len(tokens):
            flat = [w for p in parts[i : i + MAX_NAME_WORDS] for w in p]
            close = len(flat) >= 2 and (flat[0][:2], flat[1][:2]) in self.first_starts
            for n in range(min(MAX_NAME_WORDS, len(tokens) - i), 0, -1):
                piece = tokens[i : i + n]
                if n == 1 and len(piece[0]) <= SHORT and not piece[0].isupper():
                    continue
                found = self.exact.get("".join(keys[i : i + n]))
                if not found and n > 1 and close:
                    found = self._close([w for p in parts[i : i + n] for w in p])
                if found:
                    out.append((found, i, piece))
                    i += n - 1
                    break
            i += 1
        return out

    def _close(self, words: list[str]) -> str | None:
        if len(words) < 2:
            return None
        for other, concept in self.by_initials.get(_starts(words), ()):
            if close_words(words, other):
                return concept
        return None

    def _one(self, word: str) -> str | None:
        return self.exact.get(key(word))


def _stem_key(words: list[str]) -> str:
    return " ".join(_stem(w) for w in words)


def _stem(word: str) -> str:
    """A word without its inflection or derivation ending, of `MIN_STEM` letters or more
    ("teaming": "team", "hallucinations" and "hallucinating": "hallucin", "overfitting":
    "overfit")."""
    for end in STEM_ENDS:
        if word.endswith(end) and len(word) - len(end) >= MIN_STEM:
            word = word[: -len(end)]
            if word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]  # "overfitt", "programm"
            break
    return word


def _gap(long: list[str], short: list[str]) -> bool:
    """Whether the short name is the long one with a run of inner words left out."""
    return len(short) >= 2 and any(
        long[:i] == short[:i] and long[len(long) - len(short) + i :] == short[i:]
        for i in range(1, len(short))
    )


def _starts(words: list[str]) -> tuple[str, ...]:
    """What two spellings of a name share: each word's first letter (a slip further in:
    "Mutli-head attenion", "Vague racollection")."""
    return tuple(w[:1] for w in words)


def _short_forms(names: list[str]) -> list[tuple[list[str], str]]:
    """(long form's words, abbreviation) for a concept's abbreviations that spell a long name."""
    shorts = [n for n in names if ABBREVIATION.fullmatch(n) and n.isalpha()]
    longs = [n for n in names if len(n.split()) >= 2]
    return [(words_of(lf), s) for s in shorts for lf in longs if spells(s, lf.split())]


def _without_function(name: str) -> str:
    words = name.split()
    if len(words) >= 2 and words[-1].lower() in KIND_WORDS:
        rest = " ".join(words[:-1])
        if rest.lower() not in GENERIC:
            return rest
    return ""
