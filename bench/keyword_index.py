#!/usr/bin/env python
"""Keyword search kept on disk (now) against BM25 rebuilt in memory at each start (before).

Run from the repository root:

    .venv/bin/python bench/keyword_index.py                      # quality, 3k and 30k
    .venv/bin/python bench/keyword_index.py --sizes 3000 --cache /tmp/kw   # keep the indexes

It prints, side by side for before and now:

- retrieval quality on the 90 questions of evals/questions.jsonl over the shipped notes
  (bench/retrieval.py's hit@5 and MRR@10), in hybrid, dense and bm25 mode;
- at each vault size (bench/big_vault.py, real offline embedding model): warm hybrid search
  p50/p90 over the same questions, in one process; what a process start spends on keyword
  search before its first search (building BM25 from every passage before; opening the
  keyword rows now); and a cold search process, start to finish (`tutor search` now, the
  same work with the old index before).

"Before" is the code this change replaced, kept here (`OldRetriever`): rank_bm25's BM25Okapi
over every committed passage read from Chroma, rebuilt when the index changes. Numbers only;
nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
TUTOR = Path(sys.executable).parent / "tutor"
MODES = ("hybrid", "dense", "bm25")
COLD_QUERY = "how does dropout prevent overfitting"
WIDTHS = (11, 6, 9, 6)
"""The latency table's number columns: hybrid p50 and p90, bm25 p50 and p90."""


def old_retriever_class() -> Any:
    """The hybrid retriever as it was: BM25 rebuilt in memory from every passage."""
    from langchain_core.documents import Document
    from rank_bm25 import BM25Okapi

    from tutor.knowledge.aliases import read_aliases
    from tutor.knowledge.retriever import HybridRetriever, _stretched
    from tutor.knowledge.terms import alias_terms, passage_terms, search_terms

    class OldRetriever(HybridRetriever):
        def build(self) -> dict[str, Any]:
            stamp = (self.index.count(), self.index.records.last_ingest())
            built = self.__dict__.get("_old")
            if built and built["stamp"] == stamp:
                return built
            committed = self.index.records.chunk_files()
            rows = {
                cid: (t, m)
                for cid, t, m in zip(*self.index.everything(), strict=True)
                if cid in committed
            }
            headed = [f"{m.get('heading', '')}\n{t}" for t, m in rows.values()]
            aliases = read_aliases(headed)
            corpus = [
                passage_terms(str(m.get("heading", "")), t, aliases) for t, m in rows.values()
            ]
            built = {
                "stamp": stamp,
                "rows": rows,
                "order": list(rows),
                "position": {cid: i for i, cid in enumerate(rows)},
                "aliases": aliases,
                "bm25": BM25Okapi(corpus) if corpus else None,
            }
            self.__dict__["_old"] = built
            return built

        def _get_relevant_documents(self, query: str, *, run_manager: Any, k: Any = None) -> Any:
            kw = self.build()
            similarity: dict[str, float] = {}
            dense: dict[str, float] = {}
            lexical: dict[str, float] = {}
            if self.mode in ("hybrid", "dense"):
                nearest = self.index.nearest(query, self.candidates)
                similarity = {cid: s for cid, s in nearest if cid in kw["rows"]}
                dense = _stretched(similarity)
            if self.mode in ("hybrid", "bm25"):
                terms = [*search_terms(query), *alias_terms(query, kw["aliases"])]
                if kw["bm25"] is not None and terms:
                    scores = kw["bm25"].get_scores(terms)
                    ranked = sorted(range(len(scores)), key=lambda i: -scores[i])[: self.candidates]
                    top = float(scores[ranked[0]]) if ranked else 0.0
                    if top > 0:
                        pos = kw["position"]
                        picked = [*ranked, *(pos[c] for c in dense if c in pos)]
                        lexical = {
                            kw["order"][i]: float(scores[i]) / top for i in picked if scores[i] > 0
                        }
            weight = {"hybrid": self.dense_weight, "dense": 1.0, "bm25": 0.0}[self.mode]
            fused = {
                c: weight * dense.get(c, 0.0) + (1 - weight) * lexical.get(c, 0.0)
                for c in {**dense, **lexical}
            }
            best = sorted(fused, key=lambda c: -fused[c])[: k or self.k]
            return [
                Document(
                    page_content=kw["rows"][c][0],
                    id=c,
                    metadata={**kw["rows"][c][1], "score": fused[c]},
                )
                for c in best
            ]

        def tagged(self, topic: str) -> Any:
            from tutor.knowledge.tags import tagged_passages

            kw = self.build()
            return tagged_passages(topic, [(c, t, m) for c, (t, m) in kw["rows"].items()])

    return OldRetriever


def build(notes: Path, home: Path) -> Any:
    """The notes ingested under `home` with the real model (kept if already there)."""
    from tutor.config import load_settings
    from tutor.context import open_index

    settings = load_settings(home=home, notes=notes)
    index = open_index(settings)
    started = time.perf_counter()
    report = index.ingest([notes])
    took = time.perf_counter() - started
    what = "ingested" if report.indexed else "checked (nothing changed)"
    print(f"  {notes.name}: {what} {report.chunks} passages in {took:.1f} s", file=sys.stderr)
    return index


def quality(index: Any, questions: list[dict[str, str]]) -> None:
    from retrieval import evaluate, mean_reciprocal_rank, recall_at

    from tutor.knowledge.retriever import HybridRetriever

    old = old_retriever_class()
    print(f"\nRetrieval over {len(questions)} questions, shipped notes ({index.count()} passages)")
    print(f"{'mode':<8} {'hit@5 before':>13} {'hit@5 now':>10} {'MRR@10 before':>14} {'now':>7}")
    for mode in MODES:
        row = []
        for kind in (old, HybridRetriever):
            ranks = [o.rank for o in evaluate(kind(index=index, mode=mode, k=10), questions, 10)]
            row += [recall_at(5, ranks), mean_reciprocal_rank(ranks, 10)]
        print(f"{mode:<8} {row[0]:>13.3f} {row[2]:>10.3f} {row[1]:>14.3f} {row[3]:>7.3f}")


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def latency(index: Any, questions: list[dict[str, str]], label: str) -> None:
    from tutor.knowledge.retriever import HybridRetriever

    queries = [q["question"] for q in questions]
    index.nearest("warm up the model", 1)  # the model and Chroma, not keyword search
    kinds = {"before": old_retriever_class(), "now": HybridRetriever}
    start, times = {}, {}
    for mode in ("hybrid", "bm25"):
        made = {name: kind(index=index, mode=mode) for name, kind in kinds.items()}
        for name, retriever in made.items():
            took = timed(lambda r=retriever: r.search(queries[0]))  # noqa: B023
            start.setdefault(name, took)  # the first search of the process builds or opens
        for name in made:
            times[name, mode] = []
        # Taking turns query by query: the machine's load weighs on both alike.
        for query in queries:
            for name, retriever in made.items():
                times[name, mode].append(timed(lambda q=query, r=retriever: r.search(q)))  # noqa: B023
    print(f"\n{label}: {index.count()} passages, warm search in one process (ms)")
    head = f"{'':<7} {'1st search':>10} {'hybrid p50':>11} {'p90':>6} {'bm25 p50':>9} {'p90':>6}"
    print(head)
    for name in kinds:
        row = [start[name]]
        for mode in ("hybrid", "bm25"):
            got = sorted(times[name, mode])
            row += [statistics.median(got), got[int(len(got) * 0.9)]]
        first, *rest = row
        cells = " ".join(f"{v:>{w}.1f}" for v, w in zip(rest, WIDTHS, strict=True))
        print(f"{name:<7} {first:>10.0f} {cells}")


def one_changed(index: Any, vault: Path) -> None:
    """Ingest after one note changed: its passages and postings, then the aliases of every
    passage read again (the keyword rows' upkeep; before, the next search rebuilt it all)."""
    from tutor.knowledge import keyword_store as store
    from tutor.knowledge.keyword_upkeep import refresh_aliases

    note = sorted(vault.rglob("note-*.md"))[0]
    text = note.read_text(encoding="utf-8")
    note.write_text(text + "\nOne more line, changed for the bench.\n", encoding="utf-8")
    try:
        started = time.perf_counter()
        index.ingest([vault])
        took = time.perf_counter() - started
        # What the upkeep alone costs: the aliases read again after a commit.
        with index.records.keyword_writer() as sql:
            store.bump_generation(sql)
        upkeep = timed(lambda: refresh_aliases(index.records)) / 1000
        print(f"  one note changed: ingest {took:.1f} s, of which aliases re-read ~{upkeep:.1f} s")
    finally:
        note.write_text(text, encoding="utf-8")
        index.ingest([vault])


def cold(home: Path, notes: Path, label: str, runs: int) -> None:
    """A search process start to finish: `tutor search` now; this script's `--cold-old`
    (the same steps with the old retriever) before, and `--cold-new` beside it."""
    env = {**os.environ, "TUTOR_HOME": str(home), "TUTOR_NOTES": str(notes)}
    commands = {
        "before (script)": [sys.executable, __file__, "--cold-old", COLD_QUERY],
        "now (script)": [sys.executable, __file__, "--cold-new", COLD_QUERY],
        "now (tutor search)": [str(TUTOR), "search", COLD_QUERY, "--json"],
    }
    print(f"\n{label}: a cold search process, median of {runs} (s)")
    for name, command in commands.items():
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        print(f"  {name:<20} {statistics.median(times):>6.2f}")


def cold_search(old: bool, query: str) -> None:
    """One search in a fresh process, as `tutor search` does it (TUTOR_HOME, TUTOR_NOTES)."""
    from tutor.config import load_settings
    from tutor.context import open_index
    from tutor.knowledge.retriever import HybridRetriever

    index = open_index(load_settings())
    kind = old_retriever_class() if old else HybridRetriever
    passages = kind(index=index).search(query, k=5)
    print("\n".join(p.citation for p in passages))
    index.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[3000, 30000])
    parser.add_argument("--cache", type=Path, help="keep the built indexes here for next time")
    parser.add_argument("--runs", type=int, default=3, help="cold processes per measurement")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--cold-old", metavar="QUERY")
    parser.add_argument("--cold-new", metavar="QUERY")
    args = parser.parse_args(argv)
    if args.cold_old or args.cold_new:
        cold_search(bool(args.cold_old), args.cold_old or args.cold_new)
        return

    from big_vault import make_vault
    from retrieval import load_questions

    questions = load_questions()
    base = args.cache or Path(tempfile.mkdtemp(prefix="tutor-kw-bench-"))
    try:
        shipped = ROOT / "knowledge"
        index = build(shipped, base / "home-shipped")
        if not args.skip_quality:
            quality(index, questions)
        latency(index, questions, "shipped notes")
        index.close()
        cold(base / "home-shipped", shipped, "shipped notes", args.runs)
        for size in args.sizes:
            vault = base / f"vault-{size}"
            if not vault.exists():
                make_vault(vault, size)
            index = build(vault, base / f"home-{size}")
            latency(index, questions, f"{size} passages")
            one_changed(index, vault)
            index.close()
            cold(base / f"home-{size}", vault, f"{size} passages", args.runs)
    finally:
        if args.cache is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
