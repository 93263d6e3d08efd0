"""The same app object under real ASGI servers, and under gunicorn as WSGI.

One app module is written to a temporary folder and served, each server once for
the module, as plain ``module:app``: uvicorn and hypercorn must tell by themselves
that the object is an ASGI app (no ``.asgi_app``), granian is told with
``--interface asgi``. httpx talks HTTP to it and the ``websockets`` package's sync
client talks WebSocket. Lifespan (``before_serving`` / ``after_serving``) is checked
through marker files the app writes, and gunicorn's sync worker serves the very same
``module:app`` over WSGI.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

pytestmark = pytest.mark.server

MODULE = "erlen_served_app"

APP_SOURCE = textwrap.dedent(
    """
    import asyncio
    import os
    import pathlib
    import time

    from erlen import Erlen, abort, g, request, session
    from erlen import websocket

    app = Erlen(__name__)
    app.secret_key = "served-app-secret"
    MARKERS = pathlib.Path(os.environ["ERLEN_TEST_MARKERS"])


    @app.before_serving
    async def started():
        (MARKERS / "started").write_text(str(os.getpid()))


    @app.after_serving
    def stopped():
        (MARKERS / "stopped").write_text(str(os.getpid()))


    @app.get("/text")
    def text():
        return "plain text from a sync view"


    @app.get("/json")
    def json_view():
        return {"ok": True, "items": [1, 2, 3]}


    @app.get("/async")
    async def async_view():
        await asyncio.sleep(0.01)
        return {"view": "async", "n": request.args.get("n")}


    @app.get("/protocol")
    def protocol():
        return {"asgi": "asgi.scope" in request.environ}


    @app.get("/stream")
    def stream():
        def chunks():
            for n in range(5):
                if n:
                    time.sleep(0.05)
                yield f"chunk {n}\\n"

        return app.response_class(chunks(), mimetype="text/plain")


    @app.post("/form")
    def form():
        return {"form": request.form.to_dict(flat=False)}


    @app.post("/echo-json")
    async def echo_json():
        return {"got": request.get_json()}


    @app.post("/login")
    def login():
        session["user"] = request.form["user"]
        return "logged in"


    @app.get("/me")
    def me():
        return {"user": session.get("user")}


    @app.before_websocket
    def load_user():
        g.user = session.get("user")
        if websocket.path == "/ws/forbidden":
            abort(403)


    @app.websocket("/ws/echo")
    async def ws_echo():
        while True:
            await websocket.send(await websocket.receive())


    @app.websocket("/ws/json")
    async def ws_json():
        while True:
            data = await websocket.receive_json()
            await websocket.send_json({"got": data, "keys": sorted(data)})


    @app.websocket("/ws/me")
    async def ws_me():
        await websocket.send_json({"session": session.get("user"), "g": g.user})
        await websocket.receive()


    @app.websocket("/ws/forbidden")
    async def ws_forbidden():
        await websocket.send("the handler should not run")


    @app.websocket("/ws/boom")
    async def ws_boom():
        await websocket.send("about to fail")
        raise RuntimeError("boom in a served handler")
    """
)

#: "hypercorn-asgi" is hypercorn told the mode ("asgi:module:app"), next to the plain
#: "module:app" the other servers get: it shows the app itself works under hypercorn.
SERVERS = ["uvicorn", "hypercorn", "hypercorn-asgi", "granian"]

@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    markers: Path
    #: Whether before_serving had run once the port answered, before any request.
    started_before_any_request: bool = False

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def command(name: str, port: int) -> list[str]:
    target = f"{MODULE}:app"
    where = ["127.0.0.1", str(port)]
    if name == "uvicorn":
        return [sys.executable, "-m", "uvicorn", target, "--host", where[0], "--port", where[1]]
    if name == "hypercorn":
        return [sys.executable, "-m", "hypercorn", target, "--bind", ":".join(where)]
    if name == "hypercorn-asgi":
        return [sys.executable, "-m", "hypercorn", f"asgi:{target}", "--bind", ":".join(where)]
    if name == "granian":
        return [
            *(sys.executable, "-m", "granian", "--interface", "asgi", target),
            *("--host", where[0], "--port", where[1], "--workers", "1"),
        ]
    if name == "gunicorn":
        return [
            *(sys.executable, "-m", "gunicorn", "--worker-class", "sync", "--workers", "1"),
            *("--bind", ":".join(where), target),
        ]
    raise ValueError(name)


def port_answers(port: int) -> bool:
    """Whether a TCP connection is accepted (no HTTP request: under WSGI the first
    request would run before_serving, which the lifespan checks must not trigger)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(condition: t.Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def start(name: str, folder: Path, markers: Path) -> Server:
    markers.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = markers / f"{name}.log"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "ERLEN_"))}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), environ.get("PYTHONPATH")]))
    environ["ERLEN_TEST_MARKERS"] = str(markers)
    environ["ERLEN_SKIP_DOTENV"] = "1"
    environ["PYTHONDONTWRITEBYTECODE"] = "1"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command(name, port),
            cwd=folder,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, port, process, log, markers)
    try:
        deadline = time.monotonic() + 20
        while not port_answers(port):
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}:\n{server.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} did not answer on {port}:\n{server.output()}")
            time.sleep(0.05)
        # Lifespan startup completes before the servers accept connections; a short
        # grace period all the same, still without sending any request.
        server.started_before_any_request = wait_for((markers / "started").exists, 2)
    except BaseException:
        stop(server)
        raise
    return server


def stop(server: Server) -> None:
    """End the server's whole process group (granian and gunicorn fork workers)."""
    process = server.process
    try:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
    except ProcessLookupError:
        process.wait(5)
    # A worker left behind by a leader that exited on its own.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture(scope="module")
def app_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("served_app")
    (folder / f"{MODULE}.py").write_text(APP_SOURCE)
    (folder / "static").mkdir()
    (folder / "static" / "hello.txt").write_text("hello from a static file\n")
    return folder


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest, app_folder: Path) -> Iterator[Server]:
    markers = app_folder / "markers" / request.param
    running = start(request.param, app_folder, markers)
    request.addfinalizer(lambda: stop(running))
    yield running


@pytest.fixture
def asgi_server(request: pytest.FixtureRequest, server: Server) -> Server:
    """The server, for a test that needs the app served as ASGI."""
    return server


@pytest.fixture
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.http, timeout=10) as client:
        yield client


def ws_connect(server: Server, path: str, **options: t.Any) -> ClientConnection:
    return connect(server.ws + path, open_timeout=5, close_timeout=2, **options)


# --- the app is served as ASGI ---------------------------------------------------------


def test_server_serves_the_app_as_asgi(asgi_server: Server, http: httpx.Client) -> None:
    assert http.get("/protocol").json() == {"asgi": True}


def test_before_serving_ran_at_startup(asgi_server: Server) -> None:
    assert asgi_server.started_before_any_request, asgi_server.output()


# --- HTTP --------------------------------------------------------------------------------


def test_get_text_from_a_sync_view(http: httpx.Client) -> None:
    response = http.get("/text")
    assert response.status_code == 200
    assert response.text == "plain text from a sync view"
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_get_json(http: httpx.Client) -> None:
    response = http.get("/json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"ok": True, "items": [1, 2, 3]}


def test_async_view(http: httpx.Client) -> None:
    response = http.get("/async", params={"n": "7"})
    assert response.status_code == 200
    assert response.json() == {"view": "async", "n": "7"}


def test_post_form(http: httpx.Client) -> None:
    response = http.post("/form", data={"name": "ada", "tags": ["a", "b"]})
    assert response.status_code == 200
    assert response.json() == {"form": {"name": ["ada"], "tags": ["a", "b"]}}


def test_post_json_to_an_async_view(http: httpx.Client) -> None:
    payload = {"numbers": list(range(50)), "text": "héllo", "nested": {"x": None}}
    response = http.post("/echo-json", json=payload)
    assert response.status_code == 200
    assert response.json() == {"got": payload}


def test_not_found(http: httpx.Client) -> None:
    response = http.get("/no/such/page")
    assert response.status_code == 404
    assert "Not Found" in response.text


def test_streamed_response_comes_in_several_chunks(http: httpx.Client) -> None:
    with http.stream("GET", "/stream") as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers
        pieces = [piece for piece in response.iter_raw() if piece]
    assert b"".join(pieces) == b"".join(f"chunk {n}\n".encode() for n in range(5))
    # The generator pauses between chunks: they cannot all arrive as one piece.
    assert len(pieces) >= 2


def test_session_cookie_round_trip(http: httpx.Client) -> None:
    assert http.get("/me").json() == {"user": None}
    response = http.post("/login", data={"user": "ada"})
    assert response.status_code == 200
    assert "session" in http.cookies
    assert http.get("/me").json() == {"user": "ada"}


def test_static_file(http: httpx.Client) -> None:
    response = http.get("/static/hello.txt")
    assert response.status_code == 200
    assert response.text == "hello from a static file\n"
    assert response.headers["content-type"].startswith("text/plain")


# --- WebSockets --------------------------------------------------------------------------


def test_websocket_echo(asgi_server: Server) -> None:
    with ws_connect(asgi_server, "/ws/echo") as ws:
        ws.send("hello")
        assert ws.recv(timeout=5) == "hello"
        ws.send(b"\x00\x01binary")
        assert ws.recv(timeout=5) == b"\x00\x01binary"
        for n in range(20):
            ws.send(f"message {n}")
        assert [ws.recv(timeout=5) for _ in range(20)] == [f"message {n}" for n in range(20)]


def test_websocket_json(asgi_server: Server) -> None:
    with ws_connect(asgi_server, "/ws/json") as ws:
        ws.send(json.dumps({"b": [1, 2], "a": "x"}))
        assert json.loads(ws.recv(timeout=5)) == {
            "got": {"b": [1, 2], "a": "x"},
            "keys": ["a", "b"],
        }
        ws.send(json.dumps({"only": True}))
        assert json.loads(ws.recv(timeout=5)) == {"got": {"only": True}, "keys": ["only"]}


def test_websocket_reads_session_after_http_login(asgi_server: Server) -> None:
    with httpx.Client(base_url=asgi_server.http, timeout=10) as http:
        assert http.post("/login", data={"user": "grace"}).status_code == 200
        cookie = http.cookies["session"]
    with ws_connect(
        asgi_server, "/ws/me", additional_headers={"Cookie": f"session={cookie}"}
    ) as ws:
        assert json.loads(ws.recv(timeout=5)) == {"session": "grace", "g": "grace"}
    with ws_connect(asgi_server, "/ws/me") as ws:
        assert json.loads(ws.recv(timeout=5)) == {"session": None, "g": None}


def test_websocket_refused_by_before_websocket_abort(asgi_server: Server) -> None:
    # uvicorn, hypercorn and granian all offer the websocket.http.response extension,
    # so the client gets the app's own 403 response (not a close with 1008).
    with pytest.raises(InvalidStatus) as refused, ws_connect(asgi_server, "/ws/forbidden"):
        pass
    assert refused.value.response.status_code == 403
    assert b"Forbidden" in refused.value.response.body


def test_websocket_handler_error_closes_1011_and_server_goes_on(asgi_server: Server) -> None:
    with ws_connect(asgi_server, "/ws/boom") as ws:
        assert ws.recv(timeout=5) == "about to fail"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1011
    assert wait_for(lambda: "boom in a served handler" in asgi_server.output(), 5)
    with ws_connect(asgi_server, "/ws/echo") as ws:
        ws.send("still serving")
        assert ws.recv(timeout=5) == "still serving"


# --- lifespan shutdown -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["uvicorn", "hypercorn"])
def test_after_serving_runs_at_shutdown(
    name: str, app_folder: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    running = start(name, app_folder, tmp_path / "markers")
    request.addfinalizer(lambda: stop(running))
    assert running.started_before_any_request, running.output()
    assert not (running.markers / "stopped").exists()
    started_by = (running.markers / "started").read_text()
    running.process.send_signal(signal.SIGINT)
    running.process.wait(15)
    # The process that ran before_serving (hypercorn's worker is a child of the one
    # started here) also ran after_serving.
    assert (running.markers / "stopped").read_text() == started_by, running.output()


# --- the same object over WSGI -----------------------------------------------------------


def test_gunicorn_serves_the_same_app_as_wsgi(
    app_folder: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    running = start("gunicorn", app_folder, tmp_path / "markers")
    request.addfinalizer(lambda: stop(running))
    with httpx.Client(base_url=running.http, timeout=10) as http:
        response = http.get("/text")
        assert response.status_code == 200
        assert response.text == "plain text from a sync view"
        assert http.get("/protocol").json() == {"asgi": False}
        assert http.get("/async", params={"n": "1"}).json() == {"view": "async", "n": "1"}
    # Under WSGI, before_serving runs before the first request instead of at startup.
    assert (running.markers / "started").exists()
