"""Turn messy real-world note text into clean text, line for line.

Every function here keeps the number of lines, so a chunk's line numbers
still point into the file the learner wrote.
"""

from __future__ import annotations

import html
import re
from typing import Any

from tutor.text_in import NotUtf8, utf8_text

EMBED = re.compile(r"!\[\[[^\]\n]*\]\]")
ATTACHMENT_IMAGE = re.compile(r"!\[[^\]\n]*\]\(attachment:[^)\n]*\)")
WIKILINK = re.compile(r"\[\[([^\]|\n]+)(?:\|([^\]\n]*))?\]\]")
LIST_ITEM_TAG = re.compile(r"<li\b[^>]*>", re.IGNORECASE)
BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
HTML_COMMENT = re.compile(r"<!--.*?-->")
EMPTY_EMPHASIS = re.compile(r"(?<![*_])([*_]{1,3})(?![*_])\s*\1(?![*_])")
# A run of characters that cp1252 or cp1254 can encode, beginning with a UTF-8 lead byte:
# the footprint of UTF-8 read as a Windows code page. Bytes the code page leaves
# undefined were dropped on the way, so ftfy alone cannot undo it.
_MOJIBAKE_CHARS = (
    "\u0080-\u00ff\u011e\u011f\u0130\u0131\u015e\u015f\u0152\u0153\u0160\u0161\u0178"
    "\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030"
    "\u2039\u203a\u20ac\u2122"
)
MOJIBAKE_RUN = re.compile(f"[\u00c2-\u00f4\u011f][{_MOJIBAKE_CHARS}]+")
CODE_PAGES = ("cp1252", "cp1254")
LOST_BYTES = bytes([0x8F, 0x9D, 0x8D, 0x81, 0x90, 0x8E, 0x9E])
# `â` as a word of its own: the lead byte E2 of a sign (arrows, stars, checks: U+2000-2FFF)
# whose two other bytes the code page dropped or hid (`## â Reward Model` was once ⭐, E2 AD
# 90: 90 undefined, AD a soft hyphen). Too little is left to tell which sign, so in a
# double-encoded note it goes; spaces close up, indentation stays. Other lead bytes are
# words too ("é", "è"), and an emoji's F0 9F never loses both.
LONE_LEAD = re.compile(r"(?<!\S)\u00e2(?:[ \t]+(?=\S)|[ \t]*$)", re.MULTILINE)
# Where a dropped byte leaves two readings, the sign people put in study notes wins.
COMMON_SIGNS = "📝🎯💡✅❌⭐🔑📚🔍🎮🏗🛠📈📊🔥⚡🚀📌🧠🧩🔹⚠⚙"


class NotText(ValueError):
    """The bytes are not a text note (binary, undecodable or empty)."""


def decode_note(raw: bytes) -> str:
    """Decode a file's bytes as text, repairing double-encoded UTF-8; refuse binary data."""
    if not raw.strip():
        raise NotText("empty file")
    sample = raw[:8192]
    if b"\x00" in sample:
        raise NotText("binary file (contains NUL bytes)")
    try:
        text = utf8_text(raw)
    except NotUtf8 as exc:
        if UTF8_SEQUENCE.search(raw):
            # UTF-8 with stray bytes: guessing would misread one part or the other, and a
            # note is quoted and cited, so it must read as the file does.
            raise NotText(f"not UTF-8 text ({exc}; save the note as UTF-8)") from exc
        text = code_page_text(raw)
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if control > 0.05 * min(len(text), 8192):
        raise NotText("binary file (mostly control characters)")
    return repair_mojibake(text.replace("\r\n", "\n").replace("\r", "\n"))


UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
"""A multi-byte UTF-8 character: a note that has one was meant as UTF-8."""


def code_page_text(raw: bytes) -> str:
    """A note saved in a single-byte Windows code page (no UTF-8 in it at all), as its editor
    shows it: cp1252, the Windows default for Western languages, with the five bytes it
    leaves undefined read as Latin-1 (which every byte is), so no byte is lost."""
    return (
        "".join(
            chr(byte) if byte in CP1252_UNDEFINED else bytes([byte]).decode("cp1252")
            for byte in raw
        )
        if any(byte in CP1252_UNDEFINED for byte in raw)
        else raw.decode("cp1252")
    )


CP1252_UNDEFINED = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))


def repair_mojibake(text: str) -> str:
    """Undo double-encoded UTF-8 (`ðŸ§ ` → `🧠`) without touching anything else."""
    import ftfy

    config = ftfy.TextFixerConfig(
        unescape_html=False,
        fix_line_breaks=False,
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        normalization=None,
        explain=False,
    )
    double_encoded = bool(MOJIBAKE_RUN.search(text))
    text = MOJIBAKE_RUN.sub(_refill_lost_bytes, text)
    fixed = ftfy.fix_text(text, config)
    if fixed.count("\n") != text.count("\n"):
        # Line numbers are part of every citation; fix line by line instead.
        fixed = "\n".join(ftfy.fix_text(line, config) for line in text.split("\n"))
    if double_encoded:  # then a lone lead byte is what is left of a sign
        fixed = LONE_LEAD.sub("", fixed)
    return fixed


def _refill_lost_bytes(match: re.Match[str]) -> str:
    """Decode a mojibake run, putting back bytes its code page dropped (`ï¸` → U+FE0F)."""
    run = match.group(0)
    for code_page in CODE_PAGES:
        try:
            data = run.encode(code_page)
        except UnicodeEncodeError:
            continue
        decoded = _decode_with_gaps(data, budget=len(run))
        if decoded is not None:
            return decoded
    return run


def _decode_with_gaps(data: bytes, budget: int) -> str | None:
    """UTF-8-decode, trying each dropped byte at each place in a broken sequence."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if budget <= 0:
            return None
        start, end = exc.start, max(exc.end, exc.start + 1)
        candidates = []
        for at in range(start + 1, min(end, len(data)) + 1):
            for byte in LOST_BYTES:
                attempt = data[:at] + bytes([byte]) + data[at:]
                head = _complete_prefix(attempt, start)
                if head is not None:
                    candidates.append((_plausibility(head), attempt))
        for _, attempt in sorted(candidates, key=lambda c: -c[0]):
            decoded = _decode_with_gaps(attempt, budget - 1)
            if decoded is not None:
                return decoded
        return None


def _complete_prefix(data: bytes, start: int) -> str | None:
    """The character that now starts at `start`, if the bytes there form one."""
    for size in (1, 2, 3, 4):
        try:
            return data[start : start + size].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return None


def _plausibility(char: str) -> int:
    """How likely a repaired character is in notes: emoji, arrows and joiners first."""
    code = ord(char[0])
    if char[0] in COMMON_SIGNS:
        return 4
    if 0x1F300 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or code in (0xFE0F, 0x20E3, 0x200D):
        return 3
    if 0x2000 <= code <= 0x2BFF:
        return 2
    return 1


def split_front_matter(lines: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Read YAML front matter as metadata and blank its lines (so numbering stays)."""
    if not lines or lines[0].strip() != "---":
        return {}, lines
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        return {}, lines
    import yaml

    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        return {}, lines
    if not isinstance(meta, dict):
        return {}, lines
    return meta, [""] * (end + 1) + lines[end + 1 :]


def wikilink_targets(text: str) -> list[str]:
    """The notes an Obsidian text links to (`[[target|alias]]`), in order, once each."""
    seen: dict[str, None] = {}
    for match in WIKILINK.finditer(EMBED.sub("", text)):
        seen.setdefault(match.group(1).strip(), None)
    return list(seen)


def clean_line(line: str) -> str:
    """Strip embeds, attachment images, HTML tags and wiki-link syntax, keeping the words."""
    line = EMBED.sub("", line)
    line = ATTACHMENT_IMAGE.sub("", line)
    line = WIKILINK.sub(lambda m: (m.group(2) or m.group(1)).strip(), line)
    line = HTML_COMMENT.sub("", line)
    line = LIST_ITEM_TAG.sub("- ", line)
    line = BREAK_TAG.sub(" ", line)
    line = HTML_TAG.sub("", line)
    line = html.unescape(line)
    line = EMPTY_EMPHASIS.sub("", line)
    return line.rstrip()
