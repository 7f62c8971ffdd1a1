"""Batch normalization: normalise each feature over the batch, then scale and shift.

Keywords: batch normalization, batch normalisation, batch norm, batchnorm, BN,
  internal covariate shift, scale and shift, mini-batch statistics

For each feature: x_hat = (x - batch mean) / sqrt(batch variance + eps); y = gamma*x_hat + beta.
gamma and beta are learned, so the layer can undo the normalisation if that helps.
"""

import math

batch = [[1.0, 200.0, -3.0], [2.0, 180.0, -1.0], [3.0, 260.0, 0.0], [6.0, 220.0, 4.0]]
gamma, beta, eps = [1.0, 2.0, 0.5], [0.0, 1.0, -1.0], 1e-5
features = list(zip(*batch, strict=True))
means = [sum(col) / len(col) for col in features]
variances = [
    sum((x - m) ** 2 for x in col) / len(col) for col, m in zip(features, means, strict=True)
]


def show(title: str, rows: list[list[float]]) -> None:
    print(title)
    for row in rows:
        print("   " + " ".join(f"{x:9.3f}" for x in row))


show("input batch (4 examples x 3 features, very different scales):", batch)
print("mean     " + " ".join(f"{m:9.3f}" for m in means))
print("variance " + " ".join(f"{v:9.3f}" for v in variances))
normed = [
    [(x - m) / math.sqrt(v + eps) for x, m, v in zip(row, means, variances, strict=True)]
    for row in batch
]
show("normalised (each column: mean 0, variance 1):", normed)
out = [[g * x + b for x, g, b in zip(row, gamma, beta, strict=True)] for row in normed]
show(f"after scale gamma={gamma} and shift beta={beta}:", out)
print("At inference, running averages of mean/variance replace the batch statistics.")
