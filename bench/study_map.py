"""The study map's cost on the shipped notes: building it, `/map` and `/next` in process, and
the `tutor map` / `tutor next` commands (cold: no map kept yet; warm: the kept map).

Run: .venv/bin/python bench/study_map.py [--runs N]   (a tmp TUTOR_HOME; the real embedding
model ingests the shipped notes once first)
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


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Wall seconds of each run."""
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        took.append(time.perf_counter() - start)
    return took


def show(what: str, took: list[float]) -> None:
    p50 = statistics.median(took)
    print(f"{what:<42} p50 {p50 * 1000:8.1f} ms   max {max(took) * 1000:8.1f} ms  (n={len(took)})")  # noqa: T201


def command(*args: str) -> Callable[[], object]:
    def run() -> object:
        done = subprocess.run(
            [sys.executable, "-m", "tutor", *args], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    home = Path(tempfile.mkdtemp(prefix="tutor-bench-map-"))
    os.environ["TUTOR_HOME"] = str(home)
    subprocess.run([sys.executable, "-m", "tutor", "ingest"], check=True, capture_output=True)

    from tutor.config import load_settings
    from tutor.context import Services
    from tutor.studymap.build import build_map
    from tutor.studymap.next import plan_markdown, session_plan
    from tutor.studymap.render import map_markdown
    from tutor.terminal.study import MAP_FILE, map_view

    services = Services(load_settings())
    rows, aliases = services.retriever.rows(), services.retriever.aliases
    study_map = build_map(rows, aliases)
    print(f"{len(study_map.concepts)} concepts, {len(study_map.relations)} relations")  # noqa: T201
    show("build_map (rows in memory)", timed(lambda: build_map(rows, aliases), runs))
    services.study_map()

    def slash_map() -> str:
        view = map_view(services, "default")
        return map_markdown(view.study_map, view.known, view.concept)

    def slash_next() -> str:
        view = map_view(services, "default")
        return plan_markdown(session_plan(view.study_map, view.known))

    show("/map in process (map, cards, tree)", timed(slash_map, runs))
    show("/next in process", timed(slash_next, runs))
    services.close()
    (home / MAP_FILE).unlink(missing_ok=True)
    show("tutor map, cold (builds and keeps the map)", timed(command("map"), 1))
    show("tutor map, warm", timed(command("map"), runs))
    show("tutor map PPO, warm", timed(command("map", "PPO"), runs))
    show("tutor next, warm", timed(command("next"), runs))
    show("tutor --help (the floor)", timed(command("--help"), runs))


if __name__ == "__main__":
    main()
