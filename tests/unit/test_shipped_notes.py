"""The shipped corpus stays the owner's notes verbatim, mess included."""

from __future__ import annotations

import hashlib

from tests.conftest import SHIPPED_NOTES

# sha256 of ../shared/seeds/00{0..4}_*.txt, which knowledge/ copies byte for byte.
SEEDS = {
    "deep-learning-qa-notebook.md": "c0f443d1ccf6070643483bbb304a53000015d2c2940fe3f654f5135e65826594",  # noqa: E501
    "llm-pretraining-posttraining.md": "0c72e9233b38534344fb75dcd22b5018aaf8ef571a5641bd82bd56be83569278",  # noqa: E501
    "llm-running-notes.md": "7c0774e7306ef2ea750b51a862cd5d58e7da4ccc6ba6103045cbc8644d7b7d56",  # noqa: E501
    "rlhf-and-alignment.md": "91b23fe22323c9c6067d399613f2dd5072027754e52768196fab8c8f1c8e425a",  # noqa: E501
    "training-finetuning-rlhf.md": "055c3318c7b1f598c14fe0ae46ae1ae57d2962e63d0e41b900a7838dcf741daf",  # noqa: E501
}


def test_knowledge_is_the_seed_notes_byte_for_byte() -> None:
    shipped = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SHIPPED_NOTES.iterdir()}
    assert shipped == SEEDS


def test_no_heading_of_the_shipped_notes_shows_mojibake() -> None:
    from tutor.knowledge.chunking import chunk_note
    from tutor.knowledge.loaders import parse_note

    headings = {
        c.heading
        for path in SHIPPED_NOTES.iterdir()
        for c in chunk_note(parse_note(path, path.read_bytes()))
    }
    # UTF-8 read as cp1252/cp1254 leaves Latin-1 letters and signs (`â`, `ðŸ`, `ï¸`).
    broken = [h for h in headings if any("\u00c0" <= ch <= "\u00ff" for ch in h)]
    assert broken == []
    assert any(h.endswith("› Reward Model (Key RLHF Component)") for h in headings)
