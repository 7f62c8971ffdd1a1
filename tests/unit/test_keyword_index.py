"""Keyword search kept on disk: written with each file's commit, gone with the file, the same
ranking as the in-memory BM25 it replaced, and an index built before it gets it on first use.
Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rank_bm25 import BM25Okapi

from tests.conftest import both_backends
from tests.fakes import HashEmbeddings
from tutor.config import load_settings
from tutor.knowledge import keyword_store as store
from tutor.knowledge.aliases import read_aliases
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.retriever import HybridRetriever, passage_terms, search_terms
from tutor.knowledge.words import keywords

pytestmark = both_backends

GLOSSARY = """\
# Glossary
Proximal Policy Optimization (PPO) is the RL algorithm most RLHF pipelines use.

# Keeping updates small
Proximal Policy Optimization clips the probability ratio so the policy stays near.

# Training models
Training a model: the model learns from data, and the model is checked on held-out data.
"""
DROPOUT = """\
# Dropout
Randomly zeroes activations during model training so that units cannot co-adapt.

# Model averaging
Dropout trains an ensemble of thinned models that share weights.
"""
BARE = """\
# Deep stacks
They suffer from VGP: better initialization and skip connections help.
"""


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    notes = tmp_path / "vault"
    notes.mkdir()
    (notes / "glossary.md").write_text(GLOSSARY, encoding="utf-8")
    (notes / "dropout.md").write_text(DROPOUT, encoding="utf-8")
    return notes


@pytest.fixture
def index(vault: Path) -> Iterator[NotesIndex]:
    made = NotesIndex(load_settings(notes=vault), HashEmbeddings())
    made.ingest([vault])
    yield made
    made.close()


def headings(index: NotesIndex, query: str, k: int = 3) -> list[str]:
    """What a search in a new process would show: a fresh retriever, keyword mode."""
    return [p.heading for p in HybridRetriever(index=index, mode="bm25").search(query, k=k)]


def stored(index: NotesIndex) -> set[str]:
    return store.stored_ids(index.records.keyword_reader())


def test_scores_are_those_of_the_in_memory_bm25_they_replace(index: NotesIndex) -> None:
    ids, texts, metas = index.everything()
    headed = [f"{m['heading']}\n{t}" for t, m in zip(texts, metas, strict=True)]
    aliases = read_aliases(headed)
    corpus = [passage_terms(m["heading"], t, aliases) for t, m in zip(texts, metas, strict=True)]
    memory = BM25Okapi(corpus)
    retriever = HybridRetriever(index=index, mode="bm25")
    # "model" is in most passages: its idf is negative and BM25Okapi floors it.
    for query in ("model training", "PPO updates", "dropout model", "model model data"):
        terms = search_terms(query) + [f"alias:{c}" for c in aliases.concepts_in(query)]
        old = dict(zip(ids, memory.get_scores(terms), strict=True))
        top = max(old.values())
        new = retriever._refresh().scores(terms, candidates=30, also=())
        assert new == pytest.approx({c: s / top for c, s in old.items() if s > 0})


def test_a_new_process_searches_without_reading_every_passage(index: NotesIndex) -> None:
    class NoFullRead(NotesIndex):
        def everything(self) -> tuple[list[str], list[str], list[dict[str, object]]]:
            raise AssertionError("a search read every passage")

    fresh = NoFullRead(index.settings, HashEmbeddings())
    try:
        found = HybridRetriever(index=fresh).search("tell me about PPO", k=3)
        assert "Keeping updates small" in [p.heading for p in found]
    finally:
        fresh.close()


def test_vocabulary_and_aliases_are_those_of_every_passage(index: NotesIndex) -> None:
    _, texts, metas = index.everything()
    headed = [f"{m['heading']}\n{t}" for t, m in zip(texts, metas, strict=True)]
    retriever = HybridRetriever(index=index)
    assert retriever.vocabulary == frozenset(w for h in headed for w in keywords(h))
    assert retriever.aliases.pairs() == read_aliases(headed).pairs()
    assert {cid for cid, _, _ in retriever.rows()} == set(index.everything()[0])
    assert sorted(retriever.texts()) == sorted(texts)


def test_a_removed_note_leaves_keyword_search_with_its_passages(
    index: NotesIndex, vault: Path
) -> None:
    assert headings(index, "randomly zeroes activations")[0] == "Dropout"
    (vault / "dropout.md").unlink()
    index.ingest([vault])
    assert "Dropout" not in headings(index, "randomly zeroes activations")
    assert "zeroe" not in HybridRetriever(index=index).vocabulary
    assert stored(index) == set(index.records.chunk_files())


def test_an_edited_note_is_found_by_its_new_words_only(index: NotesIndex, vault: Path) -> None:
    (vault / "dropout.md").write_text(
        DROPOUT.replace("Randomly zeroes activations", "Stochastically silences neurons"),
        encoding="utf-8",
    )
    index.ingest([vault])
    assert headings(index, "stochastically silences neurons")[0] == "Dropout"
    assert "Dropout" not in headings(index, "randomly zeroes")
    assert stored(index) == set(index.records.chunk_files())


def test_a_new_definition_renames_the_terms_of_notes_already_indexed(
    index: NotesIndex, vault: Path
) -> None:
    (vault / "bare.md").write_text(BARE, encoding="utf-8")
    index.ingest([vault])
    running = HybridRetriever(index=index, mode="bm25")  # a bot's, kept across ingests
    assert "Deep stacks" not in headings(index, "vanishing gradient problem")
    assert "Deep stacks" not in [p.heading for p in running.search("vanishing gradient problem")]
    # A later note spells VGP out: the note that only says "VGP" is found by the long form.
    (vault / "terms.md").write_text(
        "# Terms\nThe Vanishing Gradient Problem (VGP) stalls deep nets.\n", encoding="utf-8"
    )
    index.ingest([vault])
    assert "Deep stacks" in headings(index, "vanishing gradient problem")
    assert "Deep stacks" in [p.heading for p in running.search("vanishing gradient problem")]
    assert running.aliases.of("VGP") == ["Vanishing Gradient Problem"]


def test_a_name_with_an_abbreviation_is_searched_as_one_name_not_as_its_words(
    index: NotesIndex, vault: Path
) -> None:
    (vault / "bare.md").write_text(BARE, encoding="utf-8")
    (vault / "terms.md").write_text(
        "# Terms\nThe Vanishing Gradient Problem (VGP) stalls deep nets.\n", encoding="utf-8"
    )
    (vault / "exploding.md").write_text(
        "# Exploding gradients\nA gradient problem of its own: vanishing is the opposite.\n",
        encoding="utf-8",
    )
    index.ingest([vault])
    # The note that only says "VGP" answers the question; the one using the words does not.
    found = headings(index, "how do I fix the vanishing gradient problem?", k=5)
    assert "Deep stacks" in found
    assert "Exploding gradients" not in found[: found.index("Deep stacks") + 1]


def test_a_running_search_takes_the_aliases_read_after_another_process_committed(
    index: NotesIndex, vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = HybridRetriever(index=index, mode="bm25")
    (vault / "bare.md").write_text(BARE, encoding="utf-8")
    (vault / "terms.md").write_text(
        "# Terms\nThe Vanishing Gradient Problem (VGP) stalls deep nets.\n", encoding="utf-8"
    )
    # Another process's ingest: every file committed, its aliases not read yet.
    monkeypatch.setattr(index, "refresh_keywords", lambda aliases=True: None)
    index.ingest([vault])
    assert "Deep stacks" not in [p.heading for p in running.search("vanishing gradient problem")]
    monkeypatch.undo()
    index.refresh_keywords()  # the end of that ingest
    assert "Deep stacks" in [p.heading for p in running.search("vanishing gradient problem")]


def forget_keyword_rows(index: NotesIndex) -> None:
    """What the version before keyword rows left: none, and no aliases stored."""
    with index.records.keyword_writer() as sql:
        store.clear(sql)
        store.set_meta(sql, store.VERSION_KEY, "")
        store.set_meta(sql, store.ALIASES, "")
    assert stored(index) == set()


def test_an_index_built_before_keyword_rows_gets_them_on_first_search(
    index: NotesIndex,
) -> None:
    forget_keyword_rows(index)
    fresh = NotesIndex(index.settings, HashEmbeddings())
    try:
        assert "Keeping updates small" in headings(fresh, "tell me about PPO")
        assert stored(fresh) == set(fresh.records.chunk_files())
        assert fresh.records.get_meta(store.VERSION_KEY) == store.VERSION
    finally:
        fresh.close()


def test_an_index_built_before_keyword_rows_gets_them_at_the_next_ingest(
    index: NotesIndex, vault: Path
) -> None:
    forget_keyword_rows(index)
    fresh = NotesIndex(index.settings, HashEmbeddings())
    try:
        report = fresh.ingest([vault])
        assert report.unchanged == 2 and report.indexed == 0
        assert stored(fresh) == set(fresh.records.chunk_files())
        assert HybridRetriever(index=fresh).aliases.of("PPO") == ["Proximal Policy Optimization"]
    finally:
        fresh.close()


def test_a_file_whose_commit_never_came_is_not_searched(index: NotesIndex, tmp_path: Path) -> None:
    """A killed ingest: the file's passages were staged and written to Chroma, its record
    never committed; neither this process nor the next finds them."""
    from tutor.knowledge.aliases import Aliases
    from tutor.knowledge.terms import KeywordDoc

    source = str(tmp_path / "half.md")
    meta = {"file": "half.md", "heading": "Half written", "start_line": 1, "end_line": 1}
    text = "Zygomorphic quokka gradients are made up."
    index.records.begin(source, "half.md", ["half-1"])
    index.collection.add(ids=["half-1"], documents=[text], metadatas=[meta])
    index.records.stage_keywords(source, [KeywordDoc.of("half-1", source, text, meta, Aliases())])
    assert headings(index, "zygomorphic quokka") == []
    assert "half-1" not in stored(index)


def test_a_rebuild_for_another_embedding_model_starts_keyword_search_afresh(
    index: NotesIndex, vault: Path
) -> None:
    other = NotesIndex(index.settings, HashEmbeddings(model_id="another-model"))
    try:
        other.ingest([vault])
        assert other.rebuilt_from == "test-hash"
        assert stored(other) == set(other.records.chunk_files()) == set(other.everything()[0])
        assert headings(other, "randomly zeroes activations")[0] == "Dropout"
    finally:
        other.close()


def test_new_alias_rules_are_applied_at_the_next_ingest_even_with_no_note_changed(
    index: NotesIndex, vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tutor.knowledge import keyword_upkeep
    from tutor.knowledge.aliases import Aliases

    assert "Dropout" not in headings(index, "stochastic silencing")

    def newer_rules(texts: object) -> Aliases:  # an upgrade that reads one more alias
        aliases = read_aliases(texts)  # type: ignore[arg-type]
        aliases.add("Dropout", "stochastic silencing")
        return aliases

    monkeypatch.setattr(keyword_upkeep, "read_aliases", newer_rules)
    index.ingest([vault])  # nothing changed but the code: the old aliases stay
    assert "Dropout" not in headings(index, "stochastic silencing")
    monkeypatch.setattr(keyword_upkeep, "_reader_version", lambda: "the next release")
    index.ingest([vault])
    assert "Dropout" in headings(index, "stochastic silencing")
