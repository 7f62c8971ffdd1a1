"""Output questions: "What does this code print?" for a code cell whose output the notes show.

The reference is the output the notebook stored with the cell (or the note wrote after it
under 'Output:'), so building a bank never runs code and ingest stays fast. A cell is asked
only when that output follows from the code alone: no imports outside the pure standard
modules, no randomness, clock, files, network or input, no names from other cells, and a
short output that the code does not spell out as a literal.
"""

from __future__ import annotations

import ast
import builtins
import re

from tutor.knowledge.loaders import OUTPUT_INFO
from tutor.knowledge.markdown import PYTHON_INFO
from tutor.knowledge.passage import Source
from tutor.learning.question import Question

FENCE_OPEN = re.compile(rf"^\s*```\s*({PYTHON_INFO})?\s*$", re.I)
FENCE_CLOSE = re.compile(r"^\s*```\s*$")
OUTPUT_LEAD = re.compile(r"^\s*(?:\*\*)?(?:output|prints?|result)(?:\*\*)?\s*:?\s*(?:\*\*)?$", re.I)
OUTPUT_FENCE = re.compile(rf"^\s*```\s*({OUTPUT_INFO}|text)?\s*$", re.I)
PURE_MODULES = frozenset(
    "math cmath itertools functools collections string re operator statistics fractions "
    "decimal heapq bisect dataclasses typing enum textwrap json numpy".split()
)
IMPURE_CALLS = frozenset("open input exec eval compile __import__ id hash globals locals".split())
BUILTINS = frozenset(dir(builtins))
MAX_CODE_LINES = 15
MAX_OUTPUT_LINES = 4
MAX_OUTPUT_CHARS = 120


def output_questions(text: str, source: Source) -> list[Question]:
    """A question for each code cell of the passage with a stored, determined, short output."""
    out: list[Question] = []
    for code, output in cells_with_output(text):
        if determined(code) and _short(output) and not _spelled_out(code, output):
            out.append(_question(code, output, source))
    return out


def cells_with_output(text: str) -> list[tuple[str, str]]:
    """(code, output) pairs: a Python fence, then 'Output:' and a fence holding what it printed."""
    lines = text.split("\n")
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        opened = FENCE_OPEN.match(lines[i])
        if not opened or not opened.group(1):  # a fence without a language may be anything
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if FENCE_CLOSE.match(lines[j])), None)
        if end is None:
            break
        code = "\n".join(lines[i + 1 : end])
        j = end + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and OUTPUT_LEAD.match(lines[j]):
            j += 1
        if j < len(lines) and OUTPUT_FENCE.match(lines[j]) and not FENCE_OPEN.match(lines[j]):
            close = next((k for k in range(j + 1, len(lines)) if FENCE_CLOSE.match(lines[k])), None)
            if close is not None:
                pairs.append((code, "\n".join(lines[j + 1 : close]).strip("\n")))
                end = close
        i = end + 1
    return pairs


def determined(code: str) -> bool:
    """Whether the code's output follows from it alone (see the module docstring)."""
    if not code.strip() or len(code.strip().split("\n")) > MAX_CODE_LINES:
        return False
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    if re.search(r"\brandom\b", code) and ".seed(" not in code:
        return False  # numpy's random too: without a seed, no two runs agree
    defined = set(BUILTINS)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            if any((n or "").split(".")[0] not in PURE_MODULES for n in names):
                return False
            defined |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            defined.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda):
            if not isinstance(node, ast.Lambda):
                defined.add(node.name)
            args = node.args if not isinstance(node, ast.ClassDef) else None
            if args is not None:
                every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
                every += [a for a in (args.vararg, args.kwarg) if a is not None]
                defined |= {a.arg for a in every}
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in IMPURE_CALLS:
                return False
        elif isinstance(node, ast.ExceptHandler) and node.name:
            defined.add(node.name)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return used <= defined


def _short(output: str) -> bool:
    lines = output.strip().split("\n")
    return (
        bool(output.strip())
        and len(lines) <= MAX_OUTPUT_LINES
        and len(output) <= MAX_OUTPUT_CHARS
        and "output trimmed" not in output
        and "Traceback" not in output
    )


def _spelled_out(code: str, output: str) -> bool:
    """Whether the code holds its output as a literal (print('hello') asks nothing)."""
    try:
        literals = [str(n.value) for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Constant)]
    except SyntaxError:
        return True
    return any(output.strip() == lit.strip() for lit in literals)


def _question(code: str, output: str, source: Source) -> Question:
    shows = "print" if "print(" in code else "show when it runs"  # a notebook shows the last value
    prompt = f"What does this code {shows}?\n\n```python\n{code.strip()}\n```"
    values = re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|[A-Za-z_]\w*|\S", output)
    terms = list(dict.fromkeys(v.lower() for v in values if v.strip("[](),'\":")))[:6]
    rubric = [f"Gives the output: {output.strip()}"]
    return Question("output", prompt, output.strip(), terms, source, rubric=rubric)
