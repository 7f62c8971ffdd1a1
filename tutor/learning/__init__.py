"""Learning: quiz questions from the notes and grading of the learner's answers."""
