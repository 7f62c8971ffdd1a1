"""Markdown as notes are written in it, in one place: the line that opens or closes a code
fence, the fence info strings that name Python, and text with its inline markup taken off.

Every layer that reads notes or messages (chunking, question making, the Slack conversion,
the nodes that find code) uses these, so a fence or an emphasis is read one way everywhere.
"""

from __future__ import annotations

import re

FENCE = re.compile(r"^\s*(```|~~~)")
"""A line that opens or closes a fenced block: ``` or ~~~, maybe indented, maybe with an info
string after it."""
PYTHON_INFO = "python|py|python3"
"""The fence info strings that name Python, as a regex alternation (match it ignoring case)."""
BOLD = re.compile(r"(\*\*|__)(.+?)\1")
ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")


def plain(text: str, *, squeeze: bool = False) -> str:
    """Text without Markdown emphasis (`**bold**`, `__bold__`, `*italic*`) or inline-code
    ticks, stripped; with `squeeze`, each run of whitespace inside it becomes one space too."""
    text = ITALIC.sub(r"\1", BOLD.sub(r"\2", text)).replace("`", "").replace("**", "")
    return " ".join(text.split()) if squeeze else text.strip()
