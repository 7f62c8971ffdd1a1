#!/usr/bin/env python
"""Retrieval quality of tutor's search over the shipped notes: dense vs BM25 vs hybrid.

Run from the repository root:

    .venv/bin/python bench/retrieval.py
    .venv/bin/python bench/retrieval.py --candidates 50 --dense-weight 0.5   # other fusion settings

It ingests knowledge/ into a fresh temporary TUTOR_HOME with the real offline embedding
model, asks every question of evals/questions.jsonl (the eval set `tutor eval` uses) in
each mode, and prints Recall@5 and MRR@k side by side, then the questions hybrid mode missed
in its top 5. A passage is a hit when it comes from the question's file and contains its
phrase, the question's first key fact (compared case-insensitively, whitespace collapsed).
It prints numbers only; nothing asserts.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "evals" / "questions.jsonl"
MODES = ("dense", "bm25", "hybrid")
RECALL_AT = 5
TARGET_RECALL = 0.95
TARGET_MRR = 0.85


# ---- metrics (importable) -------------------------------------------------------------


def normalize(text: str) -> str:
    """Lower-case with every run of whitespace collapsed to one space."""
    return re.sub(r"\s+", " ", text).strip().lower()


def is_hit(file: str, text: str, item: dict[str, str]) -> bool:
    """True when a passage from `file` with `text` answers the question `item`."""
    return Path(file).name == item["file"] and normalize(item["phrase"]) in normalize(text)


def first_hit_rank(passages: Sequence[Any], item: dict[str, str]) -> int | None:
    """1-based rank of the first passage (with .file and .text) that answers `item`."""
    for rank, passage in enumerate(passages, start=1):
        if is_hit(passage.file, passage.text, item):
            return rank
    return None


def recall_at(k: int, ranks: Sequence[int | None]) -> float:
    """Share of questions whose first hit is within the top k."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def reciprocal_rank(rank: int | None, k: int = 10) -> float:
    """1/rank of the first hit, 0 when there is none within the top k."""
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def mean_reciprocal_rank(ranks: Sequence[int | None], k: int = 10) -> float:
    """MRR@k over all questions."""
    return sum(reciprocal_rank(r, k) for r in ranks) / len(ranks) if ranks else 0.0


# ---- running it ---------------------------------------------------------------------


@dataclass
class Outcome:
    """One question asked in one mode."""

    item: dict[str, str]
    rank: int | None
    top: Any  # the first Passage, or None


def load_questions(path: Path = QUESTIONS) -> list[dict[str, str]]:
    """The question set: dicts with question, phrase (its first key fact), file and style."""
    from tutor.evals.dataset import load_questions as load_eval_questions

    return [
        {"question": q.question, "phrase": q.facts[0], "file": q.file, "style": q.style}
        for q in load_eval_questions(path)
    ]


def build_index(notes: Path, home: Path) -> Any:
    """Ingest `notes` into a NotesIndex living under `home`."""
    from tutor.config import load_settings
    from tutor.context import open_index

    settings = load_settings(home=home, notes=notes)
    index = open_index(settings)
    index.ingest([settings.notes])
    return index


def unmatched_phrases(index: Any, questions: list[dict[str, str]]) -> list[dict[str, str]]:
    """Questions whose phrase occurs in no chunk of their file (a broken question)."""
    _, texts, metas = index.everything()
    chunks = list(zip(texts, metas, strict=True))
    return [
        item
        for item in questions
        if not any(is_hit(str(m.get("file", "")), t, item) for t, m in chunks)
    ]


def evaluate(retriever: Any, questions: list[dict[str, str]], k: int) -> list[Outcome]:
    """Ask every question, keeping the rank of the first hit and the first passage."""
    out = []
    for item in questions:
        passages = retriever.search(item["question"], k=k)
        out.append(Outcome(item, first_hit_rank(passages, item), passages[0] if passages else None))
    return out


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISS"


def print_table(results: dict[str, list[Outcome]], k: int, settings: str) -> None:
    """Side-by-side metrics per mode, with the targets next to hybrid's numbers."""
    rows = {}
    for mode, outcomes in results.items():
        ranks = [o.rank for o in outcomes]
        rows[mode] = (recall_at(RECALL_AT, ranks), mean_reciprocal_rank(ranks, k))
    n = len(next(iter(results.values())))
    print(f"\nRetrieval over {n} questions ({settings})\n")
    recall_col, mrr_col, miss_col = f"Recall@{RECALL_AT}", f"MRR@{k}", f"miss@{k}"
    head = f"{'mode':<8} {recall_col:>9} {mrr_col:>8} {'hits@1':>7} {miss_col:>8}"
    print(head)
    print("-" * len(head))
    for mode, (recall, mrr) in rows.items():
        ranks = [o.rank for o in results[mode]]
        at1 = sum(1 for r in ranks if r == 1)
        missed = sum(1 for r in ranks if r is None)
        print(f"{mode:<8} {recall:>9.3f} {mrr:>8.3f} {at1:>7d} {missed:>8d}")
    if "hybrid" not in rows:
        return
    recall, mrr = rows["hybrid"]
    others = [v for m, v in rows.items() if m != "hybrid"]
    beats = all(recall >= r and mrr > m for r, m in others)
    print("\nTargets (hybrid)")
    print(f"  hybrid beats dense and bm25 (Recall@{RECALL_AT} >=, MRR >): {_mark(beats)}")
    recall_ok = _mark(recall >= TARGET_RECALL)
    print(f"  Recall@{RECALL_AT} >= {TARGET_RECALL:.2f}: {recall:.3f} {recall_ok}")
    print(f"  MRR@{k} >= {TARGET_MRR:.2f}:    {mrr:.3f} {_mark(mrr >= TARGET_MRR)}")


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_misses(outcomes: list[Outcome], mode: str) -> None:
    """The questions a mode did not answer within the top 5, and what it ranked first."""
    misses = [o for o in outcomes if o.rank is None or o.rank > RECALL_AT]
    print(f"\n{mode} misses in the top {RECALL_AT}: {len(misses)}")
    for o in misses:
        where = f"rank {o.rank}" if o.rank else "not in results"
        print(f"- {o.item['question']}  [{where}]")
        print(f'    wanted: {o.item["file"]}: "{o.item["phrase"]}"')
        if o.top is not None:
            print(f"    first:  {o.top.citation}: {_short(o.top.text)}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, default=10, help="passages retrieved (MRR@k)")
    parser.add_argument("--candidates", type=int, default=None, help="HybridRetriever candidates")
    parser.add_argument(
        "--dense-weight", type=float, default=None, help="HybridRetriever dense_weight"
    )
    parser.add_argument("--notes", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--all-misses", action="store_true", help="list misses of every mode")
    args = parser.parse_args(argv)

    from tutor.knowledge.retriever import HybridRetriever

    questions = load_questions(args.questions)
    home = Path(tempfile.mkdtemp(prefix="tutor-bench-"))
    try:
        index = build_index(args.notes, home)
        broken = unmatched_phrases(index, questions)
        for item in broken:
            print(f"warning: phrase not in any chunk of {item['file']}: {item['phrase']!r}")
        options: dict[str, Any] = {}
        if args.candidates is not None:
            options["candidates"] = args.candidates
        if args.dense_weight is not None:
            options["dense_weight"] = args.dense_weight
        results = {}
        for mode in MODES:
            retriever = HybridRetriever(index=index, mode=mode, k=args.k, **options)
            results[mode] = evaluate(retriever, questions, args.k)
        probe = HybridRetriever(index=index, **options)
        settings = (
            f"{index.count()} passages, candidates={probe.candidates}, "
            f"dense_weight={probe.dense_weight}, "
            f"k={args.k}"
        )
        print_table(results, args.k, f"all styles; {settings}")
        # Paraphrases avoid the notes' own words; keyword questions are how people search.
        for style in sorted({q.get("style", "paraphrase") for q in questions}):
            subset = {
                mode: [o for o in outcomes if o.item.get("style", "paraphrase") == style]
                for mode, outcomes in results.items()
            }
            print_table(subset, args.k, f"style {style}")
        for mode in MODES if args.all_misses else ("hybrid",):
            print_misses(results[mode], mode)
        index.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
