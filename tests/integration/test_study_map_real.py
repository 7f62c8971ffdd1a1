"""`tutor map` and `tutor next` as a learner runs them: the real command in subprocesses, the
real embedding model, the shipped notes, and cards rated through FSRS."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.processes import run_tutor as tutor
from tests.integration.test_slack import Slack
from tests.integration.test_slack import slack as slack  # the fixture
from tutor.config import load_settings
from tutor.learning.cards import RATING_SCORE, Rating, new_card, now, review_card
from tutor.learning.memory import LearnerMemory, close_store, open_store
from tutor.learning.questions import Question

pytestmark = pytest.mark.integration


def rated(concept: dict[str, Any], *reviews: tuple[timedelta, Rating]) -> list[dict[str, Any]]:
    """A card on each of the concept's passages, rated at these times before now."""
    cards = []
    for n, chunk_id in enumerate(concept["passages"]):
        question = Question(
            kind="recall",
            prompt=f"What is {concept['name']}? ({n})",
            reference="…",
            key_terms=[],
            source={
                "file": concept["file"],
                "heading": concept["heading"],
                "start_line": 1,
                "end_line": 2,
            },
        )
        card = new_card(question, chunk_id=chunk_id)
        for k, (before, rating) in enumerate(reviews):
            grade = {"score": RATING_SCORE[rating], "verdict": "correct", "graded_by": "rules"}
            card = review_card(card, rating, f"{card['id']}-{k}", grade, now() - before)
        cards.append(card)
    return cards


def keep(cards: list[dict[str, Any]]) -> None:
    store = open_store(load_settings())
    try:
        for card in cards:
            LearnerMemory(store, "ana").put_card(card)
    finally:
        close_store(store)


def the_map(*args: str) -> dict[str, Any]:
    return json.loads(tutor("map", "--learner", "ana", "--json", *args).stdout)


def learner_numbers() -> dict[str, dict[str, Any]]:
    """Ana's numbers per concept, as `tutor map --json` gives them."""
    return {c["id"]: c["learner"] for c in the_map()["concepts"]}


def needs(study_map: dict[str, Any], concept: str) -> list[str]:
    return [
        r["target"]
        for r in study_map["relations"]
        if r["kind"] == "prerequisite" and r["source"] == concept
    ]


KNOWN: tuple[tuple[timedelta, Rating], ...] = (
    (timedelta(days=3), "good"),
    (timedelta(hours=1), "good"),
)


def test_map_shows_a_concept_with_what_it_needs_and_refuses_what_the_notes_lack() -> None:
    shown = tutor("map", "SFT")  # the pipeline pretraining -> SFT -> RLHF
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("Supervised Fine-Tuning (SFT)  not started")
    assert "needs first:" in lines
    need = lines[lines.index("needs first:") + 1]
    assert "Pretraining" in need and "not started" in need
    assert ".md:" in lines[lines.index("needs first:") + 2]  # the notes' line that says so

    missing = tutor("map", "nosuchthing", check=False)
    assert missing.returncode == 2 and missing.stdout == ""
    assert "error: nosuchthing is not in your notes" in missing.stderr
    assert "hint: the nearest concepts your notes have: " in missing.stderr


def test_next_recommends_what_builds_on_a_mastered_concept_never_on_a_missed_one(
    tmp_path: Path,
) -> None:
    whole = the_map()  # ingests the shipped notes first
    concepts = {c["id"]: c for c in whole["concepts"]}
    needed = [r for r in whole["relations"] if r["kind"] == "prerequisite"]
    # A concept that others build on and that needs nothing itself.
    base = next(
        concepts[r["target"]]
        for r in needed
        if concepts[r["target"]]["passages"] and not any(n["source"] == r["target"] for n in needed)
    )
    keep(rated(base, *KNOWN))

    plan = json.loads(tutor("next", "--learner", "ana", "--json").stdout)
    rec = plan["recommendation"]
    assert plan["due"] == 0 and rec["builds_on"]  # it builds on what was just mastered
    assert rec["reason"] == f"you know {rec['builds_on'][0]}; {rec['name']} builds on it"
    assert rec["quiz"] == f"/quiz {rec['name']}"
    numbers = learner_numbers()
    assert numbers[base["id"]]["mastered"] and not numbers[rec["concept"]]["mastered"]
    assert all(numbers[p]["mastered"] for p in needs(whole, rec["concept"]))
    said = tutor("next", "--learner", "ana").stdout
    assert f"you know {rec['builds_on'][0]}" in said

    # A miss yesterday: nothing that builds on it is recommended, and the plan says so.
    missed = rated(base, (timedelta(days=1), "again"))
    keep([{**m, "id": f"{m['id']}-missed"} for m in missed])
    plan = json.loads(tutor("next", "--learner", "ana", "--json").stdout)
    numbers = learner_numbers()
    assert numbers[base["id"]]["failed_recently"]
    again = plan["recommendation"]["concept"]
    assert not any(numbers[p]["failed_recently"] for p in needs(whole, again))
    held = {c["name"] for c in whole["concepts"] if base["id"] in needs(whole, c["id"])}
    assert held and all(f"{name} ({base['name']})" in plan["held_back"] for name in held)
    assert plan["due"] >= 1 and base["name"] in plan["due_concepts"]  # relearning: due soon

    picture = tmp_path / "map.png"
    drawn = tutor("map", "--learner", "ana", "--png", str(picture))
    assert f"wrote {picture}" in drawn.stdout
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    refused = tutor("map", "--png", str(tmp_path / "nowhere" / "map.png"), check=False)
    assert refused.returncode == 2 and "cannot write" in refused.stderr


def test_tutor_map_and_next_as_slack_slash_commands(
    slack: Slack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stub names each response URL by the command's text: one with a topic has spaces.
    plain = slack.stub.response_url
    monkeypatch.setattr(slack.stub, "response_url", lambda key: plain(quote(key)))
    slack.command("U0ALICE", "map reward model")
    slack.settle()
    slack.command("U0ALICE", "next")
    slack.settle()
    slack.command("U0ALICE", "map nosuchthing")
    slack.settle()
    mapped, planned, unknown = slack.stub.responses
    assert mapped["response_type"] == "ephemeral"
    assert "Study map of Reward Model" in mapped["text"] and "```" in mapped["text"]
    assert "What next" in planned["text"] and "/quiz " in planned["text"]
    assert "nosuchthing is not in your notes; the nearest concepts" in unknown["text"]
