"""The README's commands, run as a newcomer would: each line of its `bash` blocks in a fresh home.

Every line that runs `tutor` is executed with bash, offline, in a new HOME and TUTOR_HOME, from a
directory holding the files the README assumes (`demo.py`, `~/my-vault`). A line may only be
left out for a reason written in NOT_RUN (it needs Slack's servers or the whole test suite), and
a test checks that list names only lines the README still has, so the README cannot drift.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.integration.langsmith_capture import running_capture

pytestmark = pytest.mark.integration

README = REPO / "README.md"
BIN = Path(sys.executable).parent

NOT_RUN = {
    "bash .ci/setup && source .venv/bin/activate": "the setup itself: CI runs it before the tests",
    ".venv/bin/python -m pytest": "the test suite this test is part of",
    "tutor slack": "connects to Slack's servers (tests/integration/test_slack.py runs the bot)",
    "tutor slack --port 3000": "serves Slack events until stopped (test_slack.py covers HTTP)",
    "tutor slack --port 3000 --host 127.0.0.1": "serves Slack events until stopped",
    "tutor eval --upload": "uploads to LangSmith (test_eval_upload.py, against a capture server)",
    "tutor db migrate --from-sqlite ~/.local/share/tutor": (
        "needs a team's PostgreSQL (test_team_admin.py migrates into a real one)"
    ),
    "tutor forget --learner slack-T0123-U0456": (
        "needs a team's PostgreSQL (test_team_admin.py forgets on both backends)"
    ),
}


def readme_blocks() -> list[list[str]]:
    """The README's ```bash blocks, as lists of their lines without comments."""
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for raw in README.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if current is None and line == "```bash":
            current = []
        elif current is not None and line == "```":
            blocks.append(current)
            current = None
        elif current is not None and line:
            current.append(re.sub(r"\s+#\s.*$", "", line))
    return blocks


def runs_tutor(line: str) -> bool:
    return bool(re.match(r"^(\S+=\S+\s+)*tutor\b", line)) or "| tutor " in line


@pytest.fixture
def newcomer(tmp_path: Path) -> Iterator[Callable[[str, dict[str, str]], Any]]:
    """Run one README line with bash as a newcomer would: fresh home, offline, no keys."""
    home = tmp_path / "user"
    vault = home / "my-vault"
    vault.mkdir(parents=True)
    (vault / "gradient-descent.md").write_text(
        "# Gradient descent\n\n**Gradient descent** moves the weights against the gradient of "
        "the loss, one small step (the learning rate) at a time.\n",
        encoding="utf-8",
    )
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "demo.py").write_text("print(sum(range(10)))\n", encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TUTOR_", "SLACK_"))}
    base |= {
        "HOME": str(home),
        "TUTOR_HOME": str(tmp_path / "tutor-home"),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "100",
    }

    def run(line: str, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", line],
            cwd=workdir,
            env=base | extra,
            input="/exit\n",  # `tutor chat` reads its first line and leaves
            capture_output=True,
            text=True,
            timeout=300,
        )

    yield run


def test_every_line_left_out_is_still_in_the_readme_and_every_other_line_runs_tutor() -> None:
    lines = [line for block in readme_blocks() for line in block]
    assert set(NOT_RUN) <= set(lines), set(NOT_RUN) - set(lines)
    commands = [line for line in lines if line not in NOT_RUN and runs_tutor(line)]
    assert len(commands) >= 15, commands  # the parser found the tour, not a fragment of it


def test_the_readme_commands_work_as_documented(newcomer: Any) -> None:
    """Each command block in order; a line's documented result is checked where it names one.

    A block of only `NAME=value` lines is what the README tells you to put in `.env`, so it
    holds for the blocks after it; `export` holds for the rest of its own block.
    """
    ran: list[tuple[str, subprocess.CompletedProcess[str]]] = []
    dotenv: dict[str, str] = {}
    with running_capture() as langsmith:
        for block in readme_blocks():
            if block and not any(runs_tutor(line) for line in block):
                dotenv |= dict(re.findall(r"(\w+)=(\S+)", " ".join(block)))
                continue
            exported = dict(dotenv)
            for line in block:
                if line in NOT_RUN:
                    continue
                if not runs_tutor(line):
                    exported |= dict(re.findall(r"(\w+)=(\S+)", line))
                    continue
                extra = dict(exported)
                if "LANGSMITH_API_KEY" in extra:  # the documented key, sent to a local server
                    extra["LANGSMITH_ENDPOINT"] = langsmith.url
                result = newcomer(line, extra)
                assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
                assert "Traceback" not in result.stderr, f"{line}\n{result.stderr}"
                if "--json" in line:
                    json.loads(result.stdout)
                ran.append((line, result))

    def out(line: str, nth: int = 0) -> str:
        return [result.stdout for said, result in ran if said == line][nth]

    def data(line: str) -> Any:
        return json.loads(out(line))

    assert "thread" in out("tutor chat").lower()
    assert "t-1a2b3c4d" in out("tutor chat --thread t-1a2b3c4d")
    assert "softmax" in out('tutor ask "what is the softmax function?"').lower()
    asked = data('tutor ask "quiz me on the reward model" --thread q1 --json')
    assert asked["route"] == "quiz" and asked["pending"]["type"] == "quiz_answer"
    answered = data('tutor ask "humans rank pairs of answers" --thread q1 --json')
    assert answered["route"] == "quiz" and "**Reference:**" in answered["answer"]
    assert answered["pending"]["type"] == "rating"

    assert "indexed" in out("tutor ingest").lower()
    assert "reward model" in out('tutor search "what does the reward model learn"').lower()
    hits = data('tutor search "vanishing gradients" -k 3 --json')
    assert len(hits) == 3
    assert {"file", "heading", "start_line", "end_line", "text", "score"} <= set(hits[0])
    assert re.search(r"\b1 indexed|indexed\W+1\b", out("tutor ingest ~/my-vault"))
    assert "2.718" in out("echo 'import numpy as np; print(np.exp(1))' | tutor run -")
    run = data("tutor run demo.py --timeout 5 --json")
    assert {"stdout", "stderr", "exit_code", "timed_out", "truncated", "duration_s"} <= set(run)
    assert run["stdout"].strip() == "45" and run["exit_code"] == 0
    assert "hit@5" in out("tutor eval").lower()

    assert "mode" in out("tutor doctor", 0).lower()
    assert "would use Socket Mode" in out("tutor doctor", 1)  # with the Slack block's .env
    assert re.search(r"tracing on, project tutor, .*reachable", out("tutor doctor", 2))
