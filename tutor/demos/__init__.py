"""Hand-written demonstration programs for concepts in the notes, for `/run` without a model."""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

__all__ = ["Demo", "all_demos", "find_demo"]

TITLE_WEIGHT = 0.25
"""A title word only breaks ties; on its own it never selects a demo."""
DISTINCTIVE_MAX_DEMOS = 3
"""A keyword shared by more demos than this says too little to pick one."""


@dataclass(frozen=True)
class Demo:
    """One runnable demonstration: its title, match keywords and program text."""

    name: str
    """The program's file stem, e.g. "softmax"."""
    title: str
    """One line saying what the program shows."""
    keywords: frozenset[str]
    """Keyword phrases, each normalised to space-joined `keywords()` tokens."""
    code: str
    """The program text, as shipped."""

    @property
    def program(self) -> str:
        """The code the learner sees and runs: the program without its catalogue docstring."""
        tree = ast.parse(self.code)
        first = tree.body[0] if tree.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            return "\n".join(self.code.splitlines()[first.end_lineno or 0 :]).strip() + "\n"
        return self.code

    @property
    def summary(self) -> str:
        """What the program shows: its docstring without the title and the keyword list."""
        docstring = ast.get_docstring(ast.parse(self.code)) or ""
        paragraphs = [p.strip() for p in docstring.split("\n\n")[1:]]
        kept = [p for p in paragraphs if p and not p.startswith("Keywords:")]
        return " ".join(" ".join(p.split()) for p in kept)


def all_demos() -> list[Demo]:
    """Every shipped demo, sorted by name."""
    return list(_catalogue())


def find_demo(query: str) -> Demo | None:
    """The demo whose keywords best match `query`, or None when no distinctive keyword matches."""
    words = set(_terms(query))
    demos = _catalogue()
    spread = Counter(phrase for demo in demos for phrase in demo.keywords)
    best: Demo | None = None
    best_score = 0.0
    for demo in demos:
        hits = [phrase for phrase in demo.keywords if set(phrase.split()) <= words]
        if not any(spread[phrase] <= DISTINCTIVE_MAX_DEMOS for phrase in hits):
            continue
        # Longer phrases and phrases few demos share say more about what was asked for.
        score = sum(len(phrase.split()) / spread[phrase] for phrase in hits)
        score += TITLE_WEIGHT * len(words & set(_terms(demo.title)))
        if score > best_score:
            best, best_score = demo, score
    return best


@cache
def _catalogue() -> tuple[Demo, ...]:
    folder = files(__name__) / "programs"
    programs = [
        entry
        for entry in folder.iterdir()
        if entry.name.endswith(".py") and not entry.name.startswith("_")
    ]
    return tuple(
        _parse_demo(entry.name.removesuffix(".py"), entry.read_text(encoding="utf-8"))
        for entry in sorted(programs, key=lambda entry: entry.name)
    )


def _parse_demo(name: str, code: str) -> Demo:
    """Read the title and `Keywords:` line from a program's docstring."""
    docstring = ast.get_docstring(ast.parse(code, filename=f"{name}.py"))
    if not docstring:
        raise ValueError(f"demo {name!r} has no docstring")
    lines = docstring.splitlines()
    title = lines[0].strip()
    keyword_text = ""
    for index, line in enumerate(lines):
        if line.startswith("Keywords:"):
            keyword_text = line.removeprefix("Keywords:")
            # Indented lines continue a long keyword list.
            for more in lines[index + 1 :]:
                if not more.startswith((" ", "\t")) or not more.strip():
                    break
                keyword_text += " " + more.strip()
            break
    phrases = frozenset(" ".join(_terms(item)) for item in keyword_text.split(","))
    phrases = phrases - {""}
    if not title or len(phrases) < 2:
        raise ValueError(f"demo {name!r} needs a title line and a `Keywords: a, b` line")
    return Demo(name=name, title=title, keywords=phrases, code=code)


def _terms(text: str) -> list[str]:
    # Imported here because the retriever module pulls in langchain; the tokenizer is shared
    # so demo keywords are normalised exactly like the notes' keywords.
    from tutor.knowledge.words import keywords

    # Hyphens split so "cross-entropy" and "cross entropy" match each other.
    return keywords(text.replace("-", " "))
