"""Reward model training: the Bradley-Terry loss pushes chosen scores above rejected ones.

Keywords: reward model, reward modeling, reward modelling, Bradley-Terry, preference,
  human preference, preference loss, chosen and rejected, pairwise ranking, RLHF

Humans pick the better of two answers. The reward model scores both; Bradley-Terry says
P(chosen preferred) = sigmoid(r_chosen - r_rejected), and the loss is -log of that.
"""

import math


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


pairs = [
    ("clear, correct answer", 2.0, "vague answer", -1.0),
    ("polite refusal of harm", 1.0, "harmful how-to", 0.5),
    ("short correct answer", 0.3, "long padded answer", 0.3),
    ("concise summary", -0.5, "rambling summary", 0.8),
    ("honest 'I do not know'", -2.0, "confident wrong answer", 1.5),
]
print(f"{'chosen':24} {'r_c':>5}   | {'rejected':22} {'r_r':>5} | P(c > r) |  loss")
for chosen, r_c, rejected, r_r in pairs:
    p = sigmoid(r_c - r_r)
    print(f"{chosen:24} {r_c:+5.1f}   | {rejected:22} {r_r:+5.1f} | {p:8.2f} | {-math.log(p):5.2f}")
print()
print("Only the margin r_c - r_r matters. Loss is small when the model already agrees with")
print("the human and large when it ranks the rejected answer higher. Its gradient is")
print("-(1 - P): wrong rankings get the biggest push, raising r_c and lowering r_r.")
