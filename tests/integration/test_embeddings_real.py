"""The real offline embedder matches exact all-MiniLM-L6-v2 vectors and ranks sensibly.

The reference vectors come from bench/embedding_reference.py (a numpy fp32 forward pass over
the original model.safetensors); regenerate them with the command in its docstring.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tutor.knowledge.embeddings import LocalMiniLM

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "minilm_reference.json"

# Excerpts of knowledge/deep-learning-qa-notebook.md, and paraphrased questions about each.
PASSAGES = [
    "What is LSTM\n- LSTM (Long Short-Term Memory) is a type of Recurrent Neural Network (RNN) "
    "designed to capture long-range dependencies in sequential data.\n- LSTM solves the long "
    "term memory issue in RNN by having 2 seperate memories for short term and long term.",
    "Adaptive Moment Estimation\n- An optimization algo that combines both Momentum and Adaptive "
    "learning rate.\n- So like momentum, it keeps track of the averagae direction to go in.\n- and "
    "like RMSprop, it alters the learning rate based on how big or small gradients are.",
    "Explain self attention and its working\n- self attention is one the most important "
    "components of a transformer.\n- Second, for each vector we create 3 new vectors: Query,Key,"
    "Value\n- These are computed by multiplying the input vector by three different weight "
    "matrices (learned during training).",
]
QUERIES = [
    "How does a recurrent network keep information over long sequences?",
    "Which optimizer mixes momentum with a per-parameter step size?",
    "How are queries, keys and values used inside a transformer?",
]


@pytest.fixture(scope="module")
def model() -> LocalMiniLM:
    return LocalMiniLM()


def test_vectors_match_the_exact_reference(model: LocalMiniLM) -> None:
    items = json.loads(FIXTURE.read_text(encoding="utf-8"))["items"]
    got = np.array(model.embed_documents([item["text"] for item in items]))
    ref = np.array([item["vector"] for item in items])
    assert got.shape == ref.shape == (len(items), 384)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cosines = (got * ref).sum(axis=1) / np.linalg.norm(ref, axis=1)
    for item, cosine in zip(items, cosines, strict=True):
        assert cosine >= 0.995, f"cosine {cosine:.4f} for {item['text'][:50]!r}"


def test_matching_passage_ranks_first(model: LocalMiniLM) -> None:
    passages = np.array(model.embed_documents(PASSAGES))
    for i, query in enumerate(QUERIES):
        scores = passages @ np.array(model.embed_query(query))
        assert int(scores.argmax()) == i, f"{query!r} scored {scores.round(3).tolist()}"
