"""The one exception type for errors a user can cause and fix."""


class TutorError(Exception):
    """A problem the user can fix: the message says what happened, the hint what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


def unwritable(what: str, folder: object, exc: BaseException) -> TutorError:
    """The error for a TUTOR_HOME the tutor cannot write to."""
    return TutorError(
        f"cannot keep {what} in {folder}: {exc}", "set TUTOR_HOME to a folder you can write to"
    )
