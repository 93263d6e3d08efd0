"""The ASGI adapter's first step of an ``async def`` view taken while the
request is opened (``erlen.asgi._open``): once the app has served a request and
nothing runs before the view, the view's first step runs in ``_open``; what the
client gets and what teardown and ``after_this_request`` see must be what the WSGI
adapter gives for the same app.
"""

from __future__ import annotations

import asyncio
import typing as t

import pytest
from werkzeug.exceptions import HTTPException

from erlen import Erlen, abort, after_this_request, g, make_response, session

Message = t.MutableMapping[str, t.Any]


class Teapot(HTTPException):
    code = 418
    description = "short and stout"


def build(events: list[str], teardown: bool) -> Erlen:
    app = Erlen(__name__)
    app.secret_key = "review"

    @app.route("/warm")
    async def warm() -> str:
        return "warm"

    @app.route("/text/<name>")
    async def text(name: str) -> str:
        return f"hi {name}"

    @app.route("/json")
    async def json_view() -> dict[str, t.Any]:
        return {"b": 1, "a": [1, 2]}

    @app.route("/none")
    async def none() -> None:
        return None

    @app.route("/raise-first")
    async def raise_first() -> str:
        raise ValueError("before any await")

    @app.route("/raise-later")
    async def raise_later() -> str:
        await asyncio.sleep(0)
        raise ValueError("after an await")

    @app.route("/abort")
    async def abort_view() -> str:
        abort(404)

    @app.route("/teapot")
    async def teapot() -> str:
        raise Teapot()

    @app.route("/suspend")
    async def suspend() -> str:
        await asyncio.sleep(0)
        g.value = "set after suspending"
        await asyncio.sleep(0)
        return g.value

    @app.route("/later")
    async def later() -> str:
        @after_this_request
        def add(response: t.Any) -> t.Any:
            response.headers["X-Later"] = "yes"
            events.append("after_this_request")
            return response

        return "later"

    @app.route("/session")
    async def session_view() -> str:
        session["n"] = session.get("n", 0) + 1
        return "session"

    @app.route("/response")
    async def response_view() -> t.Any:
        response = make_response("made", 201)
        response.headers["X-Made"] = "1"
        return response

    @app.errorhandler(Teapot)
    def handle_teapot(e: Teapot) -> tuple[str, int]:
        events.append("teapot handler")
        return "handled teapot", 418

    if teardown:

        @app.teardown_request
        def record(error: BaseException | None) -> None:
            events.append(f"teardown {type(error).__name__ if error else None}")

    return app


def scope(path: str) -> dict[str, t.Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 1234),
    }


def over_asgi(app: Erlen, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    sent: list[Message] = []
    given: list[bool] = []

    async def receive() -> Message:
        # The (empty) request once, then silence, as a server's connected client.
        if not given:
            given.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    async def go() -> None:
        await app.asgi_app(scope("/warm"), receive, send)  # type: ignore[arg-type]
        sent.clear()
        given.clear()
        await app.asgi_app(scope(path), receive, send)  # type: ignore[arg-type]

    asyncio.run(go())
    headers = [(k.decode(), v.decode()) for k, v in sent[0]["headers"]]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return sent[0]["status"], normalized(headers), body


def over_wsgi(app: Erlen, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
    client = app.test_client()
    client.get("/warm")
    response = client.get(path)
    return response.status_code, normalized(list(response.headers)), response.data


def normalized(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # The session cookie's signature carries the time; compare its name only.
    return sorted(
        (k.lower(), v.split("=", 1)[0] if k.lower() == "set-cookie" else v) for k, v in headers
    )


PATHS = [
    "/text/ada",
    "/json",
    "/none",
    "/raise-first",
    "/raise-later",
    "/abort",
    "/teapot",
    "/suspend",
    "/later",
    "/session",
    "/response",
]


@pytest.mark.parametrize("teardown", [False, True])
@pytest.mark.parametrize("path", PATHS)
def test_the_first_step_gives_what_wsgi_gives(path: str, teardown: bool) -> None:
    results = []
    for serve in (over_asgi, over_wsgi):
        events: list[str] = []
        app = build(events, teardown)
        result = serve(app, path)
        results.append((result, events[1:] if teardown else events))
    assert results[0] == results[1]
