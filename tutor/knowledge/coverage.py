"""Whether the notes cover a topic: meaning, the topic's own words in a passage, and the notes'
vocabulary, weighed with thresholds calibrated on evals/coverage.jsonl (its tuning half).

Near-domain topics the notes never discuss (SVMs, PCA, the CAP theorem) sit as close in
meaning as paraphrased questions the notes do answer, so closeness alone cannot tell them
apart; what tells is whether the topic's words, names and abbreviations are in the notes at
all ("ELU" is "Exponential Linear Unit" there; "BLEU" is misspelled "BLUE"), and whether a
name of the field the topic uses ("gradient checkpointing", `tutor.knowledge.field_terms`)
is written anywhere in them.

The five thresholds below were chosen by a grid search on the tuning half of
evals/coverage.jsonl, the objective min(recall - 0.95, specificity - 0.90), with the choice
procedure checked by 5×5-fold cross-validation inside that half (recall 0.96, specificity
0.92 on the folds left out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tutor.knowledge.field_terms import unnoted, written_in
from tutor.knowledge.passage import Passage
from tutor.knowledge.spelling import plain_english, typo_of, uninflected, written
from tutor.knowledge.words import STOPWORDS, keywords, near_word, one_edit

GENERIC = frozenset(
    "explain tell describe show work mean define teach help use used using way thing things "
    "happen happens called call difference differ different example good better best main "
    "work works make makes get need like formula definition meaning purpose role intuition idea "
    "concept main key common basic plain simple general typical pro pros con cons advantage "
    "advantages disadvantage disadvantages benefit benefits drawback drawbacks downside "
    "downsides upside upsides strength strengths weakness weaknesses ordinary regular usual "
    "vanilla".split()
)
"""Words of a topic that say nothing about which concept it is."""
CLOSE = 0.45
"""A passage this close in meaning covers the topic whatever its words."""
NEAR, SHARED = 0.25, 0.1
"""Closer than NEAR with at least SHARED of the topic's words in one passage covers it..."""
UNKNOWN = 0.34
"""...unless more than this share of the topic's words appear nowhere in the notes."""
SHORT = 3  # tuned: 2 to 4 words
"""Topics of up to this many words are names or terms, not questions."""
FACET_NEAR = 0.2
"""A short topic that is a term of the notes plus one word about it must be this close."""
ABBREVIATION = re.compile(r"\b[A-Z][A-Za-z]?[A-Z]{1,5}s?\b")
CODED = re.compile(r"\b[A-Za-z]+\d+\w*\b")
"""A name with digits: "L1", "GPT4", "word2vec"."""


@dataclass(frozen=True)
class Coverage:
    """What the notes say about a topic."""

    covered: bool
    """The notes explain it (an answer can be built from the passages)."""
    mentioned: bool
    """Some passage names it (its words are there), even if only in passing."""
    missing: tuple[str, ...] = ()
    """Parts of a comparison the notes do not cover ("SVMs" in "LoRA vs SVMs")."""
    sides: dict[str, list[Passage]] = field(default_factory=dict, compare=False)
    """For a comparison, the passages each part was searched and judged on."""
    loose: bool = False
    """Covered only by closeness: a short topic (a name) that no passage names as a term, so
    the answer is the notes' nearest ("instance normalization" answered by "Normalization
    is …")."""
    unnamed: tuple[str, ...] = ()
    """Names of the field the topic uses that the notes never write ("gradient
    checkpointing"): why it is not covered, when it is not."""


def _has(word: str, words: set[str] | frozenset[str]) -> bool:
    """Whether a word is among words: exactly, as a prefix form, or one slip away."""
    return word in words or any(near_word(word, w) or typo_of(word, w) for w in words)


def spelled_out(topic: str, texts: list[str], vocabulary: frozenset[str]) -> str:
    """The topic with its unknown abbreviations followed by what the notes spell them as
    ("ELU" → "ELU (Exponential Linear Unit)"), so search finds the passage."""
    for raw in ABBREVIATION.findall(topic):
        letters = raw.rstrip("s")
        if letters.lower() in vocabulary:
            continue
        for text in texts:
            if spelled := _spelled_in(letters, text):
                topic = topic.replace(raw, f"{raw} ({spelled})", 1)
                break
    return topic


def as_noted(topic: str, vocabulary: frozenset[str]) -> str:
    """The topic with each word the notes never use followed by the notes' spelling of it,
    when they misspell it by one slip ("ROUGE" → "ROUGE (rogue)", "BLEU" → "BLEU (blue)"): a
    search for it then finds the notes' word (judging needs no help, it allows the slip)."""
    for raw in dict.fromkeys(re.findall(r"\b[A-Za-z]{4,}\b", topic)):
        word = raw.lower()
        if word in vocabulary or word in GENERIC or word in STOPWORDS:
            continue
        if any(near_word(word, v) for v in vocabulary):
            continue
        slips = sorted(v for v in vocabulary if typo_of(word, v))
        if slips:
            topic = re.sub(rf"\b{raw}\b", f"{raw} ({slips[0]})", topic, count=1)
    return topic


def _initials(abbreviation: str, text: str) -> bool:
    """Whether the text spells out an abbreviation ("ELU" → "Exponential Linear Unit")."""
    return _spelled_in(abbreviation.rstrip("s"), text) is not None


def _spelled_in(letters: str, text: str) -> str | None:
    """Words in capitals whose initials are the letters, as notes write names out."""
    if len(letters) < 3 or not letters.isupper():
        return None
    pattern = r"[\s-]+".join(rf"{c}[a-z’']*" for c in letters)
    found = re.search(rf"\b{pattern}\b", text)
    return found.group(0) if found else None


def topic_words(topic: str) -> list[str]:
    """The words that name the concept, without generic ones."""
    return [w for w in dict.fromkeys(keywords(topic)) if w not in GENERIC]


def share_in(topic: str, passage: Passage) -> float:
    """The share of the topic's words in one passage (its heading included)."""
    wanted = topic_words(topic)
    if not wanted:
        return 0.0
    text = f"{passage.heading}\n{passage.text}"
    have = set(keywords(text))
    found = 0
    for word, raw in zip(wanted, _raw_forms(topic, wanted), strict=True):
        if ABBREVIATION.fullmatch(raw):  # "REST" is not "the rest", but "ReLU" is "Relu"
            found += written(raw, text) or _initials(raw, text) or mixed(raw) and _has(word, have)
        else:
            found += _has(word, have)
    return found / len(wanted)


def mixed(abbreviation: str) -> bool:
    """Whether an abbreviation is written in mixed case ("ReLU", "LoRA"): no everyday word,
    so the notes' "Relu" or "lora" is it."""
    return not abbreviation.rstrip("s").isupper()


def as_term_in(topic: str, passage: Passage) -> bool:
    """Whether the topic's words stand together in the passage, as a term does ("random
    search" is not "random sampling … search"); abbreviations are checked by `share_in`."""
    wanted = [w for w, raw in zip(topic_words(topic), _raw_forms(topic, topic_words(topic)),
              strict=True) if not ABBREVIATION.fullmatch(raw)]  # fmt: skip
    if len(wanted) < 2:
        return True
    for text in (passage.heading, passage.text):
        words = keywords(text)
        span = len(wanted) + 1  # one word may sit between ("reward the model")
        for start in range(len(words)):
            window = set(words[start : start + span])
            if all(_has(w, window) for w in wanted):
                return True
    return False


def names_unknown(topic: str, vocabulary: frozenset[str]) -> bool:
    """Whether the topic names something the notes never do: an abbreviation, a capitalised
    name or a name with digits ("HNSW", "Chinchilla", "ViT", "word2vec") none of whose forms
    is in the notes. An abbreviation the topic spells out after it (`spelled_out` put the
    notes' spelling there: "ELU (Exponential Linear Unit)") is known."""
    for raw in re.findall(r"\b[A-Z][\w-]*|\b[a-z]+\d[\w-]*", sentence_case(topic)):
        if ABBREVIATION.fullmatch(raw) and _initials(raw, topic):
            continue
        named = [w for w in keywords(raw) if w not in GENERIC]
        if named and not any(_has(w, vocabulary) for w in named):
            return True
    return False


def sentence_case(topic: str) -> str:
    """The topic with its first word in lower case when that word is everyday English: a
    capital at the start of a sentence ("Apart from …", "Nobody writes …") names nothing."""
    first = re.match(r"\s*([A-Z][a-z]+)\b", topic)
    if first is None or not plain_english(first.group(1)):
        return topic
    return topic[: first.start(1)] + first.group(1).lower() + topic[first.end(1) :]


def unknown_words(topic: str, vocabulary: frozenset[str], passages: list[Passage]) -> list[str]:
    """The topic's words (as typed) that appear nowhere in the notes, in no form or slip; a
    hyphenated word is known when its parts are ("mini-batch")."""
    wanted = topic_words(topic)
    text = "\n".join(p.text for p in passages)
    unknown = []
    for word, raw in zip(wanted, _raw_forms(topic, wanted), strict=True):
        if ABBREVIATION.fullmatch(raw) and _initials(raw, text):
            continue
        parts = [w for w in word.split("-") if w]
        if not _known(word, vocabulary) and not (
            len(parts) > 1 and all(_known(part, vocabulary) for part in parts)
        ):
            unknown.append(raw)
    return unknown


def _known(word: str, vocabulary: frozenset[str]) -> bool:
    """Whether the notes use the word: as written, inflected otherwise ("scoring" for their
    "score"), a clear prefix form, or one slip away."""
    if word in vocabulary or any(form in vocabulary for form in _stems(word)):
        return True
    return any(near_word(word, v) or (len(word) >= 4 and one_edit(word, v)) for v in vocabulary)


def _stems(word: str) -> set[str]:
    """The word's `_uninflected` forms of four letters or more."""
    return {f for f in uninflected(word) if len(f) >= 4}


def names_a_term(unknown: list[str]) -> bool:
    """Whether some of the topic's words the notes never use are not everyday English either:
    a term of art the notes lack ("speculative decoding" is fine, "checkpointing" is not)."""
    return any(not plain_english(raw) for raw in unknown)


def _raw_forms(topic: str, wanted: list[str]) -> list[str]:
    """Each wanted word as the learner typed it (to see abbreviations in capitals)."""
    typed = {w.lower().rstrip("s"): w for w in re.findall(r"[\w-]+", topic)}
    return [typed.get(w, typed.get(w.rstrip("s"), w)) for w in wanted]


def covers(
    topic: str, passages: list[Passage], vocabulary: frozenset[str], notes: str = ""
) -> bool:
    """Whether the passages cover one topic (see the thresholds above).

    A short topic (a name, a term) is covered when one passage has all its words, or a passage
    is close in meaning and the notes know every word of it; a long one (a question in the
    learner's own words) when a passage near in meaning shares enough of its words."""
    if not passages:
        return False
    best = max(p.similarity for p in passages)
    share = max(share_in(topic, p) for p in passages)
    words = topic_words(topic)
    if words and named_as_term(topic, passages):
        return True
    if notes and unnoted(topic, notes, vocabulary):
        return False
    missing = unknown_words(topic, vocabulary, passages)
    if names_unknown(topic, vocabulary) or names_a_term(missing):
        return False
    unknown = len(missing) / len(words) if words else 0.0  # the share unknown to the notes
    if best >= CLOSE and unknown == 0:
        return True
    if len(words) <= SHORT:
        return not missing and best >= FACET_NEAR and a_facet_of_a_term(topic, passages)
    return best >= NEAR and share >= SHARED and unknown <= UNKNOWN


def named_as_term(topic: str, passages: list[Passage]) -> bool:
    """Whether one passage has all the topic's words, standing together as a term."""
    return any(share_in(topic, p) >= 0.99 and as_term_in(topic, p) for p in passages)


def a_facet_of_a_term(topic: str, passages: list[Passage]) -> bool:
    """Whether a short topic is a term of the notes and one word about it ("vanishing
    gradients causes", "base model randomness", "rlhf pipeline stages"): without that word,
    the rest stands as a term in one passage. The rest must be two words or a name, since
    one everyday word ("feature" of "feature store") is in passages about anything."""
    typed = re.findall(r"[\w-]+", topic)
    for word in topic_words(topic):
        rest = " ".join(t for t in typed if t.lower() not in (word, word + "s"))
        left = topic_words(rest)
        named = len(left) >= 2 or (
            len(left) == 1
            and (
                bool(ABBREVIATION.search(rest) or CODED.search(rest)) or not plain_english(left[0])
            )
        )
        if named and named_as_term(rest, passages):
            return True
    return False


def with_shared_head(
    parts: tuple[str, ...], notes: str, vocabulary: frozenset[str]
) -> tuple[str, ...]:
    """The two sides of a comparison with the head noun they share given to the shorter one,
    when the notes write the name that makes ("first vs second moment estimates": "first
    moment estimates"; "batch vs mini-batch gradient descent": "batch gradient descent")."""
    if len(parts) != 2:
        return parts
    short, long = parts
    own = [w for w in short.split() if not w.endswith(("'s", "’s"))]  # "adam's first"
    words = long.split()
    if not own or len(own) >= len(words):
        return parts
    whole = " ".join([*own, *words[len(own) :]])
    return (whole, long) if written_in(whole, notes, vocabulary) else parts


def judge(
    topic: str,
    passages: list[Passage],
    vocabulary: frozenset[str],
    parts: dict[str, list[Passage]] | None = None,
    notes: str = "",
) -> Coverage:
    """What the notes say about a topic; for a comparison, part by part (each part with the
    passages found for it)."""
    mentioned = any(share_in(topic, p) >= 0.99 for p in passages)
    unnamed = tuple(unnoted(topic, notes, vocabulary)) if notes else ()
    if parts:
        missing = tuple(
            part for part, found in parts.items() if not covers(part, found, vocabulary, notes)
        )
        some = len(missing) < len(parts)
        return Coverage(some, mentioned or some, missing, parts, unnamed=unnamed)
    covered = covers(topic, passages, vocabulary, notes)
    short = 2 <= len(topic_words(topic)) <= SHORT
    loose = covered and short and not named_as_term(topic, passages)
    return Coverage(covered, mentioned or covered, loose=loose, unnamed=unnamed)
