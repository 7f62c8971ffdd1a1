"""The real CLI on a real pseudo-terminal: wrapping at the width, the first run's progress
bar, 20 columns, NO_COLOR and TERM=dumb (offline, on a one-note folder)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
"""A CSI sequence (cursor, colour) or an OSC one (a hyperlink's start or end): not on screen."""
COLOUR = re.compile(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;)[0-9;]*m")
NOTE = """# Softmax

Softmax turns a vector of logits into probabilities that are positive and sum to one; a
temperature divides the logits first, so a low temperature sharpens the distribution.

```python
print("softmax of the logits, computed with a temperature that is low enough to sharpen it")
```
"""


@pytest.fixture
def one_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "softmax.md").write_text(NOTE, encoding="utf-8")
    monkeypatch.setenv("TUTOR_NOTES", str(notes))
    return notes


def on_terminal(columns: int, *args: str, **env: str) -> tuple[int, str]:
    """Run `tutor ARGS` on a pseudo-terminal this many columns wide: exit code and screen."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of its own, of the asked width
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        os.execve(sys.executable, [sys.executable, "-m", "tutor", *args], {**environ, **env})
    out = b""
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        out += data
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


def screen_lines(raw: str) -> list[str]:
    """What stays on the screen, line by line: escapes dropped, redrawn lines replaced."""
    lines: list[str] = []
    raw = raw.replace("\r\n", "\n").replace("\x1b[1A\x1b[2K", "\x00")
    for line in ESCAPE.sub("", raw).split("\n"):
        for _ in range(line.count("\x00")):
            if lines:
                lines.pop()
        lines.append(line.replace("\x00", "").split("\r")[-1])
    return lines


def test_the_first_run_shows_the_ingest_bar_on_a_terminal_and_plain_lines_in_a_pipe(
    one_note: Path, tmp_path: Path
) -> None:
    code, raw = on_terminal(80, "search", "softmax temperature")
    assert code == 0, raw
    assert "the index is empty: ingesting" in raw and "━" in raw  # the bar, as ingest's
    assert "indexed 1 file · 1 passage" in raw

    piped = subprocess.run(
        [sys.executable, "-m", "tutor", "search", "softmax"],
        capture_output=True,
        text=True,
        env={**os.environ, "TUTOR_HOME": str(tmp_path / "other-home")},
        timeout=300,
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr.startswith("the index is empty: ingesting")
    assert "━" not in piped.stderr and "\x1b" not in piped.stderr + piped.stdout
    assert "\n\n" not in piped.stderr  # no blank line where a bar would have been


def test_on_a_narrow_terminal_prose_wraps_at_spaces_and_code_is_left_whole(
    one_note: Path,
) -> None:
    assert on_terminal(80, "ingest")[0] == 0
    code, raw = on_terminal(40, "ingest")
    summary = [line.rstrip() for line in screen_lines(raw) if line.strip()]
    assert code == 0 and len(summary) > 1 and all(len(line) <= 40 for line in summary)
    assert " ".join(summary) == (
        "files seen 1 · indexed 0 · unchanged 1 · removed 0 · skipped 0 · "
        "passages written 0 · passages in index 1"
    )  # each break was at a space: no word was split

    code, raw = on_terminal(40, "search", "softmax temperature", "-k", "1")
    shown = screen_lines(raw)
    assert code == 0
    assert any(line.startswith('print("softmax of the logits, computed with') for line in shown)
    prose = [line for line in shown if "logits into" in line or "temperature divides" in line]
    assert prose and all(len(line.rstrip()) <= 40 for line in prose)


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_twenty_columns_without_colour_work(one_note: Path, env: dict[str, str]) -> None:
    for args in (["ingest"], ["search", "softmax"], ["progress"], ["doctor"]):
        code, raw = on_terminal(20, *args, **env)
        assert code in (0, 1), raw  # doctor fails without a sandbox: that is its answer
        assert "Traceback" not in raw and not COLOUR.search(raw), raw
        if env.get("TERM") == "dumb":
            assert "\x1b[" not in raw.replace("\x1b[?1034h", ""), raw
        long = [line.strip() for line in screen_lines(raw) if len(line.rstrip()) > 20]
        prose = [line for line in long if not line.startswith("print(")]  # code is left whole
        assert all(" " not in line for line in prose), prose  # only words too long to break
