"""`tutor doctor`: each part of the setup, its state, and what to do if it is wrong."""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass
from importlib import metadata
from typing import Literal

from tutor.config import Settings
from tutor.errors import WRITABLE_HOME, TutorError
from tutor.prompts import SLACK_USERS_MAPPED, counted

Status = Literal["ok", "warn", "fail"]
PACKAGES = ("langgraph", "langchain", "langchain-openai", "chromadb", "langsmith", "onnxruntime")


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str
    status: Status
    detail: str
    fix: str = ""


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order a person would fix things. The index and learner memory
    are read only when the state's database can be (else its one failing line says why)."""
    state = _state(settings)
    stored = [_index(settings), _memory(settings)] if state.status != "fail" else []
    return [
        _versions(),
        _mode(settings),
        *_model_server(settings),
        _embeddings(settings),
        _home(settings),
        state,
        _notes(settings),
        *stored,
        _langsmith(settings),
        _slack(settings),
        _sandbox(settings),
    ]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


def _versions() -> Check:
    parts = [f"tutor {_version('tutor')}", f"python {platform.python_version()}"]
    parts += [f"{p} {_version(p)}" for p in PACKAGES]
    missing = [p for p in PACKAGES if _version(p) == "missing"]
    if missing:
        return Check("versions", "fail", ", ".join(parts), "run the README's setup command")
    return Check("versions", "ok", ", ".join(parts))


def _mode(settings: Settings) -> Check:
    if not settings.model:
        return Check(
            "mode",
            "ok",
            "offline: everything works from your notes with no model or network",
            "for LLM mode set TUTOR_MODEL=openai:gpt-4o-mini and OPENAI_API_KEY or OPENAI_BASE_URL",
        )
    provider = settings.model.partition(":")[0]
    if provider == "openai" and not (settings.openai_api_key or settings.openai_base_url):
        return Check(
            "mode",
            "fail",
            f"llm: {settings.model}, but no OPENAI_API_KEY or OPENAI_BASE_URL is set",
            "set OPENAI_API_KEY in .env, or unset TUTOR_MODEL to use offline mode",
        )
    where = f" via {settings.openai_base_url}" if settings.openai_base_url else ""
    return Check("mode", "ok", f"llm: {settings.model}{where}")


def _model_server(settings: Settings) -> list[Check]:
    """Whether the configured chat model's server answers and knows the model."""
    from tutor.llm import describe_failure, make_chat_model, provider_of

    if not settings.model:
        return []
    try:
        make_chat_model(settings)
    except TutorError as unusable:
        return [Check("model", "fail", unusable.message, unusable.hint)]
    if provider_of(settings.model) != "openai":
        return [Check("model", "ok", f"{settings.model}: integration installed (not contacted)")]
    import openai

    name = settings.model.partition(":")[2] or settings.model
    client = openai.OpenAI(
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url or None,
        timeout=min(settings.model_timeout, 10),
        max_retries=0,
    )
    try:
        served = {m.id for m in client.models.list()}
    except Exception as exc:
        failure = describe_failure(exc, settings)
        if failure is None:
            raise
        return [Check("model", "fail", failure.message, "check OPENAI_BASE_URL and OPENAI_API_KEY")]
    if served and name not in served:
        offered = ", ".join(sorted(served)[:5])
        fix = f"the server offers: {offered}"
        return [Check("model", "warn", f"the server answers but does not list {name}", fix)]
    return [Check("model", "ok", f"the server answers and offers {name}")]


def _embeddings(settings: Settings) -> Check:
    from tutor.knowledge.embeddings import LocalMiniLM, make_embeddings, model_id_of

    try:
        model = make_embeddings(settings)
        if isinstance(model, LocalMiniLM):
            model.embed_query("doctor")
    except TutorError as exc:
        return Check("embeddings", "fail", exc.message, exc.hint)
    return Check("embeddings", "ok", f"{model_id_of(model)} (works)")


def _home(settings: Settings) -> Check:
    """Whether TUTOR_HOME (or the folder that would hold it) can be written."""
    folder = settings.home
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
        return Check("home", "ok", str(settings.home))
    return Check(
        "home",
        "fail",
        f"cannot write to {settings.home} ({folder} is not a writable folder)",
        WRITABLE_HOME,
    )


def _state(settings: Settings) -> Check:
    """Where conversations and learner memory live; for PostgreSQL, whether the server
    answers, its version, and the connections this process would keep to it."""
    if settings.backend == "sqlite":
        return Check("state", "ok", f"sqlite in {settings.home}")
    from tutor.storage.postgres import (
        POOLS,
        database_error,
        is_database_error,
        redact,
        server_version,
    )

    try:
        pool = POOLS.take(settings.database_url, settings.database_pool)
    except TutorError as exc:
        return Check("state", "fail", exc.message, exc.hint)
    try:
        version = server_version(pool)
        stats = pool.get_stats()
    except Exception as exc:
        if not is_database_error(exc):
            raise
        failure = database_error(exc, settings.database_url)
        return Check("state", "fail", failure.message, failure.hint)
    finally:
        POOLS.give_back(pool)
    connections = (
        f"a pool of at most {stats['pool_max']} connections "
        f"({stats['pool_size']} open, {stats['pool_available']} idle)"
    )
    where = redact(settings.database_url)
    detail = f"postgresql at {where}: server {version}, reachable; {connections}"
    return Check("state", "ok", detail)


def _memory(settings: Settings) -> Check:
    """Learner memory: how many learners and cards the Store holds."""
    if settings.backend == "sqlite" and not settings.memory_path.exists():
        return Check("memory", "ok", "no learner has answered a question yet")
    from tutor.learning.memory import close_store, open_store

    try:
        store = open_store(settings)
    except TutorError as exc:
        return Check("memory", "fail", exc.message, exc.hint)
    try:
        decks = store.list_namespaces(prefix=("learner",), suffix=("cards",), limit=10_000)
        cards = sum(len(store.search(ns, limit=100_000)) for ns in decks)
    finally:
        close_store(store)
    mine = f"{counted(len(decks), 'learner')}, {counted(cards, 'card')}"
    where = settings.memory_path if settings.backend == "sqlite" else "the database"
    return Check("memory", "ok", f"{mine} in {where}")


def _notes(settings: Settings) -> Check:
    if not settings.notes.is_dir():
        return Check(
            "notes",
            "fail",
            f"{settings.notes} is not a folder",
            "set TUTOR_NOTES to your notes folder",
        )
    return Check("notes", "ok", str(settings.notes))


def _index(settings: Settings) -> Check:
    from tutor.knowledge.index import PIPELINE
    from tutor.knowledge.loaders import file_hash, find_notes, read_note_bytes
    from tutor.knowledge.records import open_records

    if settings.backend == "sqlite" and not settings.records_path.exists():
        return Check("index", "warn", f"empty (home {settings.home})", "run `tutor ingest`")
    try:
        records = open_records(settings)
    except TutorError as exc:  # tables of another version, say
        return Check("index", "fail", exc.message, exc.hint)
    try:
        indexed = {r.source: r for r in records.all()}
        built_by = records.get_meta("embed_model") or "unknown"
        last = records.last_ingest()
    finally:
        records.close()
    passages = sum(len(r.chunk_ids) for r in indexed.values())
    found, _ = (
        find_notes([settings.notes], settings.notes_exclude)
        if settings.notes.is_dir()
        else ([], [])
    )
    stale = 0
    for _, path in found:
        record = indexed.get(str(path.resolve()))
        try:
            digest = file_hash(read_note_bytes(path, 10**9))
            changed = record is None or not record.up_to_date(digest, PIPELINE)
        except Exception:  # noqa: BLE001 - unreadable files are ingest's business
            changed = False
        stale += changed
    age = _age(last) if last else "never"
    detail = (
        f"{counted(passages, 'passage')} from {counted(len(indexed), 'file')}, "
        f"built with {built_by}, "
        f"last ingest {age}, at {settings.home}"
    )
    if stale:
        fix = "run `tutor ingest` to catch up"
        since = f"{detail}; {counted(stale, 'note')} changed since"
        return Check("index", "warn", since, fix)
    return Check("index", "ok", detail)


def _age(timestamp: float) -> str:
    seconds = max(0, int(time.time() - timestamp))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def _langsmith(settings: Settings) -> Check:
    if not settings.langsmith_tracing:
        return Check(
            "langsmith",
            "ok",
            "tracing off",
            "set LANGSMITH_TRACING=true and LANGSMITH_API_KEY to trace",
        )
    if not settings.langsmith_api_key:
        return Check(
            "langsmith",
            "fail",
            "LANGSMITH_TRACING is on but LANGSMITH_API_KEY is not set",
            "set LANGSMITH_API_KEY, or LANGSMITH_TRACING=false",
        )
    endpoint = settings.langsmith_endpoint or DEFAULT_LANGSMITH
    hidden = ", learner text hidden" if settings.trace_hide_inputs else ""
    detail = f"tracing on, project {settings.langsmith_project}, {endpoint}{hidden}"
    problem = _unreachable(endpoint.rstrip("/") + "/info", settings.langsmith_api_key)
    if problem:
        fix = "check LANGSMITH_ENDPOINT and the network; turns still work, traces are dropped"
        return Check("langsmith", "warn", f"{detail}: not reachable ({problem})", fix)
    return Check("langsmith", "ok", f"{detail}, reachable")


DEFAULT_LANGSMITH = "https://api.smith.langchain.com"


def _unreachable(url: str, key: str, timeout: float = 2.0) -> str | None:
    """Why `url` does not answer (None when it does), without waiting long."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"x-api-key": key})
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return str(reason)[:120]


def _slack(settings: Settings) -> Check:
    """Which Slack tokens are set (never their values) and how `tutor slack` would connect."""
    from tutor.slack.connect import choose_connection, learner_map

    names = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
    values = (settings.slack_bot_token, settings.slack_app_token, settings.slack_signing_secret)
    present = [name for name, value in zip(names, values, strict=True) if value.strip()]
    if not present:
        return Check("slack", "ok", "not configured (optional)", "see the README's Slack section")
    have = f"set: {', '.join(present)}"
    try:
        connection = choose_connection(settings)
        mapped = len(learner_map(settings))
    except TutorError as exc:
        return Check("slack", "fail", f"{exc.message} ({have})", exc.hint)
    how = "Socket Mode" if connection.mode == "socket" else "HTTP events (`tutor slack --port`)"
    if connection.mode == "socket" and settings.slack_signing_secret.strip():
        how += "; `--port` would use HTTP events"
    users = counted(mapped, "Slack user")
    learners = f"; {SLACK_USERS_MAPPED.format(users=users)}" if mapped else ""
    return Check("slack", "ok", f"`tutor slack` would use {how} ({have}){learners}")


def _sandbox(settings: Settings) -> Check:
    from tutor.sandbox import run

    try:
        result = run("print(1)", timeout=20, mode=settings.sandbox)
    except TutorError as exc:
        return Check("sandbox", "fail", exc.message, exc.hint)
    if result.isolation == "none":
        return Check(
            "sandbox",
            "warn",
            "TUTOR_SANDBOX=unsafe: code runs WITHOUT isolation (it can read secrets and files)",
            "install bubblewrap (sudo apt-get install bubblewrap) and unset TUTOR_SANDBOX",
        )
    if result.exit_code != 0 or result.stdout.strip() != "1":
        detail = f"a test run failed (exit {result.exit_code}): {result.stderr.strip()[-300:]}"
        return Check("sandbox", "fail", detail, "try `echo 'print(1)' | tutor run -`")
    ms = result.duration_s * 1000
    return Check("sandbox", "ok", f"bubblewrap: no network, secrets or home; {ms:.0f} ms a run")
