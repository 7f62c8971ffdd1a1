"""The study map: concepts and relations read from the notes, each relation citing a real line,
and a topic typed any way finding its concept (or nothing, never an error)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHIPPED_NOTES
from tutor.errors import TutorError
from tutor.evals.study_map import (
    Edge,
    Pair,
    edge_scores,
    merge_scores,
    overlap,
    study_map_eval,
)
from tutor.knowledge.aliases import read_aliases
from tutor.knowledge.chunking import chunk_note
from tutor.knowledge.loaders import parse_note
from tutor.studymap.build import build_map, find_concept
from tutor.studymap.concepts import Concept, Evidence, Relation, StudyMap

Rows = list[tuple[str, str, dict[str, Any]]]


def rows_of(folder: Path) -> Rows:
    """The passages of a folder's notes as the index keeps them (no embeddings needed)."""
    rows: Rows = []
    for path in sorted(folder.glob("*.md")):
        note = parse_note(path, path.read_bytes())
        links = ", ".join(note.metadata.get("links", []))
        for n, chunk in enumerate(chunk_note(note)):
            meta = {
                "source": str(path.resolve()),
                "file": path.name,
                "heading": chunk.heading,
                "start_line": chunk.start_line,
                "end_line": chunk.end_line,
            }
            rows.append(
                (f"{path.stem}-{n}", chunk.text, meta | ({"links": links} if links else {}))
            )
    return rows


def map_of(folder: Path) -> StudyMap:
    rows = rows_of(folder)
    return build_map(rows, read_aliases([f"{m['heading']}\n{t}" for _, t, m in rows]))


@pytest.fixture(scope="module")
def shipped() -> StudyMap:
    return map_of(SHIPPED_NOTES)


def concept(study_map: StudyMap, name: str) -> Concept:
    found = find_concept(study_map, name)
    assert found is not None, name
    return found


def test_an_abbreviation_and_its_long_form_are_one_concept(shipped: StudyMap) -> None:
    ppo = concept(shipped, "PPO")
    assert concept(shipped, "Proximal Policy Optimization").id == ppo.id
    assert ppo.name == "Proximal Policy Optimization" and "PPO" in ppo.aliases
    assert (
        concept(shipped, "rlhf").id
        == concept(shipped, "Reinforcement Learning from Human Feedback").id
    )


def test_siblings_stay_apart(shipped: StudyMap) -> None:
    for a, b in [("RLHF", "RLAIF"), ("L1 Regularization", "L2 Regularization"), ("GRU", "LSTM")]:
        assert concept(shipped, a).id != concept(shipped, b).id


def test_the_pipeline_orders_pretraining_sft_rlhf(shipped: StudyMap) -> None:
    sft, rlhf = concept(shipped, "SFT"), concept(shipped, "RLHF")
    assert sft.id in shipped.prerequisites(rlhf.id)
    assert concept(shipped, "Pretraining").id in shipped.prerequisites(sft.id)
    assert rlhf.id not in shipped.prerequisites(sft.id)


def test_a_contrast_is_compare_with_not_a_prerequisite(shipped: StudyMap) -> None:
    rlhf, rlaif = concept(shipped, "RLHF"), concept(shipped, "RLAIF")
    pair = {r.source for r in shipped.relations if r.kind == "compare_with"} | {
        r.target for r in shipped.relations if r.kind == "compare_with"
    }
    assert {rlhf.id, rlaif.id} <= pair
    assert rlaif.id not in shipped.prerequisites(rlhf.id)


def test_every_relation_cites_a_real_line_that_says_it(shipped: StudyMap) -> None:
    lines = {p.name: parse_note(p, p.read_bytes()).lines for p in SHIPPED_NOTES.glob("*.md")}
    assert shipped.relations
    for r in shipped.relations:
        assert r.evidence.text and r.evidence.text in lines[r.evidence.file][r.evidence.line - 1], r


def test_filing_headings_are_not_concepts(shipped: StudyMap) -> None:
    for heading in ("Example Use Case", "Memory Trick", "One-Line Summary", "Mitigation #1"):
        assert find_concept(shipped, heading) is None
    assert find_concept(shipped, "Tokenization") is not None  # "step2: Tokenization"


@pytest.mark.parametrize(
    "typed",
    ["x" * 300, "[[LoRA]]", "*PPO*", "(.*+?[", "", "   ", "**", "what is ppo?", "\x00\ud800"],
)
def test_any_topic_finds_its_concept_or_nothing(shipped: StudyMap, typed: str) -> None:
    found = find_concept(shipped, typed)
    wanted = {"[[LoRA]]": "LoRA", "*PPO*": "PPO", "what is ppo?": "PPO"}.get(typed)
    if wanted:
        assert found is not None and wanted in [found.name, *found.aliases]
    else:
        assert found is None


def test_a_vault_gives_part_of_wikilinks_and_arrows(tmp_path: Path) -> None:
    (tmp_path / "LoRA.md").write_text(
        "# LoRA\n\nLoRA trains two small matrices beside frozen weights.\n"
    )
    (tmp_path / "tuning.md").write_text(
        "# Fine Tuning\n\nAdapting a trained model to one task.\n\n"
        "## Introduction\n\nWhat this note is about.\n\n"
        "## QLoRA\n\nQLoRA is LoRA on a model stored in 4 bits, see [[LoRA]].\n\n"
        "## Tokenizer Training\n\nLearning a vocabulary from text.\n\n"
        "## Flow\n\nTokenizer Training → Fine Tuning → QLoRA\n"
    )
    study_map = map_of(tmp_path)
    qlora, lora = concept(study_map, "QLoRA"), concept(study_map, "[[LoRA]]")
    fine = concept(study_map, "fine-tuning")
    assert qlora.id != lora.id
    assert fine.id in [r.target for r in study_map.related(qlora.id, "part_of")]
    assert lora.id in study_map.prerequisites(qlora.id)
    assert concept(study_map, "Tokenizer Training").id in study_map.prerequisites(fine.id)
    assert find_concept(study_map, "Introduction") is None
    linked = next(r for r in study_map.related(qlora.id, "prerequisite") if r.target == lora.id)
    assert linked.evidence.file == "tuning.md" and "LoRA" in linked.evidence.text


def test_an_abbreviation_joins_only_the_side_of_a_heading_that_spells_it(tmp_path: Path) -> None:
    (tmp_path / "tuning.md").write_text(
        "# Supervised Fine Tuning and Reward Modeling\n\n"
        "Both come after pretraining.\n\n## Data\n\nSFT needs a few thousand examples.\n"
    )
    study_map = map_of(tmp_path)
    sft = concept(study_map, "Supervised Fine Tuning")
    reward = concept(study_map, "Reward Modeling")
    assert sft.id != reward.id
    assert "SFT" in sft.aliases
    assert "SFT" not in reward.aliases  # the heading's two concepts keep their own names


# ---- the eval's metrics ------------------------------------------------------------------


def tiny_map() -> StudyMap:
    ev = Evidence("n.md", 1, "x")
    concepts = {
        "ppo": Concept("ppo", "Proximal Policy Optimization", ["PPO"]),
        "rm": Concept("rm", "Reward Model", ["RM"]),
        "sft": Concept("sft", "Supervised Fine-Tuning", ["SFT"]),
        "dpo": Concept("dpo", "DPO"),
    }
    relations = [
        Relation("prerequisite", "ppo", "rm", ev),
        Relation("prerequisite", "dpo", "rm", ev),  # labelled false below
        Relation("compare_with", "dpo", "ppo", ev),
    ]
    return StudyMap(concepts=concepts, relations=relations)


def test_merge_metrics_on_a_hand_made_map() -> None:
    pairs = [
        Pair("PPO", "proximal policy optimization", True),
        Pair("RM", "Reward Models", True),
        Pair("SFT", "DPO", True),  # labelled same, not merged
        Pair("PPO", "DPO", False),
        Pair("ppo", "Proximal-Policy Optimization", False),  # labelled different, merged
    ]
    got = merge_scores(tiny_map(), pairs)
    assert got["merge_rate"] == pytest.approx(2 / 3)
    assert got["false_merges"] == 1 and got["different_pairs"] == 2


def test_edge_metrics_on_a_hand_made_map() -> None:
    edges = [
        Edge("PPO", "Reward Model", True),  # drawn, true
        Edge("DPO", "RM", False),  # drawn, false
        Edge("SFT", "PPO", True),  # not drawn, true
        Edge("RM", "PPO", False),  # not drawn (the reverse), false
    ]
    got = edge_scores(tiny_map(), edges)
    assert got["precision"] == pytest.approx(0.5)
    assert got["recall"] == pytest.approx(0.5)
    assert got["wrong"] == ["DPO -> RM"]


def test_an_item_in_both_halves_is_an_error(tmp_path: Path) -> None:
    pair = {"a": "PPO", "b": "Proximal Policy Optimization", "same": True, "why": "x"}
    (tmp_path / "map_pairs.jsonl").write_text(json.dumps(pair) + "\n")
    turned = pair | {"a": pair["b"], "b": "ppo"}
    (tmp_path / "map_pairs_heldout.jsonl").write_text(json.dumps(turned) + "\n")
    assert overlap([Pair("PPO", "RM", True)], [Pair("rm", "ppo", False)])
    assert not overlap([Edge("PPO", "RM", True)], [Edge("RM", "PPO", False)])
    rows = rows_of(SHIPPED_NOTES)
    with pytest.raises(TutorError, match="both halves"):
        study_map_eval(rows, read_aliases([t for _, t, _ in rows]), tmp_path)


def test_a_missing_held_out_half_is_reported_not_fatal(tmp_path: Path) -> None:
    edge = {"concept": "RLHF", "needs": "SFT", "prerequisite": True, "why": "pipeline"}
    (tmp_path / "map_edges.jsonl").write_text(json.dumps(edge) + "\n")
    rows = rows_of(SHIPPED_NOTES)
    got = study_map_eval(rows, read_aliases([f"{m['heading']}\n{t}" for _, t, m in rows]), tmp_path)
    assert got["halves"]["heldout"] == {"merges": "missing", "edges": "missing"}
    assert got["halves"]["tune"]["edges"]["precision"] == 1.0
    assert got["coverage"]["coverage"] >= 0.9


def test_a_bare_abbreviation_joins_the_one_name_it_spells(shipped: StudyMap) -> None:
    # The notebook writes "an extention of SA", "What is BP", "a NN" and never brackets them.
    assert concept(shipped, "SA").id == concept(shipped, "Self Attention").id
    assert concept(shipped, "BP").id == concept(shipped, "Backpropagation").id
    assert concept(shipped, "NN").id == concept(shipped, "Neural Network").id
    assert concept(shipped, "Stochastic Gradient Descent").id == concept(shipped, "SGD").id


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Lanchain", "LangChain"),  # the notes' own slip, in a title
        ("Tokenisation", "Tokenization"),
        ("Vague recollection", "Vague racollection"),  # the notes' heading is the misspelled one
        ("Byte Pair Encoding", "bite pair encoding algorithm"),
        ("Forward Prop", "Forward Propagation"),
        ("PLHF", "RLHF"),  # "PLHF(Reinforcement Learning from Human Feedback)"
    ],
)
def test_a_slip_finds_the_concept(shipped: StudyMap, typed: str, meant: str) -> None:
    assert concept(shipped, typed).id == concept(shipped, meant).id


def test_typo_forgiveness_keeps_short_siblings_apart(shipped: StudyMap, tmp_path: Path) -> None:
    for a, b in [("GD", "SGD"), ("BN", "LN"), ("PPO", "DPO"), ("FP", "BP"), ("SA", "CA")]:
        assert concept(shipped, a).id != concept(shipped, b).id, (a, b)
    (tmp_path / "peft.md").write_text(
        "# LoRA\n\n- LoRA adds small low-rank matrices to frozen weights.\n\n"
        "# QLoRA\n\n- QLoRA quantizes the frozen weights to 4 bits, then applies LoRA.\n"
    )
    study_map = map_of(tmp_path)
    assert concept(study_map, "LoRA").id != concept(study_map, "QLoRA").id
    assert find_concept(study_map, "LoRB") is None  # a short name is never guessed


def test_the_plain_kind_or_a_system_of_a_concept_is_the_concept(tmp_path: Path) -> None:
    (tmp_path / "opt.md").write_text(
        "# Gradient Descent (GD)\n\n- Steps against the gradient.\n\n"
        "# Retrieval-Augmented Generation (RAG)\n\n- Looks passages up, then answers.\n\n"
        "# Basic Blocks\n\n- Layers stacked in order.\n"
    )
    study_map = map_of(tmp_path)
    gd = concept(study_map, "GD").id
    assert concept(study_map, "vanilla GD").id == gd
    assert concept(study_map, "basic gradient descent").id == gd
    assert concept(study_map, "RAG system").id == concept(study_map, "RAG").id
    # The notes' own name wins: "Basic Blocks" is a concept, not "Blocks".
    assert concept(study_map, "basic blocks").name == "Basic Blocks"
    assert find_concept(study_map, "vanilla") is None


def test_a_term_line_defining_two_things_or_listing_instances_makes_concepts(
    tmp_path: Path,
) -> None:
    (tmp_path / "lc.md").write_text(
        "# LangChain\n\n- Document Loaders & Text Splitters: load, parse and chunk documents "
        "for RAG.\n\n# RAG in LangChain\n\n- Text Splitter: CharacterTextSplitter, "
        "RecursiveCharacterTextSplitter\n- Embeddings: OpenAIEmbeddings, HuggingFaceEmbeddings\n"
        "- Pros: fast\n"
    )
    study_map = map_of(tmp_path)
    splitters = concept(study_map, "Text Splitters")
    assert concept(study_map, "Text Splitter").id == splitters.id
    assert concept(study_map, "Document Loaders").id != splitters.id
    assert find_concept(study_map, "Embeddings") is not None
    assert find_concept(study_map, "Pros") is None  # one word after the colon lists nothing


def test_a_name_with_an_inner_word_more_or_fewer_is_the_same_concept(shipped: StudyMap) -> None:
    ffnn = concept(shipped, "Feed Forward Neural Network").id
    assert concept(shipped, "Feed Forward Networks").id == ffnn
    assert concept(shipped, "cross multi head attention").id == concept(shipped, "CA").id
    # The first and last words must stay: a masked attention is not attention.
    assert (
        concept(shipped, "Masked Multi Head Attention").id
        != concept(shipped, "Multi Head Attention").id
    )
    assert find_concept(shipped, "Feed Networks") is None  # two inner words fewer: too few


def test_a_problem_is_found_by_its_name_without_the_word_problem(shipped: StudyMap) -> None:
    vgp = concept(shipped, "VGP").id
    for typed in ("Vanishing Gradients", "vanishing gradient issue", "vanishing gradient"):
        assert concept(shipped, typed).id == vgp, typed
    assert find_concept(shipped, "problem") is None


def test_an_abbreviation_defined_only_in_brackets_resolves(tmp_path: Path) -> None:
    (tmp_path / "rnn.md").write_text(
        "# RNN\n\n- For training, RNNs use backpropagation through time (BPTT).\n"
        "- BPTT unrolls the network over its time steps.\n\n"
        "# Backpropagation\n\n- The gradient of the loss for each weight, by the chain rule.\n"
    )
    study_map = map_of(tmp_path)
    bptt = concept(study_map, "BPTT")
    assert concept(study_map, "backpropagation through time").id == bptt.id
    assert concept(study_map, "Backpropagation").id != bptt.id


def test_built_on_its_heading_is_a_prerequisite_a_bracket_is_not(tmp_path: Path) -> None:
    (tmp_path / "frameworks.md").write_text(
        "## LangChain\n\n- LangChain is a framework for applications with language models.\n\n"
        "Langgraphs\n- Built on top of LangChain.\n- Graphs of nodes and edges.\n\n"
        "Chroma\n- A vector store (used with LangChain or alone) for embeddings.\n"
        "- Keeps vectors on disk.\n"
    )
    study_map = map_of(tmp_path)
    langchain = concept(study_map, "LangChain").id
    assert langchain in study_map.prerequisites(concept(study_map, "LangGraph").id)
    assert langchain not in study_map.prerequisites(concept(study_map, "Chroma").id)


def test_a_name_equated_to_another_and_a_step_named_after_its_place_are_read(
    tmp_path: Path,
) -> None:
    (tmp_path / "notes.md").write_text(
        "# Regularization\n\n- Keeps weights small.\n\n"
        "**Regularization = Preventing Overfitting**\n\nBoth L1 and L2 add a penalty.\n\n"
        "**Total Loss = MSE + L2**\n\nThe loss with its penalty.\n\n"
        "Explain self attention\n"
        "- First we embed each token.\n"
        "- Third, Attention Score: for each word the model takes the dot product of its query "
        "with every key.\n"
    )
    study_map = map_of(tmp_path)
    regularization = concept(study_map, "Regularization")
    assert concept(study_map, "Preventing Overfitting").id == regularization.id
    assert find_concept(study_map, "MSE + L2") is None  # a formula names nothing
    assert concept(study_map, "Attention Score").name == "Attention Score"  # not "Third, …"
    assert find_concept(study_map, "Third") is None


def test_another_name_in_brackets_merges_when_it_names_the_same_kind_of_thing(
    tmp_path: Path,
) -> None:
    (tmp_path / "llm.md").write_text(
        "# Pretraining (Foundation Training)\n\n- Next-token prediction over web text.\n\n"
        "# Reward Model (Key RLHF Component)\n\n- Scores answers by human preference.\n\n"
        "# RLHF with PPO (Proximal Policy Optimization)\n\n- PPO updates the policy.\n\n"
        "Pre-trained LLMs (Base Models) are just next-token predictors.\n\n"
        "Retrieval methods\n"
        "- Colbert(Contextualised late interaction over BERT): embeds every token with BERT "
        "and matches them at search time.\n"
    )
    study_map = map_of(tmp_path)
    pretraining = concept(study_map, "Pretraining")
    assert concept(study_map, "Foundation Training").id == pretraining.id
    assert pretraining.name == "Pretraining"  # the heading's name, not the bracket's
    assert concept(study_map, "Base Models").id == concept(study_map, "Pre-trained LLMs").id
    colbert = concept(study_map, "Colbert")
    assert concept(study_map, "Contextualised late interaction over BERT").id == colbert.id
    # A description in brackets is not another name; a bracket spelling out the heading's
    # last abbreviation names that abbreviation, not the heading.
    assert find_concept(study_map, "Key RLHF Component") is None
    ppo = concept(study_map, "PPO")
    assert concept(study_map, "Proximal Policy Optimization").id == ppo.id
    assert concept(study_map, "RLHF with PPO").id != ppo.id


def test_a_bare_abbreviation_is_the_phrase_its_note_keeps_using(
    tmp_path: Path, shipped: StudyMap
) -> None:
    (tmp_path / "dl.md").write_text(
        "# Deep Learning\n\n- Deep learning is a subset of machine learning with many layers.\n"
        "- Unlike ML, it learns features; machine learning needs them made by hand.\n"
        "- Learning rate sets the step. Too high an LR overshoots; the learning rate decays.\n"
        "- A schedule lowers the learning rate over time.\n\n"
        "# Prompts\n\n- Explain it without natural language processing or NLP words.\n"
        "- RMS is used once here, and so are rare mentions: random model search.\n"
    )
    study_map = map_of(tmp_path)
    assert concept(study_map, "ML").id == concept(study_map, "machine learning").id
    assert concept(study_map, "LR").id == concept(study_map, "learning rate").id
    # In the shipped notes "learning rate", used a dozen times, is LR: not the title line
    # "Leaky Relu", which spells it too.
    assert concept(shipped, "LR").id == concept(shipped, "learning rate").id
    assert concept(shipped, "LR").id != concept(shipped, "Leaky Relu").id
    # Used once, but right beside the abbreviation.
    assert concept(study_map, "NLP").id == concept(study_map, "natural language processing").id
    # A phrase used once, away from it, spells nothing ("many layers" opens on a quantifier).
    assert find_concept(study_map, "random model search") is None
    assert find_concept(study_map, "many layers") is None


def test_running_text_names_a_thing_in_brackets_or_quotes(tmp_path: Path) -> None:
    (tmp_path / "rl.md").write_text(
        "# Reward Model (RM)\n\n- Scores a response as humans would.\n\n"
        '# RLHF\n\n- Step 2: train a neural net simulator of human preferences ("reward model")\n'
        "- Keeps the previous cell state(RM) as the score.\n"
        "- For training, RNNs use backpropagation through time (BPTT).\n"
        "- Feed Forward Neural Network (FFNN): layers without loops.\n"
        "- Then we feed it to FNN. DPO and PPO are compared.\n"
        "- PPO (Proximal Policy Optimization) clips the update.\n"
    )
    study_map = map_of(tmp_path)
    rm = concept(study_map, "Reward Model").id
    assert concept(study_map, "neural net simulator of human preferences").id == rm
    assert concept(study_map, "cell state").id == rm
    assert find_concept(study_map, "through time") is None  # the end of BPTT's own long form
    assert concept(study_map, "FNN").id == concept(study_map, "FFNN").id  # a letter left out
    assert find_concept(study_map, "DPO") is None  # a letter changed is another thing


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("red team", "Red Teaming"),  # inflected otherwise
        ("Hallucinating", "Hallucinations"),
        ("jailbreaking techniques", "Jailbreaks"),  # and a word saying what kind of thing
        ("multi-head attention mechanism", "Multi-head attention"),
        ("traditional machine learning", "ML"),
    ],
)
def test_a_name_inflected_otherwise_or_with_its_kind_finds_the_concept(
    shipped: StudyMap, typed: str, meant: str
) -> None:
    assert concept(shipped, typed).id == concept(shipped, meant).id


def test_a_stem_two_concepts_share_finds_neither(shipped: StudyMap) -> None:
    assert concept(shipped, "Optimizers").id != concept(shipped, "Optimization").id
    assert find_concept(shipped, "optimizing") is None


def test_running_text_equating_or_calling_names_gives_them_to_one_concept(tmp_path: Path) -> None:
    (tmp_path / "nn.md").write_text(
        "# Neurons\n\n- A network is a collection of interconnected computational units called"
        " neurons, organized into layers.\n- It relies on a mechanism called self-attention.\n\n"
        "# Logits\n\n- Softmax turns raw output scores, or logits, into probabilities.\n"
        "- Apples, big pears, or bananas, are fruit.\n\n"
        "# Vague racollection\n\n- What the weights remember.\n\n"
        "# Memory\n\n* Knowledge in the parameters == Vague recollection\n"
        "* Agent = LLM + Tools\n"
    )
    study_map = map_of(tmp_path)
    assert concept(study_map, "computational units").id == concept(study_map, "Neurons").id
    assert concept(study_map, "raw output scores").id == concept(study_map, "Logits").id
    # "==" names one thing twice, even with the heading's slip; one "=" is a formula
    racollection = concept(study_map, "Vague racollection").id
    assert concept(study_map, "Knowledge in the parameters").id == racollection
    assert find_concept(study_map, "LLM + Tools") is None
    # a function word before "called", or a list before ", or", names nothing
    assert find_concept(study_map, "a mechanism") is None
    assert find_concept(study_map, "big pears") is None
