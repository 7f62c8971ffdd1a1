"""Quiz questions built from the notes' own structure, for offline mode (no model needed).

Shapes a passage gives: a question or title line with the bullets that answer it (recall),
a term stated with its definition (definition, and multiple choice against other terms'
definitions), a key sentence with its salient term blanked out (cloze), a step of an ordered
sequence (steps), two named things set apart (compare), a sentence giving a reason (why) and
a code cell with its stored output (output). `recall_blocks` and `structure` read the
passage; `blanks` blanks out terms for clozes and choice options; `steps`, `contrasts`,
`reasons` and `code_output` build the last four kinds. Every generator applies the rubric of
evals/RUBRIC.md ("Offline questions") as it builds, rather than filtering afterwards.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from functools import partial

from tutor.knowledge.passage import Passage, Source
from tutor.knowledge.words import keywords
from tutor.learning.blanks import blank_key_term, masked, related, same_kind, topic_terms
from tutor.learning.code_output import output_questions
from tutor.learning.contrasts import compare_questions
from tutor.learning.question import LABELS, Question, QuestionKind
from tutor.learning.question import key_terms as _key_terms
from tutor.learning.reasons import why_questions
from tutor.learning.recall_blocks import (
    WEAK,
    WORD,
    Recall,
    as_question,
    heading_recall,
    is_title,
    join,
    leaf,
    plural,
    read_lines,
    trim,
)
from tutor.learning.steps import steps_questions
from tutor.learning.structure import (
    SENTENCE_END,
    WHAT_IS,
    Definition,
    has_prose,
    norm,
    read_structure,
    statements,
)

__all__ = ["LABELS", "WEAK", "Question", "QuestionKind", "pick_question", "questions_from_passage"]


def questions_from_passage(passage: Passage, others: Sequence[Passage] = ()) -> list[Question]:
    """All questions this passage supports; `others` supply distractors for multiple choice."""
    source = passage.ref()
    recalls, definitions = read_structure(passage.heading, passage.text)
    out = [
        q
        for r in recalls
        if (q := _recall_question(*_whole_list(r, passage, others, _recall_blocks)))
    ]
    asked = {norm(m.group(1)) for r in recalls if (m := WHAT_IS.match(r.prompt))}
    for d in definitions:
        if d.stated and norm(d.term) not in asked and (q := _definition_question(d, source)):
            out.append(q)
    pool = list(definitions)
    for other in others:
        if other is not passage:
            pool += read_structure(other.heading, other.text)[1]
    out += [q for d in definitions if (q := _choice_question(d, pool, source))]
    out += _clozes(passage.heading, passage.text, recalls, source)
    out += steps_questions(passage.heading, passage.text, source)
    out += compare_questions(passage.heading, passage.text, source)
    out += why_questions(passage.heading, passage.text, source)
    out += output_questions(passage.text, source)
    if not out and has_prose(passage.text):
        by_heading = partial(heading_recall, siblings=_siblings(passage, others))
        out += [
            q
            for r in by_heading(passage.heading, passage.text)
            if (q := _recall_question(*_whole_list(r, passage, others, by_heading)))
        ]
    return out


def _recall_blocks(heading: str, text: str) -> Sequence[Recall]:
    """The passage's question or title lines with their points."""
    return read_structure(heading, text)[0]


def _whole_list(
    recall: Recall,
    passage: Passage,
    others: Sequence[Passage],
    read: Callable[[str, str], Sequence[Recall]],
) -> tuple[Recall, Source]:
    """A recall asking for a whole ("What are the types of transfer learning?") with the rest
    of its list, when the list runs to the passage's end and on into the next passages of the
    same section (a long list is cut into passages that overlap by a line); its source then
    spans them all. `read` is how the recall was read from its passage, to read the longer
    text the same way."""
    whole = passage
    if WHOLE.search(recall.prompt):
        for after in _following(passage, others):
            if not (_a_point_at(whole.text, -1) and _a_point_at(after.text, 0)):
                break
            more = _without_overlap(whole.text, after.text)
            whole = replace(whole, text=f"{whole.text}\n{more}", end_line=after.end_line)
    if whole is passage:
        return recall, passage.ref()
    found = next((r for r in read(whole.heading, whole.text) if r.prompt == recall.prompt), None)
    if found is None or len(found.points) <= len(recall.points):
        return recall, passage.ref()
    return found, whole.ref()


def _siblings(passage: Passage, others: Sequence[Passage]) -> list[str]:
    """The names of the other sections beside this passage's (under the same parent heading),
    in the note's order."""
    parent = passage.heading.rpartition(" › ")[0]
    if not parent:
        return []
    names = [
        leaf(p.heading)
        for p in sorted(others, key=lambda p: p.start_line)
        if p.file == passage.file and p.heading.rpartition(" › ")[0] == parent
        and p.heading != passage.heading
    ]  # fmt: skip
    return list(dict.fromkeys(n for n in names if n))


def _following(passage: Passage, others: Sequence[Passage]) -> list[Passage]:
    """The passages right after this one in its note and section, in order."""
    same = sorted(
        (p for p in others if p.file == passage.file and p.heading == passage.heading),
        key=lambda p: p.start_line,
    )
    out, end = [], passage.end_line
    for p in same:
        if end - 1 <= p.start_line <= end + 1 and p.end_line > end:
            out.append(p)
            end = p.end_line
    return out


def _a_point_at(text: str, end: int) -> bool:
    """Whether the passage's first (`end` 0) or last (`end` -1) readable line is a list point."""
    lines = [line for line in read_lines(text) if line is not None]
    return bool(lines) and lines[end].bullet


def _without_overlap(before: str, after: str) -> str:
    """The next passage's text without the lines it repeats from the end of this one."""
    tail = {line.strip() for line in before.strip().split("\n")[-3:]}
    lines = after.strip().split("\n")
    while lines and lines[0].strip() in tail:
        lines.pop(0)
    return "\n".join(lines)


def pick_question(
    passages: Sequence[Passage],
    rng: random.Random,
    avoid: Collection[str] = (),
    focus: int | None = None,
) -> Question | None:
    """A varied pick: a random kind, then a question of it, leaning to the first passages.

    Only the first `focus` passages are asked about (all of them by default); the rest
    still supply wrong options for multiple choice.
    """
    pool: dict[str, tuple[int, Question]] = {}
    for rank, passage in enumerate(passages[:focus]):
        others = [p for p in passages if p is not passage]
        for q in questions_from_passage(passage, others):
            if q.prompt not in avoid and q.prompt not in pool:
                pool[q.prompt] = (rank, q)
    if not pool:
        return None
    kind = rng.choice(sorted({q.kind for _, q in pool.values()}))
    ranked = [(rank, q) for rank, q in pool.values() if q.kind == kind]
    weights = [1.0 / (1 + rank) for rank, _ in ranked]
    return rng.choices(ranked, weights=weights)[0][1]


REFERENCE = 900
"""The most characters of a recall answer's reference: a passage's points whole (a reference
cut at 450 left out the vanishing gradient's third cause and LSTM's gates)."""
WHOLE = re.compile(
    r"\b(?:types?|kinds?|parts|components|methods|metods|steps|stages|ways|approaches"
    r"|techniques|advantages|disadvantages|limitations|applications|benefits|drawbacks"
    r"|uses|work|working|works)\b",
    re.I,
)
"""A prompt asking for a whole, which a reference of its first points does not answer."""
USE_ONLY = re.compile(r"^\W*(?:(?:is|are)\s+)?used\s+(?:in|for|to|by|when|as)\b", re.I)
"""A "definition" that only says where a term is used ("used in transformers due to …"): it
does not say what the term is, so it answers no "What is …?" and is no option for one."""
LABELLED = re.compile(r"^([A-Z][^:.;!?]{1,48}?)\s*:\s*\S")
"""A point opening with the name of what it describes: "Zero-Shot Learning: This involves…"."""


def _recall_question(recall: Recall, source: Source) -> Question | None:
    """The question or title line; its bullets are the reference answer. A question asking for
    a whole is answered whole: by its points when they fit, else by the names of the points
    (then as much of them as fits), else not asked."""
    reference, rubric = _recall_reference(recall)
    if not reference:
        return None
    terms = _key_terms(reference, set(keywords(recall.prompt)))
    if len(terms) < 3:
        return None
    return Question("recall", recall.prompt, reference, terms, source, rubric=rubric)


def _recall_reference(recall: Recall) -> tuple[str, list[str]]:
    """The reference answer of a recall question and its rubric ("" when none is fair)."""
    points = recall.points
    rubric = [trim(p, 160) for p in points[:4]]
    if not WHOLE.search(recall.prompt):
        return join(points, REFERENCE), rubric
    whole = join(points, 10 * REFERENCE)
    if len(whole) <= REFERENCE:
        return whole, [trim(p, 160) for p in points]
    labels = [m.group(1).strip() for p in points if (m := LABELLED.match(p))]
    if len(labels) < 2 or len(labels) * 2 < len(points):
        return "", []
    names = "; ".join(labels) + "."
    rest = REFERENCE - len(names) - 1
    return f"{names} {join(points, rest)}".strip() if rest >= 80 else names, labels


def _definition_question(d: Definition, source: Source) -> Question | None:
    """ "What is <term>?" with the notes' definition as the reference."""
    if USE_ONLY.match(d.text) or USE_ONLY.match(masked(d)):
        return None
    prompt = f"What {'are' if plural(d.term) else 'is'} {d.term}?"
    terms = _key_terms(d.text, set(keywords(d.term)))
    if len(terms) < 3:
        return None
    return Question("definition", prompt, d.text, terms, source, rubric=[trim(d.text, 160)])


def _choice_question(d: Definition, pool: Sequence[Definition], source: Source) -> Question | None:
    """The definition among three others' definitions; None without three distinct ones."""
    answer = masked(d)
    if USE_ONLY.match(answer):
        return None
    if len(WORD.findall(answer)) < 4:
        return None  # every sentence of it names the term, which an option would give away
    seen = {norm(answer)}
    distractors: list[str] = []
    for other in pool:
        text = masked(other)
        if norm(text) in seen or related(d, other) or len(WORD.findall(text)) < 4:
            continue
        if USE_ONLY.match(text):  # where a term is used, not what it is
            continue
        if not same_kind(answer, text) or any(norm(text) in s or s in norm(text) for s in seen):
            continue  # four definitions, not three and a formula; no option inside another
        seen.add(norm(text))
        distractors.append(text)
        if len(distractors) == 8:
            break
    if len(distractors) < 3:
        return None
    # Seeded by the definition, so the same question always shows the same order.
    seed = int(hashlib.sha256(f"{d.term}\n{d.text}".encode()).hexdigest()[:12], 16)
    rng = random.Random(seed)
    options = [answer, *rng.sample(distractors, 3)]
    rng.shuffle(options)
    return Question(
        "choice",
        f"Which of these describes {d.term}?",
        d.text,
        _key_terms(d.text, set(keywords(d.term))),
        source,
        options=options,
        answer_index=options.index(answer),
        rubric=[f"Picks: {answer}"],
    )


def _clozes(heading: str, text: str, recalls: Sequence[Recall], source: Source) -> list[Question]:
    """Key sentences with one salient term blanked (at most three a passage, best terms first)."""
    topics = topic_terms([leaf(heading), *(r.prompt for r in recalls)])
    titles = _titles_above(text)
    found: list[tuple[int, int, Question]] = []
    for n, line in statements(text):
        shown = " › ".join([heading, *titles.get(n, [])])  # what the line sits under
        for sentence in SENTENCE_END.split(line):
            picked = _cloze(sentence, topics, source, shown)
            if picked:
                found.append((picked[0], n, picked[1]))
    return [q for _, _, q in sorted(found, key=lambda f: f[:2])[:3]]


def _titles_above(text: str) -> dict[int, list[str]]:
    """For each line, the sub-title or question line it sits under in its passage ("What is
    hallucination?" over "_____ is when a model…"): a blank that line names tests nothing."""
    lines = read_lines(text)
    above: dict[int, list[str]] = {}
    title: list[str] = []
    for n, line in enumerate(lines):
        if line is not None and (as_question(line.text) or is_title(lines, n)):
            title = [line.text]
        above[n] = title
    return above


def _cloze(
    sentence: str, topics: Sequence[tuple[int, str]], source: Source, heading: str
) -> tuple[int, Question] | None:
    """The sentence with its best candidate term blanked, if it is a key sentence."""
    picked = blank_key_term(sentence, topics, heading)
    if picked is None:
        return None
    tier, term, blanked = picked
    key = " ".join(keywords(term.replace("-", " ")))
    prompt = f"Fill in the blank: {blanked}"
    return tier, Question("cloze", prompt, term, [key], source, rubric=[f"Gives the term: {term}"])
