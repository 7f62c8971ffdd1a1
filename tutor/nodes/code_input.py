"""Finding the program in a learner's message, and running it with notebook manners."""

from __future__ import annotations

import ast
import keyword
import re

from tutor.intent.features import RUN_PREFIX
from tutor.knowledge.markdown import PYTHON_INFO

FENCED = re.compile(rf"```[ \t]*(?:{PYTHON_INFO})?[ \t]*\n(.*?)```", re.S | re.I)


def code_in(text: str) -> str | None:
    """The Python code in a message: a fenced block, or the whole text if it parses as code."""
    fenced = FENCED.findall(text)
    if fenced:
        return "\n".join(block.strip("\n") for block in fenced)
    candidate = RUN_PREFIX.sub("", text, count=1).strip()
    if not candidate:
        return None
    try:
        tree = ast.parse(candidate)
    except SyntaxError:
        # Broken code is still code ("def f(:"): run it so Python can say what is wrong.
        first = candidate.split(maxsplit=1)[0].rstrip(":(")
        return candidate if keyword.iskeyword(first) or first == "print" else None
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        if isinstance(tree.body[0].value, ast.Name | ast.Attribute | ast.Constant):
            return None  # a bare word like "softmax" names a concept
    return candidate


def with_echo(code: str) -> str:
    """Notebook manners: a program ending in a bare expression prints that expression's value."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code  # let Python report the error in the sandbox
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr) or _is_print(last.value):
        return code
    lines = code.splitlines()
    expression = ast.get_source_segment(code, last.value) or ""
    # Keep what precedes the expression, even on its own line ("import time; time.time()").
    before = lines[last.lineno - 1][: last.col_offset].rstrip().rstrip(";")
    head = [*lines[: last.lineno - 1], *([before] if before.strip() else [])]
    return "\n".join([*head, f"_ = ({expression})", "if _ is not None:", "    print(repr(_))"])


def _is_print(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
    )
