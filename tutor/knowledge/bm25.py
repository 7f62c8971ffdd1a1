"""Okapi BM25 over the keyword rows of one version of the index, as rank_bm25's BM25Okapi
scored them in memory before: k1 1.5, b 0.75, and a floor for the idf of terms in most
passages (a quarter of the mean idf of every term).

Only the postings of the terms a query uses are read, once per version: the common terms
(the costly ones) are shared by most queries, so warm searches read almost nothing. Scores
are summed with numpy over the passages those postings name; the best are named by one
query at the end.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from tutor.knowledge import keyword_store as store


class Bm25:
    """BM25 over one version of the keyword rows (a new version gets a new one)."""

    def __init__(self, sql: store.Sql) -> None:
        self.sql = sql
        self._lock = threading.Lock()  # searches in parallel threads share the cache
        self._terms: dict[str, tuple[Any, Any]] = {}
        """Term to (passage numbers, BM25's term-frequency part) as numpy arrays."""

    @cached_property
    def _stats(self) -> tuple[int, float]:
        """How many passages, and their mean length in terms."""
        n, total = store.stats(self.sql)
        return n, total / n if n else 0.0

    @cached_property
    def _average_idf(self) -> float:
        return store.average_idf(self.sql, self._stats[0])

    def _idf(self, df: int) -> float:
        n = self._stats[0]
        idf = math.log(n - df + 0.5) - math.log(df + 0.5)
        return idf if idf >= 0 else store.EPSILON * self._average_idf

    def _postings(self, term: str) -> tuple[Any, Any]:
        """A term's passage numbers and term-frequency parts, read on first use."""
        import numpy as np

        if term not in self._terms:
            rows = np.array(store.postings(self.sql, term), dtype=np.float64).reshape(-1, 3)
            tf, dl = rows[:, 1], rows[:, 2]
            avgdl = self._stats[1]
            per = store.K1 * store.B / avgdl if avgdl else 0.0
            part = tf * (store.K1 + 1) / (tf + store.K1 * (1 - store.B) + per * dl)
            self._terms[term] = (rows[:, 0].astype(np.int64), part)
        return self._terms[term]

    def scores(self, terms: list[str], candidates: int, also: Iterable[str]) -> dict[str, float]:
        """Scores over the best one's (so the best is 1) of the top candidates and of the
        passages in `also`; none when no passage shares a term with the query. A term said
        twice counts twice, as BM25Okapi counted it."""
        import numpy as np

        numbers, parts = [], []
        with self._lock:
            for term, times in Counter(terms).items():
                where, part = self._postings(term)
                weight = self._idf(len(where)) * times if len(where) else 0.0
                if weight:
                    numbers.append(where)
                    parts.append(weight * part)
        if not numbers:
            return {}
        docs, inverse = np.unique(np.concatenate(numbers), return_inverse=True)
        total = np.bincount(inverse, weights=np.concatenate(parts))
        best = (
            np.argpartition(-total, candidates - 1)[:candidates]
            if len(total) > candidates
            else np.arange(len(total))
        )
        ranked = best[np.lexsort((best, -total[best]))]  # ties: the older passage first
        top = float(total[ranked[0]])
        if top <= 0:
            return {}
        picked = {int(docs[i]): float(total[i]) for i in ranked if total[i] > 0}
        for doc in store.numbers(self.sql, also).values():
            at = int(np.searchsorted(docs, doc))
            if at < len(docs) and docs[at] == doc and total[at] > 0:
                picked[doc] = float(total[at])
        named = store.names(self.sql, list(picked))
        return {named[d]: s / top for d, s in picked.items() if d in named}
