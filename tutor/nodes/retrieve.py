"""The retrieve node: where the notes cover something, cited, with no generation."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from tutor.answers import source_ref
from tutor.context import TutorContext, services_of
from tutor.knowledge.compose import plain
from tutor.knowledge.retriever import Passage
from tutor.nodes.router import last_human_text
from tutor.prompts import FOUND_IN_NOTES, NO_NOTES, NOT_MENTIONED
from tutor.state import TutorState

EXCERPT = 280


def retrieve(state: TutorState, runtime: Runtime[TutorContext]) -> dict[str, Any]:
    """List the best passages as `file › heading (lines)` with a short excerpt each."""
    services = services_of(runtime)
    query = state.get("topic") or last_human_text(state.get("messages", []))
    if not query:
        return {"messages": [AIMessage("Search for what? Try `/search reward model`.")]}
    if (missing := services.missing_notes()) is not None:
        return {"messages": [AIMessage(missing)], "sources": []}
    passages, found = services.look_up(query, k=5)
    text = found_in_notes(query, passages, strong=found.mentioned)
    return {"messages": [AIMessage(text)], "sources": [source_ref(p) for p in passages]}


def found_in_notes(query: str, passages: list[Passage], strong: bool) -> str:
    """Markdown listing of where the notes speak about the query."""
    if not passages:
        return NO_NOTES
    head = (FOUND_IN_NOTES if strong else NOT_MENTIONED).format(topic=query)
    lines = [head, ""]
    for n, p in enumerate(passages, start=1):
        lines.append(f"{n}. **{p.citation}**")
        lines.append(f"   {excerpt(p.text)}")
    return "\n".join(lines)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The passage on one line, cut at a word boundary."""
    lines = (line.strip(" -*•") for line in text.splitlines() if line.strip(" `"))
    flat = plain(" ".join(lines))
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"
