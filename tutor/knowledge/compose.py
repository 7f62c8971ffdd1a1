"""Offline explanations shaped to teach: the definition, why it matters and how it works, one
example, then side remarks from other passages under "See also", every line with its source.

Extractive, not generative: every sentence shown is the learner's own, trimmed of Markdown
noise, deduplicated across passages, and numbered back to the passage it came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.knowledge.explanation import (
    EXAMPLE,
    HOW_IT_WORKS,
    SIDE_REMARK,
    Explanation,
    KeyPoint,
    Side,
)
from tutor.knowledge.explanation_parts import (
    EXAMPLE_LEAD,
    Wanted,
    arrange,
    home_passages,
    is_example,
    names_any,
    overlap,
    pieces,
)
from tutor.knowledge.note_units import TITLE_NOISE, Unit, asked_concept, read_units
from tutor.knowledge.passage import Passage
from tutor.knowledge.words import keywords, word_count

__all__ = [
    "Explanation",
    "KeyPoint",
    "asked_concept",
    "compose_explanation",
    "overlap",
    "with_sides",
]

COMPARE = re.compile(r"\b(vs\.?|versus|compared?|differences?|differ)\b", re.I)
# Sentences that lean on their title for a subject: "It squishes…", "Solves vanishing…".
PRONOUN = r"(?i:it|its|this|these|they|those|but|and|so)\b"
DANGLING = re.compile(
    rf"^(?:{PRONOUN}"
    r"|[A-Za-z][a-z]*[^s'\W]s\s(?!(?:are|were|have|can|may|will|that|which|of|in|and|to)\b))"
)
GENERIC = frozenset("function model problem method network process use work way type thing".split())
"""Words too common in study notes to show that a sentence is about the topic."""
COMPARING = frozenset("vs versus compare compared difference differ".split())
ASPECTS = frozenset(
    keywords("advantages disadvantages drawbacks limitations benefits pros cons applications steps")
)
"""Words asking for a side of a term ("disadvantages of GRU"): the term alone names it."""
TERM_WORDS = 3
"""A topic of more words is a question in the learner's words rather than a term."""
MAX_POINT = 240
MAX_LEAD = 320


def _lead_score(unit: Unit, wanted: set[str], names: list[set[str]], compare: bool) -> float:
    """How well a unit introduces the topic; a definition of exactly the topic (or of another
    name the notes give it: "Proximal Policy Optimization" for PPO) scores highest."""
    every = set().union(*names)

    def fit(words: set[str]) -> float:
        return max(len(words & name) / len(name) for name in names)

    own = max(overlap(unit.terms, w) / len(w) for w in [wanted, *names[1:]])
    # "reward modeling" is not "reward model"; a defined term with more words is narrower.
    # Defining another term ("Unit is same as …", under an MSE title) introduces nothing.
    # A line defining exactly the name ("Weights: …", "Agents: …") beats one whose subject
    # only holds it ("Enterprise Agents: …").
    defines = [
        3 * fit(about) - 0.3 * len(about - every) + form * bool(about & every)
        + 0.5 * (about in names)
        for about, form in unit.defines
    ]  # fmt: skip
    # "A Function that is defined as …" under "Sigmoid Function" defines the title's term.
    elsewhere = any(form == 2 and about - GENERIC for about, form in unit.defines) and not any(
        about & every for about, _ in unit.defines
    )
    if fit(unit.under) and not elsewhere:  # the first answer under a title defines it,
        # though less surely than "X is …" does, and a title with more words is narrower
        defines.append(3 * fit(unit.under) - 0.3 * len(unit.under - every) + 1.5)
    if compare:  # a comparison is best introduced by the sentence that names both sides
        forms = [form for _, form in unit.defines] + [2] * bool(unit.under)
        return 3 * own + max(forms, default=0) - 0.2 * unit.rank
    words = word_count(unit.text)
    brevity = 2 if words < 5 else 0.5 if words < 8 else 0  # a bare name defines nothing
    # "MSE penalizes …" is about MSE even when the notes define MSE nowhere; "e.g. …" is not.
    shape = (_opens(unit, wanted) and not unit.defines) - 2 * is_example(unit)
    return max(defines, default=0.0) + own + shape - 0.2 * unit.rank - brevity


def _opens(unit: Unit, wanted: set[str]) -> bool:
    """Whether the unit's text opens with the topic as its subject ("MSE penalizes …", not
    "May overfit on small data")."""
    first = keywords(unit.text.split(maxsplit=1)[0]) if unit.text.strip() else []
    opening = set(keywords(unit.text)[: len(wanted) + 1])
    return (
        bool(first) and overlap(set(first), wanted) > 0 and overlap(opening, wanted) == len(wanted)
    )


def _subjected(unit: Unit, wanted: set[str] | None = None, aside: bool = False) -> str:
    """The unit's text, given its title when it has no subject of its own (or lacks the topic);
    a side remark names what it is about whenever its title does not ("alternative to PPO"
    is DPO), since it comes from elsewhere."""
    text = unit.text
    orphan = DANGLING.match(text) or (wanted is not None and not overlap(unit.terms, wanted))
    titled = set(keywords(unit.title))
    orphan = orphan or (aside and not overlap(unit.terms, titled))
    if orphan and unit.title and not titled <= unit.terms:
        lower = text[:1].lower() if text[1:2].islower() else text[:1]
        text = f"{unit.title}: {lower}{text[1:]}"
    return text


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _lead(units: list[Unit], lead: Unit) -> list[Unit]:
    """The lead, and the sentence after it when that carries on: "X = …. It teaches …"."""
    after = units[units.index(lead) + 1 : units.index(lead) + 2]
    brief = word_count(lead.text) < 10
    if brief and after and after[0].rank == lead.rank and re.match(PRONOUN, after[0].text):
        return [lead, after[0]]
    return [lead]


def _need(words: int) -> int:
    """How many of the topic's words a passage or remark names to be about it."""
    return words if words <= 2 else -(-2 * words // 3)


def _relevant_units(
    passages: list[Passage], wanted: set[str], others: list[set[str]]
) -> list[Unit]:
    """Units about the topic, from passages naming enough of it ("KL penalty", not "L2
    penalty") or naming it by another name ("Proximal Policy Optimization" for PPO)."""
    words = [set(keywords(f"{p.heading}\n{p.text}")) for p in passages]
    covers = [overlap(w, wanted) for w in words]
    need = min(_need(len(wanted)), max(covers, default=0))
    return [
        u
        for rank, p in enumerate(passages)
        if covers[rank] >= need or names_any(words[rank], others)
        for u in read_units(p, rank)
        if overlap(u.terms | u.scope, wanted) or names_any(u.terms | u.scope, others)
    ]


def compose_explanation(
    query: str,
    passages: list[Passage],
    max_points: int = 6,
    spelled: str = "",
    aliases: Sequence[str] = (),
) -> Explanation:
    """An explanation of `query` from ranked passages: the definition, the body about the
    topic, one example and side remarks, deduplicated, with sources.
    `spelled` is the query with the notes' own spellings added ("BLEU (blue)"), for matching;
    `aliases` are other names the notes give the topic ("Proximal Policy Optimization")."""
    topic = asked_concept(query)
    compare = bool(COMPARE.search(topic))
    named = set(keywords(asked_concept(spelled) if spelled else topic)) - COMPARING
    wanted = named - GENERIC or named
    others = [words for name in aliases if (words := set(keywords(name)))]
    if 1 < len(spoken := keywords(topic)) <= TERM_WORDS:  # "PE is …" for positional encoding
        others.append({"".join(word[0] for word in spoken)})
    units = _relevant_units(passages, wanted, others) if wanted else []
    if not units:
        return _section_parts(topic, passages, wanted) or Explanation(topic)
    lead = max(units, key=lambda u: _lead_score(u, wanted, [named, *others], compare))
    opening = _lead(units, lead)
    # Both sides of a comparison are its subject: nothing there is a side remark.
    home = (
        set(range(len(passages))) if compare else home_passages(passages, lead, [wanted, *others])
    )
    own_words = len(pieces(set(keywords(topic)) - COMPARING - GENERIC - ASPECTS)) or len(wanted)
    # Each side of a comparison is the topic on its own ("ROGUE: …" for "ROUGE vs BLEU"), and
    # a question in the learner's words is answered by lines naming any of them.
    term = not compare and len(topic.split()) <= TERM_WORDS
    asked = Wanted(pieces(wanted), others, _need(own_words) if term else 1, not term)
    parts = arrange(passages, units, opening, home, asked, max_points)
    used = list(dict.fromkeys(u.rank for u in [lead, *(g[0] for _, g in parts)]))
    points = [
        KeyPoint(_clip(_shown(group, part, wanted), MAX_POINT), used.index(group[0].rank) + 1, part)
        for part, group in parts
    ]
    first = lead.text if names_any(lead.terms, others) else _subjected(lead, wanted)
    lead_text = " ".join([first.rstrip(".") + ".", *(u.text for u in opening[1:])])
    lead_text = _clip(lead_text if len(opening) > 1 else first, MAX_LEAD)
    return Explanation(topic, lead_text, 1, points, [passages[rank] for rank in used])


def _shown(group: list[Unit], part: str, wanted: set[str]) -> str:
    """A line as shown under its part: an example without its "Example:" label (the part
    names it) and with the rest of its line, a side remark with its subject."""
    if part == EXAMPLE:
        text = " ".join(u.text for u in group)
        bare = EXAMPLE_LEAD.sub("", text, count=1).lstrip(" :.-–—")
        return bare[:1].upper() + bare[1:] if bare else text
    return _subjected(group[0], aside=part == SIDE_REMARK and not _opens(group[0], wanted))


def with_sides(joint: Explanation, sides: Sequence[tuple[str, Explanation]]) -> Explanation:
    """A comparison that first defines each side from its own passages ("Adam: …",
    "RMSprop: …"), then gives what the notes say of both; a line shown as a side's
    definition is not repeated, and sources are numbered again in order of first use."""
    sources: list[Passage] = []

    def number(passage: Passage) -> int:
        places = [_place(p) for p in sources]
        if _place(passage) in places:
            return places.index(_place(passage)) + 1
        sources.append(passage)
        return len(sources)

    shown = [
        Side(name, side.lead, number(side.sources[side.lead_source - 1]))
        for name, side in sides
        if side.lead and side.sources
    ]
    if len(shown) < len(sides) or len(shown) < 2:
        return joint  # a side the notes do not define: the joint answer alone
    said = {_gist(s.text) for s in shown}
    lead = joint.lead if joint.lead and _gist(joint.lead) not in said else ""
    lead_source = number(joint.sources[joint.lead_source - 1]) if lead else 0
    points = [
        KeyPoint(p.text, number(joint.sources[p.source - 1]), p.part)
        for p in joint.points
        if _gist(p.text) not in said
    ]
    return Explanation(joint.topic, lead, lead_source, points, sources, shown)


def _place(passage: Passage) -> tuple[str, str, int, int]:
    return passage.chunk_id, passage.file, passage.start_line, passage.end_line


def _gist(text: str) -> str:
    """A line's first words, to tell the same sentence clipped or titled differently."""
    return " ".join(keywords(text)[:8])


def _section_parts(topic: str, passages: list[Passage], wanted: set[str]) -> Explanation | None:
    """A topic that names a section of the notes whose parts are their own headings
    ("Cognitive Deficits" over "1. Vague recollection", "2. Knowledge of self"): each part
    with its first line, in the notes' order. None when fewer than two parts are found."""
    parts: list[tuple[Passage, str, str]] = []
    if not wanted:
        return None
    for passage in sorted(passages, key=lambda p: (p.file, p.start_line)):
        *above, own = passage.heading.split(" › ")
        if not any(overlap(set(keywords(h)), wanted) >= _need(len(wanted)) for h in above):
            continue
        units = read_units(passage, 0)
        name = TITLE_NOISE.sub("", own).replace('"', "").strip()
        if units and name and name not in [n for _, n, _ in parts]:
            parts.append((passage, name, units[0].text))
    if len(parts) < 2:
        return None
    points = [
        KeyPoint(_clip(f"{name}: {text}", MAX_POINT), n, HOW_IT_WORKS)
        for n, (_, name, text) in enumerate(parts, start=1)
    ]
    return Explanation(topic, points=points, sources=[p for p, _, _ in parts])
