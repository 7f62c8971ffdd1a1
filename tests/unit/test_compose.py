"""Offline explanations read like an explanation: a definition, distinct points, cited sources.

The passages are real chunks of the shipped notes, copied as the retriever returns them.
"""

from __future__ import annotations

import re

from tutor.knowledge.compose import Explanation, asked_concept, compose_explanation, with_sides
from tutor.knowledge.passage import Passage

DL = "deep-learning-qa-notebook.md"
RLHF = "training-finetuning-rlhf.md"
ALIGN = "rlhf-and-alignment.md"
RUNNING = "llm-running-notes.md"


def passage(file: str, heading: str, lines: tuple[int, int], text: str) -> Passage:
    return Passage(file, heading, lines[0], lines[1], text, score=0.03)


SOFTMAX = passage(
    DL,
    "Forward Propagation and Loss Functions",
    (55, 58),
    "What is the purpose of the softmax function in classification tasks?\n"
    "- The softmax function converts a neural network’s raw output scores, or logits, into "
    "probabilities for each class in a multi-class classification task.\n"
    "- The summation of all probabilites will come to 1, making interpretation easier.\n"
    "- (e^logit of a class)/(summation of all e^logits)",
)
LOGITS = passage(
    DL,
    "Forward Propagation and Loss Functions",
    (64, 65),
    "What are Logits?\n- Logits are the raw, unnormalized scores produced by the **output "
    "layer** of a neural network before applying an activation function like softmax",
)
REWARD = passage(
    RLHF,
    "🧩 Intermediate Level: How It Actually Works › â Reward Model (Key RLHF Component)",
    (199, 213),
    "A **reward model** scores responses.\nInput:\n```\nPrompt + Response\n```\nOutput:\n"
    "```\nScore (good or bad)\n```\nHuman-labeled rankings train this reward model.",
)
PPO = passage(
    ALIGN,
    "RLHF & Alignment › 2. RLHF with PPO (Proximal Policy Optimization)",
    (13, 19),
    "The classic method used by ChatGPT.\n"
    "1.  **Reward Modeling**: Collect data where humans rank two model outputs (A is better "
    "than B). Train a **Reward Model (RM)** to predict these human preferences.\n"
    "2.  **Reinforcement Learning**:\n    *   The LLM generates a response.\n"
    "    *   The RM gives it a score.\n    *   PPO updates the LLM weights to maximize this "
    "score.\n    *   **KL Divergence Penalty**: Prevents the model from drifting too far from "
    'the original SFT model (prevents "reward hacking" or gibberish).',
)
L2 = passage(
    RUNNING,
    "L2 Regularization (Ridge)",
    (49, 55),
    "Adds penalty based on the *square* of weights: w₁² + w₂² + w₃²...\n"
    "**Key behavior:** Makes all weights **small but non-zero**. Spreads influence across "
    "features.",
)
CONSTITUTIONAL = passage(
    ALIGN,
    "RLHF & Alignment › 4. Constitutional AI (RLAIF)",
    (30, 32),
    "Scaling human feedback is hard. **RLAIF (RL from AI Feedback)** uses a strong AI (like "
    "GPT-4) to critique and rate the outputs of a smaller model, instead of humans.\n"
    '*   **Constitution**: A set of principles (e.g., "Do not be racist", "Be helpful").\n'
    "*   The AI judge uses these principles to generate the preference data for RLHF/DPO.",
)
RLAIF = passage(
    RUNNING,
    "RLAIF (Reinforcement Learning from AI Feedback)",
    (8, 11),
    "Same concept, but instead of humans providing the feedback, *another AI* (like a larger, "
    "more capable model) acts as the judge. It scores or compares the outputs, and that signal "
    "is used to train the model.\n**Key difference:** RLHF uses *humans* as the judge; RLAIF "
    "replaces that judge with *another AI*, making it faster and more scalable, but potentially "
    "inheriting the judge model's own biases.",
)
VANISHING = passage(
    DL,
    "Backpropagation and Optimization",
    (93, 98),
    "Vanishing Gradient Problem\n- This occurs during training when the gradient gets too small "
    "and hence parameter will not happen correctly.\n- The reason are:\n- Activation Functions: "
    "(Sigmoid,Tanh) these squish the output values between 0 and 1.\n- Chain rule essentially "
    "involves multiplication and when we multiply several partial derivatives which are smaller "
    "values, the whole gradient may become too small.\n- Small weight initialization: if weights "
    "in the initial steps are too small, then the gradients may be too small.",
)
TANH = passage(
    DL,
    "Backpropagation and Optimization › Activation Functions",
    (172, 177),
    "Tanh Function\n- It squishes output between -1 and 1.\n- It is zero centered.\n"
    "- But this too creates vanishing gradient problem\n- Exponentials are expensive.",
)
PRETRAINING = passage(
    RLHF,
    "🧒 Beginner Level: Core Concepts › 1️⃣ Pretraining (Foundation Training) › What Is Pretraining?",
    (25, 33),
    "Pretraining is when a model learns **language basics** by reading **massive amounts of "
    "text**.\nThe model learns:\n* Grammar\n* Vocabulary\n* Facts\n* Patterns\n"
    "* Reasoning structures",
)
MEMORY_TRICK = passage(
    RLHF,
    "🚀 Advanced Level: System-Level Understanding › 🧠 Memory Trick",
    (328, 330),
    "* **Pretraining** = Read everything\n* **Fine-tuning** = Practice with examples\n"
    "* **RLHF** = Learn from feedback",
)


def shown(explanation: Explanation) -> list[str]:
    return [explanation.lead, *(p.text for p in explanation.points)]


def test_topic_drops_the_question_scaffolding() -> None:
    assert asked_concept("What is the softmax function?") == "softmax function"
    assert asked_concept("/explain how does PPO work") == "PPO"
    assert asked_concept("tell me about the reward model") == "reward model"
    assert asked_concept("what are logits?") == "logits"
    assert asked_concept("What is BP and how does it work?") == "BP"  # a title of two asks
    assert asked_concept("What is Gradient Descent and explain it's working?") == "Gradient Descent"
    assert asked_concept("pros and cons") == "pros and cons"


def test_lead_is_the_definition_of_the_topic_even_from_a_lower_ranked_passage() -> None:
    # Each first passage mentions the topic without defining it.
    softmax = compose_explanation("What is the softmax function?", [LOGITS, SOFTMAX])
    assert softmax.lead.startswith("The softmax function converts")
    assert softmax.sources[softmax.lead_source - 1] is SOFTMAX
    reward = compose_explanation("explain the reward model", [PPO, REWARD])
    assert reward.lead == "A reward model scores responses."
    pretraining = compose_explanation("what is pretraining", [MEMORY_TRICK, PRETRAINING])
    assert pretraining.lead.startswith("Pretraining is when a model learns language basics")


def test_a_comparison_opens_with_the_sentence_naming_both_sides() -> None:
    explanation = compose_explanation("RLHF vs RLAIF", [CONSTITUTIONAL, RLAIF])
    assert explanation.lead.startswith("Key difference: RLHF uses humans as the judge")


def test_question_lines_labels_and_programs_never_become_points() -> None:
    explanation = compose_explanation("explain the reward model", [REWARD, SOFTMAX])
    for text in shown(explanation):
        assert not text.endswith(("?", ":")) and text not in ("Input", "Output")
    assert "Human-labeled rankings train this reward model." in shown(explanation)
    assert "Output: Score (good or bad)" in shown(explanation)  # a tiny fence keeps its label
    softmax = compose_explanation("what is softmax", [SOFTMAX])
    assert not any("purpose of the softmax" in t for t in shown(softmax))


def test_emphasis_markers_are_removed() -> None:
    explanation = compose_explanation("what is RLAIF", [CONSTITUTIONAL, RLAIF])
    assert any("RLAIF (RL from AI Feedback) uses a strong AI" in t for t in shown(explanation))
    for text in shown(explanation):
        assert "*" not in text and "__" not in text, text


def test_a_sentence_repeated_in_two_passages_appears_once() -> None:
    copied = passage(
        "exam-prep.md",
        "Softmax",
        (1, 3),
        "- The **summation** of all probabilites will come to 1, making interpretation easier.\n"
        "- The softmax function converts a neural network’s raw output scores, or logits, into "
        "probabilities for each class in a multi-class classification task.",
    )
    markdown = compose_explanation("softmax function", [SOFTMAX, copied]).to_markdown()
    assert markdown.count("summation of all probabilites") == 1
    assert markdown.count("raw output scores") == 1
    assert "exam-prep.md" not in markdown  # it added nothing new, so it is not a source


def test_every_citation_names_a_listed_source_and_every_source_is_cited() -> None:
    explanation = compose_explanation("vanishing gradient", [VANISHING, SOFTMAX, TANH, REWARD])
    markdown = explanation.to_markdown()
    body, sources = markdown.split("**Sources**")
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    assert cited == set(range(1, len(explanation.sources) + 1))
    assert len(explanation.sources) == 2  # the softmax and reward passages say nothing of it
    for n, source in enumerate(explanation.sources, start=1):
        assert f"[{n}] {source.citation}" in sources
    assert explanation.sources[0] is VANISHING  # numbered in order of first use


def test_a_sentence_that_leans_on_its_title_is_given_it() -> None:
    explanation = compose_explanation("vanishing gradient problem", [VANISHING, TANH])
    assert any(
        p.text.startswith("Tanh Function:") and "creates vanishing gradient" in p.text
        for p in explanation.points
    )


def test_a_passage_about_another_penalty_is_left_out() -> None:
    explanation = compose_explanation("explain the KL penalty", [PPO, L2])
    assert explanation.lead.startswith("KL Divergence Penalty: Prevents the model from drifting")
    assert explanation.sources == [PPO]


def test_a_list_of_one_word_items_becomes_one_point() -> None:
    explanation = compose_explanation("what is pretraining", [PRETRAINING])
    assert [p.text for p in explanation.points] == [
        "The model learns: Grammar, Vocabulary, Facts, Patterns, Reasoning structures"
    ]


def test_points_are_capped_at_max_points() -> None:
    passages = [VANISHING, TANH]
    assert len(compose_explanation("vanishing gradient", passages).points) > 2
    assert len(compose_explanation("vanishing gradient", passages, max_points=2).points) == 2


def test_long_points_are_cut_at_a_word() -> None:
    sentence = (
        "Softmax " + " ".join(f"turns logit number {i} into a probability," for i in range(30))
    ).rstrip(",") + "."
    long_one = passage(DL, "Transformers", (1, 2), f"- {sentence}")
    points = compose_explanation("softmax", [SOFTMAX, long_one]).points
    cut = [p.text for p in points if p.text.endswith("…")]
    assert len(cut) == 1 and all(len(p.text) <= 240 for p in points)
    kept = cut[0].removesuffix("…")
    assert sentence.startswith(kept) and sentence[len(kept)] == " "


def test_nothing_about_the_topic_says_so() -> None:
    assert compose_explanation("anything", []).to_markdown() == (
        "Your notes don't say anything about anything."
    )
    unrelated = compose_explanation("what is photosynthesis?", [SOFTMAX, REWARD])
    assert unrelated.sources == [] and unrelated.points == []
    assert unrelated.to_markdown() == "Your notes don't say anything about photosynthesis."


def test_the_notes_own_misspelling_finds_the_sentences() -> None:
    metrics = passage(
        DL,
        "Transformers › RAG",
        (422, 425),
        "Evaluvation Metrics for Generation\n"
        "- BLUE: Bilingual Evaluvation Understudy: Measures the precision of n grams.\n"
        "- ROGUE: Recall oriented understudy for Gisting Evaluvation: recall of n grams.",
    )
    assert compose_explanation("ROUGE vs BLEU", [metrics]).sources == []
    found = compose_explanation("ROUGE vs BLEU", [metrics], spelled="ROUGE (rogue) vs BLEU (blue)")
    assert found.topic == "ROUGE vs BLEU" and found.sources == [metrics]
    said = found.to_markdown()
    assert "Bilingual Evaluvation Understudy" in said and "Recall oriented understudy" in said


SIGMOID = passage(
    DL,
    "Backpropagation and Optimization › Activation Functions",
    (164, 170),
    "Sigmoid Function\n- A Function that is defined as f(x)=1/(1+e^-x), it squishes the input "
    "between 0 and 1 and creates a s shape curve.\n- It can be interpretable as probabilites, so "
    "we can use them in binary classifications.",
)
UAT = passage(
    DL,
    "DL Foundations",
    (24, 25),
    "What is the universal approximation theorem?\n- The universal approximation theorem states "
    "that a feedforward neural network with one hidden layer and a non-linear activation "
    "function, like sigmoid, can approximate any continuous function.",
)
TANH_TITLED = passage(
    DL,
    "Backpropagation and Optimization › Activation Functions",
    (172, 177),
    "Tanh Function\n- It squishes output between -1 and 1.\n- It is zero centered.",
)
BOTH = passage(
    DL,
    "Backpropagation and Optimization",
    (93, 98),
    "Vanishing Gradient Problem\n- Activation Functions: (Sigmoid,Tanh) these squish the output "
    "values between 0 and 1.",
)


def test_a_title_defines_its_term_though_its_sentence_opens_with_a_generic_word() -> None:
    explained = compose_explanation("what is sigmoid", [UAT, SIGMOID])
    assert explained.lead.startswith("Sigmoid Function: A Function that is defined as")
    assert explained.sources[explained.lead_source - 1] is SIGMOID


def test_a_comparison_defines_each_side_from_its_own_passages_first() -> None:
    joint = compose_explanation("sigmoid vs tanh", [BOTH, SIGMOID, TANH_TITLED])
    sides = [
        ("sigmoid", compose_explanation("sigmoid", [UAT, SIGMOID], 1)),
        ("tanh", compose_explanation("tanh", [TANH_TITLED], 1)),
    ]
    explained = with_sides(joint, sides)
    shown = explained.to_markdown()
    assert shown.index("**Sigmoid**: Sigmoid Function: A Function") < shown.index("**Tanh**: ")
    assert [s.source for s in explained.sides] == [1, 2]
    assert explained.sources[:2] == [SIGMOID, TANH_TITLED]
    lines = [explained.lead, *(p.text for p in explained.points)]
    assert not any(line.startswith("Tanh Function: it squishes") for line in lines)  # once
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", shown.split("**Sources**")[0])}
    assert cited == set(range(1, len(explained.sources) + 1))
    # A side the notes do not define leaves the joint answer as it was.
    assert with_sides(joint, [sides[0], ("swish", Explanation("swish"))]) is joint


NN_PARTS = passage(
    DL,
    "DL Foundations",
    (14, 19),
    "What are the components of a basic NN?\n"
    "- Neurons: Units that process inputs, compute a weighted sum, add a bias, and apply an "
    "activation function.\n"
    "- Weights: Parameters that scale inputs, determining their influence on a neuron’s output.\n"
    "- Biases: Constants added to the weighted sum, allowing the model to better fit data",
)
LORA = passage(
    DL,
    "Transformers › RAG › Fine Tuninig",
    (455, 457),
    "- LoRA(Low Rank Adaption): we add smaller weight matrices to the existing ones.\n"
    "- The main model weights are frozen; only these small matrices are trained.",
)
LANGCHAIN = passage(
    DL,
    "Transformers › Langchain",
    (521, 536),
    "- Chains:Chains are a way to combine multiple components to create complex workflows\n"
    "- Agents:Agent = LLM + Tools + Reasoning Framework\n"
    "- Decision-makers that choose which tool to use.(LLM+Tool)",
)
ENTERPRISE = passage(
    RLHF,
    "🚀 Advanced Level › 🧪 Real-World Applications › 🔹 Enterprise Agents",
    (298, 300),
    "Enterprise Agents: ITSM copilots, DevOps assistants, Knowledge bots",
)
LSTM_LISTS = passage(
    DL,
    "Backpropagation and Optimization › Long Short Term Memory",
    (266, 278),
    "Advantages\n- Handles long-term dependencies\n- Solves vanishing gradient problem\n"
    "- Captures context\n\nDisadvantages\n- Complex Architecuture\n- Computationally expensive",
)
LSTM_DEFINED = passage(
    DL,
    "Backpropagation and Optimization › Long Short Term Memory",
    (259, 260),
    "- LSTM (Long Short-Term Memory) is a type of Recurrent Neural Network (RNN) designed to "
    "capture long-range dependencies in sequential data.",
)


def test_what_is_done_to_a_term_does_not_define_it() -> None:
    explained = compose_explanation("weights", [LORA, NN_PARTS])
    assert explained.lead.startswith("Weights: Parameters that scale inputs")


def test_the_notes_term_colon_definition_without_a_space_defines_exactly_that_term() -> None:
    explained = compose_explanation("agents", [ENTERPRISE, LANGCHAIN])
    assert explained.sources[explained.lead_source - 1] is LANGCHAIN
    assert "Agent = LLM + Tools + Reasoning Framework" in explained.lead


def test_a_list_gathered_under_its_title_is_not_the_titles_definition() -> None:
    explained = compose_explanation("Long Short Term Memory", [LSTM_LISTS, LSTM_DEFINED])
    assert explained.lead.startswith("LSTM (Long Short-Term Memory) is a type of Recurrent")


PRE = "llm-pretraining-posttraining.md"
DEFICITS = "POST-TRAINING: SUPERVISED FINETUNING › Congnitive Deficits"
VAGUE = passage(
    PRE,
    f'{DEFICITS} › 1."Vague racollection" VS "Working memory"',
    (52, 54),
    "* Knowledge in the parameters == Vague recollection\n    eg. like something you read 1 "
    "month ago\n* Knowledge in the tokens of the context window == Working memory",
)
SELF = passage(
    PRE,
    f"{DEFICITS} › 2.Knowledge of self",
    (57, 61),
    '* The LLM has no knowledge of self"out of the box"\n* It says what it read most often.',
)


def test_a_section_whose_parts_have_their_own_headings_is_shown_part_by_part() -> None:
    explained = compose_explanation("what are congnitive deficits", [SELF, VAGUE])
    assert [p.text.split(":")[0] for p in explained.points] == [
        "Vague racollection VS Working memory",  # in the notes' order
        "Knowledge of self",
    ]
    assert explained.points[0].text.endswith("Knowledge in the parameters == Vague recollection")
    assert explained.sources == [VAGUE, SELF]
    # One part alone is not a section overview.
    assert compose_explanation("what are congnitive deficits", [SELF]).sources == []


def test_a_term_with_an_arrow_says_what_it_leads_to_not_what_it_is() -> None:
    chain = passage(
        "reg.md", "L2 Regularization (Ridge)", (57, 61),
        "**Quick comparison:**\n- **L1** → Sparse (many zeros) → Feature selection\n"
        "- **L2** → Dense (all small) → Weight shrinkage",
    )  # fmt: skip
    ridge = passage(
        "reg.md", "L2 Regularization (Ridge)", (47, 55),
        "Adds penalty based on the *square* of weights: w₁² + w₂² + w₃²...\n\n"
        "**Key behavior:** Makes all weights **small but non-zero**.",
    )  # fmt: skip
    explained = compose_explanation("What is L2 regularization?", [chain, ridge])
    assert "square" in explained.lead and "→" not in explained.lead


def test_a_sentence_ending_in_a_colon_is_said_with_what_completes_it() -> None:
    stages = passage(
        "llm.md", "Big Picture: How LLMs Are Made Smarter", (7, 15),
        "Modern Large Language Models (LLMs) like GPT or Claude are trained in **three major "
        "stages**:\n\n```\n1️⃣ Pretraining  →  2️⃣ Fine-Tuning  →  3️⃣ RLHF\n```\n\n"
        "Each stage adds **new capabilities and alignment**.",
    )  # fmt: skip
    explained = compose_explanation("What are large language models?", [stages])
    assert explained.lead.startswith("Modern Large Language Models (LLMs) like GPT")
    assert "three major stages: 1️⃣ Pretraining" in explained.lead
