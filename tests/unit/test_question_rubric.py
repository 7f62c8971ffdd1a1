"""Rules of evals/RUBRIC.md that the generators apply to any notes, not to particular passages:
a cloze stands alone, a name is not given away, a step is not a term, an order is only an
order when the notes keep counting, a why question is a whole sentence about a named thing."""

from __future__ import annotations

from tutor.knowledge.passage import Passage
from tutor.learning.blanks import BLANK
from tutor.learning.questions import Question, questions_from_passage


def asked(text: str, heading: str = "Notes", kind: str | None = None) -> list[Question]:
    found = questions_from_passage(Passage("notes.md", heading, 1, 9, text, 0.0))
    return [q for q in found if kind is None or q.kind == kind]


def test_a_cloze_is_a_sentence_that_stands_alone() -> None:
    text = (
        "Scaling human feedback is hard.\n"
        "- The AI judge uses these principles to generate the preference data for RLHF/DPO.\n"
        "- If you do nothing, it will probably think it is like ChatGPT, developed by OpenAI,\n"
        "- Pushes some weights all the way to **zero**, effectively removing many features.\n"
        "- In CA, that target sequence will be the query vector and the input the key vectors.\n"
        "- Like packing for a trip, **L1** makes the model leave behind what is not essential.\n"
        "- PPO updates the LLM weights to maximize the reward score from the judge model.\n"
    )
    clozes = asked(text, "RLHF & Alignment › Constitutional AI", "cloze")
    assert [q.prompt for q in clozes] == [
        f"Fill in the blank: {BLANK} updates the LLM weights to maximize the reward score from "
        "the judge model."
    ]


def test_a_cloze_blank_is_not_told_by_its_other_form_or_one_of_many_examples() -> None:
    text = (
        "- Usually Batch Normalization is preferred, but with zero padded sequences BN will not "
        "make sense in transformers.\n"
        "- Pretrained language models like BERT or GPT can be adapted to new domains without "
        "labels.\n"
        "- Multi-head attention runs several **self attention** heads in parallel, and each SA "
        "head learns other relations.\n"
        "- Transformers also apply **dropout** to the attention weights so that no single unit "
        "dominates training.\n"
    )
    clozes = asked(text, "Transformers › Layer Normalization", "cloze")
    assert [q.reference for q in clozes] == ["dropout"]


def test_a_step_to_do_is_asked_as_a_step_never_as_a_term() -> None:
    text = (
        "BP Working Steps\n"
        "- **Forward Prop**: Find the network's output and loss for the batch.\n"
        "- **Compute Loss gradient**: Loss's derivative with respect to the network output.\n"
        "- **Backward Prop**: Use chain rule to find the gradient for each weight and bias.\n"
        "- Update parameters.\n"
    )
    questions = asked(text, "Backpropagation")
    prompts = [q.prompt for q in questions]
    assert "What is Forward Prop?" in prompts
    assert "In BP Working Steps, what comes after Compute Loss gradient?" in prompts
    terms = [q for q in questions if q.kind in ("definition", "choice")]
    assert terms and not any("Compute Loss gradient" in q.prompt for q in terms)


def test_a_compare_prompt_never_says_a_word_of_the_answer_name() -> None:
    text = (
        "Types of GD\n"
        "- Batch GD: Computes the loss using the entire dataset, slow but stable updates.\n"
        "- Stochastic GD: Computes the loss based on a single datapoint, fast but noisy updates.\n"
        "- Mini Batch GD: Computes the loss using a batch of data ensuring speed and stability.\n"
    )
    compares = asked(text, "Optimization", "compare")
    assert [q.prompt for q in compares] == [
        "Batch GD vs Stochastic GD: which one computes the loss using the entire dataset, slow "
        "but stable updates?"
    ]


def test_a_list_of_components_or_a_numbered_list_is_not_a_comparison() -> None:
    parts = "The main components of a RAG system:\n- **Retriever**: finds documents\n"
    parts += "- **Generator**: writes the answer\n"
    assert not asked(parts, "RAG", "compare")
    numbered = "1. **Retriever**: finds documents\n2. **Generator**: writes the answer\n"
    assert not asked(numbered, "RAG", "compare")
    pithy = "* **Pretraining** = Read everything\n* **Fine-tuning** = Practice with examples\n"
    assert asked(pithy, "Memory Trick", "compare")


def test_a_count_interrupted_by_an_uncounted_step_asks_no_next_step() -> None:
    encoder = (
        "Encoder Working\n"
        "- It is where we process our input data.\n"
        "- first we tokenize the data\n"
        "- then we create initial embeddings.\n"
        "- we add positional encodings to the vector.\n"
        "- then we pass it to the multi head mechanism.\n"
        "- then we normalize the outputs.\n"
    )
    assert not asked(encoder, "Transformers", "steps")


def test_a_line_pointing_back_carries_a_step_on_and_any_other_line_ends_the_count() -> None:
    text = (
        "Explain self attention and its working\n"
        "- First using some embedding method we create initial vector representations\n"
        "- Second, for each vector we create 3 new vectors: Query,Key,Value\n"
        "- These are computed by multiplying the input vector by three weight matrices.\n"
        "- Third, Attention Score: For each word, the model takes the dot product of its Query "
        "with every Key.\n"
        "- Scores are scaled\n"
        "- Then we apply softmax on the attention scores.\n"
    )
    steps = asked(text, "Transformers", "steps")
    after_first = next(q for q in steps if "initial vector representations”?" in q.prompt)
    assert "These are computed" in after_first.reference
    after_qkv = next(q for q in steps if "Query,Key,Value”?" in q.prompt)
    assert after_qkv.reference.startswith("Attention Score:")
    assert not any("after Attention Score" in q.prompt for q in steps)


def test_a_steps_context_is_a_short_name_and_numbers_alone_make_no_order() -> None:
    titled = (
        "The following steps are how we train the reward model, and each one builds on the "
        "data collected in the one before it:\n"
        "- Collect prompts from real users of the chat model\n"
        "- Sample several answers for every prompt\n"
        "- Have human raters rank the sampled answers\n"
    )
    steps = asked(titled, "RLHF › Reward Model", "steps")
    assert steps and all(q.prompt.startswith("In Reward Model, what comes after") for q in steps)
    deficits = (
        "1. **Counting**: Models can't count the letters in a word reliably.\n"
        "2. **Spelling**: Models see tokens, not the letters inside them.\n"
    )
    assert not asked(deficits, "Cognitive Deficits", "steps")


def test_a_why_question_never_guesses_what_a_demonstrative_or_a_heading_stands_for() -> None:
    these = (
        "- RNNs use backpropagation through time for training.\n"
        "- These gradients update the weights via an optimizer (like Adam) to minimize the loss.\n"
    )
    assert not asked(these, "RNN", "why")
    masked = "- It is masked so that the model cannot see future tokens.\n"
    assert not asked(masked, "Transformers › Decoder Stack", "why")
    named = "- The Decoder is used to generate the output tokens.\n" + masked
    prompts = [q.prompt for q in asked(named, "Transformers › Decoder", "why")]
    assert prompts == ["Why is the Decoder used?", "Why is decoder masked?"]


def test_a_why_question_is_not_cut_from_a_list_but_may_drop_a_whole_clause() -> None:
    listed = (
        "- There are issues with GD, such as saddle points and flat regions in big data.\n"
        "- So instead we can use SGD with momentum, AdaGrad, RMS Prop and Adam.\n"
    )
    assert not asked(listed, "Optimizers", "why")
    clause = (
        "- SGD With Momentum keeps a running average of past gradients to scale each update.\n"
        "- Hence it reaches near global minima faster, but it takes time to settle down.\n"
    )
    prompts = [q.prompt for q in asked(clause, "Optimizers › SGD With Momentum", "why")]
    assert "Why does SGD With Momentum reach near global minima faster?" in prompts


def test_choice_options_leave_out_a_remark_after_the_definition() -> None:
    text = (
        "- **Reward Model**: A model trained on human rankings to score responses. So we are "
        "saying it stands in for the human rater.\n"
        "- **Policy Model**: The language model being tuned to produce higher-scoring answers.\n"
        "- **KL Penalty**: A term that keeps the tuned model close to the original outputs.\n"
        "- **Red Teaming**: People deliberately try to make the model produce harmful outputs.\n"
    )
    choices = asked(text, "RLHF", "choice")
    options = [o for q in choices for o in q.options]
    assert "A model trained on human rankings to score responses." in options
    assert not any("So we are saying" in o for o in options)


def test_a_passage_is_asked_about_its_own_title_not_the_wider_heading() -> None:
    stop = (
        "To stop BP\n- Backpropagation stops when training stops, based on criteria like max "
        "epochs or early stopping.\n"
    )
    heading = "Backpropagation and Optimization"
    assert not any(heading in q.prompt for q in asked(stop, heading))
    vgp = (
        "How to handle VGP:\n- Reducing model complexity.\n- Better activation function like "
        "ReLU.\n- Better weight initialization techniques like Xavier.\n- Using skip connections.\n"
    )
    assert [q.prompt for q in asked(vgp, "Backpropagation", "recall")] == ["How to handle VGP?"]
    naive = "* run RL as usual of 1,000 updates of 1,000 prompts of 1,000 rollouts, scored by hand"
    recalls = asked(naive, "RL in un-verifiable domains › Naive approach:", "recall")
    assert [q.prompt for q in recalls] == [
        "What do your notes say about the naive approach to RL in un-verifiable domains?"
    ]


def test_a_cloze_never_blanks_what_the_line_above_it_asks_about() -> None:
    text = (
        "What is hallucination?\n"
        "- Hallucination is when a language model generates factually incorrect but plausible "
        "sounding text.\n"
        "\n"
        "Retrieval\n"
        "- RAG reduces hallucination by retrieving relevant external documents at runtime for "
        "the generator.\n"
    )
    clozes = asked(text, "Transformers › RAG", "cloze")
    assert not [q for q in clozes if "plausible" in q.prompt]  # under "What is hallucination?"
    assert [q.reference for q in clozes if "RAG reduces" in q.prompt] == ["hallucination"]


def test_a_question_asking_for_a_whole_is_answered_whole_or_by_its_names() -> None:
    long = " ".join(["It matters for reasons the notes explain at length."] * 8)
    kinds = "".join(f"- {name}: {long}\n" for name in ("Zero-Shot", "One-Shot", "Few-Shot"))
    (types,) = [q for q in asked(f"Types of prompting\n{kinds}", "Prompting", "recall")]
    assert types.prompt == "What are the types of prompting?"
    assert types.reference.startswith("Zero-Shot; One-Shot; Few-Shot.")
    assert types.rubric == ["Zero-Shot", "One-Shot", "Few-Shot"]
    # Points with no names that do not fit: no fair reference, so no question.
    steps = "".join(f"- Then the model does step {n}. {long}\n" for n in range(4))
    assert not [q for q in asked(f"Attention working\n{steps}", "Attention", "recall")]
    # A question about one thing keeps the first points that fit.
    one = asked(f"What is prompting?\n{kinds}", "Prompting", "recall")
    assert one and one[0].reference.startswith("Zero-Shot: It matters")


def test_a_working_title_says_which_of_two_workings_it_asks() -> None:
    text = (
        "Decoder Working(Training)\n- we tokenize input sequences.\n- create embeddings and "
        "masks.\n- pass to masked multi head attention.\n"
    )
    (q,) = asked(text, "Transformers", "recall")
    assert q.prompt == "How does Decoder work in training?"


def test_a_caption_and_an_arrow_are_nothing_to_recall() -> None:
    caption = "==> PLHF(Reinforcement Learning from Human Feedback)\n- RL model\n"
    assert not asked(caption, "RL › Reinforcement Learning in un-verifiable domains")


def test_a_whole_list_cut_between_passages_is_asked_with_its_rest() -> None:
    heading = "Notes › Types of Transfer Learning"
    first = Passage(
        "notes.md", heading, 10, 12,
        "- Inductive Transfer Learning: adapting a pre-trained model to a new labelled task.\n"
        "- Transductive Transfer Learning: the target task has no labels of its own at all.\n"
        "- Using a model trained on reviews to label product reviews.",
        0.0, chunk_id="a",
    )  # fmt: skip
    rest = Passage(
        "notes.md", heading, 12, 13,
        "- Using a model trained on reviews to label product reviews.\n"
        "- Unsupervised Transfer Learning: neither task has labels, only representations.",
        0.0, chunk_id="b",
    )  # fmt: skip
    recall = [q for q in questions_from_passage(first, [first, rest]) if q.kind == "recall"]
    assert [q.prompt for q in recall] == ["What are the types of Transfer Learning?"]
    assert "Unsupervised Transfer Learning" in recall[0].reference
    assert (recall[0].source["start_line"], recall[0].source["end_line"]) == (10, 13)
    # The example line is an illustration: neither a point nor a cloze.
    assert "Using a model" not in recall[0].reference
    assert not [q for q in questions_from_passage(first, [first, rest]) if q.kind == "cloze"
                and "reviews" in q.prompt]  # fmt: skip
    # Without the next passage the question is asked of what this one has.
    alone = [q for q in questions_from_passage(first) if q.kind == "recall"]
    assert "Unsupervised" not in alone[0].reference


def test_a_reason_or_definition_that_only_points_elsewhere_is_not_asked() -> None:
    text = (
        "- PE is used in transformers due to the inherent flaw in SA.\n"
        "- SA does not take into account the order of the words in a sequence.\n"
    )
    questions = asked(text, "Transformers › Positional Encoding")
    assert not [q for q in questions if q.kind == "why"]
    assert not [q for q in questions if q.kind in ("choice", "definition")
                and q.reference.lower().startswith(("used", "pe is used"))]  # fmt: skip


def test_an_others_section_is_asked_beside_its_siblings() -> None:
    def section(name: str, line: int) -> Passage:
        text = "- Models can't count.\n- Models are bad at spelling: they see tokens.\n"
        return Passage("notes.md", f"SFT › Cognitive Deficits › {name}", line, line + 1, text,
                       0.0, chunk_id=name)  # fmt: skip

    parts = [section("1.Hallucinations", 1), section("2.Knowledge of self", 5),
             section("4.Others", 9)]  # fmt: skip
    prompts = [q.prompt for q in questions_from_passage(parts[2], parts) if q.kind == "recall"]
    assert prompts == [
        "Besides Hallucinations and Knowledge of self, what other cognitive deficits do your "
        "notes list?"
    ]


def test_a_recall_reference_keeps_every_point_of_its_passage() -> None:
    causes = [
        "Activation functions such as sigmoid and tanh squish their outputs into a small range.",
        "The chain rule multiplies many small partial derivatives, so the product shrinks fast.",
        "Deep networks multiply these factors once per layer, so early layers learn slowest.",
        "Saturated units pass almost no gradient back, which stalls the layers before them.",
        "Recurrent nets unrolled over long sequences suffer the same shrinking over time steps.",
        "Small weight initialization: tiny initial weights make the gradients tinier still.",
    ]
    text = "What is Vanishing Gradient Problem?\n" + "".join(f"- {c}\n" for c in causes)
    assert len(" ".join(causes)) > 450
    recall = asked(text, "Backpropagation", "recall")
    assert [q.prompt for q in recall] == ["What is Vanishing Gradient Problem?"]
    assert "Small weight initialization" in recall[0].reference
