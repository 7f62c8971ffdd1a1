"""Search finds a passage by any name the notes give its term, and by its heading."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import HashEmbeddings
from tutor.config import load_settings
from tutor.knowledge.index import NotesIndex
from tutor.knowledge.retriever import HybridRetriever, SearchMode, search_terms

NOTES = """\
# Glossary
Proximal Policy Optimization (PPO) is the RL algorithm most RLHF pipelines use.
Vanishing Gradient Problem (VGP): gradients shrink layer by layer until nothing learns.

# Keeping updates small
Proximal Policy Optimization clips the probability ratio so one batch cannot move the
policy far from where it started.

# Deep networks
How to handle VGP: better weight initialization, skip connections, batch statistics.

# Dropout
Randomly zeroes activations during training so that units cannot co-adapt; at test time
every unit is kept and the activations are scaled to match what training saw on average.

# Training tips
Warm up the learning rate, and dropout helps.

# Adapters
Multi Head Attention layers keep their weights frozen while small finetuning adapters learn.
"""


def indexed(tmp_path: Path, text: str) -> NotesIndex:
    """An index of one note holding `text` (fast hash embeddings)."""
    notes = tmp_path / "notes"
    notes.mkdir(exist_ok=True)
    (notes / "study.md").write_text(text, encoding="utf-8")
    index = NotesIndex(load_settings(notes=notes), HashEmbeddings())
    index.ingest([notes])
    return index


def search(tmp_path: Path, query: str, mode: SearchMode = "hybrid") -> list[str]:
    """The headings of the passages a search returns, best first."""
    retriever = HybridRetriever(index=indexed(tmp_path, NOTES), mode=mode)
    return [p.heading for p in retriever.search(query, k=3)]


def test_an_abbreviation_finds_the_passage_that_only_spells_the_long_form(
    tmp_path: Path,
) -> None:
    assert "Keeping updates small" in search(tmp_path, "tell me about PPO", mode="bm25")
    assert "Keeping updates small" in search(tmp_path, "tell me about PPO")


def test_a_long_form_finds_the_passage_that_only_uses_the_abbreviation(tmp_path: Path) -> None:
    found = search(tmp_path, "ways to fix the vanishing gradient problem", mode="bm25")
    assert found[0] in {"Deep networks", "Glossary"}
    assert "Deep networks" in found


def test_a_heading_match_outranks_a_passing_mention(tmp_path: Path) -> None:
    # Keyword search alone: the fake embedding is a bag of words, blind to headings.
    assert search(tmp_path, "dropout", mode="bm25")[0] == "Dropout"


def test_hyphenated_words_meet_their_spaced_and_joined_spellings(tmp_path: Path) -> None:
    assert search(tmp_path, "multi-head fine-tuning", mode="bm25")[0] == "Adapters"
    assert {"multi", "head", "multihead"} <= set(search_terms("multi-head attention"))


def test_passages_of_a_file_whose_ingest_has_not_finished_are_never_searched(
    tmp_path: Path,
) -> None:
    """Another process writing to the same Chroma server: its passages are in the collection
    before the file's record is committed, and must not be found until it is."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "study.md").write_text(NOTES, encoding="utf-8")
    embeddings = HashEmbeddings()
    index = NotesIndex(load_settings(notes=notes), embeddings)
    index.ingest([notes])
    retriever = HybridRetriever(index=index)
    assert retriever.search("zygomorphic quokka", k=3)[0].heading != "Half written"

    text = "Zygomorphic quokka gradients are a made-up term for this test."
    meta = {"file": "other.md", "heading": "Half written", "start_line": 1, "end_line": 1}
    source = str(tmp_path / "other.md")
    index.records.begin(source, "other.md", ["half-1"])
    index.collection.add(ids=["half-1"], documents=[text], metadatas=[meta])
    for mode in ("hybrid", "dense", "bm25"):
        searcher = HybridRetriever(index=index, mode=mode)
        assert all(p.heading != "Half written" for p in searcher.search("zygomorphic quokka"))
    assert all(cid != "half-1" for cid, _, _ in retriever.rows())

    index.records.commit(source, "other.md", "hash", ["half-1"], "pipeline")
    assert retriever.search("zygomorphic quokka", k=3)[0].heading == "Half written"


def test_a_passage_titled_with_the_term_or_its_other_name_comes_first(tmp_path: Path) -> None:
    index = indexed(
        tmp_path,
        "# Optimizers\n\nAdaptive Moment Estimation\n"
        "- An optimization algorithm that combines momentum with an adaptive learning rate.\n\n"
        "# Training loop\n\nUse Adam or SGD: Adam is the default, Adam adapts, Adam just works.\n\n"
        "# Choices\n\nSo instead use Adaptive Moment Estimation(Adam) or RMSprop.\n",
    )
    hybrid = HybridRetriever(index=index)
    assert [p.heading for p in hybrid.search("adam", k=3)][0] == "Optimizers"
    assert [p.heading for p in hybrid.search("what is Adam?", k=3)][0] == "Optimizers"
    # Keywords alone have no title lift: the passage that repeats the name wins there.
    keywords_only = HybridRetriever(index=index, mode="bm25").search("adam", k=3)
    assert keywords_only[0].heading != "Optimizers"


def test_a_passage_with_a_term_colon_line_defining_the_term_comes_first(tmp_path: Path) -> None:
    index = indexed(
        tmp_path,
        "# Parts\n\nWhat are the components of a basic NN?\n- Neurons: Units that add a bias.\n"
        "- Weights: Parameters that scale inputs, determining their influence.\n\n"
        "# Fine tuning\n\nThe main model weights are frozen; weights of adapters train; the "
        "weights of the head change; weights weights.\n\n"
        "# Tokens\n\nText is split into tokens.\n\n# Softmax\n\nScores become probabilities.\n\n"
        "# Dropout\n\nUnits are zeroed at random.\n\n# Attention\n\nQueries meet keys.\n",
    )
    assert HybridRetriever(index=index).search("weights", k=2)[0].heading == "Parts"
    assert HybridRetriever(index=index, mode="bm25").search("weights", k=2)[0].heading != "Parts"


@pytest.mark.parametrize(
    ("title", "first"),
    [
        ("Mutli-head attenion", "Mutli-head attenion"),  # slips in long words: the same name
        ("Multi-hed attention", "Masked Multi Head Attention"),  # in a short word: another
    ],
)
def test_a_title_the_notes_misspelt_lifts_the_passage_only_for_slips_in_long_words(
    tmp_path: Path, title: str, first: str
) -> None:
    index = indexed(
        tmp_path,
        "# Transformers\n\nMasked Multi Head Attention\n- Multi-head attention that hides "
        "later tokens; multi-head attention in the decoder; multi-head attention again.\n\n"
        f"{title}\n- Several self attention heads working in parallel.\n",
    )
    found = HybridRetriever(index=index).search("multi-head attention", k=2)[0]
    assert found.text.startswith(first)


def test_a_heading_or_title_with_another_name_in_brackets_still_names_the_term() -> None:
    from tutor.knowledge.retriever import DEFINES_BONUS, HEADING_BONUS, _title_bonus

    names = {"l2regularization": ["l2", "regularization"]}
    heading = {"heading": "Regularization › L2 Regularization (Ridge)"}
    assert _title_bonus(names, "Adds a penalty on the square of the weights.", heading) == (
        HEADING_BONUS
    )
    titled = "L2 Regularization (Ridge)\n- Adds a penalty on the square of the weights."
    assert _title_bonus(names, titled, {"heading": "Notes"}) == DEFINES_BONUS
    assert _title_bonus(names, "L1 Regularization (Lasso)\n- Zeroes.", {"heading": "x"}) == 0
