"""Activation functions side by side: sigmoid, tanh, ReLU and leaky ReLU.

Keywords: activation function, activation, sigmoid, tanh, ReLU, leaky ReLU, non-linearity,
  nonlinearity, squash, dead neuron
"""

import math


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def relu(z: float) -> float:
    return max(0.0, z)


def leaky_relu(z: float, slope: float = 0.01) -> float:
    return z if z > 0 else slope * z


print("    z | sigmoid |   tanh |  relu | leaky relu")
for z in (-5.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 5.0):
    values = f"{sigmoid(z):7.3f} | {math.tanh(z):6.3f} | {relu(z):5.1f} | {leaky_relu(z):10.3f}"
    print(f"{z:5.1f} | {values}")
print()
print("sigmoid: squashes to (0, 1), reads as a probability; flat at both ends (saturates).")
print("tanh:    squashes to (-1, 1), zero-centred; also saturates.")
print("relu:    0 for negatives, identity for positives; cheap, gradient 1 when active,")
print("         but a unit stuck at negative inputs gets no gradient ('dead neuron').")
print("leaky:   keeps a small slope (0.01) for negatives so the unit can recover.")
