"""Abbreviations the notes use bare, matched to the one concept name they spell.

"SA" in "an extention of SA" spells "Self Attention", a concept of the same note; "BP" spells
"Backpropagation", a word the notes also split ("back" + "propagation", a word of another
name). An abbreviation that spells two concepts' names ("CA": "Cross Attention",
"Constitutional AI"), or none in its own note, stays unmatched. A misspelled abbreviation
bracketing a known long form ("PLHF(Reinforcement Learning from Human Feedback)") is that
concept's abbreviation when it is one letter off the one the notes give.

An abbreviation no name spells may still be spelled by the running text of its note: "ML"
where the note says "machine learning" (`spelled_in_text`), "FNN" where it writes "FFNN"
(`dropped_letter`). Running text names things too: 'a neural net simulator of human
preferences ("reward model")' (`described_names`), "cell state(LTM)" (`renamed_in_text`),
"units called neurons", "raw output scores, or logits," and "A == B" (`named_in_text`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from tutor.knowledge.aliases import (
    ABBREVIATION,
    MIN_COMPOUND,
    MIN_PART,
    NOT_ABBREVIATIONS,
    SKIPPABLE,
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


PHRASE_WORD = re.compile(r"[A-Za-z]+")
"""A word of a phrase; a hyphenated word gives each part's initial ("long-term memory": LTM)."""
CLAUSE = re.compile(r"[^,.;:!?()\[\]{}\"“”|→=/]+")
"""A stretch of a line with no punctuation: a phrase spelling an abbreviation stays inside one."""
FUNCTION_WORDS = SKIPPABLE | frozenset(
    "is are be was has have can will not or but so if then than as like such at into over via per"
    " which what when where how why it its this that these those we our you your they their".split()
)
QUANTIFIERS = frozenset(
    "many more most much few fewer less some all each every other multiple several various"
    " different same new".split()
)
MIN_USES = 2
"""How often a phrase must be used in a note to spell its abbreviation, unless the
abbreviation stands within three words of it ("natural language processing or NLP")."""


def spelled_in_text(
    lines_by_file: dict[str, list[str]], names_by_file: dict[str, list[str]], aliases: Aliases
) -> Aliases:
    """ "ML" in "Unlike ML which relies on …" where the note says "machine learning" twice and
    "many layers" once: a bare abbreviation the notes never define is the phrase of its note
    whose words' initials spell it, when that phrase is used at least twice (or within three
    words of the abbreviation) and at least twice as often as any other phrase spelling it. A
    name of the note that holds the phrase and spells the abbreviation too ("Root Mean Square
    Propagation" for "root mean square") is left to `unique_owner`."""
    found = Aliases()
    for file, lines in lines_by_file.items():
        bare = {
            a
            for a in abbreviations_in(lines)
            if a.isupper() and 2 <= len(a) <= 5 and not aliases.of(a) and not aliases.of(f"{a}s")
        }
        for abbreviation, (counts, beside) in _phrase_uses(lines, bare).items():
            ranked = counts.most_common()
            (best, n), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0
            if (n < MIN_USES and best not in beside) or n < 2 * runner_up:
                continue
            if not any(
                _holds(name, best) and spells(abbreviation, name.split())
                for name in names_by_file.get(file, [])
            ):
                found.add(abbreviation, best)
    return found


def _phrase_uses(lines: list[str], bare: set[str]) -> dict[str, tuple[Counter[str], set[str]]]:
    """For each abbreviation, how often each phrase spelling it is used (counted by key, shown
    as most often written), and the phrases written within three words of it."""
    by_initials = {a.lower(): a for a in bare}
    sizes = sorted({len(a) for a in bare})
    keyed: dict[str, Counter[str]] = defaultdict(Counter)
    found: dict[str, tuple[Counter[str], set[str]]] = {}
    for line in lines:
        for clause in CLAUSE.findall(line):
            words = PHRASE_WORD.findall(clause)
            firsts = "".join(w[0] for w in words).lower()
            for n in sizes:
                for i in range(len(words) - n + 1):
                    abbreviation = by_initials.get(firsts[i : i + n])
                    run = words[i : i + n]
                    if abbreviation is None or not _initials(run) or _function_word(run):
                        continue
                    keyed[key(" ".join(run))][" ".join(run)] += 1
                    counts, beside = found.setdefault(abbreviation, (Counter(), set()))
                    counts[key(" ".join(run))] += 1
                    if abbreviation in words[max(0, i - 3) : i] + words[i + n : i + n + 3]:
                        beside.add(key(" ".join(run)))
    return {
        a: (
            Counter({keyed[k].most_common(1)[0][0]: n for k, n in counts.items()}),
            {keyed[k].most_common(1)[0][0] for k in beside},
        )  # fmt: skip
        for a, (counts, beside) in found.items()
    }


def _holds(name: str, phrase: str) -> bool:
    """Whether a longer name holds the phrase's words in a row."""

    def words(text: str) -> str:
        return " " + " ".join(key(w) for w in text.replace("-", " ").split()) + " "

    return len(name) > len(phrase) and words(phrase) in words(name)


def _initials(words: list[str]) -> str:
    if any(ABBREVIATION.fullmatch(w) for w in words):  # "ML models" spells nothing
        return ""
    return "".join(w[0] for w in words).lower()


def _function_word(words: list[str]) -> bool:
    """A run that is no name: with a function word, opening on a quantifier ("many layers",
    "fewer parameters") or a participle ("added inside")."""
    first = words[0].lower()
    return (
        any(w.lower() in FUNCTION_WORDS for w in words)
        or first in QUANTIFIERS
        or first.endswith("ed")
    )


DESCRIBED = re.compile(
    r"\b(?:an?|the)\s+((?:[A-Za-z][\w-]*\s+){1,6}[A-Za-z][\w-]*)\s*\(\s*[\"“]([A-Za-z][^\"”()]{2,40})[\"”]\s*\)"
)
"""A described thing, then its name quoted in brackets: 'a neural net simulator of human
preferences ("reward model")'."""


def described_names(lines: Iterable[str]) -> Aliases:
    """The quoted name in brackets after a description is another name of what it describes."""
    found = Aliases()
    for line in lines:
        for m in DESCRIBED.finditer(line):
            found.add(m.group(1), m.group(2).strip())
    return found


EQUATED = re.compile(r"^[\s*>+-]*([A-Za-z][\w' -]{2,80}?)\s*==\s*([A-Za-z][\w' -]{2,60}?)[\s.]*$")
"""A point that says two names are one thing: "Knowledge in the parameters == Vague
recollection" (a single "=" writes a formula: "Agent = LLM + Tools")."""
CALLED = re.compile(
    r"\b([a-z][\w-]+\s+[a-z][\w-]+)\s+(?:called|known as|also called|referred to as)\s+"
    r"([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,2})(?=\s*[,.;:()]|\s*$)"
)
"""Two words of running text, then the name they go by: "computational units called neurons"."""
OR_NAMED = re.compile(
    r"(?<!, )\b([a-z][\w-]+\s+[a-z][\w-]+(?:\s+[a-z][\w-]+)?),\s+or\s+([A-Za-z][\w-]*),"
)
"""Words of running text, then ", or" and their other name: "raw output scores, or logits,"
(not the last items of a list: "apples, big pears, or bananas,")."""


def named_in_text(lines: Iterable[str]) -> Aliases:
    """Names running text gives as one: "A == B", "units called neurons", "scores, or
    logits,". The words before the name must all say what it is, none a function word
    ("a mechanism called self-attention" names nothing more)."""
    found = Aliases()
    for line in lines:
        if m := EQUATED.match(line):
            found.add(m.group(1).strip(), m.group(2).strip())
        for m in (*CALLED.finditer(line), *OR_NAMED.finditer(line)):
            before, name = m.group(1), m.group(2)
            if not _function_word(before.split()) and not _function_word(name.split()):
                found.add(before, name)
    return found


BRACKETED_AFTER = re.compile(r"\b([a-z][a-z-]+\s+[a-z][a-z-]+)\s?\(([A-Z]{2,5})\)")
"""Two words in running text, then an abbreviation in brackets: "previous cell state(LTM)"."""


def renamed_in_text(lines: Iterable[str], aliases: Aliases) -> Aliases:
    """ "cell state(LTM)": running-text words a known abbreviation brackets without spelling
    them name what the abbreviation names (a title-case name is left alone: "Constitutional AI
    (RLAIF)" is a method of RLAIF)."""
    found = Aliases()
    for line in lines:
        for m in BRACKETED_AFTER.finditer(line):
            words, short = m.group(1).split(), m.group(2)
            longer = [k for k in map(key, aliases.of(short)) if k.endswith(key(" ".join(words)))]
            if (
                aliases.of(short)
                and not longer
                and not _function_word(words)
                and not spells(short, words)
            ):
                found.add(" ".join(words), short)
    return found


def dropped_letter(lines_by_file: dict[str, list[str]], aliases: Aliases) -> Aliases:
    """ "FNN" in a note that also writes "FFNN": a bare abbreviation of three letters or more
    that the notes never define, one letter short of one abbreviation its note defines (a
    letter left out, never one changed: "DPO" is not "PPO")."""
    found = Aliases()
    for lines in lines_by_file.values():
        bare = abbreviations_in(lines)
        known = [a for a in bare if aliases.of(a)]
        for short in sorted(a for a in bare if len(a) >= 3 and a.isupper() and not aliases.of(a)):
            longer = [a for a in known if len(a) == len(short) + 1 and _one_dropped(a, short)]
            if len(longer) == 1:
                found.add(short, longer[0])
    return found


def _one_dropped(long: str, short: str) -> bool:
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
