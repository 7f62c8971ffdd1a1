"""What the intent classifier sees of a message: its meaning (MiniLM) and its cue words.

The meaning vector carries paraphrases the examples never had; the hashed word and word-pair
features carry the few words that decide a route ("quiz", "my notes", "run"), with common
typos of those words corrected first so "quizz me" and "wher do i mention" still read right.
"""

from __future__ import annotations

import ast
import re
import zlib
from typing import TYPE_CHECKING

from tutor.knowledge.embeddings import known_words
from tutor.knowledge.words import one_edit

if TYPE_CHECKING:
    import numpy as np
    from langchain_core.embeddings import Embeddings

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
BUCKETS = 4096
CUE_WEIGHT = 1.0
"""How loud the cue words are beside the meaning vector (both have unit length before it)."""
EMBED_DIMS = 384
HEAD, TAIL = 240, 120
"""A long message is read by its start and its end: that is where people say what they want."""
CUES = frozenset(
    "quiz test tests drill practice practise flashcard flashcards question questions review "
    "revise exam grill challenge where which find search look lookup locate note notes file "
    "files wrote written write mention mentioned mentions section heading passage run execute "
    "demo demonstrate simulate simulation code python implement explain describe define what "
    "whats how why tell teach understand thanks thank hello help commands goodbye".split()
)
"""Words that decide a route; a token one edit away from one of them is read as it."""
CODE_NODES = (
    ast.Call, ast.Assign, ast.AugAssign, ast.Import, ast.ImportFrom, ast.For, ast.While,
    ast.FunctionDef, ast.ClassDef, ast.With, ast.Subscript, ast.ListComp, ast.Lambda,
)  # fmt: skip


RUN_PREFIX = re.compile(
    r"^\s*(please\s+)?(run|execute)(\s+(this|that|it|the code|my code))?\s*:?", re.I
)
"""What asks to run the code after it ("run this:", "please execute")."""


def corrected(token: str) -> str:
    """The cue word a typo was meant to be ("quizz" → "quiz"), else the token itself."""
    if token in CUES or len(token) < 4 or not token.isalpha() or token in known_words():
        return token
    return next((cue for cue in sorted(CUES) if one_edit(token, cue)), token)


def tokens(text: str) -> list[str]:
    """Lower-cased words and punctuation marks, typos of cue words corrected."""
    return [corrected(t) for t in WORD.findall(text.lower())]


def is_program(text: str) -> bool:
    """Whether the message is Python that does something (a call, an assignment, a loop…),
    not words that happen to parse ("not bad", "softmax")."""
    candidate = RUN_PREFIX.sub("", text, count=1).strip()
    if not candidate or len(candidate) > 20_000:
        return False
    try:
        tree = ast.parse(candidate)
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, CODE_NODES):
            return True
        if isinstance(node, ast.BinOp) and any(
            isinstance(side, ast.Constant) for side in (node.left, node.right)
        ):
            return True
    return False


def shortened(text: str) -> str:
    """The text as the classifier reads it: whitespace collapsed, a long message's middle cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= HEAD + TAIL else f"{flat[:HEAD]} … {flat[-TAIL:]}"


def lexical(text: str) -> np.ndarray:
    """Hashed words, word pairs and the first word, plus whether the message is a program."""
    import numpy as np

    vector = np.zeros(BUCKETS + 1, dtype=np.float32)
    words = tokens(text)
    grams = [*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))]
    if words:
        grams.append(f"^{words[0]}")
    for gram in grams:
        vector[zlib.crc32(gram.encode()) % BUCKETS] = 1.0
    if grams:
        vector[:BUCKETS] *= CUE_WEIGHT / np.sqrt(len(set(grams)))
    vector[BUCKETS] = float(is_program(text))
    return vector


def featurize(texts: list[str], embeddings: Embeddings) -> np.ndarray:
    """One feature row per message: its meaning vector, then its lexical features."""
    import numpy as np

    short = [shortened(t) or " " for t in texts]
    meaning = np.asarray(embeddings.embed_documents(short), dtype=np.float32)
    return np.hstack([meaning, np.vstack([lexical(t) for t in short])])
