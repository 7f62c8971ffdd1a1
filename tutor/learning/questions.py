"""Quiz questions built from the notes' own structure, for offline mode (no model needed).

Four shapes come from a passage: a question or title line with the bullets that answer it
(recall), a term stated with its definition (definition, and multiple choice against other
terms' definitions), and a key sentence with its salient term blanked out (cloze).
`recall_blocks` and `structure` read the passage; `blanks` blanks out terms for clozes and
choice options.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from tutor.knowledge.retriever import Passage, keywords
from tutor.learning.blanks import blank_key_term, masked, related, topic_terms
from tutor.learning.recall_blocks import ACRONYM, WEAK, WORD, Recall, join, leaf, plural, trim
from tutor.learning.structure import (
    SENTENCE_END,
    WHAT_IS,
    Definition,
    norm,
    read_structure,
    statements,
)

QuestionKind = Literal[
    "recall", "definition", "cloze", "choice", "steps", "compare", "why", "output"
]
LABELS = "ABCDEFGH"
COMMON = frozenset(
    "network neural data layer learning training function output input parameter weight value "
    "task information".split()
)


@dataclass
class Question:
    """One quiz question, its reference answer and where in the notes it comes from."""

    kind: QuestionKind
    prompt: str
    reference: str
    key_terms: list[str]
    source: dict[str, Any]
    options: list[str] = field(default_factory=list)
    answer_index: int | None = None
    rubric: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able fields (the question lives in a graph checkpoint)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """Rebuild from `as_dict` output."""
        index = data.get("answer_index")
        return cls(
            kind=data["kind"],
            prompt=str(data["prompt"]),
            reference=str(data.get("reference", "")),
            key_terms=[str(t) for t in data.get("key_terms", [])],
            source=dict(data.get("source", {})),
            options=[str(o) for o in data.get("options", [])],
            answer_index=None if index is None else int(index),
            rubric=[str(r) for r in data.get("rubric", [])],
        )

    def render(self) -> str:
        """Markdown for the learner: the prompt, then labelled options for multiple choice."""
        if not self.options:
            return self.prompt
        # List items, so Markdown renderers (rich, Slack) keep one option per line.
        lines = [f"- {LABELS[i]}) {option}" for i, option in enumerate(self.options)]
        return "\n".join([self.prompt, "", *lines])


def questions_from_passage(passage: Passage, others: Sequence[Passage] = ()) -> list[Question]:
    """All questions this passage supports; `others` supply distractors for multiple choice."""
    source = passage.ref()
    recalls, definitions = read_structure(passage.heading, passage.text)
    out = [q for r in recalls if (q := _recall_question(r, source))]
    asked = {norm(m.group(1)) for r in recalls if (m := WHAT_IS.match(r.prompt))}
    for d in definitions:
        if d.stated and norm(d.term) not in asked and (q := _definition_question(d, source)):
            out.append(q)
    pool = list(definitions)
    for other in others:
        if other is not passage:
            pool += read_structure(other.heading, other.text)[1]
    out += [q for d in definitions if (q := _choice_question(d, pool, source))]
    out += _clozes(passage.heading, passage.text, recalls, source)
    return out


def pick_question(
    passages: Sequence[Passage],
    rng: random.Random,
    avoid: Collection[str] = (),
    focus: int | None = None,
) -> Question | None:
    """A varied pick: a random kind, then a question of it, leaning to the first passages.

    Only the first `focus` passages are asked about (all of them by default); the rest
    still supply wrong options for multiple choice.
    """
    pool: dict[str, tuple[int, Question]] = {}
    for rank, passage in enumerate(passages[:focus]):
        others = [p for p in passages if p is not passage]
        for q in questions_from_passage(passage, others):
            if q.prompt not in avoid and q.prompt not in pool:
                pool[q.prompt] = (rank, q)
    if not pool:
        return None
    kind = rng.choice(sorted({q.kind for _, q in pool.values()}))
    ranked = [(rank, q) for rank, q in pool.values() if q.kind == kind]
    weights = [1.0 / (1 + rank) for rank, _ in ranked]
    return rng.choices(ranked, weights=weights)[0][1]


def _recall_question(recall: Recall, source: dict[str, Any]) -> Question | None:
    """The question or title line; its bullets are the reference answer."""
    reference = join(recall.points, 450)
    terms = _key_terms(reference, set(keywords(recall.prompt)))
    if len(terms) < 3:
        return None
    rubric = [trim(p, 160) for p in recall.points[:4]]
    return Question("recall", recall.prompt, reference, terms, source, rubric=rubric)


def _definition_question(d: Definition, source: dict[str, Any]) -> Question | None:
    """ "What is <term>?" with the notes' definition as the reference."""
    prompt = f"What {'are' if plural(d.term) else 'is'} {d.term}?"
    terms = _key_terms(d.text, set(keywords(d.term)))
    if len(terms) < 3:
        return None
    return Question("definition", prompt, d.text, terms, source, rubric=[trim(d.text, 160)])


def _choice_question(
    d: Definition, pool: Sequence[Definition], source: dict[str, Any]
) -> Question | None:
    """The definition among three others' definitions; None without three distinct ones."""
    answer = masked(d)
    if len(WORD.findall(answer)) < 4:
        return None  # every sentence of it names the term, which an option would give away
    seen = {norm(answer)}
    distractors: list[str] = []
    for other in pool:
        text = masked(other)
        if norm(text) in seen or related(d, other) or len(WORD.findall(text)) < 4:
            continue
        seen.add(norm(text))
        distractors.append(text)
        if len(distractors) == 8:
            break
    if len(distractors) < 3:
        return None
    # Seeded by the definition, so the same question always shows the same order.
    seed = int(hashlib.sha256(f"{d.term}\n{d.text}".encode()).hexdigest()[:12], 16)
    rng = random.Random(seed)
    options = [answer, *rng.sample(distractors, 3)]
    rng.shuffle(options)
    return Question(
        "choice",
        f"Which of these describes {d.term}?",
        d.text,
        _key_terms(d.text, set(keywords(d.term))),
        source,
        options=options,
        answer_index=options.index(answer),
        rubric=[f"Picks: {answer}"],
    )


def _clozes(
    heading: str, text: str, recalls: Sequence[Recall], source: dict[str, Any]
) -> list[Question]:
    """Key sentences with one salient term blanked (at most three a passage, best terms first)."""
    topics = topic_terms([leaf(heading), *(r.prompt for r in recalls)])
    found: list[tuple[int, int, Question]] = []
    for n, line in statements(text):
        for sentence in SENTENCE_END.split(line):
            picked = _cloze(sentence, topics, source, heading)
            if picked:
                found.append((picked[0], n, picked[1]))
    return [q for _, _, q in sorted(found, key=lambda f: f[:2])[:3]]


def _cloze(
    sentence: str, topics: Sequence[tuple[int, str]], source: dict[str, Any], heading: str
) -> tuple[int, Question] | None:
    """The sentence with its best candidate term blanked, if it is a key sentence."""
    picked = blank_key_term(sentence, topics, heading)
    if picked is None:
        return None
    tier, term, blanked = picked
    key = " ".join(keywords(term.replace("-", " ")))
    prompt = f"Fill in the blank: {blanked}"
    return tier, Question("cloze", prompt, term, [key], source, rubric=[f"Gives the term: {term}"])


def _key_terms(reference: str, exclude: set[str]) -> list[str]:
    """The reference's most telling words: frequent, early, technical, long; 6 at most."""
    tokens = keywords(reference)
    early = set(keywords(SENTENCE_END.split(reference)[0]))
    tokens = [t for t in tokens if "'" not in t]
    counts = Counter(
        t for t in tokens if t not in exclude and t not in WEAK and len(t) > 2 and not t.isdigit()
    )
    technical = {k for w in WORD.findall(reference) if ACRONYM.fullmatch(w) for k in keywords(w)}
    first_seen = {t: i for i, t in reversed(list(enumerate(tokens)))}

    def weight(t: str) -> float:
        common = t in COMMON  # every passage of ML notes says 'network', so it tells little
        return counts[t] + (t in early) + 0.5 * (t in technical) + min(len(t), 10) / 10 - common

    return sorted(counts, key=lambda t: (-weight(t), first_seen[t]))[:6]
