"""How long building the study map takes, and how good it is.

Prints `build_map` time on the shipped notes and on a generated 3,000-passage vault
(`bench/big_vault.py`), warm: the passages are in memory as the index's keyword rows hold
them (`HybridRetriever.rows()`, cut here by the same chunker with the same metadata, so no
embedding model is needed), imports done; the first build of a process (its caches cold) is
printed apart from the median of the next ones. Then the eval's study-map metrics on the
labelled halves (evals/map_pairs*.jsonl, evals/map_edges*.jsonl).

Run: .venv/bin/python bench/map.py [--runs N] [--passages 3000]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from big_vault import make_vault  # noqa: E402

from tutor.evals.study_map import study_map_eval, study_map_table  # noqa: E402
from tutor.knowledge.aliases import read_aliases  # noqa: E402
from tutor.knowledge.chunking import chunk_note  # noqa: E402
from tutor.knowledge.index import _chunk_id, _metadata, _note_metadata, _numbered, _source  # noqa: E402
from tutor.knowledge.loaders import find_notes, parse_note  # noqa: E402
from tutor.studymap.build import build_map  # noqa: E402

Rows = list[tuple[str, str, dict[str, Any]]]


def rows_of(folder: Path) -> Rows:
    """Every passage of the folder's notes with the metadata the index stores."""
    rows: Rows = []
    found, _ = find_notes([folder])
    for root, path in found:
        note = parse_note(path, path.read_bytes())
        source, extra = _source(path), _note_metadata(note.metadata)
        file = str(path.relative_to(root))
        for chunk, n in _numbered(chunk_note(note)):
            rows.append(
                (_chunk_id(source, chunk, n), chunk.text, _metadata(source, file, chunk) | extra)
            )
    return rows


def time_builds(name: str, rows: Rows, runs: int) -> None:
    aliases = read_aliases([f"{m.get('heading', '')}\n{t}" for _, t, m in rows])
    took, cpu = [], []
    for _ in range(runs + 1):
        gc.collect()  # each build starts on a tidy heap, as the one build of a command does
        start, start_cpu = time.perf_counter(), time.process_time()
        study_map = build_map(rows, aliases)
        took.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    kinds: dict[str, int] = {}
    for r in study_map.relations:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    print(
        f"{name}: {len(rows)} passages -> {len(study_map.concepts)} concepts, {kinds}\n"
        f"  build_map first {took[0]:.3f} s, then median {statistics.median(took[1:]):.3f} s "
        f"(max {max(took[1:]):.3f} s, {runs} runs; CPU median {statistics.median(cpu[1:]):.3f} s, "
        "which other processes on the machine do not inflate)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--passages", type=int, default=3000)
    args = parser.parse_args()
    shipped = rows_of(ROOT / "knowledge")
    time_builds("shipped notes", shipped, args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        vault = make_vault(Path(tmp) / "vault", args.passages, seed=0)
        time_builds(
            f"generated vault ({args.passages} asked)", rows_of(vault), max(1, args.runs // 2)
        )
    result = study_map_eval(shipped, read_aliases([f"{m['heading']}\n{t}" for _, t, m in shipped]))
    for label, value, n in study_map_table(result):
        print(f"  {label:<45} {value:>7}  n={n}")
    if result["coverage"]["missed"]:
        print("  not concepts:", "; ".join(result["coverage"]["missed"]))


if __name__ == "__main__":
    main()
