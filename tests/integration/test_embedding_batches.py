"""Length-bucketed batches give the vectors the file-order batches gave, in the order asked."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from tutor.knowledge.chunking import chunk_note
from tutor.knowledge.embeddings import MAX_ROWS, MAX_TOKENS, TOKENIZER_PATH, LocalMiniLM
from tutor.knowledge.embeddings import length_batches as batches_of
from tutor.knowledge.loaders import parse_note

pytestmark = pytest.mark.integration

SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"


def file_order_vectors(model: LocalMiniLM, texts: list[str], batch: int = 8) -> np.ndarray:
    """How vectors were made before: batches of eight in the order given, padded to the
    longest text of each batch by the tokenizer."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding()
    out = []
    for start in range(0, len(texts), batch):
        encoded = tokenizer.encode_batch([t or " " for t in texts[start : start + batch]])
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = model._session.run(["last_hidden_state"], feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
    return np.concatenate(out)


@pytest.fixture(scope="module")
def passages() -> list[str]:
    """The shipped notes' passages in file order, with an empty and an over-long text."""
    texts = [
        c.for_search()
        for p in sorted(SHIPPED.glob("*.md"))
        for c in chunk_note(parse_note(p, p.read_bytes()))
    ]
    return [*texts[:60], "", "attention " * 400, *texts[60:120]]


def test_bucketed_vectors_equal_file_order_vectors(passages: list[str]) -> None:
    model = LocalMiniLM()
    got = np.array(model.embed_documents(passages))
    model.embed_query("load")  # the session the reference borrows
    want = file_order_vectors(model, passages)
    assert got.shape == want.shape == (len(passages), 384)
    assert np.abs(got - want).max() <= 1e-6


def test_each_text_keeps_its_vector_whatever_the_order(passages: list[str]) -> None:
    model = LocalMiniLM()
    shuffled = passages[:]
    random.Random(5).shuffle(shuffled)
    by_text = dict(zip(shuffled, model.embed_documents(shuffled), strict=True))
    again = np.array(model.embed_documents(passages))
    assert np.abs(again - np.array([by_text[t] for t in passages])).max() <= 1e-6
    assert np.allclose(model.embed_query(passages[3]), again[3], atol=1e-6)


def test_batches_cover_every_text_once_within_the_token_budget() -> None:
    lengths = np.array([random.Random(n).randint(3, MAX_TOKENS) for n in range(500)])
    groups = batches_of(lengths, batch=4)
    assert sorted(np.concatenate(groups).tolist()) == list(range(500))
    for group in groups:
        assert len(group) == 1 or len(group) * lengths[group].max() <= 4 * MAX_TOKENS
        assert len(group) <= MAX_ROWS
