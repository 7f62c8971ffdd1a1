"""How `tutor slack` connects (Socket Mode or HTTP events), and who is who in Slack.

No Slack library is imported here: `tutor doctor` uses it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tutor.config import Settings
from tutor.errors import TutorError
from tutor.text_in import identifier

DEFAULT_PORT = 3000
EVENTS_PATH = "/slack/events"
SETUP = "create the app from slack/manifest.yml and install it (README, section Slack)"


@dataclass(frozen=True)
class Connection:
    """How the bot receives events from Slack."""

    mode: Literal["socket", "http"]
    port: int = DEFAULT_PORT

    def describe(self, host: str = "0.0.0.0") -> str:
        """One line for the terminal: how Slack reaches the bot."""
        if self.mode == "socket":
            return "Socket Mode (an outgoing WebSocket; no public URL needed)"
        return f"HTTP events on http://{host}:{self.port}{EVENTS_PATH}"


def choose_connection(settings: Settings, port: int | None = None) -> Connection:
    """Socket Mode with SLACK_APP_TOKEN, HTTP events with SLACK_SIGNING_SECRET (`--port` asks
    for HTTP); both need SLACK_BOT_TOKEN. Raises TutorError saying which token is missing."""
    bot, app, secret = (
        settings.slack_bot_token.strip(),
        settings.slack_app_token.strip(),
        settings.slack_signing_secret.strip(),
    )
    if not bot:
        raise TutorError(
            "SLACK_BOT_TOKEN is not set",
            f"{SETUP}, then put the Bot User OAuth Token (xoxb-…, OAuth & Permissions) in .env",
        )
    if not bot.startswith("xoxb-"):
        raise TutorError(
            "SLACK_BOT_TOKEN is not a bot token (it should start with xoxb-)",
            "copy the Bot User OAuth Token from the app's OAuth & Permissions page",
        )
    if port is not None or (secret and not app):
        if not secret:
            raise TutorError(
                "HTTP events (--port) need SLACK_SIGNING_SECRET, which is not set",
                "copy the Signing Secret from the app's Basic Information page into .env",
            )
        return Connection("http", port or DEFAULT_PORT)
    if not app:
        raise TutorError(
            "neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP events) is set",
            "for Socket Mode create an app-level token with connections:write (Basic "
            "Information › App-Level Tokens, xapp-…) and set SLACK_APP_TOKEN; for HTTP set "
            "SLACK_SIGNING_SECRET and run `tutor slack --port 3000`",
        )
    if not app.startswith("xapp-"):
        raise TutorError(
            "SLACK_APP_TOKEN is not an app-level token (it should start with xapp-)",
            "create one under Basic Information › App-Level Tokens with connections:write",
        )
    return Connection("socket")


def learner_map(settings: Settings) -> dict[str, str]:
    """TUTOR_SLACK_LEARNERS (`U012ABCDE=alice, U034FGHIJ=bob`) as {Slack user id: learner}."""
    mapping: dict[str, str] = {}
    for entry in settings.slack_learners.replace(";", ",").split(","):
        if not entry.strip():
            continue
        user, sep, learner = (part.strip() for part in entry.partition("="))
        if not sep or not user or not learner or not user[:1].isupper():
            raise TutorError(
                f"TUTOR_SLACK_LEARNERS has an entry I can't read: {entry.strip()!r}",
                "write it as SLACKUSERID=learner, comma-separated, e.g. U012ABCDE=alice",
            )
        mapping[user] = identifier(learner, "TUTOR_SLACK_LEARNERS: the learner")
    return mapping


def default_learner(team: str, user: str) -> str:
    """The learner a Slack user is when TUTOR_SLACK_LEARNERS does not name them."""
    return f"slack-{team}-{user}"


def thread_id(team: str, channel: str, thread_ts: str | None) -> str:
    """The tutor thread of a Slack thread (or of a direct message's main conversation)."""
    return f"slack-{team}-{channel}-{thread_ts}" if thread_ts else f"slack-{team}-{channel}"


def commands_thread(team: str, user: str) -> str:
    """The thread `/tutor progress` and `/tutor help` run on (one per user, never waiting)."""
    return f"slack-{team}-{user}-commands"
