"""The study map drawn as a PNG (matplotlib): layered, coloured by mastery, with a legend.

A prerequisite sits above what builds on it. matplotlib is imported only when a PNG is
drawn, so `tutor --help` and the text outputs never load it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor import prompts
from tutor.errors import TutorError
from tutor.studymap.concepts import StudyMap
from tutor.studymap.mastery import ConceptMastery, Known, mastery_of
from tutor.studymap.render import label, walk

if TYPE_CHECKING:
    from matplotlib.axes import Axes

COLUMNS = 6
"""Concepts a row of the PNG holds; a wider layer wraps onto more rows."""
SMALL = 40
"""Concepts up to which a picture also lays parts out below their whole, and draws their
lines; a larger one keeps only the prerequisite arrows legible."""
BOX_W, BOX_H, GAP_X, GAP_Y = 2.4, 0.8, 0.4, 0.7
"""A concept's box and the space between boxes, in inches."""
NOT_STARTED = "#e6e6e6"
TOP, MIN_WIDTH = 1.3, 8.0
"""Inches above the first row (title and legend); the narrowest picture (the legend fits)."""
LINE_H, PAD = 8 * 1.2 / 72, 0.4 * 8 / 72
"""A line of 8-point text and a box's padding, in inches: where an arrow meets a box."""
WRAP = 30


def layers(study_map: StudyMap) -> list[list[str]]:
    """Concepts by depth along prerequisites: each below what it needs first (a cycle in bad
    notes is cut where it closes). A small map also puts a part below its whole and each
    layer under its concepts' neighbours above; a large one keeps each layer in the tree's
    reading order, so a whole and its parts sit together."""
    concepts = study_map.concepts
    small = len(concepts) <= SMALL
    kinds = ("prerequisite", "part_of") if small else ("prerequisite",)
    above: dict[str, list[str]] = {cid: [] for cid in concepts}
    for r in study_map.relations:
        if r.kind in kinds and r.source in concepts and r.target in concepts:
            above[r.source].append(r.target)
    depth: dict[str, int] = {}

    def depth_of(cid: str, path: frozenset[str]) -> int:
        if cid not in depth:
            ups = [p for p in above[cid] if p not in path]
            depth[cid] = 1 + max((depth_of(p, path | {p}) for p in ups), default=-1)
        return depth[cid]

    rows: dict[int, list[str]] = {}
    for cid in concepts:
        rows.setdefault(depth_of(cid, frozenset({cid})), []).append(cid)
    reading = {cid: n for n, (_, _, cid) in enumerate(walk(study_map))}
    column: dict[str, float] = {}

    def under(cid: str) -> tuple[float, int]:
        placed = [column[p] for p in above[cid] if p in column]
        return (sum(placed) / len(placed) if placed else float("inf"), reading[cid])

    out: list[list[str]] = []
    for d in sorted(rows):
        layer = sorted(rows[d], key=under if out and small else reading.__getitem__)
        column.update((cid, n % COLUMNS) for n, cid in enumerate(layer))
        out.append(layer)
    return out


def colour(known: ConceptMastery) -> Any:
    """Grey before any review; red (0%) through yellow to green (100%) after."""
    if known.mastery is None:
        return NOT_STARTED
    from matplotlib import colormaps

    return colormaps["RdYlGn"](0.1 + 0.8 * known.mastery)


def draw_png(study_map: StudyMap, known: Known, path: Path, title: str = "") -> None:
    """Draw the map to a PNG file: layered boxes coloured by mastery, arrows from each
    prerequisite to what builds on it, thin lines from a whole to its parts, a legend."""
    try:  # refuse before drawing: an unwritable place is the user's to fix
        with path.open("ab"):
            pass
    except OSError as exc:
        reason = exc.strerror or exc
        raise TutorError(f"cannot write {path}: {reason}", prompts.MAP_PNG_HINT) from None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    where = _positions(layers(study_map))
    columns = round(max((x for x, _ in where.values()), default=0)) + 1
    rows = max((y for _, y in where.values()), default=0) + 1
    width = max(columns * (BOX_W + GAP_X), MIN_WIDTH)
    height = rows * (BOX_H + GAP_Y) + TOP
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)  # one unit an inch both ways, so boxes and arrows meet
    ax.set_ylim(TOP - height, TOP)
    ax.axis("off")
    texts = {cid: _box_text(study_map, known, cid) for cid in where}
    centre = {cid: _centre(x, y) for cid, (x, y) in where.items()}
    half = {cid: (text.count("\n") + 1) * LINE_H / 2 + PAD for cid, text in texts.items()}
    _edges(ax, study_map, centre, half)
    for cid, (cx, cy) in centre.items():
        fill = colour(mastery_of(known, study_map.concepts[cid]))
        box = {"boxstyle": "round,pad=0.4", "fc": fill, "ec": "#555"}
        ax.text(cx, cy, texts[cid], ha="center", va="center", fontsize=8, zorder=3, bbox=box)
    if title:
        ax.text(width / 2, TOP - 0.3, title, ha="center", va="center", fontsize=12)
    _legend(ax, 1 - 0.55 / height, len(study_map.concepts) <= SMALL)
    try:
        fig.savefig(path, format="png", dpi=100)
    except OSError as exc:
        raise TutorError(f"cannot write {path}: {exc}", prompts.MAP_PNG_HINT) from None
    finally:
        plt.close(fig)


def _box_text(study_map: StudyMap, known: Known, cid: str) -> str:
    concept = study_map.concepts[cid]
    k = mastery_of(known, concept)
    shown = prompts.MAP_NOT_STARTED if k.mastery is None else f"{k.mastery:.0%}"
    name = textwrap.wrap(label(concept), WRAP, max_lines=2, placeholder="…") or ["?"]
    return "\n".join([*name, shown])


def _positions(by_layer: list[list[str]]) -> dict[str, tuple[float, int]]:
    """Each concept's column and row: a layer fills rows of `COLUMNS`, the next starts below;
    a row shorter than the widest is centred under it."""
    widest = min(COLUMNS, max((len(layer) for layer in by_layer), default=1))
    where: dict[str, tuple[float, int]] = {}
    row = 0
    for layer in by_layer:
        for start in range(0, len(layer), COLUMNS):
            chunk = layer[start : start + COLUMNS]
            indent = (widest - len(chunk)) / 2
            where |= {cid: (indent + n, row) for n, cid in enumerate(chunk)}
            row += 1
    return where


def _centre(x: float, y: int) -> tuple[float, float]:
    return (
        GAP_X / 2 + x * (BOX_W + GAP_X) + BOX_W / 2,
        -GAP_Y / 2 - y * (BOX_H + GAP_Y) - BOX_H / 2,
    )


Point = tuple[float, float]


def _edges(ax: Axes, study_map: StudyMap, centre: dict[str, Point], half: dict[str, float]) -> None:
    """Prerequisite arrows; on a small map also a line from each whole to its parts and
    between compared concepts (on a large one the reading order keeps parts together, and
    their lines would hide the arrows)."""
    small = len(study_map.concepts) <= SMALL
    for r in study_map.relations:
        if r.source not in centre or r.target not in centre:
            continue
        # From the need to what needs it; from a whole to its part.
        start, end = _ends(centre[r.target], centre[r.source], half[r.target], half[r.source])
        if r.kind == "prerequisite":
            # On a small map an arrow over more than one row bends, to pass beside the boxes
            # between; on a large one it stays straight and light, so many stay readable.
            skips = small and abs(start[1] - end[1]) > BOX_H + GAP_Y + 2 * PAD + LINE_H * 3
            ax.annotate(
                "",
                xy=end,
                xytext=start,
                zorder=4 if small else 2,  # many arrows pass under the boxes they cross
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": "#1f4e79",
                    "lw": 1.2 if small else 0.8,
                    "alpha": 0.8 if small else 0.5,
                    "connectionstyle": f"arc3,rad={0.3 if skips else 0.0}",
                },
            )
        elif small:
            style = ":" if r.kind == "compare_with" else "--"
            xs, ys = zip(start, end, strict=True)
            ax.plot(xs, ys, style, color="#888", lw=0.8, alpha=0.6, zorder=1)


def _ends(a: Point, b: Point, half_a: float, half_b: float) -> tuple[Point, Point]:
    """Where a line from box `a` to box `b` leaves the one and meets the other."""
    (ax_, ay), (bx, by) = a, b
    if abs(ay - by) < 1e-6:  # side by side: from edge to edge
        side = BOX_W / 2 if bx > ax_ else -BOX_W / 2
        return (ax_ + side, ay), (bx - side, by)
    down = -1 if by < ay else 1
    return (ax_, ay + down * half_a), (bx, by - down * half_b)


def _legend(ax: Axes, top: float, small: bool) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(fc=NOT_STARTED, ec="#555", label=prompts.MAP_NOT_STARTED),
        Patch(fc=colour(ConceptMastery("", 1, 1, 0.0, 0, 0, False)), ec="#555", label="0%"),
        Patch(fc=colour(ConceptMastery("", 1, 1, 0.5, 0, 0, False)), ec="#555", label="50%"),
        Patch(fc=colour(ConceptMastery("", 1, 1, 1.0, 0, 0, False)), ec="#555", label="100%"),
        Line2D([], [], color="#1f4e79", marker=">", label="needed before"),
    ]
    if small:
        handles.append(Line2D([], [], color="#888", ls="--", label="part of"))
        handles.append(Line2D([], [], color="#888", ls=":", label="compared with"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, top),
        fontsize=8,
        framealpha=0.9,
        ncols=min(len(handles), 4),
    )
