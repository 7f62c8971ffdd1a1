"""`tutor eval --upload` against a LangSmith capture server on 127.0.0.1, with the real
langsmith client: datasets synced without duplicates, experiments with their runs linked to
the examples, and every metric as feedback with the score `tutor eval` computed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.fakes import HashEmbeddings
from tests.integration.langsmith_capture import (
    CaptureServer,
    reset_langsmith_globals,
    running_capture,
)
from tests.integration.openai_stub import running_stub
from tutor.cli import app
from tutor.config import load_settings
from tutor.evals.dataset import QUESTIONS, load_questions, load_quiz_answers, spread
from tutor.evals.metrics import QUESTION_METRICS, QUIZ_METRICS
from tutor.evals.sync import example_id
from tutor.evals.upload import QUESTIONS_DATASET, QUIZ_DATASET, upload_eval

pytestmark = pytest.mark.integration
runner = CliRunner()
LIMIT = 3


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[CaptureServer]:
    """LangSmith at a capture server, by the standard variables; instant embeddings."""
    fake = HashEmbeddings()
    monkeypatch.setattr("tutor.knowledge.index.make_embeddings", lambda settings: fake)
    with running_capture() as capture:
        monkeypatch.setenv("LANGSMITH_ENDPOINT", capture.url)
        monkeypatch.setenv("LANGSMITH_API_KEY", "test-key")
        reset_langsmith_globals()
        yield capture
        reset_langsmith_globals()


def upload(limit: int = LIMIT) -> dict[str, Any]:
    result = runner.invoke(app, ["eval", "--upload", "--limit", str(limit), "--json"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def dataset_named(server: CaptureServer, name: str) -> dict[str, Any]:
    (found,) = [d for d in server.datasets.values() if d["name"] == name]
    return found


def test_upload_syncs_the_datasets_and_records_experiments(server: CaptureServer) -> None:
    report = upload()
    questions = spread(load_questions(), LIMIT)
    answers = spread(load_quiz_answers(), LIMIT)

    # The datasets hold the eval items, one example each, under ids derived from theirs.
    q_set, a_set = dataset_named(server, QUESTIONS_DATASET), dataset_named(server, QUIZ_DATASET)
    examples = server.examples
    q_examples = {e["id"]: e for e in examples.values() if e["dataset_id"] == q_set["id"]}
    assert set(q_examples) == {example_id(QUESTIONS_DATASET, q.id) for q in questions}
    for q in questions:
        example = q_examples[example_id(QUESTIONS_DATASET, q.id)]
        assert example["inputs"] == {"question": q.question}
        assert example["outputs"] == {"file": q.file, "heading": q.heading, "facts": list(q.facts)}
        assert example["metadata"]["eval_id"] == q.id
    a_examples = {e["id"]: e for e in examples.values() if e["dataset_id"] == a_set["id"]}
    assert set(a_examples) == {example_id(QUIZ_DATASET, a.id) for a in answers}
    assert sorted(e["outputs"]["label"] for e in a_examples.values()) == sorted(
        a.label for a in answers
    )

    # One experiment per dataset, its runs the real targets, linked to the examples.
    experiments = {e["dataset"]: e for e in report["experiments"]}
    assert experiments[QUESTIONS_DATASET]["created"] == LIMIT
    projects = {p["name"]: p for p in server.projects.values()}
    q_project = projects[experiments[QUESTIONS_DATASET]["experiment"]]
    a_project = projects[experiments[QUIZ_DATASET]["experiment"]]
    assert q_project["reference_dataset_id"] == q_set["id"]
    assert a_project["reference_dataset_id"] == a_set["id"]
    assert q_project["extra"]["metadata"]["mode"] == "offline"
    assert experiments[QUESTIONS_DATASET]["url"]

    roots = {r["id"]: r for r in server.root_runs()}
    answered = [r for r in roots.values() if r["session_id"] == q_project["id"]]
    graded = [r for r in roots.values() if r["session_id"] == a_project["id"]]
    assert {r["name"] for r in answered} == {"tutor answer"}
    assert {r["reference_example_id"] for r in answered} == set(q_examples)
    assert {r["reference_example_id"] for r in graded} == set(a_examples)
    for run in answered:  # the tutor's own turn is traced inside each row
        assert server.children(run["id"]), f"no tutor runs under {run['id']}"
        assert run["outputs"]["sources"] is not None

    # Every metric is feedback on its row, with the score the report printed.
    row_scores = {
        **{example_id(QUESTIONS_DATASET, r["id"]): r["scores"] for r in report["question_rows"]},
        **{example_id(QUIZ_DATASET, r["id"]): r["scores"] for r in report["quiz_rows"]},
    }
    feedback = server.wait_for(lambda: len(server.feedback) >= len(graded) * 2 and server.feedback)
    keys = set()
    for item in feedback:
        run = roots[item["run_id"]]
        expected = row_scores[run["reference_example_id"]][item["key"]]
        assert item["score"] == pytest.approx(expected), item
        keys.add(item["key"])
    applicable = {k for scores in row_scores.values() for k, v in scores.items() if v is not None}
    assert keys == applicable and {"hit_at_5", "reciprocal_rank", *QUIZ_METRICS} <= keys
    assert keys <= {*QUESTION_METRICS, *QUIZ_METRICS}
    assert server.unknown == [] and server.errors == []


def test_uploading_again_duplicates_nothing_and_updates_what_changed(
    server: CaptureServer, tmp_path: Path
) -> None:
    first = upload()
    second = upload()
    again = {e["dataset"]: e for e in second["experiments"]}
    assert again[QUESTIONS_DATASET]["created"] == 0
    assert again[QUESTIONS_DATASET]["unchanged"] == LIMIT
    assert again[QUIZ_DATASET]["unchanged"] == LIMIT
    for name in (QUESTIONS_DATASET, QUIZ_DATASET):
        assert dataset_named(server, name)["example_count"] == LIMIT
    names = {e["experiment"] for e in first["experiments"] + second["experiments"]}
    assert len(names) == 4 and names <= {p["name"] for p in server.projects.values()}

    # A fact edited in evals/ updates that example in place.
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    changed = spread(load_questions(), LIMIT)[1]
    edited = []
    for line in lines:
        item = json.loads(line)
        if item["id"] == changed.id:
            item["facts"] = item["facts"][:1]
        edited.append(json.dumps(item, ensure_ascii=False))
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(edited) + "\n", encoding="utf-8")
    settings = load_settings()
    report = upload_eval(
        settings, limit=LIMIT, embeddings=HashEmbeddings(), questions_path=questions
    )
    synced = {e["dataset"]: e for e in report.experiments}[QUESTIONS_DATASET]
    assert (synced["created"], synced["updated"], synced["unchanged"]) == (0, 1, LIMIT - 1)
    example = server.examples[example_id(QUESTIONS_DATASET, changed.id)]
    assert example["outputs"]["facts"] == [changed.facts[0]]
    assert dataset_named(server, QUESTIONS_DATASET)["example_count"] == LIMIT


def test_with_a_model_the_experiments_say_so_and_the_model_grades(
    server: CaptureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def reply(body: dict[str, Any]) -> Any:
        schema = (body.get("response_format") or {}).get("json_schema", {}).get("name")
        if schema == "RouteChoice":
            return {"route": "explain", "topic": ""}
        if schema == "RubricGrade":
            return {"score": 0.9, "verdict": "correct", "right": [], "missing": [], "feedback": ""}
        return "The notes explain it [1]."

    with running_stub() as stub:
        stub.responder = reply
        monkeypatch.setenv("TUTOR_MODEL", "openai:stub-model")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("TUTOR_MODEL_RETRIES", "0")
        report = upload(limit=2)
    assert (report["mode"], report["model"]) == ("llm", "openai:stub-model")
    assert {row["graded_by"] for row in report["quiz_rows"]} == {"model"}
    assert {row["verdict"] for row in report["quiz_rows"]} == {"correct"}
    for experiment in report["experiments"]:
        (project,) = [p for p in server.projects.values() if p["name"] == experiment["experiment"]]
        metadata = project["extra"]["metadata"]
        assert (metadata["mode"], metadata["model"]) == ("llm", "openai:stub-model")
        assert metadata["app_version"]
