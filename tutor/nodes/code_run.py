"""The code_run nodes: run the learner's code, or offer a demonstration and run it if confirmed."""

from __future__ import annotations

import ast
import keyword
import re
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import BaseModel, Field

from tutor import prompts
from tutor.answers import numbered_passages
from tutor.context import Services, TutorContext, services_of
from tutor.errors import TutorError
from tutor.models import model_errors
from tutor.nodes.router import last_human_text, split_command
from tutor.run_report import describe_run
from tutor.state import TutorState

FENCED = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)```", re.S | re.I)
RUN_PREFIX = re.compile(
    r"^\s*(please\s+)?(run|execute)(\s+(this|that|it|the code|my code))?\s*:?", re.I
)
YES = {"y", "yes", "yep", "ok", "okay", "sure", "run", "run it", "go", "do it", "/yes", "/run"}
NO = {"n", "no", "nope", "don't", "do not", "cancel", "stop", "/no", "/skip"}


class Demonstration(BaseModel):
    """A program the model wrote to demonstrate a concept."""

    code: str = Field(description="a complete Python program, standard library only")
    explanation: str = Field(description="one sentence: what running it will show")


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


def code_run(state: TutorState, runtime: Runtime[TutorContext]) -> Command[Any]:
    """Run the learner's own code now; for a concept, propose a demonstration to confirm."""
    services = services_of(runtime)
    text = last_human_text(state.get("messages", []))
    _, rest = split_command(text)
    code = code_in(rest)
    if code is not None:
        return Command(goto=END, update=run_and_explain(services, code, state))
    topic = state.get("topic") or rest
    proposal = propose(services, topic)
    if proposal is None:
        from tutor.demos import all_demos

        names = ", ".join(f"`/run {d.name.replace('_', ' ')}`" for d in all_demos())
        missing = f"I have no demonstration for **{topic}**. " if topic else ""
        text = (
            f"{missing}Send code to run in a ```python block (or `/run print(2 ** 10)`), "
            f"or ask for one of the demonstrations: {names}."
        )
        return Command(goto=END, update={"messages": [AIMessage(text)]})
    shown = f"{proposal['why']}\n\n```python\n{proposal['code']}\n```\n\nRun it? (yes/no)"
    return Command(
        goto="confirm_code", update={"proposal": proposal, "messages": [AIMessage(shown)]}
    )


def propose(services: Services, topic: str) -> dict[str, Any] | None:
    """A demonstration for a topic: model-written with a model, from the catalogue offline."""
    if services.structured is not None and topic:
        passages = services.search(topic, k=3)
        prompt = prompts.CODE_WRITE.format(topic=topic, passages=numbered_passages(passages))
        demo = services.structured(Demonstration, [HumanMessage(prompt)])
        if demo is not None and demo.code.strip():
            return {"code": demo.code.strip(), "why": demo.explanation, "by": "model"}
    from tutor.demos import find_demo

    found = find_demo(topic) if topic else None
    if found is None:
        return None
    why = f"A demonstration from tutor's catalogue: **{found.title.rstrip('.')}**. {found.summary}"
    return {"code": found.program.strip(), "why": why.strip(), "by": f"catalogue:{found.name}"}


def confirm_code(state: TutorState, runtime: Runtime[TutorContext]) -> Command[Any]:
    """Show the proposed code and run it only if the learner says yes."""
    proposal = state.get("proposal") or {}
    prompt = f"Run this code?\n```python\n{proposal.get('code', '')}\n```"
    reply = str(interrupt({"type": "confirm_code", "prompt": prompt})).strip()
    command, _ = split_command(reply)
    if command and command not in YES | NO:
        return Command(goto="router", update={"messages": [HumanMessage(reply)], "proposal": None})
    said = HumanMessage(reply)
    answer = reply.lower().strip(" .!")
    if answer not in YES and answer not in NO:
        ask_again = AIMessage("Please answer yes (run it) or no (don't).")
        return Command(goto="confirm_code", update={"messages": [said, ask_again]})
    if answer in NO:
        declined = {"messages": [said, AIMessage("Not run.")], "proposal": None}
        return Command(goto=END, update=declined)
    update = run_and_explain(services_of(runtime), str(proposal.get("code", "")), state)
    update["messages"] = [said, *update["messages"]]
    return Command(goto=END, update={**update, "proposal": None})


def run_and_explain(services: Services, code: str, state: TutorState) -> dict[str, Any]:
    """Run code in the sandbox; describe the result (and let the model explain it)."""
    try:
        result = services.run_code(with_echo(code))
    except TutorError as error:
        hint = f" ({error.hint})" if error.hint else ""
        return {"messages": [AIMessage(f"I can't run code here: {error.message}{hint}")]}
    record = {"code": code, **result.as_dict()}
    text = describe_run(record)
    if services.chat is not None:
        text += "\n\n" + explain_result(services, record, state.get("level") or "")
    return {"messages": [AIMessage(text)], "code": record}


def explain_result(services: Services, record: dict[str, Any], level: str) -> str:
    """The model's short explanation of what the run showed."""
    assert services.chat is not None
    prompt = prompts.CODE_EXPLAIN.format(
        level=prompts.LEVELS.get(level or services.settings.level, level),
        code=record["code"],
        exit_code=record["exit_code"],
        timed_out=" (timed out)" if record["timed_out"] else "",
        stdout=record["stdout"][-2000:] or "(none)",
        stderr=record["stderr"][-2000:] or "(none)",
    )
    with model_errors(services.settings):
        reply = services.chat.invoke([HumanMessage(prompt)])
    return str(reply.text)
