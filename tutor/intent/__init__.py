"""Understanding a message offline: what the learner wants (intent) and its topic.

- `classifier`: the router's linear model over `features` (MiniLM meaning and cue words),
  trained by `train` from `examples.txt` into `model.npz` (shipped with the package);
- `topic`: the concept a request is about and the wishes around it; `languages`: the asking
  words of other languages.

Nothing is imported here: the classifier loads the embedding model on first use.
"""

__all__ = ["classifier", "features", "languages", "topic", "train"]
