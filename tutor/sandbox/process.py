"""Start a sandbox command, capture its output within limits, and kill it at the deadline."""

from __future__ import annotations

import codecs
import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass

from tutor.sandbox.isolation import Command, Limits
from tutor.sandbox.runs import Live, RunStopped, kill_tree, refuse_if_stopped, tracking

TIMEOUT_EXIT = 124  # what coreutils `timeout` reports, so shells read it the same way
STOP_POLL = 0.25


@dataclass
class Outcome:
    """How the child process ended and what it printed."""

    stdout: str
    stderr: str
    returncode: int
    timed_out: bool
    truncated: bool
    isolation: str
    seconds: float
    """From just before the start to the end of capture, including the sandbox's setup."""


def execute(command: Command, limits: Limits, timeout: float, status_fd: int = -1) -> Outcome:
    """Start the command, capture its output, and kill its whole tree at the deadline; raise
    RunStopped if its turn was cancelled or the tutor is stopping."""
    prepared = time.monotonic()
    try:
        refuse_if_stopped()
        proc = subprocess.Popen(
            command.argv,
            cwd=command.cwd,
            env=command.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=command.pass_fds,
            start_new_session=True,  # one process group to kill, and no controlling terminal
        )
    finally:
        if status_fd >= 0:
            os.close(status_fd)  # bwrap holds its own copy: EOF comes when bwrap exits
    deadline = prepared + timeout
    with tracking(proc) as live:
        try:
            out, err, timed_out = _capture(proc, deadline, limits.output_bytes, live)
            code, timed_out = _reap(proc, deadline, timed_out)
        except BaseException:  # Ctrl-C on this thread (`tutor run`): leave nothing running
            kill_tree(proc)
            proc.wait()
            raise
    if live.stopped:
        raise RunStopped(live.stopped)
    stdout, cut_out = decode_capped(*out, limits.output_bytes)
    stderr, cut_err = decode_capped(*err, limits.output_bytes)
    returncode = TIMEOUT_EXIT if timed_out else (128 - code if code < 0 else code)
    if not timed_out and 128 < returncode <= 128 + 64:
        gap = "\n" if stderr and not stderr.endswith("\n") else ""
        stderr += gap + _signal_note(returncode - 128)
    seconds = time.monotonic() - prepared
    truncated = cut_out or cut_err
    return Outcome(stdout, stderr, returncode, timed_out, truncated, command.isolation, seconds)


def _reap(proc: subprocess.Popen[bytes], deadline: float, timed_out: bool) -> tuple[int, bool]:
    """The exit status, and whether the deadline passed first (then everything is killed)."""
    try:
        # EOF means bwrap is exiting (it holds the pipes to the end): allow it a moment.
        return proc.wait(timeout=max(1.0, deadline - time.monotonic())), timed_out
    except subprocess.TimeoutExpired:
        kill_tree(proc)
        return proc.wait(), True


def _capture(
    proc: subprocess.Popen[bytes], deadline: float, limit: int, live: Live
) -> tuple[tuple[bytes, int], tuple[bytes, int], bool]:
    """Read both pipes to EOF, keeping `limit` bytes of each; kill everything at the deadline;
    give up at once when a stop killed the run."""
    assert proc.stdout is not None and proc.stderr is not None
    fds = (proc.stdout.fileno(), proc.stderr.fileno())
    kept = {fd: bytearray() for fd in fds}
    total = dict.fromkeys(fds, 0)
    timed_out = False
    with selectors.DefaultSelector() as sel:
        for fd in fds:
            sel.register(fd, selectors.EVENT_READ)
        while sel.get_map() and not live.stopped:
            left = deadline - time.monotonic()
            if left <= 0 and timed_out:
                break  # killed, and still no EOF after the grace period: stop reading
            if left <= 0:
                timed_out = True
                kill_tree(proc)
                deadline = time.monotonic() + 2.0
                continue
            # Wake now and then: a process that escaped the kill (unsafe mode, setsid) may hold
            # the pipes open, and a stop must not wait for their EOF.
            for key, _ in sel.select(timeout=min(left, STOP_POLL)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fd)
                    continue
                total[key.fd] += len(chunk)
                room = limit - len(kept[key.fd])
                if room > 0:
                    kept[key.fd] += chunk[:room]
    proc.stdout.close()
    proc.stderr.close()
    out, err = ((bytes(kept[fd]), total[fd]) for fd in fds)
    return out, err, timed_out


def decode_capped(data: bytes, total: int, limit: int) -> tuple[str, bool]:
    """UTF-8 text of the first `limit` bytes, never a torn character, plus a visible marker."""
    if total <= limit:
        return data.decode("utf-8", "replace"), False
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(data[:limit], final=False)
    return f"{text}\n[output truncated: {total - limit} more bytes not shown]\n", True


def _signal_note(signum: int) -> str:
    """Say why a snippet died silently: the learner sees a reason, not just an exit code."""
    try:
        name = signal.Signals(signum).name
    except ValueError:
        return ""
    why = {"SIGXCPU": " (CPU time limit)", "SIGXFSZ": " (file size limit)"}.get(name, "")
    return f"[tutor] the process was killed by {name}{why}\n"
