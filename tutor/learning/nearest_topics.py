"""The topics the notes do have that come nearest one they do not, to offer instead of it.

A topic of the notes is a heading or a term a line introduces (in bold, or as "Term: …") in
the passages the search finds for the missing topic; they are ranked by closeness in meaning
to it (or kept in search order when the embedder cannot be used).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tutor.errors import TutorError
from tutor.knowledge.aliases import key
from tutor.knowledge.coverage import GENERIC
from tutor.knowledge.passage import Passage
from tutor.learning.on_topic import MARKUP, terms

if TYPE_CHECKING:
    from tutor.learning.collaborators import Collaborators

OFFERED = 3
MAX_WORDS = 6
NUMBERING = re.compile(r"^\s*(?:step\s*\d+|eg\s*\d+|\d+)\s*[.:)]*\s*", re.I)
LABELLED = re.compile(r"\s(?:[A-Z]|\d+|#\d+)$")
BOLD = re.compile(r"\*\*([^*\n]{3,50})\*\*|==([^=\n]{3,50})==")
LEADING_TERM = re.compile(r"^\s*(?:[-*+]\s*)?([A-Za-z][\w\- ()/]{2,40}?)\s*:\s")


def clean_name(text: str) -> str:
    """A name as it can be offered: no markup, emoji or numbering, before any colon."""
    text = re.sub(r"[^\x20-\x7e]+", " ", MARKUP.sub(" ", text))
    text = NUMBERING.sub("", " ".join(text.split()))
    if ":" in text:
        text = text.split(":", 1)[0]
    return text.strip(" .,:;-–#")


def names_in(passage: Passage) -> list[str]:
    """The passage's own heading and the terms its lines introduce."""
    found = [passage.heading.split("›")[-1]] if passage.heading else []
    for line in passage.text.splitlines():
        found += [a or b for a, b in BOLD.findall(line)]
        if match := LEADING_TERM.match(MARKUP.sub("", line)):
            found.append(match.group(1))
    names = [clean_name(n) for n in found]
    return [n for n in names if _offerable(n)]


def _offerable(name: str) -> bool:
    """A name worth offering: a few words, one of them a content word, not one everyday word
    alone ("Input", "Important") and not a numbered label ("Mitigation 2"): labels, not
    topics."""
    from tutor.knowledge.spelling import plain_english

    words = terms(name)
    if len(name.split()) == 1 and plain_english(name):
        return False
    if LABELLED.search(name):  # "Answer A", "Mitigation 2": a label of a list, not a topic
        return False
    return 0 < len(name.split()) <= MAX_WORDS and any(
        len(w) > 2 and w not in GENERIC and w.isalpha() for w in words
    )


def nearest_topics(
    services: Collaborators, topic: str, passages: Sequence[Passage], n: int = OFFERED
) -> list[str]:
    """Up to n topics of the notes nearest the topic in meaning, each named once; without
    the embedder, those of the passages the search found for it."""
    try:
        names, vectors = _every_topic(services)
        wanted = services.index.embeddings.embed_documents([topic])[0]
    except TutorError:
        found: dict[str, str] = {}
        for passage in passages:
            for name in names_in(passage):
                found.setdefault(key(name), name)
        return list(found.values())[:n]
    closeness = [_cosine(wanted, v) for v in vectors]
    order = sorted(range(len(names)), key=lambda i: -closeness[i])
    return [names[i] for i in order[:n]]


_CACHE: dict[int, tuple[tuple[int, float], list[str], list[list[float]]]] = {}


def _every_topic(services: Collaborators) -> tuple[list[str], list[list[float]]]:
    """Every topic the notes name, and its embedding: worked out once per version of the
    index (a missing topic is rare; the notes' few hundred names embed in a second or two)."""
    index = services.index
    stamp = (index.count(), index.records.last_ingest())
    kept = _CACHE.get(id(index))
    if kept is not None and kept[0] == stamp:
        return kept[1], kept[2]
    ids, texts, metas = index.everything()
    names: dict[str, str] = {}
    for i, t, m in zip(ids, texts, metas, strict=True):
        for name in names_in(Passage.from_row(i, t, m)):
            names.setdefault(key(name), name)
    listed = list(names.values())
    vectors = index.embeddings.embed_documents(listed) if listed else []
    _CACHE[id(index)] = (stamp, listed, vectors)
    return listed, vectors


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = (sum(x * x for x in a) * sum(y * y for y in b)) ** 0.5
    return dot / norms if norms else 0.0
