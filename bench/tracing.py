"""What LangSmith tracing costs: turn time with tracing off and on (a capture server on
127.0.0.1 standing in for LangSmith), and how long `tutor ask` takes to exit when the
endpoint refuses connections, or accepts them and never answers.

Run from the repository root: .venv/bin/python bench/tracing.py [--turns N]
It prints numbers only; nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.langsmith_capture import (  # noqa: E402
    reset_langsmith_globals,
    running_capture,
)

QUESTIONS = ["what is the softmax function?", "/search reward model", "/help"]


def turn_times(turns: int, home: Path) -> list[float]:
    """Seconds per in-process turn over the shipped notes (index built beforehand)."""
    from tutor.config import load_settings
    from tutor.session import Tutor

    tutor = Tutor(load_settings(home=home))
    tutor.ask("/help", "warm")
    times = []
    for i in range(turns):
        start = time.perf_counter()
        tutor.ask(QUESTIONS[i % len(QUESTIONS)], f"bench-{i}")
        times.append(time.perf_counter() - start)
    tutor.close()
    return times


def row(label: str, times: list[float]) -> None:
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
    print(f"{label:<34} p50 {statistics.median(times) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms")


def exit_time(env: dict[str, str], runs: int = 3) -> float:
    """Median wall time of a cold `tutor ask /help`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tutor.cli", "ask", "/help"],
            env=env,
            capture_output=True,
            check=True,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=30)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="tutor-bench-tracing-"))
    os.environ["TUTOR_HOME"] = str(home)
    for name in [n for n in os.environ if n.startswith(("LANGSMITH_", "LANGCHAIN_"))]:
        del os.environ[name]
    subprocess.run([sys.executable, "-m", "tutor.cli", "ingest"], check=True, capture_output=True)
    try:
        print(f"in-process turns ({args.turns}, cycling {len(QUESTIONS)} requests):")
        row("tracing off", turn_times(args.turns, home))
        with running_capture() as server:
            os.environ.update(
                LANGSMITH_TRACING="true",
                LANGSMITH_ENDPOINT=server.url,
                LANGSMITH_API_KEY="test-key",
            )
            reset_langsmith_globals()
            row("tracing on (capture server)", turn_times(args.turns, home))
            from tutor import tracing

            start = time.perf_counter()
            tracing.shutdown(timeout=10)
            print(f"{'flush at the end':<34} {(time.perf_counter() - start) * 1000:7.1f} ms")
            print(f"{'runs received':<34} {len(server.runs):7d}")
        for name in ("LANGSMITH_TRACING", "LANGSMITH_ENDPOINT", "LANGSMITH_API_KEY"):
            del os.environ[name]

        print("\ncold `tutor ask /help`, median of 3 (process start to exit):")
        env = dict(os.environ)
        print(f"{'tracing off':<34} {exit_time(env):7.2f} s")
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(64)
            refused = socket.socket()
            refused.bind(("127.0.0.1", 0))
            refused_port = refused.getsockname()[1]
            refused.close()
            endpoints = {
                "endpoint refuses connections": refused_port,
                "endpoint accepts, never answers": silent.getsockname()[1],
            }
            for label, port in endpoints.items():
                traced = env | {
                    "LANGSMITH_TRACING": "true",
                    "LANGSMITH_API_KEY": "k",
                    "LANGSMITH_ENDPOINT": f"http://127.0.0.1:{port}",
                }
                print(f"{label:<34} {exit_time(traced):7.2f} s")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
