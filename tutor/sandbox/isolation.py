"""How one sandboxed run is isolated: the bubblewrap command line, limits and environment."""

from __future__ import annotations

import math
import os
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tutor.errors import TutorError

MODES = ("auto", "bwrap", "unsafe")
WORKDIR = "/sandbox"
SCRIPT = "main.py"
UNSAFE_NOTICE = (
    "[tutor] WARNING: this code ran WITHOUT isolation (TUTOR_SANDBOX=unsafe): it could read "
    "your files and secrets and reach the network"
)
INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap, or run .ci/setup); "
    "only if you accept running code unisolated, set TUTOR_SANDBOX=unsafe"
)
# /usr holds the C libraries Python links against and nothing personal; the rest of / stays out.
SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


@dataclass(frozen=True)
class Limits:
    """Resource limits for one run; the wall-clock timeout is passed separately."""

    memory_mb: int = 512
    processes: int = 32
    file_mb: int = 16
    open_files: int = 128
    output_bytes: int = 64 * 1024
    cpu_seconds: int | None = None
    """CPU seconds per process; default is the timeout rounded up, plus one."""


@dataclass
class Command:
    """A ready-to-start child: argv, environment, and the fds bwrap must inherit."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    isolation: str
    pass_fds: tuple[int, ...] = field(default=())


def resolve_mode(mode: str) -> str:
    """Turn TUTOR_SANDBOX into `bwrap` or `unsafe`, refusing when nothing can isolate."""
    if mode not in MODES:
        raise TutorError(
            f"TUTOR_SANDBOX={mode!r} is not one of {', '.join(MODES)}",
            "set TUTOR_SANDBOX=auto (the default) in .env or the environment",
        )
    if mode == "unsafe":
        return "unsafe"
    if not sys.platform.startswith("linux"):
        raise TutorError("the code sandbox needs Linux (bubblewrap namespaces)", INSTALL_HINT)
    if shutil.which("bwrap") is None:
        raise TutorError("cannot run code: no sandbox is available (bwrap not found)", INSTALL_HINT)
    return "bwrap"


def child_env(workdir: str, tmpdir: str) -> dict[str, str]:
    """The whole environment of the snippet: built from nothing, so no secret can leak in."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": tmpdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "USER": "learner",
        "LOGNAME": "learner",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{tmpdir}/matplotlib",
        "XDG_CACHE_HOME": f"{tmpdir}/cache",
        # Threads count as processes for RLIMIT_NPROC, and BLAS would start one per core.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def python_argv(script: str) -> list[str]:
    """Isolated mode (-I): no PYTHON* variables, no user site, no script dir on sys.path."""
    # Resolve the folder but keep the name: a venv's bin/python must stay a venv path.
    executable = os.path.join(os.path.realpath(os.path.dirname(sys.executable)), "")
    executable += os.path.basename(sys.executable)
    return [executable, "-I", "-u", "-B", "-X", "utf8", script]


def prlimit_argv(limits: Limits, timeout: float, *, processes: bool = True) -> list[str]:
    """The util-linux `prlimit` prefix that applies every limit before the snippet starts."""
    cpu = limits.cpu_seconds or math.ceil(timeout) + 1
    argv = [
        _tool("prlimit"),
        f"--as={limits.memory_mb * 1024 * 1024}",
        f"--cpu={cpu}:{cpu + 1}",
        f"--fsize={limits.file_mb * 1024 * 1024}",
        f"--nofile={limits.open_files}",
        "--core=0",
    ]
    if processes:
        argv.append(f"--nproc={limits.processes}")
    return [*argv, "--"]


def bwrap_command(work: Path, limits: Limits, timeout: float, status_fd: int) -> Command:
    """The bubblewrap command that runs main.py from `work` in fresh namespaces."""
    return bwrap_command_for(work, prlimit_argv(limits, timeout), status_fd, python_argv(SCRIPT))


def bwrap_command_for(work: Path, prefix: list[str], status_fd: int, cmd: list[str]) -> Command:
    """Like `bwrap_command`, with any command inside (the benchmark times `true`)."""
    argv = ["bwrap", "--die-with-parent", "--new-session", "--json-status-fd", str(status_fd)]
    argv += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
    argv += ["--unshare-cgroup-try", "--hostname", "sandbox"]
    if os.geteuid() == 0:
        # RLIMIT_NPROC is never enforced for uid 0, even mapped from a user namespace, so
        # root's sandbox drops to a fresh unprivileged uid (setpriv below).
        uid = 2_000_000_000 + secrets.randbelow(100_000_000)
        os.chown(work, uid, uid)
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        prefix = [*prefix, *_setpriv_argv(uid)]
    else:
        # Unprivileged: a user namespace, whose process count RLIMIT_NPROC then caps.
        argv += ["--unshare-user", "--disable-userns", "--uid", "65534", "--gid", "65534"]
    argv += _mounts(work)
    argv += ["--clearenv"]
    for key, value in child_env(WORKDIR, "/tmp").items():
        argv += ["--setenv", key, value]
    argv += ["--", *prefix, *cmd]
    # bwrap's own environment shows in the sandbox as /proc/1/environ: give it nothing either.
    env = {"PATH": "/usr/bin:/bin"}
    return Command(argv, env, str(work), "bwrap", (status_fd,))


def unsafe_command(work: Path, tmp: Path, limits: Limits, timeout: float) -> Command:
    """No isolation at all: only the limits, a scrubbed environment and a scratch cwd."""
    prefix = prlimit_argv(limits, timeout, processes=False) if shutil.which("prlimit") else []
    env = child_env(str(work), str(tmp))
    return Command([*prefix, *python_argv(SCRIPT)], env, str(work), "none")


def _setpriv_argv(uid: int) -> list[str]:
    return [
        _tool("setpriv"),
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def _mounts(work: Path) -> list[str]:
    # Font settings are the one thing from /etc: matplotlib runs fc-list, which needs them.
    binds = python_dirs() + [p for p in ("/etc/fonts",) if Path(p).is_dir()]
    argv = ["--ro-bind", "/usr", "/usr"]
    for name in SYSTEM_DIRS:
        path = Path(name)
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            argv += ["--ro-bind", name, name]
    # The private /tmp comes before the Python binds: a virtualenv may itself live under /tmp
    # (a CI checkout), and a later mount would hide it.
    argv += ["--perms", "1777", "--size", str(64 * 1024 * 1024), "--tmpfs", "/tmp"]
    # bwrap would create missing parents 0700, which the dropped uid could not traverse.
    for parent in _parents(binds):
        argv += ["--perms", "0755", "--dir", parent]
    for bound in binds:
        argv += ["--ro-bind", bound, bound]
    argv += ["--bind", str(work), WORKDIR, "--chdir", WORKDIR]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    argv += ["--remount-ro", "/"]
    return argv


def python_dirs() -> list[str]:
    """The interpreter's installation and environment, to be bound read-only."""
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    found.add(os.path.dirname(os.path.realpath(sys.executable)))
    # Both spellings: Python may reach its home through a symlinked path (pyvenv.cfg `home`).
    dirs = sorted({os.path.abspath(p) for p in found} | {os.path.realpath(p) for p in found})
    home = str(Path.home().resolve())
    for path in dirs:
        if path in ("/", home) or (Path(path) / ".git").exists() or (Path(path) / ".env").exists():
            raise TutorError(
                f"the Python environment at {path} looks like a project or home folder, "
                "which the sandbox will not expose",
                "run tutor from a virtualenv in its own folder (python -m venv .venv)",
            )
    under_usr = [p for p in dirs if p == "/usr" or p.startswith("/usr/")]
    kept = [p for p in dirs if p not in under_usr]
    # A prefix nested in another (e.g. a venv inside an installation) is already bound.
    return [p for p in kept if not any(p.startswith(q + "/") for q in kept if q != p)]


def _parents(paths: list[str]) -> list[str]:
    parents = {str(parent) for p in paths for parent in PurePosixPath(p).parents}
    parents -= {"/", "/usr"}
    return sorted(parents, key=lambda p: (p.count("/"), p))


def _tool(name: str) -> str:
    # Only tools inside the read-only /usr (or /bin) exist in the sandbox.
    path = shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")
    if path is None:
        raise TutorError(f"cannot run code: `{name}` (util-linux) is missing", "install util-linux")
    return path
