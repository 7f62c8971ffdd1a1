#!/usr/bin/env python
"""Ingest and search speed of tutor, in process and as the `tutor` command.

Run from the repository root:

    .venv/bin/python bench/ingest_search.py

Everything happens in a fresh temporary TUTOR_HOME (removed at the end), with the real
offline embedding model and the shipped knowledge/ notes. It prints one table:
(a) cold ingest, (b) ingest again with nothing changed, (c) warm in-process search latency
over the question set, (d) `tutor --help` wall time, (e) a cold `tutor search` process and
(f) the peak RSS of such a search process. Numbers only; nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "evals" / "questions.jsonl"
TUTOR = Path(sys.executable).parent / "tutor"
RSS_PROBE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    at = (len(ordered) - 1) * q / 100
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Seconds taken by fn(), and what it returned."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_wall(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and exit code of a command, its output discarded."""
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode:
        print(f"warning: {' '.join(cmd[:3])} … exited {done.returncode}: {done.stderr[-300:]!r}")
    return elapsed, done.returncode


class Table:
    """Rows of (measure, value, target, verdict), printed aligned."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def add(self, measure: str, value: str, target: str = "", ok: bool | None = None) -> None:
        verdict = "" if ok is None else ("ok" if ok else "MISS")
        self.rows.append((measure, value, target, verdict))
        print(f"  … {measure}: {value}", file=sys.stderr, flush=True)

    def print(self) -> None:
        head = ("measure", "value", "target / note", "")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(4)]
        line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()
        print(line)
        print("-" * len(line))
        for row in self.rows:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--help-runs", type=int, default=5, help="runs of `tutor --help`")
    parser.add_argument("--search-runs", type=int, default=3, help="runs of `tutor search`")
    args = parser.parse_args(argv)

    from tutor.config import load_settings
    from tutor.context import open_index
    from tutor.evals.dataset import load_questions
    from tutor.knowledge.retriever import HybridRetriever

    questions = [q.question for q in load_questions(QUESTIONS)]
    home = Path(tempfile.mkdtemp(prefix="tutor-bench-"))
    env = {**os.environ, "TUTOR_HOME": str(home), "TUTOR_NOTES": str(args.notes)}
    table = Table()
    try:
        settings = load_settings(home=home, notes=args.notes)

        # (a) cold ingest: fresh home, model not loaded yet
        index = open_index(settings)
        seconds, report = timed(lambda: index.ingest([settings.notes]))
        table.add(
            "(a) ingest cold, in-process",
            f"{seconds:.2f} s",
            f"{report.indexed} files, {report.chunks_written} passages",  # type: ignore[attr-defined]
        )

        # (b) ingest again, nothing changed
        seconds, report = timed(lambda: index.ingest([settings.notes]))
        table.add(
            "(b) ingest again, no change (same index)",
            f"{seconds:.3f} s",
            "<= 0.3 s",
            seconds <= 0.3 and report.unchanged == report.seen,  # type: ignore[attr-defined]
        )
        again = open_index(settings)
        seconds, report = timed(lambda: again.ingest([settings.notes]))
        table.add(
            "(b') ingest again, no change (new NotesIndex)",
            f"{seconds:.3f} s",
            "<= 0.3 s",
            seconds <= 0.3 and report.unchanged == report.seen,  # type: ignore[attr-defined]
        )
        again.close()

        # (c) warm search latency over the question set
        for mode in ("hybrid", "dense", "bm25"):
            retriever = HybridRetriever(index=index, mode=mode, k=10)
            for q in questions[:3]:
                retriever.search(q, k=10)
            times = []
            for q in questions:
                start = time.perf_counter()
                retriever.search(q, k=10)
                times.append((time.perf_counter() - start) * 1000)
            p50, p95 = percentile(times, 50), percentile(times, 95)
            target, ok = ("p50 <= 30 ms", p50 <= 30) if mode == "hybrid" else ("", None)
            table.add(
                f"(c) search {mode}, warm, n={len(times)}",
                f"p50 {p50:.1f} ms / p95 {p95:.1f} ms",
                target,
                ok,
            )
        index.close()

        # (d) `tutor --help` as a process
        walls = [run_wall([str(TUTOR), "--help"], env)[0] for _ in range(args.help_runs)]
        median = statistics.median(walls)
        table.add(
            f"(d) `tutor --help` wall, median of {len(walls)}",
            f"{median:.3f} s",
            "<= 0.3 s",
            median <= 0.3,
        )

        # (e) `tutor search` as a fresh process (index already built: no ingest)
        query = questions[0]
        walls = [run_wall([str(TUTOR), "search", query], env)[0] for _ in range(args.search_runs)]
        table.add(
            "(e) `tutor search` cold process wall",
            f"first {walls[0]:.2f} s / median {statistics.median(walls):.2f} s",
            f"{len(walls)} runs",
        )

        # (f) peak RSS of a search process, read by a parent that runs only that child
        probe = subprocess.run(
            [sys.executable, "-c", RSS_PROBE, str(TUTOR), "search", query],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        code, max_kib = (int(x) for x in probe.stdout.split())
        table.add("(f) peak RSS of `tutor search`", f"{max_kib / 1024:.0f} MiB", f"exit {code}")
        own = __import__("resource").getrusage(__import__("resource").RUSAGE_SELF).ru_maxrss
        table.add("    peak RSS of this bench process", f"{own / 1024:.0f} MiB", "for context")
    finally:
        shutil.rmtree(home, ignore_errors=True)

    print(f"\ntutor ingest/search bench ({args.notes}, {len(questions)} questions)\n")
    table.print()


if __name__ == "__main__":
    main()
