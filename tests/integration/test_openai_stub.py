"""The loopback OpenAI stub speaks chat well enough for the real langchain-openai client."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import openai
import pytest
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr

from tests.conftest import free_port
from tests.integration.openai_stub import OpenAIStub, running_stub

pytestmark = pytest.mark.integration


class Verdict(BaseModel):
    correct: bool
    feedback: str


@tool
def lookup(topic: str) -> str:
    """Look a topic up in the notes."""
    return topic


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with running_stub() as server:
        yield server


def chat(stub: OpenAIStub, **kwargs: Any) -> ChatOpenAI:
    options: dict[str, Any] = {"max_retries": 0, "timeout": 5, **kwargs}
    return ChatOpenAI(
        model="stub-model", base_url=stub.base_url, api_key=SecretStr("test-key"), **options
    )


def join(chunks: Sequence[BaseMessage]) -> AIMessageChunk:
    """Add streamed chunks up the way langchain does."""
    joined = chunks[0]
    assert isinstance(joined, AIMessageChunk)
    for chunk in chunks[1:]:
        assert isinstance(chunk, AIMessageChunk)
        joined += chunk
    return joined


def test_invoke_returns_the_enqueued_text(stub: OpenAIStub) -> None:
    stub.enqueue("Reward models score answers.", "second")
    assert chat(stub).invoke("What is a reward model?").content == "Reward models score answers."
    assert chat(stub).invoke("again").content == "second"
    body = stub.chat_requests[0]
    assert body["model"] == "stub-model" and not body.get("stream")
    assert body["messages"][-1] == {"role": "user", "content": "What is a reward model?"}
    assert len(stub.chat_requests) == 2 and len(stub.requests) == 2


def test_stream_yields_several_chunks_that_join_to_the_text(stub: OpenAIStub) -> None:
    text = "Policy gradients push up the log-probability of good actions."
    stub.enqueue(text)
    chunks = list(chat(stub, stream_usage=True).stream("Explain policy gradients"))
    assert len([c for c in chunks if c.content]) >= 5
    joined = join(chunks)
    assert joined.content == text
    assert joined.usage_metadata and joined.usage_metadata["output_tokens"] > 0
    assert stub.chat_requests[0]["stream"] is True


def test_structured_output_parses_the_json_reply(stub: OpenAIStub) -> None:
    stub.enqueue({"correct": True, "feedback": "Well explained."})
    graded = chat(stub).with_structured_output(Verdict, method="json_schema").invoke("grade")
    assert graded == Verdict(correct=True, feedback="Well explained.")
    response_format = stub.chat_requests[0]["response_format"]
    assert response_format["type"] == "json_schema"
    assert "feedback" in response_format["json_schema"]["schema"]["properties"]


def test_a_responder_answers_when_the_queue_is_empty(stub: OpenAIStub) -> None:
    stub.responder = lambda body: f"echo: {body['messages'][-1]['content']}"
    stub.enqueue("scripted first")
    model = chat(stub)
    assert model.invoke("one").content == "scripted first"
    assert model.invoke("two").content == "echo: two"


def test_refuse_tools_server_rejects_structured_output_but_chats() -> None:
    with running_stub(refuse_tools=True) as stub:
        stub.enqueue("plain answer")
        with pytest.raises(openai.BadRequestError, match="not supported by this server"):
            chat(stub).with_structured_output(Verdict, method="json_schema").invoke("grade")
        with pytest.raises(openai.BadRequestError):
            chat(stub).bind_tools([lookup]).invoke("look it up")
        assert chat(stub).invoke("hello").content == "plain answer"
        assert len(stub.chat_requests) == 3


def test_an_empty_queue_is_a_loud_error(stub: OpenAIStub) -> None:
    with pytest.raises(openai.InternalServerError, match="no scripted reply"):
        chat(stub).invoke("anyone there?")
    with pytest.raises(openai.InternalServerError, match="no scripted reply"):
        list(chat(stub).stream("anyone there?"))


def test_a_wrong_key_is_an_authentication_error() -> None:
    with running_stub(api_key="right-key") as stub:
        stub.enqueue("never sent")
        with pytest.raises(openai.AuthenticationError):
            chat(stub).invoke("hello")


def test_a_tool_call_reply_works_with_bind_tools(stub: OpenAIStub) -> None:
    call = {"__tool_call__": {"name": "lookup", "arguments": {"topic": "PPO"}}}
    stub.enqueue(call, call)
    message = chat(stub).bind_tools([lookup]).invoke("What is PPO?")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("lookup", {"topic": "PPO"})]
    assert stub.chat_requests[0]["tools"][0]["function"]["name"] == "lookup"

    chunks = list(chat(stub).bind_tools([lookup]).stream("What is PPO?"))
    joined = join(chunks)
    assert [(c["name"], c["args"]) for c in joined.tool_calls] == [("lookup", {"topic": "PPO"})]


def test_a_dict_reply_without_tools_is_json_content(stub: OpenAIStub) -> None:
    stub.enqueue({"__tool_call__": {"name": "lookup", "arguments": {}}}, [1, 2])
    assert json.loads(str(chat(stub).invoke("x").content)) == {
        "__tool_call__": {"name": "lookup", "arguments": {}}
    }
    assert json.loads(str(chat(stub).invoke("y").content)) == [1, 2]


def test_a_slow_server_times_the_client_out(stub: OpenAIStub) -> None:
    stub.delay = 1.0
    stub.enqueue("too late")
    with pytest.raises(openai.APITimeoutError):
        chat(stub, timeout=0.2).invoke("hurry")


def test_a_stub_can_be_served_again_on_a_fixed_port() -> None:
    port = free_port()
    for text in ("first life", "second life"):
        with running_stub(port=port) as stub:
            stub.enqueue(text)
            assert stub.base_url == f"http://127.0.0.1:{port}/v1"
            assert chat(stub).invoke("hi").content == text
