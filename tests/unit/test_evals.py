"""The eval: its metrics on hand-built cases, a quick run over the shipped notes, the CLI."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import free_port
from tests.fakes import HashEmbeddings
from tutor.cli import app
from tutor.config import load_settings
from tutor.errors import TutorError
from tutor.evals import run_eval
from tutor.evals.dataset import QUIZ_ANSWERS, load_questions, load_quiz_answers, spread
from tutor.evals.metrics import (
    QUESTION_METRICS,
    QUIZ_METRICS,
    contains_fact,
    first_relevant_rank,
    hit_at,
    mean,
    reciprocal_rank,
    score_answer,
    score_grade,
    score_question,
    states_fact,
)
from tutor.evals.report import quiz_half_rows, quiz_halves
from tutor.evals.runner import EvalRunner
from tutor.evals.sync import example_id, sync_dataset
from tutor.evals.understanding import (
    COVERAGE,
    ROUTING,
    coverage_scores,
    load_labelled,
    routing_scores,
    understanding_table,
)
from tutor.evals.upload import row_evaluator

runner = CliRunner()
REF = {"file": "notes.md", "heading": "Optimizers › Adam", "facts": ["combines momentum", "bias"]}


def passage(file: str = "notes.md", heading: str = "Optimizers › Adam", text: str = "") -> dict:
    return {"file": file, "heading": heading, "start_line": 1, "end_line": 2, "text": text}


# ---- facts ------------------------------------------------------------------------------


def test_a_fact_matches_whatever_the_case_punctuation_or_markdown() -> None:
    assert contains_fact(
        "Pushes some weights all the way to **zero**.", "weights all the way to zero"
    )
    assert contains_fact("RLAIF replaces that judge with *another AI*", "judge with another ai")
    assert contains_fact("compared to human generated answers", "human generated answer")
    assert not contains_fact("the training data", "rain")  # a fact starts at a word
    assert not contains_fact("zero to all weights", "weights all the way to zero")
    assert not contains_fact("anything", "")


def test_an_answer_states_a_fact_word_for_word_or_in_most_of_its_words() -> None:
    fact = "Too small LR will take a long time to reach optima"
    assert states_fact("A too small LR will take a long time to reach optima.", fact)
    assert states_fact("A too small learning rate (LR) takes a long time to reach optima", fact)
    assert not states_fact("A small LR is slow to reach optima.", fact)
    assert not states_fact("It uses momentum.", "Bias")  # one word: it must be said


# ---- retrieval --------------------------------------------------------------------------


def test_the_first_relevant_passage_needs_file_heading_and_a_fact() -> None:
    ranked = [
        passage(file="other.md", text="it combines momentum"),  # wrong file
        passage(heading="Optimizers › RMSprop", text="combines momentum"),  # wrong heading
        passage(text="Adam is popular"),  # right place, no fact
        passage(text="Adam combines momentum and RMSprop"),
    ]
    rank = first_relevant_rank(ranked, REF)
    assert rank == 4
    assert (hit_at(5, rank), reciprocal_rank(rank)) == (1.0, 0.25)
    assert hit_at(3, rank) == 0.0


def test_mrr_counts_the_top_ten_only_and_averages_reciprocals() -> None:
    filler = [passage(text="nothing here")] * 10
    at_6 = [*filler[:5], passage(text="a bias term")]
    at_11 = [*filler, passage(text="a bias term")]
    ranks = [first_relevant_rank(ps, REF) for ps in ([passage(text="bias")], at_6, at_11)]
    assert ranks == [1, 6, None]
    assert [hit_at(5, r) for r in ranks] == [1.0, 0.0, 0.0]
    assert mean(reciprocal_rank(r) for r in ranks) == pytest.approx((1 + 1 / 6 + 0) / 3)


# ---- citations --------------------------------------------------------------------------


def cited(text: str | None, heading: str = "Optimizers › Adam") -> dict[str, Any]:
    return {"file": "notes.md", "heading": heading, "start_line": 1, "end_line": 2, "passage": text}


def test_citations_are_correct_when_what_the_answer_states_is_in_what_it_cites() -> None:
    good = score_answer(
        {"answer": "Adam combines momentum [1].", "sources": [cited("Adam combines momentum.")]},
        REF,
    )
    assert good == {
        "cited": 1.0,
        "citations_valid": 1.0,
        "citation_correct": 1.0,
        "fact_recall": 0.5,
        "cites_expected_source": 1.0,
    }
    elsewhere = score_answer(
        {"answer": "Adam combines momentum [1].", "sources": [cited("RMSprop decays", "Other")]},
        REF,
    )
    assert (elsewhere["citations_valid"], elsewhere["citation_correct"]) == (1.0, 0.0)
    assert elsewhere["cites_expected_source"] == 0.0


def test_a_citation_that_does_not_resolve_makes_the_answer_wrong() -> None:
    scores = score_answer(
        {
            "answer": "Adam combines momentum and a bias correction.",
            "sources": [cited("Adam combines momentum, with bias correction."), cited(None)],
        },
        REF,
    )
    assert (scores["citations_valid"], scores["citation_correct"], scores["fact_recall"]) == (
        0.0,
        0.0,
        1.0,
    )


def test_an_answer_without_sources_or_facts_is_scored_where_it_applies() -> None:
    bare = score_answer({"answer": "Adam combines momentum.", "sources": []}, REF)
    assert (bare["cited"], bare["citations_valid"], bare["citation_correct"]) == (0.0, None, 0.0)
    # The Sources list names headings; a fact there is not stated by the answer.
    listed = score_answer(
        {"answer": "Not in your notes.\n\n**Sources**\n- [1] bias", "sources": [cited("x")]}, REF
    )
    assert (listed["fact_recall"], listed["citation_correct"]) == (0.0, None)


def test_question_scores_cover_every_question_metric() -> None:
    outputs = {"retrieved": [passage(text="bias")], "answer": "bias", "sources": [cited("bias")]}
    assert set(score_question(outputs, REF)) == set(QUESTION_METRICS)


# ---- quiz grading -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "verdict", "exact", "right_vs_not"),
    [
        ("right", "correct", 1.0, 1.0),
        ("right", "partial", 0.0, 0.0),
        ("partial", "incorrect", 0.0, 1.0),
        ("partial", "correct", 0.0, 0.0),
        ("wrong", "skipped", 1.0, 1.0),
        ("wrong", "partial", 0.0, 1.0),
    ],
)
def test_grade_agreement_exact_and_right_vs_not(
    label: str, verdict: str, exact: float, right_vs_not: float
) -> None:
    scores = score_grade({"verdict": verdict}, {"label": label})
    assert scores == {"grade_exact": exact, "grade_right_vs_not": right_vs_not}
    assert set(scores) == set(QUIZ_METRICS)


def test_evaluators_give_one_metric_and_nothing_where_it_does_not_apply() -> None:
    evaluate = row_evaluator("citation_correct", score_question)
    none_stated = {"retrieved": [], "answer": "no idea", "sources": []}
    assert evaluate(none_stated, REF) == {"results": []}
    stated = {"retrieved": [], "answer": "bias", "sources": [cited("bias")]}
    assert evaluate(stated, REF) == {"key": "citation_correct", "score": 1.0}


# ---- the eval set -----------------------------------------------------------------------


def test_the_shipped_eval_set_loads() -> None:
    questions, answers = load_questions(), load_quiz_answers()
    assert len(questions) == 90 and len({q.id for q in questions}) == 90
    assert all(q.facts and q.heading for q in questions)
    assert {a.label for a in answers} == {"right", "partial", "wrong"}
    # Both halves, each item keeping its split: the held-out file's rows are all held out.
    halves = {half: [a for a in answers if a.half == half] for half in ("tune", "heldout")}
    assert len(halves["heldout"]) == 133 and len(halves["tune"]) >= 120
    assert {a.split for a in halves["heldout"]} == {"heldout"}
    assert load_quiz_answers(QUIZ_ANSWERS) == halves["tune"]


def test_the_quiz_agreement_is_printed_for_each_half() -> None:
    rows = [
        {"split": split, "scores": {"grade_exact": exact, "grade_right_vs_not": 1.0}}
        for split, exact in (("heldout", 1.0), ("heldout", 0.0), ("tune", 1.0), ("check", 0.0))
    ]
    halves = quiz_halves(rows)
    assert halves["heldout"] == {"grade_exact": 0.5, "grade_right_vs_not": 1.0, "n": 2.0}
    assert halves["tune"]["n"] == 2.0  # `check` items are of the tuning half
    table = quiz_half_rows(halves)
    assert table[0] == ("quiz grade agreement, exact (3-way) (held-out half)", "0.500", "2")
    assert table[2][0].endswith("(tuning half)")


def test_spread_takes_evenly_spaced_items() -> None:
    assert spread(list(range(10)), 3) == [0, 3, 6]
    assert spread(list(range(4)), 10) == [0, 1, 2, 3]
    assert spread(list(range(4)), None) == [0, 1, 2, 3]


def test_every_key_fact_is_under_its_heading_in_the_shipped_notes(notes: Path) -> None:
    settings = load_settings(notes=notes)
    with EvalRunner(settings, notes=notes, embeddings=HashEmbeddings()) as eval_runner:
        assert eval_runner.check(load_questions()) == []
        moved = load_questions()[0]
        moved = type(moved)(moved.id, moved.question, moved.file, "Elsewhere", moved.facts)
        assert eval_runner.check([moved]) == [
            f"{moved.id}: no passage under {moved.file} › Elsewhere"
        ]


# ---- a run ------------------------------------------------------------------------------


def test_a_quick_run_measures_the_tutor_apart_from_the_learners_state(
    notes: Path, isolated_env: Path
) -> None:
    settings = load_settings(notes=notes)
    seen: list[str] = []
    report = run_eval(
        settings,
        limit=6,
        notes=notes,
        embeddings=HashEmbeddings(),
        progress=lambda item, done, total: seen.append(item),
    )
    assert (report.questions, report.quiz_answers, report.mode) == (6, 6, "offline")
    assert report.problems == []
    assert set(report.metrics) == {*QUESTION_METRICS, *QUIZ_METRICS}
    assert all(v is None or 0.0 <= v <= 1.0 for v in report.metrics.values())
    # The offline tutor only cites passages that exist, and says what they say.
    assert report.metrics["citations_valid"] == 1.0
    assert report.metrics["citation_correct"] in (None, 1.0)
    assert report.metrics["hit_at_5"] is not None and report.metrics["hit_at_5"] >= 0.5
    rows = report.question_rows
    assert [r["id"] for r in rows] == [q.id for q in spread(load_questions(), 6)]
    assert len(seen) == 13 and seen[-1] == ""
    # Its own index and no threads or cards in the learner's home.
    assert (isolated_env / "eval" / "chroma").is_dir()
    assert not (isolated_env / "chroma").exists()
    assert not (isolated_env / "threads.sqlite").exists()
    assert not (isolated_env / "memory.sqlite").exists()


# ---- the command ------------------------------------------------------------------------


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> HashEmbeddings:
    """Instant embeddings in place of the real model."""
    fake = HashEmbeddings()
    monkeypatch.setattr("tutor.knowledge.index.make_embeddings", lambda settings: fake)
    return fake


@pytest.mark.usefixtures("fake_model")
def test_the_command_prints_the_metrics() -> None:
    result = runner.invoke(app, ["eval", "--limit", "3"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "tutor eval · offline mode" in out and "3 questions, 3 quiz answers" in out
    for label in ("retrieval hit@5", "retrieval MRR@10", "citation correctness", "right vs not"):
        assert label in out


@pytest.mark.usefixtures("fake_model")
def test_the_command_prints_json_for_scripts() -> None:
    result = runner.invoke(app, ["eval", "--limit", "2", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report["metrics"]) == {*QUESTION_METRICS, *QUIZ_METRICS}
    assert report["questions"] == 2 and len(report["question_rows"]) == 2
    assert report["experiments"] == []


def test_upload_without_a_key_says_what_to_set() -> None:
    result = runner.invoke(app, ["eval", "--upload"])
    assert result.exit_code == 2
    assert "set LANGSMITH_API_KEY" in result.stderr
    assert "Traceback" not in result.output


def test_upload_to_a_dead_endpoint_fails_with_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("LANGSMITH_API_KEY", "some-key")
    monkeypatch.setenv("LANGSMITH_ENDPOINT", endpoint)
    result = runner.invoke(app, ["eval", "--upload", "--limit", "1"])
    assert result.exit_code == 1  # a failure: nothing in the command is wrong
    assert f"cannot reach LangSmith at {endpoint}" in result.stderr
    assert "Traceback" not in result.output


# ---- dataset sync -----------------------------------------------------------------------


class FakeClient:
    """Just enough of langsmith.Client for `sync_dataset`."""

    def __init__(self) -> None:
        self.examples: dict[str, SimpleNamespace] = {}
        self.dataset = SimpleNamespace(id=uuid.uuid4(), name="")
        self.made = False

    def has_dataset(self, *, dataset_name: str) -> bool:
        return self.made

    def read_dataset(self, *, dataset_name: str) -> SimpleNamespace:
        return self.dataset

    def create_dataset(self, name: str, **_: Any) -> SimpleNamespace:
        self.made, self.dataset.name = True, name
        return self.dataset

    def list_examples(self, *, dataset_id: Any) -> list[SimpleNamespace]:
        return list(self.examples.values())

    def create_examples(self, *, dataset_id: Any, examples: list[dict[str, Any]]) -> None:
        for row in examples:
            fields = {k: v for k, v in row.items() if k != "reference_outputs"}
            self.examples[row["id"]] = SimpleNamespace(outputs=row["reference_outputs"], **fields)

    def update_example(self, example_id: str, **fields: Any) -> None:
        self.examples[example_id] = SimpleNamespace(id=example_id, **fields)

    def delete_examples(self, ids: list[str]) -> None:
        for example in ids:
            del self.examples[example]


def test_sync_creates_once_updates_changes_and_prunes_only_a_full_set() -> None:
    client = FakeClient()
    items = [("a", {"q": "A?"}, {"x": 1}), ("b", {"q": "B?"}, {"x": 2})]
    counts, examples = sync_dataset(client, "d", items, prune=False)  # type: ignore[arg-type]
    assert counts == {"created": 2, "updated": 0, "removed": 0, "unchanged": 0}
    assert {e.id for e in examples} == {example_id("d", "a"), example_id("d", "b")}
    again, _ = sync_dataset(client, "d", items, prune=False)  # type: ignore[arg-type]
    assert again == {"created": 0, "updated": 0, "removed": 0, "unchanged": 2}
    changed = [("a", {"q": "A?"}, {"x": 9})]
    counts, examples = sync_dataset(client, "d", changed, prune=False)  # type: ignore[arg-type]
    assert counts == {"created": 0, "updated": 1, "removed": 0, "unchanged": 0}
    assert [e.outputs for e in examples] == [{"x": 9}] and len(client.examples) == 2
    counts, _ = sync_dataset(client, "d", changed, prune=True)  # type: ignore[arg-type]
    assert counts["removed"] == 1 and list(client.examples) == [example_id("d", "a")]


def test_the_understanding_sets_load_and_no_text_is_in_both_halves() -> None:
    routing = load_labelled(ROUTING, "text", "route")
    coverage = [item for path in COVERAGE for item in load_labelled(path, "question", "covered")]
    for items in (routing, coverage):
        halves = {split: {i.text.lower().strip() for i in items if i.split == split}
                  for split in ("tune", "heldout")}  # fmt: skip
        assert halves["tune"] and halves["heldout"]
        assert not halves["tune"] & halves["heldout"]
        assert len({i.id for i in items}) == len(items)
    assert {i.expected for i in routing} == {"explain", "retrieve", "quiz", "code_run", "help"}
    assert {i.expected for i in coverage} == {"true", "false"}


def test_understanding_scores_count_each_half_and_route_apart() -> None:
    rows = [
        {"split": "heldout", "expected": "quiz", "got": "quiz"},
        {"split": "heldout", "expected": "quiz", "got": "explain"},
        {"split": "heldout", "expected": "help", "got": "help"},
        {"split": "tune", "expected": "quiz", "got": "quiz"},
    ]
    scores = routing_scores(rows)
    assert scores["heldout"]["accuracy"] == pytest.approx(2 / 3)
    assert scores["heldout"]["routes"]["quiz"] == {"accuracy": 0.5, "n": 2}
    assert scores["tune"]["accuracy"] == 1.0
    cover = coverage_scores([
        {"split": "heldout", "expected": "true", "got": "true"},
        {"split": "heldout", "expected": "true", "got": "false"},
        {"split": "heldout", "expected": "false", "got": "false"},
    ])  # fmt: skip
    assert cover["heldout"]["recall"] == 0.5 and cover["heldout"]["specificity"] == 1.0
    assert "tune" not in cover
    table = understanding_table({"routing": scores, "coverage": cover})
    assert table[0] == ("routing accuracy (heldout)", "0.667", "3")


def test_a_broken_labelled_set_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "set.jsonl"
    bad.write_text('{"id": "1", "text": "hi"}\n', "utf-8")
    with pytest.raises(TutorError, match="unreadable"):
        load_labelled(bad, "text", "route")
    bad.write_text('{"id": "1", "text": "hi", "route": "help", "split": "train"}\n', "utf-8")
    with pytest.raises(TutorError, match="unknown splits"):
        load_labelled(bad, "text", "route")


def test_labelled_questions_keep_to_their_half_of_the_passages() -> None:
    """evals/quiz_questions.jsonl: every labelled question's half is its passage's half, so
    tuning on `tune` rows never reads a held-out passage's question."""
    from tutor.config import PACKAGE_ROOT
    from tutor.evals.dataset import question_half

    path = PACKAGE_ROOT.parent / "evals" / "quiz_questions.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 80 and len({r["id"] for r in rows}) == len(rows)
    assert {r["label"] for r in rows} == {"acceptable", "unacceptable"}
    assert all(r["why"] for r in rows if r["label"] == "unacceptable")
    assert all(question_half(r["file"], r["heading"]) == r["half"] for r in rows)
