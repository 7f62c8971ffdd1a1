"""What the nodes and the session read in the conversation: the learner's newest message, the
replies made while the tutor waited, slash commands, and a reply that is really a new request.

It sits beside the state, below the nodes: a node uses these instead of importing another node.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from langchain_core.messages import AnyMessage, HumanMessage

REPLY_ID = "reply-"
"""Message ids of the learner's replies to what the tutor asked (answers, ratings, yes/no)."""
QUIZ = re.compile(
    r"\b(quiz|test)\s+me\b|\bask me (a )?(question|questions|about)\b"
    r"|\bgive me (a |another )?(question|quiz)|^/?quiz\b",
    re.I,
)
"""A reply that asks for a quiz is a new request, not an answer."""
ASKS_WITHOUT_MARK = re.compile(
    r"^\s*(explain|tell me about|teach me|show me|where (do|does|did)|which notes?)\b", re.I
)
"""Openings that make a request even without a question mark ("explain dropout")."""
REQUEST_START = re.compile(
    r"^\s*(where|which|explain|tell me|can you|could you|what (is|are|does)"
    r"|how (do|does|is)|why)\b",
    re.I,
)


def reply_message(text: str) -> HumanMessage:
    """The learner's reply to a question, rating prompt or confirmation, marked as such."""
    return HumanMessage(text, id=f"{REPLY_ID}{uuid.uuid4().hex}")


def is_reply(message: AnyMessage) -> bool:
    """Whether a message is a reply made while the tutor waited (see `reply_message`)."""
    return message.type == "human" and str(message.id or "").startswith(REPLY_ID)


def last_human_index(messages: Sequence[AnyMessage]) -> int:
    """The position of the newest learner message, or -1 when the learner has said nothing."""
    return max((i for i, m in enumerate(messages) if m.type == "human"), default=-1)


def last_human(messages: Sequence[AnyMessage]) -> AnyMessage | None:
    """The newest learner message, or None when the learner has said nothing."""
    at = last_human_index(messages)
    return messages[at] if at >= 0 else None


def last_human_text(messages: Sequence[AnyMessage]) -> str:
    """The text of the newest learner message ("" when the learner has said nothing)."""
    message = last_human(messages)
    return str(message.text) if message is not None else ""


def split_command(text: str) -> tuple[str, str]:
    """(`/command`, rest) for a slash command, else ("", text)."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return "", stripped
    word, _, rest = stripped.partition(" ")
    if "\n" in word:
        word, _, more = word.partition("\n")
        rest = f"{more}\n{rest}".strip()
    return word.lower(), rest.strip()


def is_new_request(answer: str) -> bool:
    """Whether a reply to a question is really a new request: a command or a clear question."""
    command, _ = split_command(answer)
    if command:
        return command != "/skip"
    asks = answer.rstrip().endswith("?") and bool(REQUEST_START.match(answer))
    return asks or bool(QUIZ.search(answer)) or bool(ASKS_WITHOUT_MARK.match(answer))
