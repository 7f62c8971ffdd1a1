"""Candidates that name the same thing become one concept.

Merged: the same name in any case, spacing, hyphenation or number ("Fine-Tuning",
"fine tuning", "Loss Functions"); a name and an abbreviation the notes give it, from
`tutor.knowledge.aliases` or a bracket ("PPO" and "Proximal Policy Optimization",
"L1 Regularization (Lasso)"); one name spelled with a slip ("Fine Tuninig"). Never merged:
names that share words but not all of them ("LoRA" / "QLoRA", "L1" / "L2", "Relu" /
"Leaky Relu"). An abbreviation the notes define but never title or bold becomes a concept of
its own, introduced where it first appears.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from tutor.knowledge.aliases import ABBREVIATION, Aliases, compound_ends, key, spells
from tutor.knowledge.markdown import plain
from tutor.learning.recall_blocks import BULLET
from tutor.studymap.concepts import Concept
from tutor.studymap.names import close_words, name_keys, study_name, words_of
from tutor.studymap.reading import Candidate, Reading
from tutor.studymap.spelled import abbreviations_in, spelled_by

DEFINED = re.compile(r"^((?:[A-Za-z][\w-]*\s+){1,5}?[A-Za-z][\w-]*)\s+(?:is|are|refers to)\b")
SECTION = ("heading", "title")
KIND_ORDER = {"heading": 0, "title": 1, "definition": 2, "wikilink": 3, "abbreviation": 4}


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def add_abbreviations(reading: Reading, aliases: Aliases) -> None:
    """A candidate for each abbreviation the notes define that no candidate names."""
    named = {k for c in reading.candidates for n in [*c.names, *c.aliases] for k in name_keys(n)}
    texts = [
        (row, i, line.lower()) for row in reading.rows for i, (_, line) in enumerate(row.lines)
    ]
    for term, other in aliases.pairs():
        if term in named or key(other) in named or not study_name(other):
            continue
        long, short = sorted((other, *aliases.of(other)), key=len, reverse=True)[0], other
        wanted = [w.lower() for w in {long, short}]
        hit = next(((r, i) for r, i, t in texts if any(w in t for w in wanted)), None)
        if hit is None:
            continue
        row, i = hit
        reading.candidates.append(
            Candidate(
                [long],
                "abbreviation",
                row.file,
                row.lines[i],
                row.heading,
                [row.chunk_id],
                [],
                None,
                [n for n in {short, *aliases.of(long)} if n != long],
            )
        )
        named.update(k for n in (long, short) for k in name_keys(n))


def home_aliases(reading: Reading) -> Aliases:
    """Abbreviations a concept's own lines spell out: "PE is used in transformers" under
    "Positional Encoding"; "Retrieval augemented generation is …" under a title naming RAG."""
    found = Aliases()
    for cand in reading.candidates:
        if cand.kind not in ("heading", "title"):
            continue
        own = [w for name in cand.names for w in name.split()]
        for _, text in cand.home:
            for token in {m.group(0) for m in ABBREVIATION.finditer(text)} - {*own}:
                if spells(token, own):
                    found.add(token, " ".join(own))
            opening = DEFINED.match(plain(BULLET.sub("", text), squeeze=True))
            phrase = opening.group(1).split() if opening else []
            for token in (t for t in own if ABBREVIATION.fullmatch(t)):
                if phrase and token not in phrase and spells(token, phrase):
                    found.add(token, " ".join(phrase))
    return found


def merge(reading: Reading, aliases: Aliases) -> tuple[dict[str, Concept], list[str]]:
    """The concepts, and for each candidate the id of the concept it became."""
    cands = reading.candidates
    union = _Union(len(cands))
    by_key: dict[str, int] = {}
    for i, cand in enumerate(cands):
        for name in _every_name(cand, aliases):
            for k in name_keys(name):
                if k in by_key:
                    union.join(i, by_key[k])
            k0 = key(name)
            if k0:
                by_key.setdefault(k0, i)
    _join_slips(cands, union, aliases)
    _join_spelled(reading, union, aliases)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(cands)):
        groups[union.find(i)].append(i)
    concepts: dict[str, Concept] = {}
    owner = [""] * len(cands)
    for members in sorted(groups.values(), key=lambda m: m[0]):
        concept = _concept(cands, members, aliases, set(concepts))
        concepts[concept.id] = concept
        for i in members:
            owner[i] = concept.id
    return concepts, owner


def _every_name(cand: Candidate, aliases: Aliases) -> list[str]:
    """A candidate's names, its own aliases, and the aliases the notes give any of them."""
    own = [*cand.names, *cand.aliases]
    return own + [a for name in own for a in aliases.of(name)]


def _join_slips(cands: list[Candidate], union: _Union, aliases: Aliases) -> None:
    """Join names one slip apart, compared within names whose words start with the same
    letters; another name the notes give a candidate counts as its own ("Knowledge in the
    parameters == Vague recollection" joins the heading "Vague racollection")."""
    buckets: dict[tuple[str, ...], list[tuple[int, list[str]]]] = defaultdict(list)
    for i, cand in enumerate(cands):
        for name in dict.fromkeys(_every_name(cand, aliases)):
            words = words_of(name)
            if words and sum(map(len, words)) >= 6:
                buckets[tuple(w[:1] for w in words)].append((i, words))
    for members in buckets.values():
        for n, (i, a) in enumerate(members):
            for j, b in members[n + 1 :]:
                if union.find(i) != union.find(j) and close_words(a, b):
                    union.join(i, j)


def _join_spelled(reading: Reading, union: _Union, aliases: Aliases) -> None:
    """A bare abbreviation of a note joins the one concept of that note whose name spells it
    (`tutor.studymap.spelled`): as the same concept when it is a name itself ("What is BP"),
    else as an alias ("SA")."""
    cands = reading.candidates
    vocab = compound_ends(n for c in cands for n in c.names)
    named = {key(n): i for i, c in enumerate(cands) for n in c.names}
    lines: dict[str, list[str]] = defaultdict(list)
    for row in reading.rows:
        lines[row.file] += [t for _, t in row.lines]
    for file, texts in lines.items():
        own = [(n.split(), i) for i, c in enumerate(cands) if c.file == file for n in c.names]
        for abbreviation in sorted(abbreviations_in(texts)):
            if aliases.of(abbreviation):
                continue
            spelling = [i for words, i in own if spelled_by(abbreviation, words, vocab)]
            roots = {union.find(i) for i in spelling}
            if len(roots) > 1:  # "BP": the heading "Backpropagation", not a step "Backward Prop"
                roots = {union.find(i) for i in spelling if cands[i].kind in SECTION}
            if len(roots) != 1:
                continue
            root = roots.pop()
            if key(abbreviation) in named:
                union.join(named[key(abbreviation)], root)
            elif abbreviation not in cands[root].aliases:
                cands[root].aliases.append(abbreviation)


def _concept(
    cands: list[Candidate], members: list[int], aliases: Aliases, taken: set[str]
) -> Concept:
    names: Counter[str] = Counter()
    for i in members:
        for name in _every_name(cands[i], aliases):
            names[name] += 1 if name in cands[i].names else 0
    by_key: dict[str, str] = {}
    uses: Counter[str] = Counter()
    for name in sorted(names, key=lambda n: (-names[n], -len(n), n)):
        by_key.setdefault(key(name), name)
        uses[key(name)] += names[name]
    # A long form over its abbreviation; then the name the notes title or bold over one
    # they give in brackets ("Pretraining (Foundation Training)"); then the longer.
    shown = max(
        by_key.values(),
        key=lambda n: (
            not ABBREVIATION.fullmatch(n),
            uses[key(n)] > 0,
            len(words_of(n)),
            uses[key(n)],
            len(n),
        ),
    )
    first = min(members, key=lambda i: (KIND_ORDER.get(cands[i].kind, 9), i))
    intro = cands[first]
    passages = list(dict.fromkeys(p for i in members for p in cands[i].passages))
    concept_id = _slug(shown, taken)
    return Concept(
        id=concept_id,
        name=shown,
        aliases=sorted((n for n in by_key.values() if n != shown), key=lambda n: (-len(n), n)),
        kind=intro.kind,
        file=intro.file,
        line=intro.line[0],
        heading=intro.heading,
        passages=passages,
    )


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "concept"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
