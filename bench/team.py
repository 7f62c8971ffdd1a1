"""The team backend (TUTOR_DATABASE_URL): what PostgreSQL costs a turn, how many turns a second
`tutor slack` replicas answer, and how the Store holds up with many learners.

Three tables, each with the machine and the PostgreSQL version, in Markdown:

1. Turn overhead in process, PostgreSQL against SQLite: the same offline turns (explain,
   retrieve, a quiz question, its answer and rating, help) on N threads of each backend, with
   instant hash embeddings (tests.fakes.HashEmbeddings), a learner per thread, the backends
   taking turns thread by thread after a warm-up; p50/p95 ms per kind of turn and the
   difference (goal: PostgreSQL adds at most 10 ms p50).
2. Throughput of real `tutor slack --port` replicas (1, then 2) sharing one PostgreSQL and one
   `chroma run` server, the notes ingested once by `python -m tutor ingest` (the real offline
   embedding model), the Slack Web API a stub on 127.0.0.1. Each learner is a Slack user
   sending signed direct-message events one after another, waiting for each answer (the
   stub's chat.update of the thinking message) before the next; events go to the replicas in
   turn, as a load balancer would send them. Turns a second are answers received within the
   window; an ack is the time from the POST of an event to its HTTP 200 (goal: p95 under
   100 ms). TUTOR_SLACK_RATE_LIMIT=0. The learners and the stub are threads of this process.
3. Scale of the Store: L learners x C cards (made as a quiz makes them, with FSRS review
   histories) written into PostgresStore in batches; then for one learner what `tutor
   progress` runs (in process, store open; and once as a process) and the due-card selection
   a quiz starts with (goals: p50 at most 200 ms and 50 ms).

Everything runs on a throwaway PostgreSQL cluster (tests/integration/postgres.py) and temporary
directories, all removed at the end. Numbers only; nothing asserts.
Run from the repository root: .venv/bin/python bench/team.py [--quick] [--only store] ...
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import math
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import SCRUBBED, free_port  # noqa: E402
from tests.fakes import HashEmbeddings  # noqa: E402
from tests.integration.postgres import PostgresServer  # noqa: E402
from tests.integration.serving import wait_healthy  # noqa: E402
from tests.integration.slack_stub import SlackStub, running_stub  # noqa: E402
from tests.integration.test_slack import SECRET, TOKEN, envelope, new_ts, signature  # noqa: E402
from tutor.config import SHIPPED_NOTES, Settings, load_settings  # noqa: E402

if TYPE_CHECKING:
    from tutor.learning.cards import Rating

FULL = {
    "threads": 50,
    "warmup": 3,
    "concurrency": "8,32,64",
    "replicas": "1,2",
    "seconds": 30.0,
    "store_learners": 1000,
    "store_cards": 100,
    "repeats": 50,
}
QUICK = {
    "threads": 2,
    "warmup": 1,
    "concurrency": "8",
    "replicas": "1,2",
    "seconds": 8.0,
    "store_learners": 50,
    "store_cards": 20,
    "repeats": 10,
}
TABLES = ("turns", "throughput", "store")

EXPLAIN = ["explain the softmax function", "what is the vanishing gradient problem?"]
RETRIEVE = ["/search reward model", "where do my notes cover PPO?"]
QUIZ = ["/quiz softmax", "/quiz RLHF", "/quiz"]
FREE_ANSWER = "it turns logits into probabilities"
KINDS = ("explain", "retrieve", "quiz", "answer", "rating", "help")
RATINGS: tuple[Rating, ...] = ("again", "hard", "good", "good", "good", "easy")
"""The ratings the Store's cards were given, about as often as learners give them."""
MULTIPLE_CHOICE = re.compile(r"(^|\s)A\)\s")

TURN_GOAL_MS = 10.0
ACK_GOAL_MS = 100.0
PROGRESS_GOAL_MS = 200.0
DUE_GOAL_MS = 50.0
ANSWER_TIMEOUT = 120.0
"""Seconds a learner waits for an answer before counting it lost and going on."""


# --- shared -------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in 0-1 (nan for no values)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def note(line: str) -> None:
    """Progress on stderr, so stdout holds only the tables."""
    print(f"  … {line}", file=sys.stderr, flush=True)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def markdown(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> None:
    """A Markdown table, aligned for reading as text too; `align` has an `l` or `r` a column
    (default: the first left, the rest right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        out = [
            str(c).rjust(w) if a == "r" else str(c).ljust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        ]
        return "| " + " | ".join(out) + " |"

    rules = ["-" * (w - 1) + (":" if a == "r" else "-") for w, a in zip(widths, align, strict=True)]
    print(line(headers))
    print("| " + " | ".join(rules) + " |")
    for row in rows:
        print(line(row))


def machine(pg_version: str) -> str:
    """One line: cores, CPU, PostgreSQL and Python versions."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for raw in Path("/proc/cpuinfo").read_text().splitlines():
            if raw.startswith("model name"):
                cpu = raw.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"machine: {usable} cores ({cpu}), PostgreSQL {pg_version}, "
        f"Python {platform.python_version()}"
    )


def pg_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def settings_for(home: Path, database_url: str = "", **more: Any) -> Settings:
    """Offline settings over the shipped notes; state in `home` or at `database_url`."""
    return load_settings(home=home, notes=SHIPPED_NOTES, database_url=database_url, **more)


# --- 1. turn overhead ---------------------------------------------------------------------


@dataclass
class Backend:
    """One backend's tutor (hash embeddings, seeded questions) and its timings per kind."""

    name: str
    settings: Settings
    tutor: Any = None
    ms: dict[str, list[float]] = field(default_factory=dict)

    def open(self) -> None:
        from tutor.context import Services
        from tutor.session import Tutor

        services = Services(self.settings, embeddings=HashEmbeddings(), rng=random.Random(3))
        self.tutor = Tutor(self.settings, services)

    def conversation(self, thread: str, learner: str, n: int, timed: bool = True) -> None:
        """explain, retrieve, a quiz question with its answer and rating, help: each timed."""
        tutor = self.tutor

        def turn(kind: str, text: str) -> Any:
            start = time.perf_counter()
            said = tutor.ask(text, thread, learner=learner)
            if timed:
                self.ms.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
            return said

        turn("explain", EXPLAIN[n % len(EXPLAIN)])
        turn("retrieve", RETRIEVE[n % len(RETRIEVE)])
        asked = turn("quiz", QUIZ[n % len(QUIZ)])
        if asked.pending and asked.pending["type"] == "quiz_answer":
            quiz = tutor.graph.get_state({"configurable": {"thread_id": thread}}).values["quiz"]
            right = "ABCDEFGH"[quiz["answer_index"]] if quiz.get("options") else quiz["reference"]
            graded = turn("answer", right)
            if graded.pending and graded.pending["type"] == "rating":
                turn("rating", "good")
        turn("help", "/help")

    def close(self) -> None:
        if self.tutor is not None:
            self.tutor.close()


def turn_overhead(server: PostgresServer, tmp: Path, threads: int, warmup: int) -> None:
    """Table 1: the same conversations on SQLite and PostgreSQL, side by side."""
    url = server.create_database("bench_turns")
    backends = [
        Backend("SQLite", settings_for(tmp / "turns-sqlite")),
        Backend("PostgreSQL", settings_for(tmp / "turns-pg", url)),
    ]
    try:
        for backend in backends:
            start = time.perf_counter()
            backend.open()
            backend.tutor.services.index.count()  # the first ingest, not counted
            for n in range(warmup):
                backend.conversation(f"warm-{n}", f"warm-{n}", n, timed=False)
            note(f"{backend.name}: ingest and warm-up {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        for n in range(threads):
            # The backends take turns, first one then the other, so drift hits both alike.
            for backend in backends if n % 2 == 0 else backends[::-1]:
                backend.conversation(f"thread-{n}", f"learner-{n}", n)
        note(f"{threads} conversations on each backend in {time.perf_counter() - start:.1f} s")
    finally:
        for backend in backends:
            backend.close()

    lite, pg = (b.ms for b in backends)
    rows = []
    everything: tuple[list[float], list[float]] = ([], [])
    for kind in KINDS:
        a, b = lite.get(kind, []), pg.get(kind, [])
        everything[0].extend(a)
        everything[1].extend(b)
        rows.append(_turn_row(kind, a, b))
    rows.append(_turn_row("all turns", *everything))
    print(f"\n### 1. Turn overhead in process: PostgreSQL vs SQLite ({threads} threads each)\n")
    print(machine(pg_version(url)))
    print(
        "offline turns, hash embeddings, Chroma on disk for both, a learner per thread, "
        "after a warm-up; ms per turn\n"
    )
    markdown(
        [
            "turn",
            "n",
            "SQLite p50",
            "PG p50",
            "Δ p50",
            "SQLite p95",
            "PG p95",
            "Δ p95",
            f"goal Δ p50 ≤ {TURN_GOAL_MS:.0f} ms",
        ],
        rows,
    )


def _turn_row(kind: str, lite: list[float], pg: list[float]) -> list[str]:
    if not lite or not pg:
        return [kind, f"{len(lite)}/{len(pg)}", *["—"] * 7]
    d50 = statistics.median(pg) - statistics.median(lite)
    d95 = pct(pg, 0.95) - pct(lite, 0.95)
    return [
        kind,
        str(min(len(lite), len(pg))),
        f"{statistics.median(lite):.1f}",
        f"{statistics.median(pg):.1f}",
        f"{d50:+.1f}",
        f"{pct(lite, 0.95):.1f}",
        f"{pct(pg, 0.95):.1f}",
        f"{d95:+.1f}",
        verdict(d50 <= TURN_GOAL_MS),
    ]


# --- 2. throughput ------------------------------------------------------------------------


class Answers:
    """The answers the stub receives (chat.update of a thinking message), per DM channel."""

    def __init__(self, stub: SlackStub) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, tuple[threading.Condition, list[Any]]] = {}
        real = stub.handle

        def handle(method: str, args: dict[str, Any], token: str) -> dict[str, Any]:
            answer = real(method, args, token)
            if method == "chat.update" and answer.get("ok"):
                changed, seen = self._channel(str(args.get("channel")))
                with changed:
                    seen.append((time.perf_counter(), str(args.get("text") or "")))
                    changed.notify_all()
            return answer

        stub.handle = handle  # type: ignore[method-assign]

    def _channel(self, channel: str) -> tuple[threading.Condition, list[Any]]:
        with self._lock:
            if channel not in self._channels:
                self._channels[channel] = (threading.Condition(), [])
            return self._channels[channel]

    def count(self, channel: str) -> int:
        changed, seen = self._channel(channel)
        with changed:
            return len(seen)

    def after(self, channel: str, known: int, timeout: float) -> tuple[float, str] | None:
        """The next answer in `channel` after the first `known` (when it came, its text)."""
        changed, seen = self._channel(channel)
        with changed:
            if not changed.wait_for(lambda: len(seen) > known, timeout):
                return None
            return seen[known]


@dataclass
class Event:
    """One learner message: when it was sent, its ack, and when its answer came (or None)."""

    sent: float
    ack: float
    status: int
    answered: float | None
    text: str = ""
    """The answer's text (a failed turn's starts with :warning:)."""


class Replica:
    """One `tutor slack --port` process, its log in a file."""

    def __init__(self, n: int, env: dict[str, str], tmp: Path) -> None:
        self.port = free_port()
        self.log = tmp / f"replica-{n}.log"
        home = tmp / f"replica-{n}-home"
        start = time.perf_counter()
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tutor", "slack", "--port", str(self.port)]
                + ["--host", "127.0.0.1"],
                env={**env, "TUTOR_HOME": str(home)},
                cwd=tmp / "cwd",
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_healthy(self.url, self.proc, 300, self.tail)
        except BaseException:
            self.stop()
            raise
        self.started = time.perf_counter() - start

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def errors(self) -> int:
        """ERROR lines in its log (a turn that crashed, a post that failed)."""
        return self.log.read_text(errors="replace").count(" ERROR ")

    def stop(self) -> None:
        """SIGTERM (running turns finish), then SIGKILL if it hangs."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def send_direct(url: str, user: str, text: str) -> tuple[int, float]:
    """A signed direct-message event to a replica: its HTTP status and seconds to it."""
    event = {"type": "message", "channel_type": "im", "user": user, "text": text}
    body = json.dumps(envelope({**event, "ts": new_ts(), "channel": f"D{user}"}))
    headers = {**signature(body), "Content-Type": "application/json"}
    request = urllib.request.Request(f"{url}/slack/events", body.encode(), headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()
            status = answer.status
    except urllib.error.HTTPError as refused:
        status = refused.code
    except OSError:
        status = 0
    return status, time.perf_counter() - start


def learner_script(n: int) -> Iterator[str | None]:
    """What a learner says, turn after turn; None: answer the question just asked."""
    while True:
        yield EXPLAIN[n % len(EXPLAIN)]
        yield RETRIEVE[n % len(RETRIEVE)]
        yield QUIZ[n % len(QUIZ)]
        yield None
        yield "good"
        yield "/help"
        n += 1


def run_learner(
    user: str, n: int, urls: list[str], answers: Answers, until: float | None, turns: int = 0
) -> list[Event]:
    """One learner until `until` (perf_counter), or for `turns` turns: each message waits for
    its answer; replicas take the messages in turn."""
    channel = f"D{user}"
    events: list[Event] = []
    last_text = ""
    script = learner_script(n)
    while (until is None and len(events) < turns) or (until is not None and _now() < until):
        said = next(script)
        if said is None:
            said = "A" if MULTIPLE_CHOICE.search(last_text) else FREE_ANSWER
        known = answers.count(channel)
        sent = _now()
        status, ack = send_direct(urls[(n + len(events)) % len(urls)], user, said)
        got = answers.after(channel, known, ANSWER_TIMEOUT) if status == 200 else None
        events.append(Event(sent, ack, status, *(got or (None, ""))))
        last_text = got[1] if got else ""
    return events


def _now() -> float:
    return time.perf_counter()


def throughput(
    server: PostgresServer,
    tmp: Path,
    levels: list[int],
    replica_counts: list[int],
    seconds: float,
    workers: int | None,
) -> None:
    """Table 2: turns a second and Slack acks with 1 and 2 replicas, at each level."""
    url = server.create_database("bench_team")
    chroma = ChromaServer(tmp / "chroma")
    replicas: list[Replica] = []
    rows: list[list[str]] = []
    said: list[str] = []
    try:
        with running_stub(TOKEN) as stub:
            env = team_env(url, chroma.url, stub.base_url, workers, tmp)
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "tutor", "ingest"],
                env=env,
                cwd=tmp / "cwd",
                check=True,
                capture_output=True,
            )
            said.append(f"`tutor ingest` into Chroma + PostgreSQL {_since(start):.1f} s")
            note(said[-1])
            answers = Answers(stub)
            for count in replica_counts:
                while len(replicas) < count:
                    replicas.append(Replica(len(replicas) + 1, env, tmp))
                    said.append(f"replica {len(replicas)} ready in {replicas[-1].started:.1f} s")
                    note(said[-1])
                    # One unmeasured conversation on the new replica: Bolt's first request,
                    # the first turn of each kind.
                    run_learner(f"UWARM{len(replicas)}", 0, [replicas[-1].url], answers, None, 6)
                urls = [r.url for r in replicas[:count]]
                for learners in levels:
                    events, until = level(urls, answers, learners, seconds, f"U{count}R{learners}L")
                    rows.append(_throughput_row(count, learners, seconds, events, until))
                    note(f"{count} replica(s), {learners} learners: {rows[-1][3]} turns/s")
            said += [f"{r.log.name}: {r.errors()} ERROR lines" for r in replicas]
    finally:
        for replica in replicas:
            replica.stop()
        chroma.stop()
    print_throughput(url, seconds, workers, said, rows)


def team_env(
    url: str, chroma_url: str, slack_api: str, workers: int | None, tmp: Path
) -> dict[str, str]:
    """The environment of `tutor ingest` and the replicas: shared PostgreSQL and Chroma, the
    Slack stub, no rate limit (none of the developer's TUTOR_*, SLACK_* or keys)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}
    env.update(
        TUTOR_DATABASE_URL=url,
        TUTOR_CHROMA_URL=chroma_url,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack_api,
        TUTOR_SLACK_RATE_LIMIT="0",
        TUTOR_HOME=str(tmp / "ingest-home"),
    )
    if workers:
        env["TUTOR_SLACK_WORKERS"] = str(workers)
    return env


def print_throughput(
    url: str, seconds: float, workers: int | None, said: list[str], rows: list[list[str]]
) -> None:
    print(f"\n### 2. Throughput: `tutor slack --port` replicas on one PostgreSQL ({seconds:g} s)\n")
    print(machine(pg_version(url)))
    print(
        f"offline bot, real embedding model, TUTOR_SLACK_WORKERS={workers or 'default (4)'} "
        "per replica, shared `chroma run`; learners and Slack stub are threads of the bench"
    )
    print("; ".join(said))
    print(f"lost: no answer within {ANSWER_TIMEOUT:.0f} s; failed: the answer was an error\n")
    headers = ["replicas", "learners", "answers", "turns/s", "answer p50 ms", "answer p95 ms"]
    headers += ["ack p50 ms", "ack p95 ms", "ack max ms", "lost/failed"]
    headers += [f"goal ack p95 < {ACK_GOAL_MS:.0f} ms"]
    markdown(headers, rows, align="r" * len(headers))


def level(
    urls: list[str], answers: Answers, learners: int, seconds: float, tag: str
) -> tuple[list[Event], float]:
    """`learners` learners at once for `seconds`: every event each sent, and when the window
    closed (answers in flight then are waited for, but not counted)."""
    until = _now() + seconds
    with ThreadPoolExecutor(max_workers=learners) as pool:
        runs = [
            pool.submit(run_learner, f"{tag}{n:03d}", n, urls, answers, until)
            for n in range(learners)
        ]
        return [e for run in runs for e in run.result()], until


def _throughput_row(
    replicas: int, learners: int, seconds: float, events: list[Event], until: float
) -> list[str]:
    waits = [(e.answered - e.sent) * 1000 for e in events if e.answered is not None]
    answered = [e for e in events if e.answered is not None and e.answered <= until]
    lost = sum(1 for e in events if e.answered is None)
    failed = sum(1 for e in events if e.text.startswith(":warning:"))
    acks = [e.ack * 1000 for e in events]
    p95 = pct(acks, 0.95)
    return [
        str(replicas),
        str(learners),
        str(len(answered)),
        f"{len(answered) / seconds:.1f}",
        f"{pct(waits, 0.5):.0f}",
        f"{pct(waits, 0.95):.0f}",
        f"{pct(acks, 0.5):.1f}",
        f"{p95:.1f}",
        f"{max(acks, default=float('nan')):.1f}",
        f"{lost}/{failed}",
        verdict(p95 < ACK_GOAL_MS),
    ]


def _since(start: float) -> float:
    return time.perf_counter() - start


class ChromaServer:
    """`chroma run` on a free loopback port, as tests/integration/test_chroma_server.py runs it."""

    def __init__(self, path: Path) -> None:
        chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = path.with_suffix(".log")
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma run did not start:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


# --- 3. the Store at scale ----------------------------------------------------------------


def card_pool(settings: Settings, per_question: int, rng: random.Random) -> list[list[Any]]:
    """For each question of the bank, `per_question` cards as a learner would hold them: made
    by `new_card`, then reviewed 1-8 times from 10-200 days ago on, each review about when
    FSRS asked for it (so some cards are due now and others later)."""
    from tutor.context import open_index
    from tutor.learning.cards import due_at, new_card, now, review_card
    from tutor.learning.grading import GradeRecord
    from tutor.learning.questions import Question

    index = open_index(settings, HashEmbeddings())
    try:
        index.ingest([settings.notes])
        ids, _, _ = index.everything()
        bank = index.records.questions_for(ids, by="rules")
    finally:
        index.close()
    pool = []
    end = now()
    grade = cast("GradeRecord", {"score": 0.8, "verdict": "correct", "graded_by": "rules"})
    for chunk_id, questions in bank.items():
        for q in questions:
            card = new_card(Question.from_dict(q), chunk_id, q["qid"])
            variants = []
            for _ in range(per_question):
                reviews = rng.randint(1, 8)
                at = end - timedelta(days=rng.uniform(10, 200))
                reviewed = card
                for n in range(reviews):
                    rating = rng.choice(RATINGS)
                    reviewed = review_card(reviewed, rating, f"r{n}", grade, at)
                    at = min(due_at(reviewed) + timedelta(hours=rng.uniform(0, 72)), end)
                variants.append(reviewed)
            pool.append(variants)
    return pool


def store_scale(server: PostgresServer, tmp: Path, learners: int, cards: int, repeats: int) -> None:
    """Table 3: L x C cards in PostgresStore, then one learner's progress and due card."""
    from tutor.context import Services
    from tutor.knowledge.records import open_records
    from tutor.learning.cards import is_due
    from tutor.learning.memory import LearnerMemory, close_store, open_store
    from tutor.learning.selection import cards_and_due

    url = server.create_database("bench_store")
    settings = settings_for(tmp / "store-home", url)
    rng = random.Random(7)
    pool = card_pool(settings, 3, rng)
    note(f"card pool: {len(pool)} questions x 3 review histories")
    store = open_store(settings)
    records = open_records(settings)
    services = Services(settings, embeddings=HashEmbeddings(), rng=random.Random(3))
    try:
        seconds = write_cards(store, pool, learners, cards, rng)
        rows = [
            [
                f"write {learners:,} learners x {cards} cards (store.batch of {BATCH:,} puts)",
                f"{seconds:.1f} s",
                f"{learners * cards / seconds:,.0f} cards/s; store table {_table_size(url)}",
                "",
            ]
        ]
        note(f"{rows[0][0]}: {rows[0][1]}")
        who = learner_name(learners // 2)
        memory = LearnerMemory(store, who)
        progress_ms = _repeat(repeats, lambda: progress_in_process(store, records, who))
        label = "`tutor progress` in process (store open): cards, statuses, report, render"
        rows.append(_goal_row(label, progress_ms, PROGRESS_GOAL_MS))
        wall, shown = progress_process(settings, who, tmp)
        label = "`tutor progress --learner X` as a process (once, with Python's start)"
        rows.append([label, f"{wall * 1000:.0f} ms", shown, ""])
        services.index.count()  # open the index once, not counted
        _ = services.retriever.aliases  # the topic's other names, read once, not counted

        def select(topic: str) -> Any:
            return cards_and_due(services, memory, topic, [], set(), _at())

        for topic, label in (("", "any topic (`cards_and_due`)"), ("softmax", "topic 'softmax'")):
            ms = _repeat(repeats, functools.partial(select, topic))
            rows.append(_goal_row(f"due-card selection, {label}", ms, DUE_GOAL_MS))
        held, picked = cards_and_due(services, memory, "", [], set(), _at())
        due_now = sum(is_due(card, _at()) for card in held)
    finally:
        services.close()
        records.close()
        close_store(store)

    print(f"\n### 3. Scale of the Store: {learners:,} learners x {cards} cards in PostgresStore\n")
    print(machine(pg_version(url)))
    print(f"p50 / p95 over {repeats} runs for one learner, after one unmeasured run\n")
    markdown(["measure", "value", "detail", "goal"], rows, align="lrll")
    print(
        f"\nlearner {who} holds {len(held)} cards, {due_now} due now; the selection found "
        f"{'a' if picked else 'no'} due card to ask"
    )


BATCH = 2000
"""Puts a `store.batch` call (three parameters each, well under PostgreSQL's 65,535)."""


def write_cards(
    store: Any, pool: list[list[Any]], learners: int, cards: int, rng: random.Random
) -> float:
    """Seconds to write `cards` cards for each of `learners` learners, in batches of puts;
    each learner's cards are different questions of the bank (suffixed ids once it runs out)."""
    from langgraph.store.base import PutOp

    from tutor.learning.memory import LearnerMemory

    ops: list[PutOp] = []
    start = time.perf_counter()
    for n in range(learners):
        namespace = LearnerMemory(store, learner_name(n)).cards_ns
        picks = rng.sample(range(len(pool)), min(cards, len(pool)))
        picks += [rng.randrange(len(pool)) for _ in range(cards - len(picks))]
        for k, pick in enumerate(picks):
            card = rng.choice(pool[pick])
            key = card["id"] if k < len(pool) else f"{card['id']}-{k}"
            ops.append(PutOp(namespace, key, {**card, "id": key}, index=False))
        if len(ops) >= BATCH or n == learners - 1:
            store.batch(ops)
            ops = []
    return _since(start)


def learner_name(n: int) -> str:
    return f"learner-{n:05d}"


def _at() -> Any:
    from tutor.learning.cards import now

    return now()


def _repeat(times: int, fn: Callable[[], object]) -> list[float]:
    fn()
    out = []
    for _ in range(times):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _goal_row(label: str, ms: list[float], goal: float) -> list[str]:
    p50 = statistics.median(ms)
    return [
        label,
        f"{p50:.1f} ms",
        f"p95 {pct(ms, 0.95):.1f} ms",
        f"p50 ≤ {goal:.0f} ms: {verdict(p50 <= goal)}",
    ]


def progress_in_process(store: Any, records: Any, learner: str) -> None:
    """What `tutor progress` runs once its store is open (tutor/cli.py `progress`)."""
    from rich.console import Console

    from tutor.learning.cards import now
    from tutor.learning.memory import LearnerMemory
    from tutor.learning.progress import progress_report
    from tutor.learning.refresh import current_cards
    from tutor.terminal.output import print_progress

    memory = LearnerMemory(store, learner)
    cards = memory.cards()
    cards = current_cards(memory, records)
    report = progress_report(cards, now())
    print_progress(Console(file=io.StringIO(), width=120), report)


def progress_process(settings: Settings, learner: str, tmp: Path) -> tuple[float, str]:
    """Wall seconds of one `tutor progress --learner X`, and what it said about the cards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}
    env.update(TUTOR_HOME=str(settings.home), TUTOR_DATABASE_URL=settings.database_url)
    (tmp / "cwd").mkdir(exist_ok=True)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "progress", "--learner", learner, "--json"],
        env=env,
        cwd=tmp / "cwd",
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if done.returncode:
        return wall, f"exit {done.returncode}: {done.stderr.strip()[-200:]}"
    report = json.loads(done.stdout)
    return wall, f"{report['cards']} cards, {report['due_now']} due now"


def _table_size(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('store'))").fetchone()
    return str(row[0]) if row else "?"


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", choices=TABLES, action="append", help="run only this table")
    parser.add_argument("--threads", type=int, help=f"table 1 threads ({FULL['threads']})")
    parser.add_argument(
        "--warmup", type=int, help=f"table 1 warm-up conversations ({FULL['warmup']})"
    )
    parser.add_argument("--concurrency", help=f"table 2 learners at once ({FULL['concurrency']})")
    parser.add_argument("--replicas", help=f"table 2 replica counts ({FULL['replicas']})")
    parser.add_argument(
        "--seconds", type=float, help=f"table 2 seconds a level ({FULL['seconds']})"
    )
    parser.add_argument(
        "--workers", type=int, help="table 2 TUTOR_SLACK_WORKERS (default: tutor's)"
    )
    parser.add_argument(
        "--store-learners", type=int, help=f"table 3 learners ({FULL['store_learners']})"
    )
    parser.add_argument(
        "--store-cards", type=int, help=f"table 3 cards each ({FULL['store_cards']})"
    )
    parser.add_argument("--repeats", type=int, help=f"table 3 timed runs ({FULL['repeats']})")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    for name, default in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    levels = [int(x) for x in str(args.concurrency).split(",") if x.strip()]
    replica_counts = [int(x) for x in str(args.replicas).split(",") if x.strip()]
    tables = args.only or list(TABLES)

    for name in [n for n in os.environ if n.startswith(SCRUBBED)]:
        del os.environ[name]  # a developer's keys, model, database or Slack settings must not apply
    tmp = Path(tempfile.mkdtemp(prefix="tutor-bench-team-"))
    (tmp / "cwd").mkdir()
    os.chdir(tmp / "cwd")  # away from any `.env`
    server = PostgresServer()
    try:
        server.start()
        note(f"PostgreSQL on port {server.port}")
        if "turns" in tables:
            turn_overhead(server, tmp, args.threads, args.warmup)
        if "throughput" in tables:
            throughput(server, tmp, levels, replica_counts, args.seconds, args.workers)
        if "store" in tables:
            store_scale(server, tmp, args.store_learners, args.store_cards, args.repeats)
    finally:
        os.chdir(ROOT)
        server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
