"""Quiz on the topic asked: `/quiz TOPIC` asks from a passage about TOPIC (or another name the
notes give it), and says plainly when the notes have nothing on it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import MakeTutor
from tutor.evals.dataset import load_quiz_topics
from tutor.evals.quiz_topics import from_passage, quiz_topic_scores
from tutor.knowledge.aliases import read_aliases
from tutor.learning.cards import now
from tutor.learning.memory import LearnerMemory
from tutor.learning.on_topic import _introduces, find_name, names_for, terms
from tutor.session import Tutor


def source_of(tutor: Tutor, thread: str) -> dict[str, object]:
    quiz = tutor.graph.get_state({"configurable": {"thread_id": thread}}).values["quiz"]
    assert quiz is not None, "no question was asked"
    return dict(quiz["source"])


PPO_PASSAGES = ("RLHF with PPO (Proximal Policy Optimization)", "Reinforcement Learning Step")


@pytest.mark.parametrize("typed", ["PPO", "ppo", "proximal policy optimisation", "*PPO*"])
def test_quiz_on_ppo_asks_from_a_ppo_passage_by_either_name(
    make_tutor: MakeTutor, typed: str
) -> None:
    tutor = make_tutor()
    for n in range(3):  # the first few questions, not only the first
        turn = tutor.ask(f"/quiz {typed}", f"p{n}", learner=f"new-{n}")
        assert turn.pending is not None and turn.pending["type"] == "quiz_answer"
        heading = str(source_of(tutor, f"p{n}")["heading"])
        assert heading.endswith(PPO_PASSAGES), heading  # never the DPO passage beside it
        assert "DPO" not in turn.answer.split("\n")[0]


def test_an_alias_names_the_topic_both_ways() -> None:
    notes = ["Proximal Policy Optimization (PPO) keeps updates small.", "How to handle VGP:",
             "Vanishing Gradient Problem\nGradients shrink."]  # fmt: skip
    aliases = read_aliases(notes)
    assert ["proximal", "policy", "optimization"] in names_for("ppo", aliases)
    assert ["ppo"] in names_for("proximal policy optimisation", aliases)  # British spelling
    assert ["vgp"] in names_for("vanishing gradient problems", aliases)  # a plural
    assert ["vanishing", "gradient", "problem"] in names_for("VGP", aliases)


def test_typos_plurals_british_spellings_and_compounds_find_the_notes_words() -> None:
    for typed, written in [
        ("activation fucntions", "Activation Functions"),
        ("layer normalisation", "Layer Normalization"),
        ("finetuning", "What Is Fine-Tuning?"),
        ("chain of thought", "Chain-of-Thought Prompting: ask for steps"),
        ("low rank adaptation", "LoRA(Low Rank Adaption): small matrices"),
    ]:
        assert find_name(names_for(typed, None)[0], terms(written)) >= 0, typed
    assert find_name(["dpo"], terms("more stable than PPO")) < 0


def test_a_list_item_that_only_mentions_a_topic_does_not_introduce_it() -> None:
    name = ["vanishing", "gradient"]
    assert _introduces("Vanishing Gradient Problem", name)
    assert _introduces("- **Vanishing gradients**: the updates shrink layer by layer", name)
    assert not _introduces("- Vanishing gradient issue in Softmax,tanh", name)
    assert not _introduces("In RNNs, vanishing gradients are common", name)
    assert _introduces("What is the universal approximation theorem, and why?",
                       ["universal", "approximation", "theorem"])  # fmt: skip
    score = ["attention", "score"]
    assert _introduces("- Third, Attention Score: For each word, the model weighs the rest", score)
    assert not _introduces("- Third, we scale the attention score", score)


def test_an_absent_topic_is_not_in_your_notes_and_three_topics_they_have_are_offered(
    make_tutor: MakeTutor,
) -> None:
    tutor = make_tutor()
    turn = tutor.ask("/quiz dropout", "a1")
    assert turn.pending is None
    assert "**dropout** is not in your notes" in turn.answer
    offered = re.findall(r"^- (.+)$", turn.answer, re.M)
    assert len(offered) == 3
    for n, topic in enumerate(offered):  # each one is a topic the notes do have
        asked = tutor.ask(f"/quiz {topic}", f"a2-{n}", learner=f"o{n}")
        assert "not in your notes" not in asked.answer, topic


def test_a_due_card_on_another_topic_is_not_asked_for_this_topic(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    tutor.ask("/quiz DPO", "d1")
    assert "DPO" in str(source_of(tutor, "d1")["heading"])
    tutor.ask("/skip", "d1")
    memory = LearnerMemory(tutor.store, "default")
    [card] = memory.cards()
    due = (now() - timedelta(days=2)).isoformat()
    memory.put_card({**card, "fsrs": {**card["fsrs"], "due": due}})

    turn = tutor.ask("/quiz PPO", "d2")
    assert "_Review:" not in turn.answer and card["question"]["prompt"] not in turn.answer
    assert str(source_of(tutor, "d2")["heading"]).endswith(PPO_PASSAGES)
    again = tutor.ask("/quiz dpo", "d3")  # on its own topic it is asked first
    assert again.answer.startswith("_Review: this card was due 2 days ago._")


@pytest.mark.parametrize(
    "typed",
    ["[[LoRA]]", "C++", "a" * 300, "apprentissage par renforcement", "(.*)+[", "   **   "],
)
def test_odd_topics_get_a_question_or_a_plain_message(make_tutor: MakeTutor, typed: str) -> None:
    turn = make_tutor().ask(f"/quiz {typed}", "o1")
    assert turn.route == "quiz" and turn.answer.strip()
    assert "Traceback" not in turn.answer
    if turn.pending is None:
        assert "not in your notes" in turn.answer or "question" in turn.answer
        assert len(turn.answer) < 1000  # a 300-character topic is not echoed whole


def test_a_topic_reply_names_markup_as_typed_and_drops_only_emphasis() -> None:
    from tutor.nodes.quiz import shown_topic

    assert shown_topic("*PPO*") == "PPO" and shown_topic("[[LoRA]]") == "LoRA"
    assert shown_topic("(.*)+") == "`(.*)+`"  # shown as typed: a star that is not emphasis
    assert shown_topic("C++") == "C++"
    assert len(shown_topic("gradient " * 40)) < 90


def test_lora_in_wikilink_brackets_is_lora(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    turn = tutor.ask("/quiz [[LoRA]]", "w1")
    assert turn.pending is not None, turn.answer
    source = source_of(tutor, "w1")
    assert source["file"] == "deep-learning-qa-notebook.md"
    assert "Fine Tuninig" in str(source["heading"])


def test_the_labelled_topics_load_and_are_scored_per_half() -> None:
    topics = load_quiz_topics()
    for split in ("tune", "heldout"):
        half = [t for t in topics if t.split == split]
        assert sum(t.covered for t in half) >= 40 and sum(not t.covered for t in half) >= 10
    about = [{"file": "n.md", "heading": "2. RLHF with PPO", "line": 11}]
    assert from_passage({"file": "n.md", "heading": "x", "start_line": 9, "end_line": 12}, about)
    assert from_passage({"file": "n.md", "heading": "A › 2. RLHF with **PPO**",
                         "start_line": 40, "end_line": 41}, about)  # fmt: skip
    assert not from_passage({"file": "m.md", "heading": "2. RLHF with PPO",
                             "start_line": 11, "end_line": 11}, about)  # fmt: skip
    rows = [{"split": "tune", "covered": True, "ok": True, "few": 2 / 3},
            {"split": "tune", "covered": False, "ok": False}]  # fmt: skip
    scores = quiz_topic_scores(rows)["tune"]
    assert scores["on_topic"] == 1.0 and scores["absent"] == 0.0 and scores["absent_n"] == 1
