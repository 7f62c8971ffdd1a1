"""The terminal: what the CLI prints and the sessions it runs.

- `output`: printing fitted to a terminal, a pipe or a file; progress and error JSON;
- `chat`: `tutor chat`, the conversation;
- `review`: `tutor quiz`, a review session with a summary;
- `doctor`: `tutor doctor`, the checks of a setup;
- `admin`: `tutor db migrate` and `tutor forget`, moving and removing learners' state.

Nothing is imported here: `tutor --help` loads only what it prints.
"""

__all__ = ["admin", "chat", "doctor", "output", "review"]
