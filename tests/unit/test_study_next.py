"""What next: due cards first, then the weakest concept the learner is ready for, with why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tutor.learning.cards import RATING_SCORE, Rating, new_card, review_card
from tutor.learning.questions import Question
from tutor.studymap import Concept, Evidence, Relation, StudyMap
from tutor.studymap.mastery import concept_mastery
from tutor.studymap.next import plan_markdown, session_plan

AT = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
NOTE = "rlhf.md"


def study_map() -> StudyMap:
    """RLHF with its part PPO; PPO needs the reward model; softmax stands alone (first in the
    notes, so it is the starting point when nothing is known)."""

    def concept(cid: str, name: str, line: int, *aliases: str) -> Concept:
        return Concept(
            cid, name, list(aliases), file=NOTE, line=line, heading=name, passages=[f"{cid}#1"]
        )

    concepts = [
        concept("softmax", "Softmax", 1),
        concept("rlhf", "RLHF", 10),
        concept("reward-model", "Reward Model", 12),
        concept("ppo", "Proximal Policy Optimization", 20, "PPO"),
    ]
    why = Evidence(NOTE, 21, "PPO maximises the reward model's score")
    return StudyMap(
        {c.id: c for c in concepts},
        [
            Relation("part_of", "ppo", "rlhf", Evidence(NOTE, 20, "## PPO")),
            Relation("prerequisite", "ppo", "reward-model", why),
        ],
    )


def card(concept: str, *reviews: tuple[timedelta, Rating], prompt: str = "") -> dict[str, Any]:
    """A card on the concept's passage, rated at these times before AT, in order."""
    heading = study_map().concepts[concept].name
    question = Question(
        kind="recall",
        prompt=prompt or f"What is {heading}?",
        reference="…",
        key_terms=[],
        source={"file": NOTE, "heading": heading, "start_line": 1, "end_line": 2},
    )
    made = new_card(question, chunk_id=f"{concept}#1")
    for n, (before, rating) in enumerate(reviews):
        grade = {"score": RATING_SCORE[rating], "verdict": "correct", "graded_by": "rules"}
        made = review_card(made, rating, f"{made['id']}-{n}", grade, AT - before)
    return made


def overdue(made: dict[str, Any]) -> dict[str, Any]:
    return {**made, "fsrs": {**made["fsrs"], "due": (AT - timedelta(hours=1)).isoformat()}}


def plan_for(cards: list[dict[str, Any]]) -> Any:
    return session_plan(study_map(), concept_mastery(study_map(), cards, AT))


KNOWN: tuple[tuple[timedelta, Rating], ...] = (
    (timedelta(days=3), "good"),
    (timedelta(hours=1), "good"),
)


def test_due_cards_come_first_with_the_concepts_they_are_on() -> None:
    cards = [
        overdue(card("softmax", (timedelta(days=3), "good"), prompt="a")),
        overdue(card("softmax", (timedelta(days=3), "hard"), prompt="b")),
        overdue(card("rlhf", (timedelta(days=3), "good"))),
    ]
    plan = plan_for(cards)

    assert plan.due == 3
    assert plan.due_concepts == ["Softmax", "RLHF"]
    steps = plan_markdown(plan).splitlines()
    assert steps[2].startswith("1. Review your 3 cards due first (Softmax, RLHF)")
    assert steps[3].startswith("2. Learn")


def test_the_weakest_concept_whose_prerequisites_are_mastered_comes_with_why() -> None:
    plan = plan_for([card("reward-model", *KNOWN), card("softmax", *KNOWN)])

    rec = plan.recommendation
    assert rec is not None and rec.name == "Proximal Policy Optimization"
    assert rec.builds_on == ["Reward Model"]
    assert rec.reason == "you know Reward Model; Proximal Policy Optimization builds on it"
    assert rec.quiz == "/quiz Proximal Policy Optimization"
    text = plan_markdown(plan)
    assert "1. Learn **Proximal Policy Optimization**: you know Reward Model" in text
    assert "2. Check it: `/quiz Proximal Policy Optimization`." in text


def test_a_concept_whose_prerequisite_is_not_mastered_waits_for_it() -> None:
    forgotten = card("reward-model", (timedelta(days=60), "good"))  # retention has decayed
    plan = plan_for([forgotten, card("softmax", *KNOWN), card("rlhf", *KNOWN)])

    assert plan.recommendation is not None
    assert plan.recommendation.name == "Reward Model"  # the weak prerequisite itself
    reason = plan.recommendation.reason
    assert reason.startswith("you retain ") and "% of it" in reason
    assert reason.endswith("; Proximal Policy Optimization builds on it")


def test_never_a_concept_whose_prerequisite_was_failed_recently() -> None:
    # Failed two days ago, then right: retention is high again, but the miss is recent.
    shaky = card("reward-model", (timedelta(days=2), "again"), *KNOWN)
    known = concept_mastery(study_map(), [shaky, card("softmax", *KNOWN), card("rlhf", *KNOWN)], AT)
    assert known["reward-model"].mastery is not None and known["reward-model"].mastery > 0.85
    assert known["reward-model"].failed_recently

    plan = session_plan(study_map(), known)

    assert plan.recommendation is not None
    assert plan.recommendation.name != "Proximal Policy Optimization"
    assert plan.held_back == ["Proximal Policy Optimization (Reward Model)"]
    assert "Waiting until you know their prerequisite again" in plan_markdown(plan)


def test_a_failure_older_than_a_week_no_longer_holds_back() -> None:
    old_miss = card("reward-model", (timedelta(days=9), "again"), *KNOWN)
    plan = plan_for([old_miss, card("softmax", *KNOWN), card("rlhf", *KNOWN)])

    assert plan.held_back == []
    assert plan.recommendation is not None
    assert plan.recommendation.name == "Proximal Policy Optimization"


def test_with_no_cards_the_plan_starts_at_a_concept_that_needs_nothing() -> None:
    plan = plan_for([])

    assert plan.due == 0 and plan.due_concepts == []
    assert plan.recommendation is not None and plan.recommendation.name == "Softmax"
    assert plan.recommendation.mastery is None
    text = plan_markdown(plan)
    assert text.splitlines()[2] == (
        "1. Learn **Softmax**: a starting point: it needs nothing else from your notes."
    )
    assert "Review" not in text


def test_when_everything_is_mastered_nothing_new_is_recommended() -> None:
    plan = plan_for([card(c, *KNOWN) for c in ("softmax", "rlhf", "reward-model", "ppo")])

    assert plan.all_mastered and plan.recommendation is None
    assert "Every concept in your notes is mastered" in plan_markdown(plan)


def test_mastery_counts_unasked_passages_and_stale_cards_by_their_place() -> None:
    stale = {**card("ppo", *KNOWN), "chunk_id": "gone", "status": "stale"}
    retired = {**card("softmax", *KNOWN), "status": "retired"}
    known = concept_mastery(study_map(), [stale, retired], AT)

    assert known["ppo"].cards == 1 and known["ppo"].mastery is not None
    assert known["ppo"].never_asked == 1  # its passage has no card of its own any more
    assert known["softmax"].cards == 0 and known["softmax"].mastery is None
    assert known["softmax"].never_asked == 1


def test_a_due_card_on_a_passage_two_concepts_share_is_counted_once() -> None:
    shared = study_map()
    shared.concepts["rlhf"].passages.append("ppo#1")
    due = overdue(card("ppo", (timedelta(days=3), "good")))
    plan = session_plan(shared, concept_mastery(shared, [due], AT))

    assert plan.due == 1
    assert plan.due_concepts == ["RLHF", "Proximal Policy Optimization"]
