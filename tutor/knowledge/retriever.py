"""Hybrid retrieval: dense (Chroma) and lexical (BM25) scores of the same chunks, summed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from tutor.knowledge.aliases import Aliases, read_aliases
from tutor.knowledge.chunking import SEPARATOR
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.passage import Passage
from tutor.knowledge.words import keywords, near_word

SearchMode = Literal["hybrid", "dense", "bm25"]


def search_terms(text: str) -> list[str]:
    """The keywords BM25 indexes and looks up: a hyphenated word also gives its parts and its
    parts run together, so "multi-head" meets "Multi Head" and "fine-tuning" meets
    "finetuning"."""
    out = []
    for word in keywords(text):
        out.append(word)
        if "-" in word:
            parts = [p for p in word.split("-") if p]
            out.extend([*parts, "".join(parts)])
    return out


def passage_terms(heading: str, text: str, aliases: Aliases) -> list[str]:
    """What BM25 indexes of a passage: its breadcrumb, its own heading once more (a heading
    names what the passage is about, so it outweighs a passing mention), its text, and one
    `alias:` term per name of a term the notes give other names for."""
    own = heading.rsplit(SEPARATOR, 1)[-1]
    return [
        *search_terms(heading),
        *search_terms(own),
        *search_terms(text),
        *alias_terms(f"{heading}\n{text}", aliases),
    ]


def alias_terms(text: str, aliases: Aliases) -> list[str]:
    """One term per mention of a term with other names, the same whichever name is used
    ("VGP" and "vanishing gradient problem" both give "alias:vgp")."""
    return [f"alias:{concept}" for concept in aliases.concepts_in(text)]


QUESTION_WORDS = frozenset("explain tell describe show work mean define teach help".split())


def keyword_overlap(query: str, passage: Passage) -> float:
    """The share of the query's content words that the passage (or its heading) contains."""
    wanted = set(keywords(query)) - QUESTION_WORDS
    if not wanted:
        return 0.0
    have = set(keywords(f"{passage.heading}\n{passage.text}"))
    found = sum(w in have or any(near_word(w, h) for h in have) for w in wanted)
    return found / len(wanted)


def _stretched(similarity: Mapping[str, float]) -> dict[str, float]:
    """Cosine similarities rescaled over the candidates: the closest 1, the farthest 0 (all 1
    when they are equal), so they add up with BM25 scores on the same scale."""
    if not similarity:
        return {}
    low, high = min(similarity.values()), max(similarity.values())
    span = high - low
    return {cid: (s - low) / span if span > 0 else 1.0 for cid, s in similarity.items()}


_PINNED: ContextVar[dict[int, KeywordIndex] | None] = ContextVar("tutor_index_pins", default=None)
"""Per retriever, the keyword index a turn uses (shared with the threads the turn runs in)."""


@contextmanager
def one_index_version() -> Iterator[None]:
    """Within the block (one turn), each retriever checks the notes index's version once and
    every search reads that version: with a Chroma server and PostgreSQL, the check costs a
    round trip to each, which a turn's many searches would otherwise repeat."""
    token = _PINNED.set({})
    try:
        yield
    finally:
        _PINNED.reset(token)


@dataclass(frozen=True)
class KeywordIndex:
    """The BM25 index of one version of the notes index, with the passages it was built
    from; never changed once built (a new version gets a new one)."""

    stamp: tuple[int, float]
    """The notes index's version it was built from: passages held, last file committed."""
    rows: dict[str, tuple[str, dict[str, Any]]]
    """Passage id to (text, metadata), in the index's order."""
    order: list[str]
    position: dict[str, int]
    vocabulary: frozenset[str]
    aliases: Aliases
    lexical: Any
    """rank_bm25's BM25Okapi over the passages (None when there are none)."""

    @classmethod
    def empty(cls) -> KeywordIndex:
        """Built from nothing (a stamp no index has, so the first search builds it)."""
        return cls((-1, 0.0), {}, [], {}, frozenset(), Aliases(), None)

    @classmethod
    def build(cls, index: NotesIndex, stamp: tuple[int, float]) -> KeywordIndex:
        """From the passages of files whose ingest finished (with several processes on one
        Chroma server, another may be writing a file's passages right now)."""
        from rank_bm25 import BM25Okapi

        committed = index.records.chunk_files()
        ids, texts, metas = [], [], []
        for cid, text, meta in zip(*index.everything(), strict=True):
            if cid in committed:
                ids.append(cid)
                texts.append(text)
                metas.append(meta)
        headed = [f"{m.get('heading', '')}\n{t}" for t, m in zip(texts, metas, strict=True)]
        aliases = read_aliases(headed)
        corpus = [
            passage_terms(str(m.get("heading", "")), t, aliases)
            for t, m in zip(texts, metas, strict=True)
        ]
        return cls(
            stamp=stamp,
            rows={cid: (t, m) for cid, t, m in zip(ids, texts, metas, strict=True)},
            order=ids,
            position={cid: i for i, cid in enumerate(ids)},
            vocabulary=frozenset(word for text in headed for word in keywords(text)),
            aliases=aliases,
            lexical=BM25Okapi(corpus) if corpus else None,
        )


class HybridRetriever(BaseRetriever):
    """Dense and BM25 scores of the notes fused as a weighted sum."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: NotesIndex
    k: int = 5
    candidates: int = 30
    """Passages each mode puts forward before fusing."""
    dense_weight: float = 0.6
    """The dense score's share of the hybrid score (BM25 has the rest). Measured with
    bench/retrieval.py: 0.5 to 0.7 all beat rank fusion; 0.6 on both halves of the set."""
    mode: SearchMode = "hybrid"
    _keywords: KeywordIndex = PrivateAttr(default_factory=lambda: KeywordIndex.empty())

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        self._refresh()
        similarity: dict[str, float] = {}
        dense: dict[str, float] = {}
        lexical: dict[str, float] = {}
        keyword = self._refresh()
        if self.mode in ("hybrid", "dense"):
            # Only passages the keyword index holds: those of files whose ingest finished.
            nearest = self.index.nearest(query, self.candidates)
            similarity = {cid: sim for cid, sim in nearest if cid in keyword.rows}
            dense = _stretched(similarity)
        if self.mode in ("hybrid", "bm25"):
            lexical = self._bm25(keyword, query, also=dense)
        weight = {"hybrid": self.dense_weight, "dense": 1.0, "bm25": 0.0}[self.mode]
        scores = {
            cid: weight * dense.get(cid, 0.0) + (1 - weight) * lexical.get(cid, 0.0)
            for cid in {**dense, **lexical}
        }
        best = sorted(scores, key=lambda cid: -scores[cid])[: k or self.k]
        docs = []
        for cid in best:
            text, meta = keyword.rows[cid]
            extra = {"score": scores[cid], "similarity": similarity.get(cid, 0.0)}
            docs.append(Document(page_content=text, id=cid, metadata={**meta, **extra}))
        return docs

    def _refresh(self) -> KeywordIndex:
        """The keyword index of the current version of the notes index: rebuilt when the
        version changed since it was built, and swapped in whole, so a search in another
        thread uses either the old one or the new one, never half of each. Within
        `one_index_version()` (a turn), the version is checked once."""
        pins = _PINNED.get()
        if pins is not None and id(self) in pins:
            return pins[id(self)]
        stamp = (self.index.count(), self.index.records.last_ingest())
        current = self._keywords
        if stamp != current.stamp:
            current = KeywordIndex.build(self.index, stamp)
            self._keywords = current
        if pins is not None:
            pins[id(self)] = current
        return current

    def texts(self) -> list[str]:
        """Every passage's text."""
        return [text for text, _ in self._refresh().rows.values()]

    def rows(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Every passage as (id, text, metadata), in the index's order: kept with the keyword
        index, so a quiz reads them from memory rather than from Chroma each turn."""
        return [(cid, text, meta) for cid, (text, meta) in self._refresh().rows.items()]

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every keyword of the notes (as `keywords` spells them)."""
        return self._refresh().vocabulary

    @property
    def aliases(self) -> Aliases:
        """The other names the notes give their terms ("PPO" ↔ "Proximal Policy Optimization"),
        read once per version of the index."""
        return self._refresh().aliases

    def _bm25(
        self, keyword: KeywordIndex, query: str, also: Iterable[str] = ()
    ) -> dict[str, float]:
        """BM25 scores over the best one's (so the best is 1) of the top candidates and of the
        passages in `also`; none when no passage shares a term with the query."""
        terms = [*search_terms(query), *alias_terms(query, keyword.aliases)]
        if keyword.lexical is None or not terms:
            return {}
        scores = keyword.lexical.get_scores(terms)
        ranked = sorted(range(len(scores)), key=lambda i: -scores[i])[: self.candidates]
        top = float(scores[ranked[0]]) if ranked else 0.0
        if top <= 0:
            return {}
        position = keyword.position
        picked = [*ranked, *(position[cid] for cid in also if cid in position)]
        return {keyword.order[i]: float(scores[i]) / top for i in picked if scores[i] > 0}

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        """Ranked passages for a query; for a front-matter tag, the tagged notes' passages."""
        from tutor.knowledge.tags import tags_first

        docs = self.invoke(query, {"run_name": "search notes"}, k=k)  # its trace name
        found = [Passage.from_document(d) for d in docs]
        return tags_first(found, self.tagged(query), k or self.k)

    def tagged(self, topic: str) -> list[Passage]:
        """The passages of the notes whose front-matter tags name the topic."""
        from tutor.knowledge.tags import tagged_passages

        return tagged_passages(topic, self.rows())
