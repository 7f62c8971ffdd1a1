"""Offline turn cost: graph overhead per route in process (p50/p95), and cold `tutor ask`.

Overhead is a turn's wall time minus the time spent inside collaborators (search, sandbox):
what the graph, checkpointer and nodes add. Run: .venv/bin/python bench/turn.py [--turns N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tutor.config import load_settings
from tutor.context import Services
from tutor.session import Tutor

REQUESTS = {
    "retrieve": ["/search reward model", "where do my notes cover PPO?"],
    "explain": ["explain the softmax function", "what is the vanishing gradient problem?"],
    "quiz": ["/quiz softmax", "quiz me on RLHF"],
    "help": ["/help"],
    "code_run": ["/run print(sum(range(100)))", "/run softmax"],
}
ANSWERS = {
    "quiz_answer": "it turns logits into probabilities",
    "rating": "good",
    "confirm_code": "no",
}
LABELS = {"quiz_answer": "answer", "rating": "rating", "confirm_code": "confirm"}


class TimedServices(Services):
    """Services that add up the time spent in search and the sandbox."""

    spent = 0.0

    def _timed(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            self.spent += time.perf_counter() - start

    def search(self, query: str, k: int = 5) -> Any:
        return self._timed(super().search, query, k)

    def run_code(self, code: str) -> Any:
        return self._timed(super().run_code, code)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def in_process(turns: int, home: Path) -> None:
    settings = load_settings(home=home)
    services = TimedServices(settings)
    tutor = Tutor(settings, services)
    tutor.ask("/search warm up", "warm")  # load the model and the keyword index once
    embeddings = services.index.embeddings
    real_embed = embeddings.embed_documents  # grading's similarity estimate is model time
    embeddings.embed_documents = lambda texts: services._timed(real_embed, texts)  # type: ignore[method-assign]
    print(
        f"{'route':<14} {'turns':>5} {'total p50':>10} {'total p95':>10} "
        f"{'overhead p50':>13} {'overhead p95':>13}  (ms)"
    )
    samples: dict[str, tuple[list[float], list[float]]] = {}

    def timed(label: str, text: str, thread: str) -> Any:
        services.spent = 0.0
        start = time.perf_counter()
        turn = tutor.ask(text, thread)
        total = time.perf_counter() - start
        totals, overheads = samples.setdefault(label, ([], []))
        totals.append(total * 1000)
        overheads.append((total - services.spent) * 1000)
        return turn

    for route, texts in REQUESTS.items():
        for i in range(turns):
            turn = timed(route, texts[i % len(texts)], f"{route}-{i}")
            while turn.pending:
                kind = turn.pending["type"]
                reply = ANSWERS[kind]
                if "- A) " in turn.pending["prompt"]:
                    reply = "A"  # a multiple-choice question wants a label
                turn = timed(f"{route} {LABELS[kind]}", reply, f"{route}-{i}")
    for label, (totals, overheads) in samples.items():
        print(
            f"{label:<14} {len(totals):>5} {statistics.median(totals):>10.1f} "
            f"{pct(totals, 0.95):>10.1f} {statistics.median(overheads):>13.1f} "
            f"{pct(overheads, 0.95):>13.1f}"
        )
    tutor.close()
    print("(overhead: a turn minus its time in search, embedding and the sandbox; `answer`,")
    print(" `rating` and `confirm` rows are the turns that reply to what the tutor asked)")


def cold_process(home: Path, runs: int = 3) -> None:
    env = {**os.environ, "TUTOR_HOME": str(home)}
    for text in ("/help", "what is the softmax function?"):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "tutor", "ask", text, "--json"],
                env=env,
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - start)
        print(
            f"cold `tutor ask {text!r}`: median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}) over {runs} runs"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        start = time.perf_counter()
        tutor = Tutor(load_settings(home=home))
        print(f"passages: {tutor.services.index.count()}")  # ingests the shipped notes once
        tutor.close()
        print(f"ingest of the shipped notes: {time.perf_counter() - start:.1f} s (not counted)")
        in_process(args.turns, home)
        cold_process(home)


if __name__ == "__main__":
    main()
