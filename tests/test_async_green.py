"""Async views under gevent and eventlet, through real servers.

Green threads share one OS thread, and with it asyncio's record of the running event
loop, so an ``async def`` view in one greenlet must not find the loop of another
still running. erlen runs each coroutine in a real OS thread when ``threading`` is
monkey-patched. These tests start gunicorn's gevent worker and eventlet's WSGI
server in a subprocess, send a hundred requests at once to an async view that
sleeps, and check each answer is its own: its query argument, and the value a
synchronous ``before_request`` hook put on ``g``.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import textwrap
import time
import typing as t
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

REQUESTS = 100

APP_MODULE = textwrap.dedent(
    """
    import asyncio

    from erlen import Erlen, g, request

    app = Erlen(__name__)


    @app.before_request
    def remember() -> None:
        g.n = request.args.get("n")


    @app.get("/async")
    async def slow() -> dict[str, object]:
        before = g.n
        await asyncio.sleep(0.02)
        return {"args": request.args.to_dict(), "g_before": before, "g_after": g.n}


    @app.get("/ready")
    def ready() -> str:
        return "ready"
    """
)

EVENTLET_SERVER = textwrap.dedent(
    """
    import eventlet

    eventlet.monkey_patch()

    import sys

    import eventlet.wsgi

    from green_app import app

    listener = eventlet.listen(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    eventlet.wsgi.server(listener, app, log_output=False, max_size=200)
    """
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_environ(folder: Path) -> dict[str, str]:
    """The test's environment, with the app module's folder first on the import path."""
    environ = dict(os.environ)
    inherited = environ.get("PYTHONPATH")
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), inherited]))
    return environ


def wait_until_serving(process: subprocess.Popen[bytes], port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing served on port {port} within {seconds} s")


@contextmanager
def running(command: list[str], folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command`` in its own process group; stop the whole group afterwards."""
    process = subprocess.Popen(
        command,
        cwd=folder,
        env=child_environ(folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(3)
        except ProcessLookupError:
            process.wait(3)
        if process.stdout is not None:
            process.stdout.close()


def get_json(url: str) -> tuple[int, dict[str, t.Any]]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, json.loads(answer.read())


def assert_each_request_gets_its_own_answer(port: int) -> None:
    urls = [f"http://127.0.0.1:{port}/async?n={n}&twice={2 * n}" for n in range(REQUESTS)]
    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        answers = list(pool.map(get_json, urls))
    for n, (status, body) in enumerate(answers):
        assert status == 200
        assert body == {
            "args": {"n": str(n), "twice": str(2 * n)},
            "g_before": str(n),
            "g_after": str(n),
        }


@pytest.fixture
def app_folder(tmp_path: Path) -> Path:
    (tmp_path / "green_app.py").write_text(APP_MODULE)
    return tmp_path


@pytest.mark.server
def test_async_views_under_gunicorn_gevent_worker_answer_each_request(app_folder: Path) -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-k",
        "gevent",
        "-w",
        "1",
        "--worker-connections",
        str(REQUESTS),
        "--graceful-timeout",
        "1",
        "-b",
        f"127.0.0.1:{port}",
        "green_app:app",
    ]
    with running(command, app_folder) as process:
        wait_until_serving(process, port, seconds=10)
        assert_each_request_gets_its_own_answer(port)
        assert process.poll() is None


@pytest.mark.server
def test_async_views_under_eventlet_wsgi_server_answer_each_request(app_folder: Path) -> None:
    (app_folder / "serve_eventlet.py").write_text(EVENTLET_SERVER)
    with running([sys.executable, "serve_eventlet.py"], app_folder) as process:
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], 10)
        assert readable, "the eventlet server did not report its port within 10 s"
        port = int(process.stdout.readline())
        wait_until_serving(process, port, seconds=10)
        assert_each_request_gets_its_own_answer(port)
        assert process.poll() is None
