"""Flask-SocketIO on erlen, through its test client, as its documentation shows.

Flask-SocketIO wraps ``app.wsgi_app``, and runs each event handler in
``app.request_context(environ)`` for the connection's environ: handlers set
``request.sid`` and ``request.namespace`` through the ``request`` proxy, and the
session is either a copy it manages (replacing the request context's session) or
erlen's own, saved through ``app.session_interface``. The test client builds its
environ with ``flask.testing.EnvironBuilder`` and takes cookies from a Flask test
client. The threading async mode needs no server.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import typing as t

from flask import current_app, g, request, session
from flask_socketio import (
    ConnectionRefusedError,
    Namespace,
    SocketIO,
    disconnect,
    emit,
    join_room,
    leave_room,
    rooms,
    send,
)


def create_app(**options: t.Any) -> tuple[erlen.Erlen, SocketIO]:
    app = erlen.Erlen(__name__)
    app.secret_key = "socketio secret"
    socketio = SocketIO(app, async_mode="threading", **options)

    @app.route("/login/<name>")
    def login(name: str) -> str:
        session["user"] = name
        return "ok"

    @app.route("/whoami")
    def whoami() -> str:
        return str(session.get("user"))

    @socketio.on("connect")
    def on_connect(auth: dict[str, t.Any] | None) -> None:
        if auth and auth.get("token") == "bad":
            raise ConnectionRefusedError("unauthorized")
        emit(
            "welcome",
            {
                "user": session.get("user"),
                "room": request.args.get("room"),
                "has_sid": bool(request.sid),
                "app": current_app.name,
            },
        )

    @socketio.on("echo")
    def on_echo(data: t.Any) -> t.Any:
        return data

    @socketio.on("count")
    def on_count() -> int:
        session["count"] = session.get("count", 0) + 1
        return t.cast(int, session["count"])

    @socketio.on("rename")
    def on_rename(name: str) -> str:
        session["user"] = name
        return name

    @socketio.on("join")
    def on_join(room: str) -> None:
        join_room(room)
        emit("joined", {"room": room, "rooms": sorted(rooms())}, to=room)

    @socketio.on("leave")
    def on_leave(room: str) -> None:
        leave_room(room)

    @socketio.on("shout")
    def on_shout(text: str) -> None:
        emit("shouted", text, broadcast=True)

    @socketio.on("message")
    def on_message(message: t.Any) -> None:
        send(message)

    @socketio.on("json")
    def on_json(message: t.Any) -> None:
        send(message, json=True)

    @socketio.on("fail")
    def on_fail() -> None:
        g.failed = True
        raise ValueError("handler failed")

    @socketio.on("bye")
    def on_bye() -> None:
        disconnect()

    @socketio.on_error_default
    def on_error(error: Exception) -> None:
        emit("error", {"type": type(error).__name__, "message": str(error)})

    class Chat(Namespace):
        def on_connect(self) -> None:
            emit("ready", request.namespace)

        def on_say(self, data: str) -> str:
            return f"{request.namespace}: {data}"

    socketio.on_namespace(Chat("/chat"))
    return app, socketio


def test_connect_emit_and_acknowledgements() -> None:
    app, socketio = create_app()
    client = socketio.test_client(app, query_string="room=lobby")

    assert client.is_connected()
    assert client.get_received() == [
        {
            "name": "welcome",
            "args": [{"user": None, "room": "lobby", "has_sid": True, "app": app.name}],
            "namespace": "/",
        }
    ]
    assert client.emit("echo", {"a": [1, 2]}, callback=True) == {"a": [1, 2]}
    client.send("plain text")
    client.send({"as": "json"}, json=True)
    assert client.get_received() == [
        {"name": "message", "args": "plain text", "namespace": "/"},
        {"name": "json", "args": {"as": "json"}, "namespace": "/"},
    ]
    client.disconnect()
    assert not client.is_connected()


def test_refused_connections() -> None:
    app, socketio = create_app()
    refused = socketio.test_client(app, auth={"token": "bad"})
    assert not refused.is_connected()
    accepted = socketio.test_client(app, auth={"token": "good"})
    assert accepted.is_connected()


def test_rooms_and_broadcasts() -> None:
    app, socketio = create_app()
    first = socketio.test_client(app)
    second = socketio.test_client(app)
    first.get_received()
    second.get_received()

    first.emit("join", "kitchen")
    received = first.get_received()
    assert received[0]["name"] == "joined"
    assert received[0]["args"][0]["room"] == "kitchen"
    assert "kitchen" in received[0]["args"][0]["rooms"]
    assert second.get_received() == []

    second.emit("shout", "hello all")
    assert first.get_received() == [{"name": "shouted", "args": ["hello all"], "namespace": "/"}]
    assert second.get_received() == [{"name": "shouted", "args": ["hello all"], "namespace": "/"}]

    socketio.emit("announce", "to the kitchen", to="kitchen")
    assert first.get_received()[0]["args"] == ["to the kitchen"]
    assert second.get_received() == []


def test_errors_go_to_the_default_error_handler() -> None:
    app, socketio = create_app()
    client = socketio.test_client(app)
    client.get_received()
    client.emit("fail")
    assert client.get_received() == [
        {
            "name": "error",
            "args": [{"type": "ValueError", "message": "handler failed"}],
            "namespace": "/",
        }
    ]


def test_class_based_namespaces() -> None:
    app, socketio = create_app()
    client = socketio.test_client(app, namespace="/chat")
    assert client.get_received("/chat") == [
        {"name": "ready", "args": ["/chat"], "namespace": "/chat"}
    ]
    assert client.emit("say", "hi", namespace="/chat", callback=True) == "/chat: hi"


def test_server_side_disconnect() -> None:
    app, socketio = create_app()
    client = socketio.test_client(app)
    client.emit("bye")
    assert not client.is_connected()


def test_managed_session_starts_from_the_http_session_and_stays_apart() -> None:
    app, socketio = create_app()
    http = app.test_client()
    http.get("/login/ada")

    client = socketio.test_client(app, flask_test_client=http)
    assert client.get_received()[0]["args"][0]["user"] == "ada"
    assert client.emit("count", callback=True) == 1
    assert client.emit("count", callback=True) == 2
    assert client.emit("rename", "bob", callback=True) == "bob"
    # The Socket.IO session is a copy: the cookie session still says ada.
    assert http.get("/whoami").data == b"ada"


def test_unmanaged_session_is_the_apps_own() -> None:
    app, socketio = create_app(manage_session=False)
    http = app.test_client()
    http.get("/login/ada")

    client = socketio.test_client(app, flask_test_client=http)
    assert client.get_received()[0]["args"][0]["user"] == "ada"
    assert client.emit("count", callback=True) == 1
    assert client.emit("count", callback=True) == 1  # saved to a cookie the client never sees


def test_the_extension_wraps_the_wsgi_app_and_keeps_http_working() -> None:
    app, socketio = create_app()
    assert app.extensions["socketio"] is socketio
    assert app.wsgi_app is socketio.sockio_mw
    http = app.test_client()
    assert http.get("/login/ada").data == b"ok"
    assert http.get("/whoami").data == b"ada"
