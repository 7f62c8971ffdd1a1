"""Gradient descent on a 1-D quadratic: the learning rate decides converge or diverge.

Keywords: gradient descent, gradient, learning rate, step size, converge, convergence, diverge,
  optimizer, optimization, SGD, minimize loss

We minimise f(w) = (w - 3)^2, whose gradient is 2(w - 3), starting from w = 0.
Each step is w <- w - lr * gradient. The minimum is at w = 3.
"""


def gradient(w: float) -> float:
    return 2 * (w - 3)


def descend(lr: float, steps: int) -> list[float]:
    w, path = 0.0, [0.0]
    for _ in range(steps):
        w -= lr * gradient(w)
        path.append(w)
    return path


print("f(w) = (w - 3)^2, start w = 0, minimum at w = 3")
print("    lr | w after 1 |   after 5 |    after 50 | verdict")
for lr in (0.01, 0.1, 0.5, 0.9, 1.1):
    path = descend(lr, 50)
    error = abs(path[-1] - 3)
    if error < 1e-3:
        verdict = "converged" + (" (oscillating)" if lr > 0.5 else "")
    elif error < abs(path[0] - 3):
        verdict = "too slow: still short of 3"
    else:
        verdict = "DIVERGED: each step overshoots further"
    print(f"{lr:6.2f} | {path[1]:9.3f} | {path[5]:9.3f} | {path[50]:11.3f} | {verdict}")
print()
print("Here any lr > 1.0 diverges: the step overshoots the minimum by more than it started.")
