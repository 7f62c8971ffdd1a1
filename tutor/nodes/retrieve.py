"""The retrieve node: where the notes cover something, cited, with no generation."""

from __future__ import annotations

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from tutor.context import TutorContext, services_of
from tutor.knowledge.citations import source_ref
from tutor.knowledge.coverage import CLOSE, NEAR, share_in
from tutor.knowledge.markdown import FENCE, plain
from tutor.knowledge.passage import Passage
from tutor.knowledge.words import keywords
from tutor.messages import last_human_text
from tutor.prompts import FOUND_IN_NOTES, NO_NOTES, NOT_MENTIONED
from tutor.state import TutorState

EXCERPT = 280
WEAK_MATCHES = 3
"""Passages listed when none is about the topic: the nearest, marked as weak."""


def retrieve(state: TutorState, runtime: Runtime[TutorContext]) -> TutorState:
    """List the best passages as `file › heading (lines)` with a short excerpt each."""
    services = services_of(runtime)
    query = state.get("topic") or last_human_text(state.get("messages", []))
    if not query:
        return {"messages": [AIMessage("Search for what? Try `/search reward model`.")]}
    if (missing := services.missing_notes()) is not None:
        return {"messages": [AIMessage(missing)], "sources": []}
    passages, found = services.look_up(query, k=5)
    if not services.retriever.tagged(query):  # a tag's notes are all about it
        passages = on_topic(query, passages)
    text = found_in_notes(query, passages, strong=found.mentioned)
    return {"messages": [AIMessage(text)], "sources": [source_ref(p) for p in passages]}


def on_topic(topic: str, passages: list[Passage]) -> list[Passage]:
    """The passages about the topic, never padded with others: each has all its words, is
    close in meaning, or has half its words and is near; with none of those, the nearest few
    (listed as weak matches)."""
    about = [
        p
        for p in passages
        if (share := share_in(topic, p)) >= 0.99
        or p.similarity >= CLOSE
        or (share >= 0.5 and p.similarity >= NEAR)
    ]
    return about or passages[:WEAK_MATCHES]


def found_in_notes(query: str, passages: list[Passage], strong: bool) -> str:
    """Markdown listing of where the notes speak about the query."""
    if not passages:
        return NO_NOTES
    head = (FOUND_IN_NOTES if strong else NOT_MENTIONED).format(topic=query)
    lines = [head, ""]
    for n, p in enumerate(passages, start=1):
        lines.append(f"{n}. **{p.citation}**")
        lines.append(f"   {excerpt(from_mention(p.text, query))}")
    return "\n".join(lines)


def from_mention(text: str, topic: str) -> str:
    """The passage from the line that names the topic, when an excerpt from its start would
    end before it (the one LoRA line comes after a paragraph on adapters)."""
    wanted = set(keywords(topic))
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if wanted & set(keywords(line)):
            late = len(" ".join(lines[: n + 1])) > EXCERPT
            return "\n".join(["…", *lines[n:]]) if n and late else text
    return text


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The passage on one line, cut at a word boundary."""
    # Fence lines go, with their info string ("```python", a notebook's "```output").
    lines = (line.strip(" -*•") for line in text.splitlines() if not FENCE.match(line))
    lines = (line for line in lines if line)
    flat = plain(" ".join(lines))
    return flat if len(flat) <= limit else flat[:limit].rsplit(" ", 1)[0] + " …"
