"""Links back into the notes through the real `tutor` command: `url` in the JSON of search and
ask, hyperlinks on a (forced) terminal and none in a pipe, over a vault with `.obsidian`."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.integration.processes import run_tutor as tutor

pytestmark = pytest.mark.integration

HYPERLINK = "\x1b]8;"


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TUTOR_NOTES: a small Obsidian vault (a `.obsidian` folder, a note in a subfolder)."""
    folder = tmp_path / "Study Vault"
    (folder / ".obsidian").mkdir(parents=True)
    (folder / "ML").mkdir()
    (folder / "ML" / "attention & heads.md").write_text(
        "# Attention\n\n## Multi-head attention\n\nMulti-head attention runs several attention "
        "heads in parallel, each with its own query, key and value projections, and joins "
        "their outputs.\n\n## Softmax\n\nThe softmax turns scores into weights that sum to 1.\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("TUTOR_NOTES", str(folder))
    return folder


def opened(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    assert parts.scheme == "obsidian", url
    query = parse_qs(parts.query, strict_parsing=True)
    return query["vault"][0], query["file"][0]


def test_search_and_ask_carry_links_into_the_vault(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [hit] = json.loads(tutor("search", "multi-head attention", "-k", "1", "--json").stdout)
    assert hit["file"] == "ML/attention & heads.md"
    assert opened(hit["url"]) == ("Study Vault", "ML/attention & heads#Multi-head attention")

    turn = json.loads(tutor("ask", "explain multi-head attention", "--json").stdout)
    urls = [s["url"] for s in turn["sources"]]
    assert urls and all(opened(u)[0] == "Study Vault" for u in urls)

    piped = tutor("search", "multi-head attention", "-k", "1").stdout
    assert "ML/attention & heads.md › Attention › Multi-head attention" in piped
    assert HYPERLINK not in piped

    monkeypatch.setenv("FORCE_COLOR", "1")  # rich then takes the pipe for a terminal
    shown = tutor("search", "multi-head attention", "-k", "1").stdout
    assert f"{HYPERLINK}id=" in shown and hit["url"] in shown
    answered = tutor("ask", "explain multi-head attention").stdout
    assert HYPERLINK in answered and urls[0] in answered


def test_plain_notes_link_to_the_file_and_the_setting_names_a_vault(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (vault / ".obsidian").rmdir()
    [hit] = json.loads(tutor("search", "softmax weights", "-k", "1", "--json").stdout)
    note = vault / "ML" / "attention & heads.md"
    assert hit["url"] == f"{note.as_uri()}#{hit['start_line']}"

    monkeypatch.setenv("TUTOR_OBSIDIAN_VAULT", "Team Notes")
    [hit] = json.loads(tutor("search", "softmax weights", "-k", "1", "--json").stdout)
    assert opened(hit["url"]) == ("Team Notes", "ML/attention & heads#Softmax")
