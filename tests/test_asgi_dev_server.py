"""``erlen run`` serves an app with WebSocket routes through uvicorn (reloader and
debugger included), and says what to install when uvicorn is missing; apps without
WebSocket routes keep Werkzeug's server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import typing as t
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from erlen import Erlen, websocket
from erlen.cli import ScriptInfo, run_command

APP = '''
from erlen import Erlen, websocket

app = Erlen(__name__)


@app.get("/")
def index():
    return "version 1"


@app.get("/boom")
def boom():
    raise ValueError("kaboom")


@app.websocket("/ws")
async def echo():
    await websocket.send("hello " + (await websocket.receive()))
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[str], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.communicate()[0]}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


@pytest.fixture
def run_server(tmp_path: Path) -> Iterator[t.Callable[..., tuple[int, subprocess.Popen[str]]]]:
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[int, subprocess.Popen[str]]:
        (tmp_path / "app.py").write_text(APP)
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "erlen", "--app", "app", "run", "--port", str(port), *args],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        processes.append(process)
        wait_for_port(port, process)
        return port, process

    yield start
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.mark.server
def test_an_app_with_websocket_routes_is_served_by_uvicorn(run_server: t.Any) -> None:
    port, _process = run_server()
    response = httpx.get(f"http://127.0.0.1:{port}/")
    assert response.text == "version 1"
    assert response.headers["server"] == "uvicorn"
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        ws.send("ada")
        assert ws.recv(timeout=5) == "hello ada"


@pytest.mark.server
def test_debug_mode_brings_the_debugger_and_the_reloader(
    run_server: t.Any, tmp_path: Path
) -> None:
    port, _process = run_server("--debug")
    page = httpx.get(f"http://127.0.0.1:{port}/boom")
    assert page.status_code == 500
    assert "ValueError: kaboom" in page.text
    assert "Werkzeug Debugger" in page.text
    with connect(f"ws://127.0.0.1:{port}/ws") as ws:
        ws.send("bob")
        assert ws.recv(timeout=5) == "hello bob"
    # The reloader restarts the server when the code changes.
    time.sleep(1.2)
    (tmp_path / "app.py").write_text(APP.replace("version 1", "version 2"))
    deadline = time.monotonic() + 20
    text = ""
    while time.monotonic() < deadline:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/", timeout=1).text
        except httpx.HTTPError:
            text = ""
        if text == "version 2":
            break
        time.sleep(0.2)
    assert text == "version 2"


def test_without_uvicorn_the_command_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = Erlen(__name__)

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send("x")

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn fails
    result = app.test_cli_runner().invoke(
        run_command, ["--no-reload"], obj=ScriptInfo(create_app=lambda: app)
    )
    assert result.exit_code != 0
    assert "install uvicorn" in result.output
    assert "erlen[asgi]" in result.output


def test_an_app_without_websocket_routes_keeps_werkzeugs_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import werkzeug.serving

    app = Erlen(__name__)
    app.add_url_rule("/", "index", lambda: "hi")
    calls: list[t.Any] = []
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *a, **k: calls.append(a))
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = app.test_cli_runner().invoke(
        run_command, ["--no-reload"], obj=ScriptInfo(create_app=lambda: app)
    )
    assert result.exit_code == 0, result.output
    assert calls and calls[0][2] is app
