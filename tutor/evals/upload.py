"""`tutor eval --upload`: the eval set as LangSmith datasets, each run as an experiment.

Two datasets, `tutor-eval-questions` and `tutor-eval-quiz`, kept in step with `evals/`
(`tutor.evals.sync`: nothing created twice, changes updated, and after a full run what
`evals/` dropped removed). The experiments go through `langsmith.evaluate` with the metrics
of `tutor.evals.metrics` as row-level evaluators, so LangSmith's averages are the numbers
`tutor eval` prints.
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.config import Settings
from tutor.errors import FAILED, TutorError
from tutor.evals.dataset import QUESTIONS, QUIZ_ANSWER_SETS, EvalQuestion, QuizAnswer
from tutor.evals.metrics import QUESTION_METRICS, QUIZ_METRICS, score_grade, score_question
from tutor.evals.report import EvalReport, question_row, quiz_row, summarize
from tutor.evals.runner import EvalRunner, load_eval_set
from tutor.evals.sync import Item, sync_dataset

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel
    from langsmith import Client

QUESTIONS_DATASET = "tutor-eval-questions"
QUIZ_DATASET = "tutor-eval-quiz"
Score = Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, float | None]]
FLUSH_S = 10.0
"""The most to wait at the end for the last runs and feedback to be sent."""
TARGET_NAMES = {QUESTIONS_DATASET: "tutor answer", QUIZ_DATASET: "tutor grade"}
SCORING: dict[str, tuple[Score, Sequence[str]]] = {
    QUESTIONS_DATASET: (score_question, QUESTION_METRICS),
    QUIZ_DATASET: (score_grade, QUIZ_METRICS),
}


def langsmith_client(settings: Settings) -> Client:
    """A client for LANGSMITH_ENDPOINT with LANGSMITH_API_KEY, failing fast when unreachable."""
    if not settings.langsmith_api_key:
        raise TutorError(
            "set LANGSMITH_API_KEY to upload the eval to LangSmith",
            "put it in the environment or .env (and LANGSMITH_ENDPOINT for a self-hosted "
            "LangSmith), or run `tutor eval` without --upload",
        )
    from langsmith import Client
    from langsmith.utils import LangSmithRetry

    from tutor.tracing import sender_settings

    sender_settings()

    # One retry of a refused connection, not three: a dead endpoint fails in seconds.
    retry = LangSmithRetry(
        total=3,
        connect=1,
        backoff_factor=0.5,
        status_forcelist=[429, 500, 502, 503, 504, 408, 425],
        allowed_methods=None,
        raise_on_redirect=False,
        raise_on_status=False,
    )
    return Client(
        api_url=settings.langsmith_endpoint or None,
        api_key=settings.langsmith_api_key,
        timeout_ms=(5_000, 60_000),
        retry_config=retry,
    )


def upload_eval(
    settings: Settings,
    *,
    client: Client | None = None,
    limit: int | None = None,
    embeddings: Embeddings | None = None,
    chat_model: BaseChatModel | None = None,
    questions_path: Path = QUESTIONS,
    quiz_path: Path | Sequence[Path] = QUIZ_ANSWER_SETS,
) -> EvalReport:
    """Sync the datasets, run the eval as two LangSmith experiments, report the numbers.

    With `limit`, only that many items of each part (spread over the set) are synced and
    run, and nothing is removed from the datasets.
    """
    questions, answers = load_eval_set(questions_path, quiz_path, limit)
    client = client or langsmith_client(settings)
    started = time.perf_counter()
    with reaching(client.api_url):
        client.has_dataset(dataset_name=QUESTIONS_DATASET)  # a dead endpoint fails before work
        with EvalRunner(settings, embeddings=embeddings, chat_model=chat_model) as runner:
            report = record_experiments(client, runner, questions, answers, prune=limit is None)
    report.timings["total_s"] = round(time.perf_counter() - started, 2)
    return report


def record_experiments(
    client: Client,
    runner: EvalRunner,
    questions: list[EvalQuestion],
    answers: list[QuizAnswer],
    prune: bool,
) -> EvalReport:
    """Both experiments, and the report built from the outputs they recorded."""
    meta = {"mode": runner.mode, "model": runner.model or "", "app_version": _version()}
    t0 = time.perf_counter()
    q_items = [(q.id, q.inputs(), q.reference()) for q in questions]
    q_exp, q_outputs = experiment(
        client, runner.answer_question, QUESTIONS_DATASET, q_items, meta, prune
    )
    t1 = time.perf_counter()
    a_items = [(a.id, a.inputs(), a.reference()) for a in answers]
    a_exp, a_outputs = experiment(client, runner.grade_answer, QUIZ_DATASET, a_items, meta, prune)
    t2 = time.perf_counter()
    client.flush(timeout=FLUSH_S)
    q_by_id, a_by_id = {q.id: q for q in questions}, {a.id: a for a in answers}
    q_rows = [
        question_row(q, out, score_question(out, q.reference()))
        for i, out in q_outputs
        if (q := q_by_id.get(i)) is not None
    ]
    a_rows = [
        quiz_row(a, out, score_grade(out, a.reference()))
        for i, out in a_outputs
        if (a := a_by_id.get(i)) is not None
    ]
    timings = {"ingest_s": runner.ingest_s, "questions_s": t1 - t0, "quiz_s": t2 - t1}
    report = summarize(runner.setup(), q_rows, a_rows, timings, runner.check(questions))
    report.experiments = [q_exp, a_exp]
    return report


def experiment(
    client: Client,
    target: Callable[[Mapping[str, Any]], dict[str, Any]],
    dataset: str,
    items: list[Item],
    metadata: dict[str, Any],
    prune: bool,
) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """Sync one dataset, then evaluate `target` on its examples with the dataset's metrics
    as evaluators; (summary, outputs by eval id)."""
    from langsmith import evaluate, traceable

    score, keys = SCORING[dataset]

    synced, examples = sync_dataset(client, dataset, items, prune)
    failed: list[TutorError] = []

    def run_target(inputs: dict[str, Any]) -> dict[str, Any]:
        if failed:  # a dead model server: fail the rest at once, then say why
            raise failed[0]
        try:
            return target(inputs)
        except TutorError as exc:
            failed.append(exc)
            raise

    # evaluate() prints where to look; the report says it (and stdout is for --json).
    with contextlib.redirect_stdout(io.StringIO()):
        results = evaluate(
            traceable(name=TARGET_NAMES[dataset], run_type="chain")(run_target),
            data=examples,
            evaluators=[row_evaluator(key, score) for key in keys],
            experiment_prefix="tutor",
            description=f"tutor eval on {dataset}",
            metadata={**metadata, "dataset": dataset},
            max_concurrency=0,
            client=client,
            disable_evaluator_tracing=True,  # plain code, no trace worth keeping
        )
    if failed:
        raise failed[0]
    outputs = [
        (str((row["example"].metadata or {}).get("eval_id")), dict(row["run"].outputs or {}))
        for row in results
    ]
    summary = {
        "dataset": dataset,
        "experiment": results.experiment_name,
        "url": results.url,
        "examples": len(outputs),
        **synced,
    }
    return summary, outputs


def row_evaluator(key: str, score: Score) -> Callable[..., dict[str, Any]]:
    """A LangSmith evaluator giving one metric (no feedback where the metric does not apply)."""

    def evaluator(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> dict[str, Any]:
        value = score(outputs or {}, reference_outputs).get(key)
        return {"results": []} if value is None else {"key": key, "score": value}

    evaluator.__name__ = key
    return evaluator


@contextlib.contextmanager
def reaching(endpoint: str) -> Iterator[None]:
    """LangSmith failures as one clear message (no traceback, no retry storm in the log)."""
    from langsmith.utils import LangSmithAuthError, LangSmithConnectionError, LangSmithError

    quiet = logging.getLogger("langsmith")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        yield
    except LangSmithAuthError:
        raise TutorError(
            f"LangSmith at {endpoint} refused the API key", "check LANGSMITH_API_KEY"
        ) from None
    except LangSmithConnectionError:
        raise TutorError(
            f"cannot reach LangSmith at {endpoint}",
            "check LANGSMITH_ENDPOINT and your connection, or run `tutor eval` without --upload",
            exit_code=FAILED,
        ) from None
    except LangSmithError as exc:
        raise TutorError(
            f"LangSmith refused the upload: {_first_line(exc)}", exit_code=FAILED
        ) from None
    finally:
        quiet.setLevel(level)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _version() -> str:
    from tutor.tracing import app_version

    return app_version()
