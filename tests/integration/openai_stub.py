"""A small OpenAI-compatible server on 127.0.0.1 for driving the real langchain-openai client."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIMS = 32


def stub_vector(text: str) -> list[float]:
    """A deterministic unit vector from the words of a text."""
    vec = [0.0] * DIMS
    for word in text.lower().split():
        digest = hashlib.md5(word.encode()).digest()
        vec[digest[0] % DIMS] += 1.0
    norm = sum(v * v for v in vec) ** 0.5 or 1.0
    return [v / norm for v in vec]


class OpenAIStub(ThreadingHTTPServer):
    """Answers /v1/embeddings; records every request it saw."""

    daemon_threads = True

    def __init__(self, api_key: str = "test-key") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        """The URL to put in OPENAI_BASE_URL."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: OpenAIStub

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Keep test output quiet."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.requests.append({"path": self.path, "body": body})
        if self.headers.get("Authorization") != f"Bearer {self.server.api_key}":
            self._send(
                401, {"error": {"message": "Incorrect API key", "type": "invalid_request_error"}}
            )
        elif self.path.endswith("/embeddings"):
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [
                {"object": "embedding", "index": i, "embedding": stub_vector(str(t))}
                for i, t in enumerate(texts)
            ]
            usage = {"prompt_tokens": 1, "total_tokens": 1}
            self._send(
                200, {"object": "list", "data": data, "model": body["model"], "usage": usage}
            )
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@contextmanager
def running_stub(api_key: str = "test-key") -> Iterator[OpenAIStub]:
    """Serve the stub on a free loopback port for the duration of the block."""
    server = OpenAIStub(api_key)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
