"""Softmax turns logits into probabilities; temperature makes them sharper or flatter.

Keywords: softmax, logits, temperature, probability distribution, sampling temperature

Softmax exponentiates each logit and divides by the total, so every output is positive and
they sum to 1. Dividing the logits by a temperature T first sharpens (T < 1) or flattens
(T > 1) the distribution.
"""

import math


def softmax(logits: list[float], temperature: float = 1.0) -> list[float]:
    scaled = [x / temperature for x in logits]
    top = max(scaled)  # shifting by the max keeps exp() from overflowing; the result is the same
    exps = [math.exp(x - top) for x in scaled]
    total = sum(exps)
    return [e / total for e in exps]


tokens = ["cat", "dog", "car", "sky"]
logits = [2.0, 1.0, 0.1, -1.0]
print("logits: " + ", ".join(f"{t}={x:+.1f}" for t, x in zip(tokens, logits, strict=True)))
print()
print("    T | " + " | ".join(f"{t:>5}" for t in tokens) + " |  sum")
for temperature in (0.25, 0.5, 1.0, 2.0, 10.0):
    probs = softmax(logits, temperature)
    row = " | ".join(f"{p:5.3f}" for p in probs)
    print(f"{temperature:5.2f} | {row} | {sum(probs):4.2f}")
print()
shifted = softmax([x + 100 for x in logits])
print("logits + 100 ->", ", ".join(f"{p:.3f}" for p in shifted), "(only differences matter)")
print("Low T: nearly all mass on the top logit (greedy). High T: close to uniform (random).")
