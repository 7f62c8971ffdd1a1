"""Cross-entropy loss punishes confident wrong predictions far more than unsure ones.

Keywords: cross entropy, log loss, BCE, binary cross entropy, CCE, categorical cross entropy,
  sparse categorical cross entropy, negative log likelihood, loss function, classification loss
"""

import math


def bce(y: int, p: float) -> float:
    return -(y * math.log(p) + (1 - y) * math.log(1 - p))


def cce(one_hot: list[int], probs: list[float]) -> float:
    return -sum(y * math.log(p) for y, p in zip(one_hot, probs, strict=True))


print("Binary cross entropy, true label y = 1")
print("  predicted p(y=1) |  loss")
for p in (0.99, 0.9, 0.6, 0.5, 0.1, 0.01):
    print(f"  {p:16.2f} | {bce(1, p):5.2f}")
print()
print("Categorical cross entropy, 3 classes, true class = 0 (one-hot [1, 0, 0])")
cases = {
    "confident right": [0.90, 0.05, 0.05],
    "unsure": [0.40, 0.30, 0.30],
    "confident wrong": [0.05, 0.90, 0.05],
}
for label, probs in cases.items():
    print(f"  {label:16} {probs} -> loss {cce([1, 0, 0], probs):5.2f}")
print()
# With two classes, CCE over [p, 1-p] is exactly BCE: BCE is the two-class special case.
print(f"BCE(y=1, p=0.8) = {bce(1, 0.8):.4f}; CCE([1,0], [0.8,0.2]) = {cce([1, 0], [0.8, 0.2]):.4f}")
print("Only the probability given to the true class matters: loss = -log(p_true).")
