"""LLM mode through the real langchain-openai client against an OpenAI-compatible server."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.fakes import HashEmbeddings
from tests.integration.openai_stub import OpenAIStub, running_stub
from tutor.config import load_settings
from tutor.context import Services
from tutor.errors import TutorError
from tutor.learning.memory import LearnerMemory
from tutor.session import Tutor

pytestmark = pytest.mark.integration
REPLY = "Softmax turns logits into probabilities [1]. It sums to one [2]. Made up [9]."
Replies = dict[str, Any]
"""Replies by what is asked: a schema name (structured output) or "chat" (plain text)."""


def schema_of(body: dict[str, Any]) -> str:
    """The structured-output schema a request asks for, or "chat"."""
    fmt = body.get("response_format") or {}
    return str(fmt.get("json_schema", {}).get("name", "chat")) if fmt else "chat"


def answer_with(stub: OpenAIStub, replies: Replies) -> None:
    """Answer each request by its schema; a list is consumed in order."""

    def respond(body: dict[str, Any]) -> Any:
        reply = replies[schema_of(body)]
        return reply.pop(0) if isinstance(reply, list) else reply

    stub.responder = respond


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with running_stub() as server:
        yield server


def make_tutor(notes: Path, base_url: str, **overrides: Any) -> Tutor:
    options: dict[str, Any] = {
        "notes": notes,
        "model": "openai:stub-model",
        "openai_base_url": base_url,
        "openai_api_key": "test-key",
        "model_retries": 0,
        "model_timeout": 5,
    }
    settings = load_settings(**{**options, **overrides})
    services = Services(settings, embeddings=HashEmbeddings(), rng=random.Random(1))
    return Tutor(settings, services)


@pytest.fixture
def tutor_for(notes: Path) -> Iterator[Callable[..., Tutor]]:
    made: list[Tutor] = []

    def make(base_url: str, **overrides: Any) -> Tutor:
        made.append(make_tutor(notes, base_url, **overrides))
        return made[-1]

    yield make
    for tutor in made:
        tutor.close()


def test_router_uses_structured_output_and_explain_cites_mapped_sources(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    answer_with(
        stub,
        {
            "RouteChoice": {"route": "explain", "topic": "softmax"},
            "chat": REPLY,
        },
    )
    tutor = tutor_for(stub.base_url, route_model_below=1.0)  # the model routes all it can
    pieces: list[str] = []
    question = "how does softmax turn scores into probabilities? keep it simple"
    turn = tutor.ask(question, "l1", on_token=pieces.append)
    assert turn.route == "explain" and turn.mode == "llm" and turn.model == "openai:stub-model"
    values = tutor.graph.get_state({"configurable": {"thread_id": "l1"}}).values
    assert values["routed_by"] == "model"
    assert "[9]" not in turn.answer and "[1]" in turn.answer
    assert len(turn.sources) == 2
    for n, source in enumerate(turn.sources, start=1):
        assert f"[{n}] {source['file']} › {source['heading']}" in turn.answer
    assert len(pieces) > 3 and "".join(pieces) == REPLY  # streamed exactly, nothing else
    explain_request = stub.chat_requests[-1]
    assert explain_request.get("stream") is True
    prompt = explain_request["messages"][0]["content"]
    assert "[1] " in prompt and turn.sources[0]["heading"] in prompt
    assert explain_request["messages"][-1]["content"] == question  # the learner's own words


def test_uncovered_topic_is_said_plainly_unless_general_knowledge_is_asked(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    answer_with(
        stub,
        {
            "RouteChoice": {"route": "explain", "topic": "the french revolution"},
            "chat": "It began in 1789.",
        },
    )
    tutor = tutor_for(stub.base_url)
    plain = tutor.ask("explain the french revolution", "l2")
    assert "don't cover" in plain.answer and "general knowledge" in plain.answer
    assert "chat" not in [schema_of(r) for r in stub.chat_requests]  # no answer generated
    general = tutor.ask("explain the french revolution from general knowledge", "l2")
    assert general.answer.startswith("**General knowledge, not from your notes.**")
    assert "1789" in general.answer and general.sources == []


def test_a_server_that_refuses_structured_output_falls_back_to_rules(
    notes: Path, tutor_for: Callable[..., Tutor]
) -> None:
    with running_stub(refuse_tools=True) as refusing:
        refusing.responder = lambda body: "Plain answer about PPO [1]."
        tutor = tutor_for(refusing.base_url)
        turn = tutor.ask("where do my notes talk about PPO?", "l3")
        assert turn.route == "retrieve"
        explained = tutor.ask("explain PPO", "l3")
        assert "Plain answer about PPO [1]" in explained.answer
        quiz = tutor.ask("/quiz reward model", "l3")
        assert quiz.pending is not None and quiz.pending["type"] == "quiz_answer"
        structured = [b for b in refusing.chat_requests if "response_format" in b]
        assert len(structured) == 1  # refused once, then remembered
        values = tutor.graph.get_state({"configurable": {"thread_id": "l3"}}).values
        assert values["routed_by"] == "command"


def test_model_written_quiz_is_graded_against_its_rubric(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    answer_with(
        stub,
        {
            "WrittenQuestion": {
                "question": "What does the reward model learn from?",
                "reference": "Human rankings of pairs of model responses.",
                "rubric": ["mentions humans", "mentions ranking or comparing responses"],
            },
            "RubricGrade": {"score": 0.5, "verdict": "partial", "feedback": "Say who ranks."},
        },
    )
    tutor = tutor_for(stub.base_url)
    asked = tutor.ask("/quiz reward model", "l4")
    assert asked.pending is not None
    assert asked.pending["prompt"].startswith("What does the reward model learn from?")
    graded = tutor.ask("rankings", "l4")
    assert "Partly right" in graded.answer and "Say who ranks." in graded.answer
    assert "Human rankings of pairs" in graded.answer
    grade_prompt = stub.chat_requests[-1]["messages"][0]["content"]
    assert "mentions humans" in grade_prompt and "rankings" in grade_prompt
    grades = tutor.graph.get_state({"configurable": {"thread_id": "l4"}}).values["grades"]
    assert grades[0]["graded_by"] == "model" and grades[0]["score"] == 0.5
    # The model's grade decides the rating: no rating asked, the card is scheduled.
    assert graded.pending is None and "Rated **hard**" in graded.answer
    [card] = LearnerMemory(tutor.store, "default").cards()
    assert card["history"][0]["graded_by"] == "model" and card["question"]["rubric"]
    again = tutor.ask("/quiz reward model", "l5", learner="other")  # cached per passage
    assert again.pending is not None and again.pending["prompt"].startswith("What does")
    written = [r for r in stub.chat_requests if "WrittenQuestion" in json.dumps(r)]
    assert len(written) == 1


def test_model_written_code_runs_only_after_confirmation(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    answer_with(
        stub,
        {
            "Demonstration": {
                "code": "print(sum(range(10)))",
                "explanation": "Adds the numbers 0 to 9.",
            },
            "chat": "It printed 45, the sum of 0..9.",
        },
    )
    tutor = tutor_for(stub.base_url)
    offered = tutor.ask("/run show how range sums work", "l5")
    assert offered.pending is not None and offered.pending["type"] == "confirm_code"
    assert "print(sum(range(10)))" in offered.pending["prompt"]
    before = len(stub.chat_requests)
    ran = tutor.ask("yes", "l5")
    assert "45" in ran.answer and "It printed 45" in ran.answer
    assert len(stub.chat_requests) == before + 1  # the explanation of the result


def test_a_dead_server_costs_the_turn_nothing_it_is_answered_offline_and_says_so(
    tutor_for: Callable[..., Tutor],
) -> None:
    port = free_port()
    tutor = tutor_for(f"http://127.0.0.1:{port}/v1", route_model_below=1.0)
    turn = tutor.ask("/explain softmax", "l6")
    assert turn.sources and "[1]" in turn.answer  # the offline answer, citing the notes
    assert "Answered offline" in turn.answer and "cannot reach the model server" in turn.answer
    assert [role for role, _ in tutor.history("l6")] == ["human", "ai"]
    routed = tutor.ask("softmax and probabilities, hmm", "l6b")  # the model would route it
    values = tutor.graph.get_state({"configurable": {"thread_id": "l6b"}}).values
    assert routed.route == "explain" and values["routed_by"].endswith("(model failed)")
    assert "Routed offline" in routed.answer and routed.answer.count("the model failed") == 1

    with running_stub(port=port) as revived:
        revived.responder = lambda body: "Softmax normalises exponentials [1]."
        again = tutor.ask("/explain softmax", "l6")
    assert "Softmax normalises exponentials [1]" in again.answer
    assert "model failed" not in again.answer


def test_wrong_key_and_missing_key_are_clear(notes: Path, stub: OpenAIStub) -> None:
    tutor = make_tutor(notes, stub.base_url, openai_api_key="wrong")
    try:
        turn = tutor.ask("/explain softmax", "l7")
        assert "refused the API key" in turn.answer and turn.sources
    finally:
        tutor.close()
    settings = load_settings(notes=notes, model="openai:gpt-4o-mini")
    with pytest.raises(TutorError, match="OPENAI_API_KEY is not set"):
        Tutor(settings, Services(settings, embeddings=HashEmbeddings())).ask("/explain x", "l8")


def test_a_failing_grader_falls_back_to_rules_and_keeps_the_answer(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    written = {
        "question": "What does the reward model learn from?",
        "reference": "Human rankings of pairs of model responses.",
        "rubric": ["mentions humans", "mentions ranking"],
    }
    answer_with(stub, {"WrittenQuestion": written, "RubricGrade": []})  # grading: no reply
    tutor = tutor_for(stub.base_url)
    tutor.ask("/quiz reward model", "f1")
    graded = tutor.ask("humans rank pairs of responses", "f1")
    assert "**Reference:**" in graded.answer
    assert graded.pending is not None and graded.pending["type"] == "rating"  # rules: you rate
    assert "Graded by the offline rules" in graded.answer
    grades = tutor.graph.get_state({"configurable": {"thread_id": "f1"}}).values["grades"]
    assert grades[0]["answer"] == "humans rank pairs of responses"
    assert grades[0]["graded_by"] == "rules"


def test_a_failing_explanation_keeps_the_run_and_runs_it_once(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    demo = {"code": "print('ran')", "explanation": "Prints once."}
    answer_with(stub, {"Demonstration": demo, "chat": []})  # explaining the run: no reply
    tutor = tutor_for(stub.base_url)
    runs: list[str] = []
    real_run = tutor.services.run_code

    def counting(code: str) -> Any:
        runs.append(code)
        return real_run(code)

    tutor.services.run_code = counting  # type: ignore[method-assign]
    pieces: list[str] = []
    offered = tutor.ask("/run show printing", "f2", on_token=pieces.append)
    assert offered.pending is not None and not pieces  # the proposal is not streamed as JSON
    ran = tutor.ask("yes", "f2")
    assert "ran" in ran.answer and "could not explain the result" in ran.answer
    assert len(runs) == 1 and ran.pending is None


def test_answers_are_not_mistaken_for_new_requests(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    written = {
        "question": "Why does dropout help?",
        "reference": "It reduces overfitting by dropping units at random.",
        "rubric": ["mentions overfitting"],
    }
    grade = {"score": 1.0, "verdict": "correct", "feedback": "Yes."}
    answer_with(stub, {"WrittenQuestion": [written] * 3, "RubricGrade": [grade] * 3})
    tutor = tutor_for(stub.base_url)
    for n, answer in enumerate(
        [
            "It demonstrates that dropout reduces overfitting",
            "where the gradient is near zero",
            "Run the model on held-out data",
        ]
    ):
        tutor.ask("/quiz reward model", f"a{n}", learner=f"a{n}")
        turn = tutor.ask(answer, f"a{n}", learner=f"a{n}")
        assert turn.route == "quiz" and "Correct" in turn.answer, answer


def test_sources_belong_to_the_turn_that_used_them(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    answer_with(stub, {"chat": "Softmax [1]."})
    tutor = tutor_for(stub.base_url)
    assert tutor.ask("/explain softmax", "s1").sources
    assert tutor.ask("/help", "s1").sources == []


def test_a_model_that_does_not_answer_in_time_is_given_up_on(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    answer_with(stub, {"chat": "late"})
    stub.delay = 40
    tutor = tutor_for(stub.base_url, model_timeout=3)
    started = time.monotonic()
    turn = tutor.ask("/explain softmax", "slow")
    assert time.monotonic() - started < 20  # not the server's 40 s
    assert "did not finish within 3 s" in turn.answer and turn.sources


def test_a_streamed_reply_is_cut_by_the_wall_clock_not_only_per_read(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    answer_with(stub, {"chat": " ".join(["word"] * 400)})
    stub.token_delay = 0.1  # each read is quick; the whole reply would take 40 s
    tutor = tutor_for(stub.base_url, model_timeout=4)
    pieces: list[str] = []
    started = time.monotonic()
    turn = tutor.ask("/explain softmax", "drip", on_token=pieces.append)
    assert time.monotonic() - started < 20
    assert pieces and "did not finish within 4 s" in turn.answer


def test_every_call_carries_its_token_limit_and_a_cut_reply_is_a_failure(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    answer_with(stub, {"chat": " ".join(["on"] * 100)})
    tutor = tutor_for(stub.base_url, tokens_explain=20)
    turn = tutor.ask("/explain softmax", "long")
    limits = [r.get("max_completion_tokens") or r.get("max_tokens") for r in stub.chat_requests]
    assert limits == [20]
    assert "ran past its limit of 20 tokens" in turn.answer and turn.sources


def test_a_server_killed_mid_reply_is_a_failure_like_any_other(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    answer_with(stub, {"chat": REPLY})
    stub.cut_after = 3
    tutor = tutor_for(stub.base_url)
    streamed = tutor.ask("/explain softmax", "cut", on_token=lambda _: None)
    assert "Answered offline" in streamed.answer and streamed.sources
    assert [role for role, _ in tutor.history("cut")] == ["human", "ai"]


def test_model_code_that_is_not_a_program_gives_way_to_the_shipped_demonstration(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    answer_with(stub, {"Demonstration": {"code": "python", "explanation": "Runs it."}})
    tutor = tutor_for(stub.base_url)
    offered = tutor.ask("/run softmax", "demo")
    assert offered.pending is not None and "not runnable code" in offered.answer
    proposal = tutor.graph.get_state({"configurable": {"thread_id": "demo"}}).values["proposal"]
    assert proposal["by"].startswith("catalogue:") and "def softmax" in proposal["code"]


def test_the_cli_switches_to_llm_mode_from_the_environment(stub: OpenAIStub, notes: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    answer_with(stub, {"chat": "Softmax turns logits into probabilities [1]."})
    env = {
        **os.environ,
        "TUTOR_MODEL": "openai:stub-model",
        "OPENAI_BASE_URL": stub.base_url,
        "OPENAI_API_KEY": "test-key",
        "TUTOR_NOTES": str(notes),
    }
    run = [sys.executable, "-m", "tutor"]
    asked = subprocess.run(
        [*run, "ask", "/explain softmax", "--json"], env=env, capture_output=True, text=True
    )
    assert asked.returncode == 0, asked.stderr
    turn = json.loads(asked.stdout)
    assert (turn["mode"], turn["model"], turn["route"]) == ("llm", "openai:stub-model", "explain")
    assert turn["answer"].startswith("Softmax turns logits into probabilities [1].")
    chatted = subprocess.run(
        [*run, "chat"], env=env, input="/explain softmax\n", capture_output=True, text=True
    )
    assert chatted.returncode == 0, chatted.stderr
    assert "llm · openai:stub-model" in chatted.stdout and "Offline mode" not in chatted.stdout
    assert "Softmax turns logits into probabilities" in chatted.stdout


def test_explanations_adapt_to_the_learners_level_goals_and_record(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    written = {
        "question": "What does the reward model learn from?",
        "reference": "Human rankings of pairs of model responses.",
        "rubric": ["mentions humans"],
    }
    grade = {"score": 0.1, "verdict": "incorrect", "feedback": "Not yet.", "missing": ["humans"]}
    answer_with(
        stub,
        {"WrittenQuestion": written, "RubricGrade": grade, "chat": "The reward model [1]."},
    )
    tutor = tutor_for(stub.base_url)
    tutor.ask("/level beginner", "x1", learner="mo")
    tutor.ask("/goal understand RLHF for my thesis", "x1", learner="mo")
    tutor.ask("/quiz reward model", "x1", learner="mo")
    graded = tutor.ask("no clue, maybe gradients", "x1", learner="mo")
    assert "Rated **again**" in graded.answer and graded.pending is None
    [card] = LearnerMemory(tutor.store, "mo").cards()

    explained = tutor.ask(f"/explain {card['source']['heading']}", "x2", learner="mo")
    system = stub.chat_requests[-1]["messages"][0]["content"]
    assert "beginner" in system.lower()  # the profile's level, in a new thread
    assert "understand RLHF for my thesis" in system
    assert f"{card['topic']}: 0%" in system  # the weak spot
    assert "Your record here" in explained.answer


def test_what_the_offline_router_is_sure_of_stands_without_asking_the_model(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    written = {
        "question": "What does softmax give?",
        "reference": "Probabilities.",
        "rubric": ["p"],
    }
    answer_with(
        stub,
        {"RouteChoice": {"route": "retrieve", "topic": "x"}, "WrittenQuestion": written},
    )
    tutor = tutor_for(stub.base_url)  # by default the model routes only what is unclear
    asked = tutor.ask("quiz me on softmax", "s1")
    assert asked.route == "quiz" and asked.pending is not None
    values = tutor.graph.get_state({"configurable": {"thread_id": "s1"}}).values
    assert values["routed_by"] == "meaning" and values["topic"] == "softmax"
    assert "RouteChoice" not in [schema_of(r) for r in stub.chat_requests]


def test_prose_where_json_was_asked_falls_back_to_the_rules(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    fenced = '```json\n{"question": "Q?", "reference": "R.", "rubric": ["r"]}\n```'
    answer_with(
        stub,
        {
            "RouteChoice": "I would route this to the quiz.",
            "WrittenQuestion": fenced,
            "RubricGrade": "Looks right to me!",
            "chat": "unused",
        },
    )
    tutor = tutor_for(stub.base_url, route_model_below=1.0)
    asked = tutor.ask("softmax quiz, hmm", "j1")
    assert asked.route == "quiz" and asked.pending is not None  # offline routed, bank asked
    values = tutor.graph.get_state({"configurable": {"thread_id": "j1"}}).values
    assert values["routed_by"] == "meaning (model failed)" and values["quiz"]["prompt"] != "Q?"
    assert "not in the form asked for" in asked.answer
    assert "RouteChoice" in [schema_of(r) for r in stub.chat_requests]  # the model was asked
    graded = tutor.ask("A", "j1")
    assert graded.pending is not None and graded.pending["type"] == "rating"


def test_a_grade_whose_verdict_contradicts_its_score_follows_the_score(
    stub: OpenAIStub, tutor_for: Callable[..., Tutor]
) -> None:
    written = {"question": "Why?", "reference": "Because.", "rubric": ["says because"]}
    grade = {"score": 0.95, "verdict": "incorrect", "feedback": "", "right": ["because"]}
    answer_with(stub, {"WrittenQuestion": written, "RubricGrade": grade})
    tutor = tutor_for(stub.base_url)
    tutor.ask("/quiz reward model", "j2")
    graded = tutor.ask("because", "j2")
    assert "Correct" in graded.answer and "Right: because." in graded.answer
    assert "Rated **easy**" in graded.answer


def test_an_eval_against_a_failing_model_completes_and_counts_what_fell_back(
    notes: Path, stub: OpenAIStub, tmp_path: Path
) -> None:
    from tutor.evals import run_eval

    answer_with(stub, {"chat": [], "RouteChoice": [], "RubricGrade": []})  # every call: 500
    settings = load_settings(
        home=tmp_path, notes=notes, model="openai:stub-model", openai_base_url=stub.base_url,
        openai_api_key="test-key", model_retries=0, model_timeout=5,
    )  # fmt: skip
    report = run_eval(settings, limit=3, notes=notes, embeddings=HashEmbeddings())
    assert (report.questions, report.quiz_answers, report.mode) == (3, 3, "llm")
    rows = {label: (value, n) for label, value, n in report.table()}
    assert rows["items that failed (no answer)"] == ("0", "6")
    fell_back = int(rows["items where the model failed (offline took over)"][0])
    assert fell_back >= 3  # every quiz grade at least; the answers too unless a command
    assert all(r["graded_by"] == "rules" and r["fell_back"] for r in report.quiz_rows)
    assert report.metrics["citations_valid"] == 1.0  # the offline answers cite real passages
