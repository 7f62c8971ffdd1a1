"""The issue's own bad-input repros, in real subprocesses with the real embedding model."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def tutor(
    *args: str | bytes, stdin: bytes | None = None, closed: bool = False
) -> tuple[int, str, str]:
    """Run `tutor` with raw bytes in argv or on stdin, or with stdin closed (`<&-`)."""
    result = subprocess.run(
        [sys.executable, "-m", "tutor", *args],
        input=stdin,
        capture_output=not closed,
        stdout=subprocess.PIPE if closed else None,
        stderr=subprocess.PIPE if closed else None,
        preexec_fn=(lambda: os.close(0)) if closed else None,
        env=os.environ.copy(),
        timeout=300,
    )
    out, err = (result.stdout or b"").decode(), (result.stderr or b"").decode()
    return result.returncode, out, err


def test_a_search_and_a_program_with_latin1_bytes_get_an_answer_or_one_line() -> None:
    code, out, err = tutor("search", b"caf\xe9 reward model", "--json", "-k", "2")
    assert code == 0, err
    assert len(json.loads(out)) == 2 and "Traceback" not in err
    code, out, err = tutor("run", "-", stdin=b'print("caf\xe9")\n')
    assert code == 2 and "Traceback" not in err
    assert "the code on stdin is not UTF-8 text (byte 0xe9 on line 1)" in " ".join(err.split())


def test_chat_and_quiz_with_stdin_closed_end_cleanly() -> None:
    code, out, err = tutor("chat", closed=True)
    assert code == 0, err
    assert "bye" in out and "Traceback" not in err
    code, out, err = tutor("quiz", "--count", "1", closed=True)
    assert code == 0, err
    assert "summary" in out and "Traceback" not in err
