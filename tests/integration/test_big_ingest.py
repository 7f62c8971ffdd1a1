"""Big and hostile vaults: 100,000 files, a note renamed mid-ingest, a disk that fills up.

Each ends with one clear line, an index that still answers, and a next run that finishes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes import HashEmbeddings
from tutor.cli import app
from tutor.config import load_settings
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.retriever import HybridRetriever

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "knowledge"
COPIES = 10
PASSAGES = 148 * COPIES


def make_index(home: Path | None = None) -> NotesIndex:
    return NotesIndex(load_settings(home=home) if home else load_settings(), HashEmbeddings())


def assert_consistent(index: NotesIndex) -> None:
    """Chroma holds exactly the passages the records account for, every file complete."""
    recorded = {cid for r in index.records.all() for cid in r.chunk_ids}
    assert set(index.everything()[0]) == recorded
    assert all(r.complete for r in index.records.all())


def copies(root: Path, n: int = COPIES) -> Path:
    """The shipped notes n times over, one folder a copy (each copy's passages are its own)."""
    for i in range(n):
        shutil.copytree(SHIPPED, root / f"copy-{i:02d}")
    return root


def test_100000_small_files_give_a_short_report_and_a_quick_second_run(
    tmp_path: Path, fake_model: HashEmbeddings
) -> None:
    vault = tmp_path / "vault"
    for i in range(100_000):  # a daily-notes habit: mostly empty pages, some with a line
        folder = vault / f"{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True)
        text = "" if i % 50 else f"# Day {i}\nItem {i} of the log.\n"
        (folder / f"{i:06d}.md").write_text(text)
    runner = CliRunner()
    first = runner.invoke(app, ["ingest", str(vault)], env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "files seen 100000 · indexed 2000" in first.output
    assert "skipped 98000" in first.output and "97,980 more: empty file" in first.output
    assert len(first.output.splitlines()) < 30  # not one line per empty file
    again = runner.invoke(app, ["ingest", str(vault)], env={"COLUMNS": "200"})
    assert "indexed 0 · unchanged 2000" in again.output
    # By keywords: the fake's 64-dimension word hashes give hundreds of these one-line notes
    # the same vector, so which of them dense search ranks first is the HNSW graph's choice.
    hits = HybridRetriever(index=make_index(), mode="bm25").search("Item 4300 of the log")
    assert hits and hits[0].file == "004/004300.md"
    assert hits[0].source == str((vault / hits[0].file).resolve())


def test_a_note_renamed_during_ingest_is_skipped_then_found_under_its_new_name(
    notes: Path,
) -> None:
    index = make_index()
    index.ingest([notes])
    note = notes / "rlhf-and-alignment.md"
    moved = notes / "alignment.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n## Added\nA new paragraph.\n")

    def rename_when_reached(file: str, done: int, total: int) -> None:
        if file == str(note) and note.exists():
            note.rename(moved)  # after the walk listed it, before it is read

    report = index.ingest([notes], rename_when_reached)
    [skip] = report.skipped
    assert skip.path == str(note) and "vanished while reading; kept its" in skip.reason
    assert HybridRetriever(index=index).search("reward model human preferences")
    assert_consistent(index)

    report = make_index().ingest([notes])
    assert (report.indexed, report.removed, report.skipped) == (1, 1, [])
    files = {m["file"] for m in make_index().everything()[2]}
    assert "alignment.md" in files and note.name not in files
    assert_consistent(make_index())


FILL = """
import resource, signal, sys
limit = int(sys.argv[2])
if limit:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit a write fails (EFBIG)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from tests.fakes import HashEmbeddings
import tutor.knowledge.index as index
index.make_embeddings = lambda settings: HashEmbeddings()
from tutor.cli import app
app(["ingest", sys.argv[1]])
"""


@pytest.fixture(params=["small tmpfs", "file size limit"])
def small_disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A home where writes fail part-way: a 6 MB tmpfs (ENOSPC, needs root), else a 5 MB
    limit on file size in the ingest process (EFBIG); and the limit to pass it."""
    home = tmp_path / "disk"
    home.mkdir()
    if request.param == "file size limit":
        yield home / "home", 5_000_000
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(home)], capture_output=True
    )
    if os.geteuid() != 0 or mounted.returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield home / "home", 0
    finally:
        subprocess.run(["umount", "-l", str(home)], check=False)


def test_a_disk_that_fills_during_ingest_stops_it_with_one_line_and_the_next_run_finishes(
    tmp_path: Path, small_disk: tuple[Path, int]
) -> None:
    home, limit = small_disk
    vault = copies(tmp_path / "vault")
    env = {**os.environ, "TUTOR_HOME": str(home), "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", FILL, str(vault), str(limit)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "error: ingest stopped: cannot write the index in" in said
    assert "Traceback" not in said
    if not limit:
        assert "the disk is full" in said and "free some disk space" in said
        subprocess.run(["mount", "-o", "remount,size=200m", str(home.parent)], check=True)

    survivor = make_index(home)
    committed = [r for r in survivor.records.all() if r.complete]
    assert 0 < len(committed) < 5 * COPIES  # what was committed before the failure is kept
    assert HybridRetriever(index=survivor).search("reward model human preferences")
    report = survivor.ingest([vault])
    assert report.skipped == [] and report.chunks == PASSAGES == survivor.count()
    assert_consistent(survivor)
