"""Compare questions: "A vs B: which one …?" from a passage that sets two named things apart.

Three shapes of the notes contrast: a list of named items side by side ('**L1** → Sparse',
'**L2** → Dense'; 'Batch GD: …', 'Stochastic GD: …'), a sentence with two halves each led by
its own name ('RLHF uses humans as the judge; RLAIF replaces that judge with another AI'),
and 'Unlike A, B …'. The question describes one side in the notes' words; the answer is its
name, and the reference says what the notes say of both.
"""

from __future__ import annotations

import re

from tutor.knowledge.markdown import plain
from tutor.knowledge.passage import Source
from tutor.knowledge.words import STOPWORDS, keywords
from tutor.learning.question import Question, key_terms
from tutor.learning.recall_blocks import BULLET, GENERIC, WORD, leaf, trim
from tutor.learning.structure import SENTENCE_END, statements, variants

ITEM = re.compile(
    r"^(?:\*\*([^*]{1,40}?):?\*\*:?\s*(?:[:=]|→|->|-|–|—)?|([A-Z][\w .()/-]{0,35}?)\s*(?::|→|->))"
    r"\s*(\S.*)$"
)
UNLIKE = re.compile(r"^Unlike ([^,]{2,40}), (.+)$")
CONTRASTING = re.compile(r"\b(compar\w*|vs\.?|versus|differen\w*|types?|kinds?)\b", re.I)
PARTS = re.compile(
    r"\b(components?|parts?|consists?|made (?:up )?of|composed|contains?|includes?|steps?"
    r"|stages?|phases?|pipeline|process|workflow|architecture|elements?|blocks?|modules?)\b",
    re.I,
)
HALVES = re.compile(r";\s+|,\s+(?:while|whereas)\s+")
NAME_LED = re.compile(r"^((?:[A-Z][\w-]*)(?: [A-Z][\w-]*){0,2})\s+([a-z]\w*\b.*)$")
PRONOUN = re.compile(r"^(?:it|they|this)\s+", re.I)
NOUN_AFTER = frozenset("that which who of for with in on from to".split())
VERB_AFTER = frozenset("the a an some its their each all only more less how what whether".split())
MAX_PER_PASSAGE = 3
VERB_LED = "\x00"  # marks a description that opens with its verb (a sentence's second half)


def compare_questions(heading: str, text: str, source: Source) -> list[Question]:
    """The passage's contrasts as 'A vs B: which one …?' questions (a few a passage)."""
    topic = leaf(heading)
    pairs = _side_by_side(text) + _sentence_pairs(text, topic)
    out: list[Question] = []
    for (a, said_a), (b, said_b), answer in pairs:
        q = _question(a, said_a, b, said_b, answer, source)
        if q is not None and all(q.prompt != o.prompt for o in out):
            out.append(q)
    return out[:MAX_PER_PASSAGE]


Side = tuple[str, str]


def _side_by_side(text: str) -> list[tuple[Side, Side, int]]:
    """Consecutive named bullets of one list ('**L1** → …', '**L2** → …'), pairwise, when the
    list sets them against each other (see `_contrasting`)."""
    out: list[tuple[Side, Side, int]] = []
    run: list[Side] = []
    lead, numbered = "", False
    for raw in [*text.split("\n"), ""]:
        bullet = BULLET.match(raw)
        m = ITEM.match(raw[bullet.end() :].strip()) if bullet and not bullet.group(1) else None
        name = plain(m.group(1) or m.group(2) or "", squeeze=True).strip() if m else ""
        if m and _is_name(name):
            run.append((name, plain(m.group(3), squeeze=True)))
            numbered = numbered or bool(re.match(r"\s*\d+[.)]", raw))
            continue
        if 2 <= len(run) <= 5 and _contrasting(lead, run, numbered):
            for i, (first, second) in enumerate(zip(run, run[1:], strict=False)):
                out.append((first, second, i % 2))
        run, numbered = [], False
        lead = raw if raw.strip() and not bullet else lead
    return out


def _contrasting(lead: str, run: list[Side], numbered: bool = False) -> bool:
    """A list that contrasts its items, not one that goes through parts or steps: its lead-in
    says so ('Quick comparison:', 'Types of GD'), its names share a word ('Batch GD',
    'Stochastic GD') or are short codes ('L1', 'L2'), or each item is a pithy gloss.

    A numbered list goes in order, and a lead-in that speaks of parts or steps ('The main
    components:', 'It consists of:') lists what a whole is made of: neither contrasts its
    items unless its lead-in says so.
    """
    if CONTRASTING.search(lead):
        return True
    if numbered or PARTS.search(lead):
        return False
    words = [set(keywords(name)) - GENERIC for name, _ in run]
    if all(w & words[0] for w in words[1:]):
        return True
    if all(re.fullmatch(r"[A-Z0-9-]{1,6}", name) for name, _ in run):
        return True
    return all(len(WORD.findall(said)) <= 4 for _, said in run)


def _sentence_pairs(text: str, topic: str) -> list[tuple[Side, Side, int]]:
    """'A does this; B does that' and 'Unlike A, B does …' sentences."""
    out: list[tuple[Side, Side, int]] = []
    for _, line in statements(text):
        for sentence in SENTENCE_END.split(plain(line, squeeze=True)):
            unlike = UNLIKE.match(sentence)
            if unlike:
                subject, said = _led(unlike.group(2), topic)
                if subject:
                    out.append(((unlike.group(1), ""), (subject, VERB_LED + said), 1))
                continue
            halves = HALVES.split(sentence, maxsplit=1)
            if len(halves) == 2:
                first, second = (NAME_LED.match(h.strip()) for h in halves)
                if first and second and first.group(1) != second.group(1):
                    a = (first.group(1), VERB_LED + first.group(2))
                    b = (second.group(1), VERB_LED + second.group(2))
                    out += [(a, b, 0), (a, b, 1)]
    return out


def _led(clause: str, topic: str) -> tuple[str, str]:
    """The name leading a clause and what it says of it; 'it' is the passage's topic."""
    if PRONOUN.match(clause) and topic:
        return topic, PRONOUN.sub("", clause)
    m = NAME_LED.match(clause)
    return (m.group(1), m.group(2)) if m else ("", "")


def _question(
    a: str, said_a: str, b: str, said_b: str, answer: int, source: Source
) -> Question | None:
    """'A vs B: which one <what the notes say of the answer>?'; None if that tells nothing apart."""
    name, said = (a, said_a) if answer == 0 else (b, said_b)
    other, said_other = (b, said_b) if answer == 0 else (a, said_a)
    verb_led = said.startswith(VERB_LED)
    said, said_other = said.removeprefix(VERB_LED), said_other.removeprefix(VERB_LED)
    clause = which_clause(said, verb_led)
    if clause is None or _names_a_side(clause, a, b):
        return None
    # The description must say something the other side's does not.
    own = {k for k in keywords(clause) if k not in STOPWORDS | GENERIC and len(k) > 2}
    if len(own - set(keywords(said_other))) < 2:
        return None
    prompt = f"{a} vs {b}: {clause}?"
    reference = f"{name}: {trim(said, 220)}"
    if said_other:
        reference += f" ({other}: {trim(said_other, 160)})"
    terms = [" ".join(keywords(name)), *key_terms(said, set(keywords(prompt)))[:4]]
    rubric = [f"Names {name}, the one that {trim(said, 120)}"]
    return Question("compare", prompt, reference, [t for t in terms if t], source, rubric=rubric)


def which_clause(said: str, verb_led: bool = False) -> str | None:
    """'which one …' from a description ('Computes the loss …': 'which one computes the loss …').

    `verb_led`: the description is known to open with its verb ('uses humans as the judge').
    """
    first = SENTENCE_END.split(said.strip())[0].strip().rstrip(".;,")
    first = re.sub(r"\s*(?:→|->)\s*", ", ", first)
    words = first.split()
    if len(words) > 16:
        cut = re.split(r",\s+|;\s+|\s+but\s+", first)[0]
        words = cut.split() if len(cut.split()) >= 3 else []
    if len(WORD.findall(" ".join(words))) < 2:
        return None
    head, rest = words[0], words[1:]
    low = head.lower()
    if low in ("it", "they", "this") and rest:
        return "which one " + " ".join(rest)
    if low in ("a", "an", "the"):
        return "which one is " + " ".join([low, *rest])
    if low in ("when", "if") and rest:
        return "which one to use " + " ".join([low, *rest])
    if verb_led or _verb_like(head, rest[0] if rest else ""):
        return "which one " + " ".join([_lower(head), *rest])
    return f"which one do the notes describe as “{' '.join(words)}”"


def _verb_like(word: str, after: str) -> bool:
    """'Computes the …', 'Uses labeled …': a verb, not a plural noun ('Parameters that …')."""
    low = word.lower()
    if not low.isalpha() or not low.endswith("s") or low.endswith(("ss", "us", "is")):
        return False
    after = after.lower()
    return after in VERB_AFTER or (after.endswith(("ed", "ing")) and after not in NOUN_AFTER)


def _names_a_side(clause: str, a: str, b: str) -> bool:
    """Whether the description names either side, even by one word of it that the other side
    lacks: 'which one computes the loss using a batch of data' gives 'Mini Batch GD' away."""
    said = set(keywords(clause))
    if any(set(keywords(name)) - GENERIC <= said for name in (a, b) if keywords(name)):
        return True
    ka, kb = (set(keywords(" ".join(variants(n)).replace("-", " "))) - GENERIC for n in (a, b))
    own = {w for w in ka ^ kb if w not in STOPWORDS and len(w) > 1}
    return any(_same_word(w, s) for w in own for s in said)


def _same_word(a: str, b: str) -> bool:
    """One word in two forms ('batch', 'batches'; 'stochastic', 'stochastically')."""
    if a == b:
        return True
    return min(len(a), len(b)) >= 5 and a[:5] == b[:5] and abs(len(a) - len(b)) <= 4


def _is_name(text: str) -> bool:
    """A short name ('L1', 'Batch GD', 'RLHF'), not a label ('Example', 'Note')."""
    words = text.split()
    if not 1 <= len(words) <= 5 or text.lower() in ("example", "note", "eg", "result"):
        return False
    return bool(re.match(r"[A-Z0-9]", text)) and words[0].lower() not in STOPWORDS


def _lower(word: str) -> str:
    return word if word.isupper() else word[:1].lower() + word[1:]
