"""`tutor slack`: the tutor as a Slack Bolt app, over Socket Mode or HTTP events.

A Slack thread is a tutor thread and each Slack user a learner; events are acknowledged at
once and answered by workers (`tutor.slack.inbound`), Slack's retries are recognised across
restarts (`tutor.slack.store`), and answers are Slack mrkdwn (`tutor.slack.render`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from tutor.config import Settings
from tutor.errors import FAILED, TutorError
from tutor.slack.connect import EVENTS_PATH, choose_connection

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from tutor.context import Services
    from tutor.session import Tutor
    from tutor.slack.inbound import SlackBot

MAX_BODY = 1 << 20
"""Largest request accepted (Slack's payloads are a few KB)."""
log = logging.getLogger("tutor.slack")
DEFAULT_API = "https://slack.com/api/"
"""Slack's own Web API (slack_sdk's default), unless SLACK_API_URL says otherwise."""


def build_bot(
    settings: Settings,
    tutor: Tutor | None = None,
    client: WebClient | None = None,
    *,
    socket_mode: bool = False,
    stream_every: float = 1.5,
    services: Services | None = None,
) -> SlackBot:
    """The bot, with its token checked against Slack and the tutor's index loaded."""
    from slack_sdk import WebClient
    from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

    from tutor.session import Tutor
    from tutor.slack.inbound import SlackBot

    if client is None:
        retries = [ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=2)]
        client = WebClient(
            token=settings.slack_bot_token.strip(),
            base_url=api_url(settings.slack_api_url) if settings.slack_api_url else DEFAULT_API,
            retry_handlers=retries,
        )
    identity = check_token(client)
    tutor = tutor or Tutor(settings, services)
    # Load what every turn uses now, once, rather than in the first few turns at the same time;
    # a misconfigured model fails here, before Slack is connected.
    tutor.services.search("warm up", k=1)
    _ = tutor.services.chat
    return SlackBot(
        settings, tutor, client, identity, socket_mode=socket_mode, stream_every=stream_every
    )


def api_url(url: str) -> str:
    """SLACK_API_URL as the Web API client wants it: `http(s)://host/api/`, ending in a slash."""
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        raise TutorError(
            f"SLACK_API_URL is not an http(s) URL: {url}",
            "write it as https://slack.example.com/api/ (or leave it empty for Slack's own)",
        )
    return url if url.endswith("/") else url + "/"


def check_token(client: WebClient) -> dict[str, Any]:
    """Slack's auth.test for the bot token: who the bot is, in which workspace."""
    from slack_sdk.errors import SlackApiError

    try:
        return dict(client.auth_test().data)  # type: ignore[arg-type]
    except SlackApiError as refused:
        raise TutorError(
            f"Slack refused SLACK_BOT_TOKEN ({refused.response.get('error')})",
            "copy the Bot User OAuth Token (xoxb-…) again from the app's OAuth & Permissions "
            "page; reinstall the app if it was removed",
        ) from None
    except OSError as failure:
        raise TutorError(
            f"cannot reach Slack: {failure}", "check the network or proxy", exit_code=FAILED
        ) from None


class SlackHTTPServer(ThreadingHTTPServer):
    """Slack's HTTP events and interactivity on POST /slack/events (signatures checked by
    Bolt); GET /health answers `ok` for a load balancer."""

    daemon_threads = True
    request_queue_size = 128  # a burst of events must not find the door shut (the default is 5)

    def __init__(self, bot: SlackBot, host: str, port: int) -> None:
        super().__init__((host, port), _Handler)
        self.bot = bot


class _Handler(BaseHTTPRequestHandler):
    server: SlackHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Requests are logged by Bolt and the bot, not line by line here."""

    def do_GET(self) -> None:
        if self.path.partition("?")[0] == "/health":
            self._send(200, {"Content-Type": ["text/plain"]}, "ok")
        else:
            self._send(404, {}, "")

    def do_POST(self) -> None:
        from slack_bolt.request import BoltRequest

        path, _, query = self.path.partition("?")
        if path != EVENTS_PATH:
            self._send(404, {}, "")
            return
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit() or int(length) > MAX_BODY:
            self._send(413, {}, "")
            return
        body = self.rfile.read(int(length)).decode("utf-8", "replace")
        headers: dict[str, str | Sequence[str]] = {
            name.lower(): value for name, value in self.headers.items()
        }
        response = self.server.bot.app.dispatch(
            BoltRequest(body=body, query=query, headers=headers)
        )
        self._send(response.status, response.headers, response.body)

    def _send(self, status: int, headers: dict[str, Any], body: str) -> None:
        raw = body.encode()
        self.send_response(status)
        for name, values in headers.items():
            if name.lower() != "content-length":
                for value in values if isinstance(values, list) else [values]:
                    self.send_header(name, str(value))
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def run_slack(
    settings: Settings,
    port: int | None = None,
    host: str = "0.0.0.0",
    *,
    say: Callable[[str], None],
    services: Services | None = None,
) -> None:
    """Connect to Slack and answer until Ctrl-C or SIGTERM; running turns finish before it stops
    (code they run is killed at once)."""
    from tutor.prompts import LLM_MODE, OFFLINE_MODE, SLACK_USERS_MAPPED, counted

    connection = choose_connection(settings, port)
    say("loading the notes index…")
    bot = build_bot(settings, socket_mode=connection.mode == "socket", services=services)
    # From here on the log is the admin's record of what happened (a failed start above
    # already says why, once).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    mode = LLM_MODE.format(model=settings.model) if bot.tutor.services.chat else OFFLINE_MODE
    who = f"@{bot.name} ({bot.bot_user}) in {bot.team_name} ({bot.team})"
    say(f"tutor slack · {mode} · as {who}")
    per_minute = settings.slack_rate_limit
    limit = f"{counted(per_minute, 'turn')} a minute" if per_minute else "no limit of turns"
    mapped = SLACK_USERS_MAPPED.format(users=counted(len(bot.learners), "Slack user"))
    at_once = counted(settings.slack_workers, "turn")
    say(f"{at_once} at once · {limit} per user · {mapped}")
    bot.reminders.start()  # /tutor remind: stopped by bot.close()
    terminate = _stop_on_sigterm()
    try:
        if connection.mode == "socket":
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            handler = SocketModeHandler(bot.app, settings.slack_app_token.strip())
            say(f"connecting by {connection.describe()} · Ctrl-C stops")
            try:
                handler.start()
            finally:
                handler.close()
        else:
            try:
                server = SlackHTTPServer(bot, host, connection.port)
            except OSError as exc:
                where = f"{host}:{connection.port}"
                hint = "choose another port with --port, or stop what listens there"
                raise TutorError(f"cannot listen on {where}: {exc}", hint) from None
            say(f"listening for {connection.describe(host)} · Ctrl-C stops")
            try:
                server.serve_forever(poll_interval=0.5)
            finally:
                server.server_close()
    except KeyboardInterrupt:
        say("stopping: letting running turns finish…")
    finally:
        terminate()
        bot.close()
        bot.tutor.close()


def _stop_on_sigterm() -> Callable[[], None]:
    """Make SIGTERM (a service manager stopping the bot) stop it as Ctrl-C does: running code
    is killed, each turn says so, and nothing else is cut off; returns how to undo it."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)

    def undo() -> None:
        signal.signal(signal.SIGTERM, before)

    return undo
