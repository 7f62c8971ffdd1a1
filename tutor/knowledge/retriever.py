"""Hybrid retrieval: dense (Chroma) and lexical (BM25) scores of the same chunks, summed.

The lexical side reads the keyword rows ingest writes beside its record
(`tutor.knowledge.keyword_store`), so a process start builds nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from functools import cached_property, partial
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from tutor.knowledge import keyword_store as store
from tutor.knowledge.aliases import Aliases
from tutor.knowledge.bm25 import Bm25
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.passage import Passage
from tutor.knowledge.terms import alias_terms, passage_terms, query_terms, search_terms
from tutor.knowledge.words import keywords, near_word

SearchMode = Literal["hybrid", "dense", "bm25"]
Stamp = tuple[int, float, str | None]
"""A version of the notes index: passages held, last file committed, aliases' generation."""
__all__ = [
    "HybridRetriever",
    "KeywordIndex",
    "alias_terms",
    "one_index_version",
    "passage_terms",
    "search_terms",
]

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


DEFINES_BONUS, HEADING_BONUS = 1.0, 0.5
"""Added to the fused score (at most 1) of a passage that defines the term searched for, or
another name the notes give it ("Adaptive Moment Estimation" for "adam"), in its title line
or a `Term: …` line; less when only its heading names it, since every part of a section
shares the heading. The places that define a term rank above those that only use it;
bench/retrieval.py: the 90 questions rank as before (they are questions, not terms)."""
TITLE_WORDS = 5
"""A query of more words is a question, not a term a title could name."""


def _names_of(query: str, aliases: Aliases) -> dict[str, list[str]]:
    """The term a short query names and its other names: each name's `key`, with its words."""
    from tutor.knowledge.aliases import key
    from tutor.knowledge.note_units import asked_concept

    term = asked_concept(query)
    if not term or len(term.split()) > TITLE_WORDS:
        return {}
    names = {key(name): _words(name) for name in [term, *aliases.of(term)]}
    return {k: words for k, words in names.items() if k}


def _title_bonus(names: dict[str, list[str]], text: str, meta: Mapping[str, Any]) -> float:
    """What a passage earns for naming one of the names (singular or plural) in its title line
    (its first line, over its points) or a `Term: …` line, or else in its heading. A name of
    two or more words is also named with one slip in its long words ("Mutli-head attenion")."""
    from tutor.knowledge.aliases import key
    from tutor.knowledge.note_units import asked_concept

    def named(title: str) -> bool:
        bare = BRACKETED.sub("", title)  # "L2 Regularization (Ridge)" names L2 regularization
        return bare != title and named_as(bare) or named_as(title)

    def named_as(title: str) -> bool:
        found = asked_concept(title) if title.strip() else ""
        k = key(found)
        if not k:
            return False
        if k in names or k.removesuffix("s") in names:
            return True
        words = _words(found)
        return len(words) >= 2 and any(map(partial(_slipped, words), names.values()))

    first = text.split("\n", 1)[0] if not text.lstrip().startswith(("-", "*")) else ""
    if any(map(named, [first, *(m.group(1) for m in DEFINED_TERM.finditer(text))])):
        return DEFINES_BONUS
    return HEADING_BONUS if named(str(meta.get("heading", "")).split("›")[-1]) else 0.0


BRACKETED = re.compile(r"\s*\([^()]*\)")


def _words(name: str) -> list[str]:
    """A name's words, lower case, hyphenated words apart, a plural s off."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words]


def _slipped(title: list[str], name: list[str]) -> bool:
    """The same words but for slips: each differing word has five letters or more, keeps its
    first letter and is one insertion, deletion, change or swap away."""
    from tutor.knowledge.words import one_edit

    return len(title) == len(name) and all(
        t == n or (len(n) >= 5 and t[:1] == n[:1] and one_edit(t, n))
        for t, n in zip(title, name, strict=True)
    )


DEFINED_TERM = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+)?(?:\*\*)?([A-Za-z][\w '-]{1,40}?)(?:\*\*)?[ \t]*:", re.M
)
"""A line that defines a term: "- Weights: Parameters that scale inputs", "**Term**: …"."""


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


class KeywordIndex:
    """Keyword search over one version of the notes index, on the keyword rows ingest keeps
    beside its record: a search reads only what it scores and returns; every passage is read
    only when a caller asks for them all (a quiz, tags, the study map)."""

    def __init__(self, stamp: Stamp, sql: store.Sql | None, aliases: Aliases) -> None:
        self.stamp = stamp
        """The notes index's version it reads: passages held, last file committed, and
        when the aliases were last read."""
        self.sql = sql
        self.aliases = aliases
        """The other names the notes give their terms, as the last ingest read them."""

    @classmethod
    def empty(cls) -> KeywordIndex:
        """Of nothing (a stamp no index has, so the first search opens the real one)."""
        return cls((-1, 0.0, None), None, Aliases())

    @classmethod
    def open(cls, index: NotesIndex, stamp: Stamp) -> KeywordIndex:
        """The keyword rows of `index`; an index built before they existed gets them first,
        once (read from Chroma), and keeps them."""
        from tutor.knowledge.keyword_upkeep import stored_aliases

        if index.records.get_meta(store.VERSION_KEY) != store.VERSION:
            index.refresh_keywords(aliases=False)
        sql = index.records.keyword_reader()
        return cls(stamp, sql, stored_aliases(sql))

    @cached_property
    def _bm25(self) -> Bm25 | None:
        return Bm25(self.sql) if self.sql else None

    def scores(self, terms: list[str], candidates: int, also: Iterable[str]) -> dict[str, float]:
        """BM25 scores over the best one's (so the best is 1) of the top candidates and of the
        passages in `also`; none when no passage shares a term with the query."""
        if self._bm25 is None or not terms:
            return {}
        return self._bm25.scores(terms, candidates, also)

    def passages(self, chunk_ids: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """These passages' text and metadata; those of no committed file are left out."""
        return store.passages(self.sql, list(chunk_ids)) if self.sql else {}

    @cached_property
    def rows(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Every passage as (id, text, metadata), in the order ingest wrote them."""
        return store.every_passage(self.sql) if self.sql else []

    def tagged_rows(self, topic: str) -> list[tuple[str, str, dict[str, Any]]]:
        """The passages of notes with a tag that may be the topic: one holding a word of it
        (`tagged_passages` then keeps those the topic names exactly)."""
        words = sorted({w.strip("?!.").lstrip("#").lower() for w in topic.split()} - {""})
        return store.every_passage(self.sql, tagged=words) if self.sql else []

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every keyword of the notes (as `keywords` spells them)."""
        return store.vocabulary(self.sql) if self.sql else frozenset()

    @cached_property
    def text(self) -> str:
        """All the notes as one text, each passage's heading before it."""
        return "\n".join(f"{meta.get('heading', '')}\n{text}" for _, text, meta in self.rows)


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
        similarity: dict[str, float] = {}
        dense: dict[str, float] = {}
        lexical: dict[str, float] = {}
        keyword = self._refresh()
        rows: dict[str, tuple[str, dict[str, Any]]] = {}
        if self.mode in ("hybrid", "dense"):
            # Only passages the keyword index holds: those of files whose ingest finished.
            nearest = self.index.nearest(query, self.candidates)
            rows = keyword.passages(cid for cid, _ in nearest)
            similarity = {cid: sim for cid, sim in nearest if cid in rows}
            dense = _stretched(similarity)
        if self.mode in ("hybrid", "bm25"):
            terms = query_terms(query, keyword.aliases)
            lexical = keyword.scores(terms, self.candidates, also=dense)
        weight = {"hybrid": self.dense_weight, "dense": 1.0, "bm25": 0.0}[self.mode]
        scores = {
            cid: weight * dense.get(cid, 0.0) + (1 - weight) * lexical.get(cid, 0.0)
            for cid in {**dense, **lexical}
        }
        if self.mode == "hybrid" and (names := _names_of(query, keyword.aliases)):
            rows.update(keyword.passages(cid for cid in scores if cid not in rows))
            for cid in scores:
                if cid in rows:
                    scores[cid] += _title_bonus(names, *rows[cid])
        best = sorted(scores, key=lambda cid: -scores[cid])[: k or self.k]
        rows.update(keyword.passages(cid for cid in best if cid not in rows))
        docs = []
        for cid in best:
            if cid not in rows:
                continue  # its file was forgotten since it was scored
            text, meta = rows[cid]
            extra = {"score": scores[cid], "similarity": similarity.get(cid, 0.0)}
            docs.append(Document(page_content=text, id=cid, metadata={**meta, **extra}))
        return docs

    def _refresh(self) -> KeywordIndex:
        """The keyword index of the current version of the notes index: opened anew when the
        version changed, and swapped in whole, so what a version read once (all passages,
        the vocabulary, the aliases) is never mixed with another's. Within
        `one_index_version()` (a turn), the version is checked once."""
        pins = _PINNED.get()
        if pins is not None and id(self) in pins:
            return pins[id(self)]
        records = self.index.records
        # The aliases are read again after an ingest's last commit: a version of their own.
        stamp = (self.index.count(), records.last_ingest(), records.get_meta(store.ALIASES_AT))
        current = self._keywords
        if stamp != current.stamp:
            current = KeywordIndex.open(self.index, stamp)
            self._keywords = current
        if pins is not None:
            pins[id(self)] = current
        return current

    def texts(self) -> list[str]:
        """Every passage's text."""
        return [text for _, text, _ in self._refresh().rows]

    def rows(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Every passage as (id, text, metadata), in the order ingest wrote them: read on first
        use per version of the index (a quiz, the study map), never for a search."""
        return list(self._refresh().rows)

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every keyword of the notes (as `keywords` spells them)."""
        return self._refresh().vocabulary

    @property
    def text(self) -> str:
        """All the notes as one text (headings included), to find a name anywhere in them."""
        return self._refresh().text

    @property
    def aliases(self) -> Aliases:
        """The other names the notes give their terms ("PPO" ↔ "Proximal Policy Optimization"),
        as the last ingest read them."""
        return self._refresh().aliases

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        """Ranked passages for a query; for a front-matter tag, the tagged notes' passages."""
        from tutor.knowledge.tags import tags_first

        # One version for the search and the tags (each check costs Chroma a count).
        pinned = _PINNED.get() is not None
        one: AbstractContextManager[None] = nullcontext() if pinned else one_index_version()
        with one:
            docs = self.invoke(query, {"run_name": "search notes"}, k=k)  # its trace name
            found = [Passage.from_document(d) for d in docs]
            return tags_first(found, self.tagged(query), k or self.k)

    def tagged(self, topic: str) -> list[Passage]:
        """The passages of the notes whose front-matter tags name the topic."""
        from tutor.knowledge.tags import tagged_passages

        return tagged_passages(topic, self._refresh().tagged_rows(topic))
