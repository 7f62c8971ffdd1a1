"""The explain node: teach a concept from the notes, citing them, at the learner's level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from tutor import prompts
from tutor.context import Services, TutorContext, level_of, memory_of, services_of
from tutor.intent.topic import read_request
from tutor.knowledge.citations import (
    keep_valid_citations,
    not_covered,
    numbered_passages,
    source_ref,
    sources_footer,
    wants_general_knowledge,
    without_general_request,
)
from tutor.knowledge.coverage import Coverage, as_noted
from tutor.knowledge.passage import Passage, Source
from tutor.knowledge.tags import as_headings
from tutor.learning.cards import card_mastery, is_due, now, section_of
from tutor.learning.memory import LearnerMemory
from tutor.llm import ModelFailure
from tutor.messages import last_human_text, split_command
from tutor.state import TutorState

HISTORY = 6
"""Earlier messages the model sees, so follow-ups like "simpler, please" make sense."""


def explain(state: TutorState, runtime: Runtime[TutorContext]) -> TutorState:
    """Answer from the best passages, or say plainly that the notes do not cover it."""
    services = services_of(runtime)
    if (missing := services.missing_notes()) is not None:
        return {"messages": [AIMessage(missing)], "sources": []}
    _, asked = split_command(last_human_text(state.get("messages", [])))
    query = without_general_request(state.get("topic") or asked)
    passages, found = services.look_up(query, k=5, parts=read_request(asked).parts)
    memory = memory_of(runtime, state.get("learner"))
    level = level_of(state, services, memory)
    if not found.covered:
        note = ""
        if services.chat is not None and wants_general_knowledge(asked):
            try:
                return {"messages": [general_answer(services, state, asked, level)], "sources": []}
            except ModelFailure as failure:
                note = f"\n\n{line}" if (line := fell_back(failure, prompts.NOT_ANSWERED)) else ""
        hint = prompts.NO_GENERAL_OFFLINE if services.chat is None else prompts.ASK_GENERAL
        text = not_covered(query, passages, hint, found.unnamed) + note
        return {"messages": [AIMessage(text)], "sources": []}
    spelled = as_noted(query, services.retriever.vocabulary)
    if services.retriever.tagged(query):  # a front-matter tag: what its notes are about
        spelled = as_headings(query, passages)
    aliases = services.retriever.aliases.of(query)  # "PPO" is "Proximal Policy Optimization"
    sides = {} if found.missing else side_notes(services, found)
    if services.chat is None:
        return offline_answer(
            query, passages, found, memory, spelled=spelled, aliases=aliases, sides=sides
        )
    try:
        answer = grounded_answer(services, state, asked, passages, level, memory)
    except ModelFailure as failure:
        note = fell_back(failure)
        return offline_answer(query, passages, found, memory, note, spelled, aliases, sides)
    if extra := missing_note(found, query):
        reply = answer["messages"][0]
        answer["messages"] = [AIMessage(str(reply.text) + extra, id=reply.id)]
    return answer


@dataclass(frozen=True)
class SideNotes:
    """What the notes have on one side of a comparison, searched on its own."""

    passages: list[Passage]
    spelled: str
    """The side with the notes' own spellings added ("BLEU (blue)")."""
    aliases: list[str]
    """Other names the notes give it ("Adaptive Moment Estimation" for Adam)."""


def side_notes(services: Services, found: Coverage) -> dict[str, SideNotes]:
    """Each compared part with the passages it was judged on (searched once, by `look_up`)."""
    vocabulary, aliases = services.retriever.vocabulary, services.retriever.aliases
    return {
        part: SideNotes(passages, as_noted(part, vocabulary), aliases.of(part))
        for part, passages in found.sides.items()
    }


def offline_answer(
    query: str,
    passages: list[Passage],
    found: Coverage,
    memory: LearnerMemory | None,
    note: str = "",
    spelled: str = "",
    aliases: Sequence[str] = (),
    sides: Mapping[str, SideNotes] | None = None,
) -> TutorState:
    """The explanation composed from the notes' own sentences, with no model: the definition,
    why it matters and how it works, an example, then "See also" for remarks elsewhere. A
    comparison first defines each side from its own passages (`sides`)."""
    from tutor.knowledge.compose import compose_explanation, with_sides

    explanation = compose_explanation(query, passages, spelled=spelled, aliases=aliases)
    if sides:
        explanation = with_sides(explanation, [
            (part, compose_explanation(part, side.passages, 1, side.spelled, side.aliases))
            for part, side in sides.items()
        ])  # fmt: skip
    refs = [source_ref(p) for p in explanation.sources]
    text = explanation.to_markdown() + record_note(topic_record(memory, refs), query)
    text += missing_note(found, query) + (f"\n\n{note}" if note else "")
    return {"messages": [AIMessage(text)], "sources": refs}


def fell_back(failure: ModelFailure, done: str = "") -> str:
    """The line that says a step went its offline way, and why (once a turn: nothing when an
    earlier step already said the server failed)."""
    return failure.line(done or prompts.ANSWERED_OFFLINE)


def missing_note(found: Coverage, topic: str) -> str:
    """A line under an answer naming the compared parts the notes do not cover, or saying
    that the notes never name the topic itself and the answer is their nearest."""
    if found.missing:
        return "\n\n" + prompts.PART_MISSING.format(parts="**, **".join(found.missing))
    if found.loose:
        return "\n\n" + prompts.NEAREST_ONLY.format(topic=topic)
    return ""


def grounded_answer(
    services: Services,
    state: TutorState,
    asked: str,
    passages: list[Passage],
    level: str,
    memory: LearnerMemory | None = None,
) -> TutorState:
    """The model's answer from numbered passages, with citations checked and listed, adapted
    to the learner's level, goals, style and quiz record on these topics."""
    record = topic_record(memory, [source_ref(p) for p in passages])
    system = prompts.EXPLAIN.format(
        level=prompts.LEVELS.get(level, level), passages=numbered_passages(passages)
    ) + learner_context(memory, record)
    reply = _ask_model(services, system, state, asked)
    text, cited = keep_valid_citations(str(reply.text), len(passages))
    # An answer that cites nothing still came from these passages, so it lists them all.
    numbers = cited or list(range(1, len(passages) + 1))
    numbered = [(n, source_ref(passages[n - 1])) for n in numbers]
    refs = [ref for _, ref in numbered]
    cited_topics = {section_of(ref) for ref in refs}
    cited_record = [row for row in record if row[0] in cited_topics]
    topic = state.get("topic") or without_general_request(asked)
    footer = sources_footer(numbered) + record_note(cited_record, topic)
    message = AIMessage(text + footer, id=reply.id)
    return {"messages": [message], "sources": refs}


def topic_record(
    memory: LearnerMemory | None, sources: list[Source]
) -> list[tuple[str, float, int]]:
    """(topic, mastery, cards due) for each cited topic the learner has been quizzed on."""
    if memory is None or not sources:
        return []
    wanted = {section_of(s) for s in sources}
    at = now()
    by_topic: dict[str, list[tuple[float, bool]]] = {}
    for card in memory.cards():
        if card.get("topic") in wanted and (score := card_mastery(card)) is not None:
            by_topic.setdefault(card["topic"], []).append((score, is_due(card, at)))
    return [
        (topic, sum(s for s, _ in rows) / len(rows), sum(d for _, d in rows))
        for topic, rows in sorted(by_topic.items())
    ]


def record_note(rows: list[tuple[str, float, int]], topic: str) -> str:
    """A line under the answer: how the learner did on these topics, and what is due."""
    if not rows:
        return ""
    shown = "; ".join(
        f"{t.split(' › ')[-1]} {m:.0%} mastery" + (f", {d} due" if d else "") for t, m, d in rows
    )
    return "\n\n" + prompts.RECORD_LINE.format(topics=shown, topic=topic)


def learner_context(memory: LearnerMemory | None, rows: list[tuple[str, float, int]]) -> str:
    """What the model should know about the learner: goals, style, and their quiz record."""
    if memory is None:
        return ""
    lines = []
    profile = memory.profile()
    if profile.get("goals") or profile.get("style"):
        lines.append(
            prompts.PROFILE_LINE.format(
                goals=profile.get("goals") or "not given", style=profile.get("style") or "any"
            )
        )
    if rows:
        record = "; ".join(f"{t}: {m:.0%}" for t, m, _ in rows)
        lines.append(prompts.MASTERY_LINE.format(record=record))
    return "\n\n" + "\n".join(lines) if lines else ""


def general_answer(services: Services, state: TutorState, asked: str, level: str) -> AIMessage:
    """An answer from the model's general knowledge, marked as not coming from the notes."""
    system = prompts.GENERAL.format(level=prompts.LEVELS.get(level, level))
    reply = _ask_model(services, system, state, asked)
    return AIMessage(f"{prompts.GENERAL_LABEL}\n\n{reply.text}", id=reply.id)


def _ask_model(services: Services, system: str, state: TutorState, asked: str) -> AIMessage:
    """The learner's own words (not the router's summary), after the recent conversation."""
    history: list[AnyMessage] = list(state.get("messages", []))[-HISTORY - 1 : -1]
    return services.ask("explain", [SystemMessage(system), *history, HumanMessage(asked)])
