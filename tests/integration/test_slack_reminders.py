"""`/tutor remind` over real HTTP on 127.0.0.1: slash commands signed like Slack's, the Web
API a stub that also answers users.info with each person's time zone, the tutor offline on
a copy of the notes. The reminders' clock is the `now` given to `tick`, never a sleep."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from slack_sdk import WebClient

from tests.conftest import MakeTutor
from tests.integration.processes import run_tutor
from tests.integration.serving import serving
from tests.integration.slack_stub import TEAM, Posted, SlackStub, _Handler
from tests.integration.test_slack import (
    SECRET,
    TOKEN,
    Slack,
    learner,
    quiz_reply,
    signature,
)
from tutor.learning.memory import LearnerMemory
from tutor.session import Tutor
from tutor.slack.app import build_bot
from tutor.slack.reminder_store import Reminder
from tutor.slack.reminders import Reminders

pytestmark = pytest.mark.integration

NEW_YORK = {"tz": "America/New_York", "tz_label": "Eastern Standard Time", "tz_offset": -18000}
TOKYO = {"tz": "Asia/Tokyo", "tz_label": "Japan Standard Time", "tz_offset": 32400}


def _first_december() -> datetime:
    """Midnight UTC on the first 1 December a month or more ahead: a card reviewed today is
    due by then, and New York keeps standard time (UTC-5) for the days the tests use."""
    soon = datetime.now(UTC) + timedelta(days=30)
    december = datetime(soon.year, 12, 1, tzinfo=UTC)
    return december if december >= soon else december.replace(year=soon.year + 1)


BASE = _first_december()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment `day` days after BASE, in UTC (New York is UTC-5 then, Tokyo UTC+9)."""
    return BASE + timedelta(days=day, hours=hour, minutes=minute)


class _GetHandler(_Handler):
    """The stub's handler, plus GET (slack_sdk calls users.info with GET)."""

    server: ZoneStub

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path.endswith("/users.info") and self.server.gate is not None:
            self.server.gate.wait(timeout=30)
        args = {k: v[-1] for k, v in parse_qs(query).items()}
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        answer = self.server.handle(path.removeprefix("/api/"), args, token)
        self._send(200, json.dumps(answer), "application/json")


class ZoneStub(SlackStub):
    """The Slack stub, answering users.info with the zone set for each user in `zones`."""

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__(token)
        self.RequestHandlerClass = _GetHandler
        self.zones: dict[str, dict[str, Any]] = {}
        self.gate: threading.Barrier | None = None
        """When set, users.info answers only once this many calls wait (a race made sure)."""

    def _answer(self, method: str, args: dict[str, Any], token: str) -> dict[str, Any]:
        if method == "users.info" and token == self.token and method not in self.fail:
            user = str(args.get("user"))
            return {"ok": True, "user": {"id": user, **self.zones.get(user, {})}}
        return super()._answer(method, args, token)


@pytest.fixture
def slack(make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch) -> Iterator[Slack]:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    with serving(ZoneStub(TOKEN)) as stub:
        running = Slack(stub, make_tutor)
        yield running
        running.stop()


def zones(slack: Slack) -> dict[str, dict[str, Any]]:
    stub = slack.stub
    assert isinstance(stub, ZoneStub)
    return stub.zones


def remind(slack: Slack, user: str, text: str) -> str:
    """`/tutor remind TEXT` typed by `user`: the reply, immediate or private through the
    response URL."""
    fields = {
        "command": "/tutor",
        "text": f"remind {text}".strip(),
        "team_id": TEAM,
        "user_id": user,
        "channel_id": "C0STUDY",
        "response_url": slack.stub.response_url(f"remind-{user}"),
        "trigger_id": "1.2.3",
    }
    body = urlencode(fields)
    status, immediate = slack.post(body, signature(body), "application/x-www-form-urlencoded")
    assert status == 200
    slack.settle()
    replies = [r for r in slack.stub.responses if r["url"] == f"remind-{user}"]
    slack.stub.responses.clear()
    if immediate:
        assert not replies
        return immediate
    [reply] = replies
    assert reply["response_type"] == "ephemeral"
    return str(reply["text"])


def review_a_card(tutor: Tutor, user: str) -> None:
    """`user` answers one quiz question and rates it Good: one card, due some days later."""
    thread, who = f"setup-{user}", learner(user)
    turn = tutor.ask("/quiz softmax", thread, learner=who, interface="slack")
    assert turn.pending is not None and turn.pending["type"] == "quiz_answer"
    turn = tutor.ask(quiz_reply(turn.pending["prompt"]), thread, learner=who, interface="slack")
    assert turn.pending is not None and turn.pending["type"] == "rating"
    tutor.ask("good", thread, learner=who, interface="slack")
    assert len(LearnerMemory(tutor.store, who).cards()) == 1


def reminders_to(slack: Slack, user: str) -> list[Posted]:
    """The reminders posted in `user`'s direct messages with the tutor."""
    return [m for m in slack.answers(None, channel=f"D{user}") if "due for review" in m.text]


def test_remind_sets_shows_and_turns_off_in_the_users_own_time_zone(slack: Slack) -> None:
    zones(slack)["U0ALICE"] = TOKYO
    assert "No reminder is set" in remind(slack, "U0ALICE", "")
    said = remind(slack, "U0ALICE", "9:30pm")
    assert "*21:30* (Asia/Tokyo)" in said and "remind off" in said
    assert "*21:30* (Asia/Tokyo)" in remind(slack, "U0ALICE", "")

    for wrong in ("25:00", "soon", "9"):
        said = remind(slack, "U0ALICE", wrong)
        assert f"can't read `{wrong}`" in said and "/tutor remind 9:00" in said
    assert "*21:30*" in remind(slack, "U0ALICE", "")  # a wrong time changed nothing

    zones(slack)["U0ALICE"] = NEW_YORK  # moved: setting again reads the zone again
    assert "*07:00* (America/New_York)" in remind(slack, "U0ALICE", "7am")
    assert "Reminder off" in remind(slack, "U0ALICE", "off")
    assert "No reminder is set" in remind(slack, "U0ALICE", "")
    assert "No reminder is set" in remind(slack, "U0ALICE", "off")
    assert not slack.stub.calls_to("chat.postMessage")  # all of it privately, no DM


def test_a_reminder_comes_once_a_day_when_cards_are_due_with_a_start_button(
    slack: Slack,
) -> None:
    zones(slack)["U0ALICE"] = NEW_YORK
    review_a_card(slack.tutor, "U0ALICE")
    remind(slack, "U0ALICE", "9:00")
    reminders = slack.bot.reminders

    assert reminders.tick(at(0, 13, 59)) == 0  # 8:59 in New York
    assert reminders_to(slack, "U0ALICE") == []
    assert reminders.tick(at(0, 14, 1)) == 1  # 9:01 in New York
    [reminder] = reminders_to(slack, "U0ALICE")
    assert "1 card due for review" in reminder.text
    assert reminder.thread_ts is None  # the top level of the DM
    assert "tutor_remind_start" in reminder.buttons()
    assert slack.stub.calls_to("conversations.open")[-1].args["users"] == "U0ALICE"

    assert reminders.tick(at(0, 14, 30)) == 0
    assert reminders.tick(at(0, 23, 0)) == 0  # 18:00 in New York: still the same day there
    assert reminders.tick(at(1, 4, 0)) == 0  # 23:00 in New York: the same day, not yet 9:00
    assert len(reminders_to(slack, "U0ALICE")) == 1
    assert reminders.tick(at(1, 14, 5)) == 1  # the next day at 9:05
    assert len(reminders_to(slack, "U0ALICE")) == 2


def test_nothing_due_means_no_message_and_no_second_look_that_day(slack: Slack) -> None:
    zones(slack)["U0BOB"] = NEW_YORK
    remind(slack, "U0BOB", "9:00")
    assert slack.bot.reminders.tick(at(0, 14, 5)) == 0
    assert not slack.stub.calls_to("chat.postMessage")
    assert not slack.stub.calls_to("conversations.open")

    review_a_card(slack.tutor, "U0BOB")  # due later that day: the day's look was taken
    assert slack.bot.reminders.tick(at(0, 20, 0)) == 0
    assert slack.bot.reminders.tick(at(1, 14, 5)) == 1
    assert len(reminders_to(slack, "U0BOB")) == 1


def test_each_person_is_reminded_at_nine_in_their_own_time_zone(slack: Slack) -> None:
    zones(slack).update({"U0ALICE": NEW_YORK, "U0BOB": TOKYO})
    for user in ("U0ALICE", "U0BOB"):
        review_a_card(slack.tutor, user)
        remind(slack, user, "09:00")
    reminders = slack.bot.reminders

    assert reminders.tick(at(0, 5, 5)) == 1  # 14:05 in Tokyo, 0:05 in New York
    assert len(reminders_to(slack, "U0BOB")) == 1 and reminders_to(slack, "U0ALICE") == []
    assert reminders.tick(at(0, 14, 5)) == 1  # 9:05 in New York, 23:05 in Tokyo
    assert len(reminders_to(slack, "U0BOB")) == 1 and len(reminders_to(slack, "U0ALICE")) == 1

    # Alice flies to Tokyo: her next reminder (at 9:00 New York time) finds her zone changed
    # in Slack, comes once that day, and from then on at 9:00 in Tokyo.
    zones(slack)["U0ALICE"] = TOKYO
    assert reminders.tick(at(1, 0, 5)) == 1  # Bob's 9:05
    assert reminders.tick(at(1, 14, 5)) == 1
    assert len(reminders_to(slack, "U0ALICE")) == 2
    assert "(Asia/Tokyo)" in remind(slack, "U0ALICE", "")
    assert reminders.tick(at(2, 0, 5)) == 2  # 9:05 in Tokyo for both


def test_a_reminder_missed_while_the_bot_was_down_comes_once_and_a_restart_keeps_it_sent(
    slack: Slack,
) -> None:
    zones(slack)["U0ALICE"] = NEW_YORK
    review_a_card(slack.tutor, "U0ALICE")
    remind(slack, "U0ALICE", "9:00")
    slack.restart()  # down at 9:00 New York time, back at 11:00
    assert slack.bot.reminders.tick(at(0, 16, 0)) == 1
    slack.restart()
    assert slack.bot.reminders.tick(at(0, 16, 30)) == 0
    assert slack.bot.reminders.tick(at(0, 22, 0)) == 0
    assert len(reminders_to(slack, "U0ALICE")) == 1
    assert slack.bot.reminders.tick(at(1, 14, 1)) == 1


def test_start_asks_the_first_question_in_the_direct_message_once(slack: Slack) -> None:
    zones(slack)["U0ALICE"] = NEW_YORK
    review_a_card(slack.tutor, "U0ALICE")
    remind(slack, "U0ALICE", "9:00")
    assert slack.bot.reminders.tick(at(0, 14, 1)) == 1
    [reminder] = reminders_to(slack, "U0ALICE")
    as_sent = copy.deepcopy(reminder)

    assert slack.press("U0ALICE", reminder, "tutor_remind_start") == 200
    slack.settle()
    shown = slack.stub.posted[reminder.ts]
    assert shown.buttons() == {} and "chose *Start*" in shown.block_text()
    question = slack.answers(None, channel="DU0ALICE")[-1]
    assert question.ts != reminder.ts and "Reply with your answer" in question.block_text()
    pending = slack.tutor.last_turn(f"slack-{TEAM}-DU0ALICE").pending
    assert pending is not None and pending["type"] == "quiz_answer"

    posted = len(slack.stub.calls_to("chat.postMessage"))
    slack.press("U0ALICE", as_sent, "tutor_remind_start")  # pressed again before it changed
    slack.settle()
    assert len(slack.stub.calls_to("chat.postMessage")) == posted
    assert slack.whispers("U0ALICE")[-1].startswith("That was already pressed")

    slack.direct("U0ALICE", quiz_reply(pending["prompt"]))  # the review goes on in the DM
    slack.settle()
    assert "tutor_rate_good" in slack.answers(None, channel="DU0ALICE")[-1].buttons()


def test_without_a_time_zone_from_slack_it_uses_utc_and_says_so(slack: Slack) -> None:
    slack.stub.fail["users.info"] = "missing_scope"
    review_a_card(slack.tutor, "U0ALICE")
    said = remind(slack, "U0ALICE", "9:00")
    assert "*09:00* (UTC)" in said and "couldn't read your time zone" in said
    assert slack.bot.reminders.tick(at(0, 8, 59)) == 0
    assert slack.bot.reminders.tick(at(0, 9, 1)) == 1

    del slack.stub.fail["users.info"]
    zones(slack)["U0BOB"] = {"tz_offset": 19800}  # an offset and no zone name
    said = remind(slack, "U0BOB", "9:00")
    assert "(UTC+05:30)" in said and "daylight saving" in said


def test_two_bots_on_one_database_send_a_reminder_once(
    pools_given_back: None,
    database_url: str,
    make_tutor: MakeTutor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TUTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    with serving(ZoneStub(TOKEN)) as stub:
        stub.zones["U0ALICE"] = NEW_YORK
        tutors = [make_tutor(), make_tutor()]
        client = WebClient(token=TOKEN, base_url=stub.base_url)
        bots = [build_bot(t.settings, t, client) for t in tutors]
        try:
            review_a_card(tutors[0], "U0ALICE")
            bots[0].reminders.set(TEAM, "U0ALICE", "09:00", at(-1, 12))
            # Both bots read the reminder, then ask Slack for the zone (the stub answers
            # once both asked), then both try to send it: one may.
            stub.gate = threading.Barrier(2)
            for day in (0, 1):
                when = at(day, 14, 1)
                with ThreadPoolExecutor(2) as pool:
                    assert sum(pool.map(lambda bot, when=when: bot.reminders.tick(when), bots)) == 1
            sent = [c for c in stub.calls_to("chat.postMessage") if "due for" in c.args["text"]]
            assert len(sent) == 2 and {c.args["channel"] for c in sent} == {"DU0ALICE"}
        finally:
            for bot in bots:
                bot.close(timeout=30)


def test_tutor_forget_drops_the_reminder_too(slack: Slack) -> None:
    zones(slack)["U0ALICE"] = NEW_YORK
    review_a_card(slack.tutor, "U0ALICE")
    remind(slack, "U0ALICE", "9:00")
    slack.stop()
    run_tutor("forget", "--learner", learner("U0ALICE"), "--yes")
    slack.start()
    assert "No reminder is set" in remind(slack, "U0ALICE", "")
    assert slack.bot.reminders.tick(at(0, 14, 1)) == 0


def test_the_bots_own_loop_sends_a_reminder_that_has_come(slack: Slack) -> None:
    review_a_card(slack.tutor, "U0ALICE")
    # Set for 9:00 UTC, never sent, and the loop's clock says 9:01 that day.
    slack.bot.store.reminders.put(Reminder(TEAM, "U0ALICE", "09:00", "UTC", ""))
    loop = Reminders(slack.bot, every=0.05, clock=lambda: at(0, 9, 1))
    loop.start()
    try:
        slack.stub.wait_for(lambda: reminders_to(slack, "U0ALICE"))
    finally:
        loop.stop()
    assert len(reminders_to(slack, "U0ALICE")) == 1
