"""Where the bot's work runs: a pool for turns (one at a time per tutor thread, in the order
they came), a pool for Slack's listeners, a count of work in flight, and a per-user limit."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger("tutor.slack")


class Activity:
    """Work in flight, so shutdown (and a test) can wait until everything is done."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._busy = 0

    def begin(self) -> None:
        """One more piece of work."""
        with self._changed:
            self._busy += 1

    def end(self) -> None:
        """One piece of work finished."""
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is in flight; False if `timeout` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: self._busy == 0, timeout)


class CountingExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks count as activity (Bolt runs listeners on it)."""

    def __init__(self, activity: Activity, max_workers: int, name: str) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=name)
        self.activity = activity

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run `fn` on the pool, counted until it returns; its exceptions are logged."""
        self.activity.begin()

        def counted() -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception:
                log.exception("a Slack listener failed")
                raise
            finally:
                self.activity.end()

        try:
            return super().submit(counted)
        except RuntimeError:  # shutting down
            self.activity.end()
            raise


class TurnQueue:
    """Runs jobs on `workers` threads, one at a time per key (a tutor thread), in arrival
    order, so a busy thread queues behind itself instead of holding several workers."""

    def __init__(self, activity: Activity, workers: int) -> None:
        self.activity = activity
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tutor-turn")
        self._queues: dict[str, deque[Callable[[], None]]] = {}
        self._lock = threading.Lock()

    def submit(self, key: str, job: Callable[[], None]) -> None:
        """Queue `job` behind any other job on `key`."""
        self.activity.begin()
        with self._lock:
            if key in self._queues:
                self._queues[key].append(job)
                return
            self._queues[key] = deque()
        self._pool.submit(self._drain, key, job)

    def _drain(self, key: str, job: Callable[[], None]) -> None:
        while True:
            try:
                job()
            except Exception:  # a job reports its own failures; this is the last resort
                log.exception("a Slack turn failed on %s", key)
            finally:
                self.activity.end()
            with self._lock:
                queue = self._queues[key]
                if not queue:
                    del self._queues[key]
                    return
                job = queue.popleft()

    def shutdown(self) -> None:
        """Stop the pool (after `Activity.wait_idle`, nothing is left to run)."""
        self._pool.shutdown(wait=True, cancel_futures=False)


class SharedRateLimiter:
    """The same limit counted in the database every replica shares (TUTOR_DATABASE_URL)."""

    def __init__(self, per_minute: int, store: Any) -> None:
        self.per_minute = per_minute
        self.store = store

    def wait_needed(self, user: str) -> float:
        """0 when `user` may start a turn now on any replica (and it is counted), else
        seconds to wait."""
        return float(self.store.wait_needed(user, self.per_minute))


class RateLimiter:
    """At most `per_minute` turns per user in any 60 seconds (0: no limit), in this process."""

    WINDOW = 60.0

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._recent: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def wait_needed(self, user: str) -> float:
        """0 when `user` may start a turn now (and it is counted), else seconds to wait."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            recent = self._recent[user]
            while recent and recent[0] <= now - self.WINDOW:
                recent.popleft()
            if len(recent) >= self.per_minute:
                return max(0.1, recent[0] + self.WINDOW - now)
            recent.append(now)
            return 0.0
