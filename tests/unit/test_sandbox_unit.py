"""The sandbox's decisions that need no process: modes, refusals, environment, command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import tutor
from tutor.config import load_settings
from tutor.errors import TutorError
from tutor.sandbox import RunResult, run
from tutor.sandbox import isolation as sandbox_isolation
from tutor.sandbox.isolation import (
    Limits,
    bwrap_command,
    child_env,
    prlimit_argv,
    python_argv,
    resolve_mode,
)
from tutor.sandbox.process import decode_capped
from tutor.terminal.doctor import _sandbox

REPO = Path(tutor.__file__).resolve().parents[1]
SECRET = "sk-canary-0123456789"


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    real = sandbox_isolation.shutil.which

    def which(name: str, *args: object, **kwargs: object) -> str | None:
        return None if name == "bwrap" else real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sandbox_isolation.shutil, "which", which)


def test_an_unknown_mode_names_the_valid_ones() -> None:
    with pytest.raises(TutorError, match="not one of auto, bwrap, unsafe"):
        resolve_mode("yolo")


@pytest.mark.usefixtures("no_bwrap")
def test_without_bwrap_run_refuses_and_says_how_to_fix_it(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    with pytest.raises(TutorError) as caught:
        run("print(1)", scratch_root=runs)
    assert "no sandbox is available" in caught.value.message
    assert "apt-get install bubblewrap" in caught.value.hint
    assert "TUTOR_SANDBOX=unsafe" in caught.value.hint
    assert list(runs.iterdir()) == []  # refused before anything was written


@pytest.mark.usefixtures("no_bwrap")
def test_doctor_fails_without_bwrap_and_warns_in_unsafe_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failed = _sandbox(load_settings())
    assert (failed.status, "bubblewrap" in failed.fix) == ("fail", True)
    monkeypatch.setenv("TUTOR_SANDBOX", "unsafe")
    warned = _sandbox(load_settings())
    assert warned.status == "warn" and "WITHOUT isolation" in warned.detail


def test_run_rejects_a_timeout_out_of_range() -> None:
    with pytest.raises(TutorError, match="out of range"):
        run("print(1)", timeout=0)


def test_child_env_is_built_from_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "LANGSMITH_API_KEY", "SLACK_BOT_TOKEN", "AWS_SECRET"):
        monkeypatch.setenv(name, SECRET)
    env = child_env("/sandbox", "/tmp")
    assert SECRET not in repr(env)
    assert not [k for k in env if k.startswith(("OPENAI", "LANGSMITH", "SLACK", "AWS"))]
    assert env["MPLBACKEND"] == "Agg" and env["MPLCONFIGDIR"].startswith("/tmp/")


def test_limits_become_prlimit_flags() -> None:
    argv = prlimit_argv(Limits(memory_mb=100, processes=7, open_files=9), timeout=2.5)
    assert {"--as=104857600", "--nproc=7", "--nofile=9", "--cpu=4:5", "--core=0"} <= set(argv)
    assert argv[-1] == "--"


def test_bwrap_command_unshares_everything_and_hides_the_repo(tmp_path: Path) -> None:
    command = bwrap_command(tmp_path, Limits(), 5.0, status_fd=99)
    argv = command.argv
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session"):
        assert flag in argv
    assert "--clearenv" in argv and command.env == {"PATH": "/usr/bin:/bin"}
    sources = [argv[i + 1] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]
    for source in sources:
        assert not (REPO == Path(source) or REPO.is_relative_to(source)), source
    assert str(tmp_path) in sources
    assert argv[-7:] == python_argv("main.py")


def test_a_python_env_inside_a_project_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    with pytest.raises(TutorError, match="looks like a project or home folder"):
        sandbox_isolation.python_dirs()


def test_truncation_keeps_whole_characters_and_says_so() -> None:
    data = ("é" * 100).encode()  # two bytes each: byte 51 splits a character
    text, cut = decode_capped(data[:51], len(data), 51)
    assert cut and text.startswith("é" * 25 + "\n[output truncated: 149 more bytes")
    assert "\ufffd" not in text
    assert decode_capped(b"ok\n", 3, 51) == ("ok\n", False)


def test_result_json_has_the_documented_keys() -> None:
    result = RunResult("1\n", "", 0, False, False, 0.05)
    keys = {"stdout", "stderr", "exit_code", "timed_out", "truncated", "duration_s"}
    assert keys <= set(result.as_dict())
    assert os.environ.get("TUTOR_SANDBOX") is None  # conftest scrubs TUTOR_* for every test


def test_a_virtualenv_under_tmp_is_not_hidden_by_the_private_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A CI checkout may live under /tmp: the sandbox's own /tmp must not cover its venv.
    monkeypatch.setattr(sandbox_isolation, "python_dirs", lambda: ["/tmp/ci/repo/.venv"])
    argv = bwrap_command(tmp_path, Limits(), 5.0, status_fd=99).argv
    tmpfs = argv.index("--tmpfs")
    venv = argv.index("/tmp/ci/repo/.venv")
    assert argv[tmpfs + 1] == "/tmp" and tmpfs < venv
