"""The Bolt listeners: each event, button press or `/tutor` command is acknowledged at once,
checked (who sent it, seen before, over the limit, whose button), and becomes a job that a
worker runs after the ack."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tutor import prompts, tracing
from tutor.config import Settings
from tutor.sandbox import SHUTTING_DOWN
from tutor.session import Tutor
from tutor.slack.connect import commands_thread, default_learner, learner_map, thread_id
from tutor.slack.listening import (
    from_a_person,
    hears_unmentioned,
    slack_command,
    waits_for_someone_else,
)
from tutor.slack.mrkdwn import from_slack, mentions
from tutor.slack.reminders import START_ACTION, Reminders
from tutor.slack.render import after_press, pending_key, text_message
from tutor.slack.store import PostgresSlackStore, open_bot_records
from tutor.slack.turns import Job, Respond, TurnTaker
from tutor.slack.workers import (
    Activity,
    CountingExecutor,
    RateLimiter,
    SharedRateLimiter,
    TurnQueue,
)

log = logging.getLogger("tutor.slack")


class SlackBot:
    """The tutor in Slack: one Bolt app, a store of what was seen, workers for the turns."""

    def __init__(
        self,
        settings: Settings,
        tutor: Tutor,
        client: WebClient,
        identity: dict[str, Any],
        *,
        socket_mode: bool = False,
        stream_every: float = 1.5,
    ) -> None:
        self.settings, self.tutor, self.client = settings, tutor, client
        self.bot_user = str(identity.get("user_id") or "")
        self.team = str(identity.get("team_id") or "")
        self.name, self.team_name = str(identity.get("user")), str(identity.get("team"))
        self.learners = learner_map(settings)
        self.activity = Activity()
        workers = settings.slack_workers
        self.listeners = CountingExecutor(self.activity, max(4, workers), "tutor-slack")
        self.turns = TurnQueue(self.activity, workers)
        self.store = open_bot_records(settings)
        self.limiter: RateLimiter | SharedRateLimiter = RateLimiter(settings.slack_rate_limit)
        if isinstance(self.store, PostgresSlackStore):
            self.limiter = SharedRateLimiter(settings.slack_rate_limit, self.store)
        self.taker = TurnTaker(tutor, client, self.store, stream_every)
        self.app = App(
            client=client,
            logger=_bolt_logger(),
            signing_secret=settings.slack_signing_secret,
            request_verification_enabled=not socket_mode,
            listener_executor=self.listeners,
            name="tutor",
        )
        self.app.event("app_mention")(self.on_mention)
        self.app.event("message")(self.on_message)
        self.app.action(re.compile(r"^tutor_(rate|run)_"))(self.on_choice)
        self.app.action(re.compile(r"^tutor_thumbs_"))(self.on_thumbs)
        self.app.command(prompts.SLACK_COMMAND)(self.on_command)
        self.reminders = Reminders(self)
        """`/tutor remind`; its loop is started by `run_slack` (tests call `tick`)."""
        self.app.action(START_ACTION)(self.reminders.on_start)

    def learner(self, team: str, user: str) -> str:
        """The learner a Slack user is: mapped by TUTOR_SLACK_LEARNERS, else their own."""
        return self.learners.get(user) or default_learner(team, user)

    # --- messages --------------------------------------------------------------------------

    def on_mention(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """@tutor in a channel: always for the tutor."""
        self._take(body, event, mentioned=True)

    def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A direct message, or a reply in a thread the tutor listens to."""
        self._take(body, event, mentioned=False)

    def _take(self, body: dict[str, Any], event: dict[str, Any], mentioned: bool) -> None:
        if not from_a_person(event, self.bot_user):
            return
        team = str(body.get("team_id") or self.team)
        channel, ts, user = event["channel"], event["ts"], event["user"]
        parent, raw = event.get("thread_ts"), event.get("text") or ""
        direct = event.get("channel_type") == "im" or channel.startswith("D")
        reply_ts = parent if direct else parent or ts
        thread = thread_id(team, channel, reply_ts)
        info = self.store.thread(thread)
        if not direct and not mentioned:
            if not parent or mentions(raw, self.bot_user) or info is None:
                return  # not a tutor thread, or the mention event brings it
            if not hears_unmentioned(info, user):
                self.store.note_voice(thread, user)
                return
        delivery = f"msg:{team}:{channel}:{ts}"
        if not self.store.first_time(delivery):
            log.info("ignored a repeated delivery of message %s in %s", ts, channel)
            return
        if owner := waits_for_someone_else(info, user):
            self.whisper(channel, user, prompts.SLACK_WAITING_FOR.format(owner=owner), reply_ts)
            return
        waiting = info is not None and info.waiting_for is not None
        text = slack_command(from_slack(raw, self.bot_user), waiting)
        job = Job(thread, channel, reply_ts, user, self.learner(team, user), text)
        job.delivery = delivery
        self._start(job)

    def _start(self, job: Job) -> None:
        """Queue the job after the rate limit, with a thinking message where it will answer."""
        wait = self.limiter.wait_needed(job.user)
        if wait:
            limited = prompts.SLACK_RATE_LIMITED.format(
                limit=self.limiter.per_minute, wait=round(wait)
            )
            if job.respond is not None:
                job.respond(text=limited, response_type="ephemeral")
            else:
                self.whisper(job.channel, job.user, limited, job.reply_ts)
            return
        if job.text.split(maxsplit=1)[:1] == ["/help"]:
            job.guide = self.guide(job.learner)
        if job.respond is None:
            job.thinking_ts = self._thinking(job.channel, job.reply_ts)
        self.turns.submit(job.thread, lambda: self.taker.run(job))

    def _thinking(self, channel: str, reply_ts: str | None) -> str | None:
        try:
            posted = self.client.chat_postMessage(
                channel=channel, thread_ts=reply_ts, **text_message(prompts.SLACK_THINKING)
            )
        except (SlackApiError, OSError) as failure:
            log.warning("could not post in %s: %s", channel, failure)
            return None
        return str(posted["ts"])

    def whisper(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
        """A message only `user` sees."""
        try:
            self.client.chat_postEphemeral(
                channel=channel, user=user, text=text, thread_ts=thread_ts
            )
        except (SlackApiError, OSError) as failure:
            log.warning("could not whisper to %s in %s: %s", user, channel, failure)

    def guide(self, learner: str) -> str:
        """How the tutor works in Slack, for /help."""
        model = self.tutor.services.model_name
        mode = prompts.SLACK_MODE_LLM.format(model=model) if model else prompts.SLACK_MODE_OFFLINE
        return prompts.SLACK_GUIDE.format(learner=learner, mode=mode)

    # --- buttons ---------------------------------------------------------------------------

    def on_choice(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A rating or Run / Don't run button: only its owner's press, once, while current."""
        ack()
        value = json.loads(action.get("value") or "{}")
        user, channel = body["user"]["id"], body["channel"]["id"]
        team = str((body.get("team") or {}).get("id") or self.team)
        message = body.get("message") or {}
        message_ts, reply_ts = str(message.get("ts")), message.get("thread_ts")
        owner, thread, key = str(value.get("u")), str(value.get("t")), str(value.get("p"))
        if user != owner:
            rating = action["action_id"].startswith("tutor_rate_")
            note = prompts.SLACK_NOT_YOURS_RATE if rating else prompts.SLACK_NOT_YOURS_RUN
            self.whisper(channel, user, note.format(owner=owner), reply_ts)
            return
        if pending_key(self.tutor.last_turn(thread).pending) != key:
            self.whisper(channel, user, prompts.SLACK_STALE, reply_ts)
            return
        if not self.store.first_time(f"press:{channel}:{message_ts}:{action['block_id']}"):
            self.whisper(channel, user, prompts.SLACK_ALREADY, reply_ts)
            return
        label = str(action.get("text", {}).get("text") or value.get("say"))
        try:
            blocks = after_press(message.get("blocks") or [], action["block_id"], user, label)
            self.client.chat_update(
                channel=channel, ts=message_ts, text=message.get("text") or label, blocks=blocks
            )
        except (SlackApiError, OSError) as failure:
            log.warning("could not take the buttons off %s: %s", message_ts, failure)
        learner = self.learner(team, user)
        self._start(Job(thread, channel, reply_ts, user, learner, str(value["say"]), expect=key))

    def on_thumbs(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """👍/👎 on an answer: LangSmith feedback on the turn's run, once per person."""
        ack()
        user, channel = body["user"]["id"], body["channel"]["id"]
        reply_ts = (body.get("message") or {}).get("thread_ts")
        run_id = str(action.get("value") or "")
        if not self.store.first_time(f"thumbs:{run_id}:{user}"):
            self.whisper(channel, user, prompts.SLACK_FEEDBACK_AGAIN, reply_ts)
            return
        score = 1.0 if action["action_id"] == "tutor_thumbs_up" else 0.0
        sent = tracing.send_feedback(run_id, "thumbs", score, comment="slack")
        self.whisper(
            channel,
            user,
            prompts.SLACK_FEEDBACK_THANKS if sent else prompts.SLACK_FEEDBACK_OFF,
            reply_ts,
        )

    # --- /tutor ------------------------------------------------------------------------------

    def on_command(self, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        """`/tutor quiz [topic]` (in our direct messages), `/tutor progress`, `/tutor map
        [topic]`, `/tutor next`, `/tutor remind HH:MM|off`, `/tutor help`."""
        word, _, rest = str(body.get("text") or "").strip().partition(" ")
        word = word.lower()
        team, user = str(body.get("team_id") or self.team), str(body["user_id"])
        learner = self.learner(team, user)
        if word == "quiz":
            ack(text=prompts.SLACK_QUIZ_IN_DM)
            try:
                direct = str(self.client.conversations_open(users=user)["channel"]["id"])
            except (SlackApiError, OSError) as failure:
                log.warning("could not open a direct message with %s: %s", user, failure)
                respond(text=prompts.SLACK_CRASHED, response_type="ephemeral")
                return
            quiz = f"/quiz {rest.strip()}".strip()
            self._start(Job(thread_id(team, direct, None), direct, None, user, learner, quiz))
        elif word in ("progress", "map", "next", "help", ""):
            ack()
            said = f"/{word} {rest.strip()}".strip() if word else "/help"
            thread = commands_thread(team, user)
            channel = str(body.get("channel_id") or "")
            self._start(Job(thread, channel, None, user, learner, said, respond=respond))
        elif word == "remind":
            self.reminders.command(ack, respond, team, user, rest)
        else:
            ack(text=prompts.SLACK_USAGE)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every listener and turn has finished."""
        return self.activity.wait_idle(timeout)

    def close(self, timeout: float = 60) -> None:
        """Let running turns finish (up to `timeout` seconds), then release everything; code
        they run is killed at once (the turn says so, and its message is kept to send again)."""
        self.reminders.stop()
        self.taker.runs.stop(SHUTTING_DOWN)
        if not self.wait_idle(timeout):
            log.warning("stopped with turns still running")
        self.listeners.shutdown(wait=False, cancel_futures=True)
        self.turns.shutdown()
        self.store.close()


def _bolt_logger() -> logging.Logger:
    """Bolt's logger, without its warning that SLACK_BOT_TOKEN is unused (the client has it)."""
    bolt = logging.getLogger("tutor.slack.bolt")
    if not bolt.filters:
        bolt.addFilter(lambda record: "will be unused" not in record.getMessage())
    return bolt
