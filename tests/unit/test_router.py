"""Router rules: slash commands win, then code, quiz and find phrasing, else explain."""

from __future__ import annotations

import pytest

from tutor.code_input import code_in, with_echo
from tutor.nodes.router import route_by_rules, split_command, topic_of


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
        ("I want to find out why RLHF works", "explain"),
        ("what note mentions Zephyr", "retrieve"),
        ("give me a question on GRU", "quiz"),
        ("run softmax", "code_run"),
        ("show me softmax in code", "code_run"),
        ("hi", "help"),
        ("thanks!", "help"),
    ],
)
def test_rules_route_by_what_the_learner_asks(text: str, route: str) -> None:
    assert route_by_rules(text) == route


def test_rules_strip_request_scaffolding_from_the_topic() -> None:
    assert topic_of("quiz me on softmax") == "softmax"
    assert topic_of("quiz me") == ""
    assert topic_of("where do my notes talk about PPO?") == "PPO"
    assert topic_of("explain softmax") == "softmax"
    assert topic_of("how does backprop work?") == "backprop"
    assert topic_of("where is Zephyr mentioned") == "Zephyr"
    assert topic_of("where did I write about hallucinations") == "hallucinations"
    assert topic_of("Can you explain the attention mechanism?") == "attention mechanism"


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
