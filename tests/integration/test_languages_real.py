"""`tutor ask` and `tutor search` on Chinese, Japanese and German notes, with the real model.

MiniLM reads these scripts poorly, so closeness alone once decided: "过拟合" was judged covered
and then had no words to compose an answer from ("Your notes don't say anything about 过拟合").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.processes import run_tutor as tutor
from tests.unit.test_languages import CHINESE, GERMAN, JAPANESE

pytestmark = pytest.mark.integration


def test_notes_in_three_languages_answer_their_own_questions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    for name, text in (("机器学习.md", CHINESE), ("深層学習.md", JAPANESE), ("Physik.md", GERMAN)):
        (vault / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv("TUTOR_NOTES", str(vault))

    asked = {
        "过拟合": "机器学习.md",
        "什么是正则化？": "机器学习.md",
        "explain 过拟合": "机器学习.md",
        "勾配消失とは何ですか？": "深層学習.md",
        "Was ist Impulserhaltung?": "Physik.md",
    }
    for question, file in asked.items():
        turn = json.loads(tutor("ask", question, "--json").stdout)
        assert turn["route"] == "explain", question
        assert "don't" not in turn["answer"], question
        assert turn["sources"][0]["file"] == file, question

    refused = json.loads(tutor("ask", "什么是支持向量机？", "--json").stdout)
    assert "don't cover" in refused["answer"] and refused["sources"] == []

    for query, file in (("过拟合", "机器学习.md"), ("勾配消失", "深層学習.md")):
        assert json.loads(tutor("search", query, "--json").stdout)[0]["file"] == file
