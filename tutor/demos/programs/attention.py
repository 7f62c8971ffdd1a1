"""Scaled dot-product attention on three tiny token vectors.

Keywords: attention, self-attention, scaled dot-product attention, attention weights,
  attention scores, query key value, QKV, transformer

Attention(Q, K, V) = softmax(Q K^T / sqrt(d)) V: each token's query is compared with every
key; the softmax of the scaled scores weights a mix of the value vectors.
"""

import math

tokens = ["cat", "sat", "mat"]
queries = [[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0], [1.0, 1.0, 0.0, 0.0]]
keys = [[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0], [1.0, 0.5, 0.5, 0.0]]
values = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
d = len(keys[0])


def dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def softmax(xs: list[float]) -> list[float]:
    exps = [math.exp(x - max(xs)) for x in xs]
    return [e / sum(exps) for e in exps]


print(
    f"d = {d}; scores are divided by sqrt(d) = {math.sqrt(d):.1f} to keep softmax from saturating"
)
print("query  | raw scores (vs " + ", ".join(tokens) + ") | weights            | output")
for token, q in zip(tokens, queries, strict=True):
    scores = [dot(q, k) / math.sqrt(d) for k in keys]
    weights = softmax(scores)
    output = [sum(w * v[i] for w, v in zip(weights, values, strict=True)) for i in range(2)]
    print(
        f"{token:6} | "
        + " ".join(f"{s:5.2f}" for s in scores)
        + "          | "
        + " ".join(f"{w:5.2f}" for w in weights)
        + f"    | [{output[0]:.2f}, {output[1]:.2f}]"
    )
print()
print("Each row of weights sums to 1: the output is a weighted average of the value vectors,")
print("weighted towards the keys that best match that token's query.")
