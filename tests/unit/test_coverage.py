"""Whether the notes cover a topic: words, names and abbreviations, not closeness alone."""

from __future__ import annotations

from dataclasses import replace

from tutor.knowledge.coverage import (
    as_noted,
    covers,
    judge,
    names_unknown,
    plain_english,
    share_in,
    spelled_out,
    unknown_words,
)
from tutor.knowledge.passage import Passage
from tutor.knowledge.words import keywords

BACKPROP = Passage(
    file="dl.md",
    heading="Backpropagation",
    start_line=1,
    end_line=3,
    score=0.1,
    text="Backpropagation uses the chain rule to find each weight's gradient.",
    similarity=0.35,
)
METRICS = Passage(
    file="dl.md",
    heading="Evaluvation Metrics for Generation",
    start_line=10,
    end_line=12,
    score=0.1,
    text="- BLUE: Bilingual Evaluvation Understudy: precision of n grams.\n"
    "Exponential Linear Unit\n- negative values become a(e^x-1).",
    similarity=0.2,
)
NOTES = [BACKPROP, METRICS]
VOCABULARY = frozenset(w for p in NOTES for w in keywords(f"{p.heading}\n{p.text}"))


def test_a_topic_named_by_a_shortened_word_is_covered() -> None:
    assert covers("backprop", [BACKPROP], VOCABULARY)
    assert not covers("sourdough", [BACKPROP], VOCABULARY)
    assert not covers("token", [replace(BACKPROP, text="tokenization of text")], VOCABULARY)


def test_closeness_alone_does_not_cover_a_name_the_notes_never_use() -> None:
    close = replace(BACKPROP, similarity=0.7)
    assert not covers("Q-learning", [close], VOCABULARY)
    assert not covers("HNSW", [close], VOCABULARY)
    assert covers("chain rule", [close], VOCABULARY)


def test_an_abbreviation_followed_by_the_notes_spelling_of_it_is_known() -> None:
    assert not names_unknown("ELU (Exponential Linear Unit) on negatives", VOCABULARY)
    assert names_unknown("ELU on negatives", VOCABULARY)  # the notes never write "ELU"


def test_a_misspelt_name_in_the_notes_still_counts_but_a_longer_name_does_not() -> None:
    assert covers("BLEU", [METRICS], VOCABULARY)  # the notes write "BLUE"
    adam = replace(BACKPROP, text="Adam keeps a running mean of gradients.")
    assert not covers("AdamW", [adam], VOCABULARY | {"adam"})


def test_an_abbreviation_is_found_spelled_out_in_capitals() -> None:
    assert covers("ELU", [METRICS], VOCABULARY)
    texts = [p.text for p in NOTES]
    assert spelled_out("what is ELU", texts, VOCABULARY) == (
        "what is ELU (Exponential Linear Unit)"
    )
    assert spelled_out("what is CI", texts, VOCABULARY) == "what is CI"  # too short to guess


def test_an_upper_case_name_is_not_a_common_word_of_the_notes() -> None:
    rest = replace(BACKPROP, text="The rest of the network keeps its weights.")
    assert not covers("REST", [rest], VOCABULARY | {"rest"})


def test_a_comparison_names_the_part_the_notes_lack() -> None:
    found = judge(
        "backprop vs sourdough",
        NOTES,
        VOCABULARY,
        {"backprop": [BACKPROP], "sourdough": [METRICS]},
    )
    assert found.covered and found.missing == ("sourdough",)
    nothing = judge("a vs b", NOTES, VOCABULARY, {"kimchi": NOTES, "sourdough": NOTES})
    assert not nothing.covered


def test_a_term_needs_its_words_together_not_scattered_over_a_passage() -> None:
    scattered = replace(BACKPROP, text="A random sample of weights; then a search over rates.")
    together = replace(BACKPROP, text="Random search tries rates at random.")
    vocabulary = VOCABULARY | {"random", "search"}
    assert not covers("random search", [scattered], vocabulary)
    assert covers("random search", [together], vocabulary)


def test_names_with_digits_and_short_lookalike_words_are_not_in_the_notes() -> None:
    close = replace(BACKPROP, text="Word vectors learn the role of each word.", similarity=0.6)
    vocabulary = VOCABULARY | {"word", "vector", "learn", "role"}
    assert not covers("word2vec learn word vectors", [close], vocabulary)
    assert not covers("RoPE", [close], vocabulary)  # "rope" is not a slip of "role"


def test_a_term_of_art_the_notes_never_use_is_not_covered_but_everyday_words_are_fine() -> None:
    close = replace(BACKPROP, similarity=0.5)
    assert plain_english("squashing") and plain_english("ever-shrinking")
    assert not plain_english("watermarking")
    assert not covers("how does watermarking of gradients work", [close], VOCABULARY)
    assert covers("how does the chain rule find each weight's gradient so quickly", [close],
                  VOCABULARY)  # fmt: skip


def test_the_notes_misspelling_of_a_word_is_searched_too() -> None:
    assert as_noted("ROUGE and BLEU scores", VOCABULARY | {"rogue"}) == (
        "ROUGE (rogue) and BLEU (blue) scores"
    )
    assert as_noted("from the chain rule", VOCABULARY) == "from the chain rule"


def test_a_hyphenated_word_is_known_when_its_parts_are() -> None:
    assert unknown_words("chain-rule gradient", VOCABULARY, [BACKPROP]) == []
    assert unknown_words("chain-sourdough", VOCABULARY, [BACKPROP]) == ["chain-sourdough"]


def test_a_term_of_the_notes_with_one_word_about_it_is_covered_not_one_everyday_word() -> None:
    vanishing = replace(
        BACKPROP,
        heading="Vanishing gradients",
        text="Vanishing gradients: the gradient shrinks layer by layer with sigmoid, a cause.",
        similarity=0.3,
    )
    vocabulary = VOCABULARY | set(keywords(vanishing.text)) | {"store", "feature"}
    assert covers("vanishing gradients causes", [vanishing], vocabulary)
    assert not covers(
        "vanishing gradients causes", [replace(vanishing, similarity=0.1)], vocabulary
    )
    feature = replace(vanishing, text="Each feature of the input is scaled.", heading="Scaling")
    assert not covers("feature store", [feature], vocabulary | {"store"})


def test_a_capital_at_the_start_of_a_sentence_names_nothing_but_a_name_still_does() -> None:
    assert not names_unknown(
        "Apart from dying neurons, the downsides of backpropagation", VOCABULARY
    )
    assert names_unknown("Chinchilla scaling of backpropagation", VOCABULARY)


def test_an_everyday_word_with_a_prefix_is_plain_english_a_term_is_not() -> None:
    assert plain_english("misbehave") and plain_english("unfreeze")
    assert not plain_english("watermarking") and not plain_english("bottleneck")


def test_a_name_with_digits_and_one_word_about_it_is_a_facet_of_the_name() -> None:
    l1 = replace(
        BACKPROP,
        heading="L1 Regularization (Lasso)",
        text="L1 adds the absolute weights to the loss; the penalty pushes some weights to zero.",
        similarity=0.3,
    )
    vocabulary = VOCABULARY | set(keywords(f"{l1.heading}\n{l1.text}"))
    assert covers("L1 penalty", [l1], vocabulary)
    assert not covers("L1 penalty", [replace(l1, similarity=0.1)], vocabulary)


def test_a_word_the_notes_use_in_another_inflection_is_known() -> None:
    scores = replace(BACKPROP, text="The reward model gives each answer a score.")
    vocabulary = VOCABULARY | set(keywords(scores.text))
    assert unknown_words("reward model scoring", vocabulary, [scores]) == []
    assert unknown_words("reward model scorpions", vocabulary, [scores]) == ["scorpions"]


def test_pros_and_cons_ask_about_a_facet_and_name_nothing() -> None:
    relu = replace(
        BACKPROP,
        heading="Rectified Linear Unit (ReLU)",
        text="- ReLU keeps positive values.\n- Advantages: cheap.\n- Disadvantages: dying ReLU.",
        similarity=0.41,
    )
    vocabulary = VOCABULARY | set(keywords(f"{relu.heading}\n{relu.text}"))
    assert covers("ReLU pros and cons", [relu], vocabulary)
    assert unknown_words("ReLU pros and cons", vocabulary, [relu]) == []


def test_a_name_covered_only_by_closeness_is_marked_loose() -> None:
    norm = replace(
        BACKPROP,
        heading="Transformers",
        text="Normalization is a technique to stabilize training; batch normalization works "
        "over the batch. For instance, a layer may be normalized.",
        similarity=0.5,
    )
    vocabulary = VOCABULARY | frozenset(keywords(norm.text))
    loose = judge("instance normalization", [norm], vocabulary)
    assert loose.covered and loose.loose
    named = judge("batch normalization", [norm], vocabulary)
    assert named.covered and not named.loose
    assert not judge("chain rule", [replace(BACKPROP, similarity=0.7)], VOCABULARY).loose


def test_an_answer_covered_only_by_closeness_says_it_is_the_nearest() -> None:
    from tutor.knowledge.coverage import Coverage
    from tutor.nodes.explain import offline_answer

    found = Coverage(covered=True, mentioned=True, loose=True)
    text = str(
        offline_answer("instance normalization", [BACKPROP], found, None)["messages"][0].text
    )
    assert "never name **instance normalization**" in text
    plain = Coverage(covered=True, mentioned=True)
    text = str(offline_answer("backprop", [BACKPROP], plain, None)["messages"][0].text)
    assert "never name" not in text


def test_a_comparison_gives_its_shared_head_noun_to_the_shorter_side() -> None:
    from tutor.knowledge.coverage import with_shared_head

    notes = "- first moment estimate (mt)\n- Batch GD: the whole dataset\n- L1 Regularization"
    vocabulary = frozenset(keywords(notes))
    assert with_shared_head(("adam's first", "second moment estimates"), notes, vocabulary) == (
        "first moment estimates",
        "second moment estimates",
    )
    assert with_shared_head(("batch", "mini-batch gradient descent"), notes, vocabulary) == (
        "batch gradient descent",  # their "Batch GD"
        "mini-batch gradient descent",
    )
    # Only a name the notes write: "LoRA fine-tuning" is not theirs, so LoRA stays LoRA.
    assert with_shared_head(("LoRA", "full fine-tuning"), notes, vocabulary) == (
        "LoRA",
        "full fine-tuning",
    )


def test_a_verb_and_its_noun_are_one_word_of_the_notes() -> None:
    from tutor.knowledge.words import near_word

    assert near_word("hallucinate", "hallucinations")
    assert near_word("normalization", "normalize")
    assert not near_word("state", "statistics")  # too short a stem to tell
    assert not near_word("tokenize", "tokens")
    hallucinations = replace(
        BACKPROP, heading="Hallucinations", text="Hallucinations: the model makes things up."
    )
    vocabulary = VOCABULARY | frozenset(keywords(hallucinations.text))
    assert unknown_words("why models hallucinate", vocabulary, [hallucinations]) == []


def test_a_mixed_case_abbreviation_is_found_however_the_notes_write_it() -> None:
    relu = replace(BACKPROP, text="Rectified Linear Unit(Relu) Function: negatives become 0.")
    assert share_in("ReLU", relu) == 1.0  # their "Relu"
    rest = replace(BACKPROP, text="the rest of the layers")
    assert share_in("REST", rest) == 0.0  # in capitals only: "REST" is not "the rest"
    assert covers(
        "ordinary self attention",
        [
            replace(
                BACKPROP,
                heading="Self Attention",
                text="Self attention relates every token to the others.",
            )
        ],
        VOCABULARY,
    )
