"""The one exception type for errors a user can cause and fix."""

OK, FAILED, USAGE = 0, 1, 2
"""The CLI's exit codes: it worked; it failed (a server, a check, a model); the command line,
the input or a setting must change. Ctrl-C ends with 130; `tutor run` with the code's own."""
WRITABLE_HOME = "set TUTOR_HOME to a folder you can write to"
"""The hint for a TUTOR_HOME the tutor cannot write to (here, not in `tutor.prompts`: this
module sits below it)."""


class TutorError(Exception):
    """A problem the user can fix: the message says what happened, the hint what to do."""

    exit_code = USAGE
    """What the CLI exits with: most of these need a different input or setting."""

    def __init__(self, message: str, hint: str = "", *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details: dict[str, str] = {}
        """More for `--json` to print (the thread to retry)."""
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


def unwritable(what: str, folder: object, exc: BaseException) -> TutorError:
    """The error for a TUTOR_HOME the tutor cannot write to (saying so when it is read-only:
    SQLite only says it is "unable to open database file")."""
    import os

    read_only = isinstance(folder, str | os.PathLike) and os.path.isdir(folder)
    read_only = read_only and not os.access(folder, os.W_OK)  # type: ignore[arg-type]
    reason = "the folder is read-only" if read_only else exc
    return TutorError(
        f"cannot keep {what} in {folder}: {reason}",
        WRITABLE_HOME + (", or make this one writable" if read_only else ""),
    )
