"""Text in, any bytes: each kind of input is repaired or refused in one line, never crashes."""

from __future__ import annotations

import os

import pytest

from tutor.errors import TutorError
from tutor.text_in import code_text, identifier, message_text, path_text, utf8_text

LATIN1_BYTE = os.fsdecode(b"caf\xe9")  # what Python makes of `printf 'caf\xe9'` in argv


def test_words_keep_their_meaning_whatever_the_bytes() -> None:
    assert message_text(LATIN1_BYTE) == "caf\ufffd"
    # A lone half of an emoji pair, as a Slack JSON "\ud83d" escape decodes.
    assert message_text("smile \ud83d please") == "smile \ufffd please"
    assert message_text("soft\x00max") == "softmax"
    assert message_text("过拟合 café") == "过拟合 café"
    message_text(LATIN1_BYTE).encode("utf-8")  # safe for SQLite, the tokenizer and stdout


@pytest.mark.parametrize(
    ("value", "shown"),
    [(os.fsdecode(b"t-\xe9"), '"t-\\xe9"'), ("t\x00x", '"t\\x00x"'), ("a\nb", '"a\\x0ab"')],
)
def test_names_that_key_stored_things_are_refused_unless_plain_text(value: str, shown: str) -> None:
    with pytest.raises(TutorError) as refused:
        identifier(value, "--thread")
    assert refused.value.message.startswith(f"--thread {shown} is not plain text")
    assert "letters, digits" in refused.value.hint


def test_names_in_any_script_are_plain_text() -> None:
    for name in ("t-1a2b", "quiz-alice", "李雷", "Jürgen Weiß", "alice@example.org"):
        assert identifier(name, "--learner") == name


def test_file_names_stay_distinct_and_show_their_bad_bytes() -> None:
    e9, e8 = path_text(os.fsdecode(b"/notes/caf\xe9.md")), path_text(os.fsdecode(b"caf\xe8.md"))
    assert e9 == "/notes/caf\\xe9.md" and e8 == "caf\\xe8.md"
    e9.encode("utf-8")
    assert path_text("/notes/机器学习.md") == "/notes/机器学习.md"


def test_utf8_names_the_first_bad_byte_and_its_line() -> None:
    assert utf8_text(b"\xef\xbb\xbfprint(1)\n") == "print(1)\n"  # a BOM is not code
    with pytest.raises(ValueError, match="byte 0xe9 on line 3"):
        utf8_text(b"# a\n# b\nprint('caf\xe9')\n")


def test_code_that_python_would_refuse_is_refused_with_its_line() -> None:
    with pytest.raises(TutorError, match=r"the code on stdin is not UTF-8 text \(byte 0xe9"):
        code_text(b'print("caf\xe9")\n', "the code on stdin")
    with pytest.raises(TutorError, match="contains a NUL byte on line 2"):
        code_text(b"x = 1\nprint(x)\x00\n", "demo.py")
    assert code_text('print("café")\n'.encode(), "demo.py") == 'print("café")\n'
