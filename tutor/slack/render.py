"""A tutor turn as Slack messages: the answer in mrkdwn (split when long), its sources in a
context block, and buttons for what the tutor waits for (rating, running code) and feedback."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from tutor import prompts
from tutor.errors import TutorError
from tutor.knowledge.citations import citation_links, where
from tutor.session import Turn
from tutor.slack.mrkdwn import escape, split_mrkdwn, to_mrkdwn, with_links

Block = dict[str, Any]
Message = dict[str, Any]
"""Keyword arguments for chat.postMessage / chat.update: `text` and `blocks`."""
FOOTER = re.compile(r"\n*\*\*Sources\*\*\n((?:- [^\n]*(?:\n|$))+)")
RATINGS: tuple[tuple[str, str, str | None], ...] = (
    ("again", "Again", "danger"),
    ("hard", "Hard", None),
    ("good", "Good", "primary"),
    ("easy", "Easy", None),
)
CONTEXT_CHARS = 1900
RATE_BLOCK, RUN_BLOCK, THUMBS_BLOCK = "tutor_rate", "tutor_run", "tutor_thumbs"


def pending_key(pending: dict[str, str] | None) -> str:
    """A short fingerprint of what the tutor waits for, so a stale button can be told apart."""
    if not pending:
        return ""
    raw = f"{pending.get('type')}\n{pending.get('prompt')}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def section(text: str) -> Block:
    """A section block of mrkdwn."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text or " "}}


def context(text: str) -> Block:
    """A context block (small grey text) of mrkdwn."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def text_message(text: str) -> Message:
    """A one-section message."""
    return {"text": text, "blocks": [section(text)]}


def error_message(error: TutorError, kept: bool) -> Message:
    """A user error as a short message: what happened, what to do, whether the turn is kept."""
    lines = [prompts.SLACK_ERROR.format(message=escape(error.message))]
    if error.hint:
        lines.append(prompts.SLACK_HINT.format(hint=escape(error.hint)))
    if kept and "kept" not in error.hint:
        lines.append(prompts.SLACK_KEPT)
    return text_message("\n".join(lines))


def turn_messages(turn: Turn, *, owner: str, in_thread: bool, guide: str = "") -> list[Message]:
    """The turn as one or more messages; the last carries sources, hints and buttons."""
    body, cited = split_sources(turn.answer or prompts.NO_ANSWER)
    # A file:// link names a path on the bot's machine, not the learner's: only vault links
    # go to Slack (and none from a turn recorded before citations carried links).
    links = {c: u for c, u in citation_links(turn.sources).items() if not u.startswith("file:")}
    pieces = split_mrkdwn(with_links(to_mrkdwn(body), links))
    messages = [text_message(piece) for piece in pieces]
    last = messages[-1]["blocks"]
    if guide:
        last.append(section(guide))
    # Quiz feedback and search results name their sources in the text already.
    if cited or (turn.sources and turn.route not in ("quiz", "retrieve")):
        last.append(context(sources_text(cited or [where(s) for s in turn.sources], links)))
    last.extend(waiting_blocks(turn, owner, in_thread))
    if turn.run_id:
        thumbs = [
            _button("👍", "tutor_thumbs_up", turn.run_id),
            _button("👎", "tutor_thumbs_down", turn.run_id),
        ]
        last.append({"type": "actions", "block_id": THUMBS_BLOCK, "elements": thumbs})
    return messages


def waiting_blocks(turn: Turn, owner: str, in_thread: bool) -> list[Block]:
    """What the tutor waits for: a hint to reply, rating buttons, or Run / Don't run (each
    button carries the thread, its owner and a fingerprint of what is awaited)."""
    pending = turn.pending
    kind = pending["type"] if pending else None
    value = {"t": turn.thread, "u": owner, "p": pending_key(pending)}
    if kind == "quiz_answer":
        return [context(prompts.SLACK_ANSWER_HERE if in_thread else prompts.SLACK_ANSWER_DM)]
    if kind == "rating":
        buttons = [
            _button(label, f"tutor_rate_{word}", {**value, "say": word}, style)
            for word, label, style in RATINGS
        ]
        return [{"type": "actions", "block_id": RATE_BLOCK, "elements": buttons}]
    if kind == "confirm_code":
        buttons = [
            _button("▶ Run", "tutor_run_yes", {**value, "say": "yes"}, "primary"),
            _button("Don't run", "tutor_run_no", {**value, "say": "no"}),
        ]
        hint = context(prompts.SLACK_RUN_BUTTONS.format(owner=owner))
        return [
            {**hint, "block_id": f"{RUN_BLOCK}_hint"},
            {"type": "actions", "block_id": RUN_BLOCK, "elements": buttons},
        ]
    return []


def split_sources(answer: str) -> tuple[str, list[str]]:
    """The answer without its `**Sources**` list, and that list's lines (`[1] file › …`)."""
    match = FOOTER.search(answer)
    if match is None:
        return answer, []
    lines = [line[2:].strip() for line in match.group(1).splitlines() if line.startswith("- ")]
    rest = answer[match.end() :].strip()
    body = answer[: match.start()].rstrip()
    return (f"{body}\n\n{rest}" if rest else body), lines


def sources_text(lines: list[str], links: Mapping[str, str] | None = None) -> str:
    """The sources as context text, within Slack's limit for one element; a citation with a
    link in `links` is a link."""
    text = prompts.SLACK_SOURCES
    unique = list(dict.fromkeys(lines))
    for n, line in enumerate(unique):
        more = "\n" + with_links(escape(line), links or {})
        if len(text) + len(more) > CONTEXT_CHARS:
            return f"{text}\n… and {len(unique) - n} more"
        text += more
    return text


def _button(label: str, action_id: str, value: Any, style: str | None = None) -> Block:
    raw = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": raw,
    }
    if style:
        button["style"] = style
    return button


def after_press(blocks: list[Block], block_id: str, user: str, label: str) -> list[Block]:
    """A message's blocks once a button in `block_id` was pressed: those buttons gone, and a
    line saying who chose what."""
    kept = [b for b in blocks if not str(b.get("block_id", "")).startswith(block_id)]
    return [*kept, context(prompts.SLACK_CHOSE.format(user=user, label=escape(label)))]
