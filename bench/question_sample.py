#!/usr/bin/env python
"""A seeded, stratified sample of the offline questions, for labelling against evals/RUBRIC.md.

Run from the repository root:

    .venv/bin/python bench/question_sample.py /tmp/tune.jsonl --half tune --n 80
    .venv/bin/python bench/question_sample.py /tmp/heldout.jsonl --half heldout --n 80

Builds each shipped note's question bank as ingest does (no embeddings needed), keeps the
questions of passages in the asked half (`tutor.evals.dataset.question_half`), and draws
`--n` of them spread over kinds and notes: round-robin over (kind, note) strata, in an order
fixed by `--seed`. Writes one JSON object a line: kind, prompt, options, answer_index,
reference, key_terms, file, heading, start_line, end_line, half, and empty `label`/`why`
fields for the labeller. Prints only counts, never a question: the held-out half is read by
its labeller alone.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from tutor.config import load_settings
from tutor.evals.dataset import question_half
from tutor.knowledge.chunking import chunk_note
from tutor.knowledge.loaders import parse_note, read_note_bytes
from tutor.knowledge.passage import Passage
from tutor.learning.bank import build_bank

ROOT = Path(__file__).resolve().parent.parent


def note_passages(path: Path, chunk_chars: int) -> list[Passage]:
    """A note's passages as ingest cuts them (ids are only their order here)."""
    note = parse_note(path, read_note_bytes(path, 50_000_000))
    return [
        Passage(path.name, c.heading, c.start_line, c.end_line, c.text, 0.0, chunk_id=str(i))
        for i, c in enumerate(chunk_note(note, chunk_chars))
    ]


def banked_rows(notes: Path, half: str) -> list[dict[str, Any]]:
    """Every banked question of the notes' passages in `half`, as a labelling row."""
    chunk_chars = load_settings().chunk_chars
    rows: list[dict[str, Any]] = []
    for path in sorted(p for p in notes.iterdir() if p.suffix in (".md", ".ipynb")):
        passages = note_passages(path, chunk_chars)
        bank = build_bank(passages)
        for passage in passages:
            if question_half(passage.file, passage.heading) != half:
                continue
            for q in bank.get(passage.chunk_id, []):
                rows.append(
                    {
                        "kind": q["kind"],
                        "prompt": q["prompt"],
                        "options": q["options"],
                        "answer_index": q["answer_index"],
                        "reference": q["reference"],
                        "key_terms": q["key_terms"],
                        "file": passage.file,
                        "heading": passage.heading,
                        "start_line": passage.start_line,
                        "end_line": passage.end_line,
                        "half": half,
                        "label": "",
                        "why": "",
                    }
                )
    return rows


def stratified(rows: list[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    """`n` rows taken in turn from each (kind, note) stratum, each stratum shuffled by `seed`."""
    rng = random.Random(seed)
    strata: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        strata[row["kind"], row["file"]].append(row)
    for members in strata.values():
        rng.shuffle(members)
    order = sorted(strata)
    rng.shuffle(order)
    picked: list[dict[str, Any]] = []
    while len(picked) < n and any(strata.values()):
        for key in order:
            if strata[key] and len(picked) < n:
                picked.append(strata[key].pop())
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="JSONL file to write")
    parser.add_argument("--half", choices=("tune", "heldout"), required=True)
    parser.add_argument("--n", type=int, default=80, help="questions to sample")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--notes", type=Path, default=ROOT / "knowledge")
    args = parser.parse_args()
    rows = banked_rows(args.notes, args.half)
    sample = stratified(rows, args.n, args.seed)
    with args.out.open("w", encoding="utf-8") as out:
        for row in sample:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    kinds = Counter(row["kind"] for row in sample)
    notes = Counter(row["file"] for row in sample)
    print(f"{len(sample)} of {len(rows)} {args.half} questions written to {args.out}")
    print("by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print("by note: " + ", ".join(f"{k} {v}" for k, v in sorted(notes.items())))


if __name__ == "__main__":
    main()
