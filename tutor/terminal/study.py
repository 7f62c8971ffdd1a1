"""`tutor map` and `tutor next`: the study map with a learner's mastery, and what to study next.

Both read the map of the notes as indexed (kept under TUTOR_HOME per version of the index,
so a command that finds it never opens Chroma) and the learner's cards brought up to date
with the notes, as `tutor progress` does.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tutor import prompts
from tutor.errors import TutorError

MAP_FILE = "studymap.json"
"""The map kept under TUTOR_HOME for the next command (`tutor.studymap.cache`)."""

if TYPE_CHECKING:
    from rich.console import Console

    from tutor.context import Services
    from tutor.knowledge.records import IngestRecords
    from tutor.learning.cards import Card
    from tutor.studymap import StudyMap
    from tutor.studymap.mastery import Known


@dataclass
class MapView:
    """The map (narrowed to a concept when one was asked for) and the learner's numbers."""

    study_map: StudyMap
    known: Known
    concept: str | None
    """The concept asked for (its id), None for the whole map."""


def map_view(services: Services, learner: str, topic: str = "") -> MapView:
    """The learner's map; with a topic, narrowed to it (a TutorError, with the nearest
    concepts, when the notes have no such concept)."""
    from tutor.knowledge.records import open_records
    from tutor.learning.cards import now
    from tutor.studymap.mastery import concept_mastery
    from tutor.studymap.render import narrow

    records = open_records(services.settings)
    try:
        whole = notes_map(services, records)
        study_map, concept = narrow(whole, topic)
        cards = learner_cards(services, learner, records)
    finally:
        records.close()
    return MapView(study_map, concept_mastery(study_map, cards, now()), concept)


def notes_map(services: Services, records: IngestRecords) -> StudyMap:
    """The study map of the notes: the one kept on disk while the index is the version it
    was built from, else built (the index filled first if empty; the missing-notes
    message as a TutorError if there is nothing to build from)."""
    from tutor.studymap.cache import load_map, save_map

    kept = services.settings.home / MAP_FILE
    stamp = (records.passages(), records.last_ingest())
    study_map = load_map(kept, stamp) if stamp[0] else None
    if study_map is None:
        missing = services.missing_notes()
        if missing:
            raise TutorError(missing)
        study_map = services.study_map()
        save_map(kept, (records.passages(), records.last_ingest()), study_map)
    return study_map


def learner_cards(services: Services, learner: str, records: IngestRecords) -> list[Card]:
    """The learner's cards, their status brought up to date with the index (saved)."""
    from tutor.learning.memory import LearnerMemory, close_store, open_store
    from tutor.learning.refresh import current_cards

    store = open_store(services.settings)
    try:
        return current_cards(LearnerMemory(store, learner), records)
    finally:
        close_store(store)


def run_map(
    out: Console,
    services: Services,
    learner: str,
    topic: str = "",
    *,
    as_json: bool = False,
    as_mermaid: bool = False,
    png: Path | None = None,
    evidence: bool = False,
) -> None:
    """`tutor map`: the tree, or JSON, Mermaid text, or a PNG file."""
    view = map_view(services, learner, topic)
    if as_json:
        from tutor.studymap.render import map_json

        data = {"learner": learner, "concept": view.concept}
        _json({**data, **map_json(view.study_map, view.known)})
        return
    if as_mermaid:
        from tutor.studymap.mermaid import mermaid

        sys.stdout.write(mermaid(view.study_map, view.known))
        return
    if png is not None:
        from tutor.studymap.draw import draw_png

        name = view.study_map.concepts[view.concept].name if view.concept else ""
        draw_png(view.study_map, view.known, png, title=f"Study map{f' of {name}' if name else ''}")
        concepts = prompts.counted(len(view.study_map.concepts), "concept")
        out.print(prompts.MAP_PNG_WROTE.format(path=png, concepts=concepts), markup=False)
        return
    print_tree(out, view, evidence)


def print_tree(out: Console, view: MapView, evidence: bool) -> None:
    """The map as a tree, or what to do when the notes gave no concepts."""
    from tutor.studymap.render import tree_lines

    if not view.study_map.concepts:
        out.print(prompts.MAP_NO_CONCEPTS, markup=False)
        return
    lines = tree_lines(view.study_map, view.known, concept=view.concept, evidence=evidence)
    for line in lines:
        out.print(line, markup=False, highlight=False, soft_wrap=True)


def run_next(out: Console, services: Services, learner: str, *, as_json: bool = False) -> None:
    """`tutor next`: the session plan, as Markdown or JSON."""
    from tutor.studymap.next import plan_markdown, session_plan

    view = map_view(services, learner)
    plan = session_plan(view.study_map, view.known)
    if as_json:
        _json({"learner": learner, **plan.as_dict()})
        return
    from tutor.terminal.output import print_markdown

    print_markdown(out, plan_markdown(plan))


def _json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
