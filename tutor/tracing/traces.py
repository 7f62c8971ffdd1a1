"""LangSmith: switched on by the standard LANGSMITH_* variables, never in a turn's way.

Every turn is one trace named `tutor turn` (see `Tracing.turn_config`); LangGraph names the
node runs, the retriever and the model report their own runs, and the sandbox is a tool run
(`traced_run`). Runs leave through one `langsmith.Client` per process whose background
threads are daemons, so `shutdown` can bound the flush at exit; its log lines are collected,
not printed, and become one warning. Secrets never leave: `Redactor` scrubs every input,
output and metadata, shows the home folder in paths and links as `~`, and with
TUTOR_TRACE_HIDE_INPUTS it hides what the learner wrote.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import threading
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langsmith import Client

    from tutor.config import Settings

F = TypeVar("F", bound=Callable[..., Any])
TURN_RUN = "tutor turn"
TRUE = {"1", "true", "yes", "on"}
REDACTED = "[redacted]"
HIDDEN = "[hidden]"
HOME = "~"
FLUSH_SECONDS = 1.0
"""How long a process waits at exit for its traces to leave."""

SECRET_KEY = re.compile(
    r"(?i)(^|_)(api_?key|access_token|auth_token|bot_token|app_token|token|secret|"
    r"signing_secret|password|passwd|authorization|cookie|credentials?|env|environ)$"
)
"""Keys whose text values are secrets (whole-key endings, so `input_tokens` counts stay)."""
SECRET_TEXT = re.compile(
    r"\b(?:sk-[A-Za-z0-9_\-]{16,}|xox[abposr]-[A-Za-z0-9\-]{8,}|xapp-[A-Za-z0-9\-]{8,}"
    r"|lsv2_[A-Za-z0-9_]{16,}|ls__[A-Za-z0-9]{16,})"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/\-]{16,}=*"
)
"""Token shapes (OpenAI, Slack, LangSmith keys, bearer headers) wherever they appear."""
LEARNER_KEYS = frozenset(["topic", "query", "reply", "answer", "resume", "input"])
"""Keys whose text is the learner's (hidden whole with TUTOR_TRACE_HIDE_INPUTS)."""
COMMAND = re.compile(r"^/\w+\s*")
MAX_HIDDEN = 2000
"""Learner phrases remembered for hiding; each turn renews its own thread's."""
MIN_HIDDEN = 12
"""Shorter learner text is hidden only where it is kept, never replaced inside other text."""
SECRET_SETTINGS = (
    "OPENAI_API_KEY",
    "LANGSMITH_API_KEY",
    "LANGCHAIN_API_KEY",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
)


def app_version() -> str:
    """tutor's installed version."""
    try:
        return version("tutor")
    except PackageNotFoundError:
        return "unknown"


def tracing_enabled(settings: Settings | None = None) -> bool:
    """Whether LANGSMITH_TRACING (or the older LANGCHAIN_TRACING_V2) switches tracing on."""
    if settings is not None:
        return bool(settings.langsmith_tracing)
    names = ("LANGSMITH_TRACING", "LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2")
    return any(os.environ.get(name, "").strip().lower() in TRUE for name in names)


def sender_settings() -> None:
    """How every langsmith client here sends: from daemon threads (a dead endpoint must never
    hold the process at exit) and as plain multipart (the compressed path sends from a pool
    that `flush` cannot reliably wait for, so runs could be lost at exit)."""
    from langsmith import utils

    os.environ["LANGSMITH_USE_DAEMON"] = "true"
    os.environ["LANGSMITH_DISABLE_RUN_COMPRESSION"] = "true"
    utils.get_env_var.cache_clear()  # type: ignore[attr-defined]


class Redactor:
    """Scrubs what goes to LangSmith: secrets always, the learner's words when asked."""

    def __init__(
        self, secrets: Iterable[str] = (), hide_learner: bool = False, home: str | None = None
    ) -> None:
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)
        self.home = _home_paths(os.path.expanduser("~") if home is None else home)
        """The learner's home folder as paths and links spell it, shown as `~` in a trace."""
        self.hide_learner = hide_learner
        self.learner_text: dict[str, None] = {}
        """What learners wrote, oldest first (an ordered set, bounded by MAX_HIDDEN)."""
        self._said: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def learner_said(self, texts: Iterable[str]) -> None:
        """Remember what the learner wrote, to hide it wherever it turns up: in prompts, and
        as the topic read from it that an answer is titled with (any case, without its slash
        command or final punctuation). Short replies ("C", "good") are hidden where they are
        kept instead."""
        if not self.hide_learner:
            return
        from tutor.intent.topic import topic_of

        variants: set[str] = set()
        for text in texts:
            text = " ".join(text.split())
            bare = COMMAND.sub("", text).rstrip(" ?.!:")
            topic = topic_of(bare).removesuffix(" …")  # what titles and searches show of it
            variants.update(v for v in (text, bare, topic) if len(v) >= MIN_HIDDEN)
        with self._lock:
            fresh = [v for v in variants if v not in self.learner_text]
            for words in variants:  # the newest last: a long-running bot forgets the oldest
                self.learner_text.pop(words, None)
                self.learner_text[words] = None
            while len(self.learner_text) > MAX_HIDDEN:
                del self.learner_text[next(iter(self.learner_text))]
            if fresh:
                ordered = sorted(self.learner_text, key=len, reverse=True)
                self._said = re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE)

    def inputs(self, data: dict[str, Any]) -> dict[str, Any]:
        """For `hide_inputs`/`hide_outputs`: a scrubbed copy."""
        with self._lock:
            said = self._said
        return dict(self._walk(data, said))

    def metadata(self, data: dict[str, Any]) -> dict[str, Any]:
        """For `hide_metadata`: secrets only (the learner id and route stay readable)."""
        return dict(self._walk(data, None))

    def text(self, value: str, said: re.Pattern[str] | None = None) -> str:
        """One string with its secrets (and the learner's words, if hidden) replaced."""
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        value = SECRET_TEXT.sub(REDACTED, value)
        if self.home is not None:
            value = self.home.sub(HOME, value)
        return said.sub(HIDDEN, value) if said is not None else value

    def _walk(self, value: Any, said: re.Pattern[str] | None, depth: int = 0) -> Any:
        if depth > 40:
            return value
        if isinstance(value, str):
            return self.text(value, said)
        if isinstance(value, dict):
            return {k: self._entry(k, v, said, depth) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._walk(v, said, depth + 1) for v in value]
        if _is_message(value):
            dumped = value.model_dump()
            if self.hide_learner and dumped.get("type") == "human":
                dumped["content"] = HIDDEN
            return self._walk(dumped, said, depth + 1)
        if hasattr(value, "model_dump") and hasattr(value, "page_content"):
            return self._walk(value.model_dump(), said, depth + 1)  # a retrieved Document
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
            return self._walk(fields, said, depth + 1)
        if type(value).__name__ == "Command":  # LangGraph's resume carries the learner's reply
            fields = {k: getattr(value, k, None) for k in ("goto", "resume", "update")}
            return self._walk(fields, said, depth + 1)
        return value

    def _entry(self, key: Any, value: Any, said: re.Pattern[str] | None, depth: int) -> Any:
        if isinstance(key, str) and SECRET_KEY.search(key) and isinstance(value, str | dict):
            return REDACTED if value else value
        if self.hide_learner and key in LEARNER_KEYS and isinstance(value, str) and value:
            return HIDDEN
        return self._walk(value, said, depth + 1)


def _home_paths(home: str) -> re.Pattern[str] | None:
    """The home folder as a path or a `file://` link spells it ("/home/ann",
    "/home/ann%20lee"), up to a path separator; None for a root or relative home."""
    from urllib.parse import quote

    home = home.rstrip("/")
    if not home.startswith("/"):
        return None
    spellings = sorted({home, quote(home)}, key=len, reverse=True)
    return re.compile(f"(?:{'|'.join(map(re.escape, spellings))})(?=/|$|[^\\w.%-])")


def _is_message(value: Any) -> bool:
    return hasattr(value, "model_dump") and hasattr(value, "content") and hasattr(value, "type")


class _Problems(logging.Handler):
    """Keeps the langsmith client's complaints (instead of tracebacks on the terminal)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip().splitlines()
        if message and len(self.seen) < 20:
            self.seen.append(message[0][:300])


def database_secrets(url: str) -> list[str]:
    """What of TUTOR_DATABASE_URL a trace must never show: the whole URL and its password."""
    from urllib.parse import parse_qs, unquote, urlsplit

    try:
        parts = urlsplit(url.strip())
        passwords = [parts.password or "", *parse_qs(parts.query).get("password", [])]
    except ValueError:
        passwords = []
    return [url.strip(), *passwords, *(unquote(p) for p in passwords)]


class Tracing:
    """This process's LangSmith connection: a client, its redactor and what went wrong."""

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self.settings = settings
        self.project = settings.langsmith_project or "tutor"
        self.endpoint = settings.langsmith_endpoint or "LangSmith"
        secrets = [os.environ.get(n, "") for n in SECRET_SETTINGS]
        secrets += [settings.openai_api_key, settings.langsmith_api_key]
        secrets += [settings.slack_bot_token, settings.slack_app_token]
        secrets += [settings.slack_signing_secret, *database_secrets(settings.database_url)]
        self.redactor = Redactor(secrets, hide_learner=settings.trace_hide_inputs)
        self.problems = _Problems()
        log = logging.getLogger("langsmith")
        for handler in [h for h in log.handlers if isinstance(h, _Problems)]:
            log.removeHandler(handler)  # an earlier connection's (settings changed)
        log.addHandler(self.problems)
        log.propagate = False
        self.client = client or self._client()
        from langsmith import run_trees

        # LangChain's and langsmith's default client is this one too: whatever traces in
        # this process (an eval, a stray runnable) is redacted and never blocks the exit.
        run_trees._CLIENT = self.client
        self.project_id: str | None = None
        threading.Thread(target=self._find_project, daemon=True, name="tutor-trace-project").start()

    def _find_project(self) -> None:
        """The project's id, which feedback should name (looked up off the turn's path)."""
        from langsmith.utils import LangSmithNotFoundError

        try:
            try:
                project = self.client.read_project(project_name=self.project)
            except LangSmithNotFoundError:
                project = self.client.create_project(self.project)
            self.project_id = str(project.id)
        except Exception as exc:  # noqa: BLE001 - feedback then goes without it
            self.problems.seen.append(f"project {self.project}: {exc}"[:300])

    def _client(self) -> Client:
        from langsmith import Client
        from urllib3.util.retry import Retry

        sender_settings()
        return Client(
            api_url=self.settings.langsmith_endpoint or None,
            api_key=self.settings.langsmith_api_key or None,
            timeout_ms=(2_000, 5_000),
            retry_config=Retry(total=1, backoff_factor=0.2, allowed_methods=None),
            hide_inputs=self.redactor.inputs,
            hide_outputs=self.redactor.inputs,
            hide_metadata=self.redactor.metadata,
        )

    def turn_config(
        self,
        config: RunnableConfig,
        *,
        name: str = TURN_RUN,
        run_id: uuid.UUID | None = None,
        tags: list[str] | None = None,
    ) -> RunnableConfig:
        """`config` traced as one turn: our tracer, a run id and a name for the root run."""
        from tutor.tracing.turn_tracer import TurnTracer

        tracer = TurnTracer(client=self.client, project_name=self.project, root_tags=tags)
        traced: RunnableConfig = {**config, "callbacks": [tracer], "run_name": name}
        if run_id is not None:
            traced["run_id"] = run_id
        return traced

    def feedback(
        self,
        run_id: str,
        key: str,
        score: float | None = None,
        *,
        comment: str = "",
        value: Any = None,
    ) -> bool:
        """Queue feedback on a turn's root run (sent in the background with the runs)."""
        try:
            with warnings.catch_warnings():
                # Without the project id (not looked up yet) langsmith warns once per call.
                warnings.simplefilter("ignore")
                self.client.create_feedback(
                    run_id,
                    key,
                    score=score,
                    value=value,
                    comment=self.redactor.text(comment) or None,
                    trace_id=run_id,
                    session_id=self.project_id,
                )
        except Exception as exc:  # noqa: BLE001 - feedback is best effort, never the turn's end
            self.problems.seen.append(f"feedback {key}: {exc}"[:300])
            return False
        return True

    def flush(self, timeout: float = FLUSH_SECONDS) -> bool:
        """Wait at most `timeout` seconds for queued runs and feedback to leave."""
        done = threading.Event()

        def send() -> None:
            try:
                self.client.flush(timeout=timeout)
            except Exception as exc:  # noqa: BLE001 - reported as one warning line
                self.problems.seen.append(str(exc).splitlines()[0][:300] if str(exc) else "")
            else:
                done.set()

        worker = threading.Thread(target=send, daemon=True, name="tutor-trace-flush")
        worker.start()
        worker.join(timeout + 0.1)
        queue = self.client.tracing_queue
        return done.is_set() and (queue is None or not queue.unfinished_tasks)

    def warning(self, flushed: bool) -> str | None:
        """One line saying traces were not delivered, or None when all is well."""
        if flushed and not self.problems.seen:
            return None
        why = self.problems.seen[0] if self.problems.seen else "no answer in time"
        return (
            f"warning: LangSmith at {self.endpoint} did not take this session's traces "
            f"({_short(why)}); the tutor itself was not affected"
        )


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_active: Tracing | None = None
_active_lock = threading.Lock()


def tracing_for(settings: Settings) -> Tracing | None:
    """The process's tracing when LANGSMITH_TRACING is on, else None (created once)."""
    global _active
    if not tracing_enabled(settings):
        return None
    with _active_lock:
        if _active is None or _active.settings is not settings and _differs(_active, settings):
            _active = Tracing(settings)
        return _active


def _differs(active: Tracing, settings: Settings) -> bool:
    old = active.settings
    fields = ("langsmith_endpoint", "langsmith_api_key", "langsmith_project")
    return any(getattr(old, f) != getattr(settings, f) for f in fields)


def send_feedback(
    run_id: str | None,
    key: str,
    score: float | None = None,
    *,
    comment: str = "",
    value: Any = None,
) -> bool:
    """Attach feedback `key` to the run `run_id` (a turn's root run). Never raises: an
    unreachable LangSmith costs a one-line warning at exit, not the turn. False when not
    sent (tracing off, or no run)."""
    active = _active
    if not run_id or active is None:
        return False
    return active.feedback(run_id, key, score, comment=comment, value=value)


def shutdown(timeout: float = FLUSH_SECONDS, warn: Callable[[str], None] | None = None) -> None:
    """At the end of a command: send what is queued, for at most `timeout` seconds, and say
    in one line if LangSmith did not take it."""
    global _active
    active = _active
    if active is None:
        return
    message = active.warning(active.flush(timeout))
    _active = None
    if message and warn is not None:
        warn(message)


def traced(name: str, run_type: str, **options: Any) -> Callable[[F], F]:
    """`langsmith.traceable`, imported only when a traced function is first called with
    tracing on (this process's, or LangGraph Studio's from the environment); otherwise the
    function runs as it is."""

    def wrap(function: F) -> F:
        cached: list[Callable[..., Any]] = []

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            if _active is None and not tracing_enabled():
                return function(*args, **kwargs)  # nothing traces: no langsmith import
            if not cached:
                from langsmith import traceable

                cached.append(traceable(name=name, run_type=run_type, **options)(function))  # type: ignore[call-overload]
            return cached[0](*args, **kwargs)

        return call  # type: ignore[return-value]

    return wrap


def new_run_id() -> uuid.UUID:
    """A fresh root run id for a turn."""
    return uuid.uuid4()


SELF_RATING = {"again": 0.0, "hard": 1 / 3, "good": 2 / 3, "easy": 1.0}
"""The learner's own recall rating as a feedback score."""


def turn_feedback(
    tracing: Tracing, run_id: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> None:
    """What a turn graded becomes feedback on its run: `quiz_score` for each grade (score and
    the grader's comment) and `self_rating` for the learner's own rating, on the run where
    the answer was graded."""
    for grade in after.get("grades", [])[len(before.get("grades", [])) :]:
        comment = f"{grade.get('verdict', '')} (graded by {grade.get('graded_by', 'rules')})"
        if grade.get("feedback"):
            comment += f": {grade['feedback']}"
        score = float(grade.get("score") or 0.0)
        tracing.feedback(str(grade.get("run_id") or run_id), "quiz_score", score, comment=comment)
    rated = after.get("rated")
    if rated and rated != before.get("rated") and rated.get("by") == "learner":
        rating = str(rated.get("rating"))
        if rating in SELF_RATING:
            target = str(rated.get("run_id") or run_id)
            comment = f"rated {rating}; the estimate suggested {rated.get('suggested')}"
            score = SELF_RATING[rating]
            tracing.feedback(target, "self_rating", score, value=rating, comment=comment)
