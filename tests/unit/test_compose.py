"""Offline explanations read like an explanation: a definition, distinct points, cited sources."""

from __future__ import annotations

import re

from tutor.knowledge.compose import compose_explanation, topic_of
from tutor.knowledge.retriever import Passage

SOFTMAX = Passage(
    file="deep-learning-qa-notebook.md",
    heading="Forward Propagation and Loss Functions",
    start_line=55,
    end_line=58,
    text=(
        "What is the purpose of the softmax function in classification tasks?\n"
        "- The softmax function converts a neural network’s raw output scores, or logits, "
        "into probabilities for each class in a multi-class classification task.\n"
        "- The summation of all probabilites will come to 1, making interpretation easier.\n"
        "- (e^logit of a class)/(summation of all e^logits)"
    ),
    score=0.03,
)
REWARD = Passage(
    file="training-finetuning-rlhf.md",
    heading="🧩 Intermediate Level › Reward Model (Key RLHF Component)",
    start_line=199,
    end_line=213,
    text=(
        "A **reward model** scores responses.\nInput:\n```\nPrompt + Response\n```\n"
        "Output:\n```\nScore (good or bad)\n```\nHuman-labeled rankings train this reward model."
    ),
    score=0.03,
)
RLAIF = Passage(
    file="rlhf-and-alignment.md",
    heading="RLHF & Alignment › 4. Constitutional AI (RLAIF)",
    start_line=30,
    end_line=32,
    text=(
        "Scaling human feedback is hard. **RLAIF (RL from AI Feedback)** uses a strong AI "
        "(like GPT-4) to critique and rate the outputs of a smaller model, instead of humans.\n"
        '*   **Constitution**: A set of principles (e.g., "Do not be racist", "Be helpful").'
    ),
    score=0.02,
)


def copy_of(passage: Passage, **changes: object) -> Passage:
    data = passage.as_dict() | changes
    return Passage(**data)  # type: ignore[arg-type]


def test_topic_drops_the_question_scaffolding() -> None:
    assert topic_of("What is the softmax function?") == "softmax function"
    assert topic_of("/explain how does PPO work") == "PPO"
    assert topic_of("explain the reward model") == "reward model"


def test_lead_is_the_definition_of_the_topic() -> None:
    assert compose_explanation("what is softmax?", [SOFTMAX]).lead.startswith(
        "The softmax function converts"
    )
    assert compose_explanation("what is the reward model", [REWARD]).lead == (
        "A reward model scores responses."
    )
    # A bold term that starts a sentence defines it, even mid-paragraph.
    assert compose_explanation("what is RLAIF", [RLAIF]).lead.startswith("RLAIF (RL from AI")


def test_question_lines_labels_and_code_never_become_points() -> None:
    explanation = compose_explanation("explain the reward model", [REWARD, SOFTMAX])
    texts = [explanation.lead] + [p.text for p in explanation.points]
    assert not any(t.endswith("?") or t.endswith(":") for t in texts)
    assert not any("Prompt + Response" in t for t in texts)
    assert "Human-labeled rankings train this reward model." in texts


def test_emphasis_markers_are_removed() -> None:
    markdown = compose_explanation("what is RLAIF", [RLAIF]).to_markdown()
    assert "RLAIF (RL from AI Feedback) uses" in markdown
    body = markdown.split("\n", 1)[1]  # the title line is bold on purpose
    assert "**RLAIF" not in body and "*   " not in body


def test_a_sentence_repeated_in_two_passages_appears_once() -> None:
    twin = copy_of(SOFTMAX, file="other.md", start_line=1, end_line=4)
    markdown = compose_explanation("softmax function", [SOFTMAX, twin]).to_markdown()
    assert markdown.count("summation of all probabilites") == 1
    assert "other.md" not in markdown  # it contributed nothing new, so it is not a source


def test_every_citation_names_a_listed_source_and_every_source_is_cited() -> None:
    explanation = compose_explanation("reward model and softmax", [REWARD, SOFTMAX, RLAIF])
    markdown = explanation.to_markdown()
    body, sources = markdown.split("**Sources**")
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    assert cited == set(range(1, len(explanation.sources) + 1))
    for n, passage in enumerate(explanation.sources, start=1):
        assert f"[{n}] {passage.citation}" in sources


def test_points_are_capped_and_long_ones_cut_at_a_word() -> None:
    long_text = "- " + " ".join(["softmax normalises scores"] * 40) + "."
    many = "\n".join(
        f"- Softmax fact number {i} is about probabilities and logits." for i in range(9)
    )
    passage = copy_of(SOFTMAX, text=f"{SOFTMAX.text}\n{long_text}\n{many}")
    explanation = compose_explanation("softmax", [passage], max_points=3)
    assert len(explanation.points) <= 3
    assert all(len(p.text) <= 242 for p in explanation.points)
    assert all(p.text.endswith("…") or len(p.text) < 240 for p in explanation.points)


def test_nothing_about_the_topic_says_so() -> None:
    assert compose_explanation("anything", []).to_markdown() == (
        "Your notes don't say anything about anything."
    )
    unrelated = compose_explanation("photosynthesis in plants", [SOFTMAX, REWARD])
    assert unrelated.sources == [] and "don't say anything" in unrelated.to_markdown()
