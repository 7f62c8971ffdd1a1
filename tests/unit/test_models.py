"""Chat model settings a learner can get wrong get one clear message each."""

from __future__ import annotations

import pytest

from tutor.config import load_settings
from tutor.errors import TutorError
from tutor.llm import make_chat_model


def test_offline_mode_has_no_model() -> None:
    assert make_chat_model(load_settings()) is None


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("openai:gpt-4o-mini", "OPENAI_API_KEY is not set"),
        ("nonexistentprovider:foo", "knows no model provider `nonexistentprovider`"),
        ("openai:", "does not name a model"),
        (":gpt-4o-mini", "does not name a model"),
    ],
)
def test_unusable_model_settings_are_explained(model: str, expected: str) -> None:
    with pytest.raises(TutorError, match=expected) as raised:
        make_chat_model(load_settings(model=model))
    assert raised.value.hint


def test_a_missing_integration_names_the_package() -> None:
    try:
        import langchain_ollama  # noqa: F401
    except ImportError:
        with pytest.raises(TutorError, match="ollama integration .* is not installed") as raised:
            make_chat_model(load_settings(model="ollama:llama3.1"))
        assert "langchain-ollama" in raised.value.hint
    else:
        assert make_chat_model(load_settings(model="ollama:llama3.1")) is not None


@pytest.mark.parametrize("name", ["llama3.1", "llama3.1:8b"])
def test_a_bare_model_name_means_an_openai_compatible_server(name: str) -> None:
    settings = load_settings(model=name, openai_base_url="http://127.0.0.1:9/v1")
    model = make_chat_model(settings)
    assert type(model).__name__ == "ChatOpenAI"
    assert getattr(model, "model_name", None) == name
    assert str(getattr(model, "openai_api_base", "")) == "http://127.0.0.1:9/v1"
