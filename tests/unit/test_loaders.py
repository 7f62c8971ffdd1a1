"""Finding and reading notes: notebooks, Obsidian, and every kind of bad file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tutor.knowledge.loaders import Unreadable, find_notes, parse_note, read_note_bytes


def notebook(cells: list[dict[str, object]]) -> bytes:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def test_notebook_keeps_markdown_and_code_with_cell_numbers(tmp_path: Path) -> None:
    raw = notebook(
        [
            {"cell_type": "markdown", "source": ["# Softmax\n", "![img](attachment:image.png)\n"]},
            {
                "cell_type": "code",
                "source": "import numpy as np\nprint(np.exp(1))",
                "outputs": [
                    {"output_type": "stream", "text": [f"line {i}\n" for i in range(40)]},
                    {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo="}},
                ],
            },
            {"cell_type": "raw", "source": "ignored"},
        ]
    )
    note = parse_note(tmp_path / "nb.ipynb", raw)
    text = "\n".join(note.lines)
    assert "# Softmax" in text
    assert "attachment:" not in text and "iVBOR" not in text
    assert "```python\nimport numpy as np\nprint(np.exp(1))\n```" in text
    assert "line 0" in text and "line 39" not in text and "output trimmed" in text
    code_line = note.lines.index("import numpy as np")
    assert note.cells[code_line] == 2
    assert note.cells[note.lines.index("# Softmax")] == 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"cells": [ {"cell_type": "markdown", "source": ', "broken notebook: invalid JSON"),
        (b'{"metadata": {}}', "no list of cells"),
        (notebook([{"cell_type": "markdown", "source": ""}]), "empty notebook"),
    ],
)
def test_broken_notebooks_are_refused_with_a_reason(
    tmp_path: Path, raw: bytes, reason: str
) -> None:
    with pytest.raises(Unreadable, match=reason):
        parse_note(tmp_path / "bad.ipynb", raw)


def test_obsidian_note_keeps_links_as_metadata(tmp_path: Path) -> None:
    raw = b"---\ntags: [rl]\n---\n# PPO\nsee [[DPO|direct preference]] ![[chart.png|300]]\n"
    note = parse_note(tmp_path / "ppo.md", raw)
    assert note.metadata == {"front_matter": {"tags": ["rl"]}, "links": ["DPO"]}
    assert note.lines[3] == "# PPO"
    assert note.lines[4] == "see direct preference"


def test_find_notes_walks_folders_and_reports_what_it_skips(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.ipynb").write_text("{}")
    (tmp_path / "sub" / "c.png").write_bytes(b"png")
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / ".obsidian" / "workspace.md").write_text("internal")
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    found, skipped = find_notes([tmp_path, tmp_path / "missing", tmp_path / "sub" / "c.png"])
    assert sorted(p.name for _, p in found) == ["a.md", "b.ipynb"]
    reasons = {Path(s.path).name: s.reason for s in skipped}
    assert reasons["missing"] == "path does not exist"
    assert reasons["loop"].startswith("symlink loop")
    assert reasons["c.png"] == "unsupported file type .png"


def test_find_notes_leaves_out_what_the_folders_tutorignore_names(tmp_path: Path) -> None:
    (tmp_path / ".tutorignore").write_text("drafts/\n*.tmp.md\n")
    for name in ("a.md", "b.tmp.md", "drafts/c.md", "notes/drafts/d.md", "notes/e.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# Note\ntext\n")
    found, skipped = find_notes([tmp_path])
    assert sorted(p.relative_to(tmp_path).as_posix() for _, p in found) == ["a.md", "notes/e.md"]
    assert skipped == []  # left out on purpose is not a problem to report
    found, _ = find_notes([tmp_path], exclude="notes/")
    assert [p.name for _, p in found] == ["a.md"]


def test_symlinked_file_loop_and_size_limit_are_reasons_not_crashes(tmp_path: Path) -> None:
    os.symlink(tmp_path / "y.md", tmp_path / "x.md")
    os.symlink(tmp_path / "x.md", tmp_path / "y.md")
    with pytest.raises(Unreadable, match="symlink loop"):
        read_note_bytes(tmp_path / "x.md", 1000)
    big = tmp_path / "big.md"
    big.write_bytes(b"a" * 2001)
    with pytest.raises(Unreadable, match="too large .*TUTOR_MAX_FILE_MB"):
        read_note_bytes(big, 2000)
