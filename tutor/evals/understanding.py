"""How well the tutor understands a message: routing and coverage, on labelled sets in evals/.

Each set has a `tune` half (phrasings and thresholds were adjusted while reading its
failures) and a `heldout` half (written first, never tuned on; only its totals are read).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.errors import TutorError
from tutor.evals.dataset import EVALS_DIR, spread

if TYPE_CHECKING:
    from tutor.context import Services

ROUTING = EVALS_DIR / "routing.jsonl"
# coverage.jsonl is the tuning half: the earlier held-out halves moved there once read
# (rows marked "was"); coverage_heldout.jsonl is the held-out half, written by someone else.
COVERAGE = (EVALS_DIR / "coverage.jsonl", EVALS_DIR / "coverage_heldout.jsonl")
SPLITS = ("heldout", "tune")
ROUTES = ("explain", "retrieve", "quiz", "code_run", "help")


@dataclass(frozen=True)
class Labelled:
    """One labelled message: its text, the expected answer, and its half of the set."""

    id: str
    text: str
    expected: str
    split: str


def load_labelled(path: Path, text_key: str, label_key: str) -> list[Labelled]:
    """A JSONL set of labelled messages (`route` for routing, `covered` for coverage)."""
    try:
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
        items = [
            Labelled(str(r["id"]), str(r[text_key]), str(r[label_key]).lower(), str(r["split"]))
            for r in rows
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TutorError(
            f"the eval set {path} is unreadable: {exc!r}", "see evals/RUBRIC.md"
        ) from None
    if bad := sorted({i.split for i in items} - set(SPLITS)):
        raise TutorError(f"the eval set {path} has unknown splits {bad}", "use tune or heldout")
    return items


def routing_rows(services: Services, items: list[Labelled]) -> list[dict[str, Any]]:
    """Each message routed as the tutor routes it (the model too, when one is configured)."""
    from tutor.nodes.router import choose_route

    rows = []
    for item in items:
        chosen = choose_route(item.text, services)
        rows.append({"id": item.id, "split": item.split, "expected": item.expected,
                     "got": chosen["route"], "routed_by": chosen["routed_by"]})  # fmt: skip
    return rows


def coverage_rows(services: Services, items: list[Labelled]) -> list[dict[str, Any]]:
    """Each question's topic looked up in the notes, as the explain node does."""
    from tutor.intent.topic import read_request

    rows = []
    for item in items:
        request = read_request(item.text)
        _, found = services.look_up(request.topic or item.text, k=5, parts=request.parts)
        # A comparison with a part the notes lack is answered in part, not covered.
        got = "true" if found.covered and not found.missing else "false"
        rows.append({"id": item.id, "split": item.split, "expected": item.expected, "got": got})
    return rows


def routing_scores(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per half: overall accuracy and accuracy per route, with counts."""
    out: dict[str, dict[str, Any]] = {}
    for split in SPLITS:
        mine = [r for r in rows if r["split"] == split]
        if not mine:
            continue
        per = Counter(r["expected"] for r in mine)
        right = Counter(r["expected"] for r in mine if r["got"] == r["expected"])
        out[split] = {
            "accuracy": sum(right.values()) / len(mine),
            "n": len(mine),
            "routes": {k: {"accuracy": right[k] / per[k], "n": per[k]} for k in ROUTES if per[k]},
        }
    return out


def coverage_scores(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per half: recall on covered questions and specificity on absent topics."""
    out: dict[str, dict[str, Any]] = {}
    for split in SPLITS:
        covered = [r for r in rows if r["split"] == split and r["expected"] == "true"]
        absent = [r for r in rows if r["split"] == split and r["expected"] == "false"]
        if not covered and not absent:
            continue
        out[split] = {
            "recall": sum(r["got"] == "true" for r in covered) / len(covered) if covered else None,
            "specificity": sum(r["got"] == "false" for r in absent) / len(absent)
            if absent
            else None,
            "covered_n": len(covered),
            "absent_n": len(absent),
        }
    return out


def understanding(services: Services, limit: int | None = None) -> dict[str, Any]:
    """Routing and coverage scores per half, and their rows."""
    routing = spread(load_labelled(ROUTING, "text", "route"), limit)
    labelled = [item for path in COVERAGE for item in load_labelled(path, "question", "covered")]
    coverage = spread(labelled, limit)
    route_rows = routing_rows(services, routing)
    cover_rows = coverage_rows(services, coverage)
    return {
        "routing": routing_scores(route_rows),
        "coverage": coverage_scores(cover_rows),
        "routing_rows": route_rows,
        "coverage_rows": cover_rows,
    }


def understanding_table(scores: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(metric, value, over how many) rows for printing, held-out half first."""
    rows = []
    for split in SPLITS:
        routing = scores.get("routing", {}).get(split)
        if routing:
            rows.append((f"routing accuracy ({split})", f"{routing['accuracy']:.3f}",
                         str(routing["n"])))  # fmt: skip
            for route, got in routing["routes"].items():
                rows.append((f"  {route}", f"{got['accuracy']:.3f}", str(got["n"])))
        coverage = scores.get("coverage", {}).get(split)
        if coverage:
            for key, n in (("recall", "covered_n"), ("specificity", "absent_n")):
                value = coverage[key]
                shown = "n/a" if value is None else f"{value:.3f}"
                rows.append((f"coverage {key} ({split})", shown, str(coverage[n])))
    return rows
