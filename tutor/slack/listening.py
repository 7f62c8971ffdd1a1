"""Which Slack messages are for the tutor, and what they say to it."""

from __future__ import annotations

import re
from typing import Any

from tutor.slack.store import ThreadInfo

PEOPLE_SUBTYPES = {None, "thread_broadcast", "file_share"}
"""Message subtypes a person sends; edits, deletions, joins and bots' posts are not turns."""
WHOLE_WORDS = {"help", "progress", "profile", "skip", "map", "next"}
LEVEL = re.compile(r"^level(\s+(beginner|intermediate|advanced))?$", re.I)
WITH_ARGUMENT = re.compile(r"^(search|map)\s+(.+)$|^(goal|style):\s*(.+)$", re.I | re.S)


def from_a_person(event: dict[str, Any], bot_user: str) -> bool:
    """Whether a message event is something a person wrote (not a bot, an edit, a join)."""
    if event.get("bot_id") or event.get("bot_profile"):
        return False  # this bot's own posts, or another bot's: no bot-to-bot loops
    user = event.get("user")
    return event.get("subtype") in PEOPLE_SUBTYPES and bool(user) and user != bot_user


def hears_unmentioned(info: ThreadInfo, user: str) -> bool:
    """Whether a reply without a mention is for the tutor: it waits for this user, or the
    thread is still just this user and the tutor."""
    return info.waiting_for == user or (not info.shared and info.owner == user)


def slack_command(text: str, waiting: bool) -> str:
    """Slack keeps messages starting with `/` for its own commands, so a few tutor commands
    are understood without the slash (not while a reply is awaited: "skip" is an answer)."""
    if not text:
        return "" if waiting else "/help"
    if waiting or text.startswith("/"):
        return text
    if text.lower() in WHOLE_WORDS or LEVEL.match(text):
        return f"/{text.lower()}"
    if match := WITH_ARGUMENT.match(text):
        word, argument = match.group(1) or match.group(3), match.group(2) or match.group(4)
        return f"/{word.lower()} {argument.strip()}"
    return text


def waits_for_someone_else(info: ThreadInfo | None, user: str) -> str | None:
    """The user whose own decision the thread waits for (their rating of their answer, or
    running the code they asked for), when that is not `user`; a quiz answer is anyone's."""
    if info is None or info.waiting_for in (None, user):
        return None
    return info.waiting_for if info.waiting_kind in ("rating", "confirm_code") else None
