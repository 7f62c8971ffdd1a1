"""PPO's clipped surrogate objective: no extra credit for moving the policy too far.

Keywords: PPO, proximal policy optimization, clip, clipping, clipped surrogate objective,
  surrogate objective, probability ratio, policy ratio, advantage function, RLHF

ratio = pi_new(a|s) / pi_old(a|s). PPO maximises min(ratio * A, clip(ratio, 1-eps, 1+eps) * A),
so once the ratio leaves [1-eps, 1+eps] in the helpful direction the gradient is zero.
"""

eps = 0.2


def clipped_objective(ratio: float, advantage: float) -> float:
    clipped = min(max(ratio, 1 - eps), 1 + eps)
    return min(ratio * advantage, clipped * advantage)


print(f"epsilon = {eps}: the trusted region is ratio in [{1 - eps:.1f}, {1 + eps:.1f}]")
print("ratio | A=+1: r*A  clipped | A=-1: r*A  clipped")
for ratio in (0.5, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5, 2.0):
    good = (ratio * 1, clipped_objective(ratio, 1))
    bad = (ratio * -1, clipped_objective(ratio, -1))
    flag = "  <- clipped" if (good[0] != good[1]) or (bad[0] != bad[1]) else ""
    print(f"{ratio:5.1f} | {good[0]:9.2f} {good[1]:8.2f} | {bad[0]:9.2f} {bad[1]:8.2f}{flag}")
print()
print("A > 0 (good action): gain stops growing above 1+eps, so no reason to push further.")
print("A < 0 (bad action): gain stops growing below 1-eps, but a ratio that made a bad action")
print("MORE likely (ratio > 1+eps) is never clipped: the full penalty still applies.")
print("The min() makes the objective a pessimistic bound: small, safe policy updates.")
