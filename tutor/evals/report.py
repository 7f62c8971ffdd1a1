"""What an eval measured: the means of the row-level metrics, the rows, and how long it took."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from tutor.evals.dataset import answer_half
from tutor.evals.metrics import QUESTION_METRICS, QUIZ_METRICS, mean
from tutor.knowledge.citations import where

if TYPE_CHECKING:
    from tutor.evals.dataset import EvalQuestion, QuizAnswer

Scores = Mapping[str, float | None]
LABELS = {
    "hit_at_5": "retrieval hit@5",
    "reciprocal_rank": "retrieval MRR@10",
    "cited": "answers that cite the notes",
    "citations_valid": "citing answers whose citations all resolve",
    "citation_correct": "citation correctness (stated facts in cited passages)",
    "fact_recall": "key facts stated by the answer",
    "cites_expected_source": "answer cites the expected file › heading",
    "grade_exact": "quiz grade agreement, exact (3-way)",
    "grade_right_vs_not": "quiz grade agreement, right vs not",
}


@dataclass
class EvalReport:
    """The eval's numbers: every metric is the mean of its row-level scores."""

    mode: str
    model: str | None
    embeddings: str
    passages: int
    version: str
    questions: int
    quiz_answers: int
    metrics: dict[str, float | None]
    counts: dict[str, int]
    """How many rows each metric applies to."""
    timings: dict[str, float]
    problems: list[str] = field(default_factory=list)
    """Eval-set items that no longer match the notes (a key fact not under its heading)."""
    question_rows: list[dict[str, Any]] = field(default_factory=list)
    quiz_rows: list[dict[str, Any]] = field(default_factory=list)
    quiz_halves: dict[str, dict[str, float | None]] = field(default_factory=dict)
    """The quiz metrics of each half of the labelled answers ("heldout", "tune"), with `n`."""
    understanding: dict[str, Any] = field(default_factory=dict)
    """Routing accuracy and coverage recall/specificity per half (evals/routing.jsonl and
    evals/coverage.jsonl), with their rows."""
    quiz_topics: dict[str, Any] = field(default_factory=dict)
    """`/quiz TOPIC` on evals/quiz_topics.jsonl: scores per half, and their rows."""
    study_map: dict[str, Any] = field(default_factory=dict)
    """The study map of the notes: concept coverage, and merges and prerequisite edges per half
    of evals/map_pairs*.jsonl and evals/map_edges*.jsonl (`tutor.evals.study_map`)."""
    experiments: list[dict[str, Any]] = field(default_factory=list)
    """LangSmith experiments recorded by `--upload`: dataset, name, url, examples synced."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-able fields."""
        return asdict(self)

    def table(self) -> list[tuple[str, str, str]]:
        """(metric, value, over how many) rows for printing."""
        rows = []
        for key in (*QUESTION_METRICS, *QUIZ_METRICS):
            value = self.metrics.get(key)
            shown = "n/a" if value is None else f"{value:.3f}"
            rows.append((LABELS[key], shown, str(self.counts.get(key, 0))))
        rows += quiz_half_rows(self.quiz_halves)
        every = [*self.question_rows, *self.quiz_rows]
        failed = sum(bool(r.get("failed")) for r in every)
        fell_back = sum(bool(r.get("fell_back")) for r in every)
        rows.append(("items that failed (no answer)", str(failed), str(len(every))))
        if self.mode == "llm":
            rows.append(("items where the model failed (offline took over)", str(fell_back),
                         str(len(every))))  # fmt: skip
        from tutor.evals.quiz_topics import quiz_topic_table
        from tutor.evals.study_map import study_map_table
        from tutor.evals.understanding import understanding_table

        topics = quiz_topic_table(self.quiz_topics.get("scores", {}))
        mapped = study_map_table(self.study_map)
        return rows + understanding_table(self.understanding) + topics + mapped


def quiz_half_rows(halves: Mapping[str, Mapping[str, float | None]]) -> list[tuple[str, str, str]]:
    """The quiz agreement of each half, held-out first (the half grading was not tuned on)."""
    rows = []
    for half, name in (("heldout", "held-out"), ("tune", "tuning")):
        scores = halves.get(half)
        if not scores:
            continue
        for key in QUIZ_METRICS:
            value = scores.get(key)
            shown = "n/a" if value is None else f"{value:.3f}"
            rows.append((f"{LABELS[key]} ({name} half)", shown, str(int(scores.get("n") or 0))))
    return rows


def quiz_halves(quiz_rows: list[dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Each half's quiz metrics: the mean over its rows, and how many rows it has."""
    halves: dict[str, dict[str, float | None]] = {}
    for half in ("heldout", "tune"):
        rows = [r for r in quiz_rows if answer_half(str(r.get("split", ""))) == half]
        if rows:
            scores = {key: mean(r["scores"].get(key) for r in rows) for key in QUIZ_METRICS}
            halves[half] = {**scores, "n": float(len(rows))}
    return halves


def question_row(q: EvalQuestion, outputs: Mapping[str, Any], scores: Scores) -> dict[str, Any]:
    """One question's result, short enough for `--json`."""
    rr = scores.get("reciprocal_rank") or 0.0
    retrieved = list(outputs.get("retrieved") or [])
    return {
        "id": q.id,
        "style": q.style,
        "question": q.question,
        "expected": f"{q.file} › {q.heading}",
        "rank": round(1 / rr) if rr else None,
        "top": where(retrieved[0]) if retrieved else None,
        "route": outputs.get("route"),
        "failed": outputs.get("failed") or "",
        "fell_back": outputs.get("fell_back") or "",
        "cited": [
            where(s) + ("" if s.get("passage") is not None else " [not in the index]")
            for s in outputs.get("sources") or []
        ],
        "scores": dict(scores),
    }


def quiz_row(a: QuizAnswer, outputs: Mapping[str, Any], scores: Scores) -> dict[str, Any]:
    """One graded answer against its label."""
    return {
        "id": a.id,
        "kind": a.question.kind,
        "split": a.split,
        "answer": a.answer,
        "label": a.label,
        "verdict": outputs.get("verdict"),
        "score": outputs.get("score"),
        "graded_by": outputs.get("graded_by"),
        "fell_back": outputs.get("fell_back") or "",
        "scores": dict(scores),
    }


@dataclass
class Setup:
    """What an eval ran with: the mode, the model, the embeddings and how many passages."""

    mode: str
    model: str | None
    embeddings: str
    passages: int


def summarize(
    setup: Setup,
    question_rows: list[dict[str, Any]],
    quiz_rows: list[dict[str, Any]],
    timings: dict[str, float],
    problems: list[str],
) -> EvalReport:
    """The report: each metric's mean over the rows it applies to."""
    from tutor.tracing import app_version

    metrics: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    for keys, rows in ((QUESTION_METRICS, question_rows), (QUIZ_METRICS, quiz_rows)):
        for key in keys:
            values = [r["scores"].get(key) for r in rows]
            metrics[key] = mean(values)
            counts[key] = sum(v is not None for v in values)
    return EvalReport(
        mode=setup.mode,
        model=setup.model,
        embeddings=setup.embeddings,
        passages=setup.passages,
        version=app_version(),
        questions=len(question_rows),
        quiz_answers=len(quiz_rows),
        metrics=metrics,
        counts=counts,
        timings={k: round(v, 2) for k, v in timings.items()},
        problems=problems,
        question_rows=question_rows,
        quiz_rows=quiz_rows,
        quiz_halves=quiz_halves(quiz_rows),
    )
