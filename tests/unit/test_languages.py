"""Notes and questions in any language: Chinese and Japanese have no spaces between words."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MakeTutor
from tutor.intent.topic import read_request
from tutor.knowledge.coverage import covers
from tutor.knowledge.passage import Passage
from tutor.knowledge.spelling import plain_english
from tutor.knowledge.words import keywords

CHINESE = """# 机器学习

## 过拟合

**过拟合**是指模型在训练数据上表现很好，但在新数据上表现很差。模型记住了训练数据中的噪声，\
而不是学到一般规律。

## 正则化

**正则化**通过在损失函数中加入惩罚项来限制模型的复杂度，从而减少过拟合。常见的方法有 L2 正则化和 \
Dropout。
"""
JAPANESE = """# 深層学習

## 勾配消失

**勾配消失**とは、誤差逆伝播のときに勾配が層を通るたびに小さくなり、前の層の重みがほとんど更新され\
なくなる問題です。ReLU や残差接続で緩和できます。
"""
GERMAN = """# Physik

## Impulserhaltung

Die **Impulserhaltung** besagt, dass der Gesamtimpuls eines abgeschlossenen Systems konstant \
bleibt. Bei einem Stoß zweier Körper ist die Summe der Impulse vorher und nachher gleich.
"""
OVERFITTING = Passage(
    file="机器学习.md",
    heading="机器学习 › 过拟合",
    start_line=5,
    end_line=5,
    text="**过拟合**是指模型在训练数据上表现很好，但在新数据上表现很差。",
    score=0.1,
    similarity=0.3,
)
VOCABULARY = frozenset(keywords(f"{OVERFITTING.heading}\n{OVERFITTING.text}"))


@pytest.fixture
def languages(notes: Path) -> Path:
    """The shipped notes plus a Chinese, a Japanese and a German note."""
    (notes / "机器学习.md").write_text(CHINESE, encoding="utf-8")
    (notes / "深層学習.md").write_text(JAPANESE, encoding="utf-8")
    (notes / "Physik.md").write_text(GERMAN, encoding="utf-8")
    return notes


def test_words_of_scripts_without_spaces_are_pairs_of_characters() -> None:
    assert keywords("过拟合") == ["过拟", "拟合"]
    assert keywords("过拟合的原因") == ["过拟", "拟合", "原因"]  # 的 ends a word
    assert keywords("勾配消失が起こる") == ["勾配", "配消", "消失", "起", "こる"]  # no が
    assert keywords("explain 过拟合") == ["explain", "过拟", "拟合"]
    assert keywords("Die Überanpassung") == ["die", "überanpassung"]  # not "beranpassung"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("过拟合", "过拟合"),
        ("什么是正则化？", "正则化"),
        ("explain 过拟合", "过拟合"),
        ("过拟合是什么意思？", "过拟合"),
        ("请解释一下过拟合", "过拟合"),
        ("为什么会过拟合？", "过拟合"),
        ("我的笔记哪里提到正则化？", "正则化"),
        ("勾配消失とは何ですか？", "勾配消失"),
        ("活性化関数について説明してください", "活性化関数"),
        ("勾配消失って何？", "勾配消失"),
        ("과적합이란 무엇인가요?", "과적합"),
        ("Was ist Impulserhaltung?", "Impulserhaltung"),
        ("Qu'est-ce que la régularisation ?", "régularisation"),
    ],
)
def test_the_topic_is_the_concept_without_the_words_that_ask(question: str, topic: str) -> None:
    assert read_request(question).topic == topic


def test_a_comparison_in_chinese_or_japanese_names_both_sides() -> None:
    assert read_request("过拟合和欠拟合的区别是什么？").parts == ("过拟合", "欠拟合")
    assert read_request("過学習と未学習の違いは何ですか？").parts == ("過学習", "未学習")


def test_a_chinese_term_is_covered_by_its_words_not_by_closeness() -> None:
    assert covers("过拟合", [OVERFITTING], VOCABULARY)
    close = Passage(**{**OVERFITTING.as_dict(), "similarity": 0.7})
    assert not covers("支持向量机", [close], VOCABULARY)  # support vector machine
    assert not covers("过拟合", [], VOCABULARY)


def test_words_of_scripts_without_spaces_are_never_terms_of_art() -> None:
    assert all(plain_english(word) for word in keywords("支持向量机 勾配消失"))
    assert not plain_english("watermarking")


def test_chinese_japanese_and_german_notes_answer_their_own_questions(
    languages: Path, make_tutor: MakeTutor
) -> None:
    tutor = make_tutor()
    asked = {
        "过拟合": ("机器学习.md", "过拟合是指模型在训练数据上表现很好"),
        "什么是正则化？": ("机器学习.md", "通过在损失函数中加入惩罚项"),
        "explain 过拟合": ("机器学习.md", "过拟合是指模型在训练数据上表现很好"),
        "勾配消失とは何ですか？": ("深層学習.md", "勾配が層を通るたびに小さくなり"),
        "Was ist Impulserhaltung?": ("Physik.md", "Gesamtimpuls eines abgeschlossenen"),
    }
    for n, (question, (file, said)) in enumerate(asked.items()):
        turn = tutor.ask(question, f"t{n}")
        assert turn.route == "explain", question
        assert "don't" not in turn.answer, question
        assert said in turn.answer, question
        assert turn.sources[0]["file"] == file, question
    for query, file in (("过拟合", "机器学习.md"), ("勾配消失", "深層学習.md"),
                        ("Impulserhaltung", "Physik.md")):  # fmt: skip
        assert tutor.services.search(query, k=1)[0].file == file


def test_a_chinese_question_the_notes_do_not_answer_is_refused(
    languages: Path, make_tutor: MakeTutor
) -> None:
    turn = make_tutor().ask("什么是支持向量机？", "t1")  # support vector machines
    assert turn.route == "explain"
    assert "don't cover" in turn.answer and "支持向量机" in turn.answer
    assert turn.sources == []
