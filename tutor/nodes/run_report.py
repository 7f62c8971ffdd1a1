"""What a sandbox run showed, in words: output, how it ended, and what an error means."""

from __future__ import annotations

import re

from tutor.sandbox import CodeRun

ERROR_LINE = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit))(: (?P<msg>.*))?$"
)
LINE_NO = re.compile(r'File "[^"]*main\.py", line (\d+)')
"""A frame of the learner's own script (the sandbox runs it as main.py), not the library's."""
MAX_SHOWN = 3000
HINTS = {
    "NameError": "A name was used before it was defined (or is misspelt).",
    "SyntaxError": "Python could not parse the code; check brackets, colons and indentation.",
    "IndentationError": "The indentation is inconsistent; use four spaces per level.",
    "TypeError": "A value of the wrong type was passed to an operation or function.",
    "ValueError": "A function got a value of the right type but an unusable value.",
    "ZeroDivisionError": "Something was divided by zero.",
    "IndexError": "A list index was past the end of the list.",
    "KeyError": "A dictionary was asked for a key it does not have.",
    "AttributeError": "An object was asked for an attribute or method it does not have.",
    "ModuleNotFoundError": "The sandbox has only the standard library and what tutor's own "
    "Python has installed, and no network to fetch more.",
    "ImportError": "The import failed; the sandbox has no network to fetch packages.",
    "RecursionError": "A function called itself too deeply; check the base case.",
    "MemoryError": "The code ran out of the sandbox's memory limit.",
    "PermissionError": "The sandbox allows writing only inside its own scratch folder.",
    "FileNotFoundError": "The file does not exist inside the sandbox's scratch folder.",
}


def error_of(stderr: str) -> tuple[str, str, int | None] | None:
    """(exception type, message, line) from a traceback, or None if there was no exception."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        match = ERROR_LINE.match(line.strip())
        if match:
            numbers = LINE_NO.findall(stderr)
            line_no = int(numbers[-1]) if numbers else None
            return match.group("type"), match.group("msg") or "", line_no
    return None


def describe_run(code: CodeRun) -> str:
    """Markdown: how the run went, its output, and (offline) what an error means."""
    head = (
        f"Ran in the sandbox ({code['isolation']} isolation, {code['duration_s']:.2f} s, "
        f"exit code {code['exit_code']})."
    )
    parts = [head]
    if code["stdout"].strip():
        parts.append(f"**Output**\n```text\n{_clip(code['stdout'])}\n```")
    else:
        parts.append("It printed nothing.")
    if code["stderr"].strip():
        parts.append(f"**Errors**\n```text\n{_clip(code['stderr'])}\n```")
    parts += _verdict(code)
    return "\n\n".join(parts)


def _verdict(code: CodeRun) -> list[str]:
    notes = []
    if code["timed_out"]:
        notes.append("It ran past the time limit and was stopped (everything it started too).")
    error = error_of(code["stderr"]) if code["exit_code"] else None
    if error:
        kind, message, line = error
        where = f" on line {line}" if line else ""
        hint = HINTS.get(kind.rsplit(".", 1)[-1], "")
        notes.append(f"It stopped with **{kind}**{where}: {message}. {hint}".strip())
    if code["truncated"]:
        notes.append("The output was long, so it was cut.")
    if code["files"]:
        notes.append(f"It wrote {', '.join(code['files'])} (discarded with the sandbox).")
    return notes


def _clip(text: str) -> str:
    text = text.rstrip()
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "\n… (cut)"
