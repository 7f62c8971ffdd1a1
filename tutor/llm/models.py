"""Chat model factory and the translation of model-server failures into clear messages."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel

from tutor.config import Settings
from tutor.errors import FAILED, TutorError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.runnables import RunnableConfig

S = TypeVar("S", bound=BaseModel)
T = TypeVar("T")
Kind = Literal["route", "explain", "question", "grade", "demo"]
"""The kinds of model call, each with its own token limit (Settings.max_tokens)."""


@dataclass
class TurnClock:
    """One turn's time with the model, and the server failure that ended it early, if any
    (shared by every node of the turn, whichever thread runs it)."""

    deadline: float
    down: ModelFailure | None = None


TURN: ContextVar[TurnClock | None] = ContextVar("tutor_turn", default=None)
"""The running turn's clock, if a turn runs."""
DOWN = {"APITimeoutError", "TimeoutException", "ReadTimeout", "OutOfTime",
        "APIConnectionError", "ConnectError", "ConnectionError", "RemoteProtocolError",
        "ReadError", "AuthenticationError", "PermissionDeniedError", "NotFoundError",
        "InternalServerError"}  # fmt: skip
"""Failures of the server, not of one reply: the rest of the turn does not call it again."""
LEAST = 1.0
"""Seconds below which a call is not worth starting."""
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


class ModelFailure(TutorError):
    """A model call that gave nothing usable: the server failed, the reply ran past its
    limit or its time, or it was empty or not in the form asked for. The step it was for
    falls back to its offline way where it has one."""

    exit_code = FAILED
    repeat = False
    """The server already failed earlier in this turn (and that step said so)."""

    def line(self, done: str) -> str:
        """The one line under a step that went its offline way (`done`) because of this
        failure; nothing when an earlier step of the turn already said the server failed."""
        from tutor.prompts import FELL_BACK

        return "" if self.repeat else FELL_BACK.format(done=done, reason=self.message)


class OutOfTime(TimeoutError):
    """The turn's time with the model ran out while a reply was still coming."""


def describe_failure(exc: BaseException, settings: Settings) -> ModelFailure | None:
    """A user-facing error for a failed model call, or None if it is a programming error."""
    names = kinds(exc)
    where = settings.openai_base_url or "the model provider"
    if names & {"APITimeoutError", "TimeoutException", "ReadTimeout", "OutOfTime"}:
        return ModelFailure(
            f"the model at {where} did not finish within {settings.model_timeout:g} s",
            RETRY_HINT + "; TUTOR_MODEL_TIMEOUT raises the limit",
        )
    if "LengthFinishReasonError" in names:
        return ModelFailure(
            f"the model's reply ran past its token limit ({where})",
            "the TUTOR_TOKENS_* settings raise the limits",
        )
    if "ContentFilterFinishReasonError" in names:
        return ModelFailure(f"the model provider at {where} filtered the reply", RETRY_HINT)
    if names & {"RemoteProtocolError", "ReadError", "IncompleteRead", "ChunkedEncodingError"}:
        return ModelFailure(f"the model server at {where} stopped mid-reply", RETRY_HINT)
    if names & {"APIConnectionError", "ConnectError", "ConnectionError"}:
        return ModelFailure(f"cannot reach the model server at {where}", RETRY_HINT)
    if names & {"AuthenticationError", "PermissionDeniedError"}:
        return ModelFailure(
            f"the model server at {where} refused the API key", "check OPENAI_API_KEY"
        )
    if "NotFoundError" in names:
        return ModelFailure(
            f"the model server at {where} does not know the model {settings.model}",
            "check TUTOR_MODEL against the models the server offers",
        )
    if names & {"APIStatusError", "APIError"}:
        return ModelFailure(f"the model server at {where} failed: {_first_line(exc)}", RETRY_HINT)
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


@contextmanager
def turn_budget(settings: Settings) -> Iterator[None]:
    """The time the model may take over one turn (TUTOR_MODEL_TIMEOUT), from now."""
    token = TURN.set(TurnClock(time.monotonic() + settings.model_timeout))
    try:
        yield
    finally:
        TURN.reset(token)


def time_left(settings: Settings) -> float:
    """Seconds the next model call may take: what is left of the turn's time, or a whole
    TUTOR_MODEL_TIMEOUT outside a turn."""
    clock = TURN.get()
    if clock is None:
        return settings.model_timeout
    return min(settings.model_timeout, clock.deadline - time.monotonic())


def limited(model: BaseChatModel, settings: Settings, kind: Kind) -> BaseChatModel:
    """The model with this kind's token limit (under the name its integration uses)."""
    fields = type(model).model_fields
    limit = settings.max_tokens(kind)
    for name in ("max_tokens", "num_predict", "max_output_tokens"):
        if name in fields:
            return model.model_copy(update={name: limit})
    return model


def bounded(settings: Settings, call: Callable[[RunnableConfig], T]) -> T:
    """Run one model call within the turn's time left, streamed or not: a streamed reply is
    cut at its next token once the time is up; a reply that never comes is given up on
    (its thread, bounded by the token limit, ends on its own). Failures become ModelFailure."""
    clock = TURN.get()
    if clock is not None and clock.down is not None:
        again = ModelFailure(clock.down.message, clock.down.hint)
        again.repeat = True
        raise again
    try:
        return _bounded(settings, call)
    except ModelFailure as failure:
        if clock is not None and kinds(failure.__cause__ or failure) & DOWN:
            clock.down = failure
        raise


def _bounded(settings: Settings, call: Callable[[RunnableConfig], T]) -> T:
    budget = time_left(settings)
    if budget < LEAST:
        failure = describe_failure(OutOfTime(), settings) or ModelFailure("out of time")
        raise failure from OutOfTime()
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.runnables import RunnableConfig
    from langchain_core.runnables.config import ensure_config, merge_configs

    deadline = time.monotonic() + budget
    _quiet_cut_streams()

    class Deadline(BaseCallbackHandler):
        raise_error = True
        run_inline = True

        def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
            if time.monotonic() > deadline:
                raise OutOfTime

    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            with warnings.catch_warnings():
                # The openai SDK's parsed replies trip a harmless pydantic serializer warning.
                warnings.filterwarnings("ignore", message="Pydantic serializer warnings")
                # The turn's callbacks (streaming, tracing) stay; the deadline joins them.
                config = merge_configs(ensure_config(), RunnableConfig(callbacks=[Deadline()]))
                outcome["value"] = call(config)
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc

    context = copy_context()  # the turn's run and its callbacks go with the call
    worker = threading.Thread(target=context.run, args=(work,), daemon=True, name="tutor-model")
    worker.start()
    worker.join(budget + 0.5)
    error = outcome.get("error")
    if worker.is_alive() or isinstance(error, OutOfTime):
        error = OutOfTime()
    if error is not None:
        if isinstance(error, TutorError):
            raise error
        described = describe_failure(error, settings)
        if described is None:
            raise error
        raise described from error
    return outcome["value"]


@cache
def _quiet_cut_streams() -> None:
    """LangChain logs every callback error as a warning; a stream cut at its deadline is not
    one (the step says so itself)."""
    import logging

    class NotOutOfTime(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return "OutOfTime" not in record.getMessage()

    logging.getLogger("langchain_core.callbacks.manager").addFilter(NotOutOfTime())


def ask_model(
    model: BaseChatModel, settings: Settings, kind: Kind, messages: Sequence[Any]
) -> AIMessage:
    """The model's plain reply, bounded in tokens and time; a reply cut at its token limit
    or empty is a ModelFailure like a dead server."""
    from langchain_core.messages import AIMessage

    chat = limited(model, settings, kind)
    reply = bounded(settings, lambda config: chat.invoke(list(messages), config=config))
    text = str(reply.text).strip()
    finish = (reply.response_metadata or {}).get("finish_reason")
    if finish is None and provider_of(settings.model) == "openai":
        # OpenAI-compatible replies always end with a reason; a stream without one was cut.
        where = settings.openai_base_url or "the model provider"
        raise ModelFailure(f"the model server at {where} stopped mid-reply", RETRY_HINT)
    if finish == "length":
        raise ModelFailure(
            f"the model's reply ran past its limit of {settings.max_tokens(kind)} tokens",
            f"TUTOR_TOKENS_{kind.upper()} raises it",
        )
    if finish == "content_filter":
        raise ModelFailure("the model provider filtered the reply", RETRY_HINT)
    if not text:
        raise ModelFailure("the model's reply was empty", RETRY_HINT)
    return AIMessage(text, id=reply.id)


class StructuredCaller:
    """Structured output from a chat model that remembers when the server cannot do it."""

    def __init__(self, model: BaseChatModel, settings: Settings) -> None:
        self.model = model
        self.settings = settings
        self.supported = True

    def __call__(self, schema: type[S], messages: Sequence[Any], kind: Kind) -> S | None:
        """The parsed reply; None when this model cannot do structured output at all. A reply
        that fails (server, limits, not this schema) is a ModelFailure."""
        from langchain_core.exceptions import OutputParserException
        from pydantic import ValidationError

        if not self.supported:
            return None
        try:
            runnable = limited(self.model, self.settings, kind).with_structured_output(
                schema, method="json_schema"
            )
        except (NotImplementedError, TypeError, ValueError):
            self.supported = False  # this integration has no JSON-schema output
            return None
        try:
            reply = bounded(
                self.settings, lambda config: runnable.invoke(list(messages), config=config)
            )
        except ModelFailure as error:
            if cannot_structure(error.__cause__):
                self.supported = False
                return None
            raise
        except (OutputParserException, ValidationError, ValueError) as exc:
            # Not JSON (prose, a fenced block) or not this schema.
            raise ModelFailure(UNFIT, RETRY_HINT) from exc
        if not isinstance(reply, schema):
            raise ModelFailure(UNFIT, RETRY_HINT)
        return reply


UNFIT = "the model's reply was not in the form asked for"


def cannot_structure(exc: BaseException | None) -> bool:
    """Whether a failed call says the server cannot do tools or structured output."""
    if exc is None or not kinds(exc) & CANNOT_STRUCTURE:
        return False
    text = str(exc).lower()
    return any(word in text for word in ("response_format", "json_schema", "tool", "support"))
