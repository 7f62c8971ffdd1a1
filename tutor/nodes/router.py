"""The router: slash commands first, then the model's structured choice, then plain rules."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from tutor import prompts
from tutor.context import TutorContext, services_of
from tutor.state import Route, TutorState

COMMANDS: dict[str, Route] = {
    "/explain": "explain",
    "/search": "retrieve",
    "/find": "retrieve",
    "/quiz": "quiz",
    "/run": "code_run",
    "/help": "help",
    "/level": "help",
}
FENCE = re.compile(r"```")
RUN = re.compile(r"\b(run|execute)\s+(this|that|it|the code|my code)\b", re.I)
QUIZ = re.compile(r"\b(quiz|test)\s+me\b|\bask me (a )?questions?\b|^/?quiz\b", re.I)
FIND = re.compile(r"^\s*(where|find|which notes?)\b|\bwhich notes?\b|\bwhere in my notes\b", re.I)
SCAFFOLD = re.compile(
    r"^\s*(please\s+)?(can you\s+)?((quiz|test) me|ask me (a )?questions?)(\s+(on|about))?\b"
    r"|^\s*(where|which notes?|find)\b(\s+(do|does|did|is|are))?(\s+(my|the))?(\s+notes?)?"
    r"(\s+(talk about|cover|covers|mention|mentions|say about|explain|discuss))?\b",
    re.I,
)


class RouteChoice(BaseModel):
    """The model's routing decision."""

    route: Route = Field(description="explain, retrieve, quiz or code_run")
    topic: str = Field(default="", description="the concept the message is about")


def last_human_text(messages: list[AnyMessage]) -> str:
    """The text of the newest learner message."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return str(message.text)
    return ""


def split_command(text: str) -> tuple[str, str]:
    """(`/command`, rest) for a slash command, else ("", text)."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return "", stripped
    word, _, rest = stripped.partition(" ")
    if "\n" in word:
        word, _, more = word.partition("\n")
        rest = f"{more}\n{rest}".strip()
    return word.lower(), rest.strip()


def topic_of(text: str) -> str:
    """The subject of a request, without "quiz me on" / "where do my notes cover" scaffolding."""
    return SCAFFOLD.sub("", text, count=1).strip(" ?.!:")


def route_by_rules(text: str) -> Route:
    """Offline routing: code to run, then quiz requests, then finding, else explaining."""
    if FENCE.search(text) or RUN.search(text):
        return "code_run"
    if QUIZ.search(text):
        return "quiz"
    if FIND.search(text):
        return "retrieve"
    return "explain"


def route(state: TutorState, runtime: Runtime[TutorContext]) -> dict[str, Any]:
    """Pick the route for the newest message and say how it was picked."""
    text = last_human_text(state.get("messages", []))
    command, rest = split_command(text)
    if command:
        topic = rest if command in ("/run", "/level") else topic_of(rest)
        return {"route": COMMANDS.get(command, "help"), "topic": topic, "routed_by": "command"}
    services = services_of(runtime)
    if services.structured is not None and not FENCE.search(text):
        choice = services.structured(
            RouteChoice, [SystemMessage(prompts.ROUTER), HumanMessage(text)]
        )
        if choice is not None:
            return {"route": choice.route, "topic": choice.topic or text, "routed_by": "model"}
    return {"route": route_by_rules(text), "topic": topic_of(text), "routed_by": "rules"}


def next_node(state: TutorState) -> Route:
    """The conditional edge out of the router."""
    return state.get("route", "explain")
