"""The router: slash commands first, then the model's structured choice, then plain rules."""

from __future__ import annotations

import re
from typing import Any, Literal

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
    "/progress": "help",
    "/goal": "help",
    "/style": "help",
    "/profile": "help",
}
VERBATIM = ("/run", "/level", "/goal", "/style")
"""Commands whose argument is kept as typed (not reduced to a topic)."""
FENCE = re.compile(r"```")
RUN = re.compile(
    r"\b(run|execute)\s+(this|that|it|the code|my code)\b|^\s*(please\s+)?run\b"
    r"|\bin (python )?code\b|\bdemonstrat|\bwith code\b",
    re.I,
)
QUIZ = re.compile(
    r"\b(quiz|test)\s+me\b|\bask me (a )?(question|questions|about)\b"
    r"|\bgive me (a |another )?(question|quiz)|^/?quiz\b",
    re.I,
)
FIND = re.compile(
    r"^\s*(where|find)\b|\b(which|what) notes?\b|\bwhere in my notes\b|\bwhere did i\b",
    re.I,
)
SMALL_TALK = re.compile(
    r"^\s*(hi|hello|hey|thanks|thank you|thx|cheers|ok|okay|cool|great|bye)\b"
    r"[\s!.,:)]*(there|tutor)?[\s!.,:)]*$",
    re.I,
)
POLITE = r"^\s*(please\s+)?((can|could|would) you\s+)?"
SCAFFOLD = re.compile(
    POLITE + r"(((quiz|test) me|ask me (a )?questions?|give me (a |another )?(question|quiz))"
    r"(\s+(on|about))?"
    r"|where did i (write|note|take notes?|read)( about)?"
    r"|(where|which notes?|what notes?|find)\b(\s+(do|does|did|is|are))?(\s+(my|the))?"
    r"(\s+notes?)?(\s+(talk about|talks about|cover|covers|mention|mentions|say about|explain"
    r"|discuss|discusses|has|have))?"
    r"|(explain|describe|define|tell me about|teach me( about)?)"
    r"|(what|who)\s+(is|are|was|were)|how\s+(do|does|did|is|are|can)|why\s+(do|does|is|are))\b",
    re.I,
)
TRAILING = re.compile(
    r"\s+(work|works|mean|means|mentioned|covered|discussed|defined|explained)$", re.I
)


class RouteChoice(BaseModel):
    """The model's routing decision."""

    route: Literal["explain", "retrieve", "quiz", "code_run"] = Field(
        description="explain, retrieve, quiz or code_run"
    )
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
    """The subject of a request: "where is Zephyr mentioned?" → "Zephyr"."""
    topic = SCAFFOLD.sub("", text, count=1).strip(" ?.!:")
    topic = re.sub(r"^(the|a|an)\s+", "", topic, flags=re.I)
    return TRAILING.sub("", topic).strip(" ?.!:")


def route_by_rules(text: str) -> Route:
    """Offline routing: code to run, then quiz requests, then finding, else explaining."""
    if SMALL_TALK.match(text):
        return "help"
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
        topic = rest if command in VERBATIM else topic_of(rest)
        route = COMMANDS.get(command, "help")
        return {"route": route, "topic": topic, "routed_by": "command", "sources": []}
    services = services_of(runtime)
    if services.structured is not None and not FENCE.search(text):
        choice = services.structured(
            RouteChoice, [SystemMessage(prompts.ROUTER), HumanMessage(text)]
        )
        if choice is not None:
            topic = choice.topic or topic_of(text)
            return {"route": choice.route, "topic": topic, "routed_by": "model", "sources": []}
    rules = route_by_rules(text)
    return {"route": rules, "topic": topic_of(text), "routed_by": "rules", "sources": []}


def next_node(state: TutorState) -> Route:
    """The conditional edge out of the router."""
    return state.get("route", "explain")
