"""Rule grading gives the verdict a fair tutor would: right, partly right, wrong or skipped."""

from __future__ import annotations

import json

import pytest

from tutor.knowledge.passage import Passage
from tutor.learning.choices import parse_choice
from tutor.learning.estimate import auto_estimate
from tutor.learning.grading import grade_answer
from tutor.learning.questions import Question, questions_from_passage

SOURCE = {
    "file": "deep-learning-qa-notebook.md",
    "heading": "Notes",
    "start_line": 1,
    "end_line": 4,
}
SOFTMAX_NOTE = (
    "What is the purpose of the softmax function in classification tasks?\n"
    "- The softmax function converts a neural network’s raw output scores, or logits, into "
    "probabilities for each class in a multi-class classification task.\n"
    "- The summation of all probabilites will come to 1, making interpretation easier."
)
SOFTMAX = Question(
    kind="recall",
    prompt="What is the purpose of the softmax function in classification tasks?",
    reference=(
        "The softmax function converts a neural network’s raw output scores, or logits, into "
        "probabilities for each class in a multi-class classification task. The summation of "
        "all probabilites will come to 1, making interpretation easier."
    ),
    key_terms=["logit", "class", "probabilitie", "multi-class", "summation", "convert"],
    source=SOURCE,
)
OPTIONS = [
    "Prevents the model from drifting too far from the original SFT model.",
    "Heavily aligned models sometimes become less creative or refuse harmless prompts.",
    "A neural network architecture designed for sequential data made up of encoder and "
    "decoder modules.",
    "Users find adversarial prompts to bypass safety filters.",
]
TRANSFORMER = Question(
    kind="choice",
    prompt="Which of these describes a transformer?",
    reference="A Transformer is a neural network architecture designed for sequential data.",
    key_terms=["architecture", "sequential"],
    source=SOURCE,
    options=OPTIONS,
    answer_index=2,
)


def cloze(term: str, sentence: str) -> Question:
    key = " ".join(term.lower().replace("-", " ").split())
    prompt = "Fill in the blank: " + sentence.replace(term, "_____")
    return Question("cloze", prompt, term, [key.removesuffix("s")], SOURCE)


def test_an_answer_with_the_key_points_is_correct() -> None:
    grade = grade_answer(SOFTMAX, "It converts the logits into probabilities for each class")
    assert grade.verdict == "correct" and grade.score >= 0.6
    assert {"logit", "probabilitie", "class"} <= set(grade.matched)


def test_half_the_points_is_partial_and_names_what_is_missing() -> None:
    grade = grade_answer(SOFTMAX, "It gives probabilities for each class")
    assert grade.verdict == "partial" and 0.3 <= grade.score < 0.6
    assert "logits" in grade.feedback  # as the notes spell it, not the stem 'logit'
    named = [t for t in ("logits", "multi-class", "summation", "converts") if t in grade.feedback]
    assert 1 <= len(named) <= 3


def test_an_unrelated_answer_is_incorrect() -> None:
    grade = grade_answer(SOFTMAX, "It makes the network train faster")
    assert grade.verdict == "incorrect" and grade.score < 0.3 and not grade.matched


def test_repeating_the_question_is_not_an_answer() -> None:
    asked = questions_from_passage(Passage("n.md", "Notes", 1, 3, SOFTMAX_NOTE, 0.0))
    recall = next(q for q in asked if q.kind == "recall")
    for parrot in (
        recall.prompt,
        "the purpose of the softmax function is for classification tasks",
    ):
        grade = grade_answer(recall, parrot)
        assert grade.verdict == "incorrect" and grade.score == 0.0


def test_stems_and_typos_still_count() -> None:
    grade = grade_answer(SOFTMAX, "It convrts logit scores into probabilty for every class")
    assert grade.verdict == "correct"
    assert {"convert", "logit", "probabilitie"} <= set(grade.matched)


@pytest.mark.parametrize("answer", ["", "  ", "skip", "/skip", "idk", "I don't know", "No idea."])
def test_giving_up_is_skipped(answer: str) -> None:
    grade = grade_answer(SOFTMAX, answer)
    assert grade.verdict == "skipped" and grade.score == 0.0


@pytest.mark.parametrize(
    "answer", ["C", "c", "c)", "(C)", "option c", "Option C.", "C. a neural network", "answer: c"]
)
def test_option_labels_in_the_forms_people_type(answer: str) -> None:
    assert parse_choice(answer, OPTIONS) == 2
    assert grade_answer(TRANSFORMER, answer).verdict == "correct"


def test_option_text_is_accepted_without_its_label() -> None:
    exact = "a neural network architecture designed for sequential data made up of encoder and "
    assert parse_choice(exact + "decoder modules", OPTIONS) == 2
    assert parse_choice("Users find adversarial prompts, to bypass safety filters!", OPTIONS) == 3
    # A loose paraphrase that overlaps with one option only.
    assert parse_choice("architecture for sequential data with encoders", OPTIONS) == 2


def test_an_article_is_not_taken_for_label_a() -> None:
    assert parse_choice("a neural network architecture for sequential data", OPTIONS) == 2


def test_unclear_choices_are_not_guessed() -> None:
    assert parse_choice("E", OPTIONS) is None
    assert parse_choice("2", OPTIONS) is None
    assert parse_choice("the model", OPTIONS) is None
    assert parse_choice("harmless adversarial prompts", OPTIONS) is None  # B or D?


def test_a_wrong_label_is_incorrect() -> None:
    grade = grade_answer(TRANSFORMER, "B")
    assert grade.verdict == "incorrect" and grade.score == 0.0
    assert "C" in grade.feedback


def test_an_unparseable_choice_lists_the_labels() -> None:
    grade = grade_answer(TRANSFORMER, "maybe the second-to-last one?")
    assert grade.verdict == "incorrect"
    assert "A, B, C or D" in grade.feedback


@pytest.mark.parametrize(
    ("term", "answer"),
    [
        ("PPO", "PPO"),
        ("PPO", "ppo"),
        ("PPO", "it's PPO"),
        ("softmax", "softmx"),
        ("RNNs", "RNN"),
        ("multi-head attention", "Multi head attention"),
        ("Backpropagation", "back propagation"),
    ],
)
def test_cloze_accepts_the_term_with_case_plural_hyphen_or_a_typo(term: str, answer: str) -> None:
    question = cloze(term, f"Sentence about {term} that is long enough to be a key sentence.")
    assert grade_answer(question, answer).verdict == "correct"


@pytest.mark.parametrize(("term", "answer"), [("GD", "SGD"), ("softmax", "sigmoid"), ("PPO", "")])
def test_cloze_rejects_another_term(term: str, answer: str) -> None:
    question = cloze(term, f"Sentence about {term} that is long enough to be a key sentence.")
    grade = grade_answer(question, answer)
    assert grade.verdict == ("skipped" if not answer else "incorrect")
    assert grade.score == 0.0


def test_cloze_does_not_accept_a_list_of_guesses() -> None:
    question = cloze("PPO", "PPO updates the LLM weights to maximize this score.")
    guesses = "maybe DPO or SFT or RLHF or RLAIF or perhaps PPO"
    assert grade_answer(question, guesses).verdict == "incorrect"


def test_grade_is_json_able() -> None:
    grade = grade_answer(SOFTMAX, "It converts logits into probabilities")
    assert json.loads(json.dumps(grade.as_dict()))["verdict"] == grade.verdict


def test_spelling_out_an_acronym_fills_its_blank() -> None:
    from tutor.learning.grading import spells_out

    assert spells_out("recurrent neural network", "RNN")
    assert spells_out("it's a Recurrent Neural Network", "RNN")
    assert not spells_out("random noise", "RNN")
    assert not spells_out("recurrent neural network", "softmax")


def test_a_cloze_on_an_acronym_accepts_its_expansion() -> None:
    question = cloze("RNN", "An RNN keeps a hidden state across the steps of a sequence of inputs.")
    assert grade_answer(question, "recurrent neural network").verdict == "correct"
    assert grade_answer(question, "convolutional network").verdict == "incorrect"


# ---- the automatic estimate: key terms plus similarity in meaning -----------------------

# A fake embedder that knows a few synonyms: texts saying the same things point the same way.
CONCEPTS = {
    "probabilit": 0,
    "distribution": 0,
    "logit": 1,
    "raw": 1,
    "class": 2,
    "categor": 2,
    "sum": 3,
    "add up": 3,
    "one": 3,
}


def meaning(texts: list[str]) -> list[list[float]]:
    """Unnormalised concept counts: a paraphrase is close, an unrelated text is a zero vector."""
    vectors = []
    for text in texts:
        vec = [0.0] * 4
        for stem, axis in CONCEPTS.items():
            vec[axis] += text.lower().count(stem)
        vectors.append(vec)
    return vectors


def alike(texts: list[str]) -> list[list[float]]:
    """Every text means the same: similarity 1 whatever is said."""
    return [[1.0, 0.0] for _ in texts]


PARAPHRASE = "It maps the raw scores onto a distribution over the categories that adds up to one"


def test_a_paraphrase_without_the_key_terms_earns_credit_for_its_meaning() -> None:
    by_rules = grade_answer(SOFTMAX, PARAPHRASE)
    estimate = auto_estimate(SOFTMAX, PARAPHRASE, meaning)
    assert by_rules.verdict == "incorrect" and not estimate.matched
    assert estimate.verdict in ("partial", "correct") and estimate.score > by_rules.score
    assert "logits" in estimate.feedback  # still says what the notes stress


def test_an_off_topic_answer_stays_incorrect() -> None:
    estimate = auto_estimate(SOFTMAX, "It makes the network train faster", meaning)
    assert estimate == grade_answer(SOFTMAX, "It makes the network train faster")
    assert estimate.verdict == "incorrect"


def test_key_terms_and_meaning_together_make_a_partial_answer_correct() -> None:
    answer = "It gives probabilities for each class"
    assert grade_answer(SOFTMAX, answer).verdict == "partial"
    estimate = auto_estimate(SOFTMAX, answer, meaning)
    assert estimate.verdict == "correct" and estimate.score >= 0.6
    assert {"class", "probabilitie"} <= set(estimate.matched)


def test_resemblance_alone_never_makes_an_answer_correct() -> None:
    # Wrong answers on the topic read close to the reference too; key terms must be there.
    estimate = auto_estimate(SOFTMAX, "It squashes things for binary problems", alike)
    assert estimate.verdict == "partial" and estimate.score == 0.5


def test_repeating_the_question_earns_nothing_however_similar_it_reads() -> None:
    for parrot in (SOFTMAX.prompt, "the purpose of the softmax function is for classification"):
        estimate = auto_estimate(SOFTMAX, parrot, alike)
        assert estimate.verdict == "incorrect" and estimate.score == 0.0


def test_without_a_working_embedder_the_rules_decide() -> None:
    def broken(texts: list[str]) -> list[list[float]]:
        raise RuntimeError("model file missing")

    def short(texts: list[str]) -> list[list[float]]:
        return [[1.0, 0.0], [1.0]]

    def missing(texts: list[str]) -> list[list[float]]:
        return [[1.0]]

    by_rules = grade_answer(SOFTMAX, PARAPHRASE)
    for embed in (None, broken, short, missing):
        assert auto_estimate(SOFTMAX, PARAPHRASE, embed) == by_rules


def test_choices_clozes_and_skips_stay_with_the_rules() -> None:
    calls: list[list[str]] = []

    def spy(texts: list[str]) -> list[list[float]]:
        calls.append(texts)
        return alike(texts)

    question = cloze("PPO", "PPO updates the LLM weights to maximize this score.")
    for q, answer in [(TRANSFORMER, "B"), (TRANSFORMER, "C"), (question, "DPO"), (SOFTMAX, "idk")]:
        assert auto_estimate(q, answer, spy) == grade_answer(q, answer)
    assert calls == []


def test_an_acronym_spelled_out_with_a_joining_word_fills_its_blank() -> None:
    question = cloze("RLHF", "Fine-tuning teaches tasks, and RLHF teaches human-aligned behavior.")
    assert grade_answer(question, "reinforcement learning from human feedback").verdict == "correct"
    assert grade_answer(question, "reinforcement learning from AI feedback").verdict == "incorrect"


# ---- a multiple choice answered in the learner's own words ------------------------------

REWARD_MODELING = Question(
    kind="choice",
    prompt="Which of these describes Reward Modeling?",
    reference=(
        "Collect data where humans rank two model outputs (A is better than B). Train a Reward "
        "Model (RM) to predict these human preferences."
    ),
    key_terms=["human", "rank", "collect", "preference", "output", "predict"],
    source=SOURCE,
    options=[
        "Prevents the model from drifting too far from the original SFT model.",
        "The process of making them helpful, harmless, and honest.",
        "Collect data where humans rank two model outputs (A is better than B).",
        "The LLM generates a response. The RM gives it a score. PPO updates the LLM weights.",
    ],
    answer_index=2,
)


def test_a_choice_answered_in_words_is_graded_by_the_option_it_names() -> None:
    # The README's example: no label, but plainly option C.
    from tutor.learning.choices import says_something

    answer = "humans rank pairs of answers"
    assert says_something(REWARD_MODELING, answer)
    assert parse_choice(answer, REWARD_MODELING.options) == 2
    grade = grade_answer(REWARD_MODELING, answer)
    assert grade.verdict == "correct" and "reads as C" in grade.feedback
    wrong = grade_answer(REWARD_MODELING, "it keeps the model from drifting too far")
    assert wrong.verdict == "incorrect" and "reads as A" in wrong.feedback
    assert "answer is C" in wrong.feedback


def test_a_vague_reply_to_a_choice_says_nothing_and_is_asked_again() -> None:
    from tutor.learning.choices import says_something

    assert not says_something(REWARD_MODELING, "something vague about principles")
    assert not says_something(REWARD_MODELING, "reward modeling")  # the question's own words
    assert not says_something(REWARD_MODELING, "I think it's option number two")


# Concepts for the options of REWARD_MODELING: drift, values, ranking, scoring.
CHOICE_CONCEPTS = {"drift": 0, "stray": 0, "honest": 1, "rank": 2, "judge": 2, "score": 3}


def choice_meaning(texts: list[str]) -> list[list[float]]:
    vectors = []
    for text in texts:
        vec = [0.01] * 4
        for stem, axis in CHOICE_CONCEPTS.items():
            vec[axis] += text.lower().count(stem)
        vectors.append(vec)
    return vectors


def test_a_choice_in_other_words_is_matched_by_meaning_else_graded_as_free_text() -> None:
    answer = "people judge which of two replies is better"  # shares no word with option C
    assert parse_choice(answer, REWARD_MODELING.options) is None
    grade = auto_estimate(REWARD_MODELING, answer, choice_meaning)
    assert grade.verdict == "correct" and "reads as C" in grade.feedback
    strays = auto_estimate(REWARD_MODELING, "it stops it from straying", choice_meaning)
    assert strays.verdict == "incorrect" and "reads as A" in strays.feedback
    # Between two options in meaning: graded against the notes' answer, in words.
    torn = auto_estimate(REWARD_MODELING, "a judge and a score", choice_meaning)
    assert torn.verdict in ("partial", "correct") and "reads as" not in torn.feedback
    assert "couldn't tell" not in torn.feedback


# ---- what makes an answer that uses the notes' words wrong, or a terse one right ---------


def free(kind: str, prompt: str, reference: str, terms: list[str]) -> Question:
    return Question(kind, prompt, reference, terms, SOURCE)  # type: ignore[arg-type]


DPO = free(
    "definition",
    "What is DPO?",
    "DPO optimizes the preference loss directly on the LLM, so it does not need a separate "
    "reward model.",
    ["preference", "loss", "directly", "reward model", "separate"],
)


def test_negating_what_the_notes_state_flips_the_verdict() -> None:
    right = "It optimizes the preference loss directly and does not need a separate reward model"
    flipped = "It optimizes the preference loss directly and needs a separate reward model"
    assert grade_answer(DPO, right).verdict == "correct"
    grade = grade_answer(DPO, flipped)
    assert grade.verdict == "incorrect" and "does not need" in grade.feedback
    # However close it reads, meaning does not lift an answer the rules found false.
    assert auto_estimate(DPO, flipped, alike).verdict == "incorrect"


def test_an_opposite_word_is_a_contradiction() -> None:
    question = free(
        "why",
        "Why do red teamers attack a model?",
        "To discover vulnerabilities before the model is released to users.",
        ["discover", "vulnerabilities", "before", "released"],
    )
    assert grade_answer(question, "to discover vulnerabilities before release").verdict == "correct"
    late = grade_answer(question, "to discover vulnerabilities after it is released to users")
    assert late.verdict == "incorrect"


def test_a_different_number_is_incorrect_and_the_same_number_in_words_is_fine() -> None:
    question = free(
        "recall",
        "How big is BERT base?",
        "BERT base has 12 layers and 110 million parameters.",
        ["layers", "parameters", "110", "12"],
    )
    assert grade_answer(question, "12 layers and 110 million parameters").verdict == "correct"
    assert grade_answer(question, "twelve layers, 110 million parameters").verdict != "incorrect"
    wrong = grade_answer(question, "24 layers and 110 million parameters")
    assert wrong.verdict == "incorrect" and "24" in wrong.feedback
    # A number set aside is not a claim: "12 layers, not 24".
    assert grade_answer(question, "12 layers not 24, 110 million parameters").verdict == "correct"


PPO = free(
    "recall",
    "What does the RL step of RLHF do?",
    "Proximal Policy Optimization updates the LLM weights to maximize the reward score.",
    ["proximal", "policy", "optimization", "maximize", "reward score"],
)


def test_an_acronym_earns_the_terms_it_stands_for_and_back() -> None:
    grade = grade_answer(PPO, "PPO maximizes the reward score")
    assert grade.verdict == "correct"
    assert {"proximal", "policy", "optimization"} <= set(grade.matched)
    assert grade_answer(PPO, "It maximizes the reward score").verdict == "partial"
    spelled = free("recall", "What aligns a chat model?", "RLHF and DPO align it.", ["rlhf", "dpo"])
    back = grade_answer(spelled, "reinforcement learning from human feedback")
    assert "rlhf" in back.matched
    blank = cloze("Proximal Policy Optimization", "Proximal Policy Optimization updates weights.")
    assert grade_answer(blank, "PPO").verdict == "correct"
    assert grade_answer(blank, "DPO").verdict == "incorrect"


def test_spelling_slips_in_short_words_still_count() -> None:
    question = free(
        "steps",
        "In the RLHF approach, what comes after ranking rollouts?",
        "Train a neural net simulator of human preferences (reward model).",
        ["train", "reward model", "simulator"],
    )
    assert grade_answer(question, "trian the reward modle").score >= 0.6


STEPS = free(
    "steps",
    "In the pipeline, what comes after Supervised Fine-Tuning?",
    "Reward Model Training: humans rank outputs and a reward model learns their preferences.",
    ["reward model", "training", "humans", "preferences"],
)


@pytest.mark.parametrize(
    "answer",
    [
        "Supervised fine-tuning.",  # the step the question starts from
        "RLHF optimization with PPO, and after that reward model training",  # a wrong order
        "Run PPO against the scores, then train the reward model on human rankings",
    ],
)
def test_the_step_before_or_a_wrong_order_is_not_the_next_step(answer: str) -> None:
    grade = auto_estimate(STEPS, answer, alike)
    assert grade.verdict == "incorrect"


def test_the_next_step_then_a_later_one_in_order_is_right() -> None:
    answer = "Reward model training on the preferences of humans; PPO only comes after it"
    assert grade_answer(STEPS, answer).verdict == "correct"


COMPARE = free(
    "compare",
    "PPO vs DPO: which one does not need a separate reward model?",
    "DPO: you don't need a separate Reward Model or complex RL loop; the preference loss is "
    "directly optimized.",
    ["dpo", "reward model", "preference loss", "directly"],
)


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        ("DPO, it optimizes the preference loss directly", "correct"),
        ("Direct Preference Optimization", "correct"),
        ("dpo", "correct"),
        ("PPO, because it skips the reward model", "incorrect"),
        ("PPO", "incorrect"),
    ],
)
def test_a_comparison_is_won_by_naming_the_right_side(answer: str, verdict: str) -> None:
    assert grade_answer(COMPARE, answer).verdict == verdict


def test_something_true_about_the_other_side_alone_is_at_most_partial() -> None:
    answer = "PPO first trains a reward model on human rankings and then runs RL"
    assert auto_estimate(COMPARE, answer, alike).verdict != "correct"


OUTPUT = free("output", "What does this code print?\n```python\nprint(6, -3.0)\n```", "6 -3.0", [])


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        ("6 -3.0", "correct"),
        ("6, -3", "correct"),  # formatting differs, same values
        ("It prints 6 and then -3.0", "correct"),
        ("6", "partial"),
        ("6 -2.0", "incorrect"),  # a different number
        ("-3.0 6", "incorrect"),  # the right numbers in the wrong order
        ("it raises an error", "incorrect"),
    ],
)
def test_a_predicted_output_is_compared_by_its_values(answer: str, verdict: str) -> None:
    assert auto_estimate(OUTPUT, answer, alike).verdict == verdict


def test_a_printed_text_is_compared_without_case_or_punctuation() -> None:
    question = free("output", "What does this print?", "Hello, World!", [])
    assert grade_answer(question, "hello world").verdict == "correct"
    assert grade_answer(question, "goodbye").verdict == "incorrect"
