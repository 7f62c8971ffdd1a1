"""Offline quiz questions come from the notes' own structure, never from code or labels."""

from __future__ import annotations

import json
import random

from tutor.knowledge.passage import Passage
from tutor.knowledge.words import keywords
from tutor.learning.questions import Question, pick_question, questions_from_passage

# Passages as the index returns them from the shipped notes (text copied from knowledge/*.md).
SOFTMAX = (
    "What is the purpose of the softmax function in classification tasks?\n"
    "- The softmax function converts a neural network’s raw output scores, or logits, into "
    "probabilities for each class in a multi-class classification task.\n"
    "- The summation of all probabilites will come to 1, making interpretation easier.\n"
    "- (e^logit of a class)/(summation of all e^logits)"
)
LOSSES = (
    "- **Binary Cross Entropy Loss**=−[ylog(y^)+(1−y)log(1− y^)]\n"
    "- Used in binary classification.\n"
    "- **Categorical Cross Entropy** = -summ of [yi*log(yi^)]\n"
    "- Used for multiclass classification.\n"
    "- Used when labels are one hot encoded eg: [1,0,0],[0,1,0],[0,0,1]"
)
REWARD_MODEL = (
    "A **reward model** scores responses.\nInput:\n```\nPrompt + Response\n```\n"
    "Output:\n```\nScore (good or bad)\n```\nHuman-labeled rankings train this reward model."
)
PPO = (
    "The classic method used by ChatGPT.\n"
    "1.  **Reward Modeling**: Collect data where humans rank two model outputs (A is better "
    "than B). Train a **Reward Model (RM)** to predict these human preferences.\n"
    "2.  **Reinforcement Learning**:\n"
    "    *   The LLM generates a response.\n"
    "    *   The RM gives it a score.\n"
    "    *   PPO updates the LLM weights to maximize the reward score.\n"
    "    *   **KL Divergence Penalty**: Prevents the model from drifting too far from the "
    'original SFT model (prevents "reward hacking" or gibberish).'
)
CHALLENGES = (
    "*   **Alignment Tax**: Heavily aligned models sometimes become less creative or refuse "
    'harmless prompts ("I cannot answer that...").\n'
    '*   **Jailbreaks**: Users find adversarial prompts ("Roleplay as my grandmother who works '
    'at a napalm factory...") to bypass safety filters.'
)
PIPELINE = (
    "1.  **Pre-training**: Train on massive text corpus. Result: Base Model (e.g., "
    "Llama-2-Base).\n"
    '2.  **SFT (Supervised Fine-Tuning)**: Train on high-quality "Instruction -> Response" '
    "pairs. Result: Chat Model (e.g., Llama-2-Chat).\n"
    "3.  **RLHF (Reinforcement Learning from Human Feedback)**: Further refine the model to "
    "prefer safer/better answers."
)
RLHF_NOTE = (
    "The model learns to generate better responses by getting feedback from *real humans*. A "
    "human rater compares two model outputs and picks the better one. That preference data "
    'trains a "reward model," which then guides the AI to produce responses more humans would '
    "prefer.\n"
    '*Example:* We ask an AI "How do I bake a cake?" It gives two answers. A human says, '
    '"Answer B is more helpful and accurate." The model learns from that signal.'
)
RLAIF_NOTE = (
    "Same concept, but instead of humans providing the feedback, *another AI* (like a larger, "
    "more capable model) acts as the judge.\n"
    "*Example:* The same cake question goes to GPT or Claude as a judge. It evaluates both "
    "answers and picks the better one.\n"
    "**Key difference:** RLHF uses *humans* as the judge; RLAIF replaces that judge with "
    "*another AI*, making it faster and more scalable, but potentially inheriting the judge "
    "model's own biases."
)
L1 = (
    "Adds penalty based on the *absolute value* of weights: |w₁| + |w₂| + |w₃|...\n"
    "**Key behavior:** Pushes some weights all the way to **zero** — effectively removing "
    "features.\n"
    "*Intuitive analogy:* Like packing for a trip with a strict baggage limit."
)
FINE_TUNING = (
    "Fine-tuning teaches the model **how to behave** for a specific task.\n"
    "Instead of random text, the model is trained on:\n```\nPrompt → Ideal Answer\n```\n"
    'Example:\n```\nPrompt: "Explain HTTP"\nAnswer: "HTTP is a protocol used for..."\n```\n'
    "This is called:\n👉 **Supervised Fine-Tuning (SFT)**"
)
RAG = (
    "Explain the main parts of a RAG system and how they work.\n"
    "- Retrieval augemented generation is an advanced NLP technique, that combines both "
    "retrieveal of information from external databases, internet and use augment with some LLM "
    "to generate clear and userfriendly outputs.\n"
    "- Retriever: Using some kind of similarity search, data is retrieved.\n"
    "- Generator: LLM with take the data along with query and produce an output."
)
CODE_ONLY = 'The model predicts the **next token**.\nExample:\n```\nInput: "The sky is"\n```'


def passage(text: str, heading: str = "Notes", start: int = 1) -> Passage:
    return Passage("notes.md", heading, start, start + text.count("\n"), text, 0.0)


def of_kind(questions: list[Question], kind: str) -> list[Question]:
    return [q for q in questions if q.kind == kind]


def everything(*passages: Passage) -> list[Question]:
    return [q for p in passages for q in questions_from_passage(p, passages)]


def test_a_question_line_with_bullets_becomes_recall() -> None:
    p = passage(SOFTMAX, "Forward Propagation and Loss Functions", 55)
    (recall,) = of_kind(questions_from_passage(p), "recall")
    assert recall.prompt == "What is the purpose of the softmax function in classification tasks?"
    assert recall.reference.startswith("The softmax function converts a neural network’s raw")
    assert "- " not in recall.reference and "**" not in recall.reference
    assert 3 <= len(recall.key_terms) <= 8 and "logit" in recall.key_terms
    assert not set(recall.key_terms) & set(keywords(recall.prompt))
    assert recall.source == {
        "file": "notes.md",
        "heading": "Forward Propagation and Loss Functions",
        "start_line": 55,
        "end_line": 58,
        "cell": None,
        "end_cell": None,
    }


def test_bold_term_with_a_formula_becomes_a_definition() -> None:
    definitions = of_kind(questions_from_passage(passage(LOSSES)), "definition")
    bce = next(q for q in definitions if q.prompt == "What is Binary Cross Entropy Loss?")
    assert bce.reference == "−[ylog(y^)+(1−y)log(1− y^)]. Used in binary classification."
    assert "Categorical" not in bce.reference  # the next term starts a new definition


def test_inline_bold_term_is_defined_by_its_sentence_not_by_the_code() -> None:
    (definition,) = of_kind(questions_from_passage(passage(REWARD_MODEL)), "definition")
    assert definition.prompt == "What is reward model?"
    assert definition.reference == (
        "A reward model scores responses. Human-labeled rankings train this reward model."
    )
    assert not set(definition.key_terms) & {"reward", "model"}


def test_a_step_named_after_its_place_defines_its_term() -> None:
    steps = (
        "Explain self attention and its working\n"
        "- Second, for each vector we create 3 new vectors: Query,Key,Value\n"
        "- Third, Attention Score: For each word, the model calculates how relevant every other "
        "word is by taking the dot product of its query with their keys.\n"
        "- Then we apply softmax on the attention scores."
    )
    (definition,) = of_kind(questions_from_passage(passage(steps)), "definition")
    assert definition.prompt == "What is Attention Score?"  # not "Third, Attention Score"
    assert definition.reference.startswith("For each word, the model calculates how relevant")


def test_a_term_heading_over_prose_becomes_a_definition() -> None:
    heading = "RLHF (Reinforcement Learning from Human Feedback)"
    questions = questions_from_passage(passage(RLHF_NOTE, heading))
    (definition,) = of_kind(questions, "definition")
    assert definition.prompt == f"What is {heading}?"
    assert definition.reference.startswith("The model learns to generate better responses")
    assert "bake a cake" not in definition.reference  # the example is not the definition


def test_a_title_line_with_bullets_becomes_a_question() -> None:
    notes = (
        "Types of GR\n"
        "- Batch GR:Computes the loss using the entire dataset, and updates the parameters once "
        "per iteration, it's very slow but gauranteed to give result.\n"
        "- Mini Batch GD: Computes the loss using a batch of data ensuring speed and stability "
        "in training.\n"
        "To stop BP\n"
        "- Backpropagation stops when the training process stops, based on criteria like max "
        "epochs, convergence, early stopping, or manual interruption."
    )
    recalls = of_kind(questions_from_passage(passage(notes)), "recall")
    assert [q.prompt for q in recalls] == ["What are the types of GR?"]  # 'To stop BP' is no term
    assert recalls[0].reference.startswith("Batch GR:Computes the loss using the entire dataset")
    assert "Backpropagation" not in recalls[0].reference


def test_labels_and_examples_make_no_questions() -> None:
    questions = questions_from_passage(passage(L1, "L1 Regularization (Lasso)"))
    prompts = " ".join(q.prompt for q in questions)
    assert "Key behavior" not in prompts and "Intuitive analogy" not in prompts
    assert "What is L1 Regularization (Lasso)?" in {q.prompt for q in questions}


def test_code_fences_and_their_labels_stay_out_of_questions() -> None:
    heading = "2️⃣ Fine-Tuning (Teaching Behavior) › What Is Fine-Tuning?"
    questions = questions_from_passage(passage(FINE_TUNING, heading))
    (recall,) = of_kind(questions, "recall")
    assert recall.prompt == "What is Fine-Tuning?"  # the heading's title case, asked in prose
    assert recall.reference == (
        "Fine-tuning teaches the model how to behave for a specific task. "
        "This is called: Supervised Fine-Tuning (SFT)."
    )
    text = " ".join(q.prompt + " " + q.reference for q in questions)
    assert "HTTP" not in text and "Ideal Answer" not in text and "Prompt:" not in text


def test_code_labels_and_short_sentences_alone_give_nothing() -> None:
    assert questions_from_passage(passage(CODE_ONLY, "How It Learns")) == []
    assert questions_from_passage(passage("Humans rank model answers.", "Simple Explanation")) == []
    assert questions_from_passage(passage("", "🧩 Intermediate Level › â Reward Model")) == []
    short = "The RM gives it a score.\nPPO updates the LLM weights by reward."
    assert questions_from_passage(passage(short)) == []


def test_examples_make_no_cloze_but_a_labelled_remark_does() -> None:
    heading = "RLAIF (Reinforcement Learning from AI Feedback)"
    clozes = of_kind(questions_from_passage(passage(RLAIF_NOTE, heading)), "cloze")
    # RLAIF is in the heading the question shows, so the blank is the other method.
    assert [q.prompt for q in clozes] == [
        "Fill in the blank: _____ uses humans as the judge; RLAIF replaces that judge with another "
        "AI, making it faster and more scalable, but potentially inheriting the judge model's own "
        "biases."
    ]


def test_cloze_blanks_the_salient_term_of_a_key_sentence() -> None:
    heading = "RLHF & Alignment › 2. The classic method"
    clozes = of_kind(questions_from_passage(passage(PPO, heading)), "cloze")
    ppo = next(q for q in clozes if "maximize the reward score" in q.prompt)
    assert ppo.prompt == (
        "Fill in the blank: _____ updates the LLM weights to maximize the reward score."
    )
    assert ppo.reference == "PPO" and ppo.key_terms == ["ppo"]
    for q in clozes:
        sentence = q.prompt.removeprefix("Fill in the blank: ")
        assert "_____" in sentence and not sentence.endswith("?")
        assert len(sentence.split()) >= 8 and "**" not in sentence


def test_a_cloze_never_blanks_a_word_of_its_own_heading() -> None:
    # The question shows `file › heading`: blanking PPO under "RLHF with PPO" tests nothing.
    heading = "RLHF & Alignment › 2. RLHF with PPO (Proximal Policy Optimization)"
    clozes = of_kind(questions_from_passage(passage(PPO, heading)), "cloze")
    shown = set(keywords(heading.replace("-", " ")))
    assert all(not set(keywords(q.reference.replace("-", " "))) & shown for q in clozes)
    sentence = "Reward models score answers, and humans rank the answers to train them."
    graded = passage(sentence, "Reward Models › How reward models are trained")
    assert not of_kind(questions_from_passage(graded), "cloze")


def test_no_cloze_from_a_question_line_even_without_a_question_mark() -> None:
    questions = questions_from_passage(passage(RAG, "Transformers › RAG"))
    assert "Explain the main parts of a RAG system and how they work." in {
        q.prompt for q in of_kind(questions, "recall")
    }
    clozes = of_kind(questions, "cloze")
    assert clozes and all("main parts" not in q.prompt for q in clozes)


def test_choice_has_four_distinct_options_and_the_true_definition_at_answer_index() -> None:
    passages = [passage(PPO, "RLHF with PPO"), passage(CHALLENGES), passage(PIPELINE)]
    choices = of_kind(questions_from_passage(passages[0], passages), "choice")
    kl = next(q for q in choices if q.prompt == "Which of these describes KL Divergence Penalty?")
    assert len(kl.options) == 4 and len(set(kl.options)) == 4
    assert kl.answer_index is not None
    assert kl.options[kl.answer_index].startswith("Prevents the model from drifting too far")
    assert kl.reference.startswith("Prevents the model from drifting too far")
    wrong = [o for i, o in enumerate(kl.options) if i != kl.answer_index]
    assert all("drifting" not in o and "KL" not in o for o in wrong)


def test_choice_order_is_stable_and_options_hide_their_own_terms() -> None:
    passages = [passage(PPO, "RLHF with PPO"), passage(CHALLENGES), passage(PIPELINE)]
    first = of_kind(questions_from_passage(passages[2], passages), "choice")
    again = of_kind(questions_from_passage(passages[2], passages), "choice")
    assert [q.options for q in first] == [q.options for q in again]
    assert all("Jailbreaks" not in o and "Alignment Tax" not in o for q in first for o in q.options)


def test_no_choice_without_three_distractors() -> None:
    alone = questions_from_passage(passage(CHALLENGES))
    assert of_kind(alone, "definition") and not of_kind(alone, "choice")


def test_a_definition_of_the_same_term_is_never_a_wrong_option() -> None:
    rlhf = passage(RLHF_NOTE, "RLHF (Reinforcement Learning from Human Feedback)")
    # The pipeline defines Pre-training, SFT and RLHF: only two can be wrong options for RLHF.
    assert not of_kind(questions_from_passage(rlhf, [passage(PIPELINE)]), "choice")
    others = [passage(PIPELINE), passage(CHALLENGES), passage(PPO, "RLHF with PPO")]
    choices = of_kind(questions_from_passage(rlhf, others), "choice")
    (choice,) = [q for q in choices if "RLHF" in q.prompt]
    assert not any("prefer safer/better answers" in o for o in choice.options)


def test_a_definition_seen_twice_counts_once() -> None:
    # Overlapping chunks repeat lines: two copies of one definition are one wrong option.
    copy = passage(CHALLENGES, start=40)
    questions = questions_from_passage(passage(REWARD_MODEL), [passage(CHALLENGES), copy])
    assert not of_kind(questions, "choice")


def test_the_right_option_is_not_always_in_the_same_place() -> None:
    passages = [passage(t) for t in (PPO, CHALLENGES, PIPELINE, LOSSES, REWARD_MODEL)]
    places = {q.answer_index for q in of_kind(everything(*passages), "choice")}
    assert len(places) >= 3


def test_prompts_and_references_carry_no_markdown_emphasis() -> None:
    notes = [passage(t) for t in (SOFTMAX, LOSSES, REWARD_MODEL, PPO, CHALLENGES, PIPELINE, L1)]
    notes.append(passage(RLHF_NOTE, "RLHF (Reinforcement Learning from Human Feedback)"))
    for q in everything(*notes):
        for text in (q.prompt, q.reference, *q.options):
            assert "**" not in text and "`" not in text and "*real" not in text


def test_question_survives_a_json_round_trip() -> None:
    passages = [passage(PPO, "RLHF with PPO"), passage(CHALLENGES), passage(PIPELINE)]
    for q in everything(*passages):
        data = json.loads(json.dumps(q.as_dict()))
        assert Question.from_dict(data) == q


def test_render_labels_choice_options_and_shows_the_blank() -> None:
    passages = [passage(PPO, "The classic method"), passage(CHALLENGES), passage(PIPELINE)]
    questions = everything(*passages)
    choice = of_kind(questions, "choice")[0]
    lines = choice.render().split("\n")
    assert lines[0] == choice.prompt
    labelled = zip("ABCD", choice.options, strict=True)
    assert lines[-4:] == [f"- {label}) {o}" for label, o in labelled]
    cloze = of_kind(questions, "cloze")[0]
    assert "_____" in cloze.render() and cloze.render() == cloze.prompt


def test_pick_question_skips_what_was_asked() -> None:
    passages = [passage(SOFTMAX), passage(PPO, "RLHF with PPO"), passage(CHALLENGES)]
    prompts = {q.prompt for q in everything(*passages)}
    keep = sorted(prompts)[0]
    picked = pick_question(passages, random.Random(3), avoid=prompts - {keep})
    assert picked is not None and picked.prompt == keep
    assert pick_question(passages, random.Random(3), avoid=prompts) is None


def test_pick_question_returns_none_on_unusable_passages() -> None:
    assert pick_question([passage(CODE_ONLY), passage("Humans rank.")], random.Random(1)) is None
    assert pick_question([], random.Random(1)) is None


def test_pick_question_varies_kinds_and_is_repeatable() -> None:
    # SOFTMAX's sentences sit under the question line that names softmax: no cloze there.
    passages = [passage(SOFTMAX), passage(PPO), passage(CHALLENGES), passage(PIPELINE)]
    picks = [pick_question(passages, random.Random(seed)) for seed in range(40)]
    assert {"recall", "definition", "cloze", "choice", "steps"} <= {q.kind for q in picks if q}
    assert pick_question(passages, random.Random(5)) == pick_question(passages, random.Random(5))


def test_no_option_of_the_shipped_notes_shows_a_blank() -> None:
    # 'Train a ___ Model (RM)' was an option: a sentence naming the term is left out instead.
    from tests.conftest import SHIPPED_NOTES
    from tutor.knowledge.chunking import chunk_note
    from tutor.knowledge.loaders import parse_note
    from tutor.learning.bank import build_bank

    choices: dict[str, Question] = {}
    for path in sorted(SHIPPED_NOTES.glob("*.md")):
        chunks = chunk_note(parse_note(path, path.read_bytes()))
        passages = [
            Passage(path.name, c.heading, c.start_line, c.end_line, c.text, 0.0, chunk_id=str(n))
            for n, c in enumerate(chunks)
        ]
        for banked in build_bank(passages).values():
            for q in map(Question.from_dict, banked):
                if q.kind == "choice":
                    choices[q.prompt] = q
    assert len(choices) > 40
    for q in choices.values():
        assert not any("__" in option for option in q.options), q.prompt
        assert q.answer_index is not None and q.options[q.answer_index]
    reward = choices["Which of these describes Reward Modeling?"]
    assert reward.answer_index is not None
    assert reward.options[reward.answer_index] == (
        "Collect data where humans rank two model outputs (A is better than B)."
    )
