"""A small OpenAI-compatible server on 127.0.0.1 for driving the real langchain-openai client.

Serves POST /v1/embeddings (deterministic vectors) and POST /v1/chat/completions (scripted
replies, plain or streamed as Server-Sent Events). Script chat replies with `stub.enqueue(...)`
or a `stub.responder`; a `str` is assistant text, a `dict`/`list` is sent as JSON content, and
`{"__tool_call__": {"name": ..., "arguments": {...}}}` answers a request carrying tools with a
tool call. `refuse_tools=True` imitates a local server without tools or structured output.
Like a real server it stops at the request's token limit (a word a token here) with
finish_reason "length"; `token_delay` paces streamed words and `cut_after` drops the connection
after that many words, as a server killed mid-reply does.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.integration.serving import serving

DIMS = 32
CHAT_PATH = "/chat/completions"
Reply = str | dict[str, Any] | list[Any]
REFUSAL = "tools and response_format are not supported by this server"


def stub_vector(text: str) -> list[float]:
    """A deterministic unit vector from the words of a text."""
    vec = [0.0] * DIMS
    for word in text.lower().split():
        digest = hashlib.md5(word.encode()).digest()
        vec[digest[0] % DIMS] += 1.0
    norm = sum(v * v for v in vec) ** 0.5 or 1.0
    return [v / norm for v in vec]


def _error(message: str, kind: str = "invalid_request_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class OpenAIStub(ThreadingHTTPServer):
    """Answers /v1/embeddings and /v1/chat/completions; records every request it saw."""

    daemon_threads = True

    def __init__(
        self, api_key: str = "test-key", *, refuse_tools: bool = False, port: int = 0
    ) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.api_key = api_key
        self.refuse_tools = refuse_tools
        self.requests: list[dict[str, Any]] = []
        self.responder: Callable[[dict[str, Any]], Reply | None] | None = None
        self.delay: float = 0.0  # seconds to wait before answering (for timeout tests)
        self.token_delay: float = 0.0  # seconds between streamed words
        self.cut_after: int | None = None  # words sent before the connection drops
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._counter = 0
        self.models = ["stub-model"]  # what GET /v1/models lists

    @property
    def base_url(self) -> str:
        """The URL to put in OPENAI_BASE_URL."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        """The bodies of the chat-completion requests seen so far."""
        return [r["body"] for r in self.requests if r["path"].endswith(CHAT_PATH)]

    def enqueue(self, *replies: Reply) -> None:
        """Script the next chat replies, answered first in, first out."""
        with self._lock:
            self._replies.extend(replies)

    def next_reply(self, body: dict[str, Any]) -> Reply | None:
        """The next scripted reply, else the responder's answer, else None."""
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return self.responder(body) if self.responder is not None else None

    def next_id(self) -> str:
        with self._lock:
            self._counter += 1
            return f"chatcmpl-stub-{self._counter}"


def _refused(body: dict[str, Any]) -> bool:
    kind = (body.get("response_format") or {}).get("type")
    return bool(body.get("tools")) or kind in ("json_schema", "json_object")


def _tool_calls(reply: Reply, body: dict[str, Any]) -> list[dict[str, Any]] | None:
    """OpenAI tool_calls for a `__tool_call__` reply to a request with tools, else None."""
    if not (body.get("tools") and isinstance(reply, dict) and "__tool_call__" in reply):
        return None
    spec = reply["__tool_call__"]
    return [
        {
            "id": f"call_stub_{i}",
            "type": "function",
            "function": {"name": call["name"], "arguments": json.dumps(call.get("arguments", {}))},
        }
        for i, call in enumerate(spec if isinstance(spec, list) else [spec])
    ]


class _Handler(BaseHTTPRequestHandler):
    server: OpenAIStub

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Keep test output quiet."""

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {self.server.api_key}":
            self._send(401, _error("Incorrect API key"))
        elif self.path.endswith("/models"):
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "stub"}
                for m in self.server.models
            ]
            self._send(200, {"object": "list", "data": data})
        else:
            self._send(404, _error(f"no route {self.path}"))

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append({"path": self.path, "body": body})
        if self.server.delay:
            time.sleep(self.server.delay)
        try:
            if self.headers.get("Authorization") != f"Bearer {self.server.api_key}":
                self._send(401, _error("Incorrect API key"))
            elif self.path.endswith("/embeddings"):
                self._embeddings(body)
            elif self.path.endswith(CHAT_PATH):
                self._chat(body)
            else:
                self._send(404, _error(f"no route {self.path}"))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout fired during `delay`)

    def _embeddings(self, body: dict[str, Any]) -> None:
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        data = [
            {"object": "embedding", "index": i, "embedding": stub_vector(str(t))}
            for i, t in enumerate(texts)
        ]
        usage = {"prompt_tokens": 1, "total_tokens": 1}
        self._send(200, {"object": "list", "data": data, "model": body["model"], "usage": usage})

    def _chat(self, body: dict[str, Any]) -> None:
        if self.server.refuse_tools and _refused(body):
            self._send(400, _error(REFUSAL))
            return
        reply = self.server.next_reply(body)
        if reply is None:
            hint = "no scripted reply: call stub.enqueue(...) or set stub.responder"
            self._send(500, _error(hint, "server_error"))
            return
        calls = _tool_calls(reply, body)
        content = None if calls else reply if isinstance(reply, str) else json.dumps(reply)
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        cut = bool(limit and content and len(content.split()) > limit)
        if cut and content:
            content = " ".join(content.split()[:limit])
        head = {"id": self.server.next_id(), "created": int(time.time()), "model": body["model"]}
        usage = {
            "prompt_tokens": len(json.dumps(body.get("messages", [])).split()),
            "completion_tokens": len((content or json.dumps(calls)).split()),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        finish = "tool_calls" if calls else "length" if cut else "stop"
        if self.server.cut_after is not None and not body.get("stream"):
            self.close_connection = True  # killed before the reply was written
            return
        if body.get("stream"):
            self._stream(head, content, calls, finish, usage, body)
            return
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if calls:
            message["tool_calls"] = calls
        choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
        self._send(200, {**head, "object": "chat.completion", "choices": [choice], "usage": usage})

    def _stream(
        self,
        head: dict[str, Any],
        content: str | None,
        calls: list[dict[str, Any]] | None,
        finish: str,
        usage: dict[str, int],
        body: dict[str, Any],
    ) -> None:
        """Send the reply as chat.completion.chunk events; the body ends when we close."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

        def event(delta: dict[str, Any], reason: str | None = None) -> None:
            choice = {"index": 0, "delta": delta, "finish_reason": reason, "logprobs": None}
            self._event({**head, "object": "chat.completion.chunk", "choices": [choice]})

        event({"role": "assistant", "content": "" if content is not None else None})
        pieces = re.findall(r"\s*\S+\s*", content or "") or ([content] if content else [])
        for n, piece in enumerate(pieces):
            if self.server.cut_after is not None and n >= self.server.cut_after:
                return  # killed mid-reply: no finish, no [DONE]
            time.sleep(self.server.token_delay)
            event({"content": piece})
        for i, call in enumerate(calls or []):
            event({"tool_calls": [{"index": i, **call}]})
        event({}, finish)
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event({**head, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@contextmanager
def running_stub(
    api_key: str = "test-key", *, refuse_tools: bool = False, port: int = 0
) -> Iterator[OpenAIStub]:
    """Serve the stub on a loopback port (0: a free one) for the duration of the block."""
    with serving(OpenAIStub(api_key, refuse_tools=refuse_tools, port=port)) as server:
        yield server
