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
