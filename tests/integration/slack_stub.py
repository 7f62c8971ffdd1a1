"""A small Slack Web API on 127.0.0.1 for driving the real slack_sdk WebClient (and Bolt).

Point a client at it with `WebClient(token=..., base_url=stub.base_url)`. It answers
auth.test, chat.postMessage, chat.update, chat.postEphemeral, reactions.add/remove and
conversations.open as Slack does (`{"ok": true, ...}`, a fresh `ts` per message, `invalid_auth`
for a wrong token, `message_not_found` for an unknown ts), and takes slash-command replies on
`stub.response_url(...)`. Every call is recorded; `stub.messages` is what the channel shows
(each message as last updated), and `stub.wait_for(...)` waits for a condition.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.integration.serving import serving

TEAM, BOT_USER, BOT_ID = "T0TEST", "UBOT0TUTOR", "BBOT0TUTOR"


@dataclass
class Call:
    """One API call: the method and its arguments (JSON or form, decoded)."""

    method: str
    args: dict[str, Any]


@dataclass
class Posted:
    """A message as the channel shows it now."""

    channel: str
    ts: str
    thread_ts: str | None
    text: str
    blocks: list[dict[str, Any]]
    updates: int = 0
    history: list[str] = field(default_factory=list)
    """Earlier texts, oldest first (the thinking message before the answer)."""

    def block_text(self) -> str:
        """Every piece of text in the blocks (sections, context, button labels), joined."""
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("text"), str):
                    found.append(node["text"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.blocks)
        return "\n".join(found)

    def buttons(self) -> dict[str, dict[str, Any]]:
        """The message's buttons by action_id, each with its block_id."""
        out = {}
        for block in self.blocks:
            if block.get("type") == "actions":
                for element in block["elements"]:
                    out[element["action_id"]] = {**element, "block_id": block["block_id"]}
        return out


class SlackStub(ThreadingHTTPServer):
    """Answers Slack Web API methods under /api/ and response URLs under /respond/."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, token: str = "xoxb-test-token") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token = token
        self.calls: list[Call] = []
        self.posted: dict[str, Posted] = {}
        self.responses: list[dict[str, Any]] = []
        self.fail: dict[str, str] = {}
        """Methods that answer with this error (e.g. {"chat.postMessage": "not_in_channel"})."""
        self._changed = threading.Condition()
        self._clock = itertools.count(1)

    @property
    def base_url(self) -> str:
        """The WebClient base URL."""
        return f"http://127.0.0.1:{self.server_address[1]}/api/"

    def response_url(self, name: str) -> str:
        """A slash command's response URL."""
        return f"http://127.0.0.1:{self.server_address[1]}/respond/{name}"

    def calls_to(self, method: str) -> list[Call]:
        """The calls made to one method, in order."""
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def thread(self, channel: str, thread_ts: str | None) -> list[Posted]:
        """The bot's messages in a thread (None: the top level of the channel), oldest first."""
        with self._changed:
            return [
                m for m in self.posted.values() if m.channel == channel and m.thread_ts == thread_ts
            ]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Wait until `condition()` is truthy (checked after every call); fail after timeout."""
        with self._changed:
            result = self._changed.wait_for(condition, timeout)
        assert result, f"timed out waiting; calls so far: {[c.method for c in self.calls]}"
        return result

    def handle(self, method: str, args: dict[str, Any], token: str) -> dict[str, Any]:
        """Slack's answer to one call (and what it changes)."""
        with self._changed:
            self.calls.append(Call(method, args))
            try:
                return self._answer(method, args, token)
            finally:
                self._changed.notify_all()

    def _answer(self, method: str, args: dict[str, Any], token: str) -> dict[str, Any]:
        if token != self.token:
            return {"ok": False, "error": "invalid_auth"}
        if method in self.fail:
            return {"ok": False, "error": self.fail[method]}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://test.slack.invalid/",
                "team": "Test",
                "user": "tutor",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
            }
        if method == "chat.postMessage":
            ts = f"{1700000000 + next(self._clock)}.000100"
            message = Posted(
                str(args["channel"]),
                ts,
                args.get("thread_ts") or None,
                str(args.get("text") or ""),
                _blocks(args.get("blocks")),
            )
            self.posted[ts] = message
            return {"ok": True, "channel": message.channel, "ts": ts, "message": {"ts": ts}}
        if method == "chat.update":
            message = self.posted.get(str(args.get("ts")))
            if message is None or message.channel != args.get("channel"):
                return {"ok": False, "error": "message_not_found"}
            message.history.append(message.text)
            message.text, message.blocks = str(args.get("text") or ""), _blocks(args.get("blocks"))
            message.updates += 1
            return {"ok": True, "channel": message.channel, "ts": message.ts}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1700000000 + next(self._clock)}.000200"}
        if method in ("reactions.add", "reactions.remove"):
            return {"ok": True}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{args['users']}"}}
        return {"ok": False, "error": "unknown_method"}

    def respond(self, name: str, payload: dict[str, Any]) -> None:
        """Record a reply sent to a response URL."""
        with self._changed:
            self.responses.append({"url": name, **payload})
            self._changed.notify_all()


def _blocks(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        return list(json.loads(raw))
    return list(raw or [])


class _Handler(BaseHTTPRequestHandler):
    server: SlackStub

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Keep test output quiet."""

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self.path.startswith("/respond/"):
            self.server.respond(self.path.removeprefix("/respond/"), json.loads(raw or "{}"))
            self._send(200, "ok", "text/plain")
            return
        if not self.path.startswith("/api/"):
            self._send(404, "no such path", "text/plain")
            return
        if (self.headers.get("Content-Type") or "").startswith("application/json"):
            args = json.loads(raw or "{}")
        else:
            args = {k: v[-1] for k, v in parse_qs(raw).items()}
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        token = token or str(args.pop("token", ""))
        answer = self.server.handle(self.path.removeprefix("/api/"), args, token)
        self._send(200, json.dumps(answer), "application/json")

    def _send(self, status: int, body: str, kind: str) -> None:
        raw = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


@contextmanager
def running_stub(token: str = "xoxb-test-token") -> Iterator[SlackStub]:
    """Serve the stub on a free loopback port for the duration of the block."""
    with serving(SlackStub(token)) as server:
        yield server
