"""The study map shown: the terminal tree, JSON, Mermaid and the PNG."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from tests.unit.test_study_next import AT, KNOWN, card, study_map
from tutor.errors import TutorError
from tutor.studymap import Concept, Evidence, Relation, StudyMap
from tutor.studymap.draw import draw_png, layers
from tutor.studymap.mastery import concept_mastery
from tutor.studymap.mermaid import mermaid
from tutor.studymap.render import (
    focus,
    map_from_json,
    map_json,
    map_markdown,
    nearest_names,
    tree_lines,
)

HOSTILE = [
    'Say "hi"]] --> x[pwned',
    "A | B {C} (D) <E> #F;",
    "end",
    "`code` *star* %% comment",
    "line\nbreak",
]


def hostile_map() -> StudyMap:
    concepts = [Concept(f"h{n}", name, file="h.md", line=n) for n, name in enumerate(HOSTILE)]
    relations = [
        Relation("prerequisite", "h1", "h0", Evidence("h.md", 1, 'uses "hi"')),
        Relation("part_of", "h2", "h1", Evidence("h.md", 2, "## end")),
        Relation("compare_with", "h3", "h4", Evidence("h.md", 3, "x vs y")),
    ]
    return StudyMap({c.id: c for c in concepts}, relations)


def test_the_tree_nests_parts_and_shows_mastery_due_and_unasked_passages() -> None:
    known = concept_mastery(study_map(), [card("reward-model", *KNOWN)], AT)
    lines = tree_lines(study_map(), known)

    assert lines[0] == "Softmax  not started · 1 never asked"
    assert lines[1] == "RLHF  not started · 1 never asked"
    assert lines[2].startswith("└─ Proximal Policy Optimization (PPO)  not started")
    assert lines[2].endswith("· needs Reward Model")
    assert lines[3].startswith("Reward Model  █████ 100%")  # just reviewed: recalled surely
    why = tree_lines(study_map(), known, evidence=True)
    assert why[2] == "└─ Proximal Policy Optimization (PPO)  not started · 1 never asked"
    assert (
        why[3] == '      needs Reward Model: rlhf.md:21 "PPO maximises the reward model\'s score"'
    )


def test_a_due_card_and_a_recent_miss_show_on_their_concept() -> None:
    missed = card("reward-model", (timedelta(days=1), "again"))
    due = {**missed, "fsrs": {**missed["fsrs"], "due": (AT - timedelta(hours=1)).isoformat()}}
    line = tree_lines(study_map(), concept_mastery(study_map(), [due], AT))[3]

    assert line.startswith("Reward Model  ")
    assert line.endswith("· 1 due · missed recently")


def test_a_topic_shows_what_it_needs_with_the_notes_line_and_what_builds_on_it() -> None:
    narrowed = focus(study_map(), "reward-model")
    lines = tree_lines(narrowed, {}, concept="reward-model")
    assert lines[0] == "Reward Model  not started · 1 never asked"
    assert lines[-2:] == [
        "builds on it:",
        "  Proximal Policy Optimization (PPO)  not started · 1 never asked",
    ]

    ppo = tree_lines(focus(study_map(), "ppo"), {}, concept="ppo")
    assert "needs first:" in ppo
    assert 'rlhf.md:21 "PPO maximises the reward model\'s score"' in "\n".join(ppo)
    assert set(focus(study_map(), "ppo").concepts) == {"ppo", "reward-model"}


def test_unknown_names_get_the_nearest_concepts() -> None:
    assert nearest_names(study_map(), "reward modle")[0] == "Reward Model"
    assert "Proximal Policy Optimization" in nearest_names(study_map(), "policy gradient")


def test_chat_shows_the_top_levels_and_says_how_to_narrow() -> None:
    deep = study_map()
    deep.concepts["clip"] = Concept("clip", "Clipping", file="rlhf.md", line=22, passages=["c"])
    deep.relations.append(Relation("part_of", "clip", "ppo", Evidence("rlhf.md", 22, "### Clip")))
    text = map_markdown(deep, {})

    assert text.startswith("**Study map** · 5 concepts")
    assert "└─ Proximal Policy Optimization (PPO)" in text and "Clipping" not in text
    assert "… and 1 more concept (narrow it with `/map TOPIC`)" in text
    assert "Clipping" in map_markdown(focus(deep, "ppo"), {}, concept="ppo")


def test_json_round_trips_and_carries_mastery_and_evidence() -> None:
    known = concept_mastery(study_map(), [card("reward-model", *KNOWN)], AT)
    data = json.loads(json.dumps(map_json(study_map(), known)))

    assert map_from_json(data) == study_map()
    reward = next(c for c in data["concepts"] if c["id"] == "reward-model")
    assert reward["learner"]["mastery"] > 0.9 and reward["learner"]["cards"] == 1
    prerequisite = next(r for r in data["relations"] if r["kind"] == "prerequisite")
    assert prerequisite["evidence"] == {
        "file": "rlhf.md",
        "line": 21,
        "text": "PPO maximises the reward model's score",
    }


def test_mermaid_is_a_graph_whose_labels_no_name_can_break() -> None:
    text = mermaid(hostile_map(), {})
    lines = text.splitlines()

    assert lines[0] == "graph TD"
    node = re.compile(r'^    c\d+\["[\w #;.,:/+?!\'\-·]*"\]$')
    nodes = [line for line in lines if line.startswith("    c") and "[" in line]
    assert len(nodes) == len(HOSTILE)
    assert all(node.match(line) for line in nodes), nodes
    # Every character that means something to Mermaid is an entity code inside the label.
    assert "#34;hi#34;#93;#93; --#62; x#91;pwned" in nodes[0]
    assert "A #124; B #123;C#125; #40;D#41; #60;E#62; #35;F#59;" in nodes[1]
    assert "#96;code#96; #42;star#42; #37;#37; comment" in nodes[3]
    edges = [line.strip() for line in lines if re.match(r"^    c\d+ (-->|---|-\.-) c\d+$", line)]
    assert edges == ["c0 --> c1", "c1 --- c2", "c3 -.- c4"]
    assert "    class c0,c1,c2,c3,c4 notstarted" in lines


def test_png_is_a_real_picture(tmp_path: Path) -> None:
    known = concept_mastery(study_map(), [card("reward-model", *KNOWN)], AT)
    target = tmp_path / "map.png"
    draw_png(study_map(), known, target, title="Study map")

    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    draw_png(hostile_map(), {}, tmp_path / "hostile.png")
    assert (tmp_path / "hostile.png").read_bytes()[:4] == b"\x89PNG"


def test_png_refuses_a_place_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(TutorError, match="cannot write") as raised:
        draw_png(study_map(), {}, tmp_path / "no-such-folder" / "map.png")
    assert "folder you can write to" in raised.value.hint
    with pytest.raises(TutorError, match="cannot write"):
        draw_png(study_map(), {}, tmp_path)  # a folder, not a file


def test_a_long_map_in_chat_shows_its_top_concepts_with_their_parts() -> None:
    big = study_map()
    for n in range(45):
        big.concepts[f"p{n}"] = Concept(f"p{n}", f"Part {n}", file="rlhf.md", line=11 + n)
        big.relations.append(Relation("part_of", f"p{n}", "rlhf", Evidence("rlhf.md", 11, "")))
    text = map_markdown(big, {})

    tree = text.split("```")[1].strip().splitlines()
    assert tree == [
        "Softmax  not started · 1 never asked",
        "RLHF  not started · 1 never asked · 46 parts",
        "Reward Model  not started · 1 never asked",
    ]
    assert "… and 46 more concepts" in text


def test_the_picture_puts_what_is_needed_above_what_builds_on_it(tmp_path: Path) -> None:
    assert layers(study_map()) == [["softmax", "rlhf", "reward-model"], ["ppo"]]

    big = study_map()  # past SMALL: parts stay in reading order, only arrows are drawn
    for n in range(45):
        big.concepts[f"p{n}"] = Concept(f"p{n}", f"Part {n}", file="rlhf.md", line=11 + n)
        big.relations.append(Relation("part_of", f"p{n}", "rlhf", Evidence("rlhf.md", 11, "")))
    first, second = layers(big)
    assert second == ["ppo"] and first[:3] == ["softmax", "rlhf", "p0"]
    draw_png(big, {}, tmp_path / "big.png")
    assert (tmp_path / "big.png").read_bytes()[:4] == b"\x89PNG"
