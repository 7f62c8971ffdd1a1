"""The terminal: what the CLI prints and the sessions it runs.

- `output`: printing fitted to a terminal, a pipe or a file; progress and error JSON;
- `chat`: `tutor chat`, the conversation;
- `review`: `tutor quiz`, a review session with a summary;
- `doctor`: `tutor doctor`, the checks of a setup;
- `migrate`: `tutor db migrate`, a home's learners and threads copied into PostgreSQL;
- `forget`: `tutor forget`, one learner removed from everywhere;
- `study`: `tutor map` and `tutor next`, the study map and what to study next.

Nothing is imported here: `tutor --help` loads only what it prints.
"""

__all__ = ["chat", "doctor", "forget", "migrate", "output", "review", "study"]
