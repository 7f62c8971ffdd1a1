"""Entry point for langgraph.json / LangGraph Studio: the compiled tutor graph.

Run directly (scripts, tests) it keeps threads in the SQLite checkpointer under TUTOR_HOME.
Under the LangGraph API server (`langgraph dev`, Studio) the server owns persistence and
refuses a graph that brings its own checkpointer, so there it is compiled without one.
"""

import sys

from tutor.config import load_settings
from tutor.graph import build_graph
from tutor.session import open_checkpointer

_served = "langgraph_api" in sys.modules
graph = build_graph().compile(
    checkpointer=None if _served else open_checkpointer(load_settings()), name="tutor"
)
