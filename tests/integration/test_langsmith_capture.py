"""The capture server speaks LangSmith well enough for the real langsmith client and tracers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import langsmith
import pytest
import requests
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.tracers.langchain import LangChainTracer, wait_for_all_tracers
from langsmith import traceable
from langsmith.schemas import Dataset
from urllib3.util import Retry

from tests.integration.langsmith_capture import (
    CaptureServer,
    reset_langsmith_globals,
    running_capture,
)

pytestmark = pytest.mark.integration

NOTE = {"page_content": "Reward models score answers.", "metadata": {"source": "rl.md"}}


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    with running_capture() as capture:
        yield capture


def make_client(server: CaptureServer, **kwargs: Any) -> langsmith.Client:
    return langsmith.Client(api_url=server.url, api_key="test-key", **kwargs)


@traceable(run_type="retriever", name="retrieve")
def retrieve(question: str) -> list[dict[str, Any]]:
    return [NOTE]


@traceable(name="summarize")
def summarize(docs: list[dict[str, Any]]) -> str:
    return str(docs[0]["page_content"])


@traceable(name="answer", tags=["tutor"], metadata={"topic": "rl"})
def answer(question: str) -> dict[str, str]:
    docs = retrieve(question)
    run = langsmith.get_current_run_tree()
    assert run is not None
    # Added after the run was created, so it reaches the server only in the patch.
    run.add_tags(["graded"])
    run.add_metadata({"verdict": "correct"})
    return {"text": summarize(docs)}


def ask(
    client: langsmith.Client, project: str = "capture", run_id: uuid.UUID | None = None
) -> dict[str, str]:
    with langsmith.tracing_context(enabled=True, client=client, project_name=project):
        return answer("What is a reward model?", langsmith_extra={"run_id": run_id})


def lambdas() -> Runnable[int, int]:
    """pipeline(3) = double, then plus_one, which calls `add` nested: 3*2 + 1 = 7."""
    add: RunnableLambda[int, int] = RunnableLambda(lambda x: x + 1, name="add")
    double: RunnableLambda[int, int] = RunnableLambda(lambda x: x * 2, name="double")
    plus_one: RunnableLambda[int, int] = RunnableLambda(lambda x: add.invoke(x), name="plus_one")
    return (double | plus_one).with_config(run_name="pipeline")


Sent = tuple[str, str, str]
INGESTION: dict[str, tuple[dict[str, dict[str, Any]], dict[str, Any], Sent]] = {
    # mode: (changes to /info, client options, the request that must carry the runs)
    "zstd multipart": ({}, {}, ("POST", "/runs/multipart", "zstd")),
    "multipart": (
        {"instance_flags": {"zstd_compression_enabled": False}},
        {},
        ("POST", "/runs/multipart", ""),
    ),
    "batch": (
        {"batch_ingest_config": {"use_multipart_endpoint": False}},
        {},
        ("POST", "/runs/batch", ""),
    ),
    "one by one": ({}, {"auto_batch_tracing": False}, ("POST", "/runs", "")),
}


@pytest.mark.parametrize("mode", INGESTION)
def test_a_traceable_tree_arrives_merged(server: CaptureServer, mode: str) -> None:
    info, options, route = INGESTION[mode]
    for section, changes in info.items():
        server.info[section].update(changes)
    client = make_client(server, **options)
    # The background thread turns compression on only once it has read /info, so a new
    # client's first runs go out uncompressed; warm it up before the trace under test.
    ask(client, project="warm-up")
    client.flush()
    sent_before = len(server.requests)

    assert ask(client, project="tutor-traces") == {"text": NOTE["page_content"]}
    client.flush()

    def traced_root() -> dict[str, Any] | None:
        roots = [r for r in server.root_runs() if r["session_name"] == "tutor-traces"]
        return roots[0] if roots and roots[0]["end_time"] else None

    root = server.wait_for(traced_root)
    assert route in server.requests[sent_before:]
    assert root["name"] == "answer" and root["trace_id"] == root["id"]
    assert root["inputs"] == {"question": "What is a reward model?"}
    assert root["outputs"] == {"text": NOTE["page_content"]}
    assert set(root["tags"]) >= {"tutor", "graded"}
    assert root["extra"]["metadata"]["topic"] == "rl"
    assert root["extra"]["metadata"]["verdict"] == "correct"
    kids = server.wait_for(
        lambda: len(server.children(root["id"])) == 2 and server.children(root["id"])
    )
    assert [(kid["name"], kid["run_type"]) for kid in kids] == [
        ("retrieve", "retriever"),
        ("summarize", "chain"),
    ]
    assert all(kid["trace_id"] == root["id"] for kid in kids)
    assert kids[0]["outputs"] == {"output": [NOTE]}
    assert [r["name"] for r in server.root_runs()] == ["answer", "answer"]
    assert server.projects[root["session_id"]]["name"] == "tutor-traces"
    assert server.unknown == [] and server.errors == []


@pytest.mark.parametrize("queued", [True, False], ids=["with trace id", "direct"])
def test_feedback_is_linked_to_its_run(server: CaptureServer, queued: bool) -> None:
    client = make_client(server)
    run_id = uuid.uuid4()
    ask(client, run_id=run_id)
    client.flush()
    project = client.read_project(project_name="capture")

    client.create_feedback(
        run_id=run_id,
        trace_id=run_id if queued else None,
        session_id=project.id,
        key="helpful",
        score=1,
        comment="cited the note",
    )
    client.flush()

    [feedback] = server.wait_for(lambda: server.feedback)
    assert feedback["run_id"] == str(run_id)
    assert (feedback["key"], feedback["score"], feedback["comment"]) == (
        "helpful",
        1,
        "cited the note",
    )
    assert (("POST", "/feedback", "") in server.requests) is not queued
    [listed] = client.list_feedback(run_ids=[run_id])
    assert (listed.run_id, listed.key, listed.score) == (run_id, "helpful", 1)
    assert list(client.list_feedback(run_ids=[uuid.uuid4()])) == []
    assert server.unknown == [] and server.errors == []


QUIZ = [
    {"inputs": {"question": "2+2"}, "reference_outputs": {"answer": "4"}, "split": "train"},
    {"inputs": {"question": "3+3"}, "reference_outputs": {"answer": "6"}},
]


def exact_match(outputs: dict[str, Any], reference_outputs: dict[str, Any]) -> bool:
    return bool(outputs["answer"] == reference_outputs["answer"])


def make_quiz(client: langsmith.Client) -> Dataset:
    dataset = client.create_dataset("quiz", description="sums")
    client.create_examples(dataset_id=dataset.id, examples=QUIZ)
    return dataset


@pytest.mark.parametrize("multipart", [True, False], ids=["multipart", "legacy"])
def test_datasets_and_examples_round_trip(server: CaptureServer, multipart: bool) -> None:
    server.info["instance_flags"]["dataset_examples_multipart_enabled"] = multipart
    client = make_client(server)
    dataset = make_quiz(client)

    assert client.has_dataset(dataset_name="quiz") and not client.has_dataset(dataset_name="nope")
    with pytest.raises(langsmith.utils.LangSmithConflictError):
        client.create_dataset("quiz")
    assert [d.name for d in client.list_datasets()] == ["quiz"]
    assert client.read_dataset(dataset_name="quiz").example_count == 2
    examples = list(client.list_examples(dataset_name="quiz"))
    assert sorted(e.outputs["answer"] for e in examples if e.outputs) == ["4", "6"]
    [train] = client.list_examples(dataset_id=dataset.id, splits=["train"])
    assert train.inputs == {"question": "2+2"}

    client.update_example(train.id, metadata={"level": "easy"}, dataset_id=dataset.id)
    assert client.read_example(train.id).metadata == {"level": "easy", "dataset_split": ["train"]}
    assert server.unknown == [] and server.errors == []


def test_evaluate_records_an_experiment_with_feedback(server: CaptureServer) -> None:
    client = make_client(server)
    dataset = make_quiz(client)

    def target(inputs: dict[str, Any]) -> dict[str, str]:
        return {"answer": "4" if inputs["question"] == "2+2" else "7"}

    langsmith.evaluate(
        target, data="quiz", evaluators=[exact_match], experiment_prefix="sums", client=client
    )
    client.flush()

    [experiment] = [p for p in server.projects.values() if p["name"].startswith("sums")]
    assert experiment["reference_dataset_id"] == str(dataset.id)
    # Only the closing PATCH /sessions/{id} carries the splits.
    assert sorted(experiment["extra"]["metadata"]["dataset_splits"]) == ["base", "train"]
    runs = server.wait_for(
        lambda: len(server.runs_named("Target")) == 2 and server.runs_named("Target")
    )
    assert {run["session_id"] for run in runs} == {experiment["id"]}
    assert {run["reference_example_id"] for run in runs} == set(server.examples)
    feedback = server.wait_for(lambda: len(server.feedback) == 2 and server.feedback)
    scores = {item["run_id"]: (item["key"], item["score"]) for item in feedback}
    by_answer = {run["outputs"]["answer"]: run["id"] for run in runs}
    assert scores[by_answer["4"]] == ("exact_match", True)
    assert scores[by_answer["7"]] == ("exact_match", False)
    assert server.unknown == [] and server.errors == []


def test_a_langchain_tracer_sends_nested_runnables(server: CaptureServer) -> None:
    tracer = LangChainTracer(client=make_client(server), project_name="lc")
    config: RunnableConfig = {"callbacks": [tracer], "tags": ["lc"], "metadata": {"user": "ada"}}

    assert lambdas().invoke(3, config) == 7
    tracer.wait_for_futures()

    root = server.wait_for(lambda: server.run_named("pipeline"))
    assert (root["parent_run_id"], root["session_name"]) == (None, "lc")
    assert (root["inputs"], root["outputs"]) == ({"input": 3}, {"output": 7})
    assert "lc" in root["tags"] and root["extra"]["metadata"]["user"] == "ada"
    assert [kid["name"] for kid in server.children(root["id"])] == ["double", "plus_one"]
    [nested] = server.children(server.run_named("plus_one")["id"])
    assert (nested["name"], nested["outputs"]) == ("add", {"output": 7})
    assert server.unknown == [] and server.errors == []


@pytest.fixture
def env_tracing(server: CaptureServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tracing switched on only through env vars, the way the tutor will run."""
    monkeypatch.setenv("LANGSMITH_TRACING", "true")
    monkeypatch.setenv("LANGSMITH_ENDPOINT", server.url)
    monkeypatch.setenv("LANGSMITH_API_KEY", "test-key")
    monkeypatch.setenv("LANGSMITH_PROJECT", "from-env")
    reset_langsmith_globals()
    yield
    reset_langsmith_globals()


@pytest.mark.usefixtures("env_tracing")
def test_env_vars_alone_send_traces_here(server: CaptureServer) -> None:
    assert lambdas().invoke(1) == 3
    wait_for_all_tracers()

    root = server.wait_for(lambda: server.run_named("pipeline"))
    assert root["session_name"] == "from-env"
    assert len(server.children(root["id"])) == 2


def test_a_failing_server_does_not_break_the_traced_code(server: CaptureServer) -> None:
    server.failing = True
    client = make_client(server, retry_config=Retry(total=0))

    assert ask(client) == {"text": NOTE["page_content"]}
    client.flush()

    assert any(path == "/runs/multipart" for _, path, _ in server.requests)
    assert server.runs == {}
    server.failing = False
    ask(client)
    client.flush()
    assert server.wait_for(lambda: server.run_named("answer"))


def test_unknown_routes_and_wrong_keys_are_visible(server: CaptureServer) -> None:
    missing = requests.get(f"{server.url}/runs/stats", headers={"X-API-Key": "test-key"})
    wrong_key = requests.get(f"{server.url}/info", headers={"X-API-Key": "other"})

    assert (missing.status_code, wrong_key.status_code) == (404, 401)
    assert server.unknown == ["GET /runs/stats"]
