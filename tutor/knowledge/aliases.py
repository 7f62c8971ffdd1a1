"""Other names the notes give a term: abbreviations they define and the long forms of the ones
they use.

Read from the notes' own text, never from a built-in list, so a learner's vault teaches the
tutor its vocabulary:

- "Proximal Policy Optimization (PPO)" and "PPO (Proximal Policy Optimization)" pair a long
  form with the abbreviation in brackets, when the abbreviation is spelled by the starts of
  the long form's words ("Adaptive Gradient(AdaGrad)", "Low Rank Adaptation (LoRA)").
- An abbreviation used bare ("How to handle VGP:") is paired with a phrase of the notes whose
  initials spell it ("Vanishing Gradient Problem").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

WORD = r"[A-Za-z][A-Za-z0-9]*(?:[-'][A-Za-z0-9]+)*"
ABBREVIATION = re.compile(r"\b(?=[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z])[A-Za-z][A-Za-z0-9-]{1,9}\b")
"""A short token with at least two capitals: "PPO", "LoRA", "AdaGrad", "RLAIF", "L2"."""
BRACKET = re.compile(r"\(([^()\n]{2,80})\)")
"""A bracket after words: "Proximal Policy Optimization (PPO)", "PPO (Proximal …)"."""
SHORT_NAME = re.compile(r"[A-Z][a-z]{1,5}")
"""A short name in brackets that may abbreviate the words before it: "(Relu)", "(Adam)"."""
CAMEL = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)+\b")
NOT_ABBREVIATIONS = frozenset({"VS", "Vs", "OK", "ID", "IT", "US", "AM", "PM", "TV"})
"""Capitals that are words, not abbreviations ("Vague recollection" VS "Working memory")."""
PHRASE = re.compile(rf"\b{WORD}(?:[ \t]+{WORD}){{1,6}}")
SKIPPABLE = frozenset("of from for the a an and to in on with by".split())
"""Words an abbreviation may skip ("Reinforcement Learning from Human Feedback" → RLHF)."""
MAX_NAME_WORDS = 8
"""The most words a name the notes define runs to (`_words_before` reads no more)."""


def spells(abbreviation: str, words: list[str]) -> bool:
    """Whether the abbreviation is spelled by the starts of the words, in order: each word gives
    its first letters (a skippable word may give none, and so may one word at the end)."""
    letters = abbreviation.replace("-", "").lower()
    parts = [w.lower() for piece in words for w in piece.split("-") if w]
    if not parts or not letters or letters[0] != parts[0][0]:
        return False

    def fits(i: int, j: int, skipped_end: bool) -> bool:
        if i == len(letters):
            rest = parts[j:]
            return all(p in SKIPPABLE for p in rest) or (len(rest) == 1 and not skipped_end)
        if j == len(parts):
            return False
        word = parts[j]
        if word in SKIPPABLE and fits(i, j + 1, skipped_end):
            return True
        n = 0
        while n < len(word) and i + n < len(letters) and word[n] == letters[i + n]:
            n += 1
            if fits(i + n, j + 1, skipped_end):
                return True
        return False

    return len(parts) >= 2 and fits(0, 0, False)


def _long_form(words: list[str], abbreviation: str) -> str | None:
    """The shortest run of the last words that spells the abbreviation (or its singular:
    "Large Language Models (LLMs)")."""
    singular = abbreviation[:-1] if re.fullmatch(r"[A-Z]{2,}s", abbreviation) else abbreviation
    for n in range(2, len(words) + 1):
        if spells(abbreviation, words[-n:]) or spells(singular, words[-n:]):
            return " ".join(words[-n:])
    return None


@dataclass
class Aliases:
    """Term ↔ other names, compared by `key` (case, spaces and hyphens do not matter)."""

    _names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, a: str, b: str) -> None:
        a, b = _clean(a), _clean(b)
        if a and b and key(a) != key(b):
            self._names[key(a)].add(b)
            self._names[key(b)].add(a)

    def of(self, term: str) -> list[str]:
        """The other names of a term, longest first; [] when the notes give none."""
        return sorted(self._names.get(key(term), ()), key=lambda n: (-len(n), n))

    def pairs(self) -> list[tuple[str, str]]:
        """Every (term, other name) pair, for display and tests."""
        return sorted((k, v) for k, vs in self._names.items() for v in vs)

    def concepts_in(self, text: str) -> list[str]:
        """One name per term the text mentions under any of its names (its shortest key, so
        "vanishing gradient problem" and "VGP" both give "vgp"), in order of mention."""
        return [concept for concept, _, _ in self.mentions(text)]

    def mentions(self, text: str) -> list[tuple[str, int, int]]:
        """Each mention of a term with other names: (its `concepts_in` name, where the words
        naming it start and end in the text), in order of mention."""
        if not self._names:
            return []
        words = list(re.finditer(WORD, text))
        keys = [key(w.group()) for w in words]
        found = []
        for start in range(len(keys)):
            joined = ""
            for n in range(min(MAX_NAME_WORDS, len(keys) - start)):
                joined += keys[start + n]
                concept = self._concept(joined)
                if not concept and n == 0:
                    concept = self._concept_of_word(joined)
                if concept:
                    found.append((concept, words[start].start(), words[start + n].end()))
        return found

    def _concept(self, name_key: str) -> str:
        names = self._names.get(name_key)
        if not names:
            return ""
        return min({name_key, *map(key, names)}, key=lambda k: (len(k), k))

    def _concept_of_word(self, word_key: str) -> str:
        """A one-word name in the singular or plural the notes did not use ("LLM", "LLMs")."""
        return self._concept(word_key[:-1] if word_key.endswith("s") else f"{word_key}s")

    def __len__(self) -> int:
        return len(self._names)


def read_aliases(texts: Iterable[str]) -> Aliases:
    """The aliases the notes define (bracketed pairs) or imply (a bare abbreviation whose letters
    start the words of a phrase the notes use)."""
    aliases = Aliases()
    texts = [t.replace("**", "").replace("__", "") for t in texts]
    for text in texts:
        for line in text.splitlines():
            for match in BRACKET.finditer(line) if "(" in line else ():
                _bracketed(aliases, _words_before(line[: match.start()]), match.group(1).strip())
    used = {m.group(0) for text in texts for m in ABBREVIATION.finditer(text)}
    unexplained = {a for a in used if not aliases.of(a) and any(c.isalpha() for c in a)}
    if unexplained:
        _spelled_elsewhere(aliases, unexplained, texts)
        _spelled_by_heading(aliases, {a for a in unexplained if not aliases.of(a)}, texts)
    return aliases


def _spelled_by_heading(aliases: Aliases, abbreviations: set[str], texts: list[str]) -> None:
    """Pair a bare abbreviation with the one word of the headings it is used under that spells
    it when read as two words the headings also use ("What is BP" under "Backpropagation and
    Optimization": "back" + "propagation", as in "Forward Propagation")."""
    headings = [t.split("\n", 1)[0] for t in texts]
    vocab = compound_ends(headings)
    owners: dict[str, set[str]] = defaultdict(set)
    for text in texts:
        heading, _, body = text.partition("\n")
        found = {m.group(0) for m in ABBREVIATION.finditer(body)} & abbreviations
        if not found:
            continue
        for word in re.findall(r"\b[A-Z][a-z]{7,}\b", heading.rsplit(" › ", 1)[-1]):
            parts = split_compound([word], vocab)
            for abbreviation in found - NOT_ABBREVIATIONS:
                if len(parts) == 2 and abbreviation.isupper() and spells(abbreviation, parts):
                    owners[abbreviation].add(word)
    for abbreviation, words in owners.items():
        if len(words) == 1:
            aliases.add(abbreviation, words.pop())


MIN_COMPOUND = 8
"""A one-word name this long may be read as two words ("Backpropagation")."""
MIN_PART = 4


def compound_ends(names: Iterable[str]) -> set[str]:
    """The words of names, lower case, long enough to end a compound word."""
    return {w for n in names for w in re.findall(r"[a-z]+", n.lower()) if len(w) >= MIN_PART + 1}


def split_compound(words: list[str], vocab: set[str]) -> list[str]:
    """The words with a long single word cut where a known word ends it ("Backpropagation")."""
    if len(words) != 1 or len(words[0]) < MIN_COMPOUND:
        return words
    word = words[0].lower()
    for cut in range(MIN_PART - 1, len(word) - MIN_PART):
        if word[cut:] in vocab:
            return [word[:cut], word[cut:]]
    return words


def _bracketed(aliases: Aliases, before: list[str], inside: str) -> None:
    squeezed = inside.replace(" ", "")  # "Root Mean Square Propagation(RMS Prop)"
    if ABBREVIATION.fullmatch(squeezed) or SHORT_NAME.fullmatch(inside):  # Long Form (ABBR)
        long = _long_form(before, squeezed)
        if long:
            aliases.add(long, inside)
        return
    if before and ABBREVIATION.fullmatch(before[-1]):  # ABBR (Long Form)
        words = inside.split()
        if spells(before[-1], words):
            aliases.add(before[-1], inside)


def _words_before(text: str) -> list[str]:
    """The run of words that ends where the text ends (up to eight)."""
    words: list[str] = []
    for word in reversed(text.split()[-8:]):
        if not re.fullmatch(WORD, word):
            break
        words.insert(0, word)
    return words


def _spelled_elsewhere(aliases: Aliases, abbreviations: set[str], texts: list[str]) -> None:
    """Pair each bare abbreviation with the one name-like phrase of the notes whose words'
    initials spell it ("VGP" and "Vanishing Gradient Problem")."""
    by_initials: dict[str, dict[str, str]] = defaultdict(dict)
    for text in texts:
        for line in text.splitlines():
            for match in PHRASE.finditer(line):
                words = match.group(0).split()
                for start in range(len(words) - 1):
                    if start and _capitalised(words[start - 1 : start]):
                        continue  # "Forward Neural Network" inside "Feed Forward Neural Network"
                    for end in range(start + 2, min(len(words), start + 8) + 1):
                        phrase = words[start:end]
                        if phrase[0].lower() in SKIPPABLE or phrase[-1].lower() in SKIPPABLE:
                            continue
                        if not _capitalised(phrase) or _capitalised(words[end : end + 1] or ["x"]):
                            continue  # not the whole name: "Modern Large" of "… Language Models"
                        initials = "".join(_initials(w) for w in phrase)
                        joined = " ".join(phrase)
                        by_initials[initials.lower()].setdefault(joined.lower(), joined)
            for match in CAMEL.finditer(line):  # "LangChain" for "LC"
                capitals = "".join(c for c in match.group(0) if c.isupper())
                by_initials[capitals.lower()].setdefault(match.group(0).lower(), match.group(0))
    for abbreviation in abbreviations - NOT_ABBREVIATIONS:
        spelled = by_initials.get(abbreviation.replace("-", "").lower(), {})
        spelled = {k: v for k, v in spelled.items() if k != abbreviation.lower()}
        if len(spelled) == 1:
            aliases.add(abbreviation, next(iter(spelled.values())))


def _initials(word: str) -> str:
    """A word's letters in an abbreviation: its first, and the first of each hyphenated part in
    capitals ("Retrieval-Augmented" gives "RA", "Pre-trained" gives "P"); none if skippable."""
    if word.lower() in SKIPPABLE:
        return ""
    return word[0] + "".join(part[0] for part in word.split("-")[1:] if part[:1].isupper())


def _capitalised(words: list[str]) -> bool:
    """A name-like phrase: every word but skippable ones starts with a capital."""
    return all(w[0].isupper() for w in words if w.lower() not in SKIPPABLE)


def key(term: str) -> str:
    """How names are compared: letters and digits only, case-folded ("RMS Prop" = "rmsprop",
    "Fine-Tuning" = "fine tuning")."""
    return re.sub(r"[\W_]+", "", term.casefold())


def _clean(term: str) -> str:
    return " ".join(term.replace("*", " ").split()).strip(" .,:;")
