"""Row-level eval metrics, shared by `tutor eval` and the LangSmith evaluators.

Each metric scores one example from its outputs and its reference alone, so the means
`tutor eval` prints are the averages LangSmith shows for the same experiment. A metric that
does not apply to a row (no key fact stated, so none to support) is None and left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tutor.knowledge.words import keywords, near_word

HIT_AT = 5
RANK_WITHIN = 10
STATED_SHARE = 0.8
"""Share of a fact's content words an answer must use to state it in its own words."""
QUESTION_METRICS = (
    "hit_at_5",
    "reciprocal_rank",
    "cited",
    "citations_valid",
    "citation_correct",
    "fact_recall",
    "cites_expected_source",
)
QUIZ_METRICS = ("grade_exact", "grade_right_vs_not")
VERDICT_FOR_LABEL = {"right": "correct", "partial": "partial", "wrong": "incorrect"}
SOURCES_BLOCK = re.compile(r"\n\s*\*\*Sources\*\*\s*\n", re.I)
Row = Mapping[str, Any]


def words(text: str) -> str:
    """The text as its lower-cased words, one space before each: no case, punctuation or
    Markdown (`**zero**`, `*another AI*`, curly quotes) left to get in the way."""
    return "".join(" " + w for w in re.findall(r"[^\W_]+", text.casefold()))


def contains_fact(text: str, fact: str) -> bool:
    """Whether `text` has the fact's words in order; the last may end a longer word
    ("answer" in "answers"), as in bench/retrieval.py's phrase match."""
    wanted = words(fact)
    return bool(wanted) and wanted in words(text)


def states_fact(answer: str, fact: str) -> bool:
    """Whether an answer states a fact: word for word, or (in its own words) using at least
    80% of the fact's content words, a plural or a clear prefix counting ("vanish" ~
    "vanishing")."""
    if contains_fact(answer, fact):
        return True
    wanted = set(keywords(fact))
    if len(wanted) < 2:
        return False  # a one-word fact must be said as it is
    have = set(keywords(answer))
    found = sum(w in have or any(near_word(w, h) for h in have) for w in wanted)
    return found >= STATED_SHARE * len(wanted)


def answer_body(answer: str) -> str:
    """The answer without its trailing **Sources** list (headings there state nothing)."""
    return SOURCES_BLOCK.split(answer)[0]


def same_place(passage: Row, reference: Row) -> bool:
    """Whether a passage or citation is from the reference's file and heading."""
    return str(passage.get("file", "")) == reference["file"] and _heading(
        passage.get("heading", "")
    ) == _heading(reference["heading"])


def is_relevant(passage: Row, reference: Row) -> bool:
    """A passage answers the question: expected file and heading, and holds a key fact."""
    text = str(passage.get("text", ""))
    return same_place(passage, reference) and any(
        contains_fact(text, f) for f in reference["facts"]
    )


def first_relevant_rank(passages: Sequence[Row], reference: Row) -> int | None:
    """1-based rank of the first relevant passage within the top 10, else None."""
    for rank, passage in enumerate(passages[:RANK_WITHIN], start=1):
        if is_relevant(passage, reference):
            return rank
    return None


def hit_at(k: int, rank: int | None) -> float:
    """1 when the first relevant passage is within the top k."""
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None) -> float:
    """1/rank of the first relevant passage, 0 when none is in the top 10 (MRR@10's terms)."""
    return 1.0 / rank if rank is not None and rank <= RANK_WITHIN else 0.0


def score_answer(outputs: Row, reference: Row) -> dict[str, float | None]:
    """Citation metrics of the tutor's answer; each source carries the text it resolved to
    in the index (`passage`), None when no passage has that file, heading and lines.

    - cited: the answer cites at least one source (every eval question is in the notes).
    - citations_valid: every citation resolves to a passage (None when nothing is cited).
    - citation_correct: it cites, every citation resolves, and each key fact the answer
      states is in at least one cited passage (None when it states no key fact).
    - fact_recall: the share of the key facts the answer states.
    - cites_expected_source: one citation is the expected file and heading.
    """
    sources = list(outputs.get("sources") or [])
    texts = [str(s["passage"]) for s in sources if s.get("passage") is not None]
    valid = bool(sources) and len(texts) == len(sources)
    facts = list(reference["facts"])
    body = answer_body(str(outputs.get("answer", "")))
    stated = [f for f in facts if states_fact(body, f)]
    supported = all(any(contains_fact(t, f) for t in texts) for f in stated)
    return {
        "cited": float(bool(sources)),
        "citations_valid": float(valid) if sources else None,
        "citation_correct": float(valid and supported) if stated else None,
        "fact_recall": len(stated) / len(facts) if facts else 0.0,
        "cites_expected_source": float(any(same_place(s, reference) for s in sources)),
    }


def score_question(outputs: Row, reference: Row) -> dict[str, float | None]:
    """Retrieval and citation metrics of one question."""
    rank = first_relevant_rank(list(outputs.get("retrieved") or []), reference)
    return {
        "hit_at_5": hit_at(HIT_AT, rank),
        "reciprocal_rank": reciprocal_rank(rank),
        **score_answer(outputs, reference),
    }


def score_grade(outputs: Row, reference: Row) -> dict[str, float | None]:
    """Agreement of a grade with the label: exactly (3 ways), and on right-vs-not."""
    verdict = outputs.get("verdict")
    verdict = "incorrect" if verdict in (None, "skipped") else verdict
    label = str(reference["label"])
    return {
        "grade_exact": float(VERDICT_FOR_LABEL[label] == verdict),
        "grade_right_vs_not": float((label == "right") == (verdict == "correct")),
    }


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that apply (None when none does)."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _heading(text: object) -> str:
    return " ".join(str(text).split())
