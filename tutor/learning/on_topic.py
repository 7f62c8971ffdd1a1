"""Which passages a quiz topic is about, as the notes name it.

A passage is about a topic when its heading names the topic or another name the notes give it
("PPO" ↔ "Proximal Policy Optimization"), or a line of its text introduces it (a sub-title, a
bold term, "Term: definition"). Learners type topics as they come: plurals, British
spellings, typos and compounds ("activation fucntions", "layer normalisation",
"finetuning") match the notes' words. A passage that only mentions the topic is asked from
only when nothing is about it, and the learner is told so.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from tutor.knowledge.aliases import Aliases
from tutor.knowledge.coverage import GENERIC
from tutor.knowledge.passage import Passage
from tutor.knowledge.spelling import typo_of
from tutor.knowledge.words import STOPWORDS, near_word, tokens
from tutor.learning.structure import PLACE

if TYPE_CHECKING:
    from tutor.learning.collaborators import Collaborators

HEADING, DEFINED, UNDER, MENTIONED = 4, 3, 2, 1
"""How a passage names a topic, best first: its own heading, a line that introduces it, a
heading above it, anywhere in its text (in passing)."""
TAIL = frozenset("architecture algorithm method technique approach overview basic".split())
"""Words a learner adds to a name the notes use alone ("transformer architecture")."""
MARKUP = re.compile(r"<[^>]*>|!\[\[[^\]]*\]\]|\[\[|\]\]|[*_=`#>]")
MAX_NAMES = 12
BULLET = re.compile(r"^(?:[-+•]|\d+\s*[.)])\s*")
ASKING = re.compile(
    r"^(?:what|how|why|define|explain|describe)\b(?:\s+(?:is|are|does|do|the|a|an)\b)*\s*", re.I
)
DEFINING = re.compile(r"[^:=(.]{0,60}?(?::|=|\(|\s[-–]\s|->|→|\s(?:is|are|means|refers)\b)")
"""A line that goes on to define what it starts with."""


@lru_cache(maxsize=50_000)
def terms(text: str) -> list[str]:
    """The words that can name something: lower case, hyphenated words split, stopwords out,
    plurals singular ("Chain-of-Thought" → chain, thought)."""
    out = []
    for token in tokens(MARKUP.sub(" ", text)):
        for part in re.split(r"[-'’]", token):
            if not part or part in STOPWORDS:
                continue
            if len(part) > 3 and part.endswith("s") and not part.endswith("ss"):
                part = part[:-1]
            out.append(part)
    return out


def same_word(a: str, b: str) -> bool:
    """One word as the learner types it and as the notes write it: equal, a clear prefix,
    one slip ("fucntion", "normalisation"), or in long words two ("adaption")."""
    if a == b:
        return True
    if not (a.isalpha() and b.isalpha()) or abs(len(a) - len(b)) > 2 and not a[:5] == b[:5]:
        return False
    if a[0] != b[0] and a[1:] != b[1:] and a[2:] != b[2:]:
        return False  # every slip allowed below keeps the first letter, or the rest
    if near_word(a, b) or typo_of(a, b):
        return True
    return min(len(a), len(b)) >= 8 and a[:4] == b[:4] and _distance(a, b) <= 2


def _distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def find_name(name: Sequence[str], words: Sequence[str]) -> int:
    """Where the name's words stand together in the words (one word may sit between two of
    them; "fine tuning" matches "finetuning" and back), or -1."""
    for start in range(len(words)):
        if _match(name, 0, words, start, gap=False):
            return start
    return -1


def _match(name: Sequence[str], i: int, words: Sequence[str], j: int, gap: bool) -> bool:
    if i == len(name):
        return True
    if j >= len(words):
        return False
    steps = []
    if same_word(name[i], words[j]):
        steps.append((i + 1, j + 1))
    if j + 1 < len(words) and len(name[i]) >= 6 and name[i] == words[j] + words[j + 1]:
        steps.append((i + 1, j + 2))
    if i + 1 < len(name) and len(words[j]) >= 6 and words[j] == name[i] + name[i + 1]:
        steps.append((i + 2, j + 1))
    if any(_match(name, a, words, b, gap) for a, b in steps):
        return True
    # One word between two of the name's ("reward the model"), never before its first.
    return 0 < i and not gap and len(name) > 1 and _match(name, i, words, j + 1, gap=True)


def spelled_out(names: list[list[str]], texts: Sequence[Sequence[str]]) -> list[list[str]]:
    """The names again with each short word the notes use as an abbreviation but never define
    spelled out as they most often write it ("rl" → "reinforcement learning"): only a word
    the notes have, so "gans" is never read into "generator … adversarial … network"."""
    used = {w for words in texts for w in words}
    out = list(names)
    for name in names:
        initials = "".join(w[0] for w in name)
        if len(name) >= 3 and initials in used:  # "large language model" → "llm"
            out.append([initials])
        for at, short in enumerate(name):
            if not (2 <= len(short) <= 5 and short.isalpha() and short in used):
                continue
            runs: Counter[tuple[str, ...]] = Counter()
            for words in texts:
                for j in range(len(words) - len(short) + 1):
                    run = words[j : j + len(short)]
                    if all(len(w) > 2 and w[0] == c for w, c in zip(run, short, strict=True)):
                        runs[tuple(run)] += 1
            if runs and (best := runs.most_common(1)[0])[1] >= 2:
                out.append([*name[:at], *best[0], *name[at + 1 :]])
    return out


def names_for(topic: str, aliases: Aliases | None) -> list[list[str]]:
    """The topic's words, the other names the notes give it or a part of it, and the topic
    without a trailing word like "architecture"."""
    wanted = [w for w in terms(topic) if w not in GENERIC] or terms(topic)
    if not wanted:
        return []
    names = [wanted]
    if len(wanted) > 1 and wanted[-1] in TAIL:
        names.append(wanted[:-1])
    for display in _alias_names(aliases):
        other = terms(display)
        if not other or len(other) > len(wanted):
            continue
        for start in range(len(wanted) - len(other) + 1):
            piece = wanted[start : start + len(other)]
            if len(piece) == len(other) and all(map(same_word, piece, other)):
                for alias in aliases.of(display) if aliases else ():
                    names.append(wanted[:start] + terms(alias) + wanted[start + len(other) :])
    unique = {tuple(n): n for n in names if n}
    return list(unique.values())[:MAX_NAMES]


def _alias_names(aliases: Aliases | None) -> list[str]:
    if aliases is None:
        return []
    return sorted({name for _, name in aliases.pairs()}, key=len, reverse=True)


def how_named(passage: Passage, names: Sequence[Sequence[str]]) -> int:
    """How the passage names one of the names: HEADING, DEFINED, UNDER, MENTIONED or 0."""
    *above, own = passage.heading.split("›") if passage.heading else [""]
    best = 0
    lowered = f"{passage.heading}\n{passage.text}".casefold()
    for name in names:
        if not all(w[:3] in lowered or w[-3:] in lowered for w in name):
            continue  # a quick no: each word shows its start or its end, typos mostly inside
        if find_name(name, terms(own)) >= 0:
            return HEADING
        if best < DEFINED and any(_introduces(line, name) for line in passage.text.splitlines()):
            best = DEFINED
        if best < UNDER and any(find_name(name, terms(h)) >= 0 for h in above):
            best = UNDER
        if best < MENTIONED and find_name(name, terms(passage.text)) >= 0:
            best = MENTIONED
    return best


def _introduces(line: str, name: Sequence[str]) -> bool:
    """Whether a line introduces the name: starts with it as a sub-title or a term being
    defined ("Term: …", "Term is …", "Term (…)"), or holds it in bold. A list item that only
    mentions it ("Solves vanishing gradient problem") does not."""
    plain = " ".join(MARKUP.sub(" ", line).split())
    item = BULLET.match(plain) is not None
    plain = BULLET.sub("", plain)
    if not item and ASKING.match(plain) and find_name(name, terms(plain)) >= 0:
        return True  # a question line titles its answer ("What is the purpose of softmax?")
    plain = re.sub(r"^(?:the|a|an)\s+", "", PLACE.sub("", plain), flags=re.I)
    first = plain.split()[0].lower() if plain else ""
    if first and first not in STOPWORDS and find_name(name, terms(plain)) == 0:
        subtitle = not item and len(plain.split()) <= len(name) + 4
        if subtitle or DEFINING.match(plain):
            return True
    bold = re.findall(r"\*\*([^*]+)\*\*|==([^=]+)==", line)
    return any(find_name(name, terms(a or b)) == 0 for a, b in bold)


@dataclass
class OnTopic:
    """The passages a topic is about, grouped best first, and how they name it."""

    groups: list[list[Passage]] = field(default_factory=list)
    """Passages that name the topic in their heading, then in a line introducing it, then
    those under a heading naming it; or, when none do, those that only mention it."""
    in_passing: bool = False
    """Only passing mentions name the topic."""
    searched: list[Passage] = field(default_factory=list)
    """The search's passages for the topic, best first (they lend wrong options)."""
    related: bool = False
    """No passage names the topic; these share most of its words."""

    @property
    def passages(self) -> list[Passage]:
        """Every passage about the topic, best first."""
        return [p for group in self.groups for p in group]


def on_topic(
    topic: str, passages: Iterable[Passage], aliases: Aliases | None, rank: dict[str, int]
) -> OnTopic:
    """The passages that name the topic, grouped by how, each group in search order."""
    passages = list(passages)
    names = names_for(topic, aliases)
    if not names:
        return OnTopic()
    names = spelled_out(names, [terms(f"{p.heading}\n{p.text}") for p in passages])
    tiers: dict[int, list[Passage]] = {}
    for passage in passages:
        tier = how_named(passage, names)
        if tier:
            tiers.setdefault(tier, []).append(passage)
    for group in tiers.values():
        group.sort(key=lambda p: (rank.get(p.chunk_id, len(rank)), p.file, p.start_line))
    best = [tiers.get(HEADING, []), tiers.get(DEFINED, []), tiers.get(UNDER, [])]
    groups = [g for g in best if g]
    if groups:
        return OnTopic(groups)
    mentioned = tiers.get(MENTIONED, [])
    return OnTopic([mentioned], in_passing=True) if mentioned else OnTopic()


SEARCHED = 10
"""Passages searched for a topic: its neighbours lend wrong options and rank ties."""
RELATED = 0.5
"""A topic no passage names is asked from passages holding this share of its weight."""


def find_on_topic(services: Collaborators, topic: str) -> OnTopic:
    """The passages of the notes about a topic; when none names it but the notes cover it
    in other words ("llm training pipeline"), those whose heading and text share most of it."""
    searched, found = services.look_up(topic, k=SEARCHED)
    if not searched:
        return OnTopic()
    if tagged := services.retriever.tagged(topic):  # a front-matter tag names the notes
        return OnTopic([tagged], searched=searched)
    near = {p.chunk_id: p for p in searched}
    every = [near.get(i) or Passage.from_row(i, t, m) for i, t, m in services.retriever.rows()]
    rank = {p.chunk_id: n for n, p in enumerate(searched)}
    result = on_topic(topic, every, services.retriever.aliases, rank)
    result.searched = searched
    if not result.groups and found.covered:
        related = sharing(topic, searched, every)
        result.groups, result.related = ([related], True) if related else ([], False)
    return result


def sharing(topic: str, searched: Sequence[Passage], every: Sequence[Passage]) -> list[Passage]:
    """The searched passages holding most of the topic's words, rare words weighing more and
    words of the passage's own heading twice ("inference" of "llm inference")."""
    wanted = list(dict.fromkeys(w for w in terms(topic) if w not in GENERIC))
    if not wanted:
        return []
    bags = [set(terms(f"{p.heading}\n{p.text}")) for p in every]
    weight = {w: math.log(1 + len(every) / (1 + sum(_has(w, b) for b in bags))) for w in wanted}
    total = 2 * sum(weight.values())
    scored = []
    for passage in searched:
        own, text = set(terms(passage.heading.split("›")[-1])), set(terms(passage.text))
        got = sum(weight[w] * (2 if _has(w, own) else 1 if _has(w, text) else 0) for w in wanted)
        if got / total >= RELATED:
            scored.append((-got, passage))
    return [p for _, p in sorted(scored, key=lambda s: s[0])]


def _has(word: str, bag: set[str]) -> bool:
    return word in bag or any(same_word(word, other) for other in bag)
