"""Transcripts of `tutor ask --json` and `tutor chat` in real subprocesses (offline mode)."""

from __future__ import annotations

import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest

from tests.integration.processes import alive, gone, run_tutor, wait_until_alive

pytestmark = pytest.mark.integration


def tutor(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return run_tutor(*args, check=False, stdin=stdin)


def start_chat(thread: str, code_timeout: int, stderr: int) -> subprocess.Popen[str]:
    """A real `tutor chat` on THREAD that Ctrl-C (SIGINT) can reach, with pipes to talk to it."""
    return subprocess.Popen(
        [sys.executable, "-m", "tutor", "chat", "--thread", thread],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, "TUTOR_CODE_TIMEOUT": str(code_timeout)},
        # A background job's SIGINT is ignored and a child inherits that: Ctrl-C must work.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def ask(*args: str) -> dict[str, object]:
    result = tutor("ask", *args, "--json")
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_ask_json_explains_finds_and_a_quiz_is_answered_by_a_later_process() -> None:
    explained = ask("what is the softmax function?", "--thread", "s1")
    assert explained["thread"] == "s1" and explained["route"] == "explain"
    assert (explained["mode"], explained["model"], explained["pending"]) == ("offline", None, None)
    sources = explained["sources"]
    assert isinstance(sources, list) and sources
    assert {"file", "heading", "start_line"} <= set(sources[0])
    assert "deep-learning-qa-notebook.md" in str(explained["answer"])

    found = ask("which note covers the reward model?", "--thread", "s1")
    assert found["route"] == "retrieve"
    assert "training-finetuning-rlhf.md" in str(found["answer"])

    question = ask("quiz me on the reward model", "--thread", "s2")
    pending = question["pending"]
    assert isinstance(pending, dict) and pending["type"] == "quiz_answer"

    choice = "- A) " in str(pending["prompt"])  # multiple choice wants a label
    reply = "a" if choice else "humans rank responses and the reward model learns to score them"
    graded = ask(reply, "-t", "s2")
    assert graded["route"] == "quiz" and "**Reference:**" in str(graded["answer"])
    assert graded["pending"] == {"type": "rating", "prompt": graded["pending"]["prompt"]}
    rated = ask("good", "-t", "s2")
    assert rated["pending"] is None and "Rated **good**" in str(rated["answer"])
    progress = tutor("progress", "--json")  # another process reads the same schedule
    assert progress.returncode == 0, progress.stderr
    report = json.loads(progress.stdout)
    assert (report["cards"], report["reviewed"], report["due_now"]) == (1, 1, 0)
    assert report["reviewed_today"] == 1
    from tutor.config import load_settings
    from tutor.learning.memory import LearnerMemory, close_store, open_store

    store = open_store(load_settings())
    try:
        [card] = LearnerMemory(store, "default").cards()
    finally:
        close_store(store)
    assert report["next_due"] == card["fsrs"]["due"]


def test_ask_without_a_thread_names_the_new_one() -> None:
    result = tutor("ask", "/help")
    assert result.returncode == 0, result.stderr
    assert "offline mode" in result.stderr and "thread t-" in result.stderr
    assert "/quiz" in result.stdout


def test_chat_transcript_from_stdin() -> None:
    script = "\n".join(
        [
            "/help",
            "explain the reward model",
            "/quiz softmax",
            "/skip",
            "/run print(2 ** 10)",
            "/thread",
            "/exit",
        ]
    )
    result = tutor("chat", "--thread", "c9", stdin=script + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Offline mode" in out and "TUTOR_MODEL" in out  # the banner says how to switch
    assert "thread c9" in out and "passages indexed" in out
    assert "route: explain" in out and "Sources" in out
    assert "route: quiz" in out and "Skipped" in out
    assert "1024" in out
    assert "continue with: tutor chat --thread c9" in out

    resumed = tutor("chat", "--thread", "c9", stdin="/exit\n")
    assert "/run print(2 ** 10)" in resumed.stdout  # the last exchange is shown again
    assert "1024" in resumed.stdout


def test_chat_survives_a_bad_model_setting_with_a_clear_message() -> None:
    env_model = {"TUTOR_MODEL": "openai:gpt-4o-mini"}
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "ask", "/explain softmax"],
        capture_output=True,
        text=True,
        env={**os.environ, **env_model},
        timeout=300,
    )
    assert result.returncode == 2
    assert "OPENAI_API_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def test_ctrl_c_cancels_the_turn_not_the_session() -> None:
    import signal
    import time

    chat = start_chat("k1", 4, stderr=subprocess.PIPE)
    assert chat.stdin is not None and chat.stdout is not None
    banner = ""
    while "passages indexed" not in banner:
        line = chat.stdout.readline()
        assert line, "chat ended before its banner"
        banner += line
    chat.stdin.write("/run import time; time.sleep(30)\n")
    chat.stdin.flush()
    until = time.monotonic() + 60
    while not children_of(chat.pid) and time.monotonic() < until:
        time.sleep(0.1)  # wait for the sandbox to start, however loaded the machine is
    assert children_of(chat.pid), "the sandbox never started"
    time.sleep(0.5)
    chat.send_signal(signal.SIGINT)
    out, err = chat.communicate("/help\n/exit\n", timeout=120)
    assert chat.returncode == 0, err
    assert "cancelled" in out and "/retry" in out
    assert "route: help" in out  # the session went on after the cancelled turn
    assert "Traceback" not in err


class Output:
    """A child's output, read line by line on a thread, so a test can wait for a line."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.printed = ""
        self.reader = threading.Thread(target=self._read, args=(stream,))
        self.reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def until(self, text: str, within: float) -> str:
        """What was printed up to the line containing `text`; fails after `within` s."""
        seen, until = "", time.monotonic() + within
        while text not in seen:
            try:
                seen += self.lines.get(timeout=max(0.0, until - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {text!r} within {within} s: {seen!r}") from None
        self.printed += seen
        return seen

    def rest(self) -> str:
        """Everything printed, once the child has closed its output."""
        self.reader.join(timeout=30)
        while not self.lines.empty():
            self.printed += self.lines.get()
        return self.printed


def test_ctrl_c_kills_the_running_code_at_once_and_retry_runs_it_again() -> None:
    marker = f"ctrl-c-{secrets.token_hex(6)}"
    spawn = f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', {marker!r}])"
    # The time limit is far away: only Ctrl-C can end this run soon.
    chat = start_chat("k2", 120, stderr=subprocess.STDOUT)
    assert chat.stdin is not None and chat.stdout is not None
    output = Output(chat.stdout)

    def send(line: str) -> None:
        assert chat.stdin is not None
        chat.stdin.write(f"{line}\n")
        chat.stdin.flush()

    def ctrl_c(attempt: str) -> None:
        assert wait_until_alive(marker), f"the code never started ({attempt})"
        chat.send_signal(signal.SIGINT)
        cancelled = output.until("cancelled", within=10)  # not after the 100 s sleep
        assert "/retry" in cancelled and "exit code" not in cancelled
        assert gone(marker), f"the sandboxed code outlived Ctrl-C ({attempt})"

    try:
        output.until("passages indexed", within=300)
        send(f"/run import subprocess, sys, time; {spawn}; time.sleep(100)")
        ctrl_c("the first run")
        send("/retry")  # the message was kept: it runs again, and Ctrl-C stops it again
        ctrl_c("its retry")
        send("/help")  # the session goes on
        output.until("route: help", within=60)
        send("/exit")
        assert chat.wait(timeout=60) == 0
    finally:
        chat.kill()
    assert "Traceback" not in output.rest()
    assert not alive(marker)


def test_quiz_review_session_from_stdin_then_progress_in_another_process() -> None:
    # Two questions: the first skipped (rated again), the second answered and rated easy
    # ("A" is an answer to any kind of question: a label, or a wrong free answer).
    result = tutor("quiz", "LSTM", "--count", "2", stdin="/skip\nA\neasy\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "review · offline · learner default · 0 cards due · topic LSTM" in out
    assert out.count("**Reference:**") == 0 and out.count("Reference:") == 2
    assert "Rated again" in out and "Rated easy" in out
    assert "Say /quiz" not in out  # the session asks the next question itself
    assert "summary · 2 asked · 1 again, 1 easy" in out

    report = json.loads(tutor("progress", "--json").stdout)
    assert report["cards"] == 2 and report["reviewed_today"] == 2
    assert "memory: 1 learner, 2 cards" in tutor("doctor").stdout

    again = tutor("quiz", "--count", "1", stdin="")  # end of input at once: a clean summary
    assert again.returncode == 0 and "summary · 1 asked" in again.stdout
    assert "Traceback" not in again.stderr
    # The next session sets the question left open aside; input ending at the rating
    # prompt takes the estimate rather than losing the graded answer.
    last = tutor("quiz", "--count", "1", stdin="A\n")
    assert "(my estimate)" not in last.stdout and "Rated" in last.stdout
    assert json.loads(tutor("progress", "--json").stdout)["reviewed_today"] == 3
