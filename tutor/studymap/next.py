"""What to study next, in one session: due cards first, then one concept to learn, with why.

The concept is the weakest one whose prerequisites are all mastered (`mastery.MASTERED`, no
`again` in the last week); a concept whose prerequisite the learner failed recently is never
chosen, however weak, because it would build on what did not hold.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from tutor import prompts
from tutor.studymap.concepts import Concept, StudyMap
from tutor.studymap.mastery import ConceptMastery, Known, mastery_of
from tutor.studymap.render import builders

DUE_SHOWN = 3
"""Concepts named beside the due count: the ones with most due."""


@dataclass(frozen=True)
class Recommendation:
    """The concept to study next, and why."""

    concept: str
    """The concept's id."""
    name: str
    mastery: float | None
    """Its mastery now (None: not started)."""
    builds_on: list[str]
    """The names of its mastered prerequisites (empty for a starting point)."""
    reason: str
    """One line saying why this concept, naming a mastered prerequisite when it has one."""
    quiz: str
    """The command that quizzes it (`/quiz NAME`)."""


@dataclass(frozen=True)
class SessionPlan:
    """One session's plan: the due cards, then the recommended concept (if any)."""

    due: int
    """Cards due now, over every concept (each card once)."""
    due_concepts: list[str]
    """Names of the concepts with most cards due, most first (at most `DUE_SHOWN`)."""
    recommendation: Recommendation | None
    held_back: list[str] = field(default_factory=list)
    """Concepts left out because a prerequisite was failed recently (`name (prerequisite)`)."""
    all_mastered: bool = False
    """Every concept of the map is mastered: nothing is recommended."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-able."""
        return asdict(self)


def session_plan(study_map: StudyMap, known: Known) -> SessionPlan:
    """The plan for one session from the map and the learner's mastery per concept."""

    def of(cid: str) -> ConceptMastery:
        return mastery_of(known, study_map.concepts[cid])

    names = {cid: c.name for cid, c in study_map.concepts.items()}
    due = Counter({cid: of(cid).due for cid in study_map.concepts if of(cid).due})
    held_back: list[str] = []
    ready: list[tuple[tuple[float, int, tuple[str, int]], Concept, list[str]]] = []
    for cid, concept in study_map.concepts.items():
        if of(cid).mastered or not concept.passages:
            continue
        needs = study_map.prerequisites(cid)
        prerequisites = [p for p in dict.fromkeys(needs) if p in study_map.concepts and p != cid]
        failed = [p for p in prerequisites if of(p).failed_recently]
        if failed:
            held_back.append(f"{concept.name} ({names[failed[0]]})")
            continue
        if all(of(p).mastered for p in prerequisites):
            weakness = of(cid).mastery or 0.0
            # Weakest first; on a tie, the one building on most mastered concepts, then the
            # notes' order (starting points are read first).
            place = (concept.file, concept.line)
            ready.append(((weakness, -len(prerequisites), place), concept, prerequisites))
    recommendation = None
    if ready:
        _, concept, prerequisites = min(ready, key=lambda r: r[0])
        after = [names[b] for b in builders(study_map, concept.id) if b in names]
        recommendation = _recommend(
            concept, of(concept.id), [names[p] for p in prerequisites], after
        )
    taught = [cid for cid, c in study_map.concepts.items() if c.passages]
    all_mastered = bool(taught) and all(of(cid).mastered for cid in taught)
    return SessionPlan(
        due=len(frozenset().union(*(of(cid).due_cards for cid in study_map.concepts))),
        due_concepts=[names[cid] for cid, _ in due.most_common(DUE_SHOWN)],
        recommendation=recommendation,
        held_back=held_back,
        all_mastered=all_mastered,
    )


def _recommend(
    concept: Concept, known: ConceptMastery, builds_on: list[str], after: list[str]
) -> Recommendation:
    if builds_on:
        reason = prompts.NEXT_BUILDS_ON.format(known=builds_on[0], concept=concept.name)
    elif known.mastery is not None:
        reason = prompts.NEXT_WEAKEST.format(mastery=f"{known.mastery:.0%}")
        reason += prompts.NEXT_UNLOCKS.format(after=after[0]) if after else ""
    else:
        reason = prompts.NEXT_START.format(concept=concept.name)
    return Recommendation(
        concept=concept.id,
        name=concept.name,
        mastery=known.mastery,
        builds_on=builds_on,
        reason=reason,
        quiz=f"/quiz {concept.name}",
    )


def plan_markdown(plan: SessionPlan) -> str:
    """The plan as chat shows it: numbered steps, due cards first."""
    steps = []
    if plan.due:
        cards = prompts.counted(plan.due, "card")
        steps.append(prompts.NEXT_DUE.format(cards=cards, where=", ".join(plan.due_concepts)))
    rec = plan.recommendation
    if rec is not None:
        steps.append(prompts.NEXT_LEARN.format(concept=rec.name, reason=rec.reason))
        steps.append(prompts.NEXT_QUIZ.format(quiz=rec.quiz))
    elif plan.all_mastered:
        steps.append(prompts.NEXT_ALL_MASTERED)
    else:
        steps.append(prompts.NEXT_NOTHING_READY)
    lines = [prompts.NEXT_TITLE, ""]
    lines += [f"{n}. {step}" for n, step in enumerate(steps, 1)]
    if plan.held_back:
        lines += ["", prompts.NEXT_HELD_BACK.format(concepts="; ".join(plan.held_back[:3]))]
    return "\n".join(lines)
