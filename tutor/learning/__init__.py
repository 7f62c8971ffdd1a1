"""Learning: quiz questions from the notes, grading of the learner's answers, FSRS cards and
the learner's memory.

It imports knowledge (and llm, tracing, prompts below it), never context or anything above:
what it needs of a turn's collaborators is the `Collaborators` protocol.

- Questions: `question` (one `Question`), `questions` (the offline kinds put together),
  `structure`, `recall_blocks`, `standalone`, `blanks`, the kind modules `steps`, `contrasts`,
  `reasons`, `code_output`, `kind_rules`; `bank` (built at ingest); `authoring` (LLM mode);
- Which question next: `selection`, `balance`, `on_topic`, `nearest_topics`;
- Grading: `grading`, `answer_words`, `answer_aliases`, `choices`, `contradiction`, `estimate`;
- The learner: `cards` (FSRS scheduling), `memory` (cards and profile in the Store),
  `refresh` (cards kept in step with changed notes), `progress`;
- `collaborators`: the protocol `tutor.context.Services` satisfies.

Nothing is imported here; callers import the module they need.
"""

__all__ = [
    "answer_aliases",
    "answer_words",
    "authoring",
    "balance",
    "bank",
    "blanks",
    "cards",
    "choices",
    "code_output",
    "collaborators",
    "contradiction",
    "contrasts",
    "estimate",
    "grading",
    "kind_rules",
    "memory",
    "nearest_topics",
    "on_topic",
    "progress",
    "question",
    "questions",
    "reasons",
    "recall_blocks",
    "refresh",
    "selection",
    "standalone",
    "steps",
    "structure",
]
