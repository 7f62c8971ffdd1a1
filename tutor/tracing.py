"""LangSmith: switched on by the standard LANGSMITH_* variables, never in a turn's way.

Work in progress (issue 7): the public functions below are the stable interface.
"""

from __future__ import annotations

import os
from typing import Any

TRUE = {"1", "true", "yes", "on"}


def tracing_enabled() -> bool:
    """Whether LANGSMITH_TRACING (or the older LANGCHAIN_TRACING_V2) switches tracing on."""
    for name in ("LANGSMITH_TRACING", "LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2"):
        if os.environ.get(name, "").strip().lower() in TRUE:
            return True
    return False


def send_feedback(
    run_id: str | None,
    key: str,
    score: float | None = None,
    *,
    comment: str = "",
    value: Any = None,
) -> bool:
    """Attach feedback `key` to the run `run_id` (a turn's root run). Never raises: an
    unreachable LangSmith costs a one-line warning, not the turn. False when not sent."""
    if not run_id or not tracing_enabled():
        return False
    from langsmith import Client

    try:
        Client().create_feedback(run_id, key, score=score, comment=comment or None, value=value)
    except Exception:  # noqa: BLE001 - feedback is best effort
        return False
    return True
