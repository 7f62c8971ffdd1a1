"""The sandboxes running now, so that cancelling a turn (Ctrl-C), a shutdown or the end of the
process kills their process trees at once instead of leaving them to their time limit."""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import FrameType

from tutor.errors import TutorError

__all__ = [
    "INTERRUPTED",
    "SHUTTING_DOWN",
    "Live",
    "RunStopped",
    "Runs",
    "kill_tree",
    "refuse_if_stopped",
    "stop_all",
    "stop_on_signals",
    "tracking",
]

INTERRUPTED = "the tutor was interrupted"
SHUTTING_DOWN = "the tutor is shutting down"

# Reentrant: a signal handler runs on the main thread between any two of its bytecodes, maybe
# while that thread holds the lock to start a run.
_LOCK = threading.RLock()
_CURRENT: ContextVar[tuple[Runs, ...]] = ContextVar("tutor_sandbox_runs", default=())
_ACTIVE: Counter[Runs] = Counter()
_LIVE: set[Live] = set()
_installed = False


class RunStopped(TutorError):
    """The code was killed before it finished: its turn was cancelled or the tutor stops."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the code was stopped before it finished: {reason}")
        self.reason = reason


class Runs:
    """Sandbox runs stopped together: one turn's, or all of a Slack bot's."""

    def __init__(self) -> None:
        self.stopped: str | None = None
        """Why the runs were stopped, once they were; a run that would start later is refused."""

    @contextmanager
    def active(self) -> Iterator[Runs]:
        """Runs started in this block, or in threads that copy its context (LangGraph's
        do), belong to this set."""
        token = _CURRENT.set((*_CURRENT.get(), self))
        with _LOCK:
            _ACTIVE[self] += 1
        try:
            yield self
        finally:
            with _LOCK:
                _ACTIVE[self] -= 1
                if _ACTIVE[self] <= 0:
                    del _ACTIVE[self]
            _CURRENT.reset(token)

    def stop(self, reason: str) -> None:
        """Kill every run of the set now, and refuse the ones that would start later."""
        with _LOCK:
            self.stopped = self.stopped or reason
            mine = [run for run in _LIVE if self in run.sets]
        for run in mine:
            run.kill(reason)


@dataclass(eq=False)
class Live:
    """One started sandbox process and the sets of runs it belongs to."""

    proc: subprocess.Popen[bytes]
    sets: tuple[Runs, ...]
    stopped: str | None = None
    """Why it was killed, when a stop killed it."""

    def kill(self, reason: str) -> None:
        """Kill its whole tree and remember why."""
        self.stopped = self.stopped or reason
        if self.proc.poll() is None:  # never signal a group whose leader was already reaped
            kill_tree(self.proc)


def refuse_if_stopped() -> None:
    """Raise RunStopped when the turn (or bot) this run would belong to was stopped."""
    for runs in _CURRENT.get():
        if runs.stopped:
            raise RunStopped(runs.stopped)


@contextmanager
def tracking(proc: subprocess.Popen[bytes]) -> Iterator[Live]:
    """Keep `proc` where a stop can find it while the block runs."""
    live = Live(proc, _CURRENT.get())
    with _LOCK:
        _LIVE.add(live)
        # A stop between the check before starting and now must not miss this process.
        late = next((runs.stopped for runs in live.sets if runs.stopped), None)
    if late:
        live.kill(late)
    try:
        yield live
    finally:
        with _LOCK:
            _LIVE.discard(live)


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group `proc` leads (killing bwrap kills its whole pid namespace)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop_all(reason: str) -> None:
    """Stop every turn running now and kill every sandbox alive (Ctrl-C, shutdown, exit)."""
    with _LOCK:
        sets, live = list(_ACTIVE), list(_LIVE)
    for runs in sets:
        runs.stop(reason)
    for run in live:
        run.kill(reason)


def stop_on_signals() -> None:
    """Make Ctrl-C, SIGTERM, SIGHUP and the interpreter's exit kill running sandboxes first
    (then do what they did before). Call it from the main thread; once is enough."""
    global _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    _installed = True
    atexit.register(stop_all, SHUTTING_DOWN)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        before = signal.getsignal(signum)
        if before is not None and before != signal.SIG_IGN:  # an ignored signal stays ignored
            signal.signal(signum, _stopping_first(before))


Handler = Callable[[int, FrameType | None], object]


def _stopping_first(before: Handler | int) -> Handler:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop_all(INTERRUPTED if signum == signal.SIGINT else SHUTTING_DOWN)
        if callable(before):
            before(signum, frame)  # Python's own Ctrl-C handler raises KeyboardInterrupt
        else:  # the default action: end the process, as the signal would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    return handler
