"""The help node: what the tutor can do, the `/level` setting, and small talk."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from tutor import prompts
from tutor.context import TutorContext, services_of
from tutor.nodes.router import last_human_text, split_command
from tutor.state import TutorState


def show_help(state: TutorState, runtime: Runtime[TutorContext]) -> dict[str, Any]:
    """List the commands; set the level on `/level X`; answer a greeting or thanks briefly."""
    command, rest = split_command(last_human_text(state.get("messages", [])))
    if command == "/level":
        return set_level(state, runtime, rest.lower().strip())
    if command == "/skip":
        return {"messages": [AIMessage(prompts.NOTHING_TO_SKIP)]}
    if not command:
        said = rest.lower()
        reply = prompts.SMALL_TALK
        if said.startswith(("thank", "thx", "cheers")):
            reply = prompts.THANKS
        elif said.startswith("bye"):
            reply = prompts.BYE
        return {"messages": [AIMessage(reply)]}
    lead = prompts.UNKNOWN_COMMAND.format(command=command) if command != "/help" else ""
    return {"messages": [AIMessage(lead + prompts.HELP)]}


def set_level(state: TutorState, runtime: Runtime[TutorContext], wanted: str) -> dict[str, Any]:
    """Change the level explanations are pitched at, for this thread."""
    services = services_of(runtime)
    offline = prompts.LEVEL_OFFLINE if not services.settings.model else ""
    if wanted in prompts.LEVELS:
        text = prompts.LEVEL_SET.format(level=wanted) + offline
        return {"level": wanted, "messages": [AIMessage(text)]}
    current = state.get("level") or services.settings.level
    unknown = prompts.LEVEL_UNKNOWN.format(wanted=wanted) if wanted else ""
    text = unknown + prompts.LEVEL_NOW.format(level=current)
    return {"messages": [AIMessage(text)]}
