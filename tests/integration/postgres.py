"""A real, throwaway PostgreSQL server on 127.0.0.1 for tests: its own cluster in a fresh
directory under /tmp, a `tutor` superuser with a password, removed afterwards. As root (as
CI runs) the cluster belongs to `nobody`, since initdb refuses to run as root."""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from tests.conftest import free_port

SUPERUSER = "tutor"
PASSWORD = "tutor-test-pw"
UNPRIVILEGED = "nobody"
MISSING = "PostgreSQL is not installed; run bash .ci/setup"
StopMode = Literal["smart", "fast", "immediate"]
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "32MB",
    "max_connections": "200",
}


def postgres_binaries() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: Debian's newest version first,
    else wherever PATH finds initdb; None when PostgreSQL is not installed."""
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True):
        if _has_server(Path(bindir)):
            return Path(bindir)
    initdb = shutil.which("initdb")
    if initdb and _has_server(Path(initdb).resolve().parent):
        return Path(initdb).resolve().parent
    return None


def require_postgres() -> Path:
    """`postgres_binaries()`, or fail the test (not skip it) when PostgreSQL is missing."""
    bindir = postgres_binaries()
    if bindir is None:
        pytest.fail(MISSING, pytrace=False)
    return bindir


def _version(bindir: str) -> tuple[int, ...]:
    """The version in /usr/lib/postgresql/<version>/bin, as numbers for sorting."""
    return tuple(int(part) for part in re.findall(r"\d+", Path(bindir).parent.name))


def _has_server(bindir: Path) -> bool:
    """Whether `bindir` holds the server programs (a client-only install has none)."""
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def _as_unprivileged() -> list[str]:
    """The command prefix that runs a program as `nobody` (empty when not root)."""
    if os.geteuid() != 0:
        return []
    user = pwd.getpwnam(UNPRIVILEGED)
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    return ["runuser", "-u", UNPRIVILEGED, "--"]


class PostgresServer:
    """One throwaway PostgreSQL cluster on a free loopback port; `start()` initialises it on
    first use. `stop()` and `restart()` keep the port and the data; `cleanup()` removes all."""

    def __init__(self, bindir: Path | None = None) -> None:
        """Reserve a port and a fresh directory under /tmp (owned by `nobody` as root)."""
        self.bindir = bindir or require_postgres()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tutor-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.prefix = _as_unprivileged()
        self.has_default_database = False
        if self.prefix:
            user = pwd.getpwnam(UNPRIVILEGED)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        atexit.register(self.cleanup)

    def url(self, database: str = "tutor", password: str | None = None) -> str:
        """The libpq URL of `database` as the superuser (`password`: a different one)."""
        secret = quote(PASSWORD if password is None else password, safe="")
        return f"postgresql://{SUPERUSER}:{secret}@127.0.0.1:{self.port}/{database}"

    @property
    def running(self) -> bool:
        """Whether the server is up (pg_ctl status)."""
        return self.data.exists() and self._pg_ctl("status").returncode == 0

    def start(self) -> None:
        """Start the server and wait until it accepts connections (initialising it first)."""
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        done = self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log))
        assert done.returncode == 0, f"PostgreSQL did not start:\n{done.stderr}\n{self.log_tail()}"
        if not self.has_default_database:
            self.create_database(SUPERUSER)
            self.has_default_database = True

    def stop(self, mode: StopMode = "fast") -> None:
        """Stop the server (`immediate`: as a crash would); nothing if it is not running."""
        if self.running:
            done = self._pg_ctl("stop", "-w", "-t", "60", "-m", mode)
            assert done.returncode == 0, f"PostgreSQL did not stop:\n{done.stderr}"

    def restart(self) -> None:
        """Stop the server, then start it again on the same port with the same data."""
        self.stop()
        self.start()

    def create_database(self, name: str) -> str:
        """Create the empty database `name`; its URL."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop the database `name`, closing any connections still open to it."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            query = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(query.format(sql.Identifier(name)))

    def cleanup(self) -> None:
        """Stop the server and remove its directory (safe to call again)."""
        atexit.unregister(self.cleanup)
        if self.root.exists():
            try:
                self.stop("immediate")
            finally:
                shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        """The last `lines` lines of the server log."""
        if not self.log.exists():
            return "(no server log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def _initdb(self) -> None:
        """Create the cluster: superuser `tutor`, password auth, UTF8, then the settings."""
        pwfile = self.root / "pwfile"
        self._write(pwfile, PASSWORD + "\n")
        done = self._run(
            "initdb", "-D", str(self.data), f"--username={SUPERUSER}", f"--pwfile={pwfile}",
            "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        pwfile.unlink()
        assert done.returncode == 0, f"initdb failed:\n{done.stdout}\n{done.stderr}"
        settings = {**SETTINGS, "port": str(self.port)}
        settings["unix_socket_directories"] = f"'{self.root}'"
        conf = "".join(f"{name} = {value}\n" for name, value in settings.items())
        with (self.data / "postgresql.conf").open("a") as out:
            out.write(conf)

    def _write(self, path: Path, text: str) -> None:
        """Write a private file that the server's user (`nobody` as root) can read."""
        path.write_text(text)
        path.chmod(0o600)
        if self.prefix:
            user = pwd.getpwnam(UNPRIVILEGED)
            os.chown(path, user.pw_uid, user.pw_gid)

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`pg_ctl ARGS` on this cluster."""
        return self._run("pg_ctl", "-D", str(self.data), *args)

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL program as the server's user, from the cluster's directory, with
        no PG* variables from this environment."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(HOME=str(self.root), LC_ALL="C")
        command = [*self.prefix, str(self.bindir / program), *args]
        return subprocess.run(
            command, cwd=self.root, env=env, capture_output=True, text=True, timeout=120
        )
