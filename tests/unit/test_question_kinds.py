"""The offline generators apply evals/RUBRIC.md as they build: the kinds fit the text, blanks
are content terms, a definition answers its own term, options are of one kind."""

from __future__ import annotations

from tests.conftest import SHIPPED_NOTES
from tutor.knowledge.chunking import chunk_note
from tutor.knowledge.loaders import parse_note
from tutor.knowledge.passage import Passage
from tutor.learning.bank import build_bank
from tutor.learning.blanks import BLANK
from tutor.learning.questions import Question, questions_from_passage
from tutor.learning.structure import has_prose

PIPELINE = (
    "1.  **Pre-training**: Train on massive text corpus. Result: Base Model.\n"
    '2.  **SFT (Supervised Fine-Tuning)**: Train on high-quality "Instruction -> Response" '
    "pairs. Result: Chat Model.\n"
    "3.  **RLHF (Reinforcement Learning from Human Feedback)**: Further refine the model to "
    "prefer safer/better answers."
)
TWO_WAYS = (
    'You can program a "sense of self" in 2 ways:\n'
    "1. hardcoded conversations around these topics in the conversation data.\n"
    '2. a "system message" that reminds the model of its identity at every conversation.'
)
SELF_ATTENTION = (
    "Explain self attention and its working\n"
    "- First using some embedding method we create initial vector representations\n"
    "- Second, for each vector we create 3 new vectors: Query,Key,Value\n"
    "- Third, Attention Score: For each word, the model calculates how relevant every other "
    "word is by taking the dot product of its Query vector with every word's Key vector.\n"
    "- Finally we multiply the attention weights by the value vector."
)
KEY_DIFFERENCE = (
    "**Key difference:** RLHF uses *humans* as the judge; RLAIF replaces that judge with "
    "*another AI*, making it faster and more scalable."
)
QUICK_COMPARISON = (
    "**Quick comparison:**\n"
    "- **L1** → Sparse (many zeros) → Feature selection\n"
    "- **L2** → Dense (all small) → Weight shrinkage"
)
REASONS = (
    "- PE is used in transformers due to the inherent flaw in self attention.\n"
    "- However, RNNs can struggle with long sequences due to vanishing gradients, which is why "
    "variants like LSTMs or GRUs are often used."
)
GRU = (
    "What is GRU?\n"
    "- Reset Gate: decides how much of the past hidden state to forget before the new input.\n"
    "- Update Gate: decides how much of the new state replaces the old one."
)
NOTEBOOK = (
    "Sums of weights:\n"
    "```python\nweights = [3, -1, 2]\nprint(sum(abs(w) for w in weights), sum(weights))\n```\n"
    "Output:\n```output\n6 4\n```\n"
    "```python\nimport random\nprint(random.random())\n```\nOutput:\n```output\n0.25\n```\n"
    "```python\nprint(total)\n```\nOutput:\n```output\n6\n```"
)


def passage(text: str, heading: str = "Notes") -> Passage:
    return Passage("notes.md", heading, 1, 1 + text.count("\n"), text, 0.0)


def of_kind(questions: list[Question], kind: str) -> list[Question]:
    return [q for q in questions if q.kind == kind]


def test_a_steps_question_from_a_numbered_pipeline_asks_the_next_step() -> None:
    steps = of_kind(questions_from_passage(passage(PIPELINE, "RLHF › The pipeline")), "steps")
    after_sft = next(q for q in steps if "after SFT" in q.prompt)
    assert after_sft.prompt == "In the pipeline, what comes after SFT (Supervised Fine-Tuning)?"
    assert after_sft.reference.startswith("RLHF (Reinforcement Learning from Human Feedback):")
    first = next(q for q in steps if "after Pre-training" in q.prompt)
    assert first.reference.startswith("SFT (Supervised Fine-Tuning): Train on high-quality")


def test_a_numbered_list_of_ways_is_not_a_sequence() -> None:
    questions = questions_from_passage(passage(TWO_WAYS, "Cognitive Deficits › Knowledge of self"))
    assert not of_kind(questions, "steps")


def test_counted_lines_make_steps_named_by_their_labels() -> None:
    steps = of_kind(questions_from_passage(passage(SELF_ATTENTION, "Transformers")), "steps")
    prompts = [q.prompt for q in steps]
    assert "In self attention, what comes after Attention Score?" in prompts
    after_score = steps[prompts.index("In self attention, what comes after Attention Score?")]
    assert after_score.reference.startswith("We multiply the attention weights")


def test_a_compare_question_names_both_sides_and_is_answered_by_one() -> None:
    compares = of_kind(questions_from_passage(passage(KEY_DIFFERENCE, "RLHF vs RLAIF")), "compare")
    judge = next(q for q in compares if "humans as the judge" in q.prompt)
    assert judge.prompt == "RLHF vs RLAIF: which one uses humans as the judge?"
    assert judge.reference.startswith("RLHF:") and judge.key_terms[0] == "rlhf"
    arrows = of_kind(questions_from_passage(passage(QUICK_COMPARISON, "L2")), "compare")
    assert arrows and all(q.prompt.startswith("L1 vs L2: ") for q in arrows)
    assert all(q.reference.split(":")[0] in ("L1", "L2") for q in arrows)


def test_a_list_of_parts_is_not_a_comparison() -> None:
    parts = (
        "- **URL Filtering**: where you don't want to be getting data from\n"
        "- **Text Extraction**: just want the text of this web page"
    )
    assert not of_kind(questions_from_passage(passage(parts, "Pretraining › step1")), "compare")


def test_why_questions_turn_the_reason_sentence_round() -> None:
    whys = of_kind(questions_from_passage(passage(REASONS, "Transformers")), "why")
    by_prompt = {q.prompt: q.reference for q in whys}
    assert by_prompt["Why is PE used in transformers?"].startswith("Due to the inherent flaw")
    reference = by_prompt["Why are variants like LSTMs or GRUs often used?"]
    assert reference.startswith("Because RNNs can struggle with long sequences")


def test_no_cloze_blanks_an_ordinal_a_label_or_half_a_name() -> None:
    questions = questions_from_passage(passage(SELF_ATTENTION, "Transformers"))
    for q in of_kind(questions, "cloze"):
        assert q.prompt.count(BLANK) == 1
        assert not q.prompt.startswith(f"Fill in the blank: Third, {BLANK}")
        assert f"{BLANK} Score" not in q.prompt and "Third" not in q.prompt
        assert q.reference.lower() not in ("third", "first", "second", "finally")


def test_a_cloze_never_shows_the_other_form_of_its_blank() -> None:
    lstm = (
        "- LSTM (Long Short-Term Memory) is a type of Recurrent Neural Network designed to "
        "capture long-range dependencies in sequential data.\n"
        "- For training, RNNs use backpropagation through time (BPTT) over every step."
    )
    clozes = of_kind(questions_from_passage(passage(lstm, "Sequences")), "cloze")
    for q in clozes:
        assert f"{BLANK} (" not in q.prompt and f"({BLANK})" not in q.prompt


def test_a_definition_question_is_answered_by_its_own_term() -> None:
    questions = questions_from_passage(passage(GRU, "Sequences"))
    for q in questions:
        if q.kind in ("definition", "choice") and "GRU" in q.prompt:
            assert "Reset Gate" not in q.reference


def test_multiple_choice_options_are_all_sentences_or_all_formulas() -> None:
    from tutor.learning.blanks import same_kind

    assert same_kind("Find the network's output and its loss.", "Used in binary classification.")
    assert not same_kind("Find the network's output and its loss.", "−[ylog(y^)+(1−y)log(1− y^)]")


def test_output_questions_only_for_cells_whose_output_the_code_alone_decides() -> None:
    outputs = of_kind(questions_from_passage(passage(NOTEBOOK, "Weights")), "output")
    assert len(outputs) == 1  # not the unseeded random cell, not the one using another cell
    (question,) = outputs
    assert question.prompt.startswith("What does this code print?\n\n```python\n")
    assert question.reference == "6 4" and question.key_terms == ["6", "4"]


def test_prose_is_a_sentence_not_a_table_a_code_block_or_a_list_of_names() -> None:
    assert has_prose("Fine-tuning teaches the model how to behave.")
    assert not has_prose("| Stage | Purpose |\n| --- | --- |\n| SFT | tasks |")
    assert not has_prose("```python\nprint('a long line of code here')\n```")
    assert not has_prose("* ChatGPT\n* Claude\n* Gemini")


def test_every_shipped_note_gets_questions_for_most_passages_with_prose() -> None:
    for path in sorted(SHIPPED_NOTES.iterdir()):
        chunks = chunk_note(parse_note(path, path.read_bytes()), 900)
        passages = [
            Passage(path.name, c.heading, c.start_line, c.end_line, c.text, 0.0, chunk_id=str(i))
            for i, c in enumerate(chunks)
        ]
        bank = build_bank(passages)
        prose = [p for p in passages if has_prose(p.text)]
        asked = sum(1 for p in prose if bank[p.chunk_id])
        assert asked >= 0.6 * len(prose), path.name
