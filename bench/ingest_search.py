#!/usr/bin/env python
"""Ingest and search speed of tutor, in process and as the `tutor` command.

Run from the repository root:

    .venv/bin/python bench/ingest_search.py

    .venv/bin/python bench/ingest_search.py --passages 3000   # a big vault (bench/big_vault.py)

Everything happens in a fresh temporary TUTOR_HOME (removed at the end), with the real
offline embedding model and the shipped knowledge/ notes (or a vault of `--passages` made by
bench/big_vault.py). It prints one table:
(g) embedding throughput on the same passages, before (file-order batches of eight, one file
at a time: bench/ingest_today.py) and now (length-bucketed, across files), and both as a share
of the model's peak (full 256-token batches), (a) cold ingest as a `tutor ingest` process:
time, passages/s and peak RSS, before and now on the same notes, (b) ingest again with nothing
changed, as a process and in-process, (c) warm in-process search latency over the question
set, (d) `tutor --help` wall time, (e) a cold `tutor search` process and (f) the peak RSS of
such a search process. Numbers only; nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
QUESTIONS = ROOT / "evals" / "questions.jsonl"
TUTOR = Path(sys.executable).parent / "tutor"
RSS_PROBE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def probed(cmd: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """Wall seconds, exit code and peak RSS (MiB) of a command run as its own process."""
    start = time.perf_counter()
    probe = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, *cmd],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - start
    code, max_kib = (int(x) for x in probe.stdout.split())
    return elapsed, code, max_kib / 1024


def file_passages(notes: Path) -> list[list[str]]:
    """The texts the index embeds, file by file, in ingest order."""
    from tutor.knowledge.chunking import chunk_note
    from tutor.knowledge.loaders import find_notes, parse_note

    found, _ = find_notes([notes])
    return [[c.for_search() for c in chunk_note(parse_note(p, p.read_bytes()))] for _, p in found]


def embedding_rates(files: list[list[str]], table: Table, rounds: int = 2) -> None:
    """(g) emb/s before and now on the same passages, and as a share of the model's peak."""
    from ingest_today import OLD_CALL, TodayMiniLM

    from tutor.knowledge.embeddings import MAX_TOKENS, LocalMiniLM
    from tutor.knowledge.index import EMBED_BUFFER

    today, now = TodayMiniLM(), LocalMiniLM()
    today.embed_query("warm up")
    now.embed_query("warm up")
    texts = [t for f in files for t in f]
    tokens = sum(len(e.ids) for e in now._tokenizer.encode_batch(texts))
    calls_today = [f[i : i + OLD_CALL] for f in files for i in range(0, len(f), OLD_CALL)]
    calls_now: list[list[str]] = [[]]
    for f in files:  # as an ingest gathers them: whole files until the buffer is full
        calls_now[-1] += f
        if len(calls_now[-1]) >= EMBED_BUFFER:
            calls_now.append([])
    # 64 texts of 256 tokens or more (cut to 256): eight passages each, taken in turn
    full = [" ".join(texts[(i + j) % len(texts)] for j in range(8)) for i in range(64)]
    best = {"today": 0.0, "now": 0.0, "peak": 0.0}
    for _ in range(rounds):  # interleaved, best of `rounds`: the machine is shared
        for name, model, calls in (
            ("today", today, calls_today),
            ("now", now, calls_now),
            ("peak", now, [full]),
        ):
            start = time.perf_counter()
            for call in calls:
                model.embed_documents(call)
            count = sum(len(c) for c in calls)
            best[name] = max(best[name], count / (time.perf_counter() - start))
    per = tokens / len(texts)
    table.add(
        f"(g) embed {len(texts)} passages ({per:.0f} tokens each), before",
        f"{best['today']:.1f} emb/s",
        f"{best['today'] / best['peak']:.0%} of peak emb/s, "
        f"{best['today'] * per / (best['peak'] * MAX_TOKENS):.0%} of peak tokens/s",
    )
    table.add(
        "(g) embed the same passages, now",
        f"{best['now']:.1f} emb/s",
        f"{best['now'] / best['peak']:.0%} of peak emb/s, "
        f"{best['now'] * per / (best['peak'] * MAX_TOKENS):.0%} of peak tokens/s; "
        f"x{best['now'] / best['today']:.2f} before",
    )
    table.add(
        "(g) peak: full 256-token batches",
        f"{best['peak']:.1f} emb/s",
        f"{best['peak'] * MAX_TOKENS:.0f} tokens/s",
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
    parser.add_argument(
        "--passages", type=int, default=0, help="bench a vault of this many passages instead"
    )
    parser.add_argument(
        "--embed-sample", type=int, default=800, help="passages for the (g) embedding rates"
    )
    parser.add_argument(
        "--no-before", action="store_true", help="skip the old ingest (slow on a big vault)"
    )
    args = parser.parse_args(argv)

    from tutor.config import load_settings
    from tutor.context import open_index
    from tutor.evals.dataset import load_questions
    from tutor.knowledge.retriever import HybridRetriever

    questions = [q.question for q in load_questions(QUESTIONS)]
    home = Path(tempfile.mkdtemp(prefix="tutor-bench-"))
    if args.passages:
        from big_vault import make_vault

        args.notes = make_vault(home / "vault", args.passages, seed=0)
    env = {**os.environ, "TUTOR_HOME": str(home / "home"), "TUTOR_NOTES": str(args.notes)}
    table = Table()
    try:
        settings = load_settings(home=home / "home", notes=args.notes)

        # (g) the model alone, before and now, on a sample of whole files (seeded)
        files = file_passages(args.notes)
        total = sum(map(len, files))
        random.Random(0).shuffle(files)
        sample = [f for n, f in enumerate(files) if sum(map(len, files[:n])) < args.embed_sample]
        embedding_rates(sample, table)

        # (a) cold ingest as a process: fresh home, then the same notes ingested as before
        seconds, code, mib = probed([str(TUTOR), "ingest", str(args.notes)], env)
        rate = total / seconds
        table.add(
            f"(a) `tutor ingest` cold, {len(files)} files, {total} passages",
            f"{seconds:.1f} s, {rate:.1f} passages/s",
            f"peak RSS {mib:.0f} MiB (<= 1024 MiB at 30,000 passages), exit {code}",
            mib <= 1024 if total >= 30_000 else None,
        )
        if not args.no_before:
            script = ROOT / "bench" / "ingest_today.py"
            before = [sys.executable, str(script), str(home / "before"), str(args.notes)]
            old_s, code, old_mib = probed(before, env)
            table.add(
                "(a) ingest cold as before, same notes",
                f"{old_s:.1f} s, {total / old_s:.1f} passages/s",
                f"peak RSS {old_mib:.0f} MiB, exit {code}",
            )
            table.add(
                "(a) cold ingest speed-up", f"x{old_s / seconds:.2f}", ">= x2", old_s / seconds >= 2
            )
            shutil.rmtree(home / "before", ignore_errors=True)

        # (b) ingest again, nothing changed: a whole process, then in-process
        seconds, code, mib = probed([str(TUTOR), "ingest", str(args.notes)], env)
        table.add(
            "(b) `tutor ingest` again, no change, process",
            f"{seconds:.2f} s",
            f"<= 2 s; peak RSS {mib:.0f} MiB, exit {code}",
            seconds <= 2,
        )
        index = open_index(settings)
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
