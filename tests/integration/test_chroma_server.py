"""TUTOR_CHROMA_URL: the same index on a real Chroma server on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.fakes import HashEmbeddings
from tutor.config import load_settings
from tutor.errors import TutorError
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.retriever import HybridRetriever

pytestmark = pytest.mark.integration


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    assert Path(chroma).exists(), "the chroma CLI comes with chromadb"
    port = free_port()
    proc = subprocess.Popen(
        [
            chroma,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_ingest_and_search_against_a_chroma_server(chroma_url: str, notes: Path) -> None:
    settings = load_settings(chroma_url=chroma_url)
    index = NotesIndex(settings, HashEmbeddings())
    report = index.ingest([notes])
    assert report.indexed == 5 and index.count() == report.chunks
    assert not settings.chroma_dir.exists()  # nothing went to the local directory
    again = NotesIndex(load_settings(chroma_url=chroma_url), HashEmbeddings())
    passages = HybridRetriever(index=again).search("KL divergence penalty PPO")
    assert any("KL Divergence" in p.text for p in passages)


def test_an_unreachable_chroma_server_is_a_clear_error() -> None:
    index = NotesIndex(
        load_settings(chroma_url=f"http://127.0.0.1:{free_port()}"), HashEmbeddings()
    )
    with pytest.raises(TutorError, match="cannot reach the Chroma server"):
        index.count()
