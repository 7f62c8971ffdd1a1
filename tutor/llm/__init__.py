"""The chat model (LLM mode): making it from the settings, bounding each call by the turn's
time budget, structured calls, and model-server failures turned into clear messages."""

from tutor.llm.models import (
    Kind,
    ModelFailure,
    StructuredCaller,
    ask_model,
    describe_failure,
    make_chat_model,
    provider_of,
    turn_budget,
)

__all__ = [
    "Kind",
    "ModelFailure",
    "StructuredCaller",
    "ask_model",
    "describe_failure",
    "make_chat_model",
    "provider_of",
    "turn_budget",
]
