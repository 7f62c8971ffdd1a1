"""Next-token prediction from bigram counts: the text supplies its own labels.

Keywords: next-token prediction, next token, bigram, language model, language modeling,
  pretraining, pre-training, self-supervised, autoregressive, corpus

Pretraining is self-supervised: every position in the text is an (input, target) pair,
so no human labels are needed. A bigram model predicts the next token from the previous one.
"""

import math
from collections import Counter, defaultdict

corpus = "the sky is blue . the sea is blue . the sky is clear . the grass is green ."
tokens = corpus.split()
pairs = list(zip(tokens, tokens[1:], strict=False))  # the text labels itself: (token, next)
counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
for current, following in pairs:
    counts[current][following] += 1

print(f"corpus: {corpus!r}")
print(
    "training pairs made from the text itself:", ", ".join(f"{a}->{b}" for a, b in pairs[:5]), "..."
)
print()
for context in ("the", "is", "sky"):
    total = sum(counts[context].values())
    print(f"P(next | {context!r}):")
    for word, n in counts[context].most_common():
        print(f"    {word:6} {n}/{total} = {n / total:.2f}")
print()
prompt = "the sky is"
probs = {w: n / sum(counts["is"].values()) for w, n in counts["is"].items()}
print(f"{prompt!r} -> most likely next token: {max(probs, key=probs.__getitem__)!r}")
print(f"loss if the true next token is 'blue': -log P = {-math.log(probs['blue']):.3f}")
