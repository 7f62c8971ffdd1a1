"""Choosing what is indexed: default, TUTOR_NOTES_EXCLUDE and `.tutorignore` exclusions, the
dry run that shows them, and what leaving an indexed folder out does to its passages and cards."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes import HashEmbeddings
from tutor.cli import app
from tutor.config import load_settings
from tutor.errors import TutorError
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.ingest_plan import plan_ingest
from tutor.knowledge.loaders import scan_notes
from tutor.learning.bank import build_bank
from tutor.learning.cards import new_card
from tutor.learning.memory import LearnerMemory
from tutor.learning.questions import Question
from tutor.learning.refresh import refresh_cards

RUNNING = "llm-running-notes.md"


def make_index() -> NotesIndex:
    return NotesIndex(load_settings(), HashEmbeddings(), questions=build_bank)


def vault(tmp_path: Path, notes: Path) -> Path:
    """The shipped notes laid out as an Obsidian vault: settings, trash, attachments, drawings."""
    root = tmp_path / "vault"
    (root / "private").mkdir(parents=True)
    (root / "attachments").mkdir()
    (root / ".obsidian").mkdir()
    (root / ".trash").mkdir()
    for note in notes.iterdir():
        shutil.copy(note, root / ("private" if note.name == RUNNING else "") / note.name)
    (root / ".obsidian" / "workspace.md").write_text("# not a note\nsettings\n")
    (root / ".trash" / "old.md").write_text("# Deleted\nA note in the bin.\n")
    (root / "attachments" / "diagram.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "attachments" / "figure-notes.md").write_text("# Figure\nWhat the diagram shows.\n")
    (root / "Drawing.excalidraw.md").write_text('# Excalidraw Data\n```json\n{"type": 1}\n```\n')
    return root


def names(pairs: list[tuple[Path, Path]], root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for _, path in pairs}


def test_defaults_leave_out_obsidian_settings_trash_and_drawings_not_notes_in_attachments(
    tmp_path: Path, notes: Path
) -> None:
    root = vault(tmp_path, notes)
    scan = scan_notes([root])
    found = names(scan.found, root)
    assert "attachments/figure-notes.md" in found and f"private/{RUNNING}" in found
    assert len(found) == 6
    excluded = {Path(s.path).relative_to(root).as_posix(): s.reason for s in scan.excluded}
    assert excluded == {
        ".obsidian": "excluded by '.*' (default)",
        ".trash": "excluded by '.*' (default)",
        "Drawing.excalidraw.md": "excluded by '*.excalidraw.md' (default)",
    }
    assert scan.skipped == [] and scan.emptied == []


def test_setting_and_tutorignore_patterns_apply_in_order_with_their_origin(
    tmp_path: Path, notes: Path
) -> None:
    root = vault(tmp_path, notes)
    (root / ".tutorignore").write_text("# my rules\n\nattachments/\n*.md\n!rlhf-*.md\n")
    scan = scan_notes([root], "private/, \n training-*.md")
    assert names(scan.found, root) == {"rlhf-and-alignment.md"}
    reasons = {Path(s.path).name: s.reason for s in scan.excluded}
    assert reasons["private"] == "excluded by 'private/' (TUTOR_NOTES_EXCLUDE)"
    assert reasons["attachments"] == "excluded by 'attachments/' (.tutorignore line 3)"
    assert reasons["training-finetuning-rlhf.md"] == "excluded by '*.md' (.tutorignore line 4)"


def test_a_file_named_outright_is_indexed_even_if_a_pattern_matches(
    tmp_path: Path, notes: Path
) -> None:
    root = vault(tmp_path, notes)
    scan = scan_notes([root / "Drawing.excalidraw.md"], "*.md")
    assert [p.name for _, p in scan.found] == ["Drawing.excalidraw.md"]


def test_an_invalid_pattern_stops_the_ingest_before_anything_changes(
    tmp_path: Path, notes: Path
) -> None:
    root = vault(tmp_path, notes)
    index = make_index()
    before = index.ingest([root]).chunks
    (root / ".tutorignore").write_text("private/\n!\n")
    with pytest.raises(TutorError) as caught:
        index.ingest([root])
    assert "'!'" in caught.value.message and ".tutorignore line 2" in caught.value.message
    assert index.count() == before  # the private notes were not removed
    result = CliRunner().invoke(app, ["ingest", str(root)], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "invalid exclude pattern '!'" in result.output
    (root / ".tutorignore").write_text("private/\n")
    assert index.ingest([root]).removed == 1  # fixed: the next run does the job


def test_excluding_an_indexed_folder_removes_its_passages_and_retires_its_cards(
    tmp_path: Path, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langgraph.store.memory import InMemoryStore

    root = vault(tmp_path, notes)
    index = make_index()
    index.ingest([root])
    ids, _, metas = index.everything()
    private = [cid for cid, m in zip(ids, metas, strict=True) if m["file"].startswith("private/")]
    chunk_id, [q, *_] = next(iter(index.records.questions_for(private, by="rules").items()))
    memory = LearnerMemory(InMemoryStore(), "ada")
    memory.put_card(new_card(Question.from_dict(q), chunk_id, q["qid"]))
    assert refresh_cards(memory, index.records)["active"] == 1

    monkeypatch.setenv("TUTOR_NOTES_EXCLUDE", "private/")
    index = make_index()
    report = index.ingest([root])
    assert (report.removed, report.excluded) == (1, 4)  # .obsidian, .trash, drawing, private
    assert not [m for m in index.everything()[2] if m["file"].startswith("private/")]
    assert not index.records.questions_for(private)
    assert refresh_cards(memory, index.records) == {"active": 0, "stale": 0, "retired": 1}


def test_an_exclude_that_leaves_nothing_is_refused_and_removes_nothing(
    tmp_path: Path, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = vault(tmp_path, notes)
    before = make_index().ingest([root]).chunks
    monkeypatch.setenv("TUTOR_NOTES_EXCLUDE", "*")
    with pytest.raises(TutorError, match="leave no note in"):
        make_index().ingest([root])
    assert make_index().count() == before
    plan = plan_ingest(make_index(), [root])
    assert plan.refused and len(plan.remove) == 6 and plan.index == []


def test_dry_run_lists_every_note_with_what_would_happen_and_changes_nothing(
    tmp_path: Path, notes: Path
) -> None:
    root = vault(tmp_path, notes)
    make_index().ingest([root])
    (root / "rlhf-and-alignment.md").write_text("# RLHF\nRewritten.\n")
    (root / "new.md").write_text("# New\nA fresh note.\n")
    (root / "binary.md").write_bytes(b"\x00\x01binary")
    (root / ".tutorignore").write_text("private/\n")
    env = {"COLUMNS": "200"}

    result = CliRunner().invoke(app, ["ingest", str(root), "--dry-run", "--json"], env=env)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    status = {Path(p["path"]).name: p["status"] for p in plan["index"]}
    assert status["new.md"] == "new" and status["rlhf-and-alignment.md"] == "changed"
    assert status["training-finetuning-rlhf.md"] == "unchanged"
    assert plan["remove"] == [
        {"path": f"private/{RUNNING}", "reason": "excluded by 'private/' (.tutorignore line 1)"}
    ]
    result = CliRunner().invoke(app, ["ingest", str(root), "--dry-run"], env=env)
    assert "dry run, nothing changed: would index 1 new and 1 changed files" in result.output
    assert f"remove    private/{RUNNING}: excluded by 'private/'" in result.output
    assert "exclude   " in result.output
    assert ".obsidian: excluded by '.*' (default)" in result.output
    assert "skip      " in result.output and "binary.md: binary file" in result.output
    index = make_index()
    assert index.ingest([root]).removed == 1  # the dry run had removed nothing
