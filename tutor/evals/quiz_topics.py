"""Quiz on the topic asked: `/quiz TOPIC` for a fresh learner, on evals/quiz_topics.jsonl.

A covered topic scores when the first question comes from a passage about it (same file, and
the labelled line inside the passage or the same heading words); the first few questions are
scored too, as a share. An absent topic scores when the reply says it is not in the notes,
offers topics the notes do have, and asks nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tutor.evals.dataset import QuizTopic

if TYPE_CHECKING:
    from tutor.knowledge.passage import Source
    from tutor.session import Tutor

SPLITS = ("tune", "heldout")
FIRST_FEW = 3
"""Questions asked per covered topic (each after skipping the one before)."""
ABSENT = re.compile(r"not in your notes", re.I)


def heading_words(heading: str) -> list[str]:
    """A heading's words, lower case, without markup or emoji (the last part of a path)."""
    last = heading.split("›")[-1]
    return re.findall(r"[a-z0-9]+", last.lower())


def from_passage(source: Mapping[str, Any], about: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a question's source is one of the passages about the topic."""
    for passage in about:
        if source.get("file") != passage["file"]:
            continue
        start, end = source.get("start_line"), source.get("end_line")
        if start is not None and int(start) <= passage["line"] <= int(end or start):
            return True
        words = heading_words(str(source.get("heading", "")))
        if words and words == heading_words(str(passage["heading"])):
            return True
    return False


def quiz_topic_row(tutor: Tutor, item: QuizTopic, asks: int = FIRST_FEW) -> dict[str, Any]:
    """`/quiz TOPIC` for a new learner on a new thread, `asks` times (skipping each question)."""
    learner, thread = f"eval-{uuid.uuid4().hex[:8]}", f"eval-quiz-{uuid.uuid4().hex[:8]}"
    first = tutor.ask(f"/quiz {item.topic}", thread, learner=learner, interface="eval")
    row: dict[str, Any] = {"id": item.id, "split": item.split, "covered": item.covered,
                           "topic": item.topic, "answer": first.answer}  # fmt: skip
    if not item.covered:
        offered = len(re.findall(r"^\s*[-•*] ", first.answer, re.M))
        row["ok"] = first.pending is None and bool(ABSENT.search(first.answer)) and offered >= 3
        return row
    sources: list[Source | None] = []
    turn = first
    for n in range(asks):
        if turn.pending is None or turn.pending.get("type") != "quiz_answer":
            break
        sources.append(turn.sources[0] if turn.sources else None)
        if n + 1 < asks:
            tutor.ask("/skip", thread, learner=learner, interface="eval")
            turn = tutor.ask(f"/quiz {item.topic}", thread, learner=learner, interface="eval")
    hits = [s is not None and from_passage(s, item.about) for s in sources]
    row["sources"] = sources
    row["ok"] = bool(hits) and hits[0]
    row["few"] = sum(hits) / asks
    return row


def quiz_topic_rows(tutor: Tutor, items: Sequence[QuizTopic]) -> list[dict[str, Any]]:
    """Every topic asked for as a fresh learner would."""
    return [quiz_topic_row(tutor, item) for item in items]


def quiz_topic_scores(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per half: the first question on topic, the first few on topic, absent topics refused."""
    out: dict[str, dict[str, Any]] = {}
    for split in SPLITS:
        covered = [r for r in rows if r["split"] == split and r["covered"]]
        absent = [r for r in rows if r["split"] == split and not r["covered"]]
        if not covered and not absent:
            continue
        out[split] = {
            "on_topic": _share([r["ok"] for r in covered]),
            "first_few": _share([r["few"] for r in covered]),
            "absent": _share([r["ok"] for r in absent]),
            "covered_n": len(covered),
            "absent_n": len(absent),
            "absent_ok": sum(bool(r["ok"]) for r in absent),
        }
    return out


def _share(values: Sequence[float | bool]) -> float | None:
    return sum(float(v) for v in values) / len(values) if values else None


def quiz_topic_table(scores: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(metric, value, over how many) rows for printing, each half on its own."""
    rows = []
    for split in ("heldout", "tune"):
        got = scores.get(split)
        if not got:
            continue
        name = "held-out" if split == "heldout" else "tuning"
        for key, label, n in (
            ("on_topic", "quiz on topic, first question", "covered_n"),
            ("first_few", f"quiz on topic, first {FIRST_FEW}", "covered_n"),
            ("absent", "quiz absent topic refused", "absent_n"),
        ):
            value = got.get(key)
            shown = "n/a" if value is None else f"{value:.3f}"
            rows.append((f"{label} ({name} half)", shown, str(got[n])))
    return rows


def quiz_topics_eval(tutor: Tutor, limit: int | None = None) -> dict[str, Any]:
    """The quiz-on-topic scores per half, and their rows (`limit` topics spread over the set)."""
    from tutor.evals.dataset import load_quiz_topics, spread

    rows = quiz_topic_rows(tutor, spread(load_quiz_topics(), limit))
    return {"scores": quiz_topic_scores(rows), "rows": rows}
