"""The ASGI adapter's quick path: once the app has served a request and nothing
runs before the view, the request opens in the server task's own context and an
``async def`` view is awaited there; a text or JSON result with nothing to finish is
sent at once, and anything else moves the request into a Context of its own first.
What the client gets and what teardown and ``after_this_request`` see must be what
the WSGI adapter gives for the same app.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import sys
import threading
import typing as t

import pytest
from werkzeug.exceptions import HTTPException

from erlen import (
    Erlen,
    Response,
    abort,
    after_this_request,
    g,
    has_request_context,
    make_response,
    request,
    session,
)

Message = t.MutableMapping[str, t.Any]


class Teapot(HTTPException):
    code = 418
    description = "short and stout"


def warmed(cls: type[Erlen] = Erlen) -> Erlen:
    """An app of ``cls`` with the ``/warm`` route the ASGI callers send first (the
    quick path starts once the app has served a request)."""
    app = cls(__name__)

    @app.route("/warm")
    async def warm() -> str:
        return "warm"

    return app


def build(events: list[str], teardown: bool) -> Erlen:
    app = warmed()
    app.secret_key = "review"

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

    # A response object is sent as it is only when nothing follows the view.
    @app.route("/response-later")
    async def response_later() -> t.Any:
        @after_this_request
        def add(response: t.Any) -> t.Any:
            response.headers["X-Later"] = "yes"
            events.append("after_this_request")
            return response

        return make_response("made", 202)

    @app.route("/response-session")
    async def response_session() -> t.Any:
        session["n"] = session.get("n", 0) + 1
        return make_response("made", 202)

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
    "/response-later",
    "/response-session",
]


@pytest.mark.parametrize("teardown", [False, True])
@pytest.mark.parametrize("path", PATHS)
def test_the_quick_path_gives_what_wsgi_gives(path: str, teardown: bool) -> None:
    results = []
    for serve in (over_asgi, over_wsgi):
        events: list[str] = []
        app = build(events, teardown)
        result = serve(app, path)
        results.append((result, events[1:] if teardown else events))
    assert results[0] == results[1]


# -- the server task's context --------------------------------------------------------

user_var: contextvars.ContextVar[str] = contextvars.ContextVar("user_var", default="unset")


def context_app(seen: list[t.Any]) -> Erlen:
    app = warmed()

    @app.route("/sets-then-suspends")
    async def sets_then_suspends() -> Response:
        user_var.set("set by the view")
        await asyncio.sleep(0)
        return make_response("made")  # a response object: after_request runs in a thread

    @app.route("/waits")
    async def waits() -> str:
        seen.append(("waiting", request.path))
        await asyncio.Event().wait()
        return "never"

    @app.after_request
    def after(response: Response) -> Response:
        seen.append(("after_request sees", user_var.get(), has_request_context()))
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        seen.append(("teardown", request.path, type(error).__name__ if error else None))

    return app


def messages_of(
    app: Erlen, path: str, context: contextvars.Context, headers: t.Any = None
) -> list[Message]:
    """What ``app`` sends for ``path`` over ASGI after a first request, both run in
    ``context`` (the caller's task); ``headers`` replace the scope's."""
    sent: list[Message] = []
    request_scope = scope(path)
    if headers is not None:
        request_scope["headers"] = headers

    async def receive() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    async def go() -> None:
        await app(scope("/warm"), receive, send)  # type: ignore[func-returns-value]
        sent.clear()
        await app(request_scope, receive, send)  # type: ignore[func-returns-value]

    context.run(asyncio.run, go())
    return sent


def test_what_the_view_sets_reaches_the_hooks_in_the_thread_pool() -> None:
    seen: list[t.Any] = []
    sent = messages_of(context_app(seen), "/sets-then-suspends", contextvars.Context())
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"made"
    assert ("after_request sees", "set by the view", True) in seen
    assert ("teardown", "/sets-then-suspends", None) in seen


def test_the_callers_context_holds_no_request_after_a_quick_request() -> None:
    from erlen.globals import _cv_app, _cv_request

    caller = contextvars.Context()
    sent = messages_of(build([], teardown=False), "/text/ada", caller)
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"hi ada"
    assert _cv_request not in caller or caller[_cv_request] is None
    assert _cv_app not in caller or caller[_cv_app] is None


def test_a_cancelled_quick_view_runs_teardown_and_leaves_no_context() -> None:
    from erlen.globals import _cv_app, _cv_request

    seen: list[t.Any] = []
    app = context_app(seen)

    async def receive() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        pass

    async def go() -> None:
        await app(scope("/warm"), receive, send)  # type: ignore[func-returns-value]
        task = asyncio.ensure_future(app(scope("/waits"), receive, send))
        while ("waiting", "/waits") not in seen:
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert _cv_request.get(None) is None
        assert _cv_app.get(None) is None

    caller = contextvars.Context()
    caller.run(asyncio.run, go())
    assert ("teardown", "/waits", "CancelledError") in seen
    assert _cv_request not in caller or caller[_cv_request] is None


# -- errors and odd input on the quick path (found in review) ---------------------------


def answer(
    app: Erlen, path: str, headers: t.Any = None, context: contextvars.Context | None = None
) -> tuple[int, bytes]:
    """``app``'s status and body for ``path`` over ASGI (after a first request)."""
    sent = messages_of(app, path, context or contextvars.Context(), headers)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_a_result_that_cannot_be_encoded_is_a_500_with_teardown_and_no_context_left() -> None:
    from erlen.globals import _cv_app, _cv_request

    seen: list[t.Any] = []
    app = warmed()

    @app.route("/object")
    async def not_json() -> dict[str, t.Any]:
        g.mark = "left by /object"
        return {"a": object()}

    @app.route("/surrogate")
    async def not_utf8() -> str:
        return "\ud800"

    @app.errorhandler(500)
    def failed(error: Exception) -> tuple[str, int]:
        return "handled", 500

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        seen.append(type(error).__name__ if error else None)

    for path in ("/object", "/surrogate"):
        caller = contextvars.Context()
        assert answer(app, path, context=caller) == (500, b"handled")
        assert _cv_request not in caller and _cv_app not in caller
        client_answer = app.test_client().get(path)
        assert (client_answer.status_code, client_answer.data) == (500, b"handled")
    # (The /warm requests end without an error.)
    errors = [error for error in seen if error is not None]
    assert errors == ["TypeError", "TypeError", "UnicodeEncodeError", "UnicodeEncodeError"]


def test_a_converter_that_fails_is_a_500_over_both_adapters() -> None:
    from werkzeug.routing import BaseConverter

    class Broken(BaseConverter):
        def to_python(self, value: str) -> t.Any:
            raise KeyError(value)

    app = warmed()
    app.url_map.converters["broken"] = Broken

    @app.route("/item/<broken:name>")
    async def item(name: str) -> str:
        return name

    status, _ = answer(app, "/item/x")
    assert status == 500
    assert app.test_client().get("/item/x").status_code == 500


def test_an_overridden_match_request_is_called_over_both_adapters() -> None:
    calls: list[str] = []

    class Routed(Erlen):
        def match_request(self, ctx: t.Any) -> t.Any:
            calls.append(ctx.request.path)
            return super().match_request(ctx)

    app = warmed(Routed)

    @app.route("/a")
    async def a() -> str:
        return "a"

    assert answer(app, "/a") == (200, b"a")
    assert calls == ["/warm", "/a"]
    calls.clear()
    assert app.test_client().get("/a").data == b"a"
    assert calls == ["/a"]


def test_headers_given_as_a_one_shot_iterable_all_reach_the_request() -> None:
    app = warmed()

    @app.route("/who")
    async def who() -> str:
        return f"{request.host} {request.headers.get('User-Agent')}"

    pairs = [(b"host", b"example.com"), (b"user-agent", b"ua/1")]
    assert answer(app, "/who", headers=iter(pairs)) == (200, b"example.com ua/1")


def test_threads_reading_the_environ_of_one_request_share_one_dict() -> None:
    app = warmed()
    found: list[set[int]] = []

    @app.route("/threads")
    async def threads() -> str:
        current = request._get_current_object()  # type: ignore[attr-defined]
        barrier = threading.Barrier(4)

        def read() -> int:
            barrier.wait()
            return id(current.environ)

        found.append(set(await asyncio.gather(*(asyncio.to_thread(read) for _ in range(4)))))
        return "ok"

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as they can
    try:
        for _ in range(50):
            assert answer(app, "/threads") == (200, b"ok")
    finally:
        sys.setswitchinterval(interval)
    assert all(len(ids) == 1 for ids in found)


@pytest.mark.parametrize("more", [[], [(b"cookie", b"a=1"), (b"cookie", b"b=2")]])
def test_a_body_header_in_any_case_is_read_as_the_environ_reads_it(more: t.Any) -> None:
    app = Erlen(__name__)

    @app.post("/echo")
    async def echo() -> dict[str, t.Any]:
        return {"length": request.content_length, "data": request.get_data(as_text=True)}

    sent: list[Message] = []
    given = [{"type": "http.request", "body": b"abc", "more_body": False}]
    echo_scope = scope("/echo")
    echo_scope["method"] = "POST"
    echo_scope["headers"] = [(b"host", b"h"), (b"Content-Length", b"3"), *more]

    async def receive() -> Message:
        if given:
            return given.pop()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(echo_scope, receive, send))  # type: ignore[arg-type]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    assert (sent[0]["status"], json.loads(body)) == (200, {"length": 3, "data": "abc"})


def test_a_subclass_wsgi_app_and_one_assigned_after_serving_are_both_run() -> None:
    """Over ASGI, a ``wsgi_app`` other than erlen's own (a subclass's, or WSGI middleware
    assigned after requests were served) is the WSGI callable that runs."""
    calls: list[str] = []

    class Wrapped(Erlen):
        def wsgi_app(self, environ: t.Any, start_response: t.Any) -> t.Any:
            calls.append("subclass")
            return super().wsgi_app(environ, start_response)

    for app in (warmed(Wrapped), warmed()):

        @app.route("/a")
        async def a() -> str:
            return "a"

        if type(app) is Erlen:
            assert answer(app, "/a") == (200, b"a")  # served, the plan decided
            inner = app.wsgi_app

            def middleware(environ: t.Any, start_response: t.Any, inner: t.Any = inner) -> t.Any:
                calls.append("assigned")
                return inner(environ, start_response)

            app.wsgi_app = middleware  # type: ignore[method-assign]
        assert answer(app, "/a") == (200, b"a")
    assert calls.count("subclass") == 2  # /warm and /a
    assert calls.count("assigned") == 2
