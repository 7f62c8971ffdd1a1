"""How fast the Slack bot acknowledges events and answers them, over real HTTP on 127.0.0.1.

The bot is built as tests/integration/test_slack.py builds it (Bolt over HTTP, signed requests,
the Web API a loopback stub), but on a temporary TUTOR_HOME with the shipped notes ingested by
`tutor ingest` and the real offline embedding model. An ack is the wall time of one signed
POST of an app_mention event until its HTTP 200; an answer is the time from that POST until
the stub receives the chat.update that replaces the thinking message. Three runs:

- sequential: one event at a time, each answered before the next is sent;
- a burst of 20 concurrent events from different users;
- a burst of 40 concurrent events sent while every worker (TUTOR_SLACK_WORKERS, default 4)
  is already running a turn, with more queued behind them (its answers wait for that queue).

The requests come from threads of the same process as the bot, so a burst's acks include the
senders' share of the interpreter; the bot's settings are the defaults (offline, no model).
Run from the repository root: .venv/bin/python bench/slack_bot.py [--events N]
It prints numbers only; nothing asserts.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import SCRUBBED  # noqa: E402
from tests.integration.slack_stub import SlackStub, running_stub  # noqa: E402
from tests.integration.test_slack import SECRET, TOKEN, Slack, new_ts  # noqa: E402
from tutor.slack.turns import Job  # noqa: E402

ASKS = ["explain the softmax function", "where do my notes talk about PPO?", "/quiz"]
SLACK_ACK_LIMIT = 3.0
"""Seconds Slack waits for the HTTP 200 before it retries the event."""


class AnswerClock:
    """When the stub first saw each thread's answer (the chat.update of its thinking message)."""

    def __init__(self, stub: SlackStub) -> None:
        self.answered: dict[str | None, float] = {}
        self._lock = threading.Lock()
        real = stub.handle

        def handle(method: str, args: dict[str, Any], token: str) -> dict[str, Any]:
            seen = time.perf_counter()
            answer = real(method, args, token)
            if method == "chat.update" and answer.get("ok"):
                message = stub.posted.get(str(args.get("ts")))
                if message is not None:
                    with self._lock:
                        self.answered.setdefault(message.thread_ts, seen)
            return answer

        stub.handle = handle  # type: ignore[method-assign]


class TurnsRunning:
    """How many workers are running a turn right now (taking it or posting its answer)."""

    def __init__(self, slack: Slack) -> None:
        self.now = 0
        self._lock = threading.Lock()
        taker = slack.bot.taker
        real = taker.run

        def run(job: Job) -> None:
            with self._lock:
                self.now += 1
            try:
                real(job)
            finally:
                with self._lock:
                    self.now -= 1

        taker.run = run  # type: ignore[method-assign]


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


Sent = tuple[str, float, float, int]
"""One event: its ts, when it was sent, its ack time, and the turns running at the ack."""


class Bench:
    """The running bot, with a clock on its answers and a count of its running turns."""

    def __init__(self, slack: Slack, clock: AnswerClock) -> None:
        self.slack = slack
        self.clock = clock
        self.running = TurnsRunning(slack)

    def mention(self, user: str, text: str) -> Sent:
        """One signed app_mention event, timed until its HTTP answer."""
        ts = new_ts()
        start = time.perf_counter()
        status = self.slack.mention(user, text, ts)
        ack = time.perf_counter() - start
        if status != 200:
            print(f"warning: the event from {user} got HTTP {status}", file=sys.stderr)
        return ts, start, ack, self.running.now

    def burst(self, tag: str, count: int) -> list[Sent]:
        """`count` mentions from different users, released together."""
        gate = threading.Barrier(count)

        def one(n: int) -> Sent:
            gate.wait()
            return self.mention(f"U{tag}{n:03d}", ASKS[n % len(ASKS)])

        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(one, range(count)))

    def row(self, label: str, sent: list[Sent]) -> None:
        acks = [ack * 1000 for _, _, ack, _ in sent]
        answers = [(self.clock.answered[ts] - start) * 1000 for ts, start, _, _ in sent]
        print(
            f"{label:<30} {len(sent):>6} {pct(acks, 0.5):>8.1f} {pct(acks, 0.95):>8.1f} "
            f"{max(acks):>8.1f} {pct(answers, 0.5):>11.1f} {pct(answers, 0.95):>11.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=30)
    args = parser.parse_args()
    if args.events < 1:
        parser.error("--events must be at least 1")

    tmp = Path(tempfile.mkdtemp(prefix="tutor-bench-slack-"))
    for name in [n for n in os.environ if n.startswith(SCRUBBED)]:
        del os.environ[name]  # a developer's keys, model or Slack settings must not apply
    os.environ.update(
        TUTOR_HOME=str(tmp / "home"), SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET
    )
    (tmp / "cwd").mkdir()
    os.chdir(tmp / "cwd")  # away from any `.env`
    try:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tutor.cli", "ingest"], check=True, capture_output=True
        )
        ingest = time.perf_counter() - start
        with running_stub(TOKEN) as stub:
            run(stub, args.events, ingest)
    finally:
        os.chdir(ROOT)
        shutil.rmtree(tmp, ignore_errors=True)


def run(stub: SlackStub, events: int, ingest: float) -> None:
    from tutor.config import load_settings
    from tutor.session import Tutor

    made: list[Tutor] = []

    def make_tutor() -> Tutor:
        made.append(Tutor(load_settings()))
        return made[-1]

    clock = AnswerClock(stub)
    start = time.perf_counter()
    slack = Slack(stub, make_tutor)
    startup = time.perf_counter() - start
    try:
        bench = Bench(slack, clock)
        workers = slack.bot.settings.slack_workers
        bench.mention("U0WARM", "/help")  # Bolt's first request and the first turn, unmeasured
        slack.settle()
        print(
            f"offline bot, {workers} workers; ingest {ingest:.1f} s, "
            f"bot start (model load, auth.test) {startup:.1f} s"
        )
        print(
            f"{'':<30} {'events':>6} {'ack p50':>8} {'ack p95':>8} {'ack max':>8} "
            f"{'answer p50':>11} {'answer p95':>11}  (ms)"
        )

        sequential = []
        for n in range(events):
            sequential.append(bench.mention(f"US{n:03d}", ASKS[n % len(ASKS)]))
            slack.settle()
        bench.row("sequential, one at a time", sequential)

        concurrent = bench.burst("C", 20)
        slack.settle()
        bench.row("burst of 20 concurrent", concurrent)

        # Occupy every worker with a backlog that outlasts the burst (unmeasured), then send it.
        bench.burst("P", 10 * workers)
        deadline = time.monotonic() + 30
        while bench.running.now < workers and time.monotonic() < deadline:
            time.sleep(0.002)
        busy = bench.burst("B", 40)
        slack.settle()
        bench.row(f"burst of 40, {workers} workers busy", busy)
        full = sum(1 for _, _, _, running in busy if running >= workers)
        print(f"acks that came back while all {workers} workers were running a turn: {full}/40")
        slowest = max(ack for _, _, ack, _ in sequential + concurrent + busy)
        print(
            f"slowest ack of all: {slowest * 1000:.1f} ms "
            f"({slowest / SLACK_ACK_LIMIT:.1%} of Slack's {SLACK_ACK_LIMIT:.0f} s)"
        )
    finally:
        slack.stop()
        for tutor in made:
            tutor.close()


if __name__ == "__main__":
    main()
