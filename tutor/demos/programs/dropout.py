"""Dropout randomly zeroes activations in training and rescales the rest (inverted dropout).

Keywords: dropout, inverted dropout, regularization, regularisation, overfitting, random mask,
  keep probability, drop rate
"""

import random

rng = random.Random(0)  # seeded so the demo prints the same masks every run
p_drop = 0.5
activations = [0.8, 1.2, 0.5, 2.0, 1.0, 0.3, 1.5, 0.7]


def dropout(values: list[float], p: float) -> list[float]:
    # Scaling survivors by 1/(1-p) keeps the expected sum unchanged, so inference needs no change.
    return [0.0 if rng.random() < p else v / (1 - p) for v in values]


print(f"drop rate p = {p_drop}; survivors are multiplied by 1/(1-p) = {1 / (1 - p_drop):.1f}")
print("input      :", " ".join(f"{v:4.1f}" for v in activations), f"| sum {sum(activations):.2f}")
for step in range(1, 5):
    out = dropout(activations, p_drop)
    print(f"training {step}:", " ".join(f"{v:4.1f}" for v in out), f"| sum {sum(out):.2f}")
print("inference  :", " ".join(f"{v:4.1f}" for v in activations), "| dropout is switched off")
print()
trials = 10_000
average = sum(sum(dropout(activations, p_drop)) for _ in range(trials)) / trials
print(
    f"average sum over {trials} training passes: {average:.2f} (input sum {sum(activations):.2f})"
)
print("Each pass trains a different thinned network, so units cannot rely on each other.")
