"""Every route end to end through the compiled tutor graph, offline (fast hash embeddings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, MakeTutor, both_backends
from tests.fakes import HashEmbeddings
from tutor.config import load_settings
from tutor.context import Services
from tutor.session import Tutor


def test_explain_composes_definition_points_and_cited_sources(make_tutor: MakeTutor) -> None:
    turn = make_tutor().ask("explain the softmax function", "t1")
    assert turn.route == "explain"
    assert turn.mode == "offline" and turn.model is None
    assert any(s["file"] == "deep-learning-qa-notebook.md" for s in turn.sources)
    assert "probabilit" in turn.answer.lower()
    assert "**Sources**" in turn.answer
    for n, source in enumerate(turn.sources, start=1):
        assert f"[{n}]" in turn.answer
        assert source["heading"] in turn.answer
    assert turn.pending is None


def test_a_comparison_defines_each_side_from_where_the_notes_define_it(
    make_tutor: MakeTutor,
) -> None:
    turn = make_tutor().ask("compare sigmoid and tanh", "t1")
    assert turn.route == "explain"
    sigmoid, tanh = turn.answer.index("**Sigmoid**: "), turn.answer.index("**Tanh**: ")
    assert "f(x)=1/(1+e^-x)" in turn.answer[sigmoid:tanh]  # its own title's definition, not
    assert "universal approximation" not in turn.answer  # a sentence that only names it
    assert "between -1 and 1" in turn.answer[tanh:]
    for n in range(1, len(turn.sources) + 1):
        assert f"[{n}]" in turn.answer.split("**Sources**")[0]


def test_a_term_is_explained_from_the_passage_titled_with_its_other_name(
    make_tutor: MakeTutor,
) -> None:
    turn = make_tutor().ask("what is adam?", "t1")
    lead = turn.answer.split("\n\n")[1]
    assert "combines both Momentum and Adaptive learning rate" in lead


def test_explain_says_plainly_when_the_notes_do_not_cover_it(make_tutor: MakeTutor) -> None:
    turn = make_tutor().ask("explain the french revolution", "t1")
    assert turn.route == "explain"
    assert "don't cover" in turn.answer
    assert "TUTOR_MODEL" in turn.answer  # offline: says how to get general knowledge
    assert turn.sources == []


def test_explain_names_the_term_of_the_field_the_notes_never_write(
    make_tutor: MakeTutor,
) -> None:
    turn = make_tutor().ask("how does gradient checkpointing save memory?", "t1")
    assert turn.route == "explain"
    first = turn.answer.split("\n\n")[0]
    assert "don't cover" in first
    assert "They never mention **gradient checkpointing**." in first
    assert turn.sources == []
    covered = make_tutor().ask("how does byte pair encoding build its tokens?", "t2")
    assert "don't cover" not in covered.answer  # their "bite pair encoding"


def test_retrieve_lists_where_the_notes_cover_a_topic(make_tutor: MakeTutor) -> None:
    turn = make_tutor().ask("where do my notes talk about PPO?", "t1")
    assert turn.route == "retrieve"
    assert turn.sources and all(s["file"].endswith(".md") for s in turn.sources)
    first = turn.sources[0]
    assert f"{first['file']} › {first['heading']}" in turn.answer
    assert "PPO" in turn.answer


def test_retrieve_lists_only_the_passages_about_the_topic(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    turn = tutor.ask("which of my notes talk about LoRA?", "t1")
    assert turn.route == "retrieve"
    # One passage of the notes mentions LoRA: no four unrelated ones padding it to five.
    assert [s["file"] for s in turn.sources] == ["deep-learning-qa-notebook.md"]
    assert "2." not in turn.answer
    assert "… LoRA(Low Rank Adaption)" in turn.answer  # the excerpt starts where it says so
    unknown = tutor.ask("which of my notes talk about support vector machines?", "t2")
    assert "don't mention" in unknown.answer and 1 <= len(unknown.sources) <= 3


@both_backends
def test_quiz_waits_for_the_answer_and_grades_it_after_a_restart(make_tutor: MakeTutor) -> None:
    asked = make_tutor().ask("/quiz softmax", "q1")
    assert asked.route == "quiz"
    assert asked.pending is not None and asked.pending["type"] == "quiz_answer"
    assert asked.pending["prompt"] and asked.answer == asked.pending["prompt"]

    later = make_tutor()  # a new Tutor on the same home: the checkpoint is on disk
    reply = "A" if "- A) " in asked.pending["prompt"] else "probabilities that sum to 1"
    graded = later.ask(reply, "q1")
    assert graded.pending is not None and graded.pending["type"] == "rating"
    assert graded.route == "quiz"
    assert "**Reference:**" in graded.answer and "**Source:**" in graded.answer
    grades = later.graph.get_state({"configurable": {"thread_id": "q1"}}).values["grades"]
    assert len(grades) == 1
    assert grades[0]["answer"] == reply
    assert grades[0]["verdict"] in ("correct", "partial", "incorrect")


def test_quiz_skip_and_a_new_command_instead_of_an_answer(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    tutor.ask("quiz me on RLHF", "q2")
    skipped = tutor.ask("/skip", "q2")
    assert "Skipped" in skipped.answer and skipped.pending is None
    tutor.ask("/quiz reward model", "q2")
    rerouted = tutor.ask("/search KL penalty", "q2")
    assert rerouted.route == "retrieve" and rerouted.pending is None
    assert "KL" in rerouted.answer


def test_code_run_runs_the_learners_code_at_once(make_tutor: MakeTutor) -> None:
    turn = make_tutor().ask("/run print(6 * 7)", "c1")
    assert turn.route == "code_run" and turn.pending is None
    assert "42" in turn.answer and "exit code 0" in turn.answer


def test_code_errors_are_explained(make_tutor: MakeTutor) -> None:
    turn = make_tutor().ask("run this\n```python\nx = [1, 2]\nprint(x[5])\n```", "c2")
    assert "IndexError" in turn.answer and "line 2" in turn.answer


def test_a_demonstration_runs_only_after_the_learner_confirms(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    offered = tutor.ask("/run softmax", "c3")
    assert offered.pending is not None and offered.pending["type"] == "confirm_code"
    assert "```python" in offered.pending["prompt"]
    declined = tutor.ask("no", "c3")
    assert declined.answer == "Not run." and declined.pending is None

    tutor.ask("/run softmax", "c3")
    ran = make_tutor().ask("yes", "c3")
    assert "exit code 0" in ran.answer and "Output" in ran.answer


def test_help_and_level(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    assert "/quiz" in tutor.ask("/help", "h1").answer
    assert "beginner" in tutor.ask("/level beginner", "h1").answer
    assert "Your level is beginner" in tutor.ask("/level", "h1").answer
    assert "don't know `/frobnicate`" in tutor.ask("/frobnicate", "h1").answer
    assert tutor.ask("hello!", "h1").answer.startswith("Hello")
    assert tutor.ask("thanks!", "h1").answer.startswith("You're welcome")
    assert tutor.ask("bye", "h1").answer.startswith("Bye")


def test_turn_json_has_the_documented_fields(make_tutor: MakeTutor) -> None:
    turn = make_tutor().ask("/quiz", "j1")
    data = json.loads(json.dumps(turn.as_dict()))
    assert set(data) == {"thread", "route", "mode", "model", "answer", "sources", "pending"}
    assert set(data["pending"]) == {"type", "prompt"}
    place = {"file", "heading", "start_line", "end_line", "cell", "end_cell"}
    assert all(set(s) == place for s in data["sources"])


def load_studio_graph() -> Any:
    """The graph langgraph.json names, loaded the way the LangGraph server loads it."""
    import importlib.util

    spec = json.loads((REPO / "langgraph.json").read_text())["graphs"]["tutor"]
    path, _, attr = spec.partition(":")
    module_spec = importlib.util.spec_from_file_location("studio_tutor", REPO / path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return getattr(module, attr)


def test_under_the_langgraph_server_the_graph_brings_no_checkpointer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys
    import types

    # The server refuses graphs with their own checkpointer; it keeps the threads itself.
    monkeypatch.setitem(sys.modules, "langgraph_api", types.ModuleType("langgraph_api"))
    assert load_studio_graph().checkpointer is None


def test_langgraph_json_names_a_loadable_tutor_graph() -> None:
    graph = load_studio_graph()
    nodes = set(graph.get_graph().nodes)
    assert {"router", "explain", "retrieve", "quiz", "await_answer", "grade"} <= nodes
    assert {"code_run", "await_confirm", "run_code", "explain_run", "help"} <= nodes
    assert graph.checkpointer is not None


def test_an_empty_notes_folder_says_how_to_add_notes(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    settings = load_settings(notes=empty)
    tutor = Tutor(settings, Services(settings, embeddings=HashEmbeddings()))
    try:
        for text in ("explain softmax", "/quiz", "/search PPO"):
            turn = tutor.ask(text, "e1")
            assert "no notes in the index" in turn.answer and "tutor ingest" in turn.answer
            assert "Nothing could be indexed from" in turn.answer
            assert turn.pending is None
    finally:
        tutor.close()


@both_backends
def test_an_empty_message_or_answer_is_refused_and_loses_nothing(make_tutor: MakeTutor) -> None:
    from tutor.errors import TutorError

    tutor = make_tutor()
    with pytest.raises(TutorError, match="the message is empty"):
        tutor.ask("   ", "x1")
    assert tutor.history("x1") == []
    asked = tutor.ask("/quiz softmax", "x1")
    with pytest.raises(TutorError, match="the answer is empty") as refused:
        tutor.ask("", "x1")
    assert "/skip" in refused.value.hint
    assert tutor.last_turn("x1").pending == asked.pending  # the question still waits
    assert "Skipped" in tutor.ask("/skip", "x1").answer


def choice_question_thread(tutor: Tutor, thread: str) -> dict[str, object]:
    """Ask quiz questions until a multiple-choice one is pending; return it."""
    for _ in range(30):
        tutor.ask("/quiz", thread)
        quiz = tutor.graph.get_state({"configurable": {"thread_id": thread}}).values["quiz"]
        if quiz and quiz["options"]:
            return dict(quiz)
        tutor.ask("/skip", thread)
    raise AssertionError("no multiple-choice question in 30 tries")


def test_an_unreadable_choice_is_asked_again_and_a_label_then_grades(
    make_tutor: MakeTutor,
) -> None:
    tutor = make_tutor()
    quiz = choice_question_thread(tutor, "m1")
    again = tutor.ask("something vague about principles", "m1")
    assert "couldn't tell which option" in again.answer
    assert again.pending is not None and again.pending["type"] == "quiz_answer"
    label = "ABCD"[int(str(quiz["answer_index"]))]
    graded = tutor.ask(f"({label.lower()})", "m1")
    assert "Correct" in graded.answer and graded.pending is not None
    assert graded.pending["type"] == "rating" and "estimate: **easy**" in graded.answer


def test_the_readme_quiz_is_on_its_topic_and_an_answer_in_words_is_graded(
    make_tutor: MakeTutor,
) -> None:
    tutor = make_tutor()
    asked = tutor.ask("quiz me on the reward model", "q1")
    assert asked.pending is not None and asked.pending["type"] == "quiz_answer"
    assert "reward model" in asked.pending["prompt"].lower()  # not the KL penalty beside it
    assert "___" not in asked.answer.replace("_____", "")  # no blank inside an option
    graded = tutor.ask("humans rank pairs of answers", "q1")
    assert "couldn't tell" not in graded.answer and "**Reference:**" in graded.answer
    assert graded.pending is not None and graded.pending["type"] == "rating"
    # Words that match no option of a multiple choice are graded too, against the notes.
    tutor.ask("ok", "q1")
    quiz = choice_question_thread(tutor, "q2")
    graded = tutor.ask("humans rank pairs of answers", "q2")
    assert graded.pending is not None and graded.pending["type"] == "rating"
    assert f"{'ABCD'[int(str(quiz['answer_index']))]})" in graded.answer  # the notes' option


def test_a_question_instead_of_an_answer_sets_the_quiz_aside(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    tutor.ask("/quiz softmax", "m2")
    turn = tutor.ask("where do my notes cover PPO?", "m2")
    assert turn.route == "retrieve" and turn.pending is None
    assert turn.answer.startswith("_The quiz question is set aside")
    assert "PPO" in turn.answer
    grades = tutor.graph.get_state({"configurable": {"thread_id": "m2"}}).values.get("grades")
    assert not grades


@pytest.mark.parametrize(
    ("reply", "ran"),
    [
        ("yes please", True),
        ("Go ahead!", True),
        ("sure, why not", True),
        ("no thanks", False),
        ("please don't", False),
        ("not now", False),
    ],
)
def test_confirmation_understands_everyday_replies(
    make_tutor: MakeTutor, reply: str, ran: bool
) -> None:
    tutor = make_tutor()
    tutor.ask("/run softmax", "c8")
    turn = tutor.ask(reply, "c8")
    assert turn.pending is None
    assert ("exit code 0" in turn.answer) is ran
    assert turn.answer.endswith("Not run.") is not ran


@both_backends
def test_two_turns_at_once_on_one_thread_both_count(make_tutor: MakeTutor) -> None:
    import threading
    import time

    first, second = make_tutor(), make_tutor()  # as if two processes shared the thread
    real_search = first.services.search

    def slow_search(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.5)  # the first turn is still running when the second arrives
        return real_search(*args, **kwargs)

    first.services.search = slow_search  # type: ignore[method-assign]
    worker = threading.Thread(target=first.ask, args=("explain softmax", "p1"))
    worker.start()
    time.sleep(0.1)
    second.ask("where do my notes cover PPO?", "p1")
    worker.join()
    history = make_tutor().history("p1")
    humans = [text for role, text in history if role == "human"]
    assert humans == ["explain softmax", "where do my notes cover PPO?"]
    assert [role for role, _ in history] == ["human", "ai", "human", "ai"]


def test_confirmation_asks_again_on_an_unclear_reply(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    tutor.ask("/run softmax", "c9")
    unclear = tutor.ask("maybe", "c9")
    assert "yes" in unclear.answer and unclear.pending is not None
    assert tutor.ask("/no", "c9").answer.endswith("Not run.")


def test_no_demonstration_lists_the_ones_there_are(make_tutor: MakeTutor) -> None:
    turn = make_tutor().ask("/run GRU", "c10")
    assert "no demonstration for **GRU**" in turn.answer and "`/run softmax`" in turn.answer


def test_a_missing_notes_folder_is_named(tmp_path: Path) -> None:
    settings = load_settings(notes=tmp_path / "nope")
    tutor = Tutor(settings, Services(settings, embeddings=HashEmbeddings()))
    try:
        turn = tutor.ask("explain softmax", "n1")
        assert f"{tmp_path / 'nope'} (TUTOR_NOTES) does not exist" in turn.answer
    finally:
        tutor.close()


def test_undecodable_bytes_in_a_message_are_replaced_not_fatal(make_tutor: MakeTutor) -> None:
    broken = b"what is softmax \xff\xfe".decode("utf-8", "surrogateescape")
    thread = b"t-\xff".decode("utf-8", "surrogateescape")
    turn = make_tutor().ask(broken, thread)
    assert turn.route == "explain" and "softmax" in turn.answer.lower()
    assert turn.thread == "t-\ufffd"
    json.dumps(turn.as_dict())  # printable as --json


@both_backends
def test_after_a_crash_mid_run_a_new_no_runs_nothing_and_the_same_yes_retries(
    make_tutor: MakeTutor,
) -> None:
    tutor = make_tutor()
    real_run = tutor.services.run_code
    runs: list[str] = []

    def crash_once(code: str) -> Any:
        runs.append(code)
        if len(runs) == 1:
            raise KeyboardInterrupt  # Ctrl-C while the sandbox runs
        return real_run(code)

    tutor.services.run_code = crash_once  # type: ignore[method-assign]
    tutor.ask("/run softmax", "r1")
    assert tutor.failed_message("r1") is None  # waiting for a yes is not a failure
    with pytest.raises(KeyboardInterrupt):
        tutor.ask("yes", "r1")
    assert make_tutor().failed_message("r1") == "yes"  # a later process knows what failed
    retried = tutor.ask("yes", "r1")  # the same message again: the turn is retried
    assert len(runs) == 2 and "exit code 0" in retried.answer
    assert tutor.failed_message("r1") is None

    tutor.ask("/run softmax", "r2")
    with pytest.raises(KeyboardInterrupt):
        runs.clear()
        tutor.ask("yes", "r2")
    declined = tutor.ask("no", "r2")  # something else: a new turn, the code does not run
    assert len(runs) == 1 and declined.route != "code_run"


def test_the_studio_graph_runs_a_turn_with_no_context_from_the_caller() -> None:
    from langchain_core.messages import HumanMessage

    graph = load_studio_graph()
    config = {"configurable": {"thread_id": "studio"}}
    out = graph.invoke({"messages": [HumanMessage("/help")], "interface": "studio"}, config)
    assert out["route"] == "help" and "/quiz" in out["messages"][-1].text
