"""Reviews that come to the learner: `/tutor remind HH:MM | off`, and a daily direct message
when cards are due, with a Start button that begins the review there.

The reminders live in the bot's store (`tutor.slack.reminder_store`), so a restarted bot
picks them up, and one missed while it was down is sent once when it is back that day. A
background thread calls `tick` every `every` seconds; a reminder whose local time has come
is claimed for its local date before the cards are counted, so only one replica sends it. The date
is kept whether or not cards were due: at most one look a day, at the time the learner chose
(never a message later that day at a time they did not pick)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tutor import prompts
from tutor.learning.cards import is_due
from tutor.learning.memory import LearnerMemory
from tutor.learning.refresh import current_cards
from tutor.session import Tutor
from tutor.slack.connect import thread_id
from tutor.slack.mrkdwn import escape
from tutor.slack.remind_times import ZoneSource, due_day, local_date, parse_time, zone_of
from tutor.slack.reminder_store import Reminder
from tutor.slack.render import after_press, section
from tutor.slack.store import BotRecords
from tutor.slack.turns import Job, Respond

log = logging.getLogger("tutor.slack")
START_ACTION, START_BLOCK = "tutor_remind_start", "tutor_remind"
EVERY = 45.0
"""Seconds between looks at the reminders (a reminder comes at most this late)."""


class Bot(Protocol):
    """What the reminders use of the bot (`tutor.slack.inbound.SlackBot`)."""

    tutor: Tutor
    client: WebClient
    store: BotRecords
    team: str

    def learner(self, team: str, user: str) -> str: ...
    def whisper(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> None: ...
    def _start(self, job: Job) -> None: ...


class Reminders:
    """`/tutor remind`, the reminders' loop, and the Start button."""

    def __init__(
        self, bot: Bot, *, every: float = EVERY, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.bot, self.every = bot, every
        self.clock = clock or (lambda: datetime.now(UTC))
        """What time it is (UTC) for the loop's ticks."""
        self.tutor, self.client, self.store = bot.tutor, bot.client, bot.store
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- /tutor remind -------------------------------------------------------------------

    def command(self, ack: Ack, respond: Respond, team: str, user: str, rest: str) -> None:
        """`/tutor remind HH:MM`, `/tutor remind off`, `/tutor remind` (what is set)."""
        wanted = rest.strip().lower()
        at = parse_time(wanted) if wanted not in ("", "off") else None
        if wanted not in ("", "off") and at is None:
            ack(text=prompts.SLACK_REMIND_USAGE.format(given=escape(rest.strip()[:40])))
            return
        ack()
        if at is not None:
            said = self.set(team, user, at, datetime.now(UTC))
        elif wanted == "off":
            gone = self.store.reminders.remove(team, user)
            said = prompts.SLACK_REMIND_OFF if gone else prompts.SLACK_REMIND_NONE
        else:
            now = self.store.reminders.get(team, user)
            said = (
                prompts.SLACK_REMIND_SHOW.format(at=now.at, tz=now.tz)
                if now
                else prompts.SLACK_REMIND_NONE
            )
        respond(text=said, response_type="ephemeral")

    def set(self, team: str, user: str, at: str, now: datetime) -> str:
        """Keep `user`'s reminder at `at` in their Slack time zone; the confirmation. A time
        already past today starts tomorrow, and a day already reminded stays reminded."""
        tz, source = self.zone(user)
        today = local_date(tz, now)
        before = self.store.reminders.get(team, user)
        last = before.last_sent if before else ""
        if due_day(at, tz, now) is not None:
            last = max(last, today)
        self.store.reminders.put(Reminder(team, user, at, tz, last))
        when = prompts.SLACK_REMIND_TOMORROW if last >= today else prompts.SLACK_REMIND_TODAY
        said = prompts.SLACK_REMIND_SET.format(at=at, tz=tz, when=when)
        notes = {"offset": prompts.SLACK_REMIND_ZONE_OFFSET, "unknown": prompts.SLACK_REMIND_UTC}
        return said + notes.get(source, "")

    def zone(self, user: str) -> tuple[str, ZoneSource]:
        """The user's time zone as Slack has it now (users.info); UTC if Slack won't say."""
        try:
            profile = self.client.users_info(user=user).get("user")
        except (SlackApiError, OSError) as failure:
            log.warning("could not read the time zone of %s: %s", user, failure)
            return "UTC", "unknown"
        return zone_of(profile if isinstance(profile, dict) else None)

    # --- the loop ------------------------------------------------------------------------

    def start(self) -> None:
        """Look at the reminders every `every` seconds until `stop`."""
        self._thread = threading.Thread(target=self._loop, name="tutor-reminders", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the loop (a tick under way finishes first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.tick()
            except Exception:  # the database away for a moment: look again next time
                log.exception("could not look at the reminders")

    def tick(self, now: datetime | None = None) -> int:
        """Send every reminder that has come by `now` (UTC; the clock's time if None) and
        was not sent on its local date; how many messages were sent."""
        now = now or self.clock()
        sent = 0
        for reminder in self.store.reminders.every():
            try:
                sent += self._remind(reminder, now)
            except Exception:  # one learner's failure must not stop the others' reminders
                log.exception("the reminder of %s failed", reminder.user)
        return sent

    def _remind(self, reminder: Reminder, now: datetime) -> bool:
        day = due_day(reminder.at, reminder.tz, now)
        if day is None or reminder.last_sent >= day:
            return False
        # Read the zone again when it comes due: a learner who travelled is reminded where
        # they are (at most twice a day per learner: this call, and one after a move).
        tz, source = self.zone(reminder.user)
        if source != "unknown" and tz != reminder.tz:
            self.store.reminders.move_zone(reminder.team, reminder.user, tz)
            reminder = replace(reminder, tz=tz)
            day = due_day(reminder.at, tz, now)
            if day is None or reminder.last_sent >= day:
                return False
        if not self.store.reminders.claim(reminder.team, reminder.user, day):
            return False  # another replica took it
        due = self.due_cards(reminder.team, reminder.user, now)
        if not due:
            return False
        if self._send(reminder.user, due):
            return True
        self.store.reminders.release(reminder.team, reminder.user, day, reminder.last_sent)
        return False

    def due_cards(self, team: str, user: str, now: datetime) -> int:
        """How many of the user's cards are due at `now` (brought in step with the notes)."""
        memory = LearnerMemory(self.tutor.store, self.bot.learner(team, user))
        records = self.tutor.services.index.records
        return sum(is_due(card, now) for card in current_cards(memory, records))

    def _send(self, user: str, due: int) -> bool:
        text = prompts.SLACK_REMIND_DUE.format(cards=prompts.counted(due, "card"))
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": prompts.SLACK_REMIND_START, "emoji": True},
            "action_id": START_ACTION,
            "value": "/quiz",
            "style": "primary",
        }
        actions = {"type": "actions", "block_id": START_BLOCK, "elements": [button]}
        try:
            direct = str(self.client.conversations_open(users=user)["channel"]["id"])
            self.client.chat_postMessage(channel=direct, text=text, blocks=[section(text), actions])
        except (SlackApiError, OSError) as failure:
            log.warning("could not remind %s: %s", user, failure)
            return False
        log.info("reminded %s of %d due cards", user, due)
        return True

    # --- Start ---------------------------------------------------------------------------

    def on_start(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """Start pressed under a reminder: the review begins in that direct message, as
        `/tutor quiz` does (due cards first); a second press does nothing."""
        ack()
        user, channel = str(body["user"]["id"]), str(body["channel"]["id"])
        team = str((body.get("team") or {}).get("id") or self.bot.team)
        message = body.get("message") or {}
        message_ts, block = str(message.get("ts")), str(action.get("block_id") or START_BLOCK)
        if not self.store.first_time(f"press:{channel}:{message_ts}:{block}"):
            self.bot.whisper(channel, user, prompts.SLACK_ALREADY)
            return
        try:
            blocks = after_press(
                message.get("blocks") or [], block, user, prompts.SLACK_REMIND_START
            )
            self.client.chat_update(
                channel=channel, ts=message_ts, text=message.get("text") or "", blocks=blocks
            )
        except (SlackApiError, OSError) as failure:
            log.warning("could not take the Start button off %s: %s", message_ts, failure)
        learner = self.bot.learner(team, user)
        self.bot._start(Job(thread_id(team, channel, None), channel, None, user, learner, "/quiz"))
