"""Names of the field the notes never write: found in a topic, looked for in the notes as
the notes write them (slips, initials, a word between, the head noun left off)."""

from __future__ import annotations

from tutor.knowledge.coverage import judge
from tutor.knowledge.field_terms import named_in, unnoted
from tutor.knowledge.passage import Passage
from tutor.knowledge.words import keywords

NOTES = """Byte-level tokenization
bite pair encoding algorithm : iteratively merge the most common token pair
- Mini Batch GD: Computes the loss on a few examples at a time.
*   **KL Divergence Penalty**: keeps the policy near the reference model.
- Adapters: Insert small modules between the layers and train only them.
uses a strong AI (like GPT-4) to critique answers. eg1.deepseek : thinking models
- BLUE: Bilingual Evaluvation Understudy: precision of n grams.
- Precision@K: relevant documents in the top k. Colbert(Contextualised late interaction)
"""
VOCABULARY = frozenset(keywords(NOTES))


def names(topic: str) -> list[str]:
    return [term.names[0] for term in named_in(topic)]


def test_a_topic_names_the_fields_terms_longest_first_and_abbreviations_in_capitals() -> None:
    assert names("how does gradient checkpointing save memory?") == ["gradient checkpointing"]
    assert names("batch vs mini-batch gradient descents") == ["mini-batch gradient descent"]
    assert set(names("MAP vs MRR")) == {"mean average precision", "mean reciprocal rank"}
    assert names("draw me a map of the notes") == []  # "map" is not "MAP"
    assert names("LoRA or lora") == ["low-rank adaptation"]  # one concept, found once
    assert names("masked language modelling") == ["masked language modeling"]  # British too
    assert names("layer normalisation") == ["layer normalization"]


def test_the_notes_name_a_term_as_they_write_it() -> None:
    written_so = [
        "byte pair encoding",  # "bite pair encoding": a slip of theirs
        "mini-batch gradient descent",  # "Mini Batch GD": the last words as initials
        "KL penalty",  # "KL Divergence Penalty": a word between
        "adapter layers",  # "Adapters": the head noun left off
        "GPT-4",
        "DeepSeek",  # "deepseek" in lower case
        "BLEU score",  # "BLUE"
        "precision@k",  # "Precision@K"
        "ColBERT",  # "Colbert": a long name in capitals is the name however written
    ]
    for topic in written_so:
        assert unnoted(topic, NOTES, VOCABULARY) == [], topic


def test_names_the_notes_never_write_are_reported() -> None:
    assert unnoted("gradient checkpointing", NOTES, VOCABULARY) == ["gradient checkpointing"]
    assert unnoted("reciprocal rank fusion vs BPE", NOTES, VOCABULARY) == ["reciprocal rank fusion"]
    assert unnoted("a vision transformer", NOTES, VOCABULARY) == ["Vision Transformer"]
    assert unnoted("KL", NOTES, VOCABULARY) == []  # not a name of the list: nothing to say
    # The whole name's initials are no spelling of it: "in" is not "instance normalization".
    assert unnoted("instance normalization", "in batch normalization", VOCABULARY) == [
        "instance normalization"
    ]


def test_a_close_passage_does_not_cover_a_name_the_notes_never_write() -> None:
    close = Passage(
        file="dl.md",
        heading="Memory",
        start_line=1,
        end_line=2,
        score=0.5,
        text="Saving memory during training: store fewer gradients.",
        similarity=0.6,
    )
    vocabulary = VOCABULARY | frozenset(keywords(close.text))
    question = "how does gradient checkpointing save memory during training?"
    assert judge(question, [close], vocabulary).covered  # words and closeness alone
    found = judge(question, [close], vocabulary, notes=NOTES + close.text)
    assert not found.covered
    assert found.unnamed == ("gradient checkpointing",)


def test_a_topic_is_searched_also_by_the_name_the_notes_write() -> None:
    from tutor.knowledge.field_terms import as_named_in_notes

    notes = "LoRA(Low Rank Adaption): add small matrices and train them alone."
    vocabulary = frozenset(keywords(notes))
    assert as_named_in_notes("low rank adaptation", notes, vocabulary) == (
        "low rank adaptation (LoRA)"
    )
    assert as_named_in_notes("what is LoRA", notes, vocabulary) == "what is LoRA"
    assert as_named_in_notes("gradient checkpointing", notes, vocabulary) == (
        "gradient checkpointing"  # no name of it in the notes: nothing to add
    )


def test_the_refusal_names_the_missing_term_once() -> None:
    from tutor.knowledge.citations import not_covered

    nearest = [Passage(file="dl.md", heading="RAG", start_line=1, end_line=2, score=0.1, text="…")]
    alone = not_covered("reciprocal rank fusion", nearest, "", ("reciprocal rank fusion",))
    assert "never mention" not in alone  # the topic is the name: saying it twice tells nothing
    inside = not_covered("how RRF merges lists", nearest, "", ("reciprocal rank fusion",))
    assert "They never mention **reciprocal rank fusion**." in inside


def test_names_are_found_in_every_way_notes_write_them_and_only_there() -> None:
    def unwritten(topic: str, notes: str) -> list[str]:
        return unnoted(topic, notes, frozenset(keywords(notes)))

    written = [
        ("function calling", "Function calling lets the model call tools."),  # no "caling"
        ("self-supervised learning", "Self-supervised learning needs no labels."),
        ("masked language modelling", "Masked language modeling hides words."),  # British
        ("GPT-3.5", "GPT-3.5 was tuned with RLHF."),
        ("Newton's method", "Newton’s method uses the Hessian."),  # a typographic apostrophe
        ("LoRA", "使用LoRA进行微调，只训练低秩矩阵。"),  # glued to Chinese
    ]
    for topic, notes in written:
        assert unwritten(topic, notes) == [], topic
    assert unwritten("Gaussian process", "Train it on a GPU.") == ["Gaussian process"]
    # Capitals tell nothing in a shouted message: "PER" here is no replay buffer.
    assert unwritten("EXPLAIN THE REWARD MODEL PER TOKEN", "A reward model scores.") == []
