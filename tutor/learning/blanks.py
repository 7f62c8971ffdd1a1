"""Blanking a term out of the notes' text: the gap in a cloze, the options of a multiple choice."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutor.knowledge.markdown import plain
from tutor.knowledge.words import STOPWORDS, keywords
from tutor.learning.recall_blocks import (
    ACRONYM,
    BOLD,
    GENERIC,
    QUESTION_START,
    WEAK,
    WORD,
    is_example,
    termlike,
    trim,
)
from tutor.learning.standalone import stands_alone
from tutor.learning.steps import ORDINAL
from tutor.learning.structure import SENTENCE_END, Definition, bare, same_term, variants

BLANK = "_____"
ASKED_ABOUT = re.compile(
    r"^(?:explain|describe|what (?:is|are)|how (?:does|do))\s+(?:a |an |the )?(.+?)"
    r"(?:\s+and\s+(?:its|their|explain)\b.*|\s+works?|\s+working)?$",
    re.I,
)
LABEL_LEAD = re.compile(r"^[A-Z][\w-]*(?: [\w-]+){0,3}:\s+(?=\S)")
# A blank in a list of examples ('like _____ or GPT') has as many answers as there are examples.
EXAMPLE_SLOT = re.compile(
    r"\b(?:like|such as|e\.g\.|eg|including|for example|for instance)[\s,:]+"
    r"(?:[\w.-]+,?\s+(?:(?:and|or)\s+)?){0,3}$",
    re.I,
)
REMARK = re.compile(
    r"^(?:so|basically|hence|thus|therefore|i\.e|in short|in other words|remember|note"
    r"|that means|this means|which means|meaning|e\.g|for example|example)\b",
    re.I,
)
OPTION_BLANK = "___"
# A masked definition that opens with its (blanked) subject: 'A ___ (RM) is a ...', '___ uses ...'.
SUBJECT = re.compile(
    r"^(?:(?:A|An|The)\s+)?___(?:\s*\([^)]*\))?\s+(?:(?:is|are|refers to|means)\s+)?"
)
# 'LangChain is a ...', 'It is a ...': the subject names the answer; the rest describes it.
NAMED_SUBJECT = re.compile(
    r"^(?:[A-Z][\w’'()/-]*(?: [\w’'()/-]+){0,3}) (?:is|are|refers to) (?=(?:a|an|the) )"
)


def topic_terms(sources: Sequence[str]) -> list[tuple[int, str]]:
    """Terms a passage is about (from its heading and titles), tiered: phrases 1, words 3."""
    out: list[tuple[int, str]] = []
    for text in sources:
        name = bare(text).strip(" ?.:")
        asked = ASKED_ABOUT.match(name)
        if asked and termlike(asked.group(1)[:1].upper() + asked.group(1)[1:]):
            out.append((1, asked.group(1)))  # 'Explain self attention and its working
        if termlike(name):
            out.append((1, name))
        out += [(1, inner) for inner in re.findall(r"\(([^)]{2,40})\)", text)]
        for w in re.findall(r"[A-Za-z][\w-]*", name):
            if ACRONYM.fullmatch(w):
                out.append((1, w))
            elif len(w) >= 4 and w.lower() not in GENERIC | WEAK and not QUESTION_START.match(w):
                # Describing words ('adaptive', 'varying', 'neural') make guessing games.
                if not re.search(r"(ing|ive|al|ed|ous|ful|less|ly)$", w.lower()):
                    out.append((3, w))
    return out


def blank_key_term(
    raw: str, topics: Sequence[tuple[int, str]], heading: str = ""
) -> tuple[int, str, str] | None:
    """A key sentence's best term (bold first, then topics) as (tier, term, blanked sentence).

    Never a term with a word of the passage's `heading`: the question shows where it comes
    from, so that blank would test nothing.
    """
    # An ordinal and a step's label are not what the sentence says ('Third, Attention Score:').
    sentence = LABEL_LEAD.sub("", ORDINAL.sub("", plain(raw, squeeze=True)))
    if len(WORD.findall(sentence)) < 8 or sentence.endswith(("?", ":")) or is_example(sentence):
        return None
    if not stands_alone(sentence):
        return None
    bold = [(0, bare(plain(b, squeeze=True))) for b in BOLD.findall(raw)]
    candidates = [*bold, *topics, *((2, a) for a in ACRONYM.findall(sentence))]
    shown = heading_words(heading)
    candidates = [
        c for c in candidates if not heading_words(c[1]) & shown and not _spelled_in(c[1], heading)
    ]
    picked = _salient(sentence, sorted(candidates, key=lambda c: c[0]))
    if picked is None:
        return None
    tier, term = picked
    blanked = _blank_pattern(term).sub(BLANK, sentence)
    if len(re.findall(r"[A-Za-z]{2,}", blanked)) < 6:
        return None
    return tier, term, blanked


def heading_words(text: str) -> set[str]:
    """The telling words of a heading or term, hyphenated ones split ('Fine-Tuning')."""
    return {w for w in keywords(text.replace("-", " ")) if w not in GENERIC}


def _blank_pattern(term: str) -> re.Pattern[str]:
    """The term as a whole word; a hyphenated word counts as one ('Fine-tuning')."""
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.I)


def _salient(sentence: str, candidates: Sequence[tuple[int, str]]) -> tuple[int, str] | None:
    """The first candidate the sentence mentions, as written there, with its tier."""
    for tier, term in candidates:
        if len(term) < 2 or term.lower() in GENERIC or term.lower() in STOPWORDS:
            continue
        found = list(_blank_pattern(term).finditer(sentence))
        if len(found) != 1 or len(found[0].group(0)) >= len(sentence) // 2:
            continue  # two blanks are two questions, and either gives the other away
        if _given_away(sentence, found[0], term, candidates):
            continue
        return tier, found[0].group(0)
    return None


def _given_away(
    sentence: str, m: re.Match[str], term: str, candidates: Sequence[tuple[int, str]]
) -> bool:
    """Whether the blank's neighbours tell it: its other form in parentheses ('_____ (Long
    Short-Term Memory)', 'through time (_____)'), its spelled-out form elsewhere in the
    sentence ('Batch Normalization … _____' for BN), or a name it is only part of ('_____
    Score', 'A _____ Neural Network'). A blank among examples ('like _____ or GPT') counts
    too: any other example would fill it."""
    before, after = sentence[: m.start()], sentence[m.end() :]
    if after.lstrip().startswith("(") or before.rstrip().endswith("("):
        return True
    if EXAMPLE_SLOT.search(before) or _spelled_elsewhere(term, f"{before} {after}"):
        return True
    if any(_abbreviates(term, inner) for inner in re.findall(r"\(([^)]+)\)", sentence)):
        return True
    # Names only: a bold sentence holding the term is not a name it is part of.
    names = [t for _, t in candidates if len(t.split()) <= 5]
    longer = [t for t in names if len(t) > len(term) and _blank_pattern(term).search(t)]
    if any(_blank_pattern(t).search(sentence) for t in longer):
        return True
    if " " not in term:
        prev = re.findall(r"(\w[\w-]*) +$", before)
        nxt = re.match(r" +(\w[\w-]*)", after)
        sentence_start = not before.strip() or before.rstrip().endswith((".", ":"))
        cap_prev = bool(prev) and prev[0][:1].isupper() and not sentence_start
        cap_prev = cap_prev and prev[0].lower() not in STOPWORDS
        if cap_prev or (nxt is not None and nxt.group(1)[:1].isupper() and term[:1].isupper()):
            return True
    return False


def _spelled_elsewhere(term: str, text: str) -> bool:
    """Whether the text holds the term's other form: an acronym's words ('Batch Normalization'
    for BN), a name's initials ('SA' for self attention)."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    letters = re.sub(r"[^A-Za-z]", "", term)
    if len(letters) > 2 and letters.endswith("s") and letters[:-1].isupper():
        letters = letters[:-1]  # 'LSTMs'
    if 2 <= len(letters) <= 6 and letters.isupper():
        n = len(letters)
        for i in range(len(words) - n + 1):
            window = words[i : i + n]
            if window[0].lower() in STOPWORDS or window[-1].lower() in STOPWORDS:
                continue
            if "".join(w[0] for w in window).upper() == letters:
                return True
        return False
    parts = re.findall(r"[A-Za-z0-9]+", bare(term))
    if len(parts) < 2:
        return False
    initials = "".join(p[0] for p in parts).upper()
    return re.search(rf"\b{initials}s?\b", text) is not None


def masked(d: Definition) -> str:
    """The definition as an option: a leading 'X is' dropped, no sentence naming its own term.

    An option never shows a blank: 'Train a ___ Model (RM)' reads as a broken question, so a
    sentence that names the term (and would give the answer away) is left out instead, and a
    definition with nothing else to say is no option at all ('').
    """
    text = d.text
    # The term's own telling words go too ('Normalization is ...' would give 'Layer Normalization').
    words = [w for w in re.findall(r"[A-Za-z][\w-]{4,}", bare(d.term)) if w.lower() not in WEAK]
    # Its initials too: 'PE is used in transformers' would give 'Positional Encoding' away.
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", bare(d.term))).upper()
    shorts = [initials] if len(initials) >= 2 else []
    for v in [*variants(d.term), *(w for w in words if w.lower() not in GENERIC), *shorts]:
        text = re.sub(rf"(?<![\w-]){re.escape(v)}s?(?![\w-])", OPTION_BLANK, text, flags=re.I)
    text = re.sub(r"___(?:\s*___)+", OPTION_BLANK, text).strip()
    m = SUBJECT.match(text) or NAMED_SUBJECT.match(text)
    text = text[m.end() :] if m else text
    sentences = SENTENCE_END.split(text)
    # What describes the term comes first; a remark after it ('So we are saying …') is
    # another kind of option, and a reader would spot it.
    cut = next((i for i, s in enumerate(sentences) if i and REMARK.match(s)), len(sentences))
    text = " ".join(s for s in sentences[:cut] if OPTION_BLANK not in s).strip()
    if re.match(r"[a-z][a-z ]", text):  # a sentence, not a formula such as 'f(x)=...'
        text = text[:1].upper() + text[1:]
    return trim(text, 220)


def related(a: Definition, b: Definition) -> bool:
    """Whether b is about the same thing as a, or names it (so it cannot be a wrong option)."""
    if _abbreviates(a.term, b.term) or _abbreviates(b.term, a.term):
        return True  # 'FP' is 'Forward Prop': its definition is a second right answer
    return same_term(a, b) or _names(b.text, a.term) or _names(a.text, b.term)


def _abbreviates(short: str, long: str) -> bool:
    """Whether `short` is the initials of `long` ('FP', 'Forward Prop')."""
    letters = re.sub(r"[^A-Za-z]", "", bare(short))
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", bare(long)))
    return 2 <= len(letters) <= 6 and letters.isupper() and letters == initials.upper()


def _spelled_in(term: str, heading: str) -> bool:
    """Whether an acronym is the initials of words in the heading ('RL' under 'Reinforcement
    Learning in …'): the heading shown with the question gives it away."""
    letters = re.sub(r"[^A-Za-z]", "", term)
    words = [w for w in re.findall(r"[A-Za-z][\w-]*", heading) if w.lower() not in STOPWORDS]
    initials = "".join(w[0] for w in words).upper()
    return 2 <= len(letters) <= 6 and letters.isupper() and letters in initials


def same_kind(a: str, b: str) -> bool:
    """Whether two options are the same sort of thing: both sentences, or both formulas."""
    return _is_prose(a) == _is_prose(b)


def _is_prose(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    return len(re.findall(r"[A-Za-z]{3,}", text)) >= 3 and letters >= 0.6 * len(
        text.replace(" ", "")
    )


def _names(text: str, term: str) -> bool:
    """Whether the text mentions the term (any of its forms, plural or not)."""
    have = set(keywords(text))
    for variant in variants(term):
        wanted = set(keywords(variant)) - GENERIC
        if wanted and wanted <= have:
            return True
    return False
