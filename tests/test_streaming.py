"""``stream_with_context``: the request stays usable while the body streams, and is
torn down once, after the stream.

The server iterates a streamed body after the view has returned and the request
cycle has ended. ``teardown_request`` and ``teardown_appcontext`` functions must
still run exactly once per request, after the generator has finished (or was
closed, or raised), with the error if there was one. Each test calls the WSGI app
the way a server does (iterate, then ``close()``) through both of erlen's adapters:
the cycle inlined in ``Erlen.wsgi_app`` and the general ``erlen.wsgi.handle``.
"""

from __future__ import annotations

import gc
import typing as t
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pytest
from werkzeug.test import EnvironBuilder

from erlen import Erlen, Response, g, request, stream_with_context
from erlen import wsgi as erlen_wsgi

TEARDOWN = ["teardown_request", "teardown_appcontext"]


@dataclass
class Served:
    """What a server saw of one response: status, and the body iterable it still holds."""

    status: int
    body: Iterable[bytes]

    def close(self) -> None:
        close = getattr(self.body, "close", None)
        if close is not None:
            close()


@dataclass
class Adapter:
    """Sends requests through one of the two WSGI adapters, and checks it was that one."""

    name: str
    general_calls: list[Erlen] = field(default_factory=list)

    def start(self, app: Erlen, path: str, method: str = "GET") -> Served:
        """Call the app; the body is left for the test to iterate and close."""
        app._inline_cycle = False if self.name == "general" else None
        self.general_calls.clear()
        seen: dict[str, str] = {}

        def start_response(status: str, headers: t.Any, exc_info: t.Any = None) -> t.Any:
            seen["status"] = status
            return lambda data: None

        body = app(EnvironBuilder(path, method=method).get_environ(), start_response)
        assert self.general_calls == ([app] if self.name == "general" else [])
        return Served(int(seen["status"].split()[0]), body)

    def get(self, app: Erlen, path: str, method: str = "GET") -> tuple[int, bytes]:
        """Call the app, read the whole body and close it, as a server does."""
        served = self.start(app, path, method)
        try:
            return served.status, b"".join(served.body)
        finally:
            served.close()


@pytest.fixture(params=["inlined", "general"])
def adapter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Adapter:
    chosen = Adapter(request.param)
    real_handle = erlen_wsgi.handle

    def recording_handle(app: Erlen, environ: t.Any, start_response: t.Any) -> t.Any:
        chosen.general_calls.append(app)
        return real_handle(app, environ, start_response)

    monkeypatch.setattr(erlen_wsgi, "handle", recording_handle)
    return chosen


def make_app() -> tuple[Erlen, list[str]]:
    """An app with streaming views; the list records what ran, in order."""
    app = Erlen(__name__)
    events: list[str] = []
    errors: list[BaseException | None] = []
    app.extensions["errors"] = errors

    @app.before_request
    def set_user() -> None:
        g.user = "ada"

    @app.teardown_request
    def teardown_request(exc: BaseException | None) -> None:
        events.append("teardown_request")
        errors.append(exc)

    @app.teardown_appcontext
    def teardown_appcontext(exc: BaseException | None) -> None:
        events.append("teardown_appcontext")
        errors.append(exc)

    def letters() -> Iterator[str]:
        events.append("generator start")
        try:
            yield f"who={request.args.get('who', '?')};"
            events.append("generator middle")
            yield f"user={g.user};"
            yield f"path={request.path};"
        finally:
            events.append("generator finally")

    @app.get("/stream")
    def stream() -> Response:
        return Response(stream_with_context(letters()))

    @app.get("/decorated")
    def decorated() -> Response:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield from letters()

        return Response(generate())

    @app.get("/bare")
    def bare() -> Iterator[str]:
        return stream_with_context(letters())

    @app.get("/raises")
    def raises() -> Response:
        def generate() -> Iterator[str]:
            events.append("generator start")
            yield "one;"
            raise ValueError("mid-stream")

        return Response(stream_with_context(generate()))

    @app.get("/consume")
    def consume() -> str:
        text = "".join(stream_with_context(letters()))
        events.append("view done")
        return f"consumed {text}"

    @app.get("/twice-wrapped")
    def twice_wrapped() -> Response:
        return Response(stream_with_context(stream_with_context(letters())))

    return app, events


# --- a stream read to the end ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/stream", "/decorated", "/bare", "/twice-wrapped"])
def test_teardown_runs_once_after_the_stream(adapter: Adapter, path: str) -> None:
    app, events = make_app()
    served = adapter.start(app, f"{path}?who=bob")
    assert served.status == 200
    assert events == [], "nothing may be torn down before the server reads the body"

    body = b"".join(served.body)
    assert body == b"who=bob;user=ada;path=%s;" % path.encode()
    served.close()
    assert events == ["generator start", "generator middle", "generator finally", *TEARDOWN]
    assert app.extensions["errors"] == [None, None]

    gc.collect()
    assert events.count("teardown_request") == 1
    assert events.count("teardown_appcontext") == 1


def test_teardown_runs_once_per_request_over_many_requests(adapter: Adapter) -> None:
    app, events = make_app()
    for _ in range(3):
        assert adapter.get(app, "/stream")[0] == 200
    gc.collect()
    assert events.count("teardown_request") == 3
    assert events.count("teardown_appcontext") == 3


def test_head_request_to_a_streaming_view_tears_down_once(adapter: Adapter) -> None:
    app, events = make_app()
    served = adapter.start(app, "/stream", method="HEAD")
    assert served.status == 200
    assert b"".join(served.body) == b""
    served.close()
    gc.collect()
    assert events == TEARDOWN


# --- a stream the client left --------------------------------------------------------------


def test_stream_closed_early_closes_the_generator_and_tears_down_once(adapter: Adapter) -> None:
    app, events = make_app()
    served = adapter.start(app, "/stream?who=eve")
    chunks = iter(served.body)
    assert next(chunks) == b"who=eve;"
    assert events == ["generator start"]

    served.close()
    assert events == ["generator start", "generator finally", *TEARDOWN]
    gc.collect()
    assert events.count("teardown_request") == 1
    assert events.count("teardown_appcontext") == 1


def test_stream_closed_before_the_first_chunk_tears_down_once(adapter: Adapter) -> None:
    app, events = make_app()
    served = adapter.start(app, "/stream")
    served.close()
    gc.collect()
    assert events == TEARDOWN


# --- a stream that fails ---------------------------------------------------------------------


def test_generator_raising_mid_stream_passes_the_error_to_teardown_once(adapter: Adapter) -> None:
    app, events = make_app()
    served = adapter.start(app, "/raises")
    assert served.status == 200
    received: list[bytes] = []
    with pytest.raises(ValueError, match="mid-stream"):
        for chunk in served.body:
            received.append(chunk)
    served.close()
    gc.collect()

    assert received == [b"one;"]
    assert events == ["generator start", *TEARDOWN]
    errors = app.extensions["errors"]
    assert [type(error) for error in errors] == [ValueError, ValueError]
    assert str(errors[0]) == "mid-stream"


# --- a stream that is not the response -------------------------------------------------------


def test_view_consuming_its_own_stream_tears_down_once_after_the_view(adapter: Adapter) -> None:
    app, events = make_app()
    status, body = adapter.get(app, "/consume?who=zoe")
    assert (status, body) == (200, b"consumed who=zoe;user=ada;path=/consume;")
    gc.collect()
    assert events == [
        "generator start",
        "generator middle",
        "generator finally",
        "view done",
        *TEARDOWN,
    ]


def test_view_raising_after_creating_a_stream_tears_down_within_the_request(
    adapter: Adapter,
) -> None:
    """The stream never reaches the server; teardown must not wait for it, and must
    be told the view's error."""
    app, events = make_app()

    @app.get("/created-then-raises")
    def created_then_raises() -> str:
        kept = stream_with_context(iter(["never sent"]))
        raise LookupError(f"gave up on {kept!r}")

    served = adapter.start(app, "/created-then-raises")
    assert served.status == 500
    assert events == TEARDOWN, "teardown must run before the response is handed over"
    assert [type(error) for error in app.extensions["errors"]] == [LookupError, LookupError]
    served.close()
    gc.collect()
    assert events == TEARDOWN


def test_stream_replaced_by_an_after_request_hook_tears_down_within_the_request(
    adapter: Adapter,
) -> None:
    app, events = make_app()

    @app.after_request
    def replace(response: Response) -> Response:
        if request.args.get("replace"):
            return Response("replaced")
        return response

    served = adapter.start(app, "/stream?replace=1")
    assert events == TEARDOWN, "teardown must run before the response is handed over"
    assert b"".join(served.body) == b"replaced"
    served.close()
    gc.collect()
    assert events == TEARDOWN


@pytest.mark.parametrize("wrap", ["map", "chain"])
def test_stream_wrapped_in_another_iterator_tears_down_once(adapter: Adapter, wrap: str) -> None:
    """The body is not the stream itself, so nothing holds teardown: it runs with the
    request, and the stream, iterated later, must not run it a second time."""
    import itertools

    app, events = make_app()
    letters = app.view_functions["stream"]  # reuse the generator through a new view

    @app.get("/wrapped")
    def wrapped() -> Response:
        inner = letters().response  # the stream_with_context iterator of /stream
        body = map(str.upper, inner) if wrap == "map" else itertools.chain(["<"], inner)
        return Response(body)

    served = adapter.start(app, "/wrapped?who=kim")
    body = b"".join(served.body)
    served.close()
    gc.collect()
    assert b"kim" in body.lower()
    assert events.count("teardown_request") == 1
    assert events.count("teardown_appcontext") == 1


# --- a stream dropped half-sent ----------------------------------------------------------


def test_stream_dropped_half_sent_is_closed_at_once(adapter: Adapter) -> None:
    """A body dropped without ``close()`` after its first chunk (a test that reads only
    the headers) ends when its last reference goes, as in Flask: its contexts are
    popped then, not by a garbage collection during some later request."""
    from erlen import has_request_context

    app, events = make_app()

    @app.get("/later")
    def later() -> str:
        gc.collect()  # a collection that happens to run while this request is active
        return "later " + request.path

    enabled = gc.isenabled()
    gc.disable()
    try:
        served = adapter.start(app, "/stream?who=zoe")
        chunks = iter(served.body)
        assert next(chunks) == b"who=zoe;"
        assert has_request_context()  # the stream pushed the request's contexts again
        del served, chunks
        assert not has_request_context()
        assert events == ["generator start", "generator finally", *TEARDOWN]
        assert adapter.get(app, "/later") == (200, b"later /later")
    finally:
        if enabled:
            gc.enable()
