"""The Slack bot over real HTTP on 127.0.0.1: requests signed like Slack's, the Web API a stub
(`slack_stub`), the tutor offline on a copy of the notes."""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk import WebClient

from tests.conftest import MakeTutor, free_port
from tests.integration.processes import gone, wait_until_alive
from tests.integration.slack_stub import BOT_ID, BOT_USER, TEAM, Posted, SlackStub, running_stub
from tutor.errors import TutorError
from tutor.learning.memory import LearnerMemory
from tutor.session import Turn, Tutor
from tutor.slack.app import SlackHTTPServer, build_bot
from tutor.slack.inbound import SlackBot
from tutor.slack.workers import RateLimiter

pytestmark = pytest.mark.integration

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-token"
CHANNEL = "C0STUDY"
_ts = itertools.count(1)


def new_ts() -> str:
    """A fresh Slack message timestamp."""
    return f"{1600000000 + next(_ts)}.000200"


def learner(user: str) -> str:
    return f"slack-{TEAM}-{user}"


def signature(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request signature: v0 HMAC-SHA256 of `v0:{timestamp}:{body}`."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


class Slack:
    """One running bot (Bolt over HTTP, workers, the tutor) and the stub it talks to."""

    def __init__(self, stub: SlackStub, make_tutor: MakeTutor) -> None:
        self.stub = stub
        self.make_tutor = make_tutor
        self.tutor: Tutor
        self.bot: SlackBot
        self.server: SlackHTTPServer
        self.start()

    def start(self) -> None:
        """Start (again, as after a restart) on the same TUTOR_HOME."""
        self.tutor = self.make_tutor()
        client = WebClient(token=TOKEN, base_url=self.stub.base_url)
        self.bot = build_bot(self.tutor.settings, self.tutor, client, stream_every=0.0)
        self.server = SlackHTTPServer(self.bot, "127.0.0.1", 0)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.bot.close(timeout=30)

    def restart(self) -> None:
        self.stop()
        self.start()

    def settle(self) -> None:
        """Wait until every listener and turn has finished."""
        assert self.bot.wait_idle(timeout=60), "the bot did not finish its work"

    def post(self, body: str, headers: dict[str, str], kind: str) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        request = urllib.request.Request(url, body.encode(), {**headers, "Content-Type": kind})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode()

    def send(self, payload: dict[str, Any], *, retry: int = 0, **signing: Any) -> int:
        """An Events API delivery (JSON), signed; `retry` sets X-Slack-Retry-Num."""
        body = json.dumps(payload)
        headers = signature(body, **signing)
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(body, headers, "application/json")[0]

    def event(self, event: dict[str, Any], event_id: str = "", **kwargs: Any) -> int:
        return self.send(envelope(event, event_id), **kwargs)

    def mention(self, user: str, text: str, ts: str, thread_ts: str | None = None) -> int:
        event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}"}
        return self.event({**event, "ts": ts, "channel": CHANNEL, **_in(thread_ts)})

    def reply(self, user: str, text: str, thread_ts: str, channel: str = CHANNEL) -> int:
        """A message in a channel thread, without a mention."""
        event = {"type": "message", "channel_type": "channel", "user": user, "text": text}
        return self.event({**event, "ts": new_ts(), "channel": channel, "thread_ts": thread_ts})

    def direct(self, user: str, text: str) -> int:
        event = {"type": "message", "channel_type": "im", "user": user, "text": text}
        return self.event({**event, "ts": new_ts(), "channel": f"D{user}"})

    def press(self, user: str, message: Posted, action_id: str) -> int:
        """Press a button of a message the bot posted."""
        body = press_body(user, message, action_id)
        return self.post(body, signature(body), "application/x-www-form-urlencoded")[0]

    def command(self, user: str, text: str, channel: str = CHANNEL) -> tuple[int, str]:
        """`/tutor TEXT` typed by `user`; returns the status and the immediate reply."""
        fields = {
            "command": "/tutor",
            "text": text,
            "team_id": TEAM,
            "user_id": user,
            "channel_id": channel,
            "response_url": self.stub.response_url(f"{user}-{text}"),
            "trigger_id": "1.2.3",
        }
        body = urlencode(fields)
        return self.post(body, signature(body), "application/x-www-form-urlencoded")

    def answers(self, thread_ts: str | None, channel: str = CHANNEL) -> list[Posted]:
        """What the bot posted in a thread, as it shows now."""
        return self.stub.thread(channel, thread_ts)

    def whispers(self, user: str) -> list[str]:
        """Ephemeral texts sent to `user`."""
        calls = self.stub.calls_to("chat.postEphemeral")
        return [str(c.args["text"]) for c in calls if c.args["user"] == user]


def envelope(event: dict[str, Any], event_id: str = "") -> dict[str, Any]:
    """An Events API envelope around `event`."""
    return {
        "token": "unused",
        "team_id": TEAM,
        "api_app_id": "A0TUTOR",
        "event": {"event_ts": event.get("ts"), "team": TEAM, **event},
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ts):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }


def press_body(user: str, message: Posted, action_id: str) -> str:
    """The form body Slack posts when `user` presses a button of a message the bot posted."""
    button = message.buttons()[action_id]
    action = {k: button[k] for k in ("action_id", "block_id", "value", "text", "type")}
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": {"id": user},
        "channel": {"id": message.channel},
        "container": {"type": "message", "message_ts": message.ts},
        "message": {
            "ts": message.ts,
            "text": message.text,
            "blocks": message.blocks,
            **_in(message.thread_ts),
        },
        "actions": [action],
        "trigger_id": "1.2.3",
    }
    return urlencode({"payload": json.dumps(payload)})


def _in(thread_ts: str | None) -> dict[str, str]:
    return {"thread_ts": thread_ts} if thread_ts else {}


@pytest.fixture
def slack(make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch) -> Iterator[Slack]:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    with running_stub(TOKEN) as stub:
        running = Slack(stub, make_tutor)
        yield running
        running.stop()


def with_model(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    """LLM mode against the OpenAI-compatible stub at `base_url` (for the next restart)."""
    for name, value in {
        "TUTOR_MODEL": "openai:stub-model",
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "test-key",
        "TUTOR_MODEL_RETRIES": "0",
    }.items():
        monkeypatch.setenv(name, value)


def quiz_reply(prompt: str) -> str:
    """An answer to whatever question was asked (a label for multiple choice)."""
    return "C" if "- A) " in prompt or "• A) " in prompt else "probabilities that sum to one"


def test_a_mention_is_answered_in_its_thread_with_sources(slack: Slack) -> None:
    ts = new_ts()
    assert slack.mention("U0ALICE", "explain the softmax function", ts) == 200
    slack.settle()

    [answer] = slack.answers(ts)
    assert answer.history == [":hourglass_flowing_sand: _Thinking…_"]  # replaced, not added
    assert "*Softmax function*" in answer.text and "**" not in answer.text
    assert "**Sources**" not in answer.text  # moved into the context block
    context = [b for b in answer.blocks if b["type"] == "context"]
    assert "Sources" in str(context)
    assert "deep-learning-qa-notebook.md › Forward Propagation" in str(context)
    assert not answer.buttons()  # no run id (tracing off): no thumbs
    said = slack.tutor.history(f"slack-{TEAM}-{CHANNEL}-{ts}")
    assert said[0] == ("human", "explain the softmax function")  # the mention is stripped


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "not-the-signing-secret"},
        {"timestamp": int(time.time()) - 10 * 60},
    ],
    ids=["forged", "stale"],
)
def test_a_forged_or_stale_signature_gets_401_and_nothing_runs(
    slack: Slack, signing: dict[str, Any]
) -> None:
    ts = new_ts()
    event = {"type": "app_mention", "user": "U0MALLORY", "text": f"<@{BOT_USER}> /run 1"}
    status = slack.event({**event, "ts": ts, "channel": CHANNEL}, **signing)
    assert status == 401
    unsigned = json.dumps(envelope({**event, "ts": ts, "channel": CHANNEL}))
    assert slack.post(unsigned, {}, "application/json")[0] == 401
    slack.settle()
    assert slack.stub.calls_to("chat.postMessage") == []
    assert slack.tutor.history(f"slack-{TEAM}-{CHANNEL}-{ts}") == []


def test_a_retried_event_is_answered_once_even_after_a_restart(slack: Slack) -> None:
    ts = new_ts()
    event = {"type": "app_mention", "user": "U0ALICE", "text": f"<@{BOT_USER}> what is dropout"}
    event |= {"ts": ts, "channel": CHANNEL}
    assert slack.event(event, "Ev0RETRIED") == 200
    assert slack.event(event, "Ev0RETRIED", retry=1) == 200
    slack.settle()
    assert len(slack.answers(ts)) == 1

    slack.restart()  # the dedupe is on disk: a retry after a restart is still recognised
    assert slack.event(event, "Ev0RETRIED", retry=2) == 200
    # The same message delivered again as a channel message (message.channels) counts too.
    same = {**event, "type": "message", "channel_type": "channel"}
    assert slack.event(same, "Ev0OTHERKIND") == 200
    slack.settle()
    assert len(slack.answers(ts)) == 1
    assert len(slack.stub.calls_to("chat.postMessage")) == 1
    said = slack.tutor.history(f"slack-{TEAM}-{CHANNEL}-{ts}")
    assert [role for role, _ in said] == ["human", "ai"]


def test_twenty_concurrent_events_from_different_users_are_each_answered_once(
    slack: Slack,
) -> None:
    asks = ["explain the softmax function", "where do my notes talk about PPO?", "/quiz"]
    sent = {f"U{n:03d}": (new_ts(), asks[n % 3]) for n in range(20)}
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda u: slack.mention(u, sent[u][1], sent[u][0]), list(sent)))
    assert statuses == [200] * 20
    slack.settle()

    for user, (ts, asked) in sent.items():
        [answer] = slack.answers(ts)  # once, in that user's thread
        assert answer.updates == 1
        state = slack.tutor.graph.get_state({"configurable": {"thread_id": answer_thread(ts)}})
        assert state.values["learner"] == learner(user)
        assert state.values["messages"][0].text == asked
        if asked.startswith("/quiz"):
            assert "Reply in this thread with your answer" in answer.block_text()
        elif asked.startswith("where"):
            assert "rlhf-and-alignment.md › RLHF &amp; Alignment" in answer.text
        else:
            assert "Sources" in answer.block_text() and "softmax" in answer.text.lower()
    assert len(slack.stub.calls_to("chat.postMessage")) == 20
    assert len(slack.stub.calls_to("chat.update")) == 20


def answer_thread(ts: str) -> str:
    return f"slack-{TEAM}-{CHANNEL}-{ts}"


def test_a_quiz_answered_in_a_thread_and_rated_by_button_updates_that_users_cards(
    slack: Slack,
) -> None:
    ts = new_ts()
    slack.mention("U0ALICE", "quiz me on softmax", ts)
    slack.settle()
    pending = slack.tutor.last_turn(answer_thread(ts)).pending
    assert pending is not None and pending["type"] == "quiz_answer"

    slack.reply("U0BOB", "B", ts)  # someone else chatting in the thread: not an answer
    slack.settle()
    assert len(slack.answers(ts)) == 1
    slack.reply("U0ALICE", quiz_reply(pending["prompt"]), ts)  # no mention needed
    slack.settle()
    graded = slack.answers(ts)[-1]
    seen_before = copy.deepcopy(graded)  # as a second device still shows it
    assert "*Reference:*" in graded.text
    assert set(graded.buttons()) >= {"tutor_rate_again", "tutor_rate_good", "tutor_rate_easy"}

    slack.press("U0BOB", graded, "tutor_rate_easy")  # not Bob's card
    slack.settle()
    assert any("Only <@U0ALICE> can rate" in text for text in slack.whispers("U0BOB"))
    assert LearnerMemory(slack.tutor.store, learner("U0BOB")).cards() == []
    assert LearnerMemory(slack.tutor.store, learner("U0ALICE")).cards() == []

    slack.press("U0ALICE", graded, "tutor_rate_good")
    slack.settle()
    [card] = LearnerMemory(slack.tutor.store, learner("U0ALICE")).cards()
    assert [review["rating"] for review in card["history"]] == ["good"]
    assert LearnerMemory(slack.tutor.store, learner("U0BOB")).cards() == []
    pressed = slack.stub.posted[graded.ts]
    assert "tutor_rate_good" not in pressed.buttons()
    assert "<@U0ALICE> chose *Good*" in pressed.block_text()
    assert "Rated *good*" in slack.answers(ts)[-1].text

    slack.press("U0ALICE", seen_before, "tutor_rate_good")  # the same button, pressed again
    slack.settle()
    assert len(LearnerMemory(slack.tutor.store, learner("U0ALICE")).cards()[0]["history"]) == 1


def test_run_pressed_by_another_user_does_nothing_and_by_the_asker_runs(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    real = slack.tutor.services.run_code
    monkeypatch.setattr(
        slack.tutor.services, "run_code", lambda code: ran.append(code) or real(code)
    )
    ts = new_ts()
    slack.mention("U0ALICE", "/run softmax", ts)
    slack.settle()
    [offer] = slack.answers(ts)
    assert "```" in offer.text and "def softmax" in offer.text
    assert {"tutor_run_yes", "tutor_run_no"} <= set(offer.buttons())

    slack.press("U0BOB", offer, "tutor_run_yes")
    slack.settle()
    slack.mention("U0BOB", "yes", new_ts(), thread_ts=ts)  # nor by saying so
    slack.settle()
    assert ran == []
    assert any("Only <@U0ALICE> can run" in text for text in slack.whispers("U0BOB"))
    assert "waiting for <@U0ALICE> to decide" in slack.whispers("U0BOB")[-1]
    assert len(slack.answers(ts)) == 1
    assert slack.stub.posted[offer.ts].buttons()  # still there for Alice
    waiting = slack.tutor.last_turn(answer_thread(ts)).pending
    assert waiting is not None and waiting["type"] == "confirm_code"

    slack.press("U0ALICE", offer, "tutor_run_yes")
    slack.settle()
    assert len(ran) == 1 and "def softmax" in ran[0]
    result = slack.answers(ts)[-1]
    assert "exit code 0" in result.text


def test_slash_commands_help_progress_and_a_quiz_in_direct_messages(slack: Slack) -> None:
    status, _ = slack.command("U0ALICE", "help")
    assert status == 200
    slack.settle()
    slack.command("U0ALICE", "progress")
    slack.settle()
    helped, progress = slack.stub.responses
    assert helped["response_type"] == "ephemeral" and "`/quiz [TOPIC]`" in helped["text"]
    assert f"You are learner `{learner('U0ALICE')}`" in json.dumps(helped["blocks"])
    assert "no cards yet" in progress["text"]

    status, immediate = slack.command("U0ALICE", "quiz softmax")
    assert status == 200 and "direct messages" in immediate
    slack.settle()
    [question] = slack.answers(None, channel="DU0ALICE")  # the top level of our DM
    assert "Reply with your answer" in question.block_text()
    pending = slack.tutor.last_turn(f"slack-{TEAM}-DU0ALICE").pending
    assert pending is not None and pending["type"] == "quiz_answer"
    slack.direct("U0ALICE", quiz_reply(pending["prompt"]))
    slack.settle()
    assert "tutor_rate_good" in slack.answers(None, channel="DU0ALICE")[-1].buttons()

    status, usage = slack.command("U0ALICE", "frobnicate")
    assert status == 200 and "/tutor quiz [topic]" in usage


def test_a_user_over_the_rate_limit_is_told_politely_and_others_go_on(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_SLACK_RATE_LIMIT", "2")
    slack.restart()
    threads = [new_ts() for _ in range(3)]
    for ts in threads:
        slack.mention("U0FAST", "what is dropout", ts)
    slack.mention("U0CALM", "what is dropout", other := new_ts())
    slack.settle()
    assert sorted(len(slack.answers(ts)) for ts in threads) == [0, 1, 1]
    assert len(slack.answers(other)) == 1
    [told] = slack.whispers("U0FAST")
    assert "2 messages a minute" in told


def test_the_rate_limit_frees_up_after_a_minute() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.wait_needed("u") == 0 and limiter.wait_needed("u") == 0
    now[0] = 20.0
    assert limiter.wait_needed("u") == pytest.approx(40.0)
    assert limiter.wait_needed("someone else") == 0
    now[0] = 60.5
    assert limiter.wait_needed("u") == 0


def test_the_bots_own_and_other_bots_posts_are_ignored(slack: Slack) -> None:
    ts = new_ts()
    ignored = [
        {"type": "message", "channel_type": "im", "bot_id": BOT_ID, "user": BOT_USER},
        {"type": "message", "channel_type": "im", "user": BOT_USER},
        {"type": "message", "channel_type": "im", "subtype": "bot_message", "bot_id": "B0OTHER"},
        {"type": "message", "channel_type": "im", "user": "U0ALICE", "bot_id": "B0OTHER"},
        {
            "type": "message",
            "channel_type": "im",
            "subtype": "message_changed",
            "message": {"type": "message", "user": "U0ALICE", "text": "explain dropout"},
        },
        {"type": "message", "channel_type": "channel", "user": "U0ALICE", "channel": CHANNEL},
    ]
    for n, event in enumerate(ignored):
        base = {"text": "explain dropout", "ts": f"{ts[:-3]}{n:03d}", "channel": "DU0ALICE"}
        assert slack.event({**base, **event}) == 200
    slack.settle()
    assert slack.stub.calls_to("chat.postMessage") == []

    slack.direct("U0ALICE", "explain dropout")  # a person in a DM is answered
    slack.settle()
    assert len(slack.stub.calls_to("chat.postMessage")) == 1


def test_a_thread_hears_its_starter_without_a_mention_until_others_join(slack: Slack) -> None:
    ts = new_ts()
    slack.mention("U0ALICE", "what is dropout", ts)
    slack.settle()
    slack.reply("U0ALICE", "and what is a logit?", ts)  # just the two of us: answered
    slack.settle()
    assert len(slack.answers(ts)) == 2
    slack.reply("U0BOB", "nice thread", ts)  # someone joins: not for the tutor
    slack.settle()
    slack.reply("U0ALICE", "thanks Bob", ts)  # now a mention is needed
    slack.settle()
    assert len(slack.answers(ts)) == 2
    slack.mention("U0BOB", "where do my notes talk about PPO?", new_ts(), thread_ts=ts)
    slack.settle()
    assert len(slack.answers(ts)) == 3


def test_the_ack_comes_back_while_the_turn_is_still_running(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    real = slack.tutor.ask

    def slow_ask(*args: Any, **kwargs: Any) -> Turn:
        started.set()
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(slack.tutor, "ask", slow_ask)
    ts = new_ts()
    assert slack.mention("U0ALICE", "what is dropout", ts) == 200  # acked, turn not done
    assert started.wait(30)
    [thinking] = slack.stub.wait_for(lambda: slack.answers(ts))
    assert thinking.updates == 0 and "Thinking" in thinking.text
    assert slack.mention("U0ALICE", "what is a logit", ts2 := new_ts()) == 200
    release.set()
    slack.settle()
    assert slack.answers(ts)[0].updates == 1 and slack.answers(ts2)[0].updates == 1


def test_a_dead_model_is_answered_offline_and_a_bug_is_a_short_message(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_MODEL", "openai:stub-model")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")  # nobody there
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("TUTOR_MODEL_RETRIES", "0")
    slack.restart()
    ts = new_ts()
    slack.mention("U0ALICE", "explain the softmax function", ts)
    slack.settle()
    [said] = slack.answers(ts)  # answered offline from the notes, saying why once
    assert "cannot reach the model server" in said.text and "Softmax" in said.text
    assert said.text.count("the model failed") == 1 and "Traceback" not in said.text

    def broken(*args: Any, **kwargs: Any) -> Turn:
        raise RuntimeError("a programming error")

    monkeypatch.setattr(slack.tutor, "ask", broken)
    slack.mention("U0ALICE", "what is dropout", ts2 := new_ts())
    slack.settle()
    [said] = slack.answers(ts2)
    assert "went wrong on my side" in said.text and "programming error" not in said.text


def test_a_tutor_error_is_shown_with_its_hint(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Turn:
        raise TutorError(
            "bubblewrap is not installed", "install it: sudo apt-get install bubblewrap"
        )

    monkeypatch.setattr(slack.tutor, "ask", refuse)
    slack.direct("U0ALICE", "/run print(1)")
    slack.settle()
    [said] = slack.answers(None, channel="DU0ALICE")
    assert ":warning: bubblewrap is not installed" in said.text
    assert "sudo apt-get install bubblewrap" in said.text


def test_thumbs_send_feedback_on_the_turns_run(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[Any, ...]] = []
    real = slack.tutor.ask

    def traced(*args: Any, **kwargs: Any) -> Turn:
        turn = real(*args, **kwargs)
        turn.run_id = "0b5e5a3c-run"
        return turn

    def feedback(run_id: str, key: str, score: float, *, comment: str = "") -> bool:
        sent.append((run_id, key, score, comment))
        return True

    monkeypatch.setattr(slack.tutor, "ask", traced)
    monkeypatch.setattr("tutor.tracing.send_feedback", feedback)
    ts = new_ts()
    slack.mention("U0ALICE", "what is dropout", ts)
    slack.settle()
    [answer] = slack.answers(ts)
    for user, action in [("U0BOB", "up"), ("U0BOB", "down"), ("U0ALICE", "down")]:
        slack.press(user, answer, f"tutor_thumbs_{action}")  # Bob's second press: not taken
        slack.settle()
    assert sent == [
        ("0b5e5a3c-run", "thumbs", 1.0, "slack"),
        ("0b5e5a3c-run", "thumbs", 0.0, "slack"),
    ]
    assert "already gave feedback" in slack.whispers("U0BOB")[-1]


def test_code_sent_in_a_slack_code_block_runs_at_once(slack: Slack) -> None:
    slack.direct("U0ALICE", "run this ```print(6 * 7)```")  # how Slack sends a code block
    slack.settle()
    [result] = slack.answers(None, channel="DU0ALICE")
    assert "exit code 0" in result.text and "42" in result.text


def test_a_mapped_slack_user_shares_cards_with_the_cli_learner(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_SLACK_LEARNERS", "U0ALICE=alice")
    slack.restart()
    slack.direct("U0ALICE", "quiz me on softmax")
    slack.settle()
    pending = slack.tutor.last_turn(f"slack-{TEAM}-DU0ALICE").pending
    assert pending is not None
    slack.direct("U0ALICE", quiz_reply(pending["prompt"]))
    slack.settle()
    slack.press("U0ALICE", slack.answers(None, channel="DU0ALICE")[-1], "tutor_rate_hard")
    slack.settle()
    [card] = LearnerMemory(slack.tutor.store, "alice").cards()
    assert card["history"][-1]["rating"] == "hard"
    assert LearnerMemory(slack.tutor.store, learner("U0ALICE")).cards() == []
    slack.command("U0ALICE", "help")
    slack.settle()
    assert "You are learner `alice`" in json.dumps(slack.stub.responses[-1]["blocks"])


def test_with_a_model_the_answer_streams_in_and_the_grade_needs_no_buttons(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.openai_stub import running_stub as running_model

    replies: dict[str, Any] = {
        "RouteChoice": [{"route": "explain", "topic": "softmax"}],
        "chat": "Softmax turns logits into probabilities [1]; they sum to one.",
        "WrittenQuestion": {
            "question": "What does the reward model learn from?",
            "reference": "Human rankings of pairs of model responses.",
            "rubric": ["mentions humans", "mentions ranking responses"],
        },
        "RubricGrade": {"score": 0.5, "verdict": "partial", "feedback": "Say who ranks."},
    }

    def respond(body: dict[str, Any]) -> Any:
        fmt = body.get("response_format") or {}
        reply = replies[str(fmt.get("json_schema", {}).get("name", "chat")) if fmt else "chat"]
        return reply.pop(0) if isinstance(reply, list) else reply

    with running_model() as model:
        model.responder = respond
        with_model(monkeypatch, model.base_url)
        slack.restart()
        ts = new_ts()
        slack.mention("U0ALICE", "explain softmax", ts)
        slack.settle()
        [answer] = slack.answers(ts)
        assert "Softmax turns logits into probabilities [1]" in answer.text
        growing = [text for text in answer.history if text.endswith(" …")]
        assert growing and len(growing[0]) < len(growing[-1])  # shown while written
        assert "Sources" in answer.block_text()

        slack.mention("U0ALICE", "/quiz reward model", ts2 := new_ts())
        slack.settle()
        slack.reply("U0ALICE", "rankings", ts2)
        slack.settle()
        graded = slack.answers(ts2)[-1]
    assert "Partly right" in graded.text and "Say who ranks." in graded.text
    assert not graded.buttons()  # the model's grade decides: nothing to rate
    [card] = LearnerMemory(slack.tutor.store, learner("U0ALICE")).cards()
    assert card["history"][0]["graded_by"] == "model"


def test_tutor_slack_names_the_missing_token_and_where_to_get_it() -> None:
    from typer.testing import CliRunner

    from tutor.cli import app

    result = CliRunner().invoke(app, ["slack"])
    assert result.exit_code == 2
    assert "error: SLACK_BOT_TOKEN is not set" in result.stderr
    assert "slack/manifest.yml" in result.stderr and "Traceback" not in result.output
    result = CliRunner().invoke(app, ["slack", "--port", "3000"], env={"SLACK_BOT_TOKEN": TOKEN})
    assert result.exit_code == 2 and "need SLACK_SIGNING_SECRET" in result.stderr


def test_tutor_slack_in_socket_mode_says_how_it_runs_and_stops_cleanly(
    make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tutor.slack import app as slack_app

    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0TUTOR-test")
    handler: dict[str, Any] = {}

    class Handler:
        def __init__(self, app: Any, app_token: str) -> None:
            handler.update(app=app, token=app_token)

        def start(self) -> None:
            raise KeyboardInterrupt  # Ctrl-C while connected

        def close(self) -> None:
            handler["closed"] = True

    monkeypatch.setattr("slack_bolt.adapter.socket_mode.SocketModeHandler", Handler)
    tutor = make_tutor()
    lines: list[str] = []
    with running_stub(TOKEN) as stub:
        bot_over_stub(monkeypatch, tutor, stub.base_url)
        slack_app.run_slack(tutor.settings, say=lines.append)
    assert handler["token"] == "xapp-1-A0TUTOR-test" and handler["closed"]
    said = "\n".join(lines)
    assert "offline mode" in said and f"as @tutor ({BOT_USER}) in Test ({TEAM})" in said
    assert "Socket Mode" in said and "stopping" in said
    assert "xoxb" not in said and "xapp" not in said


def test_sigterm_kills_running_code_at_once_and_the_turn_says_to_send_it_again(
    make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import signal

    from tutor.slack import app as slack_app

    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0TUTOR-test")
    monkeypatch.setenv("TUTOR_CODE_TIMEOUT", "120")  # only the shutdown can end the run soon
    marker = f"sigterm-{new_ts()}-{os.getpid()}"
    spawn = f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', {marker!r}])"
    code = f"```import subprocess, sys, time\n{spawn}\ntime.sleep(100)```"

    class Handler:
        def __init__(self, app: Any, app_token: str) -> None:
            self.app = app

        def start(self) -> None:  # connected: code runs, then a service manager stops us
            from slack_bolt.request import BoltRequest

            event = {"type": "message", "channel_type": "im", "user": "U0ALICE"}
            event |= {"text": f"run this {code}", "ts": new_ts(), "channel": "DU0ALICE"}
            body = json.dumps(envelope(event))
            self.app.dispatch(BoltRequest(body=body, headers={"content-type": "application/json"}))
            assert wait_until_alive(marker), "the code never started"
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(60)  # the signal interrupts this

        def close(self) -> None:
            pass

    def not_handled(signum: int, frame: Any) -> None:
        raise AssertionError("tutor slack left SIGTERM to its default: the process would die")

    monkeypatch.setattr("slack_bolt.adapter.socket_mode.SocketModeHandler", Handler)
    before = signal.signal(signal.SIGTERM, not_handled)
    tutor = make_tutor()
    lines: list[str] = []
    try:
        with running_stub(TOKEN) as stub:
            bot_over_stub(monkeypatch, tutor, stub.base_url)
            slack_app.run_slack(tutor.settings, say=lines.append)
            [answer] = stub.thread("DU0ALICE", None)
    finally:
        signal.signal(signal.SIGTERM, before)
    assert gone(marker), "the sandboxed code outlived the shutdown"
    assert "stopping: letting running turns finish" in "\n".join(lines)
    assert "stopped before it finished: the tutor is shutting down" in answer.text
    assert "send it again" in answer.text  # the message is kept for the next start


def bot_over_stub(monkeypatch: pytest.MonkeyPatch, tutor: Tutor, base_url: str) -> None:
    """`tutor slack` builds its bot with this tutor and a WebClient on the stub at `base_url`."""
    from tutor.slack import app as slack_app

    client = WebClient(token=TOKEN, base_url=base_url)
    real = slack_app.build_bot
    monkeypatch.setattr(
        slack_app,
        "build_bot",
        lambda settings, socket_mode, **_: real(settings, tutor, client, socket_mode=socket_mode),
    )


def test_tutor_slack_over_http_says_when_its_port_is_taken(
    make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from tutor.slack import app as slack_app

    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    tutor = make_tutor()
    with running_stub(TOKEN) as stub, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        bot_over_stub(monkeypatch, tutor, stub.base_url)
        port = taken.getsockname()[1]
        with pytest.raises(TutorError, match=f"cannot listen on 127.0.0.1:{port}") as caught:
            slack_app.run_slack(tutor.settings, port, "127.0.0.1", say=lambda line: None)
    assert "--port" in caught.value.hint


def test_the_http_endpoint_answers_slacks_url_check_and_health_checks(slack: Slack) -> None:
    base = f"http://127.0.0.1:{slack.server.server_address[1]}"
    with urllib.request.urlopen(f"{base}/health", timeout=10) as response:
        assert response.status == 200 and response.read() == b"ok"
    challenge = json.dumps({"type": "url_verification", "challenge": "c4a11e", "token": "x"})
    status, said = slack.post(challenge, signature(challenge), "application/json")
    assert status == 200 and json.loads(said) == {"challenge": "c4a11e"}  # Slack's URL check
    request = urllib.request.Request(f"{base}/elsewhere", b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(request, timeout=10)
    assert missing.value.code == 404


# models.py silences this harmless openai-SDK warning with warnings.catch_warnings(), which
# is not thread-safe: with turns in parallel it can slip through.
@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")
def test_concurrent_quizzes_with_a_model_each_get_their_question(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.openai_stub import running_stub as running_model

    def respond(body: dict[str, Any]) -> Any:
        fmt = body.get("response_format") or {}
        if fmt.get("json_schema", {}).get("name") == "WrittenQuestion":
            return {
                "question": "Why does dropout help?",
                "reference": "It reduces overfitting.",
                "rubric": ["mentions overfitting"],
            }
        return {"route": "quiz", "topic": ""}

    with running_model() as model:
        model.responder = respond
        with_model(monkeypatch, model.base_url)
        slack.restart()
        sent = {f"U{n:03d}": new_ts() for n in range(20)}
        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(lambda user: slack.mention(user, "quiz me", sent[user]), list(sent)))
        slack.settle()
    # Each turn saves its model-written question in the shared question bank at once.
    for ts in sent.values():
        [asked] = slack.answers(ts)
        assert "Why does dropout help?" in asked.text, asked.text


def test_question_bank_writes_from_parallel_turns_take_turns(make_tutor: MakeTutor) -> None:
    records = make_tutor().services.index.records
    inside, release, order = threading.Event(), threading.Event(), []

    def first() -> None:
        with records._transaction():
            order.append("first in")
            inside.set()
            assert release.wait(30)
            order.append("first out")

    def second() -> None:
        assert inside.wait(30)
        with records._transaction():
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert inside.wait(30)
    # Nothing to wait for while the second is kept out: give it a moment to try to get in.
    threading.Timer(0.2, release.set).start()
    for thread in threads:
        thread.join(30)
    assert order == ["first in", "first out", "second in"]
