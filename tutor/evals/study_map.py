"""The study map measured: concept coverage, merges, and prerequisite edges, per labelled half.

The labelled sets follow evals/MAP_RUBRIC.md: `map_pairs*.jsonl` (two names, the same
concept or not) and `map_edges*.jsonl` (does `concept` need `needs` first). The tuning half
(`map_pairs.jsonl`, `map_edges.jsonl`) is what the builder was tuned on; the held-out half
(`*_heldout.jsonl`) was labelled by someone else. A missing held-out file is reported as
missing. The same pair or edge in both halves is an error: a held-out item must be unseen.

Coverage (`tutor.evals.map_coverage`) is counted from the notes' own files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tutor.errors import TutorError
from tutor.evals.dataset import EVALS_DIR
from tutor.evals.map_coverage import coverage, note_files
from tutor.knowledge.aliases import Aliases, key
from tutor.studymap.build import build_map, find_concept
from tutor.studymap.concepts import StudyMap

HALVES = {"tune": "", "heldout": "_heldout"}
PAIRS = "map_pairs"
EDGES = "map_edges"


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    same: bool


@dataclass(frozen=True)
class Edge:
    concept: str
    needs: str
    prerequisite: bool


def load_half(name: str, half: str, folder: Path = EVALS_DIR) -> list[dict[str, Any]] | None:
    """One half of a labelled set as rows, or None when its file is missing."""
    path = folder / f"{name}{HALVES[half]}.jsonl"
    if not path.exists():
        return None
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise TutorError(
                f"{path.name} line {n} is not JSON: {exc.msg}", "Fix the line."
            ) from exc
    return rows


def pairs_of(rows: Sequence[Mapping[str, Any]]) -> list[Pair]:
    return [Pair(str(r["a"]), str(r["b"]), bool(r["same"])) for r in rows]


def edges_of(rows: Sequence[Mapping[str, Any]]) -> list[Edge]:
    return [Edge(str(r["concept"]), str(r["needs"]), bool(r["prerequisite"])) for r in rows]


def overlap(tune: Sequence[Pair | Edge], heldout: Sequence[Pair | Edge]) -> list[str]:
    """Items in both halves (a pair either way round; an edge in its direction)."""

    def ident(item: Pair | Edge) -> tuple[str, ...] | frozenset[str]:
        if isinstance(item, Pair):
            return frozenset((key(item.a), key(item.b)))
        return (key(item.concept), key(item.needs))

    seen = {ident(x) for x in tune}
    return [" / ".join(str(v) for v in vars(x).values()) for x in heldout if ident(x) in seen]


def merge_scores(study_map: StudyMap, pairs: Sequence[Pair]) -> dict[str, Any]:
    """Share of same-concept pairs merged; number of different-concept pairs merged."""
    same = [p for p in pairs if p.same]
    different = [p for p in pairs if not p.same]
    unresolved: list[str] = []

    def merged(p: Pair) -> bool:
        a, b = find_concept(study_map, p.a), find_concept(study_map, p.b)
        unresolved.extend(n for n, c in ((p.a, a), (p.b, b)) if c is None)
        return a is not None and b is not None and a.id == b.id

    got = [merged(p) for p in same]
    false = [f"{p.a} / {p.b}" for p in different if merged(p)]
    return {
        "merge_rate": sum(got) / len(got) if got else None,
        "same_pairs": len(same),
        "false_merges": len(false),
        "different_pairs": len(different),
        "false_merged": false,
        "not_merged": [f"{p.a} / {p.b}" for p, ok in zip(same, got, strict=True) if not ok],
        "unresolved": sorted(set(unresolved)),
    }


def edge_scores(study_map: StudyMap, edges: Sequence[Edge]) -> dict[str, Any]:
    """Precision of the labelled edges the map draws, and recall of the true ones."""
    drawn = []
    for e in edges:
        a, b = find_concept(study_map, e.concept), find_concept(study_map, e.needs)
        drawn.append(bool(a and b and b.id in study_map.prerequisites(a.id)))
    hits = [e for e, d in zip(edges, drawn, strict=True) if d]
    true = [e for e in edges if e.prerequisite]
    return {
        "precision": sum(e.prerequisite for e in hits) / len(hits) if hits else None,
        "recall": sum(d for e, d in zip(edges, drawn, strict=True) if e.prerequisite) / len(true)
        if true
        else None,
        "edges": len(edges),
        "true_edges": len(true),
        "drawn": len(hits),
        "wrong": [f"{e.concept} -> {e.needs}" for e in hits if not e.prerequisite],
    }


def study_map_eval(
    rows: Sequence[tuple[str, str, Mapping[str, Any]]], aliases: Aliases, folder: Path = EVALS_DIR
) -> dict[str, Any]:
    """Build the map of the indexed notes and score it on each half of the labelled sets."""
    started = time.perf_counter()
    study_map = build_map(rows, aliases)
    built = time.perf_counter() - started
    loaded = {
        (name, half): load_half(name, half, folder) for name in (PAIRS, EDGES) for half in HALVES
    }
    pairs = {h: pairs_of(r) for (n, h), r in loaded.items() if n == PAIRS and r is not None}
    edges = {h: edges_of(r) for (n, h), r in loaded.items() if n == EDGES and r is not None}
    both = overlap(pairs.get("tune", []), pairs.get("heldout", []))
    both += overlap(edges.get("tune", []), edges.get("heldout", []))
    if both:
        raise TutorError(
            f"{len(both)} labelled item(s) are in both halves of the study-map sets: {both[0]}",
            "A held-out item must be unseen: remove it from the tuning half.",
        )
    halves: dict[str, Any] = {}
    for half in HALVES:
        got: dict[str, Any] = {}
        got["merges"] = merge_scores(study_map, pairs[half]) if half in pairs else "missing"
        got["edges"] = edge_scores(study_map, edges[half]) if half in edges else "missing"
        halves[half] = got
    kinds: dict[str, int] = {}
    for r in study_map.relations:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    return {
        "concepts": len(study_map.concepts),
        "relations": kinds,
        "build_s": built,
        "coverage": coverage(study_map, note_files(rows)),
        "halves": halves,
    }


def study_map_table(result: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(metric, value, over how many) rows for printing, held-out half first."""
    if not result:
        return []
    rows = []
    cover = result["coverage"]
    rows.append(("study map: concept coverage", _shown(cover["coverage"]), str(cover["names"])))
    for half in ("heldout", "tune"):
        got = result["halves"].get(half, {})
        merges, edges = got.get("merges"), got.get("edges")
        if not isinstance(merges, dict):
            rows.append((f"study map merges ({half})", "missing", "0"))
        else:
            rows.append((f"study map merge rate ({half})", _shown(merges["merge_rate"]),
                         str(merges["same_pairs"])))  # fmt: skip
            rows.append((f"study map false merges ({half})", str(merges["false_merges"]),
                         str(merges["different_pairs"])))  # fmt: skip
        if not isinstance(edges, dict):
            rows.append((f"study map edges ({half})", "missing", "0"))
        else:
            rows.append((f"study map prerequisite precision ({half})",
                         _shown(edges["precision"]), str(edges["drawn"])))  # fmt: skip
            rows.append((f"study map prerequisite recall ({half})", _shown(edges["recall"]),
                         str(edges["true_edges"])))  # fmt: skip
    return rows


def _shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
