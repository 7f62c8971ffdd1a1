"""LangSmith tracing: a turn is one trace, learner text is redacted on its way out, and
feedback lands on the turn's run.

- `traces`: switching tracing on from the standard variables, the redactor, run ids,
  feedback and the flush at exit;
- `turn_tracer`: the LangChain tracer that labels a turn's root run (imported lazily: it
  pulls in LangChain's tracer).
"""

from tutor.tracing.traces import (
    TURN_RUN,
    Tracing,
    app_version,
    new_run_id,
    send_feedback,
    sender_settings,
    shutdown,
    traced,
    tracing_for,
    turn_feedback,
)

__all__ = [
    "TURN_RUN",
    "Tracing",
    "app_version",
    "new_run_id",
    "send_feedback",
    "sender_settings",
    "shutdown",
    "traced",
    "tracing_for",
    "turn_feedback",
]
