"""Learner memory through the compiled graph: cards, ratings, FSRS, due cards first, isolation."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MakeTutor, both_backends
from tests.fakes import HashEmbeddings
from tutor.config import load_settings
from tutor.context import Services
from tutor.learning.cards import due_at, now, section_of
from tutor.learning.memory import LearnerMemory, learner_label
from tutor.session import Turn, Tutor


def cards_of(tutor: Tutor, learner: str = "default") -> list[dict[str, Any]]:
    return LearnerMemory(tutor.store, learner).cards()


def answer_a_question(
    tutor: Tutor, thread: str, learner: str = "default", topic: str = "softmax"
) -> Turn:
    """Ask for a question and answer it with its own reference: the rating is asked next."""
    asked = tutor.ask(f"/quiz {topic}", thread, learner=learner)
    assert asked.pending is not None and asked.pending["type"] == "quiz_answer"
    quiz = tutor.graph.get_state({"configurable": {"thread_id": thread}}).values["quiz"]
    reply = "ABCDEFGH"[quiz["answer_index"]] if quiz["options"] else quiz["reference"]
    return tutor.ask(reply, thread, learner=learner)


@both_backends
def test_a_graded_answer_asks_for_a_rating_then_schedules_the_card(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    graded = answer_a_question(tutor, "m1")
    assert graded.pending is not None and graded.pending["type"] == "rating"
    assert "**Reference:**" in graded.answer and "estimate" in graded.answer
    assert cards_of(tutor) == []  # nothing is scheduled until the learner rates

    rated = make_tutor().ask("hard", "m1")  # a later process takes the rating
    assert rated.pending is None and "Rated **hard**" in rated.answer
    [card] = cards_of(tutor)
    [review] = card["history"]
    assert review["rating"] == "hard"  # the learner's rating decides ...
    assert (
        review["score"] is not None and review["graded_by"] == "rules"
    )  # ... the estimate is kept
    assert due_at(card) > now()
    assert card["topic"] == f"{card['source']['file']} › {card['source']['heading']}"


@pytest.mark.parametrize("reply", ["ok", "", "yes"])
def test_ok_takes_the_estimate(make_tutor: MakeTutor, reply: str) -> None:
    from tutor.errors import TutorError

    tutor = make_tutor()
    graded = answer_a_question(tutor, "m2")
    if not reply:
        with pytest.raises(TutorError, match="empty"):
            tutor.ask(reply, "m2")
        return
    suggested = tutor.graph.get_state({"configurable": {"thread_id": "m2"}}).values["review"][
        "suggested"
    ]
    assert f"**{suggested}**" in graded.answer
    tutor.ask(reply, "m2")
    assert cards_of(tutor)[0]["history"][0]["rating"] == suggested


def test_an_unclear_rating_is_asked_again_and_a_question_is_answered_after_recording(
    make_tutor: MakeTutor,
) -> None:
    tutor = make_tutor()
    answer_a_question(tutor, "m3")
    again = tutor.ask("meh", "m3")
    assert again.pending is not None and again.pending["type"] == "rating"
    assert "again" in again.answer and cards_of(tutor) == []
    moved_on = tutor.ask("where do my notes cover PPO?", "m3")
    assert moved_on.route == "retrieve" and moved_on.pending is None
    assert "PPO" in moved_on.answer and "Rated" in moved_on.answer
    assert len(cards_of(tutor)) == 1


@pytest.mark.parametrize("reply", ["/skip", "I don't know", "idk"])
def test_skip_and_dont_know_count_as_again_without_asking(
    make_tutor: MakeTutor, reply: str
) -> None:
    tutor = make_tutor()
    tutor.ask("/quiz softmax", "s1")
    turn = tutor.ask(reply, "s1")
    assert turn.pending is None and "**Reference:**" in turn.answer
    assert "Rated **again**" in turn.answer
    [card] = cards_of(tutor)
    assert card["history"][0]["rating"] == "again" and card["history"][0]["verdict"] == "skipped"


@both_backends
def test_due_cards_come_first(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    tutor.ask("/quiz", "d1")
    tutor.ask("/skip", "d1")
    [card] = cards_of(tutor)
    memory = LearnerMemory(tutor.store, "default")
    overdue = {**card, "fsrs": {**card["fsrs"], "due": (now() - timedelta(days=2)).isoformat()}}
    memory.put_card(overdue)

    turn = make_tutor().ask("/quiz", "d2")  # another thread, same learner
    assert turn.answer.startswith("_Review: this card was due 2 days ago._")
    assert card["question"]["prompt"] in turn.answer


def test_answering_when_nothing_is_pending(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    assert "Nothing to skip" in tutor.ask("/skip", "n1").answer
    turn = tutor.ask("B", "n1")  # an option label with no question: just a message
    assert turn.pending is None and turn.route == "explain"
    assert cards_of(tutor) == []


def test_a_choice_answered_by_its_text(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    for _ in range(30):
        tutor.ask("/quiz", "c1")
        quiz = tutor.graph.get_state({"configurable": {"thread_id": "c1"}}).values["quiz"]
        if quiz["options"]:
            break
        tutor.ask("/skip", "c1")
    else:
        raise AssertionError("no multiple-choice question in 30 tries")
    graded = tutor.ask(quiz["options"][quiz["answer_index"]], "c1")
    assert "Correct" in graded.answer and graded.pending is not None


@both_backends
def test_a_crash_while_recording_never_counts_a_review_twice(
    make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    tutor = make_tutor()
    answer_a_question(tutor, "k1")
    real_put = LearnerMemory.put_card
    crashes = []

    def put_then_die(self: LearnerMemory, card: dict[str, Any]) -> None:
        real_put(self, card)
        if not crashes:
            crashes.append(card["id"])
            raise KeyboardInterrupt  # killed after the card was written, before the checkpoint

    monkeypatch.setattr(LearnerMemory, "put_card", put_then_die)
    with pytest.raises(KeyboardInterrupt):
        tutor.ask("good", "k1")
    monkeypatch.setattr(LearnerMemory, "put_card", real_put)
    assert make_tutor().failed_message("k1") == "good"
    retried = make_tutor().ask("good", "k1")  # the same message again retries the turn
    assert "Rated **good**" in retried.answer
    [card] = cards_of(tutor)
    assert len(card["history"]) == 1


@both_backends
def test_a_crash_while_grading_keeps_the_answer(
    make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tutor.learning.estimate as grading

    tutor = make_tutor()
    tutor.ask("/quiz softmax", "k2")
    quiz = tutor.graph.get_state({"configurable": {"thread_id": "k2"}}).values["quiz"]
    reply = "ABCDEFGH"[quiz["answer_index"]] if quiz["options"] else "probabilities sum to one"
    real = grading.auto_estimate
    calls = []

    def die_once(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(grading, "auto_estimate", die_once)
    with pytest.raises(KeyboardInterrupt):
        tutor.ask(reply, "k2")
    assert ("human", reply) in tutor.history("k2")
    graded = make_tutor().ask(reply, "k2")
    assert graded.pending is not None and graded.pending["type"] == "rating"
    grades = tutor.graph.get_state({"configurable": {"thread_id": "k2"}}).values["grades"]
    assert [g["answer"] for g in grades] == [reply]


@both_backends
def test_learners_never_see_each_others_cards(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    odd = "ann.o'neil/ü x"
    answer_a_question(tutor, "l1", learner=odd)
    tutor.ask("easy", "l1", learner=odd)
    assert len(cards_of(tutor, odd)) == 1
    assert cards_of(tutor, "ann") == [] and cards_of(tutor) == []
    assert "." not in learner_label(odd) and learner_label(odd) != learner_label("ann")
    progress = tutor.ask("/progress", "l2", learner="ann")
    assert "/quiz" in progress.answer  # ann has no cards: the empty state
    mine = tutor.ask("/progress", "l3", learner=odd)
    assert "softmax" in mine.answer.lower() or "1" in mine.answer


@both_backends
def test_level_goal_and_style_follow_the_learner_across_threads(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    tutor.ask("/level beginner", "p1", learner="kim")
    tutor.ask("/goal pass the deep learning exam", "p1", learner="kim")
    profile = make_tutor().ask("/profile", "p2", learner="kim")
    assert "beginner" in profile.answer and "deep learning exam" in profile.answer
    other = make_tutor().ask("/profile", "p3", learner="lee")
    assert "intermediate" in other.answer and "none yet" in other.answer
    tutor.ask("/level advanced", "p4", learner="kim")  # a later choice, in another thread,
    assert "Your level is advanced" in tutor.ask("/level", "p1", learner="kim").answer  # wins
    # /style and /goal are kept short: they go into every prompt
    tutor.ask("/style " + "very " * 200 + "short", "p1", learner="kim")
    assert len(LearnerMemory(tutor.store, "kim").profile()["style"]) == 300


def test_greetings_suggest_a_review_when_cards_are_due(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    assert "due" not in tutor.ask("hi", "g1").answer
    tutor.ask("/quiz", "g1")
    tutor.ask("/skip", "g1")
    memory = LearnerMemory(tutor.store, "default")
    [card] = memory.cards()
    memory.put_card({**card, "fsrs": {**card["fsrs"], "due": now().isoformat()}})
    assert "**1 card** due" in tutor.ask("hi", "g2").answer


def test_explain_shows_the_learners_record_on_the_topic(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    tutor.ask("/quiz softmax", "e1")
    tutor.ask("/skip", "e1")
    [card] = cards_of(tutor)
    turn = tutor.ask(f"/explain {card['source']['heading']}", "e2")
    assert card["topic"] in [section_of(s) for s in turn.sources]
    assert "Your record here" in turn.answer and "0% mastery" in turn.answer


def make_due(tutor: Tutor, learner: str = "default") -> dict[str, Any]:
    """Make the learner's only card due now; return it."""
    memory = LearnerMemory(tutor.store, learner)
    [card] = memory.cards()
    memory.put_card({**card, "fsrs": {**card["fsrs"], "due": now().isoformat()}})
    return card


@both_backends
def test_an_edited_note_refreshes_its_card_and_a_deleted_note_retires_it(
    make_tutor: MakeTutor, notes: Path
) -> None:
    tutor = make_tutor()
    tutor.ask("/quiz", "r1")
    tutor.ask("/skip", "r1")
    card = make_due(tutor)
    note = notes / card["source"]["file"]
    lines = note.read_text(encoding="utf-8").split("\n")
    first, last = card["source"]["start_line"], card["source"]["end_line"]
    edited = next(n for n in range(last, first - 1, -1) if lines[n - 1].strip())
    lines[edited - 1] += " (revised after the exam)"
    note.write_text("\n".join(lines), encoding="utf-8")
    tutor.services.index.ingest([notes])

    asked = make_tutor().ask("/quiz", "r2")
    assert asked.answer.startswith("_Review:")
    [renewed] = cards_of(tutor)
    assert renewed["id"] == card["id"] and renewed["history"] == card["history"]
    assert renewed["chunk_id"] != card["chunk_id"] and renewed["status"] == "active"
    assert renewed["regenerated"]
    tutor.ask("/skip", "r2")
    assert len(cards_of(tutor)[0]["history"]) == 2  # the history survived the re-ingest

    make_due(tutor)
    note.unlink()
    tutor.services.index.ingest([notes])
    after = make_tutor().ask("/quiz", "r3")
    assert not after.answer.startswith("_Review:")
    retired = [c for c in cards_of(tutor) if c["id"] == card["id"]]
    assert retired[0]["status"] == "retired"
    progress = tutor.ask("/progress", "r4").answer
    assert "retired" in progress


def test_a_note_edited_between_question_and_answer(make_tutor: MakeTutor, notes: Path) -> None:
    tutor = make_tutor()
    asked = tutor.ask("/quiz", "w1")
    quiz = tutor.graph.get_state({"configurable": {"thread_id": "w1"}}).values["quiz"]
    (notes / quiz["source"]["file"]).write_text("# Gone\nEverything was rewritten.\n")
    tutor.services.index.ingest([notes])
    reply = "ABCDEFGH"[quiz["answer_index"]] if quiz["options"] else quiz["reference"]
    graded = tutor.ask(reply, "w1")  # graded against the question as it was asked
    assert asked.pending is not None and "**Reference:**" in graded.answer
    assert "Not quite" not in graded.answer
    tutor.ask("good", "w1")
    [card] = cards_of(tutor)
    assert card["question"]["prompt"] == quiz["prompt"] and len(card["history"]) == 1


def test_when_every_question_was_had_the_next_review_is_named(tmp_path: Path) -> None:
    notes = tmp_path / "tiny"
    notes.mkdir()
    (notes / "gru.md").write_text(
        "# GRU\n\nWhat are the gates of a GRU?\n"
        "- the update gate, which decides how much of the past to keep\n"
        "- the reset gate, which decides how much to forget\n",
        encoding="utf-8",
    )
    settings = load_settings(notes=notes)
    tutor = Tutor(settings, Services(settings, embeddings=HashEmbeddings(), rng=random.Random(2)))
    try:
        seen = 0
        while (turn := tutor.ask("/quiz", "t1")).pending is not None:
            seen += 1
            tutor.ask("/skip", "t1")  # again: due in a minute, not yet
            assert seen < 10, "the same questions keep coming"
        assert seen >= 1
        assert "every question I can make there" in turn.answer
        assert "next review is in" in turn.answer
    finally:
        tutor.close()


@both_backends
def test_the_answer_sent_again_is_not_a_rating_and_ratings_forgive_typos(
    make_tutor: MakeTutor,
) -> None:
    tutor = make_tutor()
    graded = answer_a_question(tutor, "v1")
    answer = tutor.history("v1")[-2][1]
    again = tutor.ask(answer, "v1")  # a double submit, or a retry after a lost reply
    assert "already gave" in again.answer and again.pending is not None
    for shortcut in ("a", "2"):  # answers as much as ratings: never taken as a rating
        assert tutor.ask(shortcut, "v1").pending is not None
    assert cards_of(tutor) == [] and graded.pending is not None
    assert "Rated **good**" in tutor.ask("goood", "v1").answer


@both_backends
def test_a_rating_cut_short_is_recorded_before_the_next_message(
    make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    tutor = make_tutor()
    answer_a_question(tutor, "v2")
    real_put = LearnerMemory.put_card

    def die_before_writing(self: LearnerMemory, card: dict[str, Any]) -> None:
        raise KeyboardInterrupt  # killed while recording, before the card was saved

    monkeypatch.setattr(LearnerMemory, "put_card", die_before_writing)
    with pytest.raises(KeyboardInterrupt):
        tutor.ask("easy", "v2")
    monkeypatch.setattr(LearnerMemory, "put_card", real_put)
    assert cards_of(tutor) == []
    later = make_tutor().ask("/quiz", "v2")  # something else: the rating is recorded first
    [card] = [c for c in cards_of(tutor) if c["history"]]
    assert card["history"][0]["rating"] == "easy" and later.pending is not None


@both_backends
def test_a_reply_sent_again_after_it_was_handled_shows_what_it_got(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    answer_a_question(tutor, "v3")
    first = tutor.ask("hard", "v3")
    again = make_tutor().ask("hard", "v3")  # its process died before printing, say
    assert again.answer.startswith("_(Already answered") and first.answer in again.answer
    assert len(cards_of(tutor)[0]["history"]) == 1


@both_backends
def test_whoever_answers_is_the_learner_it_counts_for(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    tutor.ask("/quiz", "v4", learner="alice")
    tutor.ask("/skip", "v4", learner="bob")  # a shared thread: bob answered
    assert cards_of(tutor, "alice") == [] and len(cards_of(tutor, "bob")) == 1


def test_a_restored_note_brings_its_retired_cards_back(make_tutor: MakeTutor, notes: Path) -> None:
    tutor = make_tutor()
    tutor.ask("/quiz", "v5")
    tutor.ask("/skip", "v5")
    card = make_due(tutor)
    note = notes / card["source"]["file"]
    text = note.read_bytes()
    note.unlink()
    tutor.services.index.ingest([notes])
    assert "1 retired" in tutor.ask("/progress", "v6").answer
    note.write_bytes(text)
    tutor.services.index.ingest([notes])
    assert "retired" not in tutor.ask("/progress", "v6").answer
    asked = tutor.ask("/quiz", "v7")
    assert asked.answer.startswith("_Review:") and card["question"]["prompt"] in asked.answer


@pytest.mark.parametrize("reply", ["I have no idea", "not sure", "no clue", "??"])
def test_more_ways_of_not_knowing(make_tutor: MakeTutor, reply: str) -> None:
    tutor = make_tutor()
    tutor.ask("/quiz", "v8")
    assert "Rated **again**" in tutor.ask(reply, "v8").answer


def test_a_request_without_a_question_mark_sets_the_quiz_aside(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    tutor.ask("/quiz", "v9")
    turn = tutor.ask("explain dropout", "v9")
    assert turn.route == "explain" and turn.answer.startswith("_The quiz question is set aside")


def test_skip_at_the_rating_means_again(make_tutor: MakeTutor) -> None:
    tutor = make_tutor()
    answer_a_question(tutor, "y1", topic="LSTM")  # the notes make two questions on LSTMs
    assert "Rated **again**" in tutor.ask("/skip", "y1").answer
    answer_a_question(tutor, "y2", topic="LSTM")
    assert "Rated **hard**" in tutor.ask("hard, I guessed", "y2").answer


@both_backends
@pytest.mark.parametrize("left", ["grade", "quiz"])
def test_a_turn_cancelled_mid_node_is_put_back_where_it_waits(
    make_tutor: MakeTutor, left: str
) -> None:
    tutor = make_tutor()
    config = {"configurable": {"thread_id": "y3"}}
    if left == "grade":
        answer_a_question(tutor, "y3")  # graded, a rating is asked
    else:
        tutor.ask("/quiz", "y3")  # a question is asked
    values = tutor.graph.get_state(config).values
    # Ctrl-C while grading (or writing the question): the node's result is in the thread,
    # but the graph never reached the wait that follows it.
    kept = {"review": values.get("review"), "quiz": values.get("quiz")}
    tutor.graph.update_state(config, kept, as_node="help")
    broken = tutor.graph.get_state(config)
    assert not broken.next and not broken.interrupts

    turn = make_tutor().ask("good" if left == "grade" else "/skip", "y3")
    assert "Rated" in turn.answer and turn.pending is None
    assert len(cards_of(tutor)) == 1
