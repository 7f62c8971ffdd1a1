"""The code_run nodes: run the learner's code, or offer a demonstration and run it if confirmed."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt
from pydantic import BaseModel, Field

from tutor import prompts
from tutor.context import Services, TutorContext, services_of
from tutor.errors import TutorError
from tutor.knowledge.citations import numbered_passages
from tutor.llm import ModelFailure
from tutor.messages import last_human_text, reply_message, split_command
from tutor.nodes.code_input import code_in, with_echo
from tutor.nodes.run_report import describe_run
from tutor.sandbox import CodeRun, RunStopped
from tutor.state import Proposal, TutorState

YES = {"/yes", "/run"}
NO = {"/no", "/skip"}
SAYS_NO = re.compile(r"^(n|no|nope|nah|not now|skip)\b|\b(don'?t|do not|never|cancel|stop)\b", re.I)
SAYS_YES = re.compile(
    r"^(y|yes|yeah|yep|yup|ok|okay|sure|please|run|go|do it|go ahead|sounds good)\b", re.I
)


class Demonstration(BaseModel):
    """A program the model wrote to demonstrate a concept."""

    code: str = Field(description="a complete Python program, standard library only")
    explanation: str = Field(description="one sentence: what running it will show")


def code_run(state: TutorState, runtime: Runtime[TutorContext]) -> Command[Any]:
    """Run the learner's own code now; for a concept, propose a demonstration to confirm."""
    services = services_of(runtime)
    _, rest = split_command(last_human_text(state.get("messages", [])))
    code = code_in(rest)
    if code is not None:
        return Command(goto="run_code", update={"to_run": code})
    topic = state.get("topic") or rest
    proposal, line = propose(services, topic)
    note = f"\n\n{line}" if line else ""
    if proposal is None:
        from tutor.demos import all_demos

        names = ", ".join(f"`/run {d.name.replace('_', ' ')}`" for d in all_demos())
        missing = prompts.NO_DEMO.format(topic=topic) if topic else ""
        text = missing + prompts.HOW_TO_RUN.format(names=names) + note
        return Command(goto=END, update={"messages": [AIMessage(text)]})
    shown = f"{proposal['why']}\n\n```python\n{proposal['code']}\n```\n\n{prompts.RUN_IT}{note}"
    update: TutorState = {"proposal": proposal, "messages": [AIMessage(shown)]}
    return Command(goto="await_confirm", update=update)


def propose(services: Services, topic: str) -> tuple[Proposal | None, str]:
    """A demonstration for a topic (model-written with a model, from the catalogue offline or
    when the model's fails), and the line saying why the model's was not used ("" when it was
    or none was asked for)."""
    why_not = ""
    if services.structured is not None and topic:
        passages = services.search(topic, k=3)
        prompt = prompts.CODE_WRITE.format(topic=topic, passages=numbered_passages(passages))
        try:
            demo = services.structured(Demonstration, [HumanMessage(prompt)], kind="demo")
        except ModelFailure as failure:
            demo, why_not = None, failure.line(prompts.SHIPPED_DEMO)
        if demo is not None:
            code = unfenced(demo.code)
            if does_something(code):
                return {"code": code, "why": demo.explanation.strip(), "by": "model"}, ""
            why_not = ModelFailure(prompts.NOT_CODE).line(prompts.SHIPPED_DEMO)
    from tutor.demos import find_demo

    found = find_demo(topic) if topic else None
    if found is None:
        return None, why_not
    why = prompts.CATALOGUE_DEMO.format(title=found.title.rstrip("."), summary=found.summary)
    catalogue: Proposal = {
        "code": found.program.strip(),
        "why": why.strip(),
        "by": f"catalogue:{found.name}",
    }
    return catalogue, why_not


def unfenced(code: str) -> str:
    """A program without the Markdown fence a model may wrap it in."""
    text = code.strip()
    if fenced := re.fullmatch(r"```[\w+-]*\n(.*?)\n?```", text, re.S):
        return fenced.group(1).strip()
    return text


def does_something(code: str) -> bool:
    """Whether model-written code is a program worth running: it compiles and has at least
    one call, assignment, loop, import or definition (not a bare name like `python`, a lone
    literal or an empty body)."""
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    acting = (ast.Call, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.While,
              ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.With)  # fmt: skip
    return any(isinstance(node, acting) for node in ast.walk(tree))


def await_confirm(state: TutorState) -> Command[Any]:
    """Show the proposed code and wait for yes or no; nothing runs in this node."""
    proposal = state.get("proposal")
    code = proposal["code"] if proposal else ""
    prompt = f"{prompts.CONFIRM_RUN}\n```python\n{code}\n```"
    reply = str(interrupt({"type": "confirm_code", "prompt": prompt})).strip()
    said = reply_message(reply)
    command, rest = split_command(reply)
    if command and (rest or command not in YES | NO):
        return Command(goto="router", update={"messages": [said], "proposal": None})
    answer = reply.lower().strip(" .!")
    if answer in YES or (SAYS_YES.match(answer) and not SAYS_NO.search(answer)):
        update: TutorState = {"messages": [said], "to_run": code, "proposal": None}
        return Command(goto="run_code", update=update)
    if answer in NO or SAYS_NO.search(answer):
        declined: TutorState = {"messages": [said, AIMessage(prompts.NOT_RUN)], "proposal": None}
        return Command(goto=END, update=declined)
    again = AIMessage(prompts.CONFIRM_AGAIN)
    return Command(goto="await_confirm", update={"messages": [said, again]})


def run_code(state: TutorState, runtime: Runtime[TutorContext]) -> TutorState:
    """Run the code in the sandbox and say what happened."""
    code = state.get("to_run") or ""
    try:
        result = services_of(runtime).run_code(with_echo(code))
    except RunStopped:
        raise  # cancelled or shutting down: the turn stops unfinished, its message kept to retry
    except TutorError as error:
        reason = f"{error.message} ({error.hint})" if error.hint else error.message
        message = AIMessage(prompts.CANNOT_RUN.format(reason=reason))
        return {"messages": [message], "to_run": None, "code": None}
    record: CodeRun = {"code": code, **result.as_dict()}
    return {"messages": [AIMessage(describe_run(record))], "to_run": None, "code": record}


def explain_run(state: TutorState, runtime: Runtime[TutorContext]) -> TutorState:
    """With a model, a short explanation of what the run showed; offline, nothing more."""
    services, record = services_of(runtime), state.get("code")
    if services.chat is None or not record:
        return {}
    prompt = prompts.CODE_EXPLAIN.format(
        level=prompts.LEVELS.get(state.get("level") or services.settings.level, ""),
        code=record["code"],
        exit_code=record["exit_code"],
        timed_out=" (timed out)" if record["timed_out"] else "",
        stdout=record["stdout"][-2000:] or "(none)",
        stderr=record["stderr"][-2000:] or "(none)",
    )
    try:
        reply = services.ask("explain", [HumanMessage(prompt)])
    except ModelFailure as error:  # the run's output is already shown; it is not lost
        return {"messages": [AIMessage(prompts.NO_EXPLANATION.format(reason=error.message))]}
    return {"messages": [reply]}
