"""Chat model factory and the translation of model-server failures into clear messages."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from tutor.config import Settings
from tutor.errors import TutorError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

S = TypeVar("S", bound=BaseModel)
RETRY_HINT = (
    "your message is kept: send it again (or /retry in chat) once the model server answers, "
    "or unset TUTOR_MODEL to use offline mode"
)
CANNOT_STRUCTURE = {"BadRequestError", "UnprocessableEntityError"}
"""Status errors that, naming tools or response_format, mean "cannot do structured output"."""


def provider_of(model: str) -> str:
    """The provider part of `provider:model` (openai when none is given)."""
    provider, sep, _ = model.partition(":")
    return provider if sep else "openai"


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None in offline mode."""
    if not settings.model:
        return None
    provider, colon, name = settings.model.partition(":")
    if colon and not (provider.strip() and name.strip()):
        raise TutorError(
            f"TUTOR_MODEL={settings.model} does not name a model",
            "write it as provider:model, e.g. openai:gpt-4o-mini, or a bare model name for "
            "the server at OPENAI_BASE_URL",
        )
    kwargs: dict[str, Any] = {
        "timeout": settings.model_timeout,
        "max_retries": settings.model_retries,
    }
    if provider_of(settings.model) == "openai":
        if not settings.openai_api_key and not settings.openai_base_url:
            raise TutorError(
                f"TUTOR_MODEL is {settings.model} but OPENAI_API_KEY is not set",
                "set OPENAI_API_KEY, point OPENAI_BASE_URL at an OpenAI-compatible server, "
                "or unset TUTOR_MODEL for offline mode",
            )
        # Local OpenAI-compatible servers accept any key, but the client insists on one.
        kwargs["api_key"] = settings.openai_api_key or "not-needed"
        if settings.openai_base_url:
            kwargs["base_url"] = settings.openai_base_url
    if ":" not in settings.model:
        kwargs["model_provider"] = "openai"  # a bare name means an OpenAI-compatible server
    try:
        model = _init_model(settings, kwargs)
    except ImportError as exc:
        provider = provider_of(settings.model)
        raise TutorError(
            f"the {provider} integration for TUTOR_MODEL={settings.model} is not installed",
            f"install it (pip install langchain-{provider}) or use an openai: model",
        ) from exc
    except ValueError as exc:
        provider = provider_of(settings.model)
        raise TutorError(
            f"TUTOR_MODEL={settings.model}: LangChain knows no model provider `{provider}`",
            "write it as provider:model with a LangChain provider, e.g. openai:gpt-4o-mini, "
            "anthropic:claude-sonnet-4-5 or ollama:llama3.1 (with its integration installed)",
        ) from exc
    return model


def _init_model(settings: Settings, kwargs: dict[str, Any]) -> BaseChatModel:
    from langchain.chat_models import init_chat_model

    try:
        return init_chat_model(settings.model, **kwargs)
    except ValueError:
        if not settings.openai_base_url:
            raise
        # "llama3.1:8b" is no provider:model but a tagged model on the OpenAI-compatible server.
        kwargs.update(model_provider="openai", api_key=settings.openai_api_key or "not-needed")
        return init_chat_model(settings.model, base_url=settings.openai_base_url, **kwargs)


def kinds(exc: BaseException) -> set[str]:
    """The class names of an exception and its bases (langchain-openai subclasses openai's)."""
    return {cls.__name__ for cls in type(exc).__mro__}


def describe_failure(exc: BaseException, settings: Settings) -> TutorError | None:
    """A user-facing error for a failed model call, or None if it is a programming error."""
    names = kinds(exc)
    where = settings.openai_base_url or "the model provider"
    if names & {"APITimeoutError", "TimeoutException", "ReadTimeout"}:
        return TutorError(
            f"the model at {where} did not answer within {settings.model_timeout:g} s",
            RETRY_HINT + "; TUTOR_MODEL_TIMEOUT raises the limit",
        )
    if names & {"APIConnectionError", "ConnectError", "ConnectionError"}:
        return TutorError(f"cannot reach the model server at {where}", RETRY_HINT)
    if names & {"AuthenticationError", "PermissionDeniedError"}:
        return TutorError(
            f"the model server at {where} refused the API key", "check OPENAI_API_KEY"
        )
    if "NotFoundError" in names:
        return TutorError(
            f"the model server at {where} does not know the model {settings.model}",
            "check TUTOR_MODEL against the models the server offers",
        )
    if names & {"RateLimitError", "InternalServerError", "APIStatusError", "BadRequestError"}:
        return TutorError(f"the model server at {where} failed: {exc}", RETRY_HINT)
    return None


@contextmanager
def model_errors(settings: Settings) -> Iterator[None]:
    """Turn model-server failures inside the block into TutorError; let bugs through."""
    try:
        yield
    except TutorError:
        raise
    except Exception as exc:
        error = describe_failure(exc, settings)
        if error is None:
            raise
        raise error from exc


class StructuredCaller:
    """Structured output from a chat model that remembers when the server cannot do it."""

    def __init__(self, model: BaseChatModel, settings: Settings) -> None:
        self.model = model
        self.settings = settings
        self.supported = True

    def __call__(self, schema: type[S], messages: Sequence[Any]) -> S | None:
        """The parsed reply, or None when the model cannot produce this schema."""
        from langchain_core.exceptions import OutputParserException
        from pydantic import ValidationError

        if not self.supported:
            return None
        try:
            runnable = self.model.with_structured_output(schema, method="json_schema")
        except (NotImplementedError, TypeError, ValueError):
            self.supported = False  # this integration has no JSON-schema output
            return None
        try:
            with model_errors(self.settings), warnings.catch_warnings():
                # The openai SDK's parsed replies trip a harmless pydantic serializer warning.
                warnings.filterwarnings("ignore", message="Pydantic serializer warnings")
                reply = runnable.invoke(list(messages))
        except TutorError as error:
            if cannot_structure(error.__cause__):
                self.supported = False
                return None
            raise
        except (OutputParserException, ValidationError, ValueError):
            # Not JSON (prose, a fenced block) or not this schema: rules take over; the next
            # reply may fit.
            return None
        return reply if isinstance(reply, schema) else None


def cannot_structure(exc: BaseException | None) -> bool:
    """Whether a failed call says the server cannot do tools or structured output."""
    if exc is None or not kinds(exc) & CANNOT_STRUCTURE:
        return False
    text = str(exc).lower()
    return any(word in text for word in ("response_format", "json_schema", "tool", "support"))
