"""Words in any script, for keyword search and for judging what the notes cover.

Scripts written with spaces (English, German, Russian…) are cut at spaces and punctuation.
Scripts written without them (Chinese, Japanese, Thai…) have no word boundaries to cut at,
so each run of one script is read as overlapping pairs of characters: "过拟合" gives "过拟" and
"拟合", both found in "过拟合是指…" and neither in "拟定合同". Pairs need no dictionary, work
for every such script alike, and are what search engines index these scripts by when they
have no segmenter.
"""

from __future__ import annotations

import re
import unicodedata

SCRIPTS = {
    "han": "\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f",
    "hiragana": "\u3041-\u309f",
    "katakana": "\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff",
    "hangul": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
    "thai": "\u0e01-\u0e3a\u0e40-\u0e4e",
    "lao": "\u0e81-\u0ece",
    "khmer": "\u1780-\u17d3",
    "myanmar": "\u1000-\u103f\u1050-\u109f",
}
"""Scripts written without spaces between words, by the characters of their words."""
SPACELESS = "".join(SCRIPTS.values())
PARTICLES = frozenset("的了吗呢吧啊")
"""Chinese particles that end a word wherever they stand ("过拟合的原因" is two words)."""
TOKEN = re.compile(
    "|".join(f"(?P<{name}>[{chars}]+)" for name, chars in SCRIPTS.items())
    + rf"|(?P<word>[^\W_{SPACELESS}]+(?:[-'][^\W_{SPACELESS}]+)*)"
)
SPACELESS_CHAR = re.compile(f"[{SPACELESS}]")


def tokens(text: str) -> list[str]:
    """Case-folded words, and pairs of characters from runs of spaceless scripts.

    A run of one character stays whole ("何"); a single hiragana is a particle ("が", "の")
    and is dropped, as are the Chinese `PARTICLES`."""
    out: list[str] = []
    for match in TOKEN.finditer(unicodedata.normalize("NFKC", text).casefold()):
        run, script = match.group(), match.lastgroup
        if script == "word":
            out.append(run)
            continue
        pieces = re.split(f"[{''.join(PARTICLES)}]+", run) if script == "han" else [run]
        for piece in pieces:
            if len(piece) > 1:
                out.extend(piece[i : i + 2] for i in range(len(piece) - 1))
            elif piece and script != "hiragana":
                out.append(piece)
    return out


def spaceless(word: str) -> bool:
    """Whether a word is written in a script without spaces (a character pair, not a word)."""
    return bool(SPACELESS_CHAR.search(word))


def word_count(text: str) -> int:
    """About how many words a text has: its pieces between spaces, where two characters of a
    spaceless script count as one word (Chinese words are mostly two characters long)."""
    count = 0
    for piece in text.split():
        letters = len(SPACELESS_CHAR.findall(piece))
        if not letters:
            count += 1
            continue
        count += (letters + 1) // 2 + bool(re.search(r"\w", SPACELESS_CHAR.sub("", piece)))
    return count


STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from has have how i if in into is it its "
    "me my of on or so than that the their them then there these they this to was we what "
    "when where which who why will with you your about between should would could".split()
)


def keywords(text: str) -> list[str]:
    """Lower-cased word tokens without stopwords, lightly stemmed (plural s); in scripts
    without spaces, pairs of characters (see `tutor.knowledge.words`)."""
    out = []
    for token in tokens(text):
        if token in STOPWORDS:
            continue
        if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        out.append(token)
    return out


def near_word(a: str, b: str) -> bool:
    """The same word, or one a clear prefix of the other ("backprop" ~ "backpropagation"), or
    of it without its final e."""
    short, long = sorted((a, b), key=len)  # "vanish" ~ "vanishing", but "token" !~ "tokenization"
    close = len(long) - len(short) <= 4 or len(short) >= 7
    if a == b or (len(short) >= 5 and close and long.startswith(short)):
        return True
    # A verb's stem before "-ation", "-ing": "hallucinate" ~ "hallucinations", "normalize" ~
    # "normalization".
    stem = short[:-1]
    return short.endswith("e") and len(stem) >= 7 and long.startswith(stem)


def one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by one insertion, deletion, substitution or swap of neighbours."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        swap = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
        return len(diff) == 1 or (swap and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
