"""Keyword search after a real `tutor ingest` killed mid-way: its rows are exactly those of
the committed files, and the next ingest completes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.processes import ingest_killed_midway
from tests.integration.processes import run_tutor as tutor
from tutor.config import load_settings
from tutor.knowledge import keyword_store
from tutor.knowledge.records import Records

pytestmark = pytest.mark.integration


def keyword_rows_match_committed_files() -> bool:
    records = Records(load_settings().records_path)
    try:
        stored = keyword_store.stored_ids(records.keyword_reader())
        return stored == set(records.chunk_files()) and bool(stored)
    finally:
        records.close()


def test_a_killed_ingest_leaves_keyword_rows_of_committed_files_only(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    committed = ingest_killed_midway(notes, load_settings().records_path)
    assert 2 <= committed < 12, "the kill must land in the middle of the ingest"
    assert keyword_rows_match_committed_files()

    found = json.loads(tutor("search", "reward model", "--json").stdout)
    assert found, "keyword and dense search answer after a kill"

    report = json.loads(tutor("ingest", str(notes), "--json").stdout)
    assert report["seen"] == 12 and report["indexed"] == 12 - report["unchanged"]
    assert keyword_rows_match_committed_files()
    shown = tutor("search", "KL divergence penalty in PPO", "-k", "2").stdout
    assert "RLHF with PPO" in shown
