"""Hybrid retrieval: dense (Chroma) and lexical (BM25) scores of the same chunks, summed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from tutor.knowledge.aliases import Aliases, read_aliases
from tutor.knowledge.chunking import SEPARATOR
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.words import tokens

SearchMode = Literal["hybrid", "dense", "bm25"]
STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from has have how i if in into is it its "
    "me my of on or so than that the their them then there these they this to was we what "
    "when where which who why will with you your about between should would could".split()
)


def keywords(text: str) -> list[str]:
    """Lower-cased word tokens without stopwords, lightly stemmed (plural s); in scripts
    without spaces, pairs of characters (see `tutor.knowledge.words`)."""
    out = []
    for token in tokens(text):
        if token in STOPWORDS:
            continue
        if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        out.append(token)
    return out


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


@dataclass
class Passage:
    """A retrieved passage as the CLI and JSON show it."""

    file: str
    heading: str
    start_line: int
    end_line: int
    text: str
    score: float
    similarity: float = 0.0
    """Cosine similarity of the passage to the query (0 when dense search did not rank it)."""
    chunk_id: str = ""
    """The passage's id in the index (derived from its file and content)."""
    cell: int | None = None
    """A notebook passage's first cell (counted from 1, top of the notebook); None elsewhere.
    Its `start_line` and `end_line` then count lines of the notebook as read, not of the file."""
    end_cell: int | None = None
    """A notebook passage's last cell (the same as `cell` within one cell); None elsewhere."""

    @classmethod
    def from_document(cls, doc: Document) -> Passage:
        """Build from a retriever document."""
        m = doc.metadata
        return replace(
            cls.from_row(str(doc.id or ""), doc.page_content, m),
            score=round(float(m.get("score", 0.0)), 6),
            similarity=round(float(m.get("similarity", 0.0)), 4),
        )

    @classmethod
    def from_row(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> Passage:
        """Build from an index row (id, text, metadata), unranked."""
        # An index written before cells were cited holds a notebook's first cell without its
        # last: that passage keeps its line citation until `tutor ingest` refreshes it.
        cited_by_cell = meta.get("end_cell") is not None
        return cls(
            file=str(meta.get("file", "")),
            heading=str(meta.get("heading", "")),
            start_line=int(meta.get("start_line", 0)),
            end_line=int(meta.get("end_line", 0)),
            text=text,
            score=0.0,
            chunk_id=chunk_id,
            cell=int(meta["cell"]) if cited_by_cell else None,
            end_cell=int(meta["end_cell"]) if cited_by_cell else None,
        )

    @property
    def citation(self) -> str:
        """`file › heading (lines a–b)`, `(line a)`, or for a notebook `(cell n)`/`(cells m–n)`."""
        return cite(self.ref())

    def ref(self) -> dict[str, Any]:
        """Where the passage is, as answers and quiz cards record it (and JSON shows it)."""
        by_cell = self.cell is not None
        return {
            "file": self.file,
            "heading": self.heading,
            "start_line": None if by_cell else self.start_line,
            "end_line": None if by_cell else self.end_line,
            "cell": self.cell,
            "end_cell": self.end_cell,
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-able fields (a notebook passage's lines are null: its cells say where it is)."""
        return asdict(self) | self.ref()


def cite(ref: Mapping[str, Any]) -> str:
    """`file › heading (lines a–b)` for a source ref: `(line a)` for one line, and for a
    notebook `(cell n)` or `(cells m–n)`; refs recorded before cells were cited work too."""
    place = f"{ref['file']} › {ref['heading']}" if ref.get("heading") else str(ref["file"])
    if ref.get("cell") is not None:
        first, last, one, many = ref["cell"], ref.get("end_cell"), "cell", "cells"
    else:
        first, last, one, many = ref.get("start_line"), ref.get("end_line"), "line", "lines"
    if first is None:
        return place
    if last is None or last == first:
        return f"{place} ({one} {first})"
    return f"{place} ({many} {first}–{last})"


QUESTION_WORDS = frozenset("explain tell describe show work mean define teach help".split())


def near_word(a: str, b: str) -> bool:
    """The same word, or one a clear prefix of the other ("backprop" ~ "backpropagation")."""
    short, long = sorted((a, b), key=len)  # "vanish" ~ "vanishing", but "token" !~ "tokenization"
    close = len(long) - len(short) <= 4 or len(short) >= 7
    return a == b or (len(short) >= 5 and close and long.startswith(short))


def one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by one insertion, deletion, substitution or swap of neighbours."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swap = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
        return len(diff) == 1 or (swap and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


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
    _lexical: Any = PrivateAttr(default=None)
    _lexical_stamp: tuple[int, float] = PrivateAttr(default=(-1, 0.0))
    _rows: dict[str, tuple[str, dict[str, Any]]] = PrivateAttr(default_factory=dict)
    _vocabulary: frozenset[str] = PrivateAttr(default=frozenset())
    _order: list[str] = PrivateAttr(default_factory=list)
    _position: dict[str, int] = PrivateAttr(default_factory=dict)
    _aliases: Aliases | None = PrivateAttr(default=None)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        self._refresh()
        similarity: dict[str, float] = {}
        dense: dict[str, float] = {}
        lexical: dict[str, float] = {}
        if self.mode in ("hybrid", "dense"):
            similarity = dict(self.index.nearest(query, self.candidates))
            dense = _stretched(similarity)
        if self.mode in ("hybrid", "bm25"):
            lexical = self._bm25(query, also=dense)
        weight = {"hybrid": self.dense_weight, "dense": 1.0, "bm25": 0.0}[self.mode]
        scores = {
            cid: weight * dense.get(cid, 0.0) + (1 - weight) * lexical.get(cid, 0.0)
            for cid in {**dense, **lexical}
        }
        best = sorted(scores, key=lambda cid: -scores[cid])[: k or self.k]
        docs = []
        for cid in best:
            text, meta = self._rows[cid]
            extra = {"score": scores[cid], "similarity": similarity.get(cid, 0.0)}
            docs.append(Document(page_content=text, id=cid, metadata={**meta, **extra}))
        return docs

    def _refresh(self) -> None:
        """Rebuild the keyword index when the notes index changed since it was built."""
        stamp = (self.index.count(), self.index.records.last_ingest())
        if stamp == self._lexical_stamp:
            return
        from rank_bm25 import BM25Okapi

        ids, texts, metas = self.index.everything()
        self._rows = {cid: (t, m) for cid, t, m in zip(ids, texts, metas, strict=True)}
        self._order = ids
        self._position = {cid: i for i, cid in enumerate(ids)}
        headed = [f"{m.get('heading', '')}\n{t}" for t, m in zip(texts, metas, strict=True)]
        self._vocabulary = frozenset(word for text in headed for word in keywords(text))
        self._aliases = aliases = read_aliases(headed)
        corpus = [
            passage_terms(str(m.get("heading", "")), t, aliases)
            for t, m in zip(texts, metas, strict=True)
        ]
        self._lexical = BM25Okapi(corpus) if corpus else None
        self._lexical_stamp = stamp

    def texts(self) -> list[str]:
        """Every passage's text."""
        self._refresh()
        return [text for text, _ in self._rows.values()]

    def rows(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Every passage as (id, text, metadata), in the index's order: kept with the keyword
        index, so a quiz reads them from memory rather than from Chroma each turn."""
        self._refresh()
        return [(cid, text, meta) for cid, (text, meta) in self._rows.items()]

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every keyword of the notes (as `keywords` spells them)."""
        self._refresh()
        return self._vocabulary

    @property
    def aliases(self) -> Aliases:
        """The other names the notes give their terms ("PPO" ↔ "Proximal Policy Optimization"),
        read once per version of the index."""
        self._refresh()
        return self._aliases or Aliases()

    def _bm25(self, query: str, also: Iterable[str] = ()) -> dict[str, float]:
        """BM25 scores over the best one's (so the best is 1) of the top candidates and of the
        passages in `also`; none when no passage shares a term with the query."""
        terms = [*search_terms(query), *alias_terms(query, self.aliases)]
        if self._lexical is None or not terms:
            return {}
        scores = self._lexical.get_scores(terms)
        ranked = sorted(range(len(scores)), key=lambda i: -scores[i])[: self.candidates]
        top = float(scores[ranked[0]]) if ranked else 0.0
        if top <= 0:
            return {}
        picked = [*ranked, *(self._position[cid] for cid in also if cid in self._position)]
        return {self._order[i]: float(scores[i]) / top for i in picked if scores[i] > 0}

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
