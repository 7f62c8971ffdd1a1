"""Where an answer says a passage is: a notebook by its cells, one line as a line, outputs as
outputs, and an index written before cells were cited still read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.fakes import HashEmbeddings
from tutor.cli import app
from tutor.config import load_settings
from tutor.knowledge import keyword_store
from tutor.knowledge.chunking import chunk_note
from tutor.knowledge.compose import compose_explanation
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.loaders import parse_note
from tutor.knowledge.passage import Passage
from tutor.session import Turn
from tutor.slack.render import turn_messages

runner = CliRunner()

BROADCASTING = [  # a newcomer's notebook: prose, two code cells with outputs, a remark
    {
        "cell_type": "markdown",
        "source": [
            "# Numpy Broadcasting\n",
            "\n",
            "**Broadcasting** is how NumPy applies an operation to arrays of different shapes: "
            "the smaller array is stretched along the missing dimensions without copying data.\n",
        ],
    },
    {
        "cell_type": "markdown",
        "source": "Rules:\n- Shapes are compared from the trailing dimension.\n"
        "- Two dimensions are compatible when they are equal or one of them is 1.\n",
    },
    {
        "cell_type": "code",
        "source": ["import numpy as np\n", "print(np.array([1, 2, 3]) + 1)"],
        "outputs": [{"output_type": "stream", "name": "stdout", "text": ["[2 3 4]\n"]}],
    },
    {
        "cell_type": "code",
        "source": "(np.ones((3, 1)) + np.arange(3)).shape",
        "outputs": [{"output_type": "execute_result", "data": {"text/plain": ["(3, 3)"]}}],
    },
    {
        "cell_type": "markdown",
        "source": "A column vector plus a row vector gives a matrix: broadcasting stretches "
        "both arrays.\n",
    },
    {"cell_type": "markdown", "source": "# Strides\n"},
    {
        "cell_type": "markdown",
        "source": "**Strides** tell NumPy how many bytes to step in each dimension.\n",
    },
]
WHOLE = {"start_line": None, "end_line": None, "cell": 1, "end_cell": 5}


def notebook_bytes() -> bytes:
    nb = {"cells": BROADCASTING, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1).encode()


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TUTOR_NOTES: the notebook and a Markdown note with a passage of one line."""
    folder = tmp_path / "vault"
    folder.mkdir()
    (folder / "broadcasting.ipynb").write_bytes(notebook_bytes())
    (folder / "einsum.md").write_text(
        "# Einsum\n\nEinsum names the axes of every operand in one string.\n", encoding="utf-8"
    )
    fake = HashEmbeddings()
    monkeypatch.setattr("tutor.knowledge.index.make_embeddings", lambda settings: fake)
    monkeypatch.setenv("TUTOR_NOTES", str(folder))
    return folder


@pytest.mark.usefixtures("vault")
def test_search_cites_a_notebook_by_its_cells() -> None:
    shown = runner.invoke(app, ["search", "numpy broadcasting", "-k", "1"])
    assert shown.exit_code == 0, shown.output
    assert "broadcasting.ipynb › Numpy Broadcasting (cells 1–5)" in shown.stdout
    assert "(lines" not in shown.stdout  # lines of a notebook are lines of its JSON

    [hit] = json.loads(
        runner.invoke(app, ["search", "numpy broadcasting", "-k", "1", "--json"]).stdout
    )
    assert hit["file"] == "broadcasting.ipynb"
    assert {k: hit[k] for k in WHOLE} == WHOLE
    assert "Output:\n```output\n[2 3 4]\n```" in hit["text"]

    strides = runner.invoke(app, ["search", "strides bytes step", "-k", "1"])
    assert "broadcasting.ipynb › Strides (cell 7)" in strides.stdout


@pytest.mark.usefixtures("vault")
def test_a_passage_of_one_line_is_cited_as_a_line() -> None:
    shown = runner.invoke(app, ["search", "einsum operand axes", "-k", "1"])
    assert shown.exit_code == 0, shown.output
    assert "einsum.md › Einsum (line 3)" in shown.stdout
    [hit] = json.loads(runner.invoke(app, ["search", "einsum", "-k", "1", "--json"]).stdout)
    assert (hit["start_line"], hit["end_line"], hit["cell"], hit["end_cell"]) == (3, 3, None, None)


@pytest.mark.usefixtures("vault")
def test_an_offline_answer_cites_cells_and_shows_outputs_with_their_code() -> None:
    result = runner.invoke(app, ["ask", "explain numpy broadcasting", "--json"])
    assert result.exit_code == 0, result.output
    turn = json.loads(result.stdout)
    source = turn["sources"][0]
    # A notebook's lines are not the file's: its link names the file, with no line.
    assert source.pop("url").endswith("/broadcasting.ipynb")
    assert source == {"file": "broadcasting.ipynb", "heading": "Numpy Broadcasting"} | WHOLE
    answer = turn["answer"]
    assert "[1] broadcasting.ipynb › Numpy Broadcasting (cells 1–5)" in answer
    points = [line for line in answer.splitlines() if line.startswith("- ")]
    assert "- Code: (np.ones((3, 1)) + np.arange(3)).shape → Output: (3, 3) [1]" in points
    # Before, "Output: (np.ones(…" showed code as the output of the cell above it.
    assert all(p.startswith("- Code: ") for p in points if "Output:" in p), points
    assert not any(p.startswith("- Rules: import") for p in points), points


def test_key_points_never_show_code_as_output_nor_output_as_code(tmp_path: Path) -> None:
    note = parse_note(tmp_path / "broadcasting.ipynb", notebook_bytes())
    chunks = chunk_note(note)
    passages = [
        Passage("broadcasting.ipynb", c.heading, c.start_line, c.end_line, c.text, 0.0)
        for c in chunks
    ]
    points = [p.text for p in compose_explanation("numpy broadcasting", passages).points]
    assert "Code: import numpy as np / print(np.array([1, 2, 3]) + 1) → Output: [2 3 4]" in points
    assert not any(p.startswith("Output:") for p in points), points
    assert (chunks[0].cell, chunks[0].end_cell, chunks[-1].cell, chunks[-1].end_cell) == (
        1,
        5,
        7,
        7,
    )


def test_slack_names_cells_and_single_lines_as_the_cli_does() -> None:
    notebook = {"file": "broadcasting.ipynb", "heading": "Numpy Broadcasting"} | WHOLE
    line = {"file": "dl.md", "heading": "Logits", "start_line": 6, "end_line": 6}
    turn = Turn("t", "explain", "offline", None, "Broadcasting stretches.", [notebook, line])
    [message] = turn_messages(turn, owner="U1", in_thread=True)
    sources = json.dumps(message["blocks"], ensure_ascii=False)
    assert "broadcasting.ipynb › Numpy Broadcasting (cells 1–5)" in sources
    assert "dl.md › Logits (line 6)" in sources


def test_an_index_written_before_cells_were_cited_still_reads_then_ingest_refreshes_it(
    vault: Path,
) -> None:
    index = NotesIndex(load_settings(), HashEmbeddings())
    index.ingest([vault])
    ids, _, metas = index.everything()
    # What the earlier code wrote: a notebook passage's first cell only, an older pipeline.
    old = [cid for cid, m in zip(ids, metas, strict=True) if "cell" in m]
    index.collection.update(ids=old, metadatas=[{"end_cell": None} for _ in old])
    index.records.db.execute("UPDATE files SET pipeline = '5'")
    index.records.db.execute("DELETE FROM meta WHERE key LIKE 'keyword%'")  # nor keyword rows
    with index.records.keyword_writer() as sql:
        keyword_store.clear(sql)
    index.close()

    before = runner.invoke(app, ["search", "numpy broadcasting", "-k", "1", "--json"])
    [hit] = json.loads(before.stdout)
    assert (hit["cell"], hit["end_cell"]) == (None, None)  # cited by lines, as it was
    assert isinstance(hit["start_line"], int)

    assert runner.invoke(app, ["ingest"]).exit_code == 0
    [hit] = json.loads(
        runner.invoke(app, ["search", "numpy broadcasting", "-k", "1", "--json"]).stdout
    )
    assert {k: hit[k] for k in WHOLE} == WHOLE


def test_a_search_in_chat_lists_cells_and_leaves_fence_lines_out(vault: Path) -> None:
    from tutor.context import Services
    from tutor.nodes.retrieve import excerpt
    from tutor.session import Tutor

    settings = load_settings(notes=vault)
    tutor = Tutor(settings, Services(settings, embeddings=HashEmbeddings()))
    try:
        answer = tutor.ask("/search numpy broadcasting", "s1").answer
    finally:
        tutor.close()
    assert "**broadcasting.ipynb › Numpy Broadcasting (cells 1–5)**" in answer
    whole = excerpt(
        chunk_note(parse_note(vault / "broadcasting.ipynb", notebook_bytes()))[0].text, 999
    )
    assert "print(np.array([1, 2, 3]) + 1) Output: [2 3 4]" in whole
    assert "python" not in whole and "output [2" not in whole  # the fences' info strings
