"""The help node: what the tutor can do, and the `/level` setting."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from tutor import prompts
from tutor.context import TutorContext, services_of
from tutor.nodes.router import last_human_text, split_command
from tutor.state import TutorState


def show_help(state: TutorState, runtime: Runtime[TutorContext]) -> dict[str, Any]:
    """List the commands; set the level on `/level X`; name an unknown command."""
    command, rest = split_command(last_human_text(state.get("messages", [])))
    if command == "/level":
        wanted = rest.lower().strip()
        if wanted in prompts.LEVELS:
            return {
                "level": wanted,
                "messages": [AIMessage(f"Explanations are now for {wanted}s.")],
            }
        current = state.get("level") or services_of(runtime).settings.level
        text = f"Your level is {current}. Set it with `/level beginner|intermediate|advanced`."
        return {"messages": [AIMessage(text)]}
    lead = f"I don't know `{command}`.\n\n" if command not in ("/help", "") else ""
    return {"messages": [AIMessage(lead + prompts.HELP)]}
