"""The sandbox against hostile code: each test plants a secret, attacks, and checks it held."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import tutor
from tests.integration.processes import alive, gone, wait_until_alive
from tutor.cli import app
from tutor.errors import TutorError
from tutor.sandbox import Limits, RunResult, Runs, RunStopped, run

pytestmark = pytest.mark.integration

REPO = Path(tutor.__file__).resolve().parents[1]


@dataclass
class Loopback:
    """A TCP server on the host's 127.0.0.1 that counts who reached it."""

    port: int
    accepted: list[Any] = field(default_factory=list)


@dataclass
class Planted:
    """The secrets a test plants outside the sandbox, and where the runs happen."""

    secret: str
    canary: Path
    runs: Path
    runs_canary: Path
    server: Loopback

    def run(self, code: str, **kwargs: Any) -> RunResult:
        """Run with the secrets in place; the snippet sees these values as `CTX`."""
        ctx = {
            "canary": str(self.canary),
            "runs": str(self.runs),
            "port": self.server.port,
            "parent": os.getpid(),
            "home": os.environ["TUTOR_HOME"],
            "repo": str(REPO),
        }
        kwargs.setdefault("timeout", 10)
        return run(f"CTX = {ctx!r}\n{code}", scratch_root=self.runs, **kwargs)

    def leaked(self, result: RunResult) -> bool:
        """Whether the secret shows up anywhere in what the run printed."""
        return self.secret in result.stdout or self.secret in result.stderr


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    server = socket.create_server(("127.0.0.1", 0))
    found = Loopback(server.getsockname()[1])

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            found.accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield found
    server.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def planted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback: Loopback, isolated_env: Path
) -> Planted:
    secret = f"canary-{secrets.token_hex(8)}"
    for name in ("TUTOR_CANARY", "OPENAI_API_KEY", "LANGSMITH_API_KEY", "SLACK_BOT_TOKEN"):
        monkeypatch.setenv(name, secret)
    isolated_env.mkdir(parents=True, exist_ok=True)
    (isolated_env / "secret.txt").write_text(secret)
    canary = tmp_path / "outside" / "canary.txt"
    canary.parent.mkdir()
    canary.write_text(secret)
    runs = tmp_path / "runs"
    runs.mkdir()
    runs_canary = runs / "canary.txt"
    runs_canary.write_text(secret)
    return Planted(secret, canary, runs, runs_canary, loopback)


def assert_held(planted: Planted, result: RunResult) -> None:
    """Nothing leaked, nothing reached the host server, nothing outside changed."""
    assert not planted.leaked(result), result
    assert planted.server.accepted == []
    assert planted.canary.read_text() == planted.secret
    assert planted.runs_canary.read_text() == planted.secret
    assert [p.name for p in planted.runs.iterdir()] == ["canary.txt"]  # scratch removed


# Normal code first: the sandbox must still be a good place to learn in.


def test_prints_and_exit_code(planted: Planted) -> None:
    result = planted.run("print('hello')\nraise SystemExit(3)")
    assert (result.stdout, result.exit_code, result.timed_out) == ("hello\n", 3, False)
    assert result.isolation == "bwrap"


def test_exception_shows_a_traceback(planted: Planted) -> None:
    result = planted.run("def f():\n    raise ValueError('bad value')\nf()")
    assert result.exit_code == 1
    assert 'File "/sandbox/main.py", line 4' in result.stderr
    assert result.stderr.rstrip().endswith("ValueError: bad value")


def test_unicode_output_round_trips(planted: Planted) -> None:
    text = "héllo wörld 🧠 ✓ 中文"
    result = planted.run(f"import sys\nprint({text!r})\nprint({text!r}, file=sys.stderr)")
    assert (result.stdout, result.stderr) == (text + "\n", text + "\n")


def test_same_python_with_numpy(planted: Planted) -> None:
    code = "import sys, numpy as np\nprint(sys.version)\nprint(np.arange(10).sum())"
    result = planted.run(code)
    assert result.stdout.splitlines() == [sys.version, "45"], result.stderr


def test_matplotlib_plot_comes_back_as_an_artifact(planted: Planted, tmp_path: Path) -> None:
    code = (
        "import matplotlib.pyplot as plt\n"
        "plt.plot([1, 2, 3], [1, 4, 9])\nplt.title('squares ✓')\nplt.savefig('plot.png')\n"
    )
    kept = tmp_path / "kept"
    result = planted.run(code, timeout=60, artifacts_dir=kept)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.files == ("plot.png",)
    assert (kept / "plot.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert_held(planted, result)


def test_symlinked_artifacts_are_not_followed(planted: Planted, tmp_path: Path) -> None:
    code = "import os\nos.symlink(CTX['canary'], 'link.txt')\nopen('real.txt', 'w').write('ok')"
    kept = tmp_path / "kept"
    result = planted.run(code, artifacts_dir=kept)
    assert result.files == ("real.txt",)
    assert sorted(p.name for p in kept.iterdir()) == ["real.txt"]


# Secrets and files outside the scratch dir.


def test_env_secrets_do_not_reach_the_code(planted: Planted) -> None:
    code = """
import glob, os
print(dict(os.environ))
for path in [f"/proc/{CTX['parent']}/environ", *glob.glob("/proc/*/environ")]:
    try:
        print(path, open(path, "rb").read())
    except OSError as exc:
        print(path, "refused:", exc)
print("done")
"""
    result = planted.run(code)
    assert "done" in result.stdout, result.stderr
    assert f"/proc/{os.getpid()}/environ refused" in result.stdout
    assert "OPENAI_API_KEY" not in result.stdout
    assert_held(planted, result)


def test_files_outside_scratch_are_invisible(planted: Planted) -> None:
    code = """
import os
for path in [CTX["canary"], CTX["home"] + "/secret.txt", CTX["repo"] + "/pyproject.toml",
             CTX["repo"] + "/.env", os.path.expanduser("~/.bashrc"), "/root/.bashrc",
             "/etc/passwd", "/etc/hostname", "/home"]:
    try:
        print(path, open(path).read())
    except OSError as exc:
        print(path, "refused:", type(exc).__name__)
try:
    import tutor
except ImportError as exc:
    print("import tutor refused:", exc)
print("root:", sorted(os.listdir("/")))
"""
    result = planted.run(code)
    assert f"{planted.canary} refused: FileNotFoundError" in result.stdout, result.stderr
    assert "import tutor refused" in result.stdout
    assert 'name = "tutor"' not in result.stdout  # the repo's pyproject.toml
    assert "root:x:0:0" not in result.stdout
    root = json.loads(result.stdout.split("root: ")[1].replace("'", '"'))
    assert not {"home", "var", "mnt"} & set(root)
    assert_held(planted, result)


def test_cannot_write_outside_scratch(planted: Planted) -> None:
    site = next(p for p in sys.path if p.endswith("site-packages"))
    targets = [
        planted.canary,
        planted.canary.parent / "new.txt",
        planted.runs / "new.txt",
        Path(site) / "evil.pth",
        Path(sys.base_prefix) / "evil.txt",
        Path("/usr/evil.txt"),
        Path("/evil.txt"),
    ]
    code = f"""
for path in {[str(t) for t in targets]!r}:
    try:
        open(path, "w").write("pwned")
        print(path, "WRITTEN")
    except OSError as exc:
        print(path, "refused:", type(exc).__name__)
"""
    result = planted.run(code)
    assert "WRITTEN" not in result.stdout
    assert result.stdout.count("refused") == len(targets), result.stderr
    assert not [t for t in targets[1:] if t.exists()]
    assert_held(planted, result)


def test_deleting_the_scratch_parent_fails(planted: Planted) -> None:
    code = """
import os, shutil
for path in [CTX["runs"], os.path.dirname(os.path.dirname(os.getcwd())), ".."]:
    try:
        shutil.rmtree(path)
        print(path, "DELETED")
    except OSError as exc:
        print(path, "refused:", type(exc).__name__)
"""
    result = planted.run(code)
    assert "DELETED" not in result.stdout, result.stdout
    assert_held(planted, result)


# Network.


def test_cannot_reach_a_loopback_server_on_the_host(planted: Planted) -> None:
    code = """
import socket
print("interfaces:", [name for _, name in socket.if_nameindex()])
try:
    socket.create_connection(("127.0.0.1", CTX["port"]), timeout=2)
    print("CONNECTED")
except OSError as exc:
    print("refused:", type(exc).__name__)
"""
    result = planted.run(code)
    assert "interfaces: ['lo']" in result.stdout, result.stderr
    assert "refused: ConnectionRefusedError" in result.stdout
    assert_held(planted, result)


# Probes that would leave this machine run only after the snippet has checked, from inside,
# that it sees no interface but loopback and no route: a broken sandbox fails the test
# without sending a packet anywhere.
NO_NETWORK_GUARD = """
import socket, sys
interfaces = [name for _, name in socket.if_nameindex()]
routes = open("/proc/net/route").read().splitlines()[1:]
if interfaces != ["lo"] or routes:
    print("NETWORK PRESENT", interfaces, routes)
    sys.exit(3)
"""


def test_cannot_reach_a_public_address(planted: Planted) -> None:
    code = (
        NO_NETWORK_GUARD
        + """
import errno
for host in ["1.1.1.1", "192.0.2.1"]:
    try:
        socket.create_connection((host, 443), timeout=2)
        print(host, "CONNECTED")
    except OSError as exc:
        print(host, errno.errorcode.get(exc.errno, exc))
"""
    )
    result = planted.run(code)
    # No route at all: the namespace has only a loopback interface.
    assert result.stdout.splitlines() == ["1.1.1.1 ENETUNREACH", "192.0.2.1 ENETUNREACH"]
    assert_held(planted, result)


def test_dns_does_not_resolve(planted: Planted) -> None:
    code = (
        NO_NETWORK_GUARD
        + """
try:
    print(socket.getaddrinfo("example.com", 443))
except socket.gaierror as exc:
    print("no dns:", exc)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"query", ("192.0.2.53", 53))
    print("SENT")
except OSError as exc:
    print("udp refused:", exc.errno)
"""
    )
    result = planted.run(code)
    assert "no dns:" in result.stdout and "SENT" not in result.stdout, result.stdout
    assert_held(planted, result)


# Resources.


def test_fork_bomb_is_contained(planted: Planted) -> None:
    marker = f"forkbomb-{secrets.token_hex(6)}"
    code = f"""
import errno, os, sys, time
if {marker!r} not in sys.argv:
    os.execv(sys.executable, [sys.executable, "-I", sys.argv[0], {marker!r}])
first = os.getpid()
for _ in range(9):  # 2**9 processes if nothing stops it
    try:
        os.fork()
    except OSError as exc:
        print("refused", errno.errorcode[exc.errno], flush=True)
        break
if os.getpid() == first:
    time.sleep(1)
    print("procs", len([p for p in os.listdir("/proc") if p.isdigit()]), flush=True)
    os._exit(0)
time.sleep(60)
"""
    limits = Limits(processes=16)
    result = planted.run(code, limits=limits)
    assert "refused EAGAIN" in result.stdout, result.stderr
    procs = int(result.stdout.split("procs ")[1].split()[0])
    assert procs <= limits.processes + 1  # + bwrap's init, which is not the snippet's uid
    assert alive(marker) == []
    assert_held(planted, result)


def test_memory_bomb_is_refused(planted: Planted) -> None:
    code = """
try:
    big = bytearray(1 << 30)
    print("GOT 1 GiB")
except MemoryError:
    print("1 GiB refused")
chunks = []
try:
    for _ in range(64):
        chunks.append(bytearray(32 << 20))
    print("GOT 2 GiB")
except MemoryError:
    print("refused at", len(chunks) * 32, "MiB")
"""
    result = planted.run(code, limits=Limits(memory_mb=256))
    assert result.stdout.startswith("1 GiB refused\nrefused at "), result.stderr
    assert int(result.stdout.split("refused at ")[1].split()[0]) < 256


def test_cpu_file_size_and_open_file_limits(planted: Planted) -> None:
    busy = planted.run("while True:\n    pass", limits=Limits(cpu_seconds=1), timeout=20)
    assert (busy.exit_code, busy.timed_out) == (128 + signal.SIGXCPU, False)
    assert "killed by SIGXCPU (CPU time limit)" in busy.stderr
    big = planted.run("open('big', 'wb').write(b'x' * (4 << 20))", limits=Limits(file_mb=1))
    assert big.stderr.rstrip().endswith("OSError: [Errno 27] File too large")
    fds = planted.run("import os\n[os.open('/dev/null', 0) for _ in range(500)]")
    assert "Too many open files" in fds.stderr


def test_infinite_loop_times_out(planted: Planted) -> None:
    result = planted.run("print('started')\nwhile True:\n    pass", timeout=2)
    assert (result.timed_out, result.exit_code) == (True, 124)
    assert result.stdout == "started\n"  # unbuffered: what came before the loop is kept
    assert_held(planted, result)


def test_sleeping_past_the_timeout_kills_every_process(planted: Planted) -> None:
    marker = f"sleeper-{secrets.token_hex(6)}"
    code = f"""
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", {marker!r}],
                 start_new_session=True)
time.sleep(60)
"""
    result = planted.run(code, timeout=2)
    assert result.timed_out
    assert alive(marker) == []
    assert_held(planted, result)


def test_background_process_dies_with_the_snippet(planted: Planted) -> None:
    marker = f"orphan-{secrets.token_hex(6)}"
    code = f"""
import os, subprocess, sys
argv = [sys.executable, "-c", "import time; time.sleep(120)", {marker!r}]
subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL)
if os.fork() == 0:  # a daemon: double fork, new session, keeps our stdout open
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, argv)
    os._exit(0)
print("spawned")
"""
    result = planted.run(code, timeout=20)
    assert result.stdout == "spawned\n", result.stderr
    assert not result.timed_out  # the held-open stdout closed when the namespace died
    assert alive(marker) == []
    assert_held(planted, result)


@pytest.mark.parametrize("mode", ["bwrap", "unsafe"])
def test_stopping_a_turn_kills_its_running_code_at_once(planted: Planted, mode: str) -> None:
    marker = f"stopped-{secrets.token_hex(6)}"
    code = f"""
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", {marker!r}])
time.sleep(60)
"""
    turn, stopped = Runs(), []

    def run_in_turn() -> None:  # a turn runs its code on a worker thread, as LangGraph does
        with turn.active():
            try:
                planted.run(code, timeout=60, mode=mode)
            except RunStopped as error:
                stopped.append(error)

    worker = threading.Thread(target=run_in_turn)
    worker.start()
    assert wait_until_alive(marker), "the code never started"
    turn.stop("cancelled")
    worker.join(timeout=20)  # far sooner than the code's 60 s, if the stop killed it
    assert not worker.is_alive() and len(stopped) == 1
    assert stopped[0].message == "the code was stopped before it finished: cancelled"
    assert gone(marker)  # the whole tree, not only the process the tutor started
    assert [p.name for p in planted.runs.iterdir()] == ["canary.txt"]  # scratch removed
    with turn.active(), pytest.raises(RunStopped):
        planted.run("print(1)", mode=mode)  # nothing new starts in a stopped turn
    with Runs().active():
        assert planted.run("print(1)", mode=mode).exit_code == 0  # the next turn runs


def test_output_flood_is_truncated(planted: Planted) -> None:
    code = """
import sys
block = "x" * (1 << 20)
for _ in range(100):
    sys.stdout.write(block)
print("finished", file=sys.stderr)
"""
    result = planted.run(code, timeout=60)
    assert result.truncated and not result.timed_out
    assert result.stdout.startswith("x" * 1000)
    assert "[output truncated: " in result.stdout
    assert len(result.stdout) < 64 * 1024 + 200
    assert result.stderr == "finished\n"


# Signals and kernel tricks.


def test_cannot_signal_the_parent(planted: Planted) -> None:
    received: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: received.append(signum))
    code = """
import os, signal
for pid in [CTX["parent"], os.getppid()]:
    try:
        os.kill(pid, signal.SIGUSR1)
        print(pid, "signalled")
    except OSError as exc:
        print(pid, "refused:", type(exc).__name__)
print("survived")
"""
    try:
        result = planted.run(code)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert f"{os.getpid()} refused: ProcessLookupError" in result.stdout, result.stderr
    assert received == []
    assert_held(planted, result)


ESCAPES = r"""
import ctypes, errno, json, os, socket, struct
libc = ctypes.CDLL(None, use_errno=True)
tried = {}
def attempt(name, call):
    tried[name] = "ok" if call() == 0 else errno.errorcode.get(ctypes.get_errno())
for ns in ["net", "mnt", "pid", "user"]:
    try:
        fd = os.open(f"/proc/1/ns/{ns}", os.O_RDONLY)  # bwrap's init: not ours to open
    except OSError:
        fd = os.open(f"/proc/self/ns/{ns}", os.O_RDONLY)
    attempt(f"setns-{ns}", lambda: libc.setns(fd, 0))
# open_by_handle_at with the root inode of the filesystem under /sandbox ("shocker").
handle = struct.pack("IiQ", 8, 1, 2)
dirfd = os.open(".", os.O_RDONLY)
opened = libc.open_by_handle_at(dirfd, ctypes.create_string_buffer(handle), os.O_RDONLY)
tried["open_by_handle_at"] = "ok" if opened >= 0 else errno.errorcode.get(ctypes.get_errno())
# A nested user namespace makes us "root" in it: try to remount and chroot our way out.
os.makedirs("jail", exist_ok=True)
attempt("unshare-user-mnt", lambda: libc.unshare(0x10000000 | 0x00020000))
attempt("mount-tmpfs", lambda: libc.mount(b"none", b".", b"tmpfs", 0, None))
attempt("umount-root", lambda: libc.umount2(b"/", 2))
attempt("chroot-jail", lambda: libc.chroot(b"jail"))
for _ in range(30):
    os.chdir("..")
attempt("chroot-dot", lambda: libc.chroot(b"."))
tried["root"] = sorted(os.listdir("/"))
try:
    tried["canary"] = open(CTX["canary"]).read()
except OSError as exc:
    tried["canary"] = type(exc).__name__
try:
    socket.create_connection(("127.0.0.1", CTX["port"]), timeout=2)
    tried["loopback"] = "CONNECTED"
except OSError as exc:
    tried["loopback"] = type(exc).__name__
print(json.dumps(tried))
"""


def test_namespace_escape_tricks_fail(planted: Planted) -> None:
    result = planted.run(ESCAPES)
    tried = json.loads(result.stdout)
    assert "ok" not in [tried[f"setns-{ns}"] for ns in ("net", "mnt", "pid", "user")]
    assert tried["open_by_handle_at"] == "EPERM"
    assert tried["canary"] == "FileNotFoundError"
    assert tried["loopback"] == "ConnectionRefusedError"
    assert not {"home", "var", "mnt"} & set(tried["root"])
    assert_held(planted, result)


# Failing closed, announcing unsafe runs, and the command line.


def test_a_sandbox_that_cannot_start_is_an_error(
    planted: Planted, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tutor.sandbox import isolation as sandbox_isolation

    real = sandbox_isolation.bwrap_command

    def broken(*args: Any) -> Any:
        command = real(*args)
        command.argv.insert(1, "--bind-fd")  # a malformed option: bwrap refuses to start
        return command

    monkeypatch.setattr("tutor.sandbox.runner.bwrap_command", broken)
    with pytest.raises(TutorError, match="the sandbox could not start"):
        planted.run("print('ran anyway')")


def test_unsafe_mode_is_announced_on_every_run(planted: Planted) -> None:
    for _ in range(2):
        result = planted.run("print(1)", mode="unsafe")
        assert result.isolation == "none"
        assert "WITHOUT isolation" in result.stderr
        assert result.stdout == "1\n"


def test_cli_run_mirrors_the_exit_code(tmp_path: Path) -> None:
    script = tmp_path / "demo.py"
    script.write_text("print('hi ✓')\nraise SystemExit(5)\n")
    result = CliRunner().invoke(app, ["run", str(script), "--json"])
    assert result.exit_code == 5
    report = json.loads(result.stdout)
    assert {k: report[k] for k in ("stdout", "exit_code", "timed_out", "truncated")} == {
        "stdout": "hi ✓\n",
        "exit_code": 5,
        "timed_out": False,
        "truncated": False,
    }
    assert report["stderr"] == "" and report["duration_s"] > 0


def test_cli_run_reads_stdin_and_times_out_with_124() -> None:
    result = CliRunner().invoke(app, ["run", "-", "--timeout", "1"], input="while True: pass\n")
    assert result.exit_code == 124
    assert "timed out" in result.output


def test_cli_run_refuses_a_bad_mode_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_SANDBOX", "yolo")
    result = CliRunner().invoke(app, ["run", "-"], input="print(1)\n")
    assert result.exit_code == 2
    assert "TUTOR_SANDBOX='yolo' is not one of" in result.output
    assert "Traceback" not in result.output
