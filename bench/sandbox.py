#!/usr/bin/env python
"""What the code sandbox costs: `print(1)` sandboxed vs bare Python, and where the time goes.

Run from the repository root:

    .venv/bin/python bench/sandbox.py [--runs 30]

Runs are interleaved so both sides see the same machine load. Rows:
(a) bare `python -I -c 'print(1)'` in a subprocess, (b) `tutor.sandbox.runner.run("print(1)")`,
(c) bubblewrap plus the limit tools running `/usr/bin/true` (namespace setup alone), then
the sandboxed run split into its phases. Numbers only; nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tutor.sandbox import Limits, run
from tutor.sandbox.isolation import bwrap_command_for, prlimit_argv


def bare() -> float:
    """One bare interpreter start, as a subprocess."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-c", "print(1)"], check=True, capture_output=True)
    return time.perf_counter() - started


def bwrap_true() -> float:
    """The sandbox's namespaces, mounts and limit tools around `true`, with no Python."""
    with tempfile.TemporaryDirectory() as work:
        read_fd, write_fd = os.pipe()
        command = bwrap_command_for(
            Path(work), prlimit_argv(Limits(), 10.0), write_fd, ["/usr/bin/true"]
        )
        started = time.perf_counter()
        subprocess.run(
            command.argv, env=command.env, pass_fds=command.pass_fds, check=True, cwd=work
        )
        elapsed = time.perf_counter() - started
        os.close(write_fd)
        os.close(read_fd)
    return elapsed


def measure(runs: int) -> dict[str, list[float]]:
    """Interleave every kind of run `runs` times, after one warm-up each."""
    samples: dict[str, list[float]] = {}
    kinds: dict[str, Callable[[], float]] = {
        "bare": bare,
        "bwrap_true": bwrap_true,
        "sandbox": lambda: run("print(1)").duration_s,
    }
    for fn in kinds.values():
        fn()
    for _ in range(runs):
        for name, fn in kinds.items():
            samples.setdefault(name, []).append(fn())
        result = run("print(1)")
        if result.stdout != "1\n":
            raise SystemExit(f"the sandbox did not print 1: {result}")
        for phase, seconds in result.phases.items():
            samples.setdefault(f"phase_{phase}", []).append(seconds)
    return samples


def row(label: str, values: Sequence[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    return f"  {label:<44} {statistics.median(ms):8.1f} {p90:8.1f} {ms[0]:8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    samples = measure(args.runs)
    bare_ms = statistics.median(samples["bare"])
    sandbox_ms = statistics.median(samples["sandbox"])
    print(f"sandbox benchmark: {args.runs} interleaved runs, {os.cpu_count()} cores")
    print(f"  {'ms':<44} {'median':>8} {'p90':>8} {'min':>8}")
    print(row("(a) bare python -I -c 'print(1)'", samples["bare"]))
    print(row("(b) sandbox run('print(1)')", samples["sandbox"]))
    print(row("(c) bwrap + prlimit (+ setpriv) running true", samples["bwrap_true"]))
    print(f"  ratio (b)/(a) medians: {sandbox_ms / bare_ms:.2f}x  (target <= 2x)")
    print("  where the sandboxed run's time goes:")
    for phase, what in (
        ("prepare", "scratch dir, script, command line"),
        ("execute", "bwrap, limits, python, capture"),
        ("collect", "look for files the code wrote"),
        ("cleanup", "remove the scratch dir"),
    ):
        print(row(f"  {phase}: {what}", samples[f"phase_{phase}"]))
    overhead = statistics.median(samples["phase_execute"]) - bare_ms
    print(f"  execute minus bare python (isolation cost): {overhead * 1000:.1f} ms")


if __name__ == "__main__":
    main()
