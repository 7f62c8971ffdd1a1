"""Links from a citation back into the notes: into the Obsidian vault the note is in (found by
its `.obsidian` folder, or named by TUTOR_OBSIDIAN_VAULT), else `file://` with the line; shown
as hyperlinks on a terminal, plain in a pipe, and carried by every cited source."""

from __future__ import annotations

import io
import random
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from rich.console import Console

from tests.fakes import HashEmbeddings
from tutor.config import load_settings
from tutor.context import Services
from tutor.knowledge.citations import citation_links, linked, source_ref
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.links import file_url, note_url, source_url, vault_name
from tutor.knowledge.passage import Passage
from tutor.session import Tutor
from tutor.terminal.output import print_markdown

HYPERLINK = "\x1b]8;"


def make_vault(root: Path, marker: bool = True) -> Path:
    """A vault `My Notes` with a nested folder and names that need encoding."""
    vault = root / "My Notes"
    (vault / "ML" / "Deep Learning").mkdir(parents=True)
    if marker:
        (vault / ".obsidian").mkdir()
    (vault / "ML" / "Deep Learning" / "Attention.md").write_text(
        "# Attention\n\n## Multi-head attention\n\nMulti-head attention runs several attention "
        "heads in parallel, each with its own projections.\n",
        encoding="utf-8",
    )
    (vault / "Q&A é.md").write_text(
        "# Q&A: what is #1?\n\nThe softmax function turns logits into probabilities.\n",
        encoding="utf-8",
    )
    return vault


def opened(url: str) -> tuple[str, str]:
    """What an `obsidian://open` link opens: (vault, file parameter), decoded."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("obsidian", "open")
    query = parse_qs(parts.query, strict_parsing=True)
    return query["vault"][0], query["file"][0]


def test_a_note_in_a_vault_opens_in_obsidian_at_its_heading(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    note = vault / "ML" / "Deep Learning" / "Attention.md"
    url = source_url(str(note), heading="Attention › Multi-head attention", line=3)
    # The whole path is one parameter: `/` and spaces encoded, `.md` left off, the innermost
    # heading after `#`, as Obsidian's URI scheme reads it.
    assert url == (
        "obsidian://open?vault=My%20Notes"
        "&file=ML%2FDeep%20Learning%2FAttention%23Multi-head%20attention"
    )
    assert opened(url) == ("My Notes", "ML/Deep Learning/Attention#Multi-head attention")


def test_names_and_headings_with_spaces_unicode_hash_and_ampersand_stay_one_parameter(
    tmp_path: Path,
) -> None:
    vault = make_vault(tmp_path)
    url = source_url(str(vault / "Q&A é.md"), heading="Q&A: what is #1?", line=1)
    assert "&" not in url.split("&file=", 1)[1]  # the `&` of the name is not a new parameter
    assert "%C3%A9" in url  # é as UTF-8, percent-encoded
    # Obsidian writes a heading's `#` and `:` as spaces in a link to it; the `#` left is the
    # one that separates the note from its heading.
    assert opened(url) == ("My Notes", "Q&A é#Q&A what is 1?")

    named = note_url(vault, "Q&A é.md", heading="A & B", vault="Team #2 & co")
    assert opened(named) == ("Team #2 & co", "Q&A é#A & B")


def test_a_name_obsidian_would_read_as_a_heading_links_to_the_file_instead(
    tmp_path: Path,
) -> None:
    vault = make_vault(tmp_path)
    (vault / "C# notes.md").write_text("# C#\n\nDelegates.\n", encoding="utf-8")
    url = source_url(str(vault / "C# notes.md"), heading="C#", line=3)
    assert url == (vault / "C# notes.md").as_uri() + "#3"
    assert "C%23%20notes.md#3" in url


def test_a_note_outside_any_vault_links_to_its_file_and_line(tmp_path: Path) -> None:
    plain = tmp_path / "plain notes"
    plain.mkdir()
    note = plain / "softmax & co.md"
    note.write_text("# Softmax\n\nText.\n", encoding="utf-8")
    url = source_url(str(note), heading="Softmax", line=12)
    # No standard line anchor exists for file URLs: the bare number, as ripgrep and kitty
    # write it; anything else opens the file and ignores it.
    assert url == f"file://{tmp_path.as_posix()}/plain%20notes/softmax%20%26%20co.md#12"
    assert unquote(urlsplit(url).path) == str(note)
    assert file_url(note) == note.as_uri()  # no line known: no fragment
    # A notebook's lines are lines of the notebook as read, not of the file: no line.
    cell = Passage("n.ipynb", "", 4, 9, "x", 0.0, source=str(plain / "n.ipynb"), cell=2)
    assert cell.link() == (plain / "n.ipynb").as_uri()


def test_the_setting_names_the_vault_of_notes_without_an_obsidian_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = make_vault(tmp_path, marker=False)
    note = str(vault / "ML" / "Deep Learning" / "Attention.md")
    assert source_url(note, line=1).startswith("file://")
    # A server's copy of the notes: the learners open the links in their own vault.
    url = source_url(note, heading="Attention", vault="Team", notes=vault)
    assert opened(url) == ("Team", "ML/Deep Learning/Attention#Attention")
    # Notes ingested from elsewhere are not in that vault.
    other = tmp_path / "elsewhere.md"
    other.write_text("x", encoding="utf-8")
    assert source_url(str(other), vault="Team", notes=vault).startswith("file://")

    monkeypatch.setenv("TUTOR_OBSIDIAN_VAULT", "Team")
    assert vault_name(load_settings(notes=vault)) == "Team"
    monkeypatch.delenv("TUTOR_OBSIDIAN_VAULT")
    assert vault_name(load_settings(notes=vault)) == ""
    (vault / ".obsidian").mkdir()
    assert vault_name(load_settings(notes=vault)) == "My Notes"


def test_a_folder_ingested_inside_a_vault_links_from_the_vaults_root(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    settings = load_settings(notes=tmp_path / "unused")
    index = NotesIndex(settings, HashEmbeddings())
    try:
        index.ingest([vault / "ML"])  # `tutor ingest ~/vault/ML`: files relative to ML
        ids, texts, metas = index.everything()
        [passage] = [
            Passage.from_row(i, t, m)
            for i, t, m in zip(ids, texts, metas, strict=True)
            if m["heading"].endswith("Multi-head attention")
        ]
    finally:
        index.close()
    assert passage.file == "Deep Learning/Attention.md"
    ref = source_ref(passage)
    assert opened(ref["url"]) == ("My Notes", "ML/Deep Learning/Attention#Multi-head attention")
    assert citation_links([ref]) == {passage.citation: ref["url"]}
    # The setting names the notes folder's vault; with no such folder nothing changes.
    assert linked([passage], settings)[0].url == ref["url"]


def test_an_answer_carries_its_links_and_a_terminal_shows_them(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    settings = load_settings(notes=vault)
    services = Services(settings, embeddings=HashEmbeddings(), rng=random.Random(3))
    tutor = Tutor(settings, services)
    try:
        turn = tutor.ask("explain multi-head attention", "t-links", interface="cli")
    finally:
        tutor.close()
    source = next(s for s in turn.sources if s["file"] == "ML/Deep Learning/Attention.md")
    assert opened(source["url"])[0] == "My Notes"
    cited = next(c for c in citation_links(turn.sources) if "Attention" in c)

    terminal = io.StringIO()
    on_screen = Console(file=terminal, force_terminal=True, width=100)
    print_markdown(on_screen, turn.answer, sources=turn.sources)
    assert f"{HYPERLINK}id=" in terminal.getvalue()
    assert source["url"] in terminal.getvalue()

    pipe = io.StringIO()
    print_markdown(Console(file=pipe, width=100), turn.answer, sources=turn.sources)
    assert HYPERLINK not in pipe.getvalue()
    assert cited.split(" (")[0] in pipe.getvalue()  # the citation, as plain text


def test_a_source_recorded_before_links_still_prints_plain() -> None:
    old = {"file": "a.md", "heading": "A", "start_line": 1, "end_line": 2}
    out = io.StringIO()
    text = "Answer.\n\n**Sources**\n- [1] a.md › A (lines 1–2)"
    print_markdown(Console(file=out, force_terminal=True, width=80), text, sources=[old])
    assert "a.md › A (lines 1–2)" in out.getvalue()
    assert HYPERLINK not in out.getvalue()
