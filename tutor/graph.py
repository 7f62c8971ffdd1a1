"""The tutor graph: a router and one node per route (explain, retrieve, quiz, code_run, help).

Nodes that wait for the learner (`await_answer`, `await_rating`, `await_confirm`) do nothing
but wait, so a resumed turn never repeats work, and work that follows (grading, recording a
review, running code) sits in its own node, so a failed turn retries from there.
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from tutor.context import TutorContext
from tutor.nodes.code_run import await_confirm, code_run, explain_run, run_code
from tutor.nodes.explain import explain
from tutor.nodes.help import show_help
from tutor.nodes.quiz import after_quiz, await_answer, grade, quiz
from tutor.nodes.rating import after_grade, await_rating, record
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
    builder.add_node("await_answer", await_answer, destinations=("grade", "await_answer", "router"))
    builder.add_node("grade", grade)
    builder.add_node("await_rating", await_rating, destinations=("record", "await_rating"))
    builder.add_node("record", record, destinations=("router", END))
    builder.add_node("code_run", code_run, destinations=("run_code", "await_confirm", END))
    builder.add_node(
        "await_confirm", await_confirm, destinations=("run_code", "await_confirm", "router", END)
    )
    builder.add_node("run_code", run_code)
    builder.add_node("explain_run", explain_run)
    builder.add_node("help", show_help)
    builder.add_edge(START, "router")
    builder.add_conditional_edges("router", next_node)
    builder.add_conditional_edges("quiz", after_quiz)
    builder.add_conditional_edges("grade", after_grade)
    builder.add_edge("run_code", "explain_run")
    for leaf in ("explain", "retrieve", "help", "explain_run"):
        builder.add_edge(leaf, END)
    return builder
