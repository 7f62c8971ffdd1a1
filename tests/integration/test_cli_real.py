"""The real `tutor` command in subprocesses, with the real offline embedding model."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SHIPPED_NOTES
from tests.integration.processes import run_tutor as tutor
from tutor.config import load_settings
from tutor.knowledge.index import NotesIndex

pytestmark = pytest.mark.integration


def test_search_cites_the_reward_model_passages_and_ingest_is_incremental() -> None:
    result = tutor("search", "what does the reward model learn", "--json")
    assert "the index is empty: ingesting" in result.stderr
    passages = json.loads(result.stdout)
    assert len(passages) == 5
    top = passages[:3]
    assert any("reward model" in p["text"].lower() for p in top)
    assert any("Reward Model" in p["heading"] or "RLHF" in p["heading"] for p in top)
    assert all(p["file"].endswith(".md") and p["start_line"] >= 1 for p in passages)

    again = json.loads(tutor("ingest", "--json").stdout)
    assert (again["seen"], again["unchanged"], again["indexed"]) == (5, 5, 0)

    shown = tutor("search", "KL divergence penalty in PPO", "-k", "2").stdout
    assert "1. rlhf-and-alignment.md › RLHF & Alignment › 2. RLHF with PPO" in shown
    assert "(lines 15–" in shown or "(lines 13–" in shown


def test_a_killed_ingest_leaves_a_usable_index_and_the_next_run_completes(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    for copy in range(3):
        for path in SHIPPED_NOTES.glob("*.md"):
            if path.name != "deep-learning-qa-notebook.md":  # keep the test quick
                target = notes / f"set{copy}" / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    records = load_settings().records_path
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
    assert 2 <= committed < 12, "the kill must land in the middle of the ingest"

    found = json.loads(tutor("search", "reward model", "--json").stdout)
    assert found, "the index must answer after a kill"

    report = json.loads(tutor("ingest", str(notes), "--json").stdout)
    assert report["seen"] == 12 and report["skipped"] == []
    assert report["unchanged"] >= committed and report["indexed"] == 12 - report["unchanged"]
    index = NotesIndex(load_settings())
    ids, _, metas = index.everything()
    assert index.count() == report["chunks"] == len(set(ids))
    assert {m["file"].split("/")[0] for m in metas} == {"set0", "set1", "set2"}
