"""Serving a test server on its own thread for the length of a `with` block."""

from __future__ import annotations

import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from socketserver import BaseServer
from typing import TypeVar

S = TypeVar("S", bound=BaseServer)


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], within: float, log: Callable[[], str]
) -> None:
    """Wait until GET `url`/health answers 200; RuntimeError with the end of the server's
    `log` when the process exits first or `within` seconds pass."""
    until = time.monotonic() + within
    while time.monotonic() < until:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited {process.returncode}:\n{log()}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server was not ready in {within:g} s:\n{log()}")


@contextmanager
def serving(server: S) -> Iterator[S]:
    """Serve `server` in a daemon thread; shut it down and close it when the block ends."""
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
