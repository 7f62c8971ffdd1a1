"""Text between the tutor's Markdown and Slack: mrkdwn out (code kept, long text split), plain
text in (mentions, links and entities undone, code fences made runnable)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from tutor.knowledge.markdown import FENCE, PYTHON_INFO

LIMIT = 2900
"""Characters per message section (Slack allows 3000 in a section block)."""
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
QUOTE = re.compile(r"^(\s*)>\s?(.*)$")
BULLET = re.compile(r"^(\s*)[-*+]\s+(?:\[([ xX])\]\s+)?(.*)$")
NUMBERED = re.compile(r"^(\s*)(\d{1,3})[.)]\s+(.*)$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"(!?)\[([^\]]*)\]\(\s*<?((?:https?|mailto):[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
BOLD = re.compile(
    r"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])|(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)"
)
ITALIC = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![\w*])")
STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
HOLD = "\ue000{}\ue001"
HELD = re.compile("\ue000(\\d+)\ue001")
STRONG = "\ue002"


def escape(text: str) -> str:
    """Slack's three control characters as entities (so model text can never @-mention)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_link(url: str, label: str) -> str:
    """`<url|label>`, safe whatever the two hold: `|`, `<` and `>` in the URL percent-encoded
    (the first `|` ends it, `>` ends the link), `&` as `&amp;`; the label's `&`, `<` and `>`
    as entities, and a `|` in it, which Slack has no entity for, as `¦`."""
    for char, code in (("|", "%7C"), ("<", "%3C"), (">", "%3E"), (" ", "%20")):
        url = url.replace(char, code)
    return f"<{escape(url)}|{escape(label.replace('|', '¦'))}>"


def with_links(mrkdwn: str, links: Mapping[str, str]) -> str:
    """mrkdwn with each of `links`' texts (`file › heading (lines)`) outside code made a link
    to its target; longest first, so a text inside a longer one is not split."""
    if not links:
        return mrkdwn
    escaped = {escape(text): url for text, url in links.items()}
    pattern = re.compile("|".join(map(re.escape, sorted(escaped, key=len, reverse=True))))
    parts = mrkdwn.split("```")  # odd parts are code, where a link would be shown as text
    for at in range(0, len(parts), 2):
        parts[at] = pattern.sub(
            lambda m: slack_link(escaped[m.group(0)], _unescape(m.group(0))), parts[at]
        )
    return "```".join(parts)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def to_mrkdwn(markdown: str) -> str:
    """Markdown as Slack mrkdwn: emphasis, headings, lists, links, tables as code; code kept."""
    out: list[str] = []
    table: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if not in_code and TABLE_ROW.match(line):
            table.append(line)
            continue
        if table:
            out.append(_table(table))
            table = []
        if FENCE.match(line):
            in_code = not in_code
            out.append("```")  # Slack shows a language name as text, so it goes
        elif in_code:
            out.append(escape(line))
        else:
            out.append(_line(line))
    if table:
        out.append(_table(table))
    if in_code:
        out.append("```")  # a cut-off answer (streaming) still renders as code
    return "\n".join(out)


def _line(line: str) -> str:
    if not line.strip():
        return ""
    if match := HEADING.match(line):
        return f"*{_inline(match.group(1).replace('**', '').replace('__', ''))}*"
    if RULE.match(line):
        return "──────────"
    if match := QUOTE.match(line):
        return f"> {_inline(match.group(2))}"
    if match := BULLET.match(line):
        depth = len(match.group(1).expandtabs(4)) // 2
        mark = {" ": "☐ ", "x": "☑ ", "X": "☑ "}.get(match.group(2) or "", "")
        dot = "•" if depth == 0 else "◦"
        return f"{'    ' * min(depth, 3)}{dot} {mark}{_inline(match.group(3))}"
    if match := NUMBERED.match(line):
        depth = len(match.group(1).expandtabs(4)) // 3
        return f"{'    ' * min(depth, 3)}{match.group(2)}. {_inline(match.group(3))}"
    return _inline(line)


def _inline(text: str) -> str:
    """Emphasis and links of one line; code spans and link targets are left as they are."""
    held: list[str] = []

    def hold(value: str) -> str:
        held.append(value)
        return HOLD.format(len(held) - 1)

    text = CODE_SPAN.sub(lambda m: hold(f"`{escape(m.group(2).strip())}`"), text)
    text = LINK.sub(lambda m: hold(_link(m.group(3), m.group(2))), text)
    text = AUTOLINK.sub(lambda m: hold(f"<{m.group(1)}>"), text)
    text = escape(text)
    text = BOLD.sub(lambda m: f"{STRONG}{m.group(1) or m.group(2)}{STRONG}", text)
    text = ITALIC.sub(r"_\1_", text)
    text = STRIKE.sub(r"~\1~", text).replace(STRONG, "*")
    return HELD.sub(lambda m: held[int(m.group(1))], text)


def _link(url: str, label: str) -> str:
    label = re.sub(r"[*_`|]", "", label).strip()
    return f"<{url}|{escape(label)}>" if label else f"<{url}>"


def _table(rows: list[str]) -> str:
    """A Markdown table as an aligned block of code (Slack has no tables)."""
    cells = [
        [re.sub(r"\*\*|__|`", "", cell).strip() for cell in row.strip().strip("|").split("|")]
        for row in rows
        if not TABLE_RULE.match(row)
    ]
    columns = max(len(row) for row in cells)
    cells = [row + [""] * (columns - len(row)) for row in cells]
    widths = [max(len(row[i]) for row in cells) for i in range(columns)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in cells]
    return "```\n" + escape("\n".join(line.rstrip() for line in lines)) + "\n```"


def split_mrkdwn(text: str, limit: int = LIMIT) -> list[str]:
    """mrkdwn cut into pieces of at most `limit` characters: at paragraphs first, then lines;
    a code block cut in two is closed and opened again, so both halves stay code."""
    pieces: list[str] = []
    current = ""
    for block, gap in _paragraphs(text):
        for part in _fit(block, limit):
            joined = f"{current}{gap}{part}" if current else part
            if len(joined) <= limit:
                current = joined
            else:
                pieces.append(current)
                current = part
            gap = "\n"
    if current:
        pieces.append(current)
    return pieces or [""]


def _paragraphs(text: str) -> Iterator[tuple[str, str]]:
    """(block, what separated it from the previous one): blank-line separated paragraphs, and
    each code block as one block of its own, blank lines and all."""
    block: list[str] = []
    gap, in_code = "\n\n", False
    for line in text.splitlines():
        if line.strip() == "```":
            if not in_code and block:
                yield "\n".join(block), gap
                block, gap = [], "\n"
            block.append(line)
            if in_code:
                yield "\n".join(block), gap
                block, gap = [], "\n"
            in_code = not in_code
        elif in_code or line.strip():
            block.append(line)
        else:
            if block:
                yield "\n".join(block), gap
            block, gap = [], "\n\n"
    if block:
        yield "\n".join(block), gap


def _fit(block: str, limit: int) -> Iterator[str]:
    if len(block) <= limit:
        yield block
        return
    lines = block.split("\n")
    if lines[0] == "```" and lines[-1] == "```" and len(lines) > 2:
        for group in _groups(lines[1:-1], limit - 8):
            yield f"```\n{group}\n```"
        return
    yield from _groups(lines, limit)


def _groups(lines: list[str], limit: int) -> Iterator[str]:
    """Lines joined into groups of at most `limit` characters; longer lines are cut."""
    group = ""
    for line in lines:
        for part in _cut(line, limit):
            joined = f"{group}\n{part}" if group else part
            if len(joined) <= limit:
                group = joined
            else:
                yield group
                group = part
    if group:
        yield group


def _cut(line: str, limit: int) -> Iterator[str]:
    while len(line) > limit:
        at = line.rfind(" ", limit // 2, limit)
        at = at if at > 0 else limit
        yield line[:at]
        line = line[at:].lstrip(" ")
    yield line


# --- From Slack ---------------------------------------------------------------------------

USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
SPECIAL = re.compile(r"<!([a-z]+)(?:\^[^|>]*)?(?:\|([^>]*))?>")
URL = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")
SLACK_CODE = re.compile(r"```(.*?)```", re.S)
QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def from_slack(text: str, bot_user: str | None = None) -> str:
    """A Slack message as the text a learner meant: the mention of the bot dropped, other
    mentions and links readable, entities decoded, code blocks fenced on their own lines."""
    if bot_user:
        text = re.sub(rf"<@{re.escape(bot_user)}(?:\|[^>]*)?>:?", " ", text)
    text = USER.sub(_named("@"), text)
    text = CHANNEL.sub(_named("#"), text)
    text = SPECIAL.sub(_named("@"), text)
    text = URL.sub(lambda m: m.group(2) or m.group(1).removeprefix("mailto:"), text)
    text = SLACK_CODE.sub(_fenced, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _fenced(match: re.Match[str]) -> str:
    """Slack sends a code block as ```code``` on one line; the tutor wants fenced lines."""
    code = match.group(1).strip("\n").translate(QUOTES)
    first, _, rest = code.partition("\n")
    if rest and re.fullmatch(PYTHON_INFO, first.strip(), re.I):
        code = rest
    return f"\n```\n{code}\n```\n"


def _named(sign: str) -> Callable[[re.Match[str]], str]:
    return lambda m: sign + (m.group(2) or m.group(1))


def mentions(text: str, bot_user: str) -> bool:
    """Whether a raw Slack message mentions the bot."""
    return bool(bot_user) and f"<@{bot_user}" in text
