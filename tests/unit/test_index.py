"""Ingest keeps Chroma in step with the notes: incremental, resumable, never loses passages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fakes import HashEmbeddings
from tutor.config import load_settings
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.records import Records
from tutor.knowledge.retriever import HybridRetriever


def make_index(embeddings: HashEmbeddings | None = None) -> NotesIndex:
    return NotesIndex(load_settings(), embeddings or HashEmbeddings())


def texts(index: NotesIndex) -> list[str]:
    return index.everything()[1]


def assert_consistent(index: NotesIndex) -> None:
    """Chroma holds exactly the passages the records account for: no orphans, no gaps; and
    so does keyword search."""
    from tutor.knowledge.keyword_store import stored_ids

    ids = set(index.everything()[0])
    recorded = {cid for r in index.records.all() for cid in r.chunk_ids}
    assert ids == recorded
    assert stored_ids(index.records.keyword_reader()) == recorded
    assert all(r.complete for r in index.records.all())


def test_first_ingest_indexes_every_note_with_citable_metadata(notes: Path) -> None:
    index = make_index()
    report = index.ingest([notes])
    assert (report.seen, report.indexed, report.unchanged, report.skipped) == (5, 5, 0, [])
    assert report.chunks == index.count() > 100
    meta = index.everything()[2]
    files = {m["file"] for m in meta}
    assert files == {p.name for p in notes.iterdir()}
    assert all({"heading", "start_line", "end_line", "hash", "source"} <= m.keys() for m in meta)
    assert index.collection.metadata["embed_model"] == "test-hash"
    assert_consistent(index)


def test_second_ingest_skips_unchanged_files_without_embedding(notes: Path) -> None:
    fake = HashEmbeddings()
    make_index(fake).ingest([notes])
    before = fake.calls
    report = make_index(fake).ingest([notes])
    assert (report.indexed, report.unchanged, report.chunks_written) == (0, 5, 0)
    assert fake.calls == before


def test_changed_file_replaces_its_passages_and_reembeds_only_new_text(notes: Path) -> None:
    fake = HashEmbeddings()
    index = make_index(fake)
    index.ingest([notes])
    note = notes / "rlhf-and-alignment.md"
    text = note.read_text(encoding="utf-8")
    note.write_text(
        "# Preface\nA new opening line about zebras.\n\n"
        + text.replace("Alignment Tax", "Alignment Cost"),
        encoding="utf-8",
    )
    before = fake.calls
    report = index.ingest([notes])
    assert (report.indexed, report.unchanged) == (1, 4)
    assert 0 < fake.calls - before <= 3  # the preface and the edited passage, not the whole note
    joined = "\n".join(texts(index))
    assert "zebras" in joined and "Alignment Cost" in joined and "Alignment Tax" not in joined
    moved = [m for m in index.everything()[2] if "DPO (Direct" in m["heading"]]
    assert moved and moved[0]["start_line"] == 26  # line numbers follow the text down
    assert_consistent(index)


def test_deleted_file_is_removed_from_the_index(notes: Path) -> None:
    index = make_index()
    index.ingest([notes])
    (notes / "llm-running-notes.md").unlink()
    report = index.ingest([notes])
    assert report.removed == 1
    assert "llm-running-notes.md" not in {m["file"] for m in index.everything()[2]}
    assert_consistent(index)


def test_ingesting_one_file_does_not_remove_the_others(notes: Path) -> None:
    index = make_index()
    index.ingest([notes])
    count = index.count()
    report = index.ingest([notes / "rlhf-and-alignment.md"])
    assert (report.removed, report.unchanged) == (0, 1)
    assert index.count() == count


def test_bad_files_are_skipped_with_reasons_and_the_rest_goes_on(
    notes: Path, tmp_path: Path
) -> None:
    index = make_index()
    index.ingest([notes])
    count = index.count()
    (notes / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    (notes / "photo.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00IHDR" + bytes(200))
    (notes / "empty.md").write_bytes(b"")
    (notes / "huge.md").write_bytes(b"word " * 4_200_000)  # 21 MB
    (notes / "loop").symlink_to(notes)
    (notes / "good.md").write_text("# Capybaras\nCapybaras are the largest rodents.\n")
    # a note that was fine and turned to garbage keeps what was indexed from it
    (notes / "rlhf-and-alignment.md").write_bytes(b"\x00\x01\x02" * 100)
    report = index.ingest([notes, tmp_path / "no-such-folder"])
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons["broken.ipynb"].startswith("broken notebook: invalid JSON")
    assert reasons["photo.md"].startswith("binary file")
    assert reasons["empty.md"] == "empty file"
    assert reasons["huge.md"].startswith("too large (21.0 MB")
    assert reasons["loop"].startswith("symlink loop")
    assert reasons["no-such-folder"] == "path does not exist"
    assert reasons["rlhf-and-alignment.md"].startswith("binary file")
    assert "kept its 6 indexed passages" in reasons["rlhf-and-alignment.md"]
    assert report.indexed == 1 and report.removed == 0
    assert index.count() == count + 1
    assert any("Capybaras" in t for t in texts(index))
    assert_consistent(index)


def test_unreadable_file_is_skipped(notes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = Path.read_bytes

    def deny(self: Path) -> bytes:
        if self.name == "llm-running-notes.md":
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", deny)
    report = make_index().ingest([notes])
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [
        ("llm-running-notes.md", "permission denied (cannot read the file)")
    ]
    assert report.indexed == 4


def test_empty_folder_ingests_nothing_and_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    report = make_index().ingest([empty])
    assert (report.seen, report.indexed, report.chunks, report.skipped) == (0, 0, 0, [])


def test_interrupted_ingest_leaves_a_usable_index_and_the_next_run_completes(
    notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = make_index()
    index.ingest([notes / "rlhf-and-alignment.md"])
    # The worst moment: Chroma already holds a file's new passages, its record does not.
    commits = 0
    real_commit = Records.commit

    def commit_then_die(self: Records, *args: object) -> None:
        nonlocal commits
        commits += 1
        if commits == 2:
            raise KeyboardInterrupt
        real_commit(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Records, "commit", commit_then_die)
    with pytest.raises(KeyboardInterrupt):
        index.ingest([notes])
    monkeypatch.setattr(Records, "commit", real_commit)

    survivor = make_index()
    passages = HybridRetriever(index=survivor).search("reward model human preferences")
    assert passages, "the index must stay searchable after a kill"
    report = survivor.ingest([notes])
    assert report.indexed >= 3 and report.skipped == []
    assert_consistent(survivor)
    assert report.chunks == survivor.count() == make_index().ingest([notes]).chunks


def test_changing_the_embedding_model_rebuilds_the_index(notes: Path) -> None:
    make_index(HashEmbeddings("model-a")).ingest([notes])
    other = HashEmbeddings("model-b")
    index = make_index(other)
    report = index.ingest([notes])
    assert report.rebuilt_from == "model-a"
    assert report.indexed == 5 and other.calls == report.chunks
    assert index.collection.metadata["embed_model"] == "model-b"
    assert_consistent(index)


def test_home_can_move_and_the_index_goes_with_it(notes: Path, tmp_path: Path) -> None:
    index = make_index()
    index.ingest([notes])
    index.close()
    settings = load_settings()
    moved = tmp_path / "moved-home"
    shutil.copytree(settings.home, moved)
    again = NotesIndex(load_settings(home=moved), HashEmbeddings())
    assert again.ingest([notes]).unchanged == 5


def test_chromas_own_embedding_function_never_runs(
    notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chromadb.utils.embedding_functions import onnx_mini_lm_l6_v2

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("Chroma's default embedding function ran (it downloads a model)")

    monkeypatch.setattr(
        onnx_mini_lm_l6_v2.ONNXMiniLM_L6_V2, "_download_model_if_not_exists", forbidden
    )
    monkeypatch.setattr(onnx_mini_lm_l6_v2.ONNXMiniLM_L6_V2, "_forward", forbidden)
    index = make_index()
    index.ingest([notes])
    assert HybridRetriever(index=make_index()).search("dropout regularization")


def test_note_level_metadata_reaches_every_passage(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "ppo.md").write_text(
        "---\ntitle: PPO notes\ntags: [rl, alignment]\n---\n# PPO\n"
        "Clipped objective, see [[DPO|direct preference]] and [[KL]].\n"
    )
    index = make_index()
    index.ingest([vault])
    (meta,) = index.everything()[2]
    assert (meta["title"], meta["tags"], meta["links"]) == ("PPO notes", "rl, alignment", "DPO, KL")
    assert (meta["heading"], meta["start_line"]) == ("PPO", 6)
