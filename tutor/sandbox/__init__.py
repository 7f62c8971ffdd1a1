"""The code sandbox: untrusted Python (a learner's or a model's) in a fresh, isolated,
limited process.

- `runner`: `run` and its `RunResult`, the one entry point;
- `isolation`: bubblewrap and prlimit command lines, the child's environment, `Limits`;
- `process`: starting the child, reading its capped output, the timeout;
- `runs`: the live runs of this process, stopped together on a signal or a shutdown.
"""

from tutor.sandbox.isolation import Limits
from tutor.sandbox.runner import CodeRun, RunRecord, RunResult, run
from tutor.sandbox.runs import SHUTTING_DOWN, Runs, RunStopped, stop_on_signals

__all__ = [
    "SHUTTING_DOWN",
    "CodeRun",
    "Limits",
    "RunRecord",
    "RunResult",
    "RunStopped",
    "Runs",
    "run",
    "stop_on_signals",
]
