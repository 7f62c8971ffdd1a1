"""One Slack turn on a worker: run it on the tutor, then replace the "thinking" message with
the answer (streamed in, throttled, with a model), or say in the thread what went wrong."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tutor import prompts
from tutor.errors import TutorError
from tutor.sandbox import Runs
from tutor.session import Tutor
from tutor.slack.mrkdwn import split_mrkdwn, to_mrkdwn
from tutor.slack.render import Message, error_message, pending_key, text_message, turn_messages
from tutor.slack.store import BotRecords

log = logging.getLogger("tutor.slack")
Respond = Callable[..., Any]
"""Bolt's `respond`: an ephemeral reply through a slash command's response URL."""


@dataclass
class Job:
    """A message (or button press) for the tutor, and where its answer goes."""

    thread: str
    """The tutor thread."""
    channel: str
    reply_ts: str | None
    """The Slack thread to answer in (None: the top level of a direct message)."""
    user: str
    learner: str
    text: str
    thinking_ts: str | None = None
    """The "thinking" message the answer replaces."""
    expect: str = ""
    """For a button: the fingerprint of what the tutor waited for when it was shown."""
    respond: Respond | None = None
    """For a slash command: answer privately through its response URL instead."""
    guide: str = ""
    """Slack-specific help appended to the answer (for /help)."""
    delivery: str = ""
    """The delivery's dedupe key, marked answered once the answer is posted."""


class TurnTaker:
    """Runs jobs on the tutor and posts what they produced."""

    def __init__(
        self, tutor: Tutor, client: WebClient, store: BotRecords, stream_every: float = 1.5
    ) -> None:
        self.tutor = tutor
        self.client = client
        self.store = store
        self.stream_every = stream_every
        self.runs = Runs()
        """The code its turns run: stopped at shutdown, so no turn waits for its time limit."""

    def run(self, job: Job) -> None:
        """Take one turn and post its answer (or a short message saying what went wrong);
        then the delivery counts as answered for every replica."""
        self._run(job)
        if job.delivery:
            self.store.finished(job.delivery)

    def _run(self, job: Job) -> None:
        if job.expect and pending_key(self.tutor.last_turn(job.thread).pending) != job.expect:
            self.post(job, [text_message(prompts.SLACK_STALE)])  # a typed reply got there first
            return
        try:
            with self.runs.active():
                turn = self.tutor.ask(
                    job.text,
                    job.thread,
                    learner=job.learner,
                    interface="slack",
                    on_token=self._streamer(job),
                )
        except TutorError as error:
            kept = self.tutor.failed_message(job.thread) is not None
            self.post(job, [error_message(error, kept)])
            return
        except Exception:
            log.exception("turn on %s failed", job.thread)
            self.post(job, [text_message(prompts.SLACK_CRASHED)])
            return
        self.store.note_turn(job.thread, job.user, turn.pending["type"] if turn.pending else None)
        in_thread = job.reply_ts is not None
        self.post(job, turn_messages(turn, owner=job.user, in_thread=in_thread, guide=job.guide))

    def post(self, job: Job, messages: list[Message]) -> None:
        """Replace the thinking message with the first message, post the rest after it."""
        for n, message in enumerate(messages):
            try:
                if job.respond is not None:
                    job.respond(**message, response_type="ephemeral", replace_original=False)
                elif n == 0 and job.thinking_ts:
                    self._replace(job, message)
                else:
                    self.client.chat_postMessage(
                        channel=job.channel, thread_ts=job.reply_ts, **message
                    )
            except SlackApiError as failure:
                log.error("could not post to %s: %s", job.channel, failure.response.get("error"))
            except OSError as failure:
                log.error("could not reach Slack to post to %s: %s", job.channel, failure)

    def _replace(self, job: Job, message: Message) -> None:
        try:
            self.client.chat_update(channel=job.channel, ts=str(job.thinking_ts), **message)
        except SlackApiError as failure:
            if failure.response.get("error") != "message_not_found":
                raise
            # Someone deleted the thinking message: the answer still gets through.
            self.client.chat_postMessage(channel=job.channel, thread_ts=job.reply_ts, **message)

    def _streamer(self, job: Job) -> Callable[[str], None] | None:
        """With a model, show the answer growing in the thinking message (a few updates a
        second at most: chat.update is rate limited)."""
        if not job.thinking_ts or job.respond is not None:
            return None
        streamed: list[str] = []
        last = time.monotonic()

        def on_token(piece: str) -> None:
            nonlocal last
            streamed.append(piece)
            if time.monotonic() - last < self.stream_every:
                return
            last = time.monotonic()
            shown = split_mrkdwn(to_mrkdwn("".join(streamed)))[0]
            try:
                self._replace(job, text_message(f"{shown} …"))
            except (SlackApiError, OSError) as failure:
                log.warning("could not show progress on %s: %s", job.thread, failure)

        return on_token
