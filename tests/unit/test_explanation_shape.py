"""Offline explanations that teach: the definition first, then why it matters and how it
works, one labelled example, and side remarks from other passages under "See also"; with a
model, the explain prompt asks for the same shape.

The passages are real chunks of the shipped notes, copied as the retriever returns them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult

from tests.fakes import HashEmbeddings
from tests.unit.test_compose import PPO, TANH, VANISHING, passage
from tutor.config import load_settings
from tutor.context import Services
from tutor.knowledge.compose import compose_explanation
from tutor.session import Turn, Tutor
from tutor.slack.render import turn_messages

ALIGN = "rlhf-and-alignment.md"
RLHF = "training-finetuning-rlhf.md"
RUNNING = "llm-running-notes.md"
DL = "deep-learning-qa-notebook.md"

DPO = passage(
    ALIGN,
    "RLHF & Alignment › 3. DPO (Direct Preference Optimization)",
    (23, 26),
    "A newer, simpler, and more stable alternative to PPO.\n"
    "*   **Insight**: You don't need a separate Reward Model or complex RL loop.\n"
    "*   **Result**: DPO is now the standard for open-source model alignment (e.g., Zephyr, "
    "Llama-3) because it uses much less memory and is more stable than PPO.",
)
L1 = passage(
    RUNNING,
    "L1 Regularization (Lasso)",
    (39, 45),
    "Adds penalty based on the *absolute value* of weights: |w₁| + |w₂| + |w₃|...\n\n"
    "**Key behavior:** Pushes some weights all the way to **zero** — effectively removing "
    "features.\n\n"
    "*Intuitive analogy:* Like packing for a trip with a strict baggage limit. We're forced to "
    "completely leave behind items that aren't essential. Only the most important things make "
    "it into our suitcase.\n\n"
    "*Example:* We're predicting house prices with 50 features. L1 might zero out 35 of them, "
    "leaving only the 15 most important ones (like location, size, age). We get **automatic "
    "feature selection**.",
)
WHAT_IS_RLHF = passage(
    RLHF,
    "🧒 Beginner Level: Core Concepts › 3️⃣ RLHF (Human Alignment) › What Is RLHF?",
    (115, 119),
    "RLHF = **Reinforcement Learning from Human Feedback**\n\nIt teaches the model:\n\n"
    '> "Which answers humans prefer"',
)
WHY_RLHF = passage(
    RLHF,
    "🧒 Beginner Level: Core Concepts › 3️⃣ RLHF (Human Alignment) › Why RLHF Is Needed",
    (148, 153),
    "Without RLHF:\n\n* Model may be correct but rude\n* Unsafe\n* Overconfident\n* Hallucinating",
)
LSTM = passage(
    DL,
    "Backpropagation and Optimization › Long Short Term Memory",
    (259, 260),
    "- LSTM (Long Short-Term Memory) is a type of Recurrent Neural Network (RNN) designed to "
    "capture long-range dependencies in sequential data.",
)
LSTM_TRAINING = passage(
    DL,
    "Backpropagation and Optimization › Long Short Term Memory",
    (286, 289),
    "Training\n- BPTT in LSTM unrolls the network over time steps.\n"
    "- Gradients flow through the cell state with less shrinking than in a plain RNN.",
)


def part(markdown: str, title: str) -> str:
    """The lines under one `**title**` of the answer, up to the next part."""
    if f"**{title}**\n" not in markdown:
        return ""
    return markdown.split(f"**{title}**\n", 1)[1].split("\n\n", 1)[0]


def body(markdown: str) -> str:
    """Everything above "See also" and the sources: the explanation of the topic itself."""
    return markdown.split("**See also**")[0].split("**Sources**")[0]


def test_the_definition_comes_first_and_cites_the_passage_that_defines_the_topic() -> None:
    # The Tanh passage ranks first but only mentions the problem; the second defines it.
    explanation = compose_explanation("what is the vanishing gradient problem", [TANH, VANISHING])
    markdown = explanation.to_markdown()
    first = markdown.split("\n\n")[1]
    assert first.startswith("Vanishing Gradient Problem: this occurs during training")
    assert first.endswith("[1]") and explanation.sources[0] is VANISHING


def test_a_side_remark_from_another_passage_is_under_see_also_not_in_the_body() -> None:
    markdown = compose_explanation("vanishing gradient problem", [VANISHING, TANH]).to_markdown()
    remark = "Tanh Function: but this too creates vanishing gradient problem [2]"
    assert f"- {remark}" in part(markdown, "See also").splitlines()
    assert "Tanh Function" not in body(markdown)
    # The causes the defining passage lists are the body, in the notes' order.
    how = part(markdown, "How it works").splitlines()
    assert [line.split(":")[0] for line in how[:1]] == ["- Activation Functions"]
    assert all(line.endswith("[1]") for line in how)


def test_a_remark_without_its_own_subject_is_given_the_one_it_sits_under() -> None:
    markdown = compose_explanation("what is PPO?", [DPO, PPO]).to_markdown()
    assert markdown.split("\n\n")[1].startswith("RLHF with PPO (Proximal Policy Optimization)")
    see_also = part(markdown, "See also")
    # "A newer … alternative to PPO" is about DPO: it says so, and is no part of the body.
    assert "- DPO (Direct Preference Optimization): A newer, simpler" in see_also
    assert "DPO" not in body(markdown).split("\n\n", 2)[2]


def test_one_example_is_labelled_and_shown_whole() -> None:
    markdown = compose_explanation("what is L1 regularization", [L1]).to_markdown()
    example = part(markdown, "Example")
    assert example == (
        "- We're predicting house prices with 50 features. L1 might zero out 35 of them, "
        "leaving only the 15 most important ones (like location, size, age). We get automatic "
        "feature selection. [1]"
    )
    # The analogy is an illustration too: neither it nor its sentences become points.
    assert "suitcase" not in markdown and "baggage" not in markdown
    assert part(markdown, "How it works").startswith("- Key behavior: Pushes some weights")


def test_why_it_matters_comes_from_a_passage_whose_heading_names_the_topic() -> None:
    markdown = compose_explanation("what is RLHF", [WHAT_IS_RLHF, WHY_RLHF]).to_markdown()
    assert markdown.split("\n\n")[1].startswith("RLHF = Reinforcement Learning from Human")
    why = part(markdown, "Why it matters")
    assert "Model may be correct but rude [2]" in why
    assert "See also" not in markdown  # "Why RLHF Is Needed" is about RLHF itself


def test_another_chunk_of_the_defined_terms_section_is_body_not_a_side_remark() -> None:
    # "Long Short Term Memory" names what the lead defines, though not the word "LSTM".
    markdown = compose_explanation("explain LSTM", [LSTM, LSTM_TRAINING]).to_markdown()
    assert "BPTT in LSTM unrolls the network over time steps. [2]" in part(markdown, "How it works")
    assert "See also" not in markdown


def test_another_name_the_notes_give_the_topic_finds_its_definition() -> None:
    spelled_out = passage(
        ALIGN,
        "RLHF & Alignment › Glossary",
        (40, 41),
        "- **Proximal Policy Optimization** is a reinforcement learning algorithm that updates "
        "a policy in small, clipped steps.",
    )
    plain = compose_explanation("what is PPO", [PPO, spelled_out])
    assert not plain.lead.startswith("Proximal Policy Optimization")
    named = compose_explanation(
        "what is PPO", [PPO, spelled_out], aliases=["Proximal Policy Optimization"]
    )
    assert named.lead.startswith("Proximal Policy Optimization is a reinforcement learning")
    assert named.sources[0] is spelled_out


def test_every_cited_number_in_every_part_is_a_listed_source() -> None:
    explanation = compose_explanation("vanishing gradient problem", [TANH, VANISHING, DPO])
    markdown = explanation.to_markdown()
    for point in explanation.points:
        assert 1 <= point.source <= len(explanation.sources)
        assert f"- {point.text} [{point.source}]" in part(markdown, point.part)
    assert DPO not in explanation.sources


class Recording(GenericFakeChatModel):
    """A chat model that answers from a list and keeps the messages it was sent."""

    seen: list[list[BaseMessage]] = []

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(messages)
        return super()._generate(messages, *args, **kwargs)


def test_with_a_model_the_explain_prompt_asks_for_the_same_shape(notes: Path) -> None:
    reply = AIMessage(
        "Softmax turns logits into probabilities [1].",
        response_metadata={"finish_reason": "stop"},
    )
    model = Recording(messages=iter([reply]))
    settings = load_settings(notes=notes)
    services = Services(settings, embeddings=HashEmbeddings(), chat_model=model)
    tutor = Tutor(settings, services)
    try:
        turn = tutor.ask("explain the softmax function", "t1")
    finally:
        tutor.close()
    assert turn.route == "explain" and "[1]" in turn.answer
    system = str(model.seen[-1][0].content)
    definition = system.index("definition of the topic")
    why_how = system.index("why it matters or how it works")
    example = system.index("**Example**")
    see_also = system.index("**See also**")
    assert definition < why_how < example < see_also
    assert "never invent an example" in system.replace("\n", " ")


def test_slack_shows_each_part_as_a_bold_title_over_its_bullets() -> None:
    explanation = compose_explanation("vanishing gradient problem", [VANISHING, TANH])
    sources = [{"file": p.file, "heading": p.heading} for p in explanation.sources]
    turn = Turn("t", "explain", "offline", None, explanation.to_markdown(), sources=sources)
    [message] = turn_messages(turn, owner="U1", in_thread=True)
    shown = message["blocks"][0]["text"]["text"]
    assert "*How it works*\n• Activation Functions:" in shown
    assert (
        "*See also*\n• Tanh Function: but this too creates vanishing gradient problem [2]" in shown
    )
    assert "Sources" not in shown and "**" not in shown
