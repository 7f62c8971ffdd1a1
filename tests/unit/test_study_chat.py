"""`/map`, `/next`, `tutor map` and `tutor next` on the shipped notes, read like transcripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import MakeTutor
from tutor.cli import app
from tutor.learning.memory import LearnerMemory

runner = CliRunner()


def test_map_and_next_in_chat_show_the_notes_concepts_and_a_rated_card(
    make_tutor: MakeTutor,
) -> None:
    tutor = make_tutor()
    whole = tutor.ask("/map", "s1")
    assert whole.route == "help"
    assert whole.answer.startswith("**Study map** · ")
    assert "not started" in whole.answer and "narrow it with `/map TOPIC`" in whole.answer

    narrowed = tutor.ask("/map reward model", "s1").answer
    assert narrowed.startswith("**Study map of Reward Model")
    assert "needs first:" in narrowed or "builds on it:" in narrowed
    unknown = tutor.ask("/map nosuchthing", "s1").answer
    assert unknown.startswith("nosuchthing is not in your notes; the nearest concepts")

    first = tutor.ask("/next", "s1").answer
    assert first.startswith("**What next**") and "a starting point" in first
    assert "Review your" not in first  # no cards yet, so none due

    tutor.ask("/quiz reward model", "q1")
    tutor.ask("humans rank pairs of answers", "q1")
    tutor.ask("good", "q1")
    (card,) = LearnerMemory(tutor.store, "default").cards()
    rated = next(
        c for c in tutor.services.study_map().concepts.values() if card["chunk_id"] in c.passages
    )
    shown = tutor.ask(f"/map {rated.name}", "s1").answer
    tree = shown.split("```")[1].strip().splitlines()
    assert tree[0].startswith(rated.name) and "█" in tree[0]  # a mastery bar, not "not started"


@pytest.mark.usefixtures("fake_model")
def test_tutor_map_and_next_on_the_command_line() -> None:
    tree = runner.invoke(app, ["map"])
    assert tree.exit_code == 0, tree.output
    assert "not started" in tree.stdout and "├─ " in tree.stdout

    shown = json.loads(runner.invoke(app, ["map", "reward model", "--json"]).stdout)
    asked = next(c for c in shown["concepts"] if c["id"] == shown["concept"])
    assert asked["name"].startswith("Reward Model")
    assert asked["learner"] == {
        "cards": 0,
        "reviewed": 0,
        "mastery": None,
        "mastered": False,
        "due": 0,
        "never_asked": len(asked["passages"]),
        "failed_recently": False,
    }
    assert all(r["evidence"]["file"].endswith(".md") for r in shown["relations"])

    missing = runner.invoke(app, ["map", "nosuchthing"])
    assert missing.exit_code == 2
    assert "error: nosuchthing is not in your notes" in missing.stderr
    assert "hint: the nearest concepts your notes have:" in missing.stderr

    mermaid = runner.invoke(app, ["map", "--mermaid"]).stdout
    assert mermaid.startswith("graph TD\n") and "classDef mastered" in mermaid
    both = runner.invoke(app, ["map", "--json", "--mermaid"])
    assert both.exit_code == 2 and "choose one of them" in both.stderr

    plan = json.loads(runner.invoke(app, ["next", "--json"]).stdout)
    assert plan["due"] == 0 and plan["recommendation"]["reason"].startswith("a starting point")
    said = runner.invoke(app, ["next"]).stdout
    assert "What next" in said and plan["recommendation"]["quiz"] in said


@pytest.mark.usefixtures("fake_model")
def test_with_no_notes_map_and_next_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_NOTES", str(tmp_path / "no-notes"))
    gone = runner.invoke(app, ["map"])
    assert gone.exit_code == 2
    assert "the index is empty and the notes folder" in gone.stderr
    assert "does not exist" in gone.stderr and "Traceback" not in gone.output

    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("TUTOR_NOTES", str(tmp_path / "empty"))
    empty = runner.invoke(app, ["next"])
    assert empty.exit_code == 2
    assert "Nothing could be indexed from" in empty.stderr and "tutor ingest" in empty.stderr
