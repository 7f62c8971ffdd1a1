"""Train the offline intent classifier from `examples.txt` into `model.npz`.

    python -m tutor.intent.train

Deterministic: the same examples give the same model. Each phrasing with a `{t}` slot is
filled with several topics drawn from TOPICS (in the notes and not, tidy and messy), so the
topic's words carry no route and only the request's words do.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

from tutor.intent.classifier import EXAMPLES, MODEL, examples_digest
from tutor.knowledge.words import spaceless

TOPICS = [
    "softmax", "the reward model", "LoRA", "PPO", "DPO", "RLHF", "RLAIF", "dropout",
    "batch normalization", "layer norm", "vanishing gradients", "the vanishing gradient problem",
    "backpropagation", "backprop", "gradient descent", "Adam", "learning rate", "overfitting",
    "L2 regularization", "regularization", "LSTMs", "GRU", "RNNs", "transformers",
    "self-attention", "multi-head attention", "positional encoding", "tokenization", "BPE",
    "embeddings", "the KL penalty", "reward hacking", "SFT", "instruction tuning",
    "pretraining", "scaling laws", "quantization", "KV cache", "beam search", "temperature",
    "top-p sampling", "hallucinations", "RAG", "MLOps", "model drift", "ReLU", "sigmoid",
    "cross-entropy loss", "MSE", "logits", "the bias term", "CNNs", "pooling",
    "SVMs", "k-means", "PCA", "random forests", "XGBoost", "GANs", "diffusion models",
    "Kubernetes", "the CAP theorem", "C++", "[[LoRA]]", "*PPO*", "Q-learning", "word2vec",
    "early stopping", "weight decay", "the universal approximation theorem", "MAE",
    "constitutional AI", "catastrophic forgetting", "mixture of experts", "perplexity",
    "dropuot", "transfomers", "attenton", "gradent descent", "regularisation",
]  # fmt: skip
SPACELESS_TOPICS = [
    "过拟合", "正则化", "梯度下降", "注意力机制", "勾配消失", "活性化関数", "過学習", "과적합",
    "softmax", "LoRA",
]  # fmt: skip
"""Topics for phrasings in Chinese, Japanese or Korean, whose learners name a concept in their
own script or in English."""
FILLS = 3
"""Topics each phrasing with a slot is filled with."""


def read_examples(path: Path = EXAMPLES) -> list[tuple[str, str]]:
    """(intent, phrasing) for every example line."""
    out, intent = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("## "):
            intent = line[3:].strip()
        elif line and not line.startswith("#"):
            out.append((intent, line))
    return out


def expanded(examples: list[tuple[str, str]], seed: int = 7) -> list[tuple[str, str]]:
    """Every phrasing with its slots filled (several times when it has any)."""
    rng, own = random.Random(seed), random.Random(seed)  # own draws: other fills stay put
    out = []
    for intent, phrasing in examples:
        cjk = spaceless(phrasing)
        for _ in range(FILLS if "{t}" in phrasing else 1):
            text = phrasing
            while "{t}" in text:
                topic = own.choice(SPACELESS_TOPICS) if cjk else rng.choice(TOPICS)
                text = text.replace("{t}", topic, 1)
            out.append((intent, text))
    return out


def fit(x: Any, y: Any, classes: int, l2: float = 1e-3, steps: int = 1500) -> tuple[Any, Any]:
    """Softmax regression by full-batch gradient descent with Adam, classes weighted equally."""
    import numpy as np

    n, dims = x.shape
    onehot = np.eye(classes, dtype=np.float64)[y]
    weight_of = (n / (classes * np.bincount(y, minlength=classes)))[y][:, None]
    w = np.zeros((dims, classes))
    b = np.zeros(classes)
    m = [np.zeros_like(w), np.zeros_like(b)]
    v = [np.zeros_like(w), np.zeros_like(b)]
    rate, beta1, beta2 = 0.05, 0.9, 0.999
    for step in range(1, steps + 1):
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        err = (p - onehot) * weight_of / n
        grads = [x.T @ err + l2 * w, err.sum(axis=0)]
        for i, (param, grad) in enumerate(zip((w, b), grads, strict=True)):
            m[i] = beta1 * m[i] + (1 - beta1) * grad
            v[i] = beta2 * v[i] + (1 - beta2) * grad**2
            mhat, vhat = m[i] / (1 - beta1**step), v[i] / (1 - beta2**step)
            param -= rate * mhat / (np.sqrt(vhat) + 1e-8)
    return w.astype(np.float32), b.astype(np.float32)


def train(out: Path = MODEL) -> tuple[int, float]:
    """Train and save; returns the number of training rows and the training accuracy."""
    import numpy as np

    from tutor.intent.features import featurize
    from tutor.knowledge.embeddings import local_minilm

    rows = expanded(read_examples())
    intents = sorted({intent for intent, _ in rows})
    y = np.array([intents.index(intent) for intent, _ in rows])
    x = featurize([text for _, text in rows], local_minilm()).astype(np.float64)
    w, b = fit(x, y, len(intents))
    accuracy = float(((x @ w + b).argmax(axis=1) == y).mean())
    np.savez_compressed(
        out, weights=w, bias=b, intents=np.array(intents), digest=np.array(examples_digest())
    )
    return len(rows), accuracy


if __name__ == "__main__":
    count, accuracy = train()
    sys.stdout.write(f"trained on {count} phrasings, training accuracy {accuracy:.3f}: {MODEL}\n")
