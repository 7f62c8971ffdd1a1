"""Vanishing gradients: sigmoid derivatives multiply towards zero through depth, ReLU's do not.

Keywords: vanishing gradient, vanishing gradient problem, VGP, exploding gradient, chain rule,
  backpropagation, deep network, sigmoid derivative, saturation, network depth

Backpropagation multiplies one local derivative per layer (the chain rule). The sigmoid's
derivative is at most 0.25, so the product shrinks geometrically with depth.
"""

import math


def sigmoid_grad(z: float) -> float:
    s = 1 / (1 + math.exp(-z))
    return s * (1 - s)


def tanh_grad(z: float) -> float:
    return 1 - math.tanh(z) ** 2


def relu_grad(z: float) -> float:
    return 1.0 if z > 0 else 0.0


print("Gradient reaching layer 1 = product of one activation derivative per layer")
print("(weights taken as 1 so only the activation matters)")
print()
print("depth | sigmoid z=0 | sigmoid z=2 |   tanh z=1 | relu z=1")
for depth in (1, 2, 5, 10, 20, 30):
    row = [f(z) ** depth for f, z in ((sigmoid_grad, 0), (sigmoid_grad, 2), (tanh_grad, 1))]
    print(
        f"{depth:5d} | "
        + " | ".join(f"{g:11.2e}" for g in row)
        + f" | {relu_grad(1) ** depth:8.1f}"
    )
print()
print(
    f"max sigmoid derivative = {sigmoid_grad(0):.2f} (at z=0); it saturates: z=5 gives "
    f"{sigmoid_grad(5):.4f}"
)
print("Early layers barely learn with sigmoid/tanh; ReLU passes gradient 1 for positive inputs.")
print("Fixes from the notes: ReLU, Xavier/He init, batch normalization, skip connections.")
