"""The question bank built at ingest, and learners' cards kept in step when notes change."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import HashEmbeddings
from tutor.config import load_settings
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.passage import Passage
from tutor.knowledge.records import Records
from tutor.learning import bank as bank_module
from tutor.learning.cards import new_card, now, question_id, review_card
from tutor.learning.memory import LearnerMemory
from tutor.learning.questions import Question
from tutor.learning.refresh import card_status, refresh_cards, regenerate
from tutor.learning.structure import norm

RLHF = "rlhf-and-alignment.md"
RUNNING = "llm-running-notes.md"


def make_index() -> NotesIndex:
    """The index as the tutor opens it, its bank built by `build_bank` (looked up at each
    ingest, so a test can spy on it)."""
    return NotesIndex(
        load_settings(), HashEmbeddings(), questions=lambda ps: bank_module.build_bank(ps)
    )


def bank_of(index: NotesIndex, file: str) -> dict[str, list[dict[str, Any]]]:
    ids = index.of_file(file)[0]
    return index.records.questions_for(ids)


def banked_chunks(records: Records) -> set[str]:
    """Every chunk id the bank holds questions for, orphans included."""
    return {row[0] for row in records.db.execute("SELECT DISTINCT chunk_id FROM questions")}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def reviewed_card(index: NotesIndex, file: str, prompt: str) -> dict[str, Any]:
    """A card on a banked question of `file`, reviewed once so it has a schedule and history."""
    for chunk_id, questions in bank_of(index, file).items():
        for q in questions:
            if q["prompt"] == prompt:
                card = new_card(Question.from_dict(q), chunk_id, q["qid"])
                grade = {"score": 0.9, "verdict": "correct"}
                return review_card(card, "good", "r1", grade, now())
    raise AssertionError(f"no banked question {prompt!r} in {file}")


@pytest.fixture
def memory() -> LearnerMemory:
    from langgraph.store.memory import InMemoryStore

    return LearnerMemory(InMemoryStore(), "ada")


def test_ingest_banks_questions_for_most_passages_each_prompt_once_a_note(notes: Path) -> None:
    index = make_index()
    index.ingest([notes])
    ids, _, metas = index.everything()
    where = dict(zip(ids, metas, strict=True))
    bank = index.records.questions_for(ids, by="rules")
    assert len(bank) >= 0.7 * len(ids)
    assert index.records.question_count("rules") == sum(map(len, bank.values())) > 250
    for file in {m["file"] for m in metas}:
        prompts = [
            norm(q["prompt"]) for cid in bank if where[cid]["file"] == file for q in bank[cid]
        ]
        assert prompts and len(prompts) == len(set(prompts)), file
    for chunk_id, questions in bank.items():
        for q in questions:
            assert q["reference"].strip() and q["qid"] == question_id(
                chunk_id, Question.from_dict(q)
            )
            meta = where[chunk_id]
            assert (q["source"]["file"], q["source"]["heading"]) == (meta["file"], meta["heading"])
            assert q["source"]["start_line"] == meta["start_line"]


def test_editing_a_note_rebuilds_only_its_questions(
    notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = make_index()
    index.ingest([notes])
    before = {f: bank_of(index, f) for f in {m["file"] for m in index.everything()[2]}}
    built: list[str] = []
    real_build = bank_module.build_bank

    def spy(passages: Sequence[Passage]) -> dict[str, list[dict[str, Any]]]:
        built.append(passages[0].file)
        return real_build(passages)

    monkeypatch.setattr(bank_module, "build_bank", spy)
    edit(notes / RLHF, "**Alignment Tax**", "**Alignment Cost**")
    index.ingest([notes])

    assert built == [RLHF]
    after = bank_of(index, RLHF)
    prompts = {q["prompt"] for qs in after.values() for q in qs}
    assert "What is Alignment Cost?" in prompts and "What is Alignment Tax?" not in prompts
    vanished = set(before[RLHF]) - set(after)
    assert len(vanished) == 1 and not index.records.questions_for(sorted(vanished))
    assert banked_chunks(index.records) <= set(index.everything()[0])
    assert all(bank_of(index, f) == qs for f, qs in before.items() if f != RLHF)


def test_deleting_a_note_drops_its_questions(notes: Path) -> None:
    index = make_index()
    index.ingest([notes])
    gone = bank_of(index, RUNNING)
    total = index.records.question_count()
    (notes / RUNNING).unlink()
    index.ingest([notes])
    assert gone and not index.records.questions_for(sorted(gone))
    assert index.records.question_count() == total - sum(map(len, gone.values()))
    assert RUNNING not in index.records.chunk_files().values()


def test_model_questions_survive_a_reingest_and_go_with_their_chunk(notes: Path) -> None:
    index = make_index()
    index.ingest([notes])
    ids, _, metas = index.of_file(RLHF)
    chunks = {m["heading"].split(" › ")[-1]: cid for cid, m in zip(ids, metas, strict=True)}
    kept, edited = chunks["1. The Pipeline"], chunks["5. Challenges"]
    written = {"kind": "recall", "prompt": "Why align?", "reference": "To be safe.", "qid": "m1"}
    for chunk_id in (kept, edited):
        index.records.put_questions(chunk_id, "model", [{**written, "source": {}}])
    rules = index.records.question_count("rules")

    edit(notes / RLHF, "**Alignment Tax**", "**Alignment Cost**")
    report = index.ingest([notes])

    assert report.indexed == 1
    assert index.records.questions_for([kept], by="model")[kept][0]["prompt"] == "Why align?"
    assert not index.records.questions_for([edited], by="model")
    assert index.records.question_count("rules") == rules  # rebuilt, not piled up
    assert index.records.question_count("model") == 1


def test_a_note_reverted_after_a_killed_ingest_keeps_no_questions_of_the_lost_edit(
    notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = make_index()
    index.ingest([notes])
    original = (notes / RLHF).read_text(encoding="utf-8")
    edit(notes / RLHF, "**Alignment Tax**", "**Alignment Cost**")

    def die(self: Records, *args: object) -> None:
        raise KeyboardInterrupt  # the edited note's bank is written, its record is not

    real_commit = Records.commit
    monkeypatch.setattr(Records, "commit", die)
    with pytest.raises(KeyboardInterrupt):
        index.ingest([notes])
    monkeypatch.setattr(Records, "commit", real_commit)
    (notes / RLHF).write_text(original, encoding="utf-8")

    survivor = make_index()
    assert survivor.ingest([notes]).indexed == 1
    assert banked_chunks(survivor.records) <= set(survivor.everything()[0])
    prompts = {q["prompt"] for qs in bank_of(survivor, RLHF).values() for q in qs}
    assert "What is Alignment Tax?" in prompts and "What is Alignment Cost?" not in prompts


def test_a_card_whose_passage_changed_is_regenerated_with_its_schedule(
    notes: Path, memory: LearnerMemory
) -> None:
    index = make_index()
    index.ingest([notes])
    card = reviewed_card(index, RLHF, "What is KL Divergence Penalty?")
    steady = reviewed_card(index, RLHF, "What is Constitution?")
    memory.put_card(card)
    memory.put_card(steady)
    edit(notes / RLHF, "Prevents the model from drifting", "Keeps the model from drifting")
    index.ingest([notes])

    assert refresh_cards(memory, index.records) == {"active": 1, "stale": 1, "retired": 0}
    stale = memory.card(card["id"])
    assert stale is not None and stale["status"] == "stale"

    renewed = regenerate(stale, index)
    assert renewed is not None
    assert (renewed["id"], renewed["fsrs"], renewed["history"]) == (
        card["id"],
        card["fsrs"],
        card["history"],
    )
    assert renewed["status"] == "active" and renewed["regenerated"]
    assert card_status(renewed, index.records.chunk_files()) == "active"
    assert renewed["chunk_id"] != card["chunk_id"]
    assert renewed["question"]["prompt"] == "What is KL Divergence Penalty?"
    assert renewed["question"]["reference"].startswith("Keeps the model")
    assert renewed["source"]["heading"] == card["source"]["heading"]
    assert renewed["topic"] == card["topic"]


def test_a_card_follows_its_passage_to_a_renamed_heading(notes: Path) -> None:
    index = make_index()
    index.ingest([notes])
    card = reviewed_card(
        index,
        RLHF,
        "Fill in the blank: You don't need a separate Reward Model or complex _____ loop.",
    )
    edit(notes / RLHF, "## 3. DPO (Direct Preference Optimization)", "## 3. Direct Preference")
    index.ingest([notes])

    renewed = regenerate(card, index)
    assert renewed is not None
    assert renewed["source"]["heading"] == "RLHF & Alignment › 3. Direct Preference"
    assert renewed["question"]["kind"] == "cloze"
    assert renewed["history"] == card["history"]


def test_a_card_whose_section_is_gone_is_not_moved_to_another_one(notes: Path) -> None:
    index = make_index()
    index.ingest([notes])
    card = reviewed_card(index, RLHF, "What is Alignment Tax?")
    text = (notes / RLHF).read_text(encoding="utf-8")
    (notes / RLHF).write_text(text.split("## 5. Challenges")[0], encoding="utf-8")
    index.ingest([notes])

    assert card_status(card, index.records.chunk_files()) == "stale"
    assert regenerate(card, index) is None


def test_an_index_without_a_bank_still_regenerates(notes: Path) -> None:
    index = make_index()
    index.ingest([notes])
    card = reviewed_card(index, RLHF, "What is KL Divergence Penalty?")
    edit(notes / RLHF, "Prevents the model from drifting", "Keeps the model from drifting")
    index.ingest([notes])
    index.records.db.execute("DELETE FROM questions")  # as ingested before the bank existed

    renewed = regenerate(card, index)
    assert renewed is not None
    assert renewed["question"]["reference"].startswith("Keeps the model")


def test_a_card_whose_note_is_deleted_retires(notes: Path, memory: LearnerMemory) -> None:
    index = make_index()
    index.ingest([notes])
    card = reviewed_card(index, RUNNING, "What is Red Teaming in LLM Context?")
    memory.put_card(card)
    (notes / RUNNING).unlink()
    index.ingest([notes])

    assert refresh_cards(memory, index.records) == {"active": 0, "stale": 0, "retired": 1}
    retired = memory.card(card["id"])
    assert retired is not None and retired["status"] == "retired"
    assert retired["history"] == card["history"]
    assert regenerate(card, index) is None
