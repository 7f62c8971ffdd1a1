"""The KL penalty in RLHF: reward minus beta * KL(policy || reference) stops reward hacking.

Keywords: KL divergence, KL, KL penalty, KL divergence penalty, reward hacking,
  reference model, SFT model, policy drift, RLHF

The reward model overrates one gibberish answer. Moving the policy towards it raises the
raw reward, but the KL divergence from the SFT reference model grows faster.
"""

import math

answers = ["helpful", "okay", "refusal", "gibberish"]
reward = [1.0, 0.5, 0.0, 2.0]  # the reward model is fooled by the gibberish
reference = [0.50, 0.30, 0.15, 0.05]  # the SFT model rarely says gibberish
beta = 0.5


def kl(p: list[float], q: list[float]) -> float:
    return sum(pi * math.log(pi / qi) for pi, qi in zip(p, q, strict=True) if pi > 0)


print(f"reference (SFT) policy: {dict(zip(answers, reference, strict=True))}; beta = {beta}")
print("drift | P(gibberish) | raw reward |     KL | reward - beta*KL")
for drift in (0.0, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95, 0.99):
    # The policy drifts by mixing the reference with "always answer gibberish".
    policy = [
        (1 - drift) * q + drift * (a == "gibberish")
        for a, q in zip(answers, reference, strict=True)
    ]
    raw = sum(p * r for p, r in zip(policy, reward, strict=True))
    divergence = kl(policy, reference)
    total = raw - beta * divergence
    print(f"{drift:5.2f} | {policy[3]:12.3f} | {raw:10.3f} | {divergence:6.3f} | {total:8.3f}")
print()
print("Raw reward keeps rising as the policy collapses onto gibberish (reward hacking).")
print("With the KL penalty the total peaks at a modest drift and then falls: the policy")
print("is rewarded for improving but pulled back towards the SFT model.")
