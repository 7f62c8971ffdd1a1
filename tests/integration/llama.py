"""A real llama.cpp `llama-server` on 127.0.0.1, built and cached by `.ci/llama` (outside the
repo), serving a GGUF model that ships inside a package. For the real-model test tier and
bench/llm_real.py; the tutor itself never starts or downloads one."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import free_port
from tests.integration.serving import wait_healthy

REPO = Path(__file__).resolve().parents[2]
SMOLLM = "smollm2-135m-instruct-q4_1.gguf"


def llama_cache() -> Path:
    """Build llama-server and unpack SmolLM2 if not cached yet (about 12 min cold on 2 cores);
    the cache directory. Fails loudly: a missing build is a failure, not a skip."""
    done = subprocess.run(
        ["bash", str(REPO / ".ci" / "llama")], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f".ci/llama failed:\n{done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


@dataclass
class LlamaServer:
    """A running llama-server: its OpenAI-compatible URL, model alias and process."""

    process: subprocess.Popen[bytes]
    port: int
    alias: str
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def kill(self) -> None:
        """Kill the server at once (SIGKILL), as a crash would."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


@contextmanager
def llama_server(
    model: Path, log: Path, *, alias: str = "local", context: int = 4096, ready_s: float = 120
) -> Iterator[LlamaServer]:
    """llama-server on a free loopback port serving `model`, stopped after the block."""
    binary = llama_cache() / "bin" / "llama-server"
    port = free_port()
    args = [str(binary), "-m", str(model), "--alias", alias, "--host", "127.0.0.1", "--port",
            str(port), "-c", str(context), "-np", "1", "-t", "2", "--no-webui",
            # The same reply to the same request in every run: the tiny test model samples
            # freely, and a test of parsing must not hinge on a lucky draw.
            "--seed", "42"]  # fmt: skip
    env = {**os.environ, "LD_LIBRARY_PATH": str(binary.parent)}
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = LlamaServer(process, port, alias, log)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process, ready_s, lambda: log.read_text()[-2000:])
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
