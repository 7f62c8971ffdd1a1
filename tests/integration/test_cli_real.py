"""The real `tutor` command in subprocesses, with the real offline embedding model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.processes import ingest_killed_midway
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
    committed = ingest_killed_midway(notes, load_settings().records_path)
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
