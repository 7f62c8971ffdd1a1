"""Two real `tutor slack --port` processes on one PostgreSQL database and one Chroma server,
talking to the Slack stub through SLACK_API_URL: Slack's retries land on either replica and
are answered once, a quiz moves between replicas and each review counts once, a replica
killed with SIGKILL in the middle of a turn leaves the other nothing lost or counted twice,
Slack's retry of an event whose replica died is answered by the other, and two replicas
setting up one fresh database at once both come up."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from tests.conftest import SCRUBBED, SHIPPED_NOTES, free_port
from tests.integration.slack_stub import BOT_USER, TEAM, Posted, SlackStub, running_stub
from tests.integration.test_slack import (
    SECRET,
    TOKEN,
    envelope,
    new_ts,
    press_body,
    signature,
)
from tutor import prompts
from tutor.learning.memory import learner_label
from tutor.slack.connect import default_learner, thread_id

if TYPE_CHECKING:
    from langgraph.types import StateSnapshot

    from tests.integration.postgres import PostgresServer

pytestmark = pytest.mark.integration

THINKING = prompts.SLACK_THINKING
MULTIPLE_CHOICE = re.compile(r"(^|\s)A\)\s")
QUESTIONS = [
    ("explain the softmax function", "*Softmax function*"),
    ("what is a GRU?", "*GRU*"),
    ("where do my notes talk about PPO?", "Where your notes cover *PPO*"),
    ("search KL divergence", "Where your notes cover *KL divergence*"),
    ("what is the vanishing gradient problem?", "*Vanishing gradient problem*"),
]
"""What the learners ask, and how the answer to each begins (so an answer posted in the
wrong thread shows)."""
ANSWER_WITHIN = 600.0
"""Seconds to wait for answers before failing (the machine is shared and has two cores)."""


class Replica:
    """One `tutor slack --port` process with a TUTOR_HOME of its own; output in a log file."""

    def __init__(self, name: str, env: dict[str, str], tmp: Path) -> None:
        self.name = name
        self.env = {**env, "TUTOR_HOME": str(tmp / f"home-{name}")}
        self.cwd = tmp / "cwd"
        self.log = tmp / f"replica-{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.starts = 0

    def start(self) -> None:
        """Start the process (again, after a kill) on a fresh port; wait until it answers."""
        self.launch()
        until(self.ready, f"replica {self.name} to answer /health")

    def launch(self) -> None:
        """Start the process on a fresh port, not waiting for it."""
        self.port = free_port()
        with self.log.open("a") as out:
            out.write(f"--- start {self.starts + 1}\n")
            out.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tutor", "slack", "--port", str(self.port)]
                + ["--host", "127.0.0.1"],
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1

    def ready(self) -> bool:
        """Whether GET /health answers `ok` (once the bot is built and listening); a process
        that exited fails the test with its output."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            pytest.fail(f"replica {self.name} exited {self.proc.returncode}:\n{self.tail()}")
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=5) as answer:
                return bool(answer.read() == b"ok")
        except OSError:
            return False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine would: nothing runs after it."""
        if self.alive:
            assert self.proc is not None
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (running turns finish), then SIGKILL if it hangs."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def post(self, body: str, headers: dict[str, str], kind: str) -> int:
        """POST to /slack/events as Slack does; the HTTP status."""
        request = urllib.request.Request(
            f"{self.url}/slack/events", body.encode(), {**headers, "Content-Type": kind}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                return int(response.status)
        except urllib.error.HTTPError as refused:
            return refused.code

    def deliver(self, payload: dict[str, Any], retry: int = 0) -> int:
        """An Events API delivery, signed; `retry` makes it Slack's retry number `retry`."""
        body = json.dumps(payload)
        headers = signature(body)
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(body, headers, "application/json")

    def press(self, user: str, message: Posted, action_id: str) -> int:
        """`user` presses a button of a message the bot posted."""
        body = press_body(user, message, action_id)
        return self.post(body, signature(body), "application/x-www-form-urlencoded")


@dataclass
class Team:
    """The shared PostgreSQL database and Chroma server, the Slack stub, and two replicas."""

    database_url: str
    stub: SlackStub
    env: dict[str, str]
    tmp: Path
    replicas: tuple[Replica, Replica]

    def running(self) -> tuple[Replica, Replica]:
        """Both replicas, a killed one started again first."""
        for replica in self.replicas:
            if not replica.alive:
                replica.start()
        return self.replicas


@contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """`chroma run` on a free loopback port (as test_chroma_server.py starts it); its URL."""
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    with path.with_suffix(".log").open("w") as out:
        proc = subprocess.Popen(
            [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, path.with_suffix(".log").read_text()[-2000:]
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "chroma run did not listen"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def drop_database(server: PostgresServer, name: str) -> None:
    """Drop a test's database, closing what is still connected to it (a killed replica's)."""
    if server.running:
        server.drop_database(name)


@pytest.fixture(scope="module")
def team(pg_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    """A fresh database and Chroma server, the notes ingested once into both, and two
    `tutor slack` replicas on them; every process stopped at the end, whatever happened."""
    tmp = tmp_path_factory.mktemp("replicas")
    (tmp / "cwd").mkdir()  # no .env there
    notes = tmp / "notes"
    shutil.copytree(SHIPPED_NOTES, notes)
    name = f"replicas_{uuid.uuid4().hex[:12]}"
    with ExitStack() as stack:
        url = pg_server.create_database(name)
        stack.callback(drop_database, pg_server, name)
        stub = stack.enter_context(running_stub(TOKEN))
        chroma = stack.enter_context(chroma_server(tmp / "chroma"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}
        env.update(
            TUTOR_DATABASE_URL=url,
            TUTOR_CHROMA_URL=chroma,
            TUTOR_NOTES=str(notes),
            SLACK_API_URL=stub.base_url,
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
        )
        ingest = subprocess.run(
            [sys.executable, "-m", "tutor", "ingest"],
            env={**env, "TUTOR_HOME": str(tmp / "home-ingest")},
            cwd=tmp / "cwd",
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert ingest.returncode == 0, ingest.stdout + ingest.stderr
        assert stub.calls == []  # ingesting talks to no Slack
        replicas = (Replica("a", env, tmp), Replica("b", env, tmp))
        for replica in replicas:
            stack.callback(replica.stop)
        for replica in replicas:
            # One after the other: two replicas setting up a fresh database at once deadlock
            # (test_two_replicas_starting_together_on_a_fresh_database_both_come_up).
            replica.start()
        yield Team(url, stub, env, tmp, replicas)


# --- what the stub and the database show ------------------------------------------------------


def direct(user: str, text: str, thread_ts: str | None = None) -> dict[str, Any]:
    """A direct message from `user` to the bot (in a thread of the DM when `thread_ts`)."""
    event = {"type": "message", "channel_type": "im", "user": user, "text": text}
    event |= {"ts": new_ts(), "channel": f"D{user}"}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return envelope(event)


def thinking_messages(stub: SlackStub, channel: str, thread_ts: str | None) -> list[Posted]:
    """The bot's messages in a thread that began as "Thinking…" (one per turn it took)."""
    return [m for m in stub.thread(channel, thread_ts) if (m.history or [m.text])[0] == THINKING]


def answers(stub: SlackStub, channel: str, thread_ts: str | None = None) -> list[Posted]:
    """The turns' answers in a thread: thinking messages replaced since."""
    return [m for m in thinking_messages(stub, channel, thread_ts) if m.text != THINKING]


def until(condition: Callable[[], Any], what: str, within: float = ANSWER_WITHIN) -> Any:
    """Wait until `condition()` is truthy; fail saying `what` did not happen."""
    deadline = time.monotonic() + within
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}", pytrace=False)
        time.sleep(0.1)
    return result


def thread_state(team: Team, thread: str) -> StateSnapshot:
    """A tutor thread as PostgreSQL holds it."""
    from langgraph.checkpoint.postgres import PostgresSaver

    from tutor.graph import build_graph

    with PostgresSaver.from_conn_string(team.database_url) as saver:
        graph = build_graph().compile(checkpointer=saver)
        return graph.get_state({"configurable": {"thread_id": thread}})


def said(team: Team, thread: str) -> list[tuple[str, str]]:
    """A tutor thread's messages as PostgreSQL holds them, (role, text), oldest first."""
    messages = thread_state(team, thread).values.get("messages", [])
    return [(m.type, str(m.text)) for m in messages]


def cards_of(team: Team, user: str) -> list[dict[str, Any]]:
    """A Slack user's cards, read from the PostgreSQL Store under ("learner", label, "cards")."""
    from langgraph.store.postgres import PostgresStore

    namespace = ("learner", learner_label(default_learner(TEAM, user)), "cards")
    with PostgresStore.from_conn_string(team.database_url) as store:
        return [item.value for item in store.search(namespace, limit=100)]


def quiz_reply(question: str) -> str:
    """An answer to whatever was asked (a label for multiple choice)."""
    return "A" if MULTIPLE_CHOICE.search(question) else "probabilities that sum to one"


def ignored(replica: Replica, ts: str) -> bool:
    """Whether `replica` logged that it ignored a repeated delivery of message `ts`."""
    return f"ignored a repeated delivery of message {ts} " in replica.output()


# --- the tests ----------------------------------------------------------------------------------


def test_each_replica_talks_to_slack_at_slack_api_url(team: Team) -> None:
    a, b = team.running()
    # Each start checks the token with auth.test, here on the stub; the identity it prints
    # is the one only the stub gives.
    checks = team.stub.calls_to("auth.test")
    assert len(checks) >= a.starts + b.starts
    for replica in (a, b):
        assert f"as @tutor ({BOT_USER}) in Test ({TEAM})" in replica.output()
        assert "HTTP events on http://127.0.0.1:" in replica.output()


def test_a_bad_slack_api_url_stops_tutor_slack_with_one_error_line(team: Team) -> None:
    env = {**team.env, "SLACK_API_URL": "ftp://x", "TUTOR_HOME": str(team.tmp / "home-bad")}
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "slack", "--port", str(free_port())],
        env=env,
        cwd=team.tmp / "cwd",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: SLACK_API_URL is not an http(s) URL: ftp://x"]
    assert "Traceback" not in done.stdout + done.stderr


def test_a_hundred_events_retried_across_replicas_are_each_answered_once(team: Team) -> None:
    stub = team.stub
    replicas = team.running()
    users = [f"U0BURST{n:02d}" for n in range(20)]
    sent: list[tuple[str, str, str | None, str, str]] = []  # user, text, thread, ts, begins
    deliveries: list[tuple[Replica, dict[str, Any], int]] = []
    for i in range(100):
        rounds, n = divmod(i, 20)
        user = users[n]
        text, begins = QUESTIONS[(n + rounds) % len(QUESTIONS)]
        # Three of a user's five messages each start a thread of the DM; the last two go to
        # the top level, one tutor thread, on different replicas at about the same time.
        parent = new_ts() if rounds < 3 else None
        payload = direct(user, text, parent)
        sent.append((user, text, parent, payload["event"]["ts"], begins))
        first = replicas[(n + rounds) % 2]
        deliveries.append((first, payload, 0))
        if i % 3 == 0:  # Slack timed out waiting for the ack: the same event to the other
            deliveries.append((replicas[(n + rounds + 1) % 2], payload, 1))
    calls_before = len(stub.calls)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda d: d[0].deliver(d[1], retry=d[2]), deliveries))
    assert statuses == [200] * len(deliveries)

    retried = [sent[i][3] for i in range(0, 100, 3)]

    def turns_taken() -> int:
        return sum(len(answers(stub, f"D{user}", None)) for user in users) + sum(
            len(answers(stub, f"D{user}", parent)) for user, _, parent, _, _ in sent if parent
        )

    def dropped() -> int:
        return sum(any(ignored(r, ts) for r in replicas) for ts in retried)

    # Every delivery either took a turn (and was answered) or was dropped as a repeat.
    until(lambda: turns_taken() + dropped() >= len(deliveries), "each delivery dealt with")
    assert turns_taken() == 100 and dropped() == len(retried)

    for user, text, parent, _, begins in sent:
        if parent is None:
            continue
        [answer] = thinking_messages(stub, f"D{user}", parent)  # once, in its own thread
        assert answer.updates == 1 and not answer.text.startswith(":warning:"), answer.text
        assert answer.text.startswith(begins), (text, answer.text)
        history = said(team, thread_id(TEAM, f"D{user}", parent))
        assert [role for role, _ in history] == ["human", "ai"]
        assert history[0] == ("human", slash(text))
    for user in users:
        top = thinking_messages(stub, f"D{user}", None)
        assert len(top) == 2 and all(m.updates == 1 for m in top)
        assert not any(m.text.startswith(":warning:") for m in top)
        history = said(team, thread_id(TEAM, f"D{user}", None))
        asked = [slash(text) for u, text, parent, _, _ in sent if u == user and parent is None]
        assert sorted(text for role, text in history if role == "human") == sorted(asked)
        assert [role for role, _ in history].count("ai") >= 2
    calls = stub.calls[calls_before:]
    thinking = [c for c in calls if c.method == "chat.postMessage" and c.args["text"] == THINKING]
    assert len(thinking) == 100
    assert len([c for c in calls if c.method == "chat.update"]) == 100
    assert not [c for c in calls if c.method == "chat.postEphemeral"]  # none rate limited
    for replica in replicas:
        assert "Traceback" not in replica.output() and " ERROR " not in replica.output()


def slash(text: str) -> str:
    """What the tutor is told for a message (a few commands are typed without their slash)."""
    return f"/{text}" if text.startswith("search ") else text


def test_quizzes_move_between_replicas_and_each_review_counts_once(team: Team) -> None:
    stub = team.stub
    a, b = team.running()
    topics = {"U0QUIZ0": "softmax", "U0QUIZ1": "GRU", "U0QUIZ2": "PPO", "U0QUIZ3": "RLHF"}
    users = list(topics)
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(lambda u: a.deliver(direct(u, f"/quiz {topics[u]}")), users)) == {200}
    until(lambda: all(answers(stub, f"D{u}") for u in users), "a question for each learner")
    questions = {u: answers(stub, f"D{u}")[0] for u in users}
    for question in questions.values():
        assert prompts.SLACK_ANSWER_DM in question.block_text(), question.text

    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = [direct(u, quiz_reply(questions[u].text)) for u in users]
        assert set(pool.map(b.deliver, replies)) == {200}
    until(lambda: all(len(answers(stub, f"D{u}")) >= 2 for u in users), "each answer graded")
    graded = {u: answers(stub, f"D{u}")[1] for u in users}
    for user in users:
        assert "tutor_rate_good" in graded[user].buttons(), graded[user].text
        assert cards_of(team, user) == []  # graded, not rated yet: nothing counted

    # Two learners type their rating to B, and Slack retries it to A as well; two press
    # Good on B, and the same press reaches A too (a double click on a slow network).
    typed = [direct(u, "good") for u in users[:2]]
    deliveries = [(b, p, 0) for p in typed] + [(a, p, 1) for p in typed]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda d: d[0].deliver(d[1], retry=d[2]), deliveries))
        pressed = [(r, u) for u in users[2:] for r in (b, a)]
        statuses += pool.map(lambda p: p[0].press(p[1], graded[p[1]], "tutor_rate_good"), pressed)
    assert set(statuses) == {200}

    def dealt_with(user: str) -> bool:
        """The rating and its repeat both dealt with: a second turn would be a 4th answer."""
        turns = len(answers(stub, f"D{user}"))
        if user in users[:2]:
            ts = typed[users.index(user)]["event"]["ts"]
            return turns >= 4 or (turns == 3 and (ignored(a, ts) or ignored(b, ts)))
        return turns >= 4 or (turns == 3 and bool(whispers(stub, user)))

    until(lambda: all(dealt_with(u) for u in users), "each rating and its repeat dealt with")
    for user in users[2:]:
        [whisper] = whispers(stub, user)
        assert whisper in (prompts.SLACK_ALREADY, prompts.SLACK_STALE)
    for user in users:
        rated = answers(stub, f"D{user}")[2]
        assert "Rated *good*" in rated.text, rated.text
        [card] = cards_of(team, user)  # one graded quiz, one card
        assert [review["rating"] for review in card["history"]] == ["good"]  # reviewed once
        assert len(answers(stub, f"D{user}")) == 3  # and no second "Rated" anywhere


def whispers(stub: SlackStub, user: str) -> list[str]:
    """Ephemeral texts sent to `user`."""
    return [
        str(c.args["text"]) for c in stub.calls_to("chat.postEphemeral") if c.args["user"] == user
    ]


@contextmanager
def store_locked(url: str) -> Iterator[None]:
    """The learners' Store locked against every reader and writer for the block: a turn that
    reaches it waits there, in the middle of the turn."""
    with psycopg.connect(url) as conn:
        conn.execute("LOCK TABLE store IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            conn.rollback()


def waiting_for_store(url: str) -> bool:
    """Whether some session waits for the Store's lock (see `store_locked`)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'store' AND NOT l.granted "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchone()
    return bool(row and row[0])


def test_a_replica_killed_inside_a_rating_turn_loses_nothing_and_counts_it_once(
    team: Team,
) -> None:
    stub = team.stub
    a, b = team.running()
    user, channel = "U0KILLED", "DU0KILLED"
    assert a.deliver(direct(user, "/quiz softmax")) == 200
    [question] = until(lambda: answers(stub, channel), "the question")
    assert b.deliver(direct(user, quiz_reply(question.text))) == 200
    until(lambda: len(answers(stub, channel)) >= 2, "the grade")
    assert "tutor_rate_good" in answers(stub, channel)[1].buttons()

    with store_locked(team.database_url):
        assert a.deliver(direct(user, "good")) == 200  # acked at once, the turn runs after
        # The turn holds the thread, has taken "good" as the rating and waits in `record`
        # to read the card: SIGKILL it there.
        until(lambda: waiting_for_store(team.database_url), "the rating turn to reach the Store")
        a.kill()
    assert len(answers(stub, channel)) == 2  # the killed turn said nothing
    assert cards_of(team, user) == []
    killed = thread_state(team, thread_id(TEAM, channel, None))
    assert killed.next == ("record",) and not killed.interrupts  # stopped mid-turn

    # No answer came, so the learner sends the rating again; the other replica takes it.
    assert b.deliver(direct(user, "good")) == 200
    until(lambda: len(answers(stub, channel)) >= 3, "the rating taken by the other replica")
    assert "Rated *good*" in answers(stub, channel)[2].text
    [card] = cards_of(team, user)
    assert [review["rating"] for review in card["history"]] == ["good"]
    history = said(team, thread_id(TEAM, channel, None))
    asked = [text for role, text in history if role == "human"]
    assert asked == ["/quiz softmax", quiz_reply(question.text), "good"]  # "good" once

    # The thread goes on: the next quiz is asked there.
    assert b.deliver(direct(user, "/quiz GRU")) == 200
    until(lambda: len(answers(stub, channel)) >= 4, "the next question")
    assert prompts.SLACK_ANSWER_DM in answers(stub, channel)[3].block_text()
    assert len(cards_of(team, user)[0]["history"]) == 1


def test_slacks_retry_of_an_event_whose_replica_died_is_answered_by_the_other(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub = team.stub
    a, b = team.running()
    channel = "DU0ORPHAN"
    real = stub.handle

    def handle(method: str, args: dict[str, Any], token: str) -> dict[str, Any]:
        if method == "chat.postMessage" and args.get("channel") == channel and a.alive:
            a.kill()  # the event is acked and taken; A dies before its turn runs
        return real(method, args, token)

    monkeypatch.setattr(stub, "handle", handle)
    event = direct("U0ORPHAN", "explain the softmax function")
    assert a.deliver(event) == 200
    until(lambda: not a.alive, "replica A to be killed")
    assert b.deliver(event, retry=1) == 200  # Slack saw no ack in time (A died): it retries
    ts = event["event"]["ts"]
    until(lambda: answers(stub, channel) or ignored(b, ts), "B to take or drop the retry")
    assert answers(stub, channel), f"B dropped Slack's retry of {ts}; no answer ever comes"
    assert answers(stub, channel)[0].text.startswith("*Softmax function*")


def at_the_setup_lock(admin: psycopg.Connection[Any]) -> int:
    """Sessions of other processes that asked for an advisory lock as their last statement."""
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND query ILIKE '%advisory%lock%'"
    ).fetchone()
    return int(row[0]) if row else 0


def index_build_stuck(admin: psycopg.Connection[Any]) -> bool:
    """Whether a CREATE INDEX CONCURRENTLY waits for a session that itself waits for an
    advisory lock (held by the index builder's own process: neither can go on)."""
    row = admin.execute(
        "SELECT count(*) FROM pg_locks cic "
        "JOIN pg_stat_activity builder ON builder.pid = cic.pid "
        "JOIN pg_locks held ON held.locktype = 'virtualxid' AND held.granted "
        "  AND held.virtualxid = cic.virtualxid "
        "JOIN pg_locks waits ON waits.pid = held.pid AND waits.locktype = 'advisory' "
        "  AND NOT waits.granted "
        "WHERE cic.locktype = 'virtualxid' AND NOT cic.granted "
        "AND builder.query ILIKE '%CONCURRENTLY%'"
    ).fetchone()
    return bool(row and row[0])


def test_two_replicas_starting_together_on_a_fresh_database_both_come_up(
    team: Team, pg_server: PostgresServer
) -> None:
    from tutor.storage.postgres import lock_key
    from tutor.storage.state import SETUP_LOCK

    name = f"fresh_{uuid.uuid4().hex[:12]}"
    with ExitStack() as stack:
        url = pg_server.create_database(name)
        stack.callback(drop_database, pg_server, name)
        chroma = stack.enter_context(chroma_server(team.tmp / "chroma-fresh"))
        env = {**team.env, "TUTOR_DATABASE_URL": url, "TUTOR_CHROMA_URL": chroma}
        ingest = subprocess.run(
            [sys.executable, "-m", "tutor", "ingest"],
            env={**env, "TUTOR_HOME": str(team.tmp / "home-fresh-ingest")},
            cwd=team.tmp / "cwd",
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert ingest.returncode == 0, ingest.stdout + ingest.stderr
        replicas = [Replica(f"fresh-{n}", env, team.tmp) for n in (1, 2)]
        for replica in replicas:
            stack.callback(replica.kill)  # a deadlocked one would not stop on SIGTERM
        admin = stack.enter_context(psycopg.connect(url, autocommit=True))
        # Both replicas get to the setup lock before either has it, as when a deployment
        # starts them together.
        admin.execute("SELECT pg_advisory_lock(%s)", (lock_key(SETUP_LOCK),))
        for replica in replicas:
            replica.launch()
        until(lambda: at_the_setup_lock(admin) >= 2, "both replicas at the setup lock")
        admin.execute("SELECT pg_advisory_unlock(%s)", (lock_key(SETUP_LOCK),))
        until(
            lambda: all(r.ready() for r in replicas) or index_build_stuck(admin),
            "both replicas ready, or stuck",
        )
        assert all(r.ready() for r in replicas), "the replicas deadlocked setting up tables"
