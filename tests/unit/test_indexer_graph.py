"""The indexer graph named in langgraph.json loads and indexes notes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.fakes import HashEmbeddings
from tutor.knowledge.indexer import IndexerContext


def load_graph(name: str) -> object:
    spec = json.loads((REPO / "langgraph.json").read_text())["graphs"][name]
    file, _, attr = spec.partition(":")
    module_spec = importlib.util.spec_from_file_location(f"graphs_{name}", REPO / file)
    assert module_spec and module_spec.loader
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return getattr(module, attr)


def test_langgraph_json_indexer_ingests_the_given_notes(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tutor.knowledge.index.make_embeddings", lambda settings: HashEmbeddings())
    graph = load_graph("indexer")
    context = IndexerContext(home=str(tmp_path / "studio-home"))
    result = graph.invoke({"paths": [str(notes)]}, context=context)  # type: ignore[attr-defined]
    assert (result["report"]["seen"], result["report"]["indexed"]) == (5, 5)
    again = graph.invoke({"paths": [str(notes)]}, context=context)  # type: ignore[attr-defined]
    assert again["report"]["unchanged"] == 5
    assert (tmp_path / "studio-home" / "chroma").is_dir()
