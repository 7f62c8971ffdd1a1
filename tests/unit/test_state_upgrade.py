"""Threads and learner memory written before the state's payloads were typed still load, fit
the types, and resume.

tests/fixtures/state_v1 holds a conversation database (`threads.sqlite`) and a learner store
(`memory.sqlite`) written by the tutor before its payloads had TypedDicts, made as the
`make_tutor` fixture makes a tutor (hash embeddings, a copy of the shipped notes,
`random.Random(3)`), with these turns:

- thread "graded", learner "ada": /quiz softmax, an answer, "good", /quiz RLHF, "no idea";
- thread "waiting", learner "bo": /quiz LSTM (its answer is pending);
- thread "rating", learner "cy": /quiz reward model, an answer (its rating is pending);
- thread "code", learner "ada": /run print(1+1), explain the softmax function, /run softmax
  (the yes or no is pending).

Every payload is checked key by key (and value by value) against its TypedDict, nested ones
too, so a key renamed in a type, or in the code that writes it, fails here.
"""

from __future__ import annotations

import shutil
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from tests.conftest import MakeTutor
from tutor.learning.cards import Card, due_at, now
from tutor.learning.memory import LearnerMemory, Profile
from tutor.session import Tutor
from tutor.state import TutorState

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "state_v1"
THREADS = {"graded": "ada", "waiting": "bo", "rating": "cy", "code": "ada"}
"""Each thread of the fixture and its learner."""


def mismatches(value: object, hint: Any, path: str) -> list[str]:
    """Where `value` does not fit the type `hint`; a TypedDict's keys must be its own (its
    required ones all there), and each value must fit its key's type, nested dicts too."""
    if hint is Any:
        return []
    origin, args = get_origin(hint), get_args(hint)
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{path}: a {type(value).__name__}, not a {hint.__name__}"]
        known = hint.__required_keys__ | hint.__optional_keys__
        problems = [f"{path}: no {key!r}" for key in sorted(hint.__required_keys__ - set(value))]
        problems += [f"{path}: {key!r} is not a key" for key in sorted(set(value) - known)]
        fields = get_type_hints(hint)
        for key in sorted(set(value) & known):
            problems += mismatches(value[key], fields[key], f"{path}.{key}")
        return problems
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return []
        tried = [mismatches(value, option, path) for option in args if option is not type(None)]
        return [] if [] in tried else min(tried, key=len)
    if origin is Literal:
        return [] if value in args else [f"{path}: {value!r} is not one of {args}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: a {type(value).__name__}, not a list"]
        return [p for n, v in enumerate(value) for p in mismatches(v, args[0], f"{path}[{n}]")]
    if hint is type(None):
        return [] if value is None else [f"{path}: {value!r} is not None"]
    if hint is float:  # an int is a float too
        fits = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(hint, type):
        fits = isinstance(value, hint)
    else:
        raise AssertionError(f"{path}: the test cannot check {hint!r}")
    return [] if fits else [f"{path}: {value!r} is not a {hint.__name__}"]


def assert_fits(value: object, hint: Any, path: str) -> None:
    assert mismatches(value, hint, path) == []


@pytest.fixture
def tutor(isolated_env: Path, make_tutor: MakeTutor) -> Tutor:
    """A tutor over a home holding the fixture's threads and learner memory (copies)."""
    isolated_env.mkdir(parents=True, exist_ok=True)
    for name in ("threads.sqlite", "memory.sqlite"):
        shutil.copyfile(FIXTURE / name, isolated_env / name)
    made = make_tutor()
    assert made.settings.threads_path == isolated_env / "threads.sqlite"
    assert made.settings.memory_path == isolated_env / "memory.sqlite"
    return made


def values_of(tutor: Tutor, thread: str) -> TutorState:
    """The thread's latest state, as the checkpointer and the graph read it."""
    values = tutor.graph.get_state({"configurable": {"thread_id": thread}}).values
    assert values, f"thread {thread!r} is not in the fixture"
    return typing.cast(TutorState, values)


def pending_type(tutor: Tutor, thread: str) -> str | None:
    pending = tutor.last_turn(thread).pending
    return pending["type"] if pending else None


def test_the_fixture_threads_fit_the_state_types(tutor: Tutor) -> None:
    for thread in THREADS:
        assert_fits(values_of(tutor, thread), TutorState, thread)

    # Every payload type is met at least once (the checks above are not vacuous).
    graded = values_of(tutor, "graded")
    assert len(graded.get("grades", [])) == 2 and graded.get("rated") is not None
    assert values_of(tutor, "waiting").get("quiz") is not None
    rating = values_of(tutor, "rating")
    assert rating.get("review") is not None and rating.get("grades")
    code = values_of(tutor, "code")
    assert code.get("proposal") is not None and code.get("code") is not None
    assert all(values_of(tutor, thread).get("sources") for thread in ("graded", "waiting"))
    assert {thread: pending_type(tutor, thread) for thread in THREADS} == {
        "graded": None,
        "waiting": "quiz_answer",
        "rating": "rating",
        "code": "confirm_code",
    }


def test_the_fixture_memory_fits_the_card_and_profile_types(tutor: Tutor) -> None:
    checked = 0
    for namespace in tutor.store.list_namespaces(prefix=("learner",)):
        kind = {"cards": Card, "profile": Profile}[namespace[-1]]
        for item in tutor.store.search(namespace, limit=1000):
            assert_fits(item.value, kind, "/".join([*namespace, item.key]))
            checked += 1
    # ada rated the softmax question and skipped the RLHF one: two cards, both reviewed.
    cards = LearnerMemory(tutor.store, "ada").cards()
    assert len(cards) == 2 and all(card["history"] for card in cards)
    assert checked >= len(cards)
    for learner in set(THREADS.values()):
        assert_fits(LearnerMemory(tutor.store, learner).profile(), Profile, learner)


def test_the_waiting_question_takes_its_answer(tutor: Tutor) -> None:
    quiz = values_of(tutor, "waiting").get("quiz")
    assert quiz is not None
    answer = "ABCDEFGH"[quiz["answer_index"] or 0] if quiz["options"] else quiz["reference"]

    turn = tutor.ask(answer, "waiting", learner="bo")

    assert turn.route == "quiz"
    assert turn.pending is not None and turn.pending["type"] == "rating"
    values = values_of(tutor, "waiting")
    assert_fits(values, TutorState, "waiting")
    review = values.get("review")
    assert review is not None and review["rating"] is None
    assert review["card"]["id"] == quiz["card"]["id"]
    assert [g["question"] for g in values.get("grades", [])] == [quiz["prompt"]]
    assert values.get("quiz") is None
    assert LearnerMemory(tutor.store, "bo").cards() == []  # stored once it is rated


def test_the_pending_rating_is_recorded(tutor: Tutor) -> None:
    review = values_of(tutor, "rating").get("review")
    assert review is not None and review["rating"] is None
    assert LearnerMemory(tutor.store, "cy").card(review["card"]["id"]) is None

    turn = tutor.ask("good", "rating", learner="cy")

    assert turn.route == "quiz" and turn.pending is None
    card = LearnerMemory(tutor.store, "cy").card(review["card"]["id"])
    assert card is not None
    assert_fits(card, Card, "cy's card")
    assert [(h["rating"], h["review_id"]) for h in card["history"]] == [
        ("good", review["review_id"])
    ]
    assert due_at(card) > now()
    values = values_of(tutor, "rating")
    assert_fits(values, TutorState, "rating")
    rated = values.get("rated")
    assert values.get("review") is None and rated is not None
    assert (rated["rating"], rated["by"], rated["review_id"]) == (
        "good",
        "learner",
        review["review_id"],
    )


def test_the_pending_proposal_is_declined(tutor: Tutor) -> None:
    before = values_of(tutor, "code")

    turn = tutor.ask("no", "code", learner="ada")

    assert turn.route == "code_run" and turn.pending is None
    snapshot = tutor.graph.get_state({"configurable": {"thread_id": "code"}})
    assert not snapshot.interrupts and not snapshot.next
    values = values_of(tutor, "code")
    assert_fits(values, TutorState, "code")
    assert values.get("proposal") is None and values.get("to_run") is None
    assert values.get("code") == before.get("code")  # nothing ran
