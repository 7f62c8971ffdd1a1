"""The tutor graph: a router and one node per route (explain, retrieve, quiz, code_run, help)."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from tutor.context import TutorContext
from tutor.nodes.code_run import code_run, confirm_code
from tutor.nodes.explain import explain
from tutor.nodes.help import show_help
from tutor.nodes.quiz import after_quiz, grade, quiz
from tutor.nodes.retrieve import retrieve
from tutor.nodes.router import next_node, route
from tutor.state import TutorState

TutorGraph = StateGraph[TutorState, TutorContext, TutorState, TutorState]


def build_graph() -> TutorGraph:
    """The tutor graph, uncompiled: callers choose the checkpointer (and store)."""
    builder: TutorGraph = StateGraph(TutorState, context_schema=TutorContext)
    builder.add_node("router", route)
    builder.add_node("explain", explain)
    builder.add_node("retrieve", retrieve)
    builder.add_node("quiz", quiz)
    builder.add_node("grade", grade, destinations=("grade", "router", END))
    builder.add_node("code_run", code_run, destinations=("confirm_code", END))
    builder.add_node("confirm_code", confirm_code, destinations=("confirm_code", "router", END))
    builder.add_node("help", show_help)
    builder.add_edge(START, "router")
    builder.add_conditional_edges("router", next_node)
    builder.add_conditional_edges("quiz", after_quiz)
    for leaf in ("explain", "retrieve", "help"):
        builder.add_edge(leaf, END)
    return builder
