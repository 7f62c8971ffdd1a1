"""Chunks follow the notes' structure and point back at the right lines."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SHIPPED_NOTES
from tutor.knowledge.chunking import Chunk, chunk_note
from tutor.knowledge.loaders import NoteText, parse_note


def shipped(name: str) -> list[Chunk]:
    path = SHIPPED_NOTES / name
    return chunk_note(parse_note(path, path.read_bytes()))


def lines_note(text: str) -> NoteText:
    lines = text.split("\n")
    return NoteText(lines, list(range(1, len(lines) + 1)), [None] * len(lines))


def test_heading_breadcrumb_follows_nesting() -> None:
    headings = {c.heading for c in shipped("rlhf-and-alignment.md")}
    assert "RLHF & Alignment › 2. RLHF with PPO (Proximal Policy Optimization)" in headings


def test_html_in_headings_does_not_reach_the_breadcrumb() -> None:
    headings = {c.heading for c in shipped("llm-pretraining-posttraining.md")}
    assert "PRETRAINING › step2: Tokenization" in headings
    assert not any("<" in h or "span" in h for h in headings)


def test_bold_lines_act_as_headings_in_a_note_without_headings() -> None:
    chunks = shipped("llm-running-notes.md")
    l1 = next(c for c in chunks if "absolute value" in c.text)
    assert l1.heading == "L1 Regularization (Lasso)"


def test_question_line_stays_with_its_bullets() -> None:
    chunks = shipped("deep-learning-qa-notebook.md")
    nn = next(c for c in chunks if "What is a Neural Network?" in c.text)
    assert nn.text.startswith("What is a Neural Network?")
    assert "A neural network is a collection of interconnected" in nn.text
    loss = next(c for c in chunks if c.text.startswith("What is loss function?"))
    # the answer continues after a blank line; it is still the same answer
    assert "MSE penalizes large errors" in loss.text


def test_line_numbers_point_into_the_original_file() -> None:
    for path in sorted(SHIPPED_NOTES.glob("*.md")):
        note = parse_note(path, path.read_bytes())
        original = path.read_text(encoding="utf-8").split("\n")
        assert len(note.lines) == len(original)
        for chunk in chunk_note(note):
            span = note.lines[chunk.start_line - 1 : chunk.end_line]
            first, *rest = chunk.text.split("\n")
            assert all(line in span for line in rest), (path.name, chunk.start_line)
            # the first line is in the span, or it is a question repeated above a cut
            assert first in span or first in note.lines[: chunk.start_line - 1]
            words = set(span[0].split()) if first in span else set(first.split())
            raw_words = set(original[chunk.start_line - 1].split())
            assert words & raw_words or first not in span, (path.name, chunk.start_line)


def test_code_fences_are_never_split_even_when_long() -> None:
    body = "\n".join(f"x{i} = {i}  # a line of code" for i in range(120))
    note = lines_note(f"# Code\nIntro line.\n\n```python\n{body}\n```\n\nAfter the code.")
    chunks = chunk_note(note, target_chars=300)
    fenced = [c for c in chunks if "```python" in c.text]
    assert len(fenced) == 1
    assert fenced[0].text.count("```") == 2 and "x119 = 119" in fenced[0].text


def test_long_blocks_are_cut_with_overlap_and_the_lead_repeated() -> None:
    bullets = "\n".join(f"- point {i}: " + "words " * 12 for i in range(30))
    note = lines_note(f"# Topic\nWhat are the points?\n{bullets}")
    chunks = chunk_note(note, target_chars=400)
    assert len(chunks) > 3
    assert all(len(c.text) <= 400 + 80 for c in chunks)
    assert all(c.text.startswith("What are the points?") for c in chunks)
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.text.split("\n")[-1] == after.text.split("\n")[1]  # one line of overlap
        assert after.start_line == before.end_line


def test_every_shipped_note_chunks_to_bounded_cited_passages() -> None:
    for path in sorted(SHIPPED_NOTES.glob("*.md")):
        chunks = chunk_note(parse_note(path, path.read_bytes()))
        assert chunks, path
        for chunk in chunks:
            assert chunk.text.strip()
            assert "![[" not in chunk.text and "<span" not in chunk.text
            assert len(chunk.text) <= 1400 or "```" in chunk.text, (path.name, chunk.heading)


def test_content_hash_changes_with_text_and_heading(tmp_path: Path) -> None:
    a = Chunk("same text", "A", 1, 1)
    assert a.content_hash == Chunk("same text", "A", 5, 6).content_hash
    assert a.content_hash != Chunk("same text", "B", 1, 1).content_hash
    assert a.content_hash != Chunk("other text", "A", 1, 1).content_hash
