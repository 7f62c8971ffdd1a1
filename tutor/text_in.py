"""Text in, any bytes: where text from stdin, arguments, files and notes becomes Python text.

Python hands over bytes it could not decode as lone surrogates (PEP 383: byte 0xE9 becomes
U+DCE9), and those crash the first thing that encodes them: SQLite, the tokenizer, stdout.
Every kind of input meets them here, once, and is either repaired or refused in one line:

- **Words** (questions, searches, chat lines, quiz answers, Slack text) are repaired:
  undecodable bytes become U+FFFD and NULs are dropped. The meaning survives a stray byte,
  and refusing a question over one would only get in the way.
- **Names that key stored things** (`--thread`, `--learner`) are refused: replacing would
  quietly merge two different names into one conversation or one learner's memory, and a
  name must be typed again to come back to it.
- **Python code** (`tutor run`) is refused unless it is UTF-8 without NULs, as Python refuses
  it: repairing would change string literals behind the learner's back.
- **Notes** saved in a Windows code page (no UTF-8 in them at all) are read as cp1252, as
  their editor shows them; a note that mixes UTF-8 with stray bytes is refused with the line
  of the first bad byte (`decode_note` says why): a note is quoted and cited, so it must not
  read differently from the file.
- **File names** are kept, shown with undecodable bytes written as `\\xe9`: a name
  identifies its file in the index, so it must stay distinct; the file is still opened by
  its real bytes.
"""

from __future__ import annotations

import codecs
import os
import re
import sys

from tutor.errors import TutorError

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
UNTYPABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
"""Characters no one can type back: control characters and undecodable bytes."""


class NotUtf8(ValueError):
    """Bytes that are not UTF-8; the message names the first bad byte and its line."""


def message_text(text: str) -> str:
    """Words from a person as valid text: undecodable bytes become U+FFFD, NULs are dropped."""
    return LONE_SURROGATE.sub("\ufffd", text).replace("\x00", "")


def identifier(value: str, what: str) -> str:
    """A name that keys stored things (a thread, a learner), refused unless it is plain text."""
    bad = UNTYPABLE.search(value)
    if bad is None:
        return value
    kind = "a byte that is not UTF-8" if LONE_SURROGATE.match(bad.group()) else "a control byte"
    raise TutorError(
        f'{what} "{shown(value)}" is not plain text (it has {kind})',
        "a name is typed again to come back to it: use letters, digits, - and _",
    )


def shown(text: str) -> str:
    """Text with undecodable bytes and control characters written as escapes (`caf\\xe9`)."""
    return UNTYPABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte Python could not decode (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def path_text(path: str | os.PathLike[str]) -> str:
    """A file name as text to store and show, its undecodable bytes written as `\\xe9`."""
    return shown(os.fspath(path))


def utf8_text(raw: bytes) -> str:
    """Bytes as strict UTF-8 (a byte-order mark dropped), or NotUtf8 naming the first bad byte."""
    body = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise NotUtf8(f"byte 0x{body[exc.start]:02x} on line {line}") from None


def code_text(raw: bytes, where: str) -> str:
    """Python source as text, refused (as Python refuses it) unless UTF-8 without NULs."""
    try:
        code = utf8_text(raw)
    except NotUtf8 as exc:
        raise TutorError(
            f"{where} is not UTF-8 text ({exc})",
            "save it as UTF-8: the sandbox's Python reads source code as UTF-8",
        ) from None
    if "\x00" in code:
        line = code.count("\n", 0, code.index("\x00")) + 1
        raise TutorError(
            f"{where} contains a NUL byte on line {line}, so it is not Python source",
            "give the text of a program, not a binary file",
        )
    return code


def stdin_bytes(what: str) -> bytes:
    """Everything piped in; a closed stdin is refused in one line (`what` was expected)."""
    if sys.stdin is None:  # started with stdin closed (`<&-`): Python leaves it None
        raise TutorError(f"stdin is closed: no {what} to read", "pipe it in, or give a file")
    try:
        return sys.stdin.buffer.read()
    except OSError as exc:
        raise TutorError(f"cannot read {what} from stdin: {exc.strerror or exc}") from None


def stdin_line() -> str:
    """One line typed or piped in, as words; EOFError at the end or when stdin is closed."""
    raw = sys.stdin.buffer.readline() if sys.stdin is not None else b""
    if not raw:
        raise EOFError
    return message_text(raw.decode("utf-8", "replace")).rstrip("\r\n")


def stdin_is_terminal() -> bool:
    """Whether a person types at stdin (False when it is piped, empty or closed)."""
    return sys.stdin is not None and sys.stdin.isatty()
