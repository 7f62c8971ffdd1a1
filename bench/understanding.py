"""How well and how fast the offline tutor understands a message.

Prints routing accuracy per route and coverage recall/specificity on both halves of
evals/routing.jsonl and evals/coverage*.jsonl (the held-out half first: nothing was tuned on
it), the router's own cost per message (p50/p95, warm), and cold `tutor ask` times for a
routed message. Pass --before DIR (a checkout of an earlier commit with its own .venv, or this
venv) to time that checkout's cold `tutor ask` beside this one.

Run: .venv/bin/python bench/understanding.py [--before DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tutor.config import load_settings
from tutor.context import Services
from tutor.evals.understanding import understanding, understanding_table

REPO = Path(__file__).resolve().parents[1]
MESSAGES = [
    "which of my notes talk about LoRA?",
    "explain multi-head attention like I'm a beginner",
    "drill me on regularization",
    "can you run a demo of gradient descent?",
    "thanks!",
    "what is the vanishing gradient problem?",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def router_cost(rounds: int) -> tuple[float, float]:
    """Milliseconds the offline router takes per message, warm (model loaded)."""
    from tutor.nodes.router import route_offline

    route_offline("warm up")
    times = []
    for _ in range(rounds):
        for text in MESSAGES:
            start = time.perf_counter()
            route_offline(text)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), pct(times, 0.95)


def cold_ask(checkout: Path, home: str, runs: int) -> float:
    """Median seconds of a fresh `tutor ask` process on a routed message (index built)."""
    exe = checkout / ".venv" / "bin" / "tutor"
    if not exe.exists():
        exe = REPO / ".venv" / "bin" / "tutor"
    env = {**os.environ, "TUTOR_HOME": home, "PYTHONPATH": str(checkout)}
    env.pop("TUTOR_MODEL", None)
    args = [str(exe), "ask", "which of my notes talk about LoRA?"]
    subprocess.run(args, env=env, capture_output=True, check=True, cwd=checkout)  # ingest
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, env=env, capture_output=True, check=True, cwd=checkout)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="an earlier checkout to compare cold asks")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        services = Services(load_settings(home=Path(home) / "now"))
        scores = understanding(services)
        for label, value, n in understanding_table(scores):
            print(f"{label:<40} {value:>6}  {n:>4}")
        p50, p95 = router_cost(20)
        print(f"\nrouter per message, warm: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
        now = cold_ask(REPO, str(Path(home) / "cold-now"), args.runs)
        print(f"cold `tutor ask` (median of {args.runs}): {now:.2f} s")
        if args.before:
            then = cold_ask(args.before.resolve(), str(Path(home) / "cold-then"), args.runs)
            print(f"cold `tutor ask` at {args.before} : {then:.2f} s ({(now / then - 1):+.0%})")
        services.close()
    json.dump({"routing": scores["routing"], "coverage": scores["coverage"]}, sys.stderr)


if __name__ == "__main__":
    main()
