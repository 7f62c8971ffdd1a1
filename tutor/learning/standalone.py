"""Whether a sentence of the notes can be read without the one before it, as a cloze must be.

A leaf that `blanks` asks before blanking a sentence: 'The AI judge uses these principles …'
and 'Pushes some weights all the way to zero' make clozes nobody can answer from the
sentence, since what they are about is named in another one.
"""

from __future__ import annotations

import re

from tutor.learning.recall_blocks import verb_led

# Words that point at something the sentence does not name: a pronoun, a demonstrative,
# 'that' as a determiner ('each of that SA', ', that target sequence'), a bare 'instead'.
POINTING = re.compile(
    r"\b(?:these|those|this|he|she)\b|\binstead\b(?!\s+of\b)"
    r"|(?:^|[,;]\s*|\b(?:of|in|on|at|from|with|for|by|each)\s+)that\s+(?![a-z]+[^s\W]s\b)[a-z]",
    re.I,
)
# 'it' and 'they' point back too, unless the sentence opens with the name they stand for
# ('BP is the algorithm …, it involves …').
PRONOUN = re.compile(r"\b(?:it|they)\b", re.I)
NAME_FIRST = re.compile(r"^(?:[A-Z][a-z]*[A-Z][A-Za-z]*|[A-Z][\w-]+ [A-Z][\w-]+)\b")
# Words that follow a verb rather than a subject: 'Pushes some …', 'Computes the …'.
OBJECT_LEADS = frozenset(
    "the a an some its their each all every more less much many one two no any only up out "
    "away down off back".split()
)
ANALOGY = re.compile(
    r"^like\b|\b(?:is|are|was|were|works?|acts?)\s+like\b|\bthink of\b|\bimagine\b"
    r"|\banalog(?:y|ous)\b",
    re.I,
)


def stands_alone(sentence: str) -> bool:
    """Whether a sentence can be read without the one before it, as a cloze must be.

    Not when a word points outside it ('it will probably think', 'these principles', 'each
    of that SA', bare 'instead'), when its subject is missing ('Pushes some weights to zero',
    the name being in a label or heading), when it is an analogy ('Like packing for a trip')
    or when it stops at a comma, mid-thought.
    """
    if POINTING.search(sentence) or ANALOGY.search(sentence):
        return False
    if PRONOUN.search(sentence) and not NAME_FIRST.match(sentence):
        return False
    if _subjectless(sentence) or sentence.rstrip().endswith((",", ";", "—", "–", "-")):
        return False
    return True


def _subjectless(sentence: str) -> bool:
    """'Pushes some weights …', 'Computes the loss …': a verb first, its subject elsewhere.

    The word after the verb tells it from a plural subject ('Transformers also apply …').
    """
    words = sentence.split()
    if len(words) < 2 or not verb_led(sentence):
        return False
    after = words[1].lower()
    return after in OBJECT_LEADS or after.endswith(("ed", "ing")) or words[1].isupper()
