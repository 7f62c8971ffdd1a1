"""The offline intent classifier: a linear model over `features.featurize`, trained by
`python -m tutor.intent.train` from `examples.txt` and shipped as `model.npz`."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.intent.features import featurize

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

HERE = Path(__file__).parent
EXAMPLES = HERE / "examples.txt"
MODEL = HERE / "model.npz"
HELP_INTENTS = frozenset({"greet", "thanks", "bye", "about"})
"""Intents the help node answers (small talk and questions about the tutor)."""


def examples_digest() -> str:
    """The hash of the example phrasings a model was trained on."""
    return hashlib.sha256(EXAMPLES.read_bytes()).hexdigest()


def route_of(intent: str) -> str:
    """The graph route an intent goes to."""
    return "help" if intent in HELP_INTENTS else intent


@dataclass(frozen=True)
class Reading:
    """What the classifier made of a message."""

    intent: str
    """explain, retrieve, quiz, code_run, greet, thanks, bye or about."""
    confidence: float
    """The probability of that intent (0 to 1)."""
    runner_up: str
    """The second most likely intent."""

    @property
    def route(self) -> str:
        """The graph route of the intent."""
        return route_of(self.intent)


class IntentClassifier:
    """Softmax regression over meaning and cue-word features."""

    def __init__(self, weights: Any, bias: Any, intents: list[str], embeddings: Embeddings):
        self.weights, self.bias, self.intents = weights, bias, intents
        self.embeddings = embeddings

    @classmethod
    def load(cls, embeddings: Embeddings, path: Path = MODEL) -> IntentClassifier:
        """The shipped model (built with `python -m tutor.intent.train`)."""
        import numpy as np

        with np.load(path) as data:
            return cls(data["weights"], data["bias"], [str(i) for i in data["intents"]], embeddings)

    def probabilities(self, texts: list[str]) -> Any:
        """Rows of intent probabilities, one per text."""
        import numpy as np

        logits = featurize(texts, self.embeddings) @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def read(self, text: str) -> Reading:
        """The most likely intent of one message, how sure, and the next best."""
        probs = self.probabilities([text])[0]
        first, second = probs.argsort()[::-1][:2]
        return Reading(self.intents[first], float(probs[first]), self.intents[second])


_SHARED: IntentClassifier | None = None
_LOADING = threading.Lock()


def shared_classifier() -> IntentClassifier:
    """One classifier per process, over the shared offline MiniLM (loaded on first use)."""
    global _SHARED
    with _LOADING:
        if _SHARED is None:
            from tutor.knowledge.embeddings import local_minilm

            _SHARED = IntentClassifier.load(local_minilm())
        return _SHARED
