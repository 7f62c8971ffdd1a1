"""Aliases read from the notes' own text."""

from __future__ import annotations

from tutor.config import SHIPPED_NOTES
from tutor.knowledge.aliases import key, read_aliases, spells


def test_a_bracketed_abbreviation_pairs_with_the_words_that_spell_it() -> None:
    aliases = read_aliases(
        [
            "PPO (Proximal Policy Optimization) is the RL algorithm.",
            "We use Reinforcement Learning from Human Feedback (RLHF) after SFT.",
            "So instead use Adaptive Gradient(AdaGrad), Root Mean Square Propagation(RMS Prop),"
            " Adaptive Moment Estimation(Adam)",
            "Large Language Models (LLMs) are big.",
        ]
    )
    assert aliases.of("ppo") == ["Proximal Policy Optimization"]
    assert aliases.of("proximal policy optimization") == ["PPO"]
    assert aliases.of("RLHF") == ["Reinforcement Learning from Human Feedback"]
    assert aliases.of("adagrad") == ["Adaptive Gradient"]
    assert aliases.of("rmsprop") == ["Root Mean Square Propagation"]  # spaces do not matter
    assert aliases.of("Adam") == ["Adaptive Moment Estimation"]
    assert aliases.of("large language models") == ["LLMs"]


def test_brackets_that_do_not_abbreviate_pair_nothing() -> None:
    aliases = read_aliases(
        ["RLHF Pipeline (Simplified)", "Accuracy (Grounded Truth Evaluation)", "View (High Level)"]
    )
    assert len(aliases) == 0


def test_a_bare_abbreviation_pairs_with_the_one_name_whose_initials_spell_it() -> None:
    aliases = read_aliases(
        [
            "Vanishing Gradient Problem\n- gradients get too small",
            "How to handle VGP:\n- Better activation function like ReLU.",
            "What is LC?\n- LangChain is an open-source framework",
            'Modern Large Language Models are "Vague recollection" VS "Working memory"',
            "Unlike ML which relies on features",
        ]
    )
    assert aliases.of("VGP") == ["Vanishing Gradient Problem"]
    assert aliases.of("lc") == ["LangChain"]
    assert aliases.of("VS") == []  # a word in capitals, not an abbreviation
    assert aliases.of("ML") == []  # "Modern Large" is not a whole name


def test_a_hyphenated_name_in_capitals_gives_a_letter_per_part() -> None:
    aliases = read_aliases(
        [
            "Types of GR\n- Batch GR: computes the loss on the whole dataset",
            "Ways to reason:\n- Graph-Based Reasoning",
            "What is RAG?\n- Retrieval-Augmented Generation adds documents to the prompt",
            "Pre-trained Transformers are reused. PT is short.",
        ]
    )
    assert aliases.of("GR") == []  # "Graph-Based Reasoning" is GBR, not GR
    assert aliases.of("RAG") == ["Retrieval-Augmented Generation"]
    assert aliases.of("PT") == ["Pre-trained Transformers"]  # a lower-case part gives no letter


def test_two_phrases_spelling_one_abbreviation_make_no_guess() -> None:
    aliases = read_aliases(["Policy Gradient matters", "Proximal Gradient too", "PG is used"])
    assert aliases.of("PG") == []


def test_spelling_needs_each_word_to_start_a_run_of_letters() -> None:
    assert spells("LoRA", ["Low", "Rank", "Adaptation"])
    assert spells("RLAIF", ["RL", "from", "AI", "Feedback"])
    assert not spells("DPO", ["Proximal", "Policy", "Optimization"])
    assert not spells("PO", ["Policy"])  # one word is a name, not an abbreviation
    assert key("Fine-Tuning") == key("fine tuning") == "finetuning"


def test_the_shipped_notes_define_the_abbreviations_a_learner_types() -> None:
    aliases = read_aliases(p.read_text(encoding="utf-8") for p in SHIPPED_NOTES.glob("*.md"))
    assert "Proximal Policy Optimization" in aliases.of("PPO")
    assert "Vanishing Gradient Problem" in aliases.of("vgp")
    assert "Direct Preference Optimization" in aliases.of("dpo")
    assert "LoRA" in aliases.of("low rank adaption")


def test_every_name_of_a_term_is_the_same_concept() -> None:
    aliases = read_aliases(
        ["Vanishing Gradient Problem (VGP) stalls training.", "Large Language Models (LLMs)"]
    )
    assert aliases.concepts_in("How do I fix the vanishing gradient problem?") == ["vgp"]
    assert aliases.concepts_in("VGP and an LLM") == ["vgp", "llms"]  # singular of "LLMs" too
    assert aliases.concepts_in("gradient descent") == []


def test_an_abbreviation_used_under_a_heading_of_one_compound_word_is_that_word() -> None:
    aliases = read_aliases(
        [
            "Backpropagation and Optimization\nWhat is BP and how does it work?\n- BP trains NNs.",
            "Forward Propagation and Loss Functions\nWhat is FP?",
        ]
    )
    assert aliases.of("BP") == ["Backpropagation"]
    # A heading word that is no two words the headings use, or two such words, spell nothing.
    assert read_aliases(["Backpropagation\nBP trains NNs."]).of("BP") == []
    two = read_aliases(
        ["Backpropagation or Backprojection\nBP is used.", "Propagation\n.", "Projection\n."]
    )
    assert two.of("BP") == []
