"""LLM mode against a real llama.cpp server with SmolLM2-135M: the protocol and robustness
cases the stubs can only imitate (streaming, json_schema output, replies cut by the token limit
or the wall clock, a server killed mid-reply, every route end to end). SmolLM2's answers are
nonsense; these tests are about the tutor holding up, not about what the model says."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from tests.integration.llama import SMOLLM, LlamaServer, llama_cache, llama_server
from tutor import prompts
from tutor.config import load_settings
from tutor.context import Services
from tutor.nodes.router import RouteChoice
from tutor.session import Tutor

pytestmark = [pytest.mark.integration, pytest.mark.realmodel]
FELL_BACK = ": the model failed: "


@pytest.fixture(scope="module")
def model() -> Path:
    return llama_cache() / SMOLLM


@pytest.fixture(scope="module")
def server(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with llama_server(model, log, alias="smollm2") as running:
        yield running


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One TUTOR_HOME for the module: the shipped notes are indexed once (real embeddings)."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture
def tutor_on(home: Path) -> Iterator[Callable[..., Tutor]]:
    made: list[Tutor] = []

    def make(server: LlamaServer, **overrides: Any) -> Tutor:
        options: dict[str, Any] = {
            "home": home,
            "model": server.alias,  # a bare name: the OpenAI-compatible server at the URL
            "openai_base_url": server.base_url,
            "model_retries": 0,
            "model_timeout": 60,
        }
        settings = load_settings(**{**options, **overrides})
        made.append(Tutor(settings, Services(settings)))
        return made[-1]

    yield make
    for tutor in made:
        tutor.close()


def test_an_explanation_streams_from_the_real_server(
    server: LlamaServer, tutor_on: Callable[..., Tutor]
) -> None:
    tutor = tutor_on(server)
    pieces: list[str] = []
    turn = tutor.ask("/explain softmax", "stream", on_token=pieces.append)
    assert turn.mode == "llm" and turn.route == "explain" and turn.sources
    assert len(pieces) > 3  # tokens came as they were written
    assert "[1]" in turn.answer or FELL_BACK in turn.answer


def test_json_schema_output_parses_into_the_schema(
    server: LlamaServer, tutor_on: Callable[..., Tutor]
) -> None:
    # The tiny test model samples freely and sometimes pads its JSON past the default
    # 128-token route budget (a cut reply is its own test below); this one is about parsing.
    services = tutor_on(server, tokens_route=512).services
    assert services.structured is not None
    choice = services.structured(
        RouteChoice,
        [SystemMessage(prompts.ROUTER), HumanMessage("quiz me on softmax")],
        kind="route",
    )
    assert isinstance(choice, RouteChoice)
    assert choice.route in {"explain", "retrieve", "quiz", "code_run", "help"}


def test_a_reply_cut_by_its_token_limit_falls_back_and_says_so(
    server: LlamaServer, tutor_on: Callable[..., Tutor]
) -> None:
    tutor = tutor_on(server, tokens_explain=16)
    turn = tutor.ask("/explain how attention works in transformers", "short")
    assert "ran past its limit of 16 tokens" in turn.answer
    assert "Answered offline" in turn.answer and turn.sources


def test_a_reply_cut_by_the_wall_clock_frees_the_server_for_the_next_turn(
    server: LlamaServer, tutor_on: Callable[..., Tutor]
) -> None:
    tutor = tutor_on(server, model_timeout=3, tokens_explain=3000)
    started = time.monotonic()
    turn = tutor.ask("/explain every step of backpropagation in great detail", "clock")
    assert time.monotonic() - started < 3 + 10
    assert "did not finish within 3 s" in turn.answer and turn.sources
    # The cut stream released the server's only slot: a short request is answered at once.
    body = {"model": server.alias, "max_tokens": 4, "messages": [{"role": "user", "content": "hi"}]}
    request = urllib.request.Request(
        f"{server.base_url}/chat/completions", json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as reply:
        assert json.load(reply)["choices"][0]["finish_reason"] in {"length", "stop"}


def test_a_server_killed_mid_reply_costs_the_turn_nothing(
    model: Path, tmp_path: Path, tutor_on: Callable[..., Tutor]
) -> None:
    with llama_server(model, tmp_path / "doomed.log", alias="smollm2") as doomed:
        tutor = tutor_on(doomed, tokens_explain=400)
        pieces: list[str] = []

        def kill_on_first_token(piece: str) -> None:
            pieces.append(piece)
            doomed.kill()

        turn = tutor.ask("/explain softmax", "killed", on_token=kill_on_first_token)
    assert pieces and doomed.process.poll() is not None
    assert "Answered offline" in turn.answer and FELL_BACK in turn.answer and turn.sources
    assert [role for role, _ in tutor.history("killed")] == ["human", "ai"]


def test_every_route_runs_end_to_end_on_the_real_model(
    server: LlamaServer, tutor_on: Callable[..., Tutor]
) -> None:
    tutor = tutor_on(server)
    assert tutor.ask("hi there!", "e2e-help").route == "help"
    found = tutor.ask("which of my notes talk about LoRA?", "e2e-where")
    assert found.route == "retrieve" and "LoRA" in found.answer
    explained = tutor.ask("what does dropout do?", "e2e-explain")
    assert explained.route in {"explain", "retrieve", "quiz", "code_run", "help"}
    assert explained.answer.strip()
    asked = tutor.ask("/quiz softmax", "e2e-quiz")
    assert asked.route == "quiz" and asked.pending is not None
    graded = tutor.ask("it turns scores into probabilities that sum to one", "e2e-quiz")
    assert "**Reference:**" in graded.answer
    offered = tutor.ask("/run softmax", "e2e-run")
    assert offered.route == "code_run" and offered.pending is not None
    ran = tutor.ask("yes", "e2e-run")
    assert ran.pending is None and ran.answer.strip()
    values = tutor.graph.get_state({"configurable": {"thread_id": "e2e-run"}}).values
    assert values["code"] is not None and values["code"]["code"].strip()
