#!/usr/bin/env python
"""Offline quiz numbers: questions per shipped note, auto-grade agreement, card store latency.

Run from the repository root:

    .venv/bin/python bench/quiz.py
    .venv/bin/python bench/quiz.py --sweep --show   # calibration grid and every disagreement

1. Ingests knowledge/ into a temporary TUTOR_HOME with the real embedding model and counts
   the offline questions each file's passages yield (from the ingest-time bank when there is
   one, else with `questions_from_passage`, the file's other passages lending options), and
   the share of passages with prose (`has_prose`: a sentence of text, not only code, tables,
   images or headings) that have at least one, per note.
2. Grades the hand-labelled answers (evals/quiz_answers.json, the tuning half, and
   evals/quiz_answers_heldout.json, the held-out half) with the rules alone (`grade_answer`)
   and with rules plus embeddings (`auto_estimate`): exact 3-way and right-vs-not agreement
   on each half, and on the tuning half by kind, with a confusion table. Of the held-out
   half only the two totals are printed (`--show` and `--sweep` read the tuning half only).
   Also how long one estimate takes (its embeddings, uncached).
3. Times the learner store (SQLite) holding --cards cards: put, get, the full listing (as
   `LearnerMemory.cards` pages it, and as one query), review + put.
4. Quiz on the topic asked (evals/quiz_topics.jsonl): `/quiz TOPIC` for a fresh learner, per
   half: the first question (and the first three) from a passage about the topic, and absent
   topics answered "not in your notes" with nearest topics offered. `--show` lists the tuning
   half's failures; of the held-out half only totals are printed.
It prints numbers only; nothing asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from tutor.config import load_settings
from tutor.context import open_index
from tutor.evals.dataset import QUIZ_ANSWER_SETS, load_quiz_answers
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.passage import Passage
from tutor.learning import estimate, grading
from tutor.learning.questions import Question, questions_from_passage
from tutor.learning.structure import has_prose

ROOT = Path(__file__).resolve().parent.parent
QUESTION_LABELS = ROOT / "evals" / "quiz_questions.jsonl"
KINDS = ("recall", "definition", "choice", "cloze", "steps", "compare", "why", "output")
LABEL_VERDICT = {"right": "correct", "partial": "partial", "wrong": "incorrect"}
VERDICTS = ("correct", "partial", "incorrect")
Embed = Callable[[list[str]], list[list[float]]]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---- 1. questions per note --------------------------------------------------------------


def passages_by_file(index: NotesIndex) -> dict[str, list[Passage]]:
    """Every indexed passage, grouped by file, in reading order."""
    ids, texts, metas = index.everything()
    files: dict[str, list[Passage]] = defaultdict(list)
    for cid, text, m in zip(ids, texts, metas, strict=True):
        passage = Passage.from_row(cid, text, m)
        files[passage.file].append(passage)
    return {f: sorted(ps, key=lambda p: p.start_line) for f, ps in sorted(files.items())}


def questions_per_chunk(
    index: NotesIndex, files: dict[str, list[Passage]]
) -> tuple[str, dict[str, list[Question]]]:
    """Questions by chunk id: the ingest-time bank (each prompt once a file) when there is one,
    else `questions_from_passage` on each passage, the file's others lending options."""
    if importlib.util.find_spec("tutor.learning.bank") is not None:
        ids = [p.chunk_id for ps in files.values() for p in ps]
        banked = index.records.questions_for(ids, by="rules")
        return "the ingested bank", {
            cid: [Question.from_dict(q) for q in banked.get(cid, [])] for cid in ids
        }
    return "questions_from_passage", generated(files)


def generated(files: dict[str, list[Passage]]) -> dict[str, list[Question]]:
    """Questions by chunk id as `questions_from_passage` makes them, with no bank."""
    return {
        p.chunk_id: questions_from_passage(p, [o for o in ps if o is not p])
        for ps in files.values()
        for p in ps
    }


def print_question_counts(index: NotesIndex) -> list[Question]:
    """Questions per note, and the share of its passages with prose that have one."""
    files = passages_by_file(index)
    start = time.perf_counter()
    source, per_chunk = questions_per_chunk(index, files)
    took = time.perf_counter() - start
    print(f"\n1. Offline questions per shipped note (counted from {source}, {took:.1f} s)")
    print(
        "   prose: passages with a sentence of text (not only code, tables, images, headings);"
        " targets: >= 90% of them asked overall, >= 60% in every note\n"
    )
    head = (
        f"{'file':<34} {'chunks':>6} {'prose':>6} {'with q':>6} {'share':>6} {'questions':>9} "
        f"{'per chunk':>9}"
    )
    print(head + "".join(f" {k:>10}" for k in KINDS))
    print("-" * (len(head) + 11 * len(KINDS)))
    rows = [(f, ps) for f, ps in files.items()]
    rows.append(("all", [p for _, ps in rows for p in ps]))
    for file, passages in rows:
        chunks = [per_chunk[p.chunk_id] for p in passages]
        prose = [per_chunk[p.chunk_id] for p in passages if has_prose(p.text)]
        asked = sum(1 for qs in prose if qs)
        kinds = Counter[str](q.kind for qs in chunks for q in qs)
        total = sum(kinds.values())
        print(
            f"{file:<34} {len(chunks):>6} {len(prose):>6} {asked:>6} "
            f"{asked / max(len(prose), 1):>6.0%} {total:>9} {total / len(chunks):>9.2f}"
            + "".join(f" {kinds[k]:>10}" for k in KINDS)
        )
    if source == "the ingested bank":
        direct = generated(files).values()
        print(
            f"(without the bank's one-prompt-a-file rule, questions_from_passage gives "
            f"{sum(len(qs) for qs in direct)} questions, {sum(1 for qs in direct if qs)} chunks "
            "with one)"
        )
    return [q for qs in per_chunk.values() for q in qs]


# ---- 2. auto-grade agreement ------------------------------------------------------------


@dataclass
class Labelled:
    """One hand-labelled answer to a stored question."""

    id: str
    split: str
    question: Question
    text: str
    label: str

    @property
    def free(self) -> bool:
        return self.question.kind in estimate.FREE_TEXT

    @property
    def tuning(self) -> bool:
        """In the tuning half (its `tune` and `check` items), not the held-out half."""
        return self.split != "heldout"


def load_answers(paths: list[Path]) -> list[Labelled]:
    """Every labelled answer of the sets, with its question rebuilt from the stored fields."""
    return [
        Labelled(a.id.split("#")[0], a.split, a.question, a.answer, a.label)
        for a in load_quiz_answers(paths)
    ]


def cached(embed: Embed) -> Embed:
    """The embedder with each text embedded once (the sweep re-grades the same answers)."""
    memo: dict[str, list[float]] = {}

    def embed_once(texts: list[str]) -> list[list[float]]:
        todo = [t for t in dict.fromkeys(texts) if t not in memo]
        if todo:
            memo.update(zip(todo, embed(todo), strict=True))
        return [memo[t] for t in texts]

    return embed_once


@contextlib.contextmanager
def calibration(start: float, full: float, weight: float) -> Iterator[None]:
    """Grade with other similarity thresholds for a while."""
    saved = estimate.SIMILAR_FROM, estimate.SIMILAR_AT, estimate.SIMILARITY_WEIGHT
    estimate.SIMILAR_FROM, estimate.SIMILAR_AT, estimate.SIMILARITY_WEIGHT = start, full, weight
    try:
        yield
    finally:
        estimate.SIMILAR_FROM, estimate.SIMILAR_AT, estimate.SIMILARITY_WEIGHT = saved


def verdicts(answers: list[Labelled], embed: Embed | None) -> list[str]:
    """auto_estimate's verdicts (the rules' alone without `embed`); a skip counts as wrong."""
    graded = [estimate.auto_estimate(a.question, a.text, embed).verdict for a in answers]
    return ["incorrect" if v == "skipped" else v for v in graded]


def agreement(answers: list[Labelled], said: list[str]) -> tuple[int, int]:
    """(exact 3-way matches, right-vs-not matches)."""
    pairs = list(zip(answers, said, strict=True))
    exact = sum(LABEL_VERDICT[a.label] == v for a, v in pairs)
    right = sum((a.label == "right") == (v == "correct") for a, v in pairs)
    return exact, right


def tuning_of_kind(kind: str) -> Callable[[Labelled], bool]:
    return lambda a: a.tuning and a.question.kind == kind


SUBSETS: dict[str, Callable[[Labelled], bool]] = {
    "held-out half": lambda a: not a.tuning,
    "tuning half": lambda a: a.tuning,
    **{f"tuning, {kind}": tuning_of_kind(kind) for kind in KINDS},
}
"""Only totals of the held-out half: it is never looked at closer, so it stays held out."""


def print_agreement(answers: list[Labelled], graders: dict[str, list[str]]) -> None:
    questions = len({a.id for a in answers})
    print(
        f"\n2. Auto-grade agreement with {len(answers)} labelled answers to {questions} questions"
    )
    print(
        f"   auto_estimate: cosine {estimate.SIMILAR_FROM}..{estimate.SIMILAR_AT} adds up to "
        f"{estimate.SIMILARITY_WEIGHT} to the key-term score; correct at {grading.CORRECT_AT}, "
        f"partial at {grading.PARTIAL_AT}\n"
    )
    print(
        f"{'answers':<20} {'n':>3}"
        + "".join(f" {g + ' exact':>16} {'right/not':>9}" for g in graders)
    )
    for name, keep in SUBSETS.items():
        picked = [i for i, a in enumerate(answers) if keep(a)]
        if not picked:
            continue
        line = f"{name:<20} {len(picked):>3}"
        for said in graders.values():
            exact, right = agreement([answers[i] for i in picked], [said[i] for i in picked])
            share, right_share = exact / len(picked), right / len(picked)
            line += f" {exact:>4}/{len(picked):<3} {share:>6.0%} {right_share:>9.0%}"
        print(line)
    for grader, said in graders.items():
        print(f"\nconfusion on the tuning half, {grader} (rows: label; columns: verdict)")
        print(f"{'':<9}" + "".join(f"{v:>10}" for v in VERDICTS))
        pairs = zip(answers, said, strict=True)
        table = Counter((a.label, v) for a, v in pairs if a.tuning)
        for label in LABEL_VERDICT:
            print(f"{label:<9}" + "".join(f"{table[label, v]:>10}" for v in VERDICTS))


def print_estimate_latency(answers: list[Labelled], embed: Embed) -> None:
    free = [a for a in answers if a.tuning and a.question.kind not in ("choice", "cloze")]
    ms = [timed_ms(partial(estimate.auto_estimate, a.question, a.text, embed)) for a in free]
    print(
        f"\nauto_estimate on a free answer, embeddings uncached: "
        f"p50 {statistics.median(ms):.0f} ms, p95 {pct(ms, 0.95):.0f} ms ({len(ms)} answers)"
    )


def print_disagreements(answers: list[Labelled], said: list[str]) -> None:
    print("\nwhere rules+emb disagrees on the tuning half (label -> verdict, question: answer)")
    for a, verdict in zip(answers, said, strict=True):
        if a.tuning and LABEL_VERDICT[a.label] != verdict:
            print(f"  {a.label:>7} -> {verdict:<9} {a.question.kind:<10} {a.id}: {a.text}")


def print_sweep(answers: list[Labelled], embed: Embed) -> None:
    """Exact agreement on the tuning half's free text, its tune|check items, for calibrations
    around the chosen one."""
    free = [a for a in answers if a.free and a.tuning]
    ats = (0.5, 0.55, 0.6, 0.65, 0.7)
    for weight in (0.4, 0.5, 0.6):
        print(f"\nsweep, weight {weight}: exact agreement on free text, tune|check")
        corner = "from \\ at"
        print(f"{corner:<10}" + "".join(f"{a:>8}" for a in ats))
        for start in (0.15, 0.2, 0.25, 0.3, 0.35):
            cells = []
            for full in ats:
                with calibration(start, full, weight):
                    said = dict(zip(map(id, free), verdicts(free, embed), strict=True))
                counts = []
                for split in ("tune", "check"):
                    part = [a for a in free if a.split == split]
                    counts.append(agreement(part, [said[id(a)] for a in part])[0])
                cells.append(f"{counts[0]:>2}|{counts[1]:<2}")
            print(f"{start:<10}" + "".join(f"{cell:>8}" for cell in cells))


# ---- 3. store latency -------------------------------------------------------------------


def timed_ms(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def review_and_put(memory: Any, card: dict[str, Any]) -> None:
    from tutor.learning.cards import now, review_card

    grade = {"score": 0.8, "verdict": "correct", "graded_by": "rules"}
    memory.put_card(review_card(card, "good", uuid.uuid4().hex, grade, now()))


def print_store_latency(home: Path, questions: list[Question], n: int) -> None:
    from tutor.learning.cards import new_card
    from tutor.learning.memory import LearnerMemory, close_store, open_store

    settings = load_settings(home=home)
    store = open_store(settings)
    memory = LearnerMemory(store, "bench")
    # The same questions again on other chunks: as many distinct cards as asked for.
    cards = [new_card(questions[i % len(questions)], f"bench-chunk-{i:05d}") for i in range(n)]
    rng = random.Random(0)
    sample = rng.sample(cards, min(n, 1000))
    times = {
        "put_card, new card": [timed_ms(partial(memory.put_card, card)) for card in cards],
        "card(id)": [timed_ms(partial(memory.card, card["id"])) for card in sample],
        "cards(), all": [timed_ms(memory.cards) for _ in range(5)],
        # One query for every card, to tell the paging apart from reading the rows.
        "store.search, 1 page": [
            timed_ms(partial(store.search, memory.cards_ns, limit=n)) for _ in range(5)
        ],
        "review + put_card": [timed_ms(partial(review_and_put, memory, c)) for c in sample[:500]],
    }
    listed = len(memory.cards())
    close_store(store)
    size = settings.memory_path.stat().st_size / 1e6
    print(f"\n3. Learner store: {listed} cards of one learner, {size:.1f} MB SQLite (WAL)\n")
    print(f"{'operation':<20} {'runs':>6} {'p50 ms':>8} {'p95 ms':>8} {'total ms':>10}")
    for name, ms in times.items():
        print(
            f"{name:<20} {len(ms):>6} {statistics.median(ms):>8.2f} {pct(ms, 0.95):>8.2f} "
            f"{sum(ms):>10.1f}"
        )


# ---- 4. quiz on the topic asked ---------------------------------------------------------


def print_quiz_topics(home: Path, notes: Path, show: bool) -> None:
    from tutor.evals.quiz_topics import quiz_topic_table, quiz_topics_eval
    from tutor.evals.runner import EvalRunner, untraced

    with untraced(), EvalRunner(load_settings(home=home), notes=notes) as runner:
        start = time.perf_counter()
        result = quiz_topics_eval(runner.tutor)
        took = time.perf_counter() - start
    rows = result["rows"]
    print(f"\n4. Quiz on the topic asked: {len(rows)} topics in {took:.1f} s\n")
    print(f"{'metric':<48} {'value':>6} {'n':>4}")
    for name, value, n in quiz_topic_table(result["scores"]):
        print(f"{name:<48} {value:>6} {n:>4}")
    if show:
        print("\nfailures of the tuning half (topic: what the reply began with)")
        for row in rows:
            if row["split"] == "tune" and not row["ok"]:
                print(f"  {row['id']} {row['topic']}: {row['answer'][:100]!r}")


# ---- 5. generated questions against the rubric ----------------------------------------


def print_question_labels(notes: Path) -> None:
    """The share of acceptable questions in evals/quiz_questions.jsonl (labelled against
    evals/RUBRIC.md by helpers who never saw the code): as each reading found it, and over the
    questions the generators make now (totals only; unlabelled ones are counted apart)."""
    from question_sample import banked_rows  # bench/, beside this script

    labelled = [json.loads(line) for line in QUESTION_LABELS.read_text().splitlines() if line]
    print(f"\n5. Generated questions against the rubric ({QUESTION_LABELS.name})\n")
    print(f"{'half':<9} {'reading':<24} {'acceptable':>10} {'n':>4} {'share':>6}")
    by_reading: dict[tuple[str, int], list[bool]] = defaultdict(list)
    for row in labelled:
        by_reading[row["half"], row["reading"]].append(row["label"] == "acceptable")
    for (half, reading), marks in sorted(by_reading.items()):
        print(f"{half:<9} {f'sample {reading}':<24} {sum(marks):>10} {len(marks):>4} "
              f"{sum(marks) / len(marks):>6.2f}")  # fmt: skip
    label = {row["prompt"]: row["label"] == "acceptable" for row in labelled}
    for half in ("tune", "heldout"):
        now = [row["prompt"] for row in banked_rows(notes, half)]
        marks = [label[p] for p in now if p in label]
        share = sum(marks) / len(marks) if marks else 0.0
        print(f"{half:<9} {f'made now ({len(now) - len(marks)} unlabelled)':<24} "
              f"{sum(marks):>10} {len(marks):>4} {share:>6.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=Path, default=ROOT / "knowledge")
    parser.add_argument(
        "--answers", type=Path, nargs="+", default=list(QUIZ_ANSWER_SETS), help="labelled sets"
    )
    parser.add_argument("--cards", type=int, default=10_000, help="cards in the store test")
    parser.add_argument("--sweep", action="store_true", help="agreement for nearby thresholds")
    parser.add_argument("--show", action="store_true", help="list auto_estimate's disagreements")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as tmp:
        settings = load_settings(home=Path(tmp) / "home", notes=args.notes)
        index = open_index(settings)
        start = time.perf_counter()
        report = index.ingest([settings.notes])
        from tutor.knowledge.embeddings import model_id_of

        print(
            f"ingested {report.indexed} notes, {index.count()} passages with "
            f"{model_id_of(index.embeddings)} in {time.perf_counter() - start:.1f} s"
        )
        questions = print_question_counts(index)
        embed = cached(index.embeddings.embed_documents)
        answers = load_answers(args.answers)
        graders = {"rules": verdicts(answers, None), "rules+emb": verdicts(answers, embed)}
        print_agreement(answers, graders)
        print_estimate_latency(answers, index.embeddings.embed_documents)
        if args.show:
            print_disagreements(answers, graders["rules+emb"])
        if args.sweep:
            print_sweep(answers, embed)
        index.close()
        print_store_latency(Path(tmp) / "store", questions, args.cards)
        print_quiz_topics(Path(tmp) / "topics", args.notes, args.show)
    print_question_labels(args.notes)


if __name__ == "__main__":
    main()
