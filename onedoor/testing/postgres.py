"""Run a command against a throwaway PostgreSQL cluster.

    python -m onedoor.testing.postgres [--required] [--keep FOLDER] -- <command...>

Starts a private PostgreSQL cluster in a temporary folder on a free loopback port,
runs the command with ``DATABASE_URL`` pointing at it, then stops the cluster,
removes the folder and exits with the command's exit code.

* ``TEST_DATABASE_URL``: use that server instead of starting one.
* ``ONEDOOR_PG_BINDIR``: look for the server binaries only in this folder.
* No server binaries: the tier is skipped with one line and exit code 0, except
  under ``CI=true``, where that is a failure (exit code 1).
* ``--required`` (``make run-postgres``): always start a throwaway cluster, whatever
  ``TEST_DATABASE_URL`` says, and fail (exit code 1) if PostgreSQL cannot run here.
* ``--keep FOLDER`` (``make bench-postgres`` with ``BENCH_PGDATA``): the cluster lives in
  ``FOLDER`` and stays there, stopped, after the command; the next run starts it again with
  its data (a benchmark's 100,000 children are seeded once). The cluster and its database
  are made the first time, when the folder holds no cluster. Like ``--required``, it always
  starts its own server.

Standard library only: this runs before anything else is known to work.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

PREFIX = "PostgreSQL tier"
DB_USER = "onedoor"
DB_NAME = "onedoor"
RUN_AS = "postgres"  # initdb and postgres refuse to run as root
START_ATTEMPTS = 3
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30
PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
UNIX_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes; leave room for ".s.PGSQL.NNNNN"

SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    # Throwaway cluster: durability buys nothing here.
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "max_connections": "100",
    "logging_collector": "off",
}


class Unavailable(Exception):
    """PostgreSQL cannot be run on this machine (skipped, or a failure under CI)."""


class ClusterError(Exception):
    """A PostgreSQL cluster could be started in principle but something went wrong."""


class Terminated(BaseException):
    """Raised from the signal handler on SIGTERM/SIGHUP so clean-up still runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@dataclass(frozen=True)
class Binaries:
    initdb: Path
    pg_ctl: Path
    postgres: Path
    createdb: Path | None
    source: str

    def version(self) -> str:
        """The server's version, e.g. "15.8", from ``postgres --version``."""
        out = subprocess.run(
            [str(self.postgres), "--version"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        match = re.search(r"(\d+(?:\.\d+)*)", out)
        return match.group(1) if match else out or "unknown version"


def say(message: str, *, error: bool = False) -> None:
    """One line in the log, e.g. "PostgreSQL tier: started PostgreSQL 15.8 on ..."."""
    print(f"{PREFIX}: {message}", file=sys.stderr if error else sys.stdout, flush=True)


# Finding the binaries ---------------------------------------------------------------------


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _binaries_in(bindir: Path, source: str) -> Binaries | None:
    initdb, pg_ctl, postgres = bindir / "initdb", bindir / "pg_ctl", bindir / "postgres"
    if not (_executable(initdb) and _executable(pg_ctl) and _executable(postgres)):
        return None
    createdb = bindir / "createdb"
    return Binaries(
        initdb=initdb,
        pg_ctl=pg_ctl,
        postgres=postgres,
        createdb=createdb if _executable(createdb) else None,
        source=source,
    )


def _version_key(path: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/<version>/bin
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def _candidate_bindirs(env: Mapping[str, str]) -> Iterator[tuple[Path, str]]:
    override = env.get("ONEDOOR_PG_BINDIR")
    if override:
        yield Path(override), "ONEDOOR_PG_BINDIR"
        return

    pg_config = shutil.which("pg_config", path=env.get("PATH"))
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            result = subprocess.run(
                [pg_config, "--bindir"],
                capture_output=True,
                text=True,
                check=False,
                timeout=10,
            )
            if result.returncode == 0 and result.stdout.strip():
                yield Path(result.stdout.strip()), "pg_config --bindir"

    versioned = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    for bindir in versioned:
        yield bindir, "/usr/lib/postgresql"

    initdb = shutil.which("initdb", path=env.get("PATH"))
    if initdb:
        # Follow symlinks (e.g. /usr/local/bin/initdb) to the real bin folder, where
        # pg_ctl and postgres live next to it.
        yield Path(initdb).resolve().parent, "PATH"
        yield Path(initdb).parent, "PATH"


def find_binaries(env: Mapping[str, str]) -> Binaries:
    for bindir, source in _candidate_bindirs(env):
        found = _binaries_in(bindir, source)
        if found:
            return found
    raise Unavailable("no PostgreSQL server binaries (initdb, pg_ctl, postgres) found")


# Running PostgreSQL programs (as the postgres user when we are root) ---------------------


@dataclass(frozen=True)
class RunAs:
    uid: int | None
    gid: int | None

    @classmethod
    def for_current_user(cls) -> RunAs:
        if os.geteuid() != 0:
            return cls(uid=None, gid=None)
        try:
            entry = pwd.getpwnam(RUN_AS)
        except KeyError:
            raise Unavailable(
                f"running as root and there is no {RUN_AS!r} user to run the server as"
            ) from None
        return cls(uid=entry.pw_uid, gid=entry.pw_gid)

    def popen_kwargs(self) -> dict[str, Any]:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def chown(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)


def _server_env(home: Path) -> dict[str, str]:
    # Drop PG* variables (PGDATA, PGHOST, PGPORT, ...) so nothing from the caller's
    # environment redirects the tools; a private HOME keeps ~/.pgpass etc. out of it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({"HOME": str(home), "LC_ALL": "C", "LANG": "C", "TZ": "UTC"})
    return env


def _traversable_by_others(path: Path) -> bool:
    """True if an unprivileged user can reach ``path`` (every ancestor has o+x)."""
    for folder in [path, *path.parents]:
        try:
            if not folder.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _temp_parent(run_as: RunAs) -> str | None:
    parent = Path(tempfile.gettempdir())
    too_long = len(str(parent)) > UNIX_SOCKET_PATH_MAX - 40
    if (run_as.uid is not None and not _traversable_by_others(parent)) or too_long:
        return "/tmp"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _quote_conf(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


class Cluster:
    """A throwaway cluster in its own temporary folder, or, given `kept`, a cluster kept in
    that folder from one run to the next (made there the first time)."""

    def __init__(self, binaries: Binaries, run_as: RunAs, kept: Path | None = None) -> None:
        self.binaries = binaries
        self.run_as = run_as
        self.kept = kept is not None
        if kept is None:
            self.root = Path(tempfile.mkdtemp(prefix="onedoor-pg-", dir=_temp_parent(run_as)))
        else:
            self.root = kept.resolve()
            if len(str(self.root)) > UNIX_SOCKET_PATH_MAX - 20:
                raise ClusterError(f"{self.root}: too long a path for the server's socket")
            self.root.mkdir(parents=True, exist_ok=True)
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port: int | None = None
        # True from the moment a start is attempted until the server is known stopped.
        self.maybe_running = False
        try:
            run_as.chown(self.root)
        except OSError:
            if not self.kept:
                shutil.rmtree(self.root, ignore_errors=True)
            raise
        self.env = _server_env(self.root)

    @property
    def made(self) -> bool:
        """True once the folder holds a cluster (always false for a new throwaway one)."""
        return (self.data / "PG_VERSION").exists()

    def _run(
        self, args: Sequence[str | Path], *, input_text: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        argv = [str(arg) for arg in args]
        with subprocess.Popen(
            argv,
            cwd=self.root,
            env=self.env,
            stdin=subprocess.DEVNULL if input_text is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # Own session: a Ctrl-C in the terminal must not reach these programs (or the
            # server pg_ctl starts) directly; we stop them ourselves, in order.
            start_new_session=True,
            **self.run_as.popen_kwargs(),
        ) as proc:
            try:
                stdout, stderr = proc.communicate(input_text, timeout=timeout)
            except BaseException:
                # Interrupted or timed out: kill the whole group (initdb's own postgres
                # children too) and wait, so nothing is still writing into the folder
                # when it is removed.
                _kill_group(proc)
                raise
        return subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)

    def _check(self, what: str, result: subprocess.CompletedProcess[str]) -> None:
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            raise ClusterError(f"{what} failed (exit code {result.returncode}):\n{output}")

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def initdb(self) -> None:
        result = self._run(
            [
                self.binaries.initdb,
                "-D",
                self.data,
                "-A",
                "trust",
                "-U",
                DB_USER,
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        self._check("initdb", result)
        settings = {**SERVER_SETTINGS, "unix_socket_directories": str(self.root)}
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# onedoor.testing.postgres: throwaway test cluster\n")
            for name, value in settings.items():
                conf.write(f"{name} = {_quote_conf(value)}\n")

    def start(self) -> None:
        last_error = ""
        for _attempt in range(START_ATTEMPTS):
            port = free_port()
            self.maybe_running = True
            result = self._run(
                [
                    self.binaries.pg_ctl,
                    "start",
                    "-D",
                    self.data,
                    "-l",
                    self.log,
                    "-w",
                    "-t",
                    str(START_TIMEOUT_SECONDS),
                    "-o",
                    f"-p {port}",
                ],
                timeout=START_TIMEOUT_SECONDS + 30,
            )
            if result.returncode == 0:
                self.port = port
                return
            # Most likely someone took the port between our probe and the start: retry.
            last_error = (result.stdout + result.stderr).strip() + "\n" + self._log_tail()
            self.stop()
        raise ClusterError(f"pg_ctl start failed {START_ATTEMPTS} times:\n{last_error}")

    def create_database(self) -> None:
        assert self.port is not None
        if self.binaries.createdb is not None:
            # Over TCP with the same user as DATABASE_URL: proves the URL works too.
            result = self._run(
                [
                    self.binaries.createdb,
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    DB_USER,
                    DB_NAME,
                ]
            )
            self._check("createdb", result)
            return
        # No client programs: create it in single-user mode while the server is down.
        self.stop()
        result = self._run(
            [self.binaries.postgres, "--single", "-D", self.data, "-j", "postgres"],
            input_text=f'CREATE DATABASE "{DB_NAME}";\n',
        )
        self._check("postgres --single (CREATE DATABASE)", result)
        self.start()

    @property
    def url(self) -> str:
        return f"postgres://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        if not self.maybe_running:
            return
        pid = self._postmaster_pid()
        if pid is None:
            # A start interrupted just after the fork: give the pid file a moment.
            deadline = time.monotonic() + 2
            while pid is None and time.monotonic() < deadline:
                time.sleep(0.1)
                pid = self._postmaster_pid()
        if pid is None or not _is_running(pid):
            self.maybe_running = False
            return
        for mode in ("fast", "immediate"):
            with contextlib.suppress(subprocess.TimeoutExpired):
                result = self._run(
                    [
                        self.binaries.pg_ctl,
                        "stop",
                        "-D",
                        self.data,
                        "-m",
                        mode,
                        "-w",
                        "-t",
                        str(STOP_TIMEOUT_SECONDS),
                    ],
                    timeout=STOP_TIMEOUT_SECONDS + 10,
                )
                if result.returncode == 0 or not (self.data / "postmaster.pid").exists():
                    break
        else:
            if _is_running(pid):
                say(f"pg_ctl could not stop the server; killing postmaster {pid}", error=True)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, timeout=10)
        self.maybe_running = False

    def remove(self) -> None:
        if self.kept:
            return
        shutil.rmtree(self.root, ignore_errors=True)
        if self.root.exists():
            say(f"could not remove {self.root}", error=True)


def _become_subreaper() -> None:
    """Adopt orphaned descendants (Linux), so the postmaster can be reaped here.

    ``pg_ctl start`` forks the postmaster and exits, orphaning it; without this it is
    re-parented to PID 1 and may linger as a zombie after it stops.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _is_running(pid: int) -> bool:
    """True if ``pid`` is a live (not zombie) postgres process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        if Path("/proc/self/stat").exists():
            return False  # Linux: no such process
        try:  # elsewhere: best effort
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X") and b"postgres" in cmdline


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGKILL ``proc``'s process group (its own session) and wait until it is gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            reaped, _status = os.waitpid(-proc.pid, os.WNOHANG)  # adopted group members
            if reaped:
                continue
        except ChildProcessError:
            try:
                os.killpg(proc.pid, 0)
            except (ProcessLookupError, PermissionError):
                return
        time.sleep(0.05)


def _wait_gone(pid: int, timeout: float) -> None:
    """Wait until process ``pid`` has exited, reaping it if it is our child."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reaped, _status = os.waitpid(pid, os.WNOHANG)
            if reaped == pid:
                return
        except ChildProcessError:  # not ours: wait until it is gone
            try:
                os.kill(pid, 0)
            except (ProcessLookupError, PermissionError):
                return
        time.sleep(0.05)


# The command -------------------------------------------------------------------------------


def run_command(command: Sequence[str], database_url: str) -> int:
    env = {**os.environ, "DATABASE_URL": database_url}
    try:
        proc = subprocess.Popen(list(command), env=env)
    except OSError as exc:
        say(f"could not run {command[0]!r}: {exc}", error=True)
        return 127
    try:
        return proc.wait()
    except BaseException as exc:
        # Interrupted: let the command wind down before our caller stops the cluster.
        # A Ctrl-C already reached it (same process group), so give it time to tear
        # down on its own; on SIGTERM/SIGHUP pass a SIGTERM on.
        _wind_down(proc, grace=10 if isinstance(exc, KeyboardInterrupt) else 0)
        raise


def _wind_down(proc: subprocess.Popen[bytes], grace: float) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    previous = {
        sig: signal.signal(sig, _raise_terminated) for sig in (signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in sigs}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def unavailable(reason: str, *, what: str = PREFIX, required: bool = False) -> int:
    """The exit code when PostgreSQL cannot run here, after one line saying so: `what` is
    skipped (0), except under CI=true or when `required`, where that is a failure (1)."""
    if required:
        print(
            f"Cannot start PostgreSQL: {reason}. Install the PostgreSQL server (15 or "
            "later), or set ONEDOOR_PG_BINDIR to the folder that holds its initdb.",
            file=sys.stderr,
        )
        return 1
    if os.environ.get("CI", "").strip().lower() == "true":
        print(f"{what} failed: {reason} (CI=true requires PostgreSQL)", file=sys.stderr)
        return 1
    print(f"{what} skipped: {reason}", flush=True)
    return 0


def run_on_cluster(
    command: Sequence[str], *, required: bool = False, keep: Path | None = None
) -> int:
    """Run `command` against a throwaway cluster, or the one kept in `keep`."""
    try:
        binaries = find_binaries(os.environ)
        run_as = RunAs.for_current_user()
    except Unavailable as exc:
        return unavailable(str(exc), required=required)

    _become_subreaper()
    cluster: Cluster | None = None
    try:
        with _signals_raise():
            cluster = Cluster(binaries, run_as, keep)
            new = not cluster.made
            if new:
                cluster.initdb()
            cluster.start()
            if new:
                cluster.create_database()
            kept = f"; kept in {cluster.root}" if cluster.kept else ""
            say(
                f"started PostgreSQL {binaries.version()} on 127.0.0.1:{cluster.port} "
                f"(binaries from {binaries.initdb.parent}, found via {binaries.source}{kept})"
            )
            return run_command(command, cluster.url)
    except (ClusterError, OSError, subprocess.SubprocessError) as exc:
        say(f"failed: {exc}", error=True)
        return 1
    except KeyboardInterrupt:
        say("interrupted", error=True)
        return 128 + signal.SIGINT
    except Terminated as exc:
        say(f"terminated by signal {exc.signum}", error=True)
        return 128 + exc.signum
    finally:
        if cluster is not None:
            with _signals_ignored():
                cluster.stop()
                cluster.remove()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    required = bool(args) and args[0] == "--required"
    if required:
        args = args[1:]
    keep: Path | None = None
    if len(args) >= 2 and args[0] == "--keep":
        keep, args = Path(args[1]), args[2:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        print(
            "usage: python -m onedoor.testing.postgres [--required] [--keep FOLDER] "
            "-- <command...>",
            file=sys.stderr,
        )
        return 2
    if required or keep is not None:
        return run_on_cluster(args, required=required, keep=keep)

    external = os.environ.get("TEST_DATABASE_URL", "").strip()
    if external:
        say("using TEST_DATABASE_URL")
        try:
            with _signals_raise():
                return run_command(args, external)
        except KeyboardInterrupt:
            return 128 + signal.SIGINT
        except Terminated as exc:
            return 128 + exc.signum

    return run_on_cluster(args)


if __name__ == "__main__":
    sys.exit(main())
