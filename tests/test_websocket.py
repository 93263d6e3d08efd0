"""WebSockets through the test client: ``client.websocket(path)`` runs the app's ASGI
side in-process and talks to a handler registered with ``@app.websocket``.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
import types
import typing as t
from collections.abc import Iterator

import pytest

from erlen import (
    Blueprint,
    Erlen,
    WebsocketDisconnect,
    abort,
    g,
    request,
    session,
    url_for,
    websocket,
)
from erlen import globals as ctx_globals
from erlen.testing import ErlenClient, WebsocketDenied


@pytest.fixture(autouse=True)
def _no_leaked_context() -> Iterator[None]:
    yield
    assert ctx_globals._cv_app.get(None) is None, "an application context leaked"
    assert ctx_globals._cv_request.get(None) is None, "a request context leaked"


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    app.secret_key = "websocket-testing-secret"
    return app


@pytest.fixture
def client(app: Erlen) -> ErlenClient:
    return app.test_client()


async def wait_for_close() -> None:
    """Keep the socket open until the client closes it (see the module's docstring)."""
    while True:
        await websocket.receive()


def let_the_handler_finish() -> None:
    """After the app closed the socket: give its thread time to end before ``close``
    (see ``test_leaving_the_block_after_the_handler_ended_does_not_raise``)."""
    time.sleep(0.2)


def register_echo(app: Erlen) -> None:
    @app.websocket("/echo")
    async def echo() -> None:
        while True:
            message = await websocket.receive()
            await websocket.send(message)


# --- the global's import ---------------------------------------------------------------


def test_websocket_global_import_is_not_shadowed_by_the_submodule() -> None:
    importlib.import_module("erlen.websockets")
    namespace: dict[str, t.Any] = {}
    exec("from erlen import websocket", namespace)
    assert not isinstance(namespace["websocket"], types.ModuleType)
    assert namespace["websocket"] is websocket


def test_leaving_the_block_after_the_handler_ended_does_not_raise(
    app: Erlen, client: ErlenClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    @app.websocket("/once")
    async def once() -> None:
        await websocket.send("only message")

    # Widen the window the race needs (the loop closed, its thread not yet ended) so
    # the test is deterministic; unpatched, the same failure comes by chance.
    new_event_loop = asyncio.new_event_loop

    def slowly_ending_loop() -> asyncio.AbstractEventLoop:
        loop = new_event_loop()
        close = loop.close

        def close_then_linger() -> None:
            close()
            time.sleep(0.3)

        loop.close = close_then_linger  # type: ignore[method-assign]
        return loop

    monkeypatch.setattr(asyncio, "new_event_loop", slowly_ending_loop)
    with client.websocket("/once") as ws:
        assert ws.receive() == "only message"
        time.sleep(0.1)  # the handler returned; its loop is closed, its thread lingers


# --- messages ----------------------------------------------------------------------------


def test_echo_text_and_bytes(app: Erlen, client: ErlenClient) -> None:
    register_echo(app)
    with client.websocket("/echo") as ws:
        ws.send("hello")
        text = ws.receive()
        ws.send(b"\x00\xffbytes")
        data = ws.receive()
        ws.send("")
        empty = ws.receive()
    assert text == "hello" and type(text) is str
    assert data == b"\x00\xffbytes" and type(data) is bytes
    assert empty == ""


def test_send_json_and_receive_json(app: Erlen, client: ErlenClient) -> None:
    @app.websocket("/json")
    async def json_echo() -> None:
        data = await websocket.receive_json()
        await websocket.send_json({"got": data, "count": len(data["items"])})
        await websocket.send_json(status="ok", n=2)
        await wait_for_close()

    with client.websocket("/json") as ws:
        ws.send_json({"items": [1, "two", None, 3.5], "nested": {"a": True}})
        first = ws.receive_json()
        second = ws.receive_json()
    assert first == {"got": {"items": [1, "two", None, 3.5], "nested": {"a": True}}, "count": 4}
    assert second == {"status": "ok", "n": 2}


def test_a_hundred_messages_are_echoed_in_order(app: Erlen, client: ErlenClient) -> None:
    register_echo(app)
    with client.websocket("/echo") as ws:
        for n in range(100):
            ws.send(f"message {n}")
        received = [ws.receive() for _ in range(100)]
    assert received == [f"message {n}" for n in range(100)]


# --- rules, url_for and the handshake ------------------------------------------------


def test_converter_in_websocket_rule(app: Erlen, client: ErlenClient) -> None:
    @app.websocket("/ws/<int:room>")
    async def room(room: int) -> None:
        await websocket.send_json(
            {"room": room, "is_int": type(room) is int, "view_args": websocket.view_args}
        )
        await wait_for_close()

    with client.websocket("/ws/42") as ws:
        assert ws.receive_json() == {"room": 42, "is_int": True, "view_args": {"room": 42}}
    with pytest.raises(WebsocketDenied) as denied, client.websocket("/ws/not-a-number"):
        pass
    assert denied.value.status_code == 404


def test_url_for_websocket_endpoint(app: Erlen, client: ErlenClient) -> None:
    @app.websocket("/ws/<int:room>")
    async def room(room: int) -> None:
        await websocket.send_json(
            {
                "self": url_for("room", room=room),
                "external": url_for("room", room=room + 1, _external=True),
                "http": url_for("links"),
                "http_external": url_for("links", _external=True),
            }
        )
        await wait_for_close()

    @app.get("/links")
    def links() -> dict[str, str]:
        return {
            "plain": url_for("room", room=1),
            "external": url_for("room", room=2, _external=True),
        }

    # A WebSocket rule is always built as a full ws:// (wss:// for https) URL.
    assert client.get("/links").json == {
        "plain": "ws://localhost/ws/1",
        "external": "ws://localhost/ws/2",
    }
    assert client.get("/links", base_url="https://example.test").json == {
        "plain": "wss://example.test/ws/1",
        "external": "wss://example.test/ws/2",
    }
    with client.websocket("/ws/7") as ws:
        assert ws.receive_json() == {
            "self": "ws://localhost/ws/7",
            "external": "ws://localhost/ws/8",
            "http": "/links",
            "http_external": "http://localhost/links",
        }


def test_handshake_args_headers_path_and_subprotocols(app: Erlen, client: ErlenClient) -> None:
    @app.websocket("/chat")
    async def chat() -> None:
        offered = websocket.requested_subprotocols
        await websocket.accept(subprotocol=offered[-1], headers={"X-Chat-Room": "lobby"})
        await websocket.send_json(
            {
                "args": websocket.args.to_dict(flat=False),
                "token": websocket.headers.get("X-Token"),
                "path": websocket.path,
                "offered": offered,
            }
        )
        await wait_for_close()

    with client.websocket(
        "/chat?name=ada&tag=a&tag=b",
        headers={"X-Token": "secret-1"},
        subprotocols=["chat.v1", "chat.v2"],
    ) as ws:
        info = ws.receive_json()
        assert ws.subprotocol == "chat.v2"
        assert ("x-chat-room", "lobby") in [(k.lower(), v) for k, v in ws.accept_headers]
    assert info == {
        "args": {"name": ["ada"], "tag": ["a", "b"]},
        "token": "secret-1",
        "path": "/chat",
        "offered": ["chat.v1", "chat.v2"],
    }


def test_accept_without_subprotocol(app: Erlen, client: ErlenClient) -> None:
    @app.websocket("/plain")
    async def plain() -> None:
        await websocket.send(repr(websocket.requested_subprotocols))
        await wait_for_close()

    with client.websocket("/plain") as ws:
        assert ws.receive() == "[]"
        assert ws.subprotocol is None


# --- blueprints and hooks ----------------------------------------------------------------


def test_blueprint_websocket_with_prefix_and_hooks_in_order(
    app: Erlen, client: ErlenClient
) -> None:
    events: list[t.Any] = []
    bp = Blueprint("chat", __name__, url_prefix="/chat")
    other = Blueprint("other", __name__)

    @app.before_websocket
    def app_before() -> None:
        events.append(("app before", websocket.path))

    @bp.before_websocket
    async def bp_before() -> None:
        events.append("bp before")

    @other.before_websocket
    def other_before() -> None:
        events.append("other before")  # another blueprint's hook: never for bp's routes

    @bp.after_websocket
    def bp_after(response: t.Any) -> None:
        events.append(("bp after", response))

    @app.after_websocket
    async def app_after(response: t.Any) -> None:
        events.append(("app after", response))

    @bp.websocket("/room/<name>")
    async def room(name: str) -> None:
        events.append(("handler", request.endpoint, name))
        await websocket.send(f"welcome to {name}")
        await wait_for_close()

    app.register_blueprint(bp)
    app.register_blueprint(other)

    with client.websocket("/chat/room/lobby") as ws:
        assert ws.receive() == "welcome to lobby"
    assert events == [
        ("app before", "/chat/room/lobby"),
        "bp before",
        ("handler", "chat.room", "lobby"),
        ("bp after", None),
        ("app after", None),
    ]
    # The rule lives under the prefix only.
    with pytest.raises(WebsocketDenied) as denied, client.websocket("/room/lobby"):
        pass
    assert denied.value.status_code == 404


def test_blueprint_url_for_websocket_endpoint(app: Erlen, client: ErlenClient) -> None:
    bp = Blueprint("live", __name__, url_prefix="/live")

    @bp.websocket("/feed")
    async def feed() -> None:
        await websocket.send(url_for(".feed"))
        await wait_for_close()

    app.register_blueprint(bp)
    with client.websocket("/live/feed") as ws:
        assert ws.receive() == "ws://localhost/live/feed"


def test_before_websocket_response_refuses_the_handshake(app: Erlen, client: ErlenClient) -> None:
    ran: list[str] = []

    @app.before_websocket
    def gate() -> t.Any:
        if websocket.args.get("key") != "open-sesame":
            return "no key", 401
        return None

    @app.websocket("/vault")
    async def vault() -> None:
        ran.append("handler")
        await websocket.send("inside")
        await wait_for_close()

    with pytest.raises(WebsocketDenied) as denied, client.websocket("/vault"):
        pass
    assert denied.value.status_code == 401
    assert denied.value.body == b"no key"
    assert ran == []
    with client.websocket("/vault?key=open-sesame") as ws:
        assert ws.receive() == "inside"
    assert ran == ["handler"]


def test_blueprint_before_websocket_response_refuses(app: Erlen, client: ErlenClient) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.before_websocket
    def admins_only() -> t.Any:
        abort(403)

    @bp.websocket("/feed")
    async def feed() -> None:
        await websocket.send("admin feed")

    register_echo(app)
    app.register_blueprint(bp)
    with pytest.raises(WebsocketDenied) as denied, client.websocket("/admin/feed"):
        pass
    assert denied.value.status_code == 403
    # The app's own WebSocket routes are not behind the blueprint's hook.
    with client.websocket("/echo") as ws:
        ws.send("free")
        assert ws.receive() == "free"


def test_sync_before_websocket_runs_in_a_thread_and_sees_websocket(
    app: Erlen, client: ErlenClient
) -> None:
    seen: dict[str, t.Any] = {}

    @app.before_websocket
    def sync_hook() -> None:
        seen["hook_thread"] = threading.get_ident()
        seen["path"] = websocket.path
        seen["arg"] = websocket.args.get("who")
        g.who = websocket.args.get("who")

    @app.websocket("/who")
    async def who() -> None:
        seen["handler_thread"] = threading.get_ident()
        await websocket.send(g.who)
        await wait_for_close()

    with client.websocket("/who?who=grace") as ws:
        assert ws.receive() == "grace"
    assert seen["path"] == "/who"
    assert seen["arg"] == "grace"
    assert seen["hook_thread"] != seen["handler_thread"]


def test_sync_handler_is_refused_at_registration(app: Erlen) -> None:
    with pytest.raises(TypeError, match="async def"):

        @app.websocket("/sync")
        def sync_handler() -> None:
            pass

    bp = Blueprint("bp", __name__)
    with pytest.raises(TypeError, match="async def"):

        @bp.websocket("/sync")
        def bp_sync_handler() -> None:
            pass

    assert "sync_handler" not in app.view_functions


# --- refusals ----------------------------------------------------------------------------


def test_abort_before_accept_refuses_with_403(app: Erlen, client: ErlenClient) -> None:
    @app.websocket("/private")
    async def private() -> None:
        abort(403)

    with pytest.raises(WebsocketDenied) as denied, client.websocket("/private"):
        pass
    assert denied.value.status_code == 403
    assert b"Forbidden" in denied.value.body


def test_errorhandler_shapes_the_denial(app: Erlen, client: ErlenClient) -> None:
    @app.errorhandler(403)
    def forbidden(error: Exception) -> t.Any:
        return {"error": "forbidden", "where": request.path}, 403, {"X-Reason": "members"}

    @app.websocket("/members")
    async def members() -> None:
        abort(403)

    with pytest.raises(WebsocketDenied) as denied, client.websocket("/members"):
        pass
    assert denied.value.status_code == 403
    headers = {k.lower(): v for k, v in denied.value.headers}
    assert headers["content-type"] == "application/json"
    assert headers["x-reason"] == "members"
    assert app.json.loads(denied.value.body) == {"error": "forbidden", "where": "/members"}


def test_handler_returning_a_response_refuses(app: Erlen, client: ErlenClient) -> None:
    @app.websocket("/teapot")
    async def teapot() -> t.Any:
        return "short and stout", 418

    with pytest.raises(WebsocketDenied) as denied, client.websocket("/teapot"):
        pass
    assert denied.value.status_code == 418
    assert denied.value.body == b"short and stout"


def test_path_without_websocket_rule_is_denied_404(app: Erlen, client: ErlenClient) -> None:
    register_echo(app)

    @app.get("/page")
    def page() -> str:
        return "a page"

    for path in ("/nowhere", "/page"):
        with pytest.raises(WebsocketDenied) as denied, client.websocket(path):
            pass
        assert denied.value.status_code == 404, path


def test_app_without_any_websocket_rule_denies_404(app: Erlen, client: ErlenClient) -> None:
    @app.get("/")
    def index() -> str:
        return "index"

    with pytest.raises(WebsocketDenied) as denied, client.websocket("/"):
        pass
    assert denied.value.status_code == 404


def test_plain_http_request_to_websocket_route_is_400(app: Erlen, client: ErlenClient) -> None:
    register_echo(app)
    response = client.get("/echo")
    assert response.status_code == 400
    assert "WebSocket" in response.get_data(as_text=True)


# --- errors ------------------------------------------------------------------------------


def test_handler_error_after_accept_closes_1011_and_is_logged(
    app: Erlen, client: ErlenClient, caplog: pytest.LogCaptureFixture
) -> None:
    register_echo(app)

    @app.websocket("/boom")
    async def boom() -> None:
        await websocket.send("about to fail")
        raise RuntimeError("kaboom in handler")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # logged, not raised: as in production
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        with client.websocket("/boom") as ws:
            assert ws.receive() == "about to fail"
            with pytest.raises(WebsocketDisconnect) as closed:
                ws.receive()
            let_the_handler_finish()
        assert closed.value.code == 1011
        records = [r for r in caplog.records if r.name == app.logger.name]
        assert len(records) == 1
        assert records[0].levelno == logging.ERROR
        assert "/boom" in records[0].getMessage()
        assert records[0].exc_info is not None
        assert isinstance(records[0].exc_info[1], RuntimeError)
        assert str(records[0].exc_info[1]) == "kaboom in handler"

    # The app goes on serving.
    with client.websocket("/echo") as ws:
        ws.send("still here")
        assert ws.receive() == "still here"


def test_handler_error_before_accept_is_denied_500_and_logged(
    app: Erlen, client: ErlenClient, caplog: pytest.LogCaptureFixture
) -> None:
    @app.websocket("/early")
    async def early() -> None:
        raise ValueError("failed before accepting")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        with pytest.raises(WebsocketDenied) as denied, client.websocket("/early"):
            pass
        assert denied.value.status_code == 500
        assert any(
            r.exc_info is not None and isinstance(r.exc_info[1], ValueError)
            for r in caplog.records
            if r.name == app.logger.name
        )


def test_in_testing_mode_a_handler_error_reaches_the_test(
    app: Erlen, client: ErlenClient, caplog: pytest.LogCaptureFixture
) -> None:
    register_echo(app)
    torn_down: list[BaseException | None] = []

    @app.websocket("/boom")
    async def boom() -> None:
        await websocket.send("about to fail")
        raise RuntimeError("kaboom in handler")

    @app.websocket("/early")
    async def early() -> None:
        raise ValueError("failed before accepting")

    @app.teardown_request
    def record(error: BaseException | None) -> None:
        torn_down.append(error)

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        with client.websocket("/boom") as ws:
            assert ws.receive() == "about to fail"
            with pytest.raises(RuntimeError, match="kaboom in handler"):
                ws.receive()
        with (
            pytest.raises(ValueError, match="failed before accepting"),
            client.websocket("/early"),
        ):
            pass
    # Raised, not logged (as for an HTTP view); teardown saw each error.
    assert not [r for r in caplog.records if r.name == app.logger.name]
    assert [type(e) for e in torn_down] == [RuntimeError, ValueError]
    with client.websocket("/echo") as ws:
        ws.send("still here")
        assert ws.receive() == "still here"


def test_propagate_exceptions_false_keeps_a_testing_app_logging(app: Erlen) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.websocket("/boom")
    async def boom() -> None:
        await websocket.accept()
        raise RuntimeError("logged")

    with app.test_client().websocket("/boom") as ws, pytest.raises(WebsocketDisconnect) as closed:
        ws.receive()
    assert closed.value.code == 1011


# --- session, g, disconnects, teardown ---------------------------------------------------


def register_login(app: Erlen) -> None:
    @app.post("/login")
    def login() -> str:
        session["user"] = request.form["user"]
        return "logged in"

    @app.before_websocket
    def load_user() -> None:
        g.user = session.get("user")

    @app.websocket("/whoami")
    async def whoami() -> None:
        await websocket.send_json({"session": session.get("user"), "g": g.get("user")})
        await wait_for_close()


def test_session_from_http_login_is_read_over_websocket(app: Erlen) -> None:
    register_login(app)
    client = app.test_client()
    assert client.post("/login", data={"user": "ada"}).status_code == 200
    with client.websocket("/whoami") as ws:
        assert ws.receive_json() == {"session": "ada", "g": "ada"}


def test_default_test_client_opens_a_websocket(app: Erlen) -> None:
    register_echo(app)
    with app.test_client().websocket("/echo") as ws:
        ws.send("hi")
        assert ws.receive() == "hi"


def test_session_cookie_header_is_read_over_websocket(app: Erlen) -> None:
    register_login(app)
    client = app.test_client(use_cookies=False)
    response = client.post("/login", data={"user": "ada"})
    cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    assert cookie.startswith("session=")
    with client.websocket("/whoami", headers={"Cookie": cookie}) as ws:
        assert ws.receive_json() == {"session": "ada", "g": "ada"}
    with client.websocket("/whoami") as ws:
        assert ws.receive_json() == {"session": None, "g": None}


def test_client_disconnect_raises_in_handler_and_teardown_gets_none(
    app: Erlen, client: ErlenClient
) -> None:
    events: list[t.Any] = []

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        events.append(("teardown", error))

    @app.websocket("/listen")
    async def listen() -> None:
        try:
            while True:
                events.append(("got", await websocket.receive()))
        except WebsocketDisconnect as e:
            events.append(("disconnected", e.code))
            raise

    with client.websocket("/listen") as ws:
        ws.send("one")
        ws.send("two")
        ws.close(1001)
        assert events == [
            ("got", "one"),
            ("got", "two"),
            ("disconnected", 1001),
            ("teardown", None),
        ]


def test_disconnect_not_caught_by_handler_is_not_an_error(
    app: Erlen, client: ErlenClient, caplog: pytest.LogCaptureFixture
) -> None:
    torn_down: list[t.Any] = []

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        torn_down.append(error)

    register_echo(app)
    with caplog.at_level(logging.ERROR, logger=app.logger.name), client.websocket("/echo") as ws:
        ws.send("x")
        assert ws.receive() == "x"
    assert torn_down == [None]
    assert [r for r in caplog.records if r.name == app.logger.name] == []


@pytest.mark.parametrize(
    ("code", "reason", "message"),
    [(1005, "", "1005 is not a close code"), (999, "", "999 is not"), (5000, "", "5000 is not"),
     (1000, "x" * 124, "124 bytes")],
)
def test_close_with_a_code_or_reason_a_frame_cannot_carry_says_what_to_use(
    app: Erlen, code: int, reason: str, message: str
) -> None:
    errors: list[str] = []

    @app.websocket("/bad-close")
    async def bad_close() -> None:
        await websocket.accept()
        try:
            await websocket.close(code, reason)
        except ValueError as e:
            errors.append(str(e))
            await websocket.close(4000, "é" * 61)

    client = app.test_client()
    with client.websocket("/bad-close") as ws, pytest.raises(WebsocketDisconnect) as closed:
        ws.receive()
    assert closed.value.code == 4000
    assert len(errors) == 1 and message in errors[0]


def test_a_send_the_server_refuses_is_a_1006_disconnect_and_closes_the_socket(app: Erlen) -> None:
    """ASGI 2.4: ``send`` raises OSError once the connection is gone; the handler sees
    WebsocketDisconnect(1006) and the socket counts as closed."""
    from erlen.websockets import WebsocketDisconnect

    seen: list[t.Any] = []

    @app.websocket("/gone")
    async def gone() -> None:
        await websocket.accept()
        try:
            await websocket.send("hello")
        except WebsocketDisconnect as e:
            seen.append(("disconnect", e.code))
        try:
            await websocket.send("again")
        except WebsocketDisconnect as e:
            seen.append(("after close", e.code))

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": "/gone",
        "raw_path": b"/gone",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "subprotocols": [],
        "client": ("127.0.0.1", 1),
        "server": ("localhost", 80),
    }
    messages = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, t.Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: dict[str, t.Any]) -> None:
        if message["type"] == "websocket.send":
            raise OSError("connection reset")

    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    assert seen == [("disconnect", 1006), ("after close", 1000)]
