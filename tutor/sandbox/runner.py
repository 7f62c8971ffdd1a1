"""Run untrusted Python (a learner's or a model's) in a fresh, isolated, limited process."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from tutor.errors import TutorError
from tutor.sandbox.isolation import (
    INSTALL_HINT,
    SCRIPT,
    UNSAFE_NOTICE,
    Limits,
    bwrap_command,
    resolve_mode,
    unsafe_command,
)
from tutor.sandbox.process import TIMEOUT_EXIT, Outcome, execute

__all__ = ["CodeRun", "Limits", "RunRecord", "RunResult", "run", "TIMEOUT_EXIT"]

log = logging.getLogger(__name__)
MAX_ARTIFACTS = 100


class RunRecord(TypedDict):
    """A run as JSON (`RunResult.as_dict`, `tutor run --json`)."""

    stdout: str
    """What it printed (capped)."""
    stderr: str
    """What it printed to stderr (capped)."""
    exit_code: int
    """See `RunResult.exit_code`."""
    timed_out: bool
    """Whether it ran past the time limit and was stopped."""
    truncated: bool
    """Whether its output was cut at the cap."""
    duration_s: float
    """Seconds, rounded to 0.1 ms."""
    files: list[str]
    """Files it wrote in its working directory, relative to it."""
    isolation: str
    """How it was isolated: `bwrap`, or `unsafe` (no sandbox)."""


class CodeRun(RunRecord):
    """A run in the tutor's graph state (`code`): the code that ran, and how it went."""

    code: str
    """The code as the learner gave or confirmed it (before the echo of its last line)."""


@dataclass(frozen=True)
class RunResult:
    """What one run printed, how it ended, and the files it wrote."""

    stdout: str
    stderr: str
    exit_code: int
    """The snippet's exit status; 128+N if signal N killed it; 124 when it timed out."""
    timed_out: bool
    truncated: bool
    duration_s: float
    files: tuple[str, ...] = ()
    """Files the code wrote in its working directory, relative to it."""
    artifacts_dir: Path | None = None
    """Where those files were kept, if `run` was asked to keep them."""
    isolation: str = "bwrap"
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds spent preparing, executing, collecting files and cleaning up."""

    def as_dict(self) -> RunRecord:
        """The JSON shape of `tutor run --json`."""
        return {
            "stdout": self.stdout,
            "stderr": self.stderr,
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
            "truncated": self.truncated,
            "duration_s": round(self.duration_s, 4),
            "files": list(self.files),
            "isolation": self.isolation,
        }


def run(
    code: str,
    *,
    timeout: float = 10.0,
    mode: str = "auto",
    limits: Limits | None = None,
    artifacts_dir: Path | None = None,
    scratch_root: Path | None = None,
) -> RunResult:
    """Run `code` as a Python script in a fresh process and scratch dir, then remove both."""
    limits = limits or Limits()
    if not 0 < timeout <= 3600:
        raise TutorError(f"timeout {timeout} s is out of range", "use 0 < timeout <= 3600")
    isolation = resolve_mode(mode)
    started = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="tutor-run-", dir=scratch_root))
    try:
        work, tmp = base / "work", base / "tmp"
        work.mkdir()
        tmp.mkdir()
        (work / SCRIPT).write_text(code, encoding="utf-8")
        if isolation == "unsafe":
            outcome = execute(unsafe_command(work, tmp, limits, timeout), limits, timeout)
            outcome.stderr = f"{UNSAFE_NOTICE}\n{outcome.stderr}"
        else:
            outcome = _run_bwrap(work, limits, timeout)
        collecting = time.monotonic()
        files = _collect(work, artifacts_dir)
        collected = time.monotonic()
    finally:
        _remove(base)
    done = time.monotonic()
    phases = {
        "prepare": collecting - started - outcome.seconds,
        "execute": outcome.seconds,
        "collect": collected - collecting,
        "cleanup": done - collected,
    }
    return RunResult(
        stdout=outcome.stdout,
        stderr=outcome.stderr,
        exit_code=outcome.returncode,
        timed_out=outcome.timed_out,
        truncated=outcome.truncated,
        duration_s=done - started,
        files=tuple(files),
        artifacts_dir=artifacts_dir if files and artifacts_dir else None,
        isolation=outcome.isolation,
        phases=phases,
    )


def _run_bwrap(work: Path, limits: Limits, timeout: float) -> Outcome:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb") as status_pipe:
        try:
            command = bwrap_command(work, limits, timeout, write_fd)
        except BaseException:
            os.close(write_fd)
            raise
        outcome = execute(command, limits, timeout, write_fd)  # closes write_fd
        status = status_pipe.read()
    # Fail closed: if bwrap could not build the sandbox, say so instead of returning a result.
    if outcome.timed_out or b'"exit-code"' in status:
        return outcome
    raise TutorError(
        f"the sandbox could not start: {outcome.stderr.strip() or 'bwrap failed'}",
        "the kernel must allow namespaces (sysctl kernel.unprivileged_userns_clone=1 when not "
        f"root; in a container, allow unshare); else {INSTALL_HINT}",
    )


def _collect(work: Path, keep: Path | None) -> list[str]:
    """Regular files the code wrote; copied to `keep` without ever following its symlinks."""
    found: list[str] = []
    for root, dirs, names in os.walk(work):
        dirs.sort()
        for name in sorted(names):
            path = Path(root) / name
            rel = path.relative_to(work).as_posix()
            if rel == SCRIPT or not path.is_file() or path.is_symlink():
                continue
            if len(found) >= MAX_ARTIFACTS:
                return found
            found.append(rel)
            if keep is not None:
                _copy_no_follow(path, keep / rel)
    return found


def _copy_no_follow(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)


def _remove(base: Path) -> None:
    def unlock(func: Any, path: str, _exc: Any) -> None:
        # The snippet may have chmod-ed its own dirs to 000; the owner can undo that.
        os.chmod(os.path.dirname(path), 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)
        func(path)

    try:
        shutil.rmtree(base, onerror=unlock)
    except OSError as exc:
        log.warning("could not remove the sandbox scratch dir %s: %s", base, exc)
