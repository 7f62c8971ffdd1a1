"""The router: slash commands and code by rule, everything else by meaning; topics without
the request's words."""

from __future__ import annotations

import pytest

from tutor.intent.classifier import MODEL, examples_digest
from tutor.intent.topic import read_request, topic_of
from tutor.messages import split_command
from tutor.nodes.code_input import code_in, with_echo
from tutor.nodes.router import route_offline


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("run this:\n```python\nprint(1)\n```", "code_run"),
        ("```\nx = 2\n```", "code_run"),
        ("can you execute this code for me", "code_run"),
        ("quiz me on softmax", "quiz"),
        ("Test me about RLHF", "quiz"),
        ("where do my notes talk about PPO?", "retrieve"),
        ("which note covers the reward model", "retrieve"),
        ("find the KL penalty", "retrieve"),
        ("what is the softmax function?", "explain"),
        ("why do gradients vanish in deep networks", "explain"),
        ("what note mentions Zephyr", "retrieve"),
        ("give me a question on GRU", "quiz"),
        ("show me softmax in code", "code_run"),
        ("hi", "help"),
        ("thanks!", "help"),
        # The phrasings the keyword rules used to send to explain (issue 14).
        ("which of my notes talk about LoRA?", "retrieve"),
        ("look up GRU in my notes", "retrieve"),
        ("in which file do I mention RLAIF?", "retrieve"),
        ("drill me on regularization", "quiz"),
        ("I want to practice LSTMs", "quiz"),
        ("let's do a quick quiz", "quiz"),
        ("flashcard time: reward models", "quiz"),
        ("execute print('hi')", "code_run"),
        ("can you run a demo of gradient descent?", "code_run"),
        # Questions in the notes' domain that use finding or testing words are explanations.
        ("where is the KL penalty applied in RLHF?", "explain"),
        ("what's the difference between a validation and a test set?", "explain"),
    ],
)
def test_messages_are_routed_by_what_the_learner_wants(text: str, route: str) -> None:
    assert route_offline(text)["route"] == route


@pytest.mark.parametrize(
    "text",
    ["", "   ", "?!?", "🙂🙂🙂", "x" * 20_000, "explique-moi LoRA please", "[[LoRA]]", "*PPO*",
     "C++", "(a|b)*", "\\d+ $1"],
)  # fmt: skip
def test_odd_messages_get_a_route_and_no_traceback(text: str) -> None:
    chosen = route_offline(text)
    assert chosen["route"] in ("explain", "retrieve", "quiz", "code_run", "help")
    assert len(chosen["topic"]) < 400


def test_wordless_messages_are_greeted_not_searched() -> None:
    assert route_offline("🙂")["route"] == "help"
    assert route_offline("")["route"] == "help"


def test_the_topic_carries_no_request_words_and_keeps_the_level_wish() -> None:
    chosen = route_offline("explain multi-head attention like I'm a beginner")
    assert chosen["topic"] == "multi-head attention" and chosen["asked_level"] == "beginner"
    assert route_offline("which of my notes talk about LoRA?")["topic"] == "LoRA"
    assert route_offline("quiz me on the reward model")["topic"] == "reward model"
    assert route_offline("explain dropout in depth please")["asked_level"] == "advanced"
    assert route_offline("[[LoRA]]")["topic"] == "LoRA"
    assert route_offline("what is C++?")["topic"] == "C++"
    assert route_offline("[[LoRA]] —  ?")["topic"] == "LoRA"  # a dash left hanging is not a name
    assert topic_of("pre- and post-training") == "pre- and post-training"
    # Languages compared are a question to explain; asked to run, they are code.
    assert route_offline("C++ vs Python")["route"] == "explain"
    assert route_offline("rust vs go: which is faster")["route"] == "explain"
    assert route_offline("run a python vs java benchmark")["route"] == "code_run"


def test_topics_are_read_without_the_request() -> None:
    assert topic_of("quiz me on softmax") == "softmax"
    assert topic_of("quiz me") == ""
    assert topic_of("let's do a quick quiz") == "" and topic_of("time for a quiz!") == ""
    assert topic_of("let's do a quick quiz on softmax") == "softmax"
    assert topic_of("where do my notes talk about PPO?") == "PPO"
    assert topic_of("explain softmax") == "softmax"
    assert topic_of("how does backprop work?") == "backprop"
    assert topic_of("where is Zephyr mentioned") == "Zephyr"
    assert topic_of("where did I write about hallucinations") == "hallucinations"
    assert topic_of("Can you explain the attention mechanism?") == "attention mechanism"
    assert topic_of("qiuz me abt the RLHF pipeline") == "RLHF pipeline"  # typos of the request
    assert topic_of("explain RLHF like I'm five") == "RLHF"  # "five" is not a typo of "file"
    assert read_request("LoRA vs SVMs").parts == ("LoRA", "SVMs")
    assert topic_of("what does regurgitation mean for a base model") == "regurgitation"
    assert topic_of("what is meant by reward hacking in RLHF?") == "reward hacking in RLHF"
    assert topic_of("explain the mean squared error") == "mean squared error"
    assert topic_of("How's the RM trained in the PPO recipe?") == "RM"
    assert topic_of("Are the chat transcripts used to train assistants?") == "chat transcripts"
    assert topic_of("are there notes on PPO") == "PPO"
    assert topic_of("is RLAIF covered anywhere in my running notes") == "RLAIF"
    assert topic_of("anything in my notes about ridge") == "ridge"


def test_a_term_said_before_its_question_is_the_topic_unless_it_sets_the_scene() -> None:
    assert topic_of("gradient checkpointing — how does it save memory?") == "gradient checkpointing"
    assert topic_of("the reward model: how is it trained?") == "reward model"
    assert topic_of("LoRA, what is it?") == "LoRA"
    assert topic_of("the reward model: how is it trained") == "reward model"
    # A heading pasted whole is not a term and its question.
    heading = "Intermediate Level: How It Actually Works › Reward Model (Key RLHF Component)"
    assert topic_of(heading) == heading
    # A clause that says where the question is asked stays with it.
    assert topic_of("in the RL step of RLHF, what does gamma do?").startswith("in the RL step")
    assert "PPO" in topic_of("apart from PPO, what else is there?")
    # A question first is not a term ("what is it: LoRA?" keeps its question).
    assert topic_of("a very long heading of more than seven words here: why?") != (
        "very long heading of more than seven words here"
    )


def test_everyday_wrappings_of_a_question_leave_the_concept() -> None:
    # The thing asked for in "what X is used …" is X in its place, not X alone.
    assert topic_of("What data is used to teach the component that grades responses?") == (
        "data used to teach the component that grades responses"
    )
    assert topic_of("which loss is used for classification?") == "loss used for classification"
    assert topic_of("what is dropout used for?") == "dropout"
    # Polite and -ing forms of a request, and a second question joined by "and".
    assert (
        topic_of("Would you mind explaining instance normalization and when it's used instead?")
        == "instance normalization"
    )
    assert topic_of("would you mind quizzing me on PPO") == "PPO"
    assert topic_of("do you mind if we look at LoRA") == "LoRA"
    assert topic_of("What is catastrophic forgetting and how do people prevent it?") == (
        "catastrophic forgetting"
    )
    assert topic_of("Could you explain how a neural Turing machine reads its memory?") == (
        "neural Turing machine reads its memory"
    )
    # "What does it mean for X to Y" asks about X doing Y, not about "mean".
    assert topic_of("what does it mean for a language model to hallucinate?") == (
        "language model to hallucinate"
    )
    assert topic_of("What does it mean when gradients vanish?") == "gradients vanish"


def test_comparisons_are_read_in_their_common_shapes_and_only_there() -> None:
    assert read_request("How is ROUGE different from BLEU?").parts == ("ROUGE", "BLEU")
    assert read_request("ROUGE vs BLEU — what's the difference?").parts == ("ROUGE", "BLEU")
    assert read_request("ReLU or sigmoid?").parts == ("ReLU", "sigmoid")
    # The question said about the pair after a colon or a comma is not part of a side.
    assert read_request("red teaming vs jailbreaking, same thing or not?").parts == (
        "red teaming",
        "jailbreaking",
    )
    assert read_request("regurgitation vs hallucination: one recites, one invents?").parts == (
        "regurgitation",
        "hallucination",
    )
    assert read_request("SGD vs Adam, RMSprop and Adagrad").parts == (
        "SGD",
        "Adam, RMSprop and Adagrad",  # a list of names is not a question about the pair
    )
    assert read_request(
        "what's deep learning and how is it different from classic machine learning?"
    ).parts == ("deep learning", "classic machine learning")
    long_or = read_request("What happens if my step size is way too tiny or way too big?")
    assert long_or.parts == () and "tiny or way too big" in long_or.topic
    many = read_request("what's the difference between tensor parallelism and pipeline "
                        "parallelism, and when would you pick each?")  # fmt: skip
    assert many.parts == ("tensor parallelism", "pipeline parallelism")


def test_the_shipped_router_model_was_trained_on_the_shipped_examples() -> None:
    import numpy as np

    with np.load(MODEL) as data:
        assert str(data["digest"]) == examples_digest(), "run: python -m tutor.intent.train"


def test_no_eval_phrasing_is_a_training_example() -> None:
    import json

    from tutor.evals.dataset import EVALS_DIR
    from tutor.intent.train import read_examples

    taught = {text.lower() for _, text in read_examples()}
    rows = [json.loads(line) for line in (EVALS_DIR / "routing.jsonl").read_text().splitlines()]
    assert not [r["text"] for r in rows if r["text"].lower() in taught]


def test_slash_commands_split_into_command_and_rest() -> None:
    assert split_command("/quiz   softmax ") == ("/quiz", "softmax")
    assert split_command("/RUN\nprint(1)") == ("/run", "print(1)")
    assert split_command("no command here") == ("", "no command here")


def test_code_is_found_in_fences_or_as_a_whole_program_but_not_in_plain_words() -> None:
    assert code_in("run this\n```python\nprint(1)\n```") == "print(1)"
    assert code_in("print(2 ** 10)") == "print(2 ** 10)"
    assert code_in("run this: x = 3") == "x = 3"
    assert code_in("softmax") is None
    assert code_in("show me how softmax behaves") is None


def test_a_program_ending_in_an_expression_prints_its_value() -> None:
    namespace: dict[str, object] = {}
    echoed = with_echo("x = 6\nx * 7")
    assert "print(repr(_))" in echoed
    exec(compile(echoed.replace("print(repr(_))", "out = repr(_)"), "<t>", "exec"), namespace)
    assert namespace["out"] == "42"
    assert with_echo("print(1)") == "print(1)"


def test_echo_keeps_statements_before_the_expression_on_the_same_line() -> None:
    namespace: dict[str, object] = {}
    echoed = with_echo("import math; math.sqrt(16)")
    exec(compile(echoed.replace("print(repr(_))", "out = repr(_)"), "<t>", "exec"), namespace)
    assert namespace["out"] == "4.0"


def test_loops_and_broken_code_after_run_are_code() -> None:
    assert code_in("/run while True: pass".removeprefix("/run ")) == "while True: pass"
    assert code_in("def f(:") == "def f(:"
    assert code_in("show me: softmax") is None
