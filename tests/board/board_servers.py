"""Real processes for the board's browser and scale-out tests: servers, redis, Chromium.

The board app is served from a small module written into a temporary folder (it
calls ``create_app`` with that test's settings), under granian or gunicorn on a
free port of 127.0.0.1, each server in its own process group so that its workers
end with it. ``redis-server`` runs the same way, without persistence.

Chromium and redis-server are Debian packages that ``make test`` installs when it
runs as root. Where one is missing the tests skip with a message that says how to
install it, except when ``ERLEN_REQUIRE_BROWSER=1`` (``.ci/run`` sets it): then a
missing program is a failure, so that CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The folder that holds the ``board`` package, put on the servers' PYTHONPATH.
BOARD_FOLDER = ROOT / "examples" / "board"
#: Set to 1 (``.ci/run`` does) to fail instead of skipping when a program is missing.
REQUIRE_ENV = "ERLEN_REQUIRE_BROWSER"
#: Where Debian installs the programs (``/usr/sbin`` is not on every user's PATH).
SYSTEM_BINS = ("/usr/bin", "/usr/sbin", "/bin", "/sbin")


def missing(message: str) -> t.NoReturn:
    """Skip the test, or fail it when the run requires every program (CI)."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message} ({REQUIRE_ENV}=1: required here, not skipped)", pytrace=False)
    pytest.skip(message)


def program(name: str, package: str) -> str:
    """The path of a program from a Debian package, or skip/fail saying how to get it."""
    found = shutil.which(name) or shutil.which(name, path=os.pathsep.join(SYSTEM_BINS))
    if found is None:
        missing(
            f"{name} is not installed: run `make test` as root, or install it with"
            f" `sudo apt-get install -y --no-install-recommends {package}`"
        )
    return found


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: t.Callable[[], bool], seconds: float, step: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass; its last answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


@dataclass
class Process:
    """A program started in its own process group, its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """What the program printed so far (for failure messages)."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        """End the whole process group: the server and every worker it forked."""
        pid = self.popen.pid
        try:
            if self.popen.poll() is None:
                os.killpg(pid, signal.SIGTERM)
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(pid, signal.SIGKILL)
            self.popen.wait(5)
        except ProcessLookupError:
            self.popen.wait(5)
        # Workers left behind by a leader that exited first.
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def launch(name: str, command: list[str], cwd: Path, env: dict[str, str], log: Path) -> Process:
    """Start ``command`` in a new session (its own process group), output to ``log``."""
    with log.open("wb") as out:
        popen = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    return Process(name, popen, log)


def wait_until(process: Process, ready: t.Callable[[], bool], seconds: float = 30) -> None:
    """Wait for ``ready``; fail with the program's output if it exits or never gets ready."""
    deadline = time.monotonic() + seconds
    while not ready():
        if not process.alive():
            raise AssertionError(
                f"{process.name} exited with {process.popen.returncode}:\n{process.output()}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(f"{process.name} not ready after {seconds}s:\n{process.output()}")
        time.sleep(0.05)


# --- redis ---------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A throw-away redis-server on 127.0.0.1: no RDB snapshots, no append-only file."""

    port: int
    process: Process

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def start_redis(folder: Path) -> RedisServer:
    """Start redis-server in ``folder`` on a free port and wait until it answers PING."""
    import redis

    binary = program("redis-server", "redis-server")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        binary,
        *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)),
        *("--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes"),
    ]
    process = launch("redis-server", command, folder, dict(os.environ), folder / "redis.log")
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)

    def pong() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    try:
        wait_until(process, pong, 15)
    except BaseException:
        process.stop()
        raise
    finally:
        client.close()
    return RedisServer(port, process)


# --- the board app under a real server -----------------------------------------------------

#: Servers a test can ask for: granian as ASGI (WebSockets work) or WSGI, gunicorn (WSGI).
SERVER_KINDS = ("granian-asgi", "granian-wsgi", "gunicorn")


@dataclass
class BoardServer:
    """The board app served on 127.0.0.1 by a real server, from a temporary folder."""

    kind: str
    port: int
    folder: Path
    process: Process
    workers: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.process.output()

    def stop(self) -> None:
        self.process.stop()


def server_command(kind: str, target: str, port: int, workers: int) -> list[str]:
    """The command line that serves ``target`` (``module:app``) with ``kind``."""
    where = ("--host", "127.0.0.1", "--port", str(port))
    if kind in ("granian-asgi", "granian-wsgi"):
        return [
            *(sys.executable, "-m", "granian", "--interface", kind.removeprefix("granian-")),
            *where, "--workers", str(workers), "--no-ws" if kind == "granian-wsgi" else "--ws",
            # A worker that dies is started again (gunicorn always does so).
            "--respawn-failed-workers", "--respawn-interval", "0.5",
            target,
        ]  # fmt: skip
    if kind == "gunicorn":
        return [
            *(sys.executable, "-m", "gunicorn", "--worker-class", "sync"),
            *("--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", "30"),
            "--no-control-socket",  # no socket under ~/.gunicorn, shared by every run
            target,
        ]
    raise ValueError(f"unknown server kind {kind!r}")


def server_environment(folder: Path) -> dict[str, str]:
    """This process's environment, cleaned of Flask/erlen/board settings, plus the
    temporary folder and the board's folder on the import path."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FLASK_", "ERLEN_", "BOARD_", "GRANIAN_", "GUNICORN_"))
        and key != "PYTHONPATH"
    }
    env["PYTHONPATH"] = os.pathsep.join([str(folder), str(BOARD_FOLDER)])
    # The extensions `import flask`: that must be erlen in the served app.
    env["ERLEN_FLASK_ALIAS"] = "1"
    env["ERLEN_SKIP_DOTENV"] = "1"
    # The board's instance folder (config.py, default database) is the test's own.
    env["BOARD_INSTANCE_PATH"] = str(folder / "instance")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def answers_http(url: str) -> bool:
    """Whether the server gives any HTTP answer to a GET of ``url``."""
    try:
        httpx.get(url, timeout=2)
        return True
    except httpx.HTTPError:
        return False


def write_app(folder: Path, source: str) -> None:
    """Write ``source`` (dedented) as the module ``served_board`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "served_board.py").write_text(textwrap.dedent(source))


def run_python(folder: Path, *args: str) -> str:
    """Run ``python *args`` in ``folder`` with the servers' environment; its output.
    For set-up steps such as ``-m erlen --app served_board board init-db``."""
    done = subprocess.run(
        [sys.executable, *args], cwd=folder, env=server_environment(folder),
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def serve_board(
    folder: Path,
    kind: str = "granian-asgi",
    workers: int = 1,
    ready_path: str = "/",
) -> BoardServer:
    """Serve ``served_board:app`` from ``folder`` (see :func:`write_app`).

    Returns once a GET of ``ready_path`` gets an answer; on failure the server is
    stopped and its output is part of the error.
    """
    port = free_port()
    command = server_command(kind, "served_board:app", port, workers)
    log = folder / f"{kind}.log"
    process = launch(kind, command, folder, server_environment(folder), log)
    server = BoardServer(kind, port, folder, process, workers)
    try:
        wait_until(process, lambda: answers_http(server.url + ready_path), 40)
    except BaseException:
        process.stop()
        raise
    return server
