"""`tutor db migrate` and `tutor forget` on real state: a TUTOR_HOME made by real turns, copied
into a real PostgreSQL where a waiting quiz goes on; a learner removed on either backend while
the other keeps everything; bad input refused in one line, with nothing written."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import MakeTutor
from tests.integration.postgres import PASSWORD
from tests.integration.processes import run_tutor
from tutor.config import load_settings
from tutor.learning.memory import LearnerMemory
from tutor.session import Tutor

pytestmark = pytest.mark.integration

THREADS = {"ann": ["a1", "a2", "a3"], "bob": ["b1", "b2"]}
SLACK = "slack-T0123-U0456"
"""A learner as the Slack bot names one (team T0123, user U0456)."""
TABLES = ("checkpoints", "checkpoint_writes", "checkpoint_blobs", "store")


def asked(tutor: Tutor, text: str, thread: str, learner: str) -> dict[str, Any]:
    """Ask for a question: the quiz the thread now waits on."""
    turn = tutor.ask(text, thread, learner=learner)
    assert turn.pending is not None and turn.pending["type"] == "quiz_answer", turn.answer
    return dict(state(tutor, thread)["quiz"])


def right_answer(quiz: dict[str, Any]) -> str:
    return "ABCDEFGH"[quiz["answer_index"]] if quiz["options"] else quiz["reference"]


def state(tutor: Tutor, thread: str) -> dict[str, Any]:
    return dict(tutor.graph.get_state({"configurable": {"thread_id": thread}}).values)


def studied(tutor: Tutor) -> dict[str, Any]:
    """Two learners' work: ann rated a card, set her level and left a question waiting; bob
    rated a card and set his level. The question ann waits on."""
    quiz = asked(tutor, "/quiz softmax", "a1", "ann")
    tutor.ask(right_answer(quiz), "a1", learner="ann")
    assert "Rated **good**" in tutor.ask("good", "a1", learner="ann").answer
    tutor.ask("/level beginner", "a2", learner="ann")
    quiz = asked(tutor, "/quiz attention", "b1", "bob")
    tutor.ask(right_answer(quiz), "b1", learner="bob")
    assert "Rated **hard**" in tutor.ask("hard", "b1", learner="bob").answer
    tutor.ask("/level advanced", "b2", learner="bob")
    return asked(tutor, "/quiz", "a3", "ann")


def saved(tutor: Tutor) -> dict[str, Any]:
    """Everything a learner would see again: cards, profiles, and each thread's state, what
    it waits for and how long its history is."""
    found: dict[str, Any] = {}
    for learner, threads in THREADS.items():
        memory = LearnerMemory(tutor.store, learner)
        found[learner] = {"cards": memory.cards(), "profile": memory.profile()}
        for thread in threads:
            config: Any = {"configurable": {"thread_id": thread}}
            snapshot = tutor.graph.get_state(config)
            history = list(tutor.graph.get_state_history(config))
            found[thread] = (snapshot.values, snapshot.next, snapshot.interrupts, len(history))
    return found


def row_counts(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone() for t in TABLES}


def progress(learner: str) -> dict[str, Any]:
    """`tutor progress --json`, without what changes by the second (the time, and retention
    and mastery, which fall as time passes)."""
    report = json.loads(run_tutor("progress", "--learner", learner, "--json").stdout)

    def steady(value: Any) -> Any:
        if isinstance(value, dict):
            drop = {"at", "retention", "mastery"}
            return {k: steady(v) for k, v in value.items() if k not in drop}
        return [steady(v) for v in value] if isinstance(value, list) else value

    return dict(steady(report))


def migrate(home: Path) -> dict[str, Any]:
    result = run_tutor("db", "migrate", "--from-sqlite", str(home), "--json")
    assert PASSWORD not in result.stdout + result.stderr
    return dict(json.loads(result.stdout))


def test_a_home_moved_to_postgresql_goes_on_where_it_stopped(
    make_tutor: MakeTutor,
    database_url: str,
    isolated_env: Path,
    notes: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = isolated_env
    waiting = studied(make_tutor())
    before = saved(make_tutor())
    bob_before = progress("bob")
    assert bob_before["cards"] == 1 and bob_before["notes"]

    monkeypatch.setenv("TUTOR_DATABASE_URL", database_url)
    first = migrate(home)
    assert first["learners"] == 2
    assert first["cards"] == {"copied": 2, "already_there": 0}
    assert first["profiles"] == {"copied": 2, "already_there": 0}
    assert first["threads"] == {"copied": 5, "already_there": 0}
    total = first["checkpoints"]["copied"]
    assert total == sum(n for *_, n in (before[t] for ts in THREADS.values() for t in ts))

    team = make_tutor()  # on PostgreSQL now: TUTOR_DATABASE_URL is read again
    assert team.settings.backend == "postgresql"
    assert saved(team) == before  # every thread's state, wait and history, every card

    rows = row_counts(database_url)
    again = migrate(home)
    assert again["cards"] == {"copied": 0, "already_there": 2}
    assert again["threads"] == {"copied": 0, "already_there": 5}
    assert again["checkpoints"] == {"copied": 0, "already_there": total}
    assert row_counts(database_url) == rows

    team.services.index.ingest([notes])  # the next step migrate names: records for the notes
    assert progress("bob") == bob_before

    graded = team.ask(right_answer(waiting), "a3", learner="ann")
    assert graded.pending is not None and graded.pending["type"] == "rating"
    # The question asked before (a multiple choice shows its reference after its letter).
    shown = graded.answer.split("**Reference:** ", 1)[1]
    assert re.sub(r"^[A-D]\) ", "", shown).startswith(waiting["reference"])
    assert "Rated **easy**" in team.ask("easy", "a3", learner="ann").answer
    assert len(LearnerMemory(team.store, "ann").cards()) == 2


def test_forget_removes_one_learner_and_leaves_the_others(
    backend: str, make_tutor: MakeTutor
) -> None:
    """On SQLite and on PostgreSQL (`backend` first: it checks, last, that no pool was left)."""
    from tutor.slack.store import open_bot_records

    tutor = make_tutor()
    studied(tutor)
    tutor.ask("/level beginner", "slack-T0123-D1", learner=SLACK)
    settings = load_settings()
    records = open_bot_records(settings)
    try:
        records.note_turn("slack-T0123-D1", "U0456", None)
        records.note_turn("slack-T0123-D2", "U0999", None)
    finally:
        records.close()
    before = saved(tutor)

    said = run_tutor("forget", "--learner", "ann", "--yes").stdout
    assert "removed learner ann: 1 card, 1 profile, 3 threads" in said
    said = run_tutor("forget", "--learner", SLACK, "--yes").stdout
    assert f"removed learner {SLACK}: 0 cards, 1 profile, 1 thread, 1 Slack thread record" in said

    after = saved(make_tutor())
    assert after["ann"] == {"cards": [], "profile": {}}
    assert all(after[t][0] == {} and after[t][3] == 0 for t in THREADS["ann"])
    assert {k: v for k, v in after.items() if k in ("bob", *THREADS["bob"])} == {
        k: v for k, v in before.items() if k in ("bob", *THREADS["bob"])
    }
    assert state(make_tutor(), "slack-T0123-D1") == {}
    records = open_bot_records(settings)
    try:
        assert records.thread("slack-T0123-D1") is None
        assert records.thread("slack-T0123-D2") is not None  # another Slack user's
    finally:
        records.close()


def at_terminal(reply: str, *args: str) -> tuple[int, str]:
    """`tutor ARGS` on a pseudo-terminal, answering its question with `reply`: exit code and
    everything it showed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdin, stdout and stderr are the terminal
        os.execve(sys.executable, [sys.executable, "-m", "tutor", *args], dict(os.environ))
    shown, answered, until = b"", False, time.monotonic() + 120
    while time.monotonic() < until:
        if not select.select([fd], [], [], 1)[0]:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        shown += data
        if not answered and b"[y/n]" in shown:
            os.write(fd, reply.encode() + b"\n")
            answered = True
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")


def test_forget_asks_at_a_terminal_and_no_keeps_everything(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    tutor.ask("/level beginner", "a2", learner="ann")
    code, shown = at_terminal("n", "forget", "--learner", "ann")
    assert "remove learner ann: 0 cards, 1 profile, 1 thread?" in shown
    assert code == 1 and "nothing removed" in shown
    assert LearnerMemory(tutor.store, "ann").profile()["level"] == "beginner"

    code, shown = at_terminal("y", "forget", "--learner", "ann")
    assert code == 0 and "removed learner ann: 0 cards, 1 profile, 1 thread" in shown
    assert LearnerMemory(tutor.store, "ann").profile() == {}


def refused(*args: str, code: int = 2, stdin: str | None = None) -> str:
    """`tutor ARGS` failing as a user error should: one message and its hint, exit `code`,
    no traceback, no password; what it said."""
    result = run_tutor(*args, check=False, stdin=stdin)
    assert result.returncode == code, result.stderr
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # the message and its hint
    assert PASSWORD not in result.stdout + result.stderr
    return result.stderr


def test_bad_input_is_one_line_and_writes_nothing(
    make_tutor: MakeTutor,
    database_url: str,
    isolated_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    said = refused("db", "migrate", "--from-sqlite", str(empty))
    assert "TUTOR_DATABASE_URL" not in said and "is not a TUTOR_HOME" in said

    tutor = make_tutor()
    tutor.ask("/level beginner", "a2", learner="ann")
    said = refused("db", "migrate", "--from-sqlite", str(isolated_env))
    assert "TUTOR_DATABASE_URL is not set" in said

    said = refused("forget", "--learner", "ann", stdin="y\n")  # nobody at a terminal to ask
    assert "--yes" in said
    assert LearnerMemory(tutor.store, "ann").profile()["level"] == "beginner"
    said = refused("forget", "--learner", "nobody", "--yes")
    assert "no learner nobody: nothing removed" in said

    monkeypatch.setenv("TUTOR_DATABASE_URL", database_url)
    refused("db", "migrate", "--from-sqlite", str(empty))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "memory.sqlite").write_text("not a database\n")
    said = refused("db", "migrate", "--from-sqlite", str(broken))
    assert "cannot read the TUTOR_HOME" in said
    with psycopg.connect(database_url) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables.fetchone() == (0,)  # nothing was written, not even a table

    wrong = database_url.replace(PASSWORD, "not-the-password")
    monkeypatch.setenv("TUTOR_DATABASE_URL", wrong)
    said = refused("db", "migrate", "--from-sqlite", str(isolated_env), code=1)
    assert "refused the user or password" in said and "not-the-password" not in said
    said = refused("forget", "--learner", "ann", "--yes", code=1)
    assert "not-the-password" not in said
    result = run_tutor("db", "migrate", "--from-sqlite", str(empty), "--json", check=False)
    assert json.loads(result.stdout)["error"].endswith("no memory.sqlite and no threads.sqlite")
