"""`tutor forget`: one learner removed from everywhere the tutor keeps them (cards, profile,
threads, the Slack bot's records), on either backend, through LangGraph's interfaces."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tutor.config import Settings
from tutor.errors import TutorError
from tutor.learning.memory import LearnerMemory
from tutor.prompts import counted
from tutor.storage.postgres import redact
from tutor.storage.state import database_errors, open_checkpointer, open_store, thread_lock
from tutor.terminal.migrate import PAGE, SLACK_FILE, kept, store_items

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.store.base import BaseStore

T = TypeVar("T")


@dataclass
class Forgotten:
    """What `tutor forget` found of one learner, then removed."""

    learner: str
    cards: int = 0
    profiles: int = 0
    threads: list[str] = field(default_factory=list)
    """Conversation threads any turn of this learner's was saved in."""
    slack_users: list[str] = field(default_factory=list)
    """Slack users who are this learner (`slack-TEAM-USER`, or named in TUTOR_SLACK_LEARNERS)."""
    slack_threads: int = 0
    """The Slack bot's records of threads those users started (known once removed)."""
    removed: bool = False

    def describe(self) -> str:
        """`learner ann: 2 cards, 1 profile, 3 threads` (and the Slack bot's records)."""
        found = [counted(self.cards, "card"), counted(self.profiles, "profile")]
        found.append(counted(len(self.threads), "thread"))
        if self.slack_users and self.removed:
            found.append(counted(self.slack_threads, "Slack thread record"))
        elif self.slack_users:
            found.append(f"the Slack bot's records of {', '.join(self.slack_users)}")
        return f"learner {self.learner}: {', '.join(found)}"

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape: what was removed, counted."""
        return {
            "learner": self.learner,
            "cards": self.cards,
            "profiles": self.profiles,
            "threads": len(self.threads),
            "slack_threads": self.slack_threads,
        }


def forget_learner(
    settings: Settings, learner: str, confirm: Callable[[Forgotten], bool]
) -> Forgotten | None:
    """Remove a learner's cards and profile, every thread they spoke in, and the Slack bot's
    records of the threads their Slack user started, once `confirm` agrees to what was found
    (None if it did not). A learner with no cards, profile or thread is a TutorError."""
    found = Forgotten(learner, slack_users=_slack_users(settings, learner))
    with ExitStack() as stack, database_errors(settings, "removing a learner"):
        store = _existing(stack, settings, settings.memory_path, open_store)
        saver = _existing(stack, settings, settings.threads_path, open_checkpointer)
        memory = LearnerMemory(store, learner) if store is not None else None
        cards = [] if memory is None else [*_keys(memory, memory.cards_ns)]
        profile = [] if memory is None else [*_keys(memory, memory.profile_ns)]
        found.cards, found.profiles = len(cards), len(profile)
        found.threads = _threads_of(saver, learner) if saver is not None else []
        if not (cards or profile or found.threads):
            raise TutorError(f"no learner {learner}: nothing removed", _looked_in(settings))
        if not confirm(found):
            return None
        # The threads go last: a removal cut short is found again, and finished, next time.
        found.slack_threads = _forget_slack(settings, found.slack_users)
        if memory is not None:
            _delete(memory.store, [*cards, *profile])
        if saver is not None:
            _delete_threads(settings, saver, found.threads)
    found.removed = True
    return found


def confirm_removal(found: Forgotten, yes: bool) -> bool:
    """Whether to go on: `--yes`, or the person at the terminal says so; with no one to
    ask (stdin not a terminal), a TutorError saying to add --yes."""
    from rich.prompt import Confirm

    from tutor.terminal.output import console
    from tutor.text_in import stdin_is_terminal

    if yes:
        return True
    if not stdin_is_terminal():
        raise TutorError(
            "tutor forget asks before removing anything, and stdin is not a terminal",
            f"add --yes to remove {found.describe()}",
        )
    return Confirm.ask(f"remove {found.describe()}?", console=console(stderr=True), default=False)


def _existing(
    stack: ExitStack, settings: Settings, path: Path, opener: Callable[[Settings], T]
) -> T | None:
    """The Store or checkpointer of `settings` (closed with `stack`); None for a SQLite file
    that is not there, which is not created just to find nothing in it."""
    if settings.backend != "postgresql" and not path.is_file():
        return None
    return kept(stack, opener(settings))


def _keys(
    memory: LearnerMemory, namespace: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], str]]:
    for item in store_items(memory.store, namespace):
        yield namespace, item.key


def _delete(store: BaseStore, keys: list[tuple[tuple[str, ...], str]]) -> None:
    from langgraph.store.base import PutOp

    for start in range(0, len(keys), PAGE):
        store.batch([PutOp(ns, key, None) for ns, key in keys[start : start + PAGE]])


def _delete_threads(
    settings: Settings, saver: BaseCheckpointSaver[Any], threads: list[str]
) -> None:
    for thread in threads:
        with thread_lock(settings, thread):  # a turn running on it finishes first
            saver.delete_thread(thread)


def _threads_of(saver: BaseCheckpointSaver[Any], learner: str) -> list[str]:
    """Threads with a checkpoint of this learner's: a turn's config metadata (`learner`, set
    by `Tutor.ask`) is written into every checkpoint it saves."""
    saved = saver.list(None, filter={"learner": learner})
    return sorted({str(each.config["configurable"]["thread_id"]) for each in saved})


def _slack_users(settings: Settings, learner: str) -> list[str]:
    """The Slack users who are `learner`: by TUTOR_SLACK_LEARNERS, or by its default name."""
    from tutor.slack.connect import learner_map

    users = {user for user, named in learner_map(settings).items() if named == learner}
    parts = learner.split("-")
    if len(parts) == 3 and parts[0] == "slack" and all(parts):  # slack-TEAM-USER
        users.add(parts[2])
    return sorted(users)


def _forget_slack(settings: Settings, users: list[str]) -> int:
    """Remove the Slack bot's records of threads `users` started; how many there were."""
    if not users or settings.backend != "postgresql" and not (settings.home / SLACK_FILE).is_file():
        return 0
    from tutor.slack.store import open_bot_records

    records = open_bot_records(settings)
    try:
        return sum(records.forget_user(user) for user in users)
    finally:
        records.close()


def _looked_in(settings: Settings) -> str:
    where = redact(settings.database_url) if settings.backend == "postgresql" else settings.home
    return (
        f"looked in {where}; a learner is the name --learner was given "
        "(`default` if none), or slack-TEAM-USER for someone in Slack"
    )
