"""Test doubles that stand in for slow collaborators (never used by the product)."""

from __future__ import annotations

import hashlib
import math

from langchain_core.embeddings import Embeddings

from tutor.knowledge.words import keywords


class HashEmbeddings(Embeddings):
    """Deterministic bag-of-words vectors: texts sharing words are close; instant to compute."""

    def __init__(self, model_id: str = "test-hash", dims: int = 64) -> None:
        self.model_id = model_id
        self.dims = dims
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dims
        for word in keywords(text) or ["empty"]:
            digest = hashlib.md5(word.encode()).digest()
            vec[digest[0] % self.dims] += 1.0 if digest[1] % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        self.calls += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed a query."""
        return self._vector(text)
