"""The router: slash commands and code first, then meaning (the offline intent classifier),
with a model deciding only what the classifier is unsure of."""

from __future__ import annotations

import re
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from tutor import prompts
from tutor.context import Services, TutorContext, services_of
from tutor.intent.classifier import route_of
from tutor.intent.topic import read_request, topic_of
from tutor.llm import ModelFailure
from tutor.messages import last_human_text, split_command
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
    "/map": "help",
    "/next": "help",
}
VERBATIM = ("/run", "/level", "/goal", "/style")
"""Commands whose argument is kept as typed (not reduced to a topic)."""
WORDLESS = re.compile(r"^[\W_]*$")
"""Empty, or only punctuation and emoji: nothing to route, so the help node greets."""
UNSURE = 0.3
"""Below this confidence the classifier's choice is not trusted and the turn explains
(tuned on the tuning half of evals/routing.jsonl)."""


class RouteChoice(BaseModel):
    """The model's routing decision."""

    route: Literal["explain", "retrieve", "quiz", "code_run"] = Field(
        description="explain, retrieve, quiz or code_run"
    )
    topic: str = Field(default="", description="the concept the message is about")


def route_offline(text: str) -> dict[str, Any]:
    """Route a message without a model: slash commands and code by rule, the rest by meaning.

    Returns the state keys the router sets (route, topic, routed_by, intent, asked_level),
    plus `confidence`, the classifier's probability (1 for rules)."""
    from tutor.intent.features import is_program

    command, rest = split_command(text)
    request = read_request(rest)
    base = {"asked_level": request.level, "intent": "", "confidence": 1.0}
    if command:
        topic = rest if command in VERBATIM else request.topic
        chosen = COMMANDS.get(command, "help")
        return {**base, "route": chosen, "topic": topic, "routed_by": "command"}
    if "```" in text or is_program(text):  # a code fence anywhere in the message
        return {**base, "route": "code_run", "topic": "", "routed_by": "rules"}
    if WORDLESS.match(text):
        return {**base, "route": "help", "topic": "", "routed_by": "rules", "intent": "greet"}
    from tutor.intent.classifier import shared_classifier

    reading = shared_classifier().read(text)
    sure = reading.confidence >= UNSURE
    intent = reading.intent if sure else "explain"
    return {
        **base,
        "route": route_of(intent),
        "topic": "" if route_of(intent) == "help" else request.topic,
        "routed_by": "meaning" if sure else "meaning (unsure)",
        "intent": intent,
        "confidence": reading.confidence,
    }


def choose_route(text: str, services: Services) -> dict[str, Any]:
    """The route for a message: the offline choice, or with a model, the model's for what the
    classifier is unsure of (the offline choice again if the model cannot answer)."""
    chosen = route_offline(text)
    confidence = chosen.pop("confidence")
    below = services.settings.route_model_below  # with a model, it decides under this
    unsure = chosen["routed_by"].startswith("meaning") and confidence < below
    if services.structured is not None and unsure:
        try:
            choice = services.structured(
                RouteChoice, [SystemMessage(prompts.ROUTER), HumanMessage(text)], kind="route"
            )
        except ModelFailure as failure:
            choice = None
            chosen["routed_by"] += " (model failed)"
            chosen["notice"] = failure.line(prompts.ROUTED_OFFLINE)
        if choice is not None:
            topic = topic_of(choice.topic) if choice.topic else chosen["topic"]
            by_model = {"route": choice.route, "intent": choice.route, "routed_by": "model"}
            chosen |= {**by_model, "topic": topic}
    return chosen


def route(state: TutorState, runtime: Runtime[TutorContext]) -> dict[str, Any]:
    """Pick the route for the newest message and say how it was picked."""
    text = last_human_text(state.get("messages", []))
    chosen = choose_route(text, services_of(runtime))
    notice = chosen.pop("notice", None)
    said = {"messages": [AIMessage(notice)]} if notice else {}
    return {**chosen, **said, "sources": []}


def next_node(state: TutorState) -> Route:
    """The conditional edge out of the router."""
    return state.get("route", "explain")
