"""The offline demo catalogue: every program is well-formed and requests find the right one."""

from __future__ import annotations

import ast
import sys

import pytest

from tutor.demos import Demo, all_demos, find_demo

EXPECTED = {
    "activation_functions",
    "attention",
    "batch_norm",
    "cross_entropy",
    "dropout",
    "gradient_descent",
    "kl_penalty",
    "next_token_prediction",
    "ppo_clip",
    "reward_model",
    "softmax",
    "vanishing_gradients",
}


def test_catalogue_ships_every_demo() -> None:
    assert {demo.name for demo in all_demos()} == EXPECTED


@pytest.mark.parametrize("demo", all_demos(), ids=lambda demo: demo.name)
def test_demo_parses(demo: Demo) -> None:
    assert demo.title and "\n" not in demo.title
    assert not demo.title.startswith("Keywords")
    assert len(demo.keywords) >= 2
    assert all(phrase and phrase == phrase.lower() for phrase in demo.keywords)
    assert demo.code.strip()


@pytest.mark.parametrize("demo", all_demos(), ids=lambda demo: demo.name)
def test_program_compiles_and_uses_only_the_standard_library(demo: Demo) -> None:
    tree = compile(demo.code, f"{demo.name}.py", "exec", flags=ast.PyCF_ONLY_AST)
    compile(tree, f"{demo.name}.py", "exec")
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    # The sandbox's Python may lack numpy and friends.
    assert imported <= sys.stdlib_module_names


@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        ("show me how softmax behaves", "softmax"),
        ("what does temperature do to the logits", "softmax"),
        ("demonstrate vanishing gradients", "vanishing_gradients"),
        ("How to handle VGP", "vanishing_gradients"),
        ("what does the KL penalty do in RLHF", "kl_penalty"),
        ("show the KL Divergence Penalty preventing reward hacking", "kl_penalty"),
        ("how does ppo clipping work", "ppo_clip"),
        ("Proximal Policy Optimization clipped objective", "ppo_clip"),
        ("train a reward model on human preferences", "reward_model"),
        ("binary cross-entropy vs categorical cross entropy", "cross_entropy"),
        ("gradient descent with a learning rate that is too big", "gradient_descent"),
        ("compare sigmoid, tanh and relu", "activation_functions"),
        ("how does dropout prevent overfitting", "dropout"),
        ("explain Batch Normalization", "batch_norm"),
        ("next-token prediction is self-supervised", "next_token_prediction"),
        ("scaled dot-product attention", "attention"),
    ],
)
def test_find_demo_maps_requests_to_the_right_demo(request_text: str, expected: str) -> None:
    demo = find_demo(request_text)
    assert demo is not None and demo.name == expected


@pytest.mark.parametrize(
    "request_text",
    [
        "bake a cake",
        "hello",
        "",
        "show me",
        "write a poem about the sea",
        "what is the value of pi",
    ],
)
def test_find_demo_returns_none_for_unrelated_text(request_text: str) -> None:
    assert find_demo(request_text) is None
