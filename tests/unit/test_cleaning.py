"""Messy notes come out clean, line for line."""

from __future__ import annotations

import pytest

from tests.conftest import SHIPPED_NOTES
from tutor.knowledge.cleaning import (
    NotText,
    clean_line,
    decode_note,
    split_front_matter,
    wikilink_targets,
)


def test_double_encoded_title_is_repaired() -> None:
    raw = (SHIPPED_NOTES / "training-finetuning-rlhf.md").read_bytes()
    assert "ðŸ" in raw.decode("utf-8") or "ğŸ" in raw.decode("utf-8")  # the mess is really there
    text = decode_note(raw)
    assert text.split("\n")[0] == "# 🧠 Training, Fine-Tuning, and RLHF in LLMs"


def test_keycaps_with_dropped_bytes_are_rebuilt() -> None:
    text = decode_note((SHIPPED_NOTES / "training-finetuning-rlhf.md").read_bytes())
    assert "## 1️⃣ Pretraining (Foundation Training)" in text.split("\n")
    assert "ï¸" not in text and "âƒ£" not in text


def test_a_sign_that_lost_both_its_other_bytes_leaves_no_mojibake() -> None:
    raw = (SHIPPED_NOTES / "training-finetuning-rlhf.md").read_bytes().split(b"\n")
    # Once ⭐ (E2 AD 90): the code page had no 0x90 and the soft hyphen AD went too.
    assert raw[196] == b"## \xc3\xa2 Reward Model (Key RLHF Component)"
    assert raw[342] == b"\xc3\xa2 End of Notes"
    lines = decode_note(b"\n".join(raw)).split("\n")
    assert (lines[196], lines[342]) == ("## Reward Model (Key RLHF Component)", "End of Notes")
    # Only in a double-encoded note: elsewhere a lone letter is a word ("é", "è", Welsh "â").
    words = "  â stays, è vero, é professora"
    assert decode_note(words.encode()) == words


def test_repair_keeps_line_count() -> None:
    raw = (SHIPPED_NOTES / "training-finetuning-rlhf.md").read_bytes()
    assert decode_note(raw).count("\n") == raw.decode("utf-8").count("\n")


@pytest.mark.parametrize(
    "text", ["Café crème, naïve — “quotes” déjà vu.", "Straße, Ça va? Ünïcödé", "日本語 ✓ →"]
)
def test_correct_text_is_left_alone(text: str) -> None:
    assert decode_note(text.encode()) == text


def test_obsidian_embeds_and_html_are_stripped_to_their_words() -> None:
    line = (
        '## <font color="#000"><span style="background:#d2cbff">step2: Toke</font>nization</span>'
    )
    assert clean_line(line) == "## step2: Tokenization"
    assert clean_line("![[Pasted image 20251125133226.png|475]]") == ""
    assert (
        clean_line("see [[Attention|self-attention]] and [[RNN]]") == "see self-attention and RNN"
    )
    assert clean_line("![image.png](attachment:image.png)") == ""
    assert clean_line("<li>It is stochastic</li>") == "- It is stochastic"
    assert clean_line("a &amp; b<br>c") == "a & b c"


def test_wikilink_targets_are_kept_as_links() -> None:
    text = "see [[Attention|self-attention]], [[RNN]] and ![[diagram.png]] and [[RNN]]"
    assert wikilink_targets(text) == ["Attention", "RNN"]


def test_front_matter_becomes_metadata_and_keeps_numbering() -> None:
    lines = ["---", "title: Optimisers", "tags: [dl, sgd]", "---", "# Adam", "text"]
    meta, body = split_front_matter(lines)
    assert meta == {"title": "Optimisers", "tags": ["dl", "sgd"]}
    assert len(body) == len(lines)
    assert body[4] == "# Adam"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("naïve ".encode() + b"caf\xe9 au lait", "not UTF-8"),
        (bytes(range(1, 31)) * 20, "binary"),
    ],
)
def test_non_text_is_refused_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(NotText, match=reason):
        decode_note(raw)


def test_a_note_saved_in_a_windows_code_page_reads_as_its_editor_shows_it() -> None:
    # cp1252: é, the en dash 0x96 and ß; 0x81 is undefined there and read as Latin-1.
    raw = b"# Kaffee\n\nCaf\xe9 \x96 S\xfc\xdfes \x81\n"
    assert decode_note(raw) == "# Kaffee\n\nCafé – Süßes \x81\n"
