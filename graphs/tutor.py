"""Entry point for langgraph.json / LangGraph Studio: the compiled tutor graph.

Run directly (scripts, tests) it keeps threads in the checkpointer and learner memory in the
store that TUTOR_DATABASE_URL chooses (SQLite under TUTOR_HOME when it is empty). Under the
LangGraph API server (`langgraph dev`, Studio) the server owns persistence (threads and a
store) and refuses a graph that brings its own, so there it is compiled without either.
"""

import sys

from tutor.config import load_settings
from tutor.graph import build_graph
from tutor.storage.state import open_checkpointer, open_store
from tutor.tracing import app_version

_served = "langgraph_api" in sys.modules
_settings = load_settings()
graph = (
    build_graph()
    .compile(
        checkpointer=None if _served else open_checkpointer(_settings),
        store=None if _served else open_store(_settings),
        name="tutor",
    )
    .with_config(
        # Traces of Studio runs say where they came from, like the CLI's and Slack's do.
        metadata={
            "interface": "studio",
            "mode": _settings.mode,
            "model": _settings.model,
            "app_version": app_version(),
        },
        tags=["interface:studio"],
    )
)
