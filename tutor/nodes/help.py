"""The help node: what the tutor can do, the learner's level, goals, style and progress, and
small talk (with a nudge when cards are due)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from tutor import prompts
from tutor.context import Services, TutorContext, level_of, memory_of, services_of
from tutor.errors import TutorError
from tutor.learning.cards import is_due, now
from tutor.learning.memory import LearnerMemory
from tutor.learning.refresh import current_cards
from tutor.messages import last_human_text, split_command
from tutor.state import TutorState


def show_help(state: TutorState, runtime: Runtime[TutorContext]) -> TutorState:
    """List the commands; set the level on `/level X`; answer a greeting or thanks briefly."""
    command, rest = split_command(last_human_text(state.get("messages", [])))
    memory = memory_of(runtime, state.get("learner"))
    if command == "/level":
        return set_level(state, runtime, rest.lower().strip())
    if command in ("/progress", "/goal", "/style", "/profile"):
        if memory is None:
            return {"messages": [AIMessage(prompts.NO_MEMORY)]}
        return {"messages": [AIMessage(about_learner(command, rest, memory, state, runtime))]}
    if command in ("/map", "/next"):
        return {"messages": [AIMessage(study_reply(command, rest, memory, services_of(runtime)))]}
    if command == "/skip":
        return {"messages": [AIMessage(prompts.NOTHING_TO_SKIP)]}
    if not command and state.get("intent") != "about":
        reply = SMALL_TALK.get(state.get("intent", ""), prompts.SMALL_TALK)
        return {"messages": [AIMessage(with_due_nudge(reply, memory, services_of(runtime)))]}
    lead = prompts.UNKNOWN_COMMAND.format(command=command) if command not in ("/help", "") else ""
    return {
        "messages": [AIMessage(with_due_nudge(lead + prompts.HELP, memory, services_of(runtime)))]
    }


SMALL_TALK = {"thanks": prompts.THANKS, "bye": prompts.BYE}
"""Replies to small talk by intent; a greeting (or anything else) gets prompts.SMALL_TALK."""
PROFILE_CHARS = 300
"""Goals and style are kept short: they go into every explanation's prompt."""


def with_due_nudge(text: str, memory: LearnerMemory | None, services: Services) -> str:
    """The reply, plus a suggestion to review when the learner has cards due."""
    if memory is None:
        return text
    at = now()
    due = sum(is_due(c, at) for c in current_cards(memory, services.index.records))
    if not due:
        return text
    return f"{text}\n\n{prompts.DUE_NUDGE.format(due=prompts.counted(due, 'card'))}"


def study_reply(command: str, rest: str, memory: LearnerMemory | None, services: Services) -> str:
    """`/map [TOPIC]`: the study map with the learner's mastery; `/next`: what to study now."""
    from tutor.studymap.mastery import concept_mastery
    from tutor.studymap.next import plan_markdown, session_plan
    from tutor.studymap.render import map_markdown, narrow

    missing = services.missing_notes()
    if missing:
        return missing
    try:
        study_map, concept = narrow(services.study_map(), rest if command == "/map" else "")
    except TutorError as unknown:  # a topic the notes do not have: say so, offer the nearest
        return f"{unknown.message}; {unknown.hint}." if unknown.hint else f"{unknown.message}."
    cards = current_cards(memory, services.index.records) if memory is not None else []
    known = concept_mastery(study_map, cards, now())
    if command == "/next":
        return plan_markdown(session_plan(study_map, known))
    return map_markdown(study_map, known, concept)


def about_learner(
    command: str, rest: str, memory: LearnerMemory, state: TutorState, runtime: Any
) -> str:
    """`/progress`, `/goal TEXT`, `/style TEXT` and `/profile`."""
    if command == "/progress":
        from tutor.learning.progress import progress_markdown, progress_report

        cards = current_cards(memory, services_of(runtime).index.records)
        return progress_markdown(progress_report(cards, now()))
    rest = rest[:PROFILE_CHARS]
    offline = prompts.PROFILE_OFFLINE if services_of(runtime).chat is None else ""
    if command == "/goal" and rest:
        memory.update_profile(goals=rest)
        return prompts.GOAL_SET.format(goal=rest) + offline
    if command == "/style" and rest:
        memory.update_profile(style=rest)
        return prompts.STYLE_SET.format(style=rest) + offline
    profile = memory.profile()
    level = level_of(state, services_of(runtime), memory)
    return prompts.PROFILE_NOW.format(
        level=level, goals=profile.get("goals") or "none yet", style=profile.get("style") or "any"
    )


def set_level(state: TutorState, runtime: Runtime[TutorContext], wanted: str) -> TutorState:
    """Change the level explanations are pitched at, for this thread."""
    services = services_of(runtime)
    offline = prompts.LEVEL_OFFLINE if not services.settings.model else ""
    memory = memory_of(runtime, state.get("learner"))
    if wanted in prompts.LEVELS:
        text = prompts.LEVEL_SET.format(level=wanted) + offline
        if memory is None:  # no store (a bare graph): the level holds for this thread
            return {"level": wanted, "messages": [AIMessage(text)]}
        memory.update_profile(level=wanted)  # the learner's, in every thread and interface
        return {"messages": [AIMessage(text)]}
    current = level_of(state, services, memory)
    unknown = prompts.LEVEL_UNKNOWN.format(wanted=wanted) if wanted else ""
    text = unknown + prompts.LEVEL_NOW.format(level=current)
    return {"messages": [AIMessage(text)]}
