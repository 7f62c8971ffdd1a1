"""Running the eval: the retriever and the tutor on every question, the grader on every
labelled answer, over an index of the eval's notes kept apart from the learner's."""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.config import SHIPPED_NOTES, Settings
from tutor.errors import TutorError
from tutor.evals.dataset import (
    QUESTIONS,
    QUIZ_ANSWER_SETS,
    EvalQuestion,
    QuizAnswer,
    load_questions,
    load_quiz_answers,
    spread,
)
from tutor.evals.metrics import RANK_WITHIN, contains_fact, same_place, score_grade, score_question
from tutor.evals.report import EvalReport, Setup, question_row, quiz_row, summarize

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

    from tutor.knowledge.index import IngestReport

Progress = Callable[[str, int, int], None]
"""Called as (what, done, total) while the eval runs."""
LEARNER = "eval"


class EvalRunner:
    """The tutor, its retriever and its grader over a private index of the eval's notes.

    The index lives under TUTOR_HOME/eval (always on disk, never a configured Chroma server)
    and conversations and learner memory stay in memory, so an eval never touches the
    learner's notes index, threads or cards. Ingest is incremental: a second run is quick.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        notes: Path | None = None,
        embeddings: Embeddings | None = None,
        chat_model: BaseChatModel | None = None,
    ) -> None:
        from langgraph.checkpoint.memory import InMemorySaver
        from langgraph.store.memory import InMemoryStore

        from tutor.context import Services
        from tutor.session import Tutor

        self.notes = notes or SHIPPED_NOTES
        # Turns are not traced as the learner's: `--upload` traces them into its experiment.
        update = {
            "home": settings.home / "eval",
            "notes": self.notes,
            "chroma_url": "",
            "langsmith_tracing": False,
        }
        self.settings = settings.model_copy(update=update)
        self.services = Services(
            self.settings, embeddings=embeddings, chat_model=chat_model, rng=random.Random(0)
        )
        started = time.perf_counter()
        try:
            self.ingested: IngestReport = self.services.index.ingest([self.notes])
            if self.services.index.count() == 0:
                raise TutorError(
                    f"nothing could be indexed from {self.notes} for the eval",
                    "run `tutor ingest` on that folder to see why",
                )
        except BaseException:
            self.services.close()
            raise
        self.ingest_s = time.perf_counter() - started
        self.tutor = Tutor(self.settings, self.services, InMemorySaver(), InMemoryStore())
        from tutor.knowledge.passage import Passage

        _, texts, metas = self.services.index.everything()
        self.passages = [{**m, "text": t} for t, m in zip(texts, metas, strict=True)]
        self._by_place = {
            _place(Passage.from_row("", t, m).ref()): t for t, m in zip(texts, metas, strict=True)
        }

    def __enter__(self) -> EvalRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def mode(self) -> str:
        """`llm` or `offline`."""
        return self.services.mode

    @property
    def model(self) -> str | None:
        """The chat model, None offline."""
        return self.services.model_name

    def setup(self) -> Setup:
        """What this eval runs with, as its report states it."""
        from tutor.knowledge.embeddings import model_id_of

        embeddings = model_id_of(self.services.index.embeddings)
        return Setup(self.mode, self.model, embeddings, len(self.passages))

    def check(self, questions: list[EvalQuestion]) -> list[str]:
        """Questions whose key facts are not in a passage of their file and heading."""
        problems = []
        for q in questions:
            here = [p for p in self.passages if same_place(p, q.reference())]
            if not here:
                problems.append(f"{q.id}: no passage under {q.file} › {q.heading}")
                continue
            for fact in q.facts:
                if not any(contains_fact(str(p["text"]), fact) for p in here):
                    problems.append(f"{q.id}: {fact!r} is not under {q.file} › {q.heading}")
        return problems

    def answer_question(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Search the notes for the question (top 10), then ask the tutor on a new thread."""
        question = str(inputs["question"])
        found = self.services.search(question, k=RANK_WITHIN)
        thread = f"eval-{uuid.uuid4().hex[:8]}"
        try:
            turn = self.tutor.ask(question, thread, learner=LEARNER, interface="eval")
        except TutorError as error:  # the item fails; the eval goes on
            return {"answer": "", "route": None, "retrieved": [], "sources": [],
                    "failed": item_failure(error)}  # fmt: skip
        return {
            "answer": turn.answer,
            "route": turn.route,
            "fell_back": fell_back_in(turn.answer),
            "retrieved": [
                {k: v for k, v in p.as_dict().items() if k not in ("chunk_id", "similarity")}
                for p in found
            ],
            "sources": [
                {**ref, "passage": self._by_place.get(_place(ref))} for ref in turn.sources
            ],
        }

    def grade_answer(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Grade a quiz answer as the tutor does: the automatic estimate offline; with a model,
        its rubric grade (the reference is the rubric of a stored question that has none)."""
        from tutor.learning.authoring import grade_with_model
        from tutor.learning.questions import Question
        from tutor.llm import ModelFailure, turn_budget
        from tutor.nodes.quiz import auto_grade

        question = Question.from_dict(dict(inputs["question"]))
        answer = str(inputs["answer"])
        grade, graded_by = auto_grade(self.services, question, answer), "rules"
        fell_back = ""
        if self.services.structured is not None and grade.verdict != "skipped":
            rubric = question.rubric or [question.reference]
            try:
                with turn_budget(self.settings):  # each item has its own time with the model
                    by_model = grade_with_model(
                        self.services, replace(question, rubric=rubric), answer
                    )
            except ModelFailure as failure:  # graded by the rules, as the tutor would
                by_model, fell_back = None, failure.message
            if by_model is not None:
                grade, graded_by = by_model, "model"
        return {"verdict": grade.verdict, "score": grade.score, "graded_by": graded_by,
                "fell_back": fell_back}  # fmt: skip

    def close(self) -> None:
        """Release the index and the tutor."""
        self.tutor.close()


def item_failure(error: TutorError) -> str:
    """Why an eval item failed, in the eval's words (no chat hints about resending)."""
    return error.message


def fell_back_in(answer: str) -> str:
    """The reason an answer gives for going its offline way (the FELL_BACK line), if any."""
    found = re.search(r": the model failed: (.+?)\.\)_", answer)
    return found.group(1) if found else ""


def run_eval(
    settings: Settings,
    *,
    limit: int | None = None,
    notes: Path | None = None,
    embeddings: Embeddings | None = None,
    chat_model: BaseChatModel | None = None,
    questions_path: Path = QUESTIONS,
    quiz_path: Path | Sequence[Path] = QUIZ_ANSWER_SETS,
    progress: Progress | None = None,
) -> EvalReport:
    """Run the eval set (or `limit` of each part, spread over it) and measure the results."""
    questions, answers = load_eval_set(questions_path, quiz_path, limit)
    started = time.perf_counter()
    with (
        untraced(),
        EvalRunner(settings, notes=notes, embeddings=embeddings, chat_model=chat_model) as runner,
    ):
        problems = runner.check(questions)
        total = len(questions) + len(answers)
        q_rows, quiz_rows = [], []
        t0 = time.perf_counter()
        for n, q in enumerate(questions):
            if progress:
                progress(q.id, n, total)
            outputs = runner.answer_question(q.inputs())
            q_rows.append(question_row(q, outputs, score_question(outputs, q.reference())))
        t1 = time.perf_counter()
        for n, a in enumerate(answers, start=len(questions)):
            if progress:
                progress(a.id, n, total)
            outputs = runner.grade_answer(a.inputs())
            quiz_rows.append(quiz_row(a, outputs, score_grade(outputs, a.reference())))
        t2 = time.perf_counter()
        from tutor.evals.understanding import understanding

        understood = understanding(runner.services, limit)
        from tutor.evals.quiz_topics import quiz_topics_eval

        on_topic = quiz_topics_eval(runner.tutor, limit)
        from tutor.evals.study_map import study_map_eval

        retriever = runner.services.retriever
        mapped = study_map_eval(retriever.rows(), retriever.aliases)
        t3 = time.perf_counter()
        if progress:
            progress("", total, total)
        timings = {
            "ingest_s": runner.ingest_s,
            "questions_s": t1 - t0,
            "quiz_s": t2 - t1,
            "understanding_s": t3 - t2,
            "total_s": t3 - started,
        }
        report = summarize(runner.setup(), q_rows, quiz_rows, timings, problems)
        report.understanding = understood
        report.quiz_topics = on_topic
        report.study_map = mapped
        return report


def load_eval_set(
    questions_path: Path, quiz_path: Path | Sequence[Path], limit: int | None
) -> tuple[list[EvalQuestion], list[QuizAnswer]]:
    """The questions and labelled answers, `limit` of each spread over the set."""
    return spread(load_questions(questions_path), limit), spread(
        load_quiz_answers(quiz_path), limit
    )


@contextmanager
def untraced() -> Iterator[None]:
    """No LangSmith traces for a local eval, even with tracing on: 150 turns would bury the
    learner's own; `tutor eval --upload` records them in the experiment instead."""
    from langsmith.run_helpers import tracing_context

    with tracing_context(enabled=False):
        yield


def _place(ref: Mapping[str, Any]) -> tuple[object, ...]:
    """Where a source ref points: file, heading, lines, cells (a notebook's lines are None)."""
    keys = ("file", "heading", "start_line", "end_line", "cell", "end_cell")
    return tuple(ref.get(k) for k in keys)
