"""`tutor db migrate`: a TUTOR_HOME's learners and conversations copied into PostgreSQL.

It goes through LangGraph's interfaces (the Store's namespaces and items; the checkpointer's
`list`, `put`, `put_writes` and `delete_thread`), so it holds on whatever tables the
installed LangGraph keeps. Only the SQLite files' own summary queries read tables directly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tutor.config import Settings
from tutor.errors import TutorError
from tutor.learning.memory import PAGE as ITEMS_PAGE
from tutor.prompts import counted
from tutor.storage.postgres import URL_HINT, redact
from tutor.storage.state import (
    close_saved,
    database_errors,
    open_checkpointer,
    open_store,
)

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.checkpoint.base import BaseCheckpointSaver, CheckpointTuple
    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.store.base import BaseStore
    from langgraph.store.sqlite import SqliteStore

T = TypeVar("T")
PAGE = 1000
"""Namespaces, items or Store writes handled per query."""
LEARNERS = ("learner",)
"""The Store namespaces of learners' cards and profiles (`tutor.learning.memory`)."""
SLACK_FILE = "slack.sqlite"
"""The Slack bot's records under TUTOR_HOME (`tutor.slack.store`)."""
NOT_A_HOME = "give the folder that was TUTOR_HOME (`tutor doctor` run there shows it as home)"


@dataclass
class Copied:
    """One kind of thing migrated: copied now, or found already there (by an earlier run)."""

    copied: int = 0
    already: int = 0

    def describe(self, noun: str) -> str:
        """`3 cards (2 copied, 1 already there)`."""
        total = counted(self.copied + self.already, noun)
        return f"{total} ({self.copied} copied, {self.already} already there)"


@dataclass
class Migration:
    """What `tutor db migrate` found in a TUTOR_HOME and did with it."""

    source: str
    database: str
    """The URL copied into, password hidden."""
    learners: set[str] = field(default_factory=set)
    cards: Copied = field(default_factory=Copied)
    profiles: Copied = field(default_factory=Copied)
    threads: Copied = field(default_factory=Copied)
    checkpoints: Copied = field(default_factory=Copied)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape: each kind as {copied, already_there}."""
        kinds = {"cards": self.cards, "profiles": self.profiles, "threads": self.threads}
        kinds["checkpoints"] = self.checkpoints
        return {
            "source": self.source,
            "database": self.database,
            "learners": len(self.learners),
            **{k: {"copied": c.copied, "already_there": c.already} for k, c in kinds.items()},
        }

    def describe(self) -> list[str]:
        """What the terminal shows: where from and to, the counts, and the next step."""
        return [
            f"copied {self.source} into {self.database}",
            f"{counted(len(self.learners), 'learner')} · {self.cards.describe('card')} · "
            f"{self.profiles.describe('profile')}",
            f"{self.threads.describe('thread')} · {self.checkpoints.describe('checkpoint')}",
            "next: `tutor ingest` with this TUTOR_DATABASE_URL, so the cards find their notes "
            "again (the index and its records are not copied)",
        ]


def migrate_home(settings: Settings, home: Path) -> Migration:
    """Copy the learners' cards and profiles and every conversation thread, with its whole
    history, from the TUTOR_HOME `home` into the PostgreSQL of TUTOR_DATABASE_URL. What the
    database holds already is left as it is, so running it again changes nothing."""
    source = settings.model_copy(update={"home": home.expanduser(), "database_url": ""})
    if not (source.memory_path.is_file() or source.threads_path.is_file()):
        raise TutorError(
            f"{source.home} is not a TUTOR_HOME: it has no memory.sqlite and no threads.sqlite",
            NOT_A_HOME,
        )
    if settings.backend != "postgresql":
        raise TutorError(
            "TUTOR_DATABASE_URL is not set: there is no PostgreSQL to copy into",
            f"set TUTOR_DATABASE_URL to the team's database; {URL_HINT}",
        )
    report = Migration(str(source.home), redact(settings.database_url))
    with ExitStack() as stack, _reading(source.home):
        memory = _opened(stack, source.memory_path, _sqlite_store)
        threads = _opened(stack, source.threads_path, _sqlite_saver)
        with database_errors(settings, "copying into it"):
            if memory is not None:
                _copy_memory(memory, kept(stack, open_store(settings)), report)
            if threads is not None:
                _copy_threads(threads, kept(stack, open_checkpointer(settings)), report)
    return report


@contextmanager
def _reading(home: Path) -> Iterator[None]:
    """A SQLite file of the source that cannot be read, as one line."""
    try:
        yield
    except sqlite3.Error as exc:
        raise TutorError(f"cannot read the TUTOR_HOME {home}: {exc}", NOT_A_HOME) from None


def _opened(stack: ExitStack, path: Path, opener: Callable[[Path], T]) -> T | None:
    """The source file `path` opened (closed with `stack`), or None when it is not there."""
    return kept(stack, opener(path)) if path.is_file() else None


def kept(stack: ExitStack, saved: T) -> T:
    """`saved` (a Store or checkpointer), closed when `stack` closes."""
    stack.callback(close_saved, saved)
    return saved


def _sqlite_store(path: Path) -> SqliteStore:
    from langgraph.store.sqlite import SqliteStore

    store = SqliteStore(sqlite3.connect(path, check_same_thread=False, isolation_level=None))
    store.setup()
    return store


def _sqlite_saver(path: Path) -> SqliteSaver:
    from langgraph.checkpoint.sqlite import SqliteSaver

    saver = SqliteSaver(sqlite3.connect(path, check_same_thread=False))
    saver.setup()
    return saver


def _copy_memory(source: BaseStore, target: BaseStore, report: Migration) -> None:
    """Every item of every learner namespace that the database does not hold yet: one it
    holds (copied before, or reviewed on the team's tutor since) is never overwritten."""
    from langgraph.store.base import PutOp

    for namespace in _namespaces(source):
        kind = {"cards": report.cards, "profile": report.profiles}.get(namespace[-1], Copied())
        there = {item.key for item in store_items(target, namespace)}
        writes = []
        for item in store_items(source, namespace):
            if item.key in there:
                kind.already += 1
            else:
                writes.append(PutOp(namespace, item.key, item.value, index=False))
        kind.copied += len(writes)
        for start in range(0, len(writes), PAGE):
            target.batch(writes[start : start + PAGE])
        report.learners.add(namespace[1])


def _namespaces(store: BaseStore) -> Iterator[tuple[str, ...]]:
    offset = 0
    while page := store.list_namespaces(prefix=LEARNERS, limit=PAGE, offset=offset):
        yield from page
        offset += len(page)


def store_items(store: BaseStore, namespace: tuple[str, ...]) -> Iterator[Any]:
    """The items of exactly `namespace` (a search also finds those of namespaces under it),
    in pages as large as `LearnerMemory` reads: items written together share a time, and
    pages ordered by time are only stable when one holds them all."""
    offset = 0
    while page := store.search(namespace, limit=ITEMS_PAGE, offset=offset):
        yield from (item for item in page if item.namespace == namespace)
        offset += len(page)


def _copy_threads(source: SqliteSaver, target: BaseCheckpointSaver[Any], report: Migration) -> None:
    """Every thread's checkpoints with their pending writes. A thread whose first and last
    checkpoints are both there was copied whole by an earlier run."""
    changed: dict[str, bool] = {}
    for thread, ns, count, first, last in _histories(source):
        there = all(_has(target, thread, ns, checkpoint) for checkpoint in (first, last))
        if there:
            report.checkpoints.already += count
        else:
            report.checkpoints.copied += _copy_history(source, target, thread, ns)
        changed[thread] = changed.get(thread, False) or not there
    report.threads.copied += sum(changed.values())
    report.threads.already += len(changed) - sum(changed.values())


def _histories(source: SqliteSaver) -> list[tuple[str, str, int, str, str]]:
    """(thread, namespace, checkpoints, first id, last id) of each history in the file."""
    return source.conn.execute(
        "SELECT thread_id, checkpoint_ns, COUNT(*), MIN(checkpoint_id), MAX(checkpoint_id) "
        "FROM checkpoints GROUP BY thread_id, checkpoint_ns ORDER BY thread_id, checkpoint_ns"
    ).fetchall()


def _has(target: BaseCheckpointSaver[Any], thread: str, ns: str, checkpoint: str) -> bool:
    at: RunnableConfig = {
        "configurable": {"thread_id": thread, "checkpoint_ns": ns, "checkpoint_id": checkpoint}
    }
    return target.get_tuple(at) is not None


def _copy_history(
    source: SqliteSaver, target: BaseCheckpointSaver[Any], thread: str, ns: str
) -> int:
    """Put each checkpoint of one history, with its parent, metadata and writes, as the run
    that made it did; how many. `list` gives the newest first: streamed in that order a long
    history is never all in memory, and a copy cut short leaves the thread's latest state
    there (and its first checkpoint missing, so the next run copies it again)."""
    history: RunnableConfig = {"configurable": {"thread_id": thread, "checkpoint_ns": ns}}
    paths = _task_paths(source, thread, ns)
    copied = 0
    for saved in source.list(history):
        _copy_writes(target, saved, paths)
        # Every channel's version is "new" here, so PostgreSQL gets each value it lacks.
        versions = saved.checkpoint["channel_versions"]
        target.put(saved.parent_config or history, saved.checkpoint, saved.metadata, versions)
        copied += 1
    return copied


def _task_paths(source: SqliteSaver, thread: str, ns: str) -> dict[tuple[str, str], str]:
    """{(checkpoint, task): task path}: `list` leaves the path out of the writes it returns,
    and reading them back orders a step's writes by it."""
    rows = source.conn.execute(
        "SELECT DISTINCT checkpoint_id, task_id, task_path FROM writes "
        "WHERE thread_id = ? AND checkpoint_ns = ?",
        (thread, ns),
    )
    return {(checkpoint, task): path for checkpoint, task, path in rows}


def _copy_writes(
    target: BaseCheckpointSaver[Any], saved: CheckpointTuple, paths: dict[tuple[str, str], str]
) -> None:
    """A checkpoint's pending writes, task by task with the task's path. Special writes
    (interrupt, resume, error) go apart and keep their fixed index; the others are numbered
    from 0 in their order (a run may have started at 1, after a special one), which is the
    order LangGraph reads them back in."""
    from langgraph.checkpoint.base import WRITES_IDX_MAP

    checkpoint = saved.config["configurable"]["checkpoint_id"]
    tasks: dict[str, list[tuple[str, Any]]] = {}
    for task, channel, value in saved.pending_writes or []:
        tasks.setdefault(task, []).append((channel, value))
    for task, writes in tasks.items():
        path = paths.get((checkpoint, task), "")
        special = [write for write in writes if write[0] in WRITES_IDX_MAP]
        others = [write for write in writes if write[0] not in WRITES_IDX_MAP]
        for part in (special, others):
            if part:
                target.put_writes(saved.config, part, task, path)
