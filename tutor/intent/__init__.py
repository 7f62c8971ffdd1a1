"""Understanding a message offline: what the learner wants (intent) and its topic."""
