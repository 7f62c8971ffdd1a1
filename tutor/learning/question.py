"""One quiz question: its kind, prompt, reference answer, key terms and where it comes from.

A leaf: every generator (`questions`, `steps`, `contrasts`, `reasons`, `code_output`) builds
these, and the graph state and the card store hold them as `as_dict` output.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, cast

from tutor.knowledge.passage import Source
from tutor.knowledge.words import keywords
from tutor.learning.recall_blocks import ACRONYM, WEAK, WORD
from tutor.learning.structure import SENTENCE_END

QuestionKind = Literal[
    "recall", "definition", "cloze", "choice", "steps", "compare", "why", "output"
]
LABELS = "ABCDEFGH"
COMMON = frozenset(
    "network neural data layer learning training function output input parameter weight value "
    "task information".split()
)


class QuestionDict(TypedDict):
    """A `Question` as the graph state, the cards and the question bank store it (`as_dict`)."""

    kind: QuestionKind
    """What sort of question: recall, definition, cloze, choice, steps, compare, why, output."""
    prompt: str
    """The question as the learner reads it (Markdown)."""
    reference: str
    """The answer the notes give."""
    key_terms: list[str]
    """The reference's most telling words, which an answer is graded on."""
    source: Source
    """The passage the question comes from."""
    options: list[str]
    """A multiple-choice question's options, in order; empty for other kinds."""
    answer_index: int | None
    """The right option's index; None for other kinds."""
    rubric: list[str]
    """The points a full answer makes (a model grades by them)."""


@dataclass
class Question:
    """One quiz question, its reference answer and where in the notes it comes from."""

    kind: QuestionKind
    prompt: str
    reference: str
    key_terms: list[str]
    source: Source
    options: list[str] = field(default_factory=list)
    answer_index: int | None = None
    rubric: list[str] = field(default_factory=list)

    def as_dict(self) -> QuestionDict:
        """JSON-able fields, copied (the question lives in a graph checkpoint)."""
        return {
            "kind": self.kind,
            "prompt": self.prompt,
            "reference": self.reference,
            "key_terms": list(self.key_terms),
            "source": self.source.copy(),
            "options": list(self.options),
            "answer_index": self.answer_index,
            "rubric": list(self.rubric),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Question:
        """Rebuild from `as_dict` output (a `QuestionDict`, or the bank's JSON of one)."""
        index = data.get("answer_index")
        return cls(
            kind=data["kind"],
            prompt=str(data["prompt"]),
            reference=str(data.get("reference", "")),
            key_terms=[str(t) for t in data.get("key_terms", [])],
            source=cast(Source, dict(data.get("source", {}))),
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


def key_terms(reference: str, exclude: set[str]) -> list[str]:
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
