"""The LangChain tracer for a turn: a LangChainTracer that finishes the root run's labels."""

from __future__ import annotations

from typing import Any

from langchain_core.tracers.langchain import LangChainTracer
from langchain_core.tracers.schemas import Run


class TurnTracer(LangChainTracer):
    """Tags the turn's root run with its interface from the start and with its route as
    soon as the router has chosen (the root is sent again when it ends, labels included)."""

    def __init__(self, *, root_tags: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.root_tags = root_tags or []

    def _start_trace(self, run: Run) -> None:
        if run.parent_run_id is None and self.root_tags:
            run.tags = sorted({*(run.tags or []), *self.root_tags})
        super()._start_trace(run)

    def _on_chain_end(self, run: Run) -> None:
        outputs = run.outputs if isinstance(run.outputs, dict) else {}
        route = outputs.get("route")
        if run.parent_run_id is not None and isinstance(route, str):
            root = self.run_map.get(str(run.trace_id))
            if root is not None and root.parent_run_id is None:
                label_route(root, route)
        super()._on_chain_end(run)


def label_route(root: Run, route: str) -> None:
    """Put the route in the root run's metadata and tags."""
    root.extra.setdefault("metadata", {})["route"] = route
    kept = [t for t in root.tags or [] if not t.startswith("route:")]
    root.tags = sorted({*kept, f"route:{route}"})
