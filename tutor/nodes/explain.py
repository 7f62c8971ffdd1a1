"""The explain node: teach a concept from the notes, citing them, at the learner's level."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from tutor import prompts
from tutor.answers import (
    keep_valid_citations,
    not_covered,
    numbered_passages,
    source_ref,
    sources_footer,
    wants_general_knowledge,
    without_general_request,
)
from tutor.context import Services, TutorContext, services_of
from tutor.knowledge.retriever import Passage, notes_cover
from tutor.models import model_errors
from tutor.nodes.router import last_human_text, split_command
from tutor.state import TutorState

HISTORY = 6
"""Earlier messages the model sees, so follow-ups like "simpler, please" make sense."""


def explain(state: TutorState, runtime: Runtime[TutorContext]) -> dict[str, Any]:
    """Answer from the best passages, or say plainly that the notes do not cover it."""
    services = services_of(runtime)
    if (missing := services.missing_notes()) is not None:
        return {"messages": [AIMessage(missing)], "sources": []}
    _, asked = split_command(last_human_text(state.get("messages", [])))
    query = without_general_request(state.get("topic") or asked)
    passages = services.search(query, k=5)
    level = state.get("level") or services.settings.level
    if not notes_cover(query, passages):
        if services.chat is not None and wants_general_knowledge(asked):
            return {"messages": [general_answer(services, state, asked, level)], "sources": []}
        hint = prompts.NO_GENERAL_OFFLINE if services.chat is None else prompts.ASK_GENERAL
        return {"messages": [AIMessage(not_covered(query, passages, hint))], "sources": []}
    if services.chat is None:
        from tutor.knowledge.compose import compose_explanation

        explanation = compose_explanation(query, passages)
        refs = [source_ref(p) for p in explanation.sources]
        return {"messages": [AIMessage(explanation.to_markdown())], "sources": refs}
    return grounded_answer(services, state, asked, passages, level)


def grounded_answer(
    services: Services, state: TutorState, asked: str, passages: list[Passage], level: str
) -> dict[str, Any]:
    """The model's answer from numbered passages, with citations checked and listed."""
    system = prompts.EXPLAIN.format(
        level=prompts.LEVELS.get(level, level), passages=numbered_passages(passages)
    )
    reply = _ask_model(services, system, state, asked)
    text, cited = keep_valid_citations(str(reply.text), len(passages))
    # An answer that cites nothing still came from these passages, so it lists them all.
    numbers = cited or list(range(1, len(passages) + 1))
    numbered = [(n, source_ref(passages[n - 1])) for n in numbers]
    message = AIMessage(text + sources_footer(numbered), id=reply.id)
    return {"messages": [message], "sources": [ref for _, ref in numbered]}


def general_answer(services: Services, state: TutorState, asked: str, level: str) -> AIMessage:
    """An answer from the model's general knowledge, marked as not coming from the notes."""
    system = prompts.GENERAL.format(level=prompts.LEVELS.get(level, level))
    reply = _ask_model(services, system, state, asked)
    return AIMessage(f"{prompts.GENERAL_LABEL}\n\n{reply.text}", id=reply.id)


def _ask_model(services: Services, system: str, state: TutorState, asked: str) -> AIMessage:
    """The learner's own words (not the router's summary), after the recent conversation."""
    history: list[AnyMessage] = list(state.get("messages", []))[-HISTORY - 1 : -1]
    messages = [SystemMessage(system), *history, HumanMessage(asked)]
    assert services.chat is not None
    with model_errors(services.settings):
        reply = services.chat.invoke(messages)
    return AIMessage(str(reply.text), id=reply.id)
