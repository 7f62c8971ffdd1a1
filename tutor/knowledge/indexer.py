"""The indexer graph: notes on disk in, an up-to-date index and an ingest report out.

It shares the index and settings with the tutor graph, so `langgraph dev` and
LangGraph Studio can re-index the notes the same way `tutor ingest` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from tutor.config import load_settings

if TYPE_CHECKING:
    from tutor.knowledge.index import QuestionBank


@dataclass
class IndexerContext:
    """Run settings for one indexing run; empty fields fall back to the environment."""

    home: str = ""
    """TUTOR_HOME for this run."""

    notes: str = ""
    """The notes folder to ingest when no paths are given (TUTOR_NOTES)."""


class IndexerState(TypedDict, total=False):
    """What goes in (paths) and what comes out (the report)."""

    paths: list[str]
    report: dict[str, Any]


def build_indexer(
    questions: QuestionBank | None = None,
) -> StateGraph[IndexerState, IndexerContext, IndexerState, IndexerState]:
    """The indexer graph, uncompiled; `questions` builds the question bank at ingest (the
    entry point passes `tutor.learning.bank.build_bank`, as `tutor ingest` does)."""

    def ingest_notes(state: IndexerState, runtime: Runtime[IndexerContext]) -> IndexerState:
        """Bring the index in step with the notes and report what changed."""
        from tutor.knowledge.index import NotesIndex

        context = runtime.context or IndexerContext()
        overrides = {k: v for k, v in (("home", context.home), ("notes", context.notes)) if v}
        settings = load_settings(**overrides)
        index = NotesIndex(settings, questions=questions)
        try:
            paths = [Path(p) for p in state.get("paths", [])] or [settings.notes]
            report = index.ingest(paths)
        finally:
            index.close()
        return {"report": report.as_dict()}

    builder = StateGraph(IndexerState, context_schema=IndexerContext)
    builder.add_node("ingest", ingest_notes)
    builder.add_edge(START, "ingest")
    builder.add_edge("ingest", END)
    return builder
