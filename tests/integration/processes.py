"""The real `tutor` in a subprocess, and finding the processes its sandboxed code started (by a
marker in their command line)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def run_tutor(
    *args: str, check: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`tutor ARGS` to its end, in this test's environment; `check`: it must exit 0."""
    result = subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=os.environ.copy(),
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def alive(marker: str) -> list[int]:
    """Host processes whose command line carries `marker` (a zombie's is empty: not counted)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes() if entry.isdigit() else b""
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry))
    return found


def wait_until_alive(marker: str, within: float = 60) -> bool:
    """Whether a process with `marker` shows up within `within` seconds (the sandbox starts
    slowly on a loaded machine)."""
    until = time.monotonic() + within
    while not alive(marker) and time.monotonic() < until:
        time.sleep(0.1)
    return bool(alive(marker))


def gone(marker: str, within: float = 5) -> bool:
    """Whether every process with `marker` is gone within `within` seconds (SIGKILL is
    delivered when the process next runs, not when kill() returns)."""
    until = time.monotonic() + within
    while alive(marker) and time.monotonic() < until:
        time.sleep(0.05)
    return not alive(marker)


def ingest_killed_midway(notes: Path, records: Path) -> int:
    """Three copies of the shipped notes (but the big notebook, to stay quick) under `notes`,
    ingested by a real `tutor ingest` that is SIGKILLed once two files are committed; how
    many files were committed by then."""
    import shutil
    import signal
    import sqlite3

    from tests.conftest import SHIPPED_NOTES

    for copy in range(3):
        for path in SHIPPED_NOTES.glob("*.md"):
            if path.name != "deep-learning-qa-notebook.md":
                target = notes / f"set{copy}" / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor", "ingest", str(notes)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    committed = 0
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if records.exists():
            try:
                with sqlite3.connect(records) as db:
                    committed = db.execute(
                        "SELECT COUNT(*) FROM files WHERE file_hash != ''"
                    ).fetchone()[0]
            except sqlite3.OperationalError:
                committed = 0  # the file is there, its tables are not created yet
            if committed >= 2:
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return int(committed)
