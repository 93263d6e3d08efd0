"""The ASGI adapter itself: lifespan, where views run, concurrency, request bodies
received as they arrive and cut off at the limits, clients that go away, streamed
bodies, and the checks that must hold under ASGI as under WSGI.

Every test drives ``await app(scope, receive, send)`` directly, as a server would,
with a ``receive`` that blocks once it has nothing more to give (a server's waits
for the client) unless the test makes the client go away.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import random
import threading
import time
import typing as t
from collections.abc import Callable

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.test import EnvironBuilder

from erlen import (
    Erlen,
    Response,
    current_app,
    g,
    request,
    session,
    stream_with_context,
)
from wsgi_call import call_wsgi

Message = dict[str, t.Any]


# -- a server, in a few lines ----------------------------------------------------------------


def http_scope(
    path: str = "/",
    method: str = "GET",
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> dict[str, t.Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "server": ("testserver", 80),
        "client": ("192.0.2.1", 40000),
    }


@dataclasses.dataclass
class Exchange:
    """What went to and from the app in one ASGI call."""

    sent: list[Message] = dataclasses.field(default_factory=list)
    #: How many messages ``receive`` handed the app (the disconnect included).
    received: int = 0

    @property
    def status(self) -> int:
        assert self.sent[0]["type"] == "http.response.start", self.sent
        return int(self.sent[0]["status"])

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.sent[0]["headers"])

    def header(self, name: bytes) -> bytes | None:
        return next((v for k, v in self.headers if k == name), None)

    @property
    def bodies(self) -> list[Message]:
        return [m for m in self.sent if m["type"] == "http.response.body"]

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.bodies)

    @property
    def complete(self) -> bool:
        bodies = self.bodies
        return bool(bodies) and not bodies[-1].get("more_body", False)


def body_messages(chunks: list[bytes]) -> list[Message]:
    if not chunks:
        return [{"type": "http.request", "body": b"", "more_body": False}]
    return [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]


async def call(
    app: t.Any,
    scope: dict[str, t.Any],
    messages: list[Message] | None = None,
    *,
    then: Callable[[Exchange], t.Awaitable[Message]] | None = None,
) -> Exchange:
    """One ASGI call: ``receive`` gives ``messages`` (one empty request message by
    default), then what ``then`` gives, or blocks forever as a server's does while
    the client is connected and silent; after an ``http.disconnect``, only that."""
    exchange = Exchange()
    pending = list(body_messages([]) if messages is None else messages)
    gone: list[Message] = []

    async def receive() -> Message:
        exchange.received += 1
        if gone:  # a client that went away stays away
            return gone[0]
        if pending:
            message = pending.pop(0)
            if message["type"] == "http.disconnect":
                gone.append(message)
            return message
        if then is not None:
            return await then(exchange)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        exchange.sent.append(message)

    await app(scope, receive, send)
    return exchange


T = t.TypeVar("T")


def run(coro: t.Coroutine[t.Any, t.Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config["SECRET_KEY"] = "asgi tests"
    return app


# -- lifespan --------------------------------------------------------------------------------


class Lifespan:
    """A server's side of the lifespan protocol, a step at a time."""

    def __init__(self, app: Erlen) -> None:
        self.app = app
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def send_event(self, kind: str) -> Message:
        if self.task is None:
            self.task = asyncio.ensure_future(
                self.app(
                    {"type": "lifespan", "asgi": {"version": "3.0"}},
                    self.inbox.get,
                    self.outbox.put,
                )
            )
        await self.inbox.put({"type": kind})
        return await asyncio.wait_for(self.outbox.get(), 5)


def test_lifespan_runs_serving_functions_in_an_app_context(app: Erlen) -> None:
    seen: list[tuple[t.Any, ...]] = []

    @app.before_serving
    def sync_start() -> None:
        seen.append(("sync start", current_app.name, threading.get_ident()))

    @app.before_serving
    async def async_start() -> None:
        seen.append(("async start", current_app.name, asyncio.get_running_loop()))

    @app.after_serving
    async def async_stop() -> None:
        seen.append(("async stop", current_app.name, asyncio.get_running_loop()))

    @app.after_serving
    def sync_stop() -> None:
        seen.append(("sync stop", current_app.name, threading.get_ident()))

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        me = threading.get_ident()
        lifespan = Lifespan(app)
        assert await lifespan.send_event("lifespan.startup") == {
            "type": "lifespan.startup.complete"
        }
        assert seen == [
            ("sync start", app.name, seen[0][2]),
            ("async start", app.name, loop),
        ]
        assert seen[0][2] != me  # a sync function runs off the loop
        # Not run again by the first request.
        app.add_url_rule("/", "index", lambda: "hi")
        assert (await call(app, http_scope())).body == b"hi"
        assert len(seen) == 2
        assert await lifespan.send_event("lifespan.shutdown") == {
            "type": "lifespan.shutdown.complete"
        }
        assert lifespan.task is not None
        await asyncio.wait_for(lifespan.task, 5)
        assert [entry[:2] for entry in seen[2:]] == [
            ("async stop", app.name),
            ("sync stop", app.name),
        ]
        assert seen[2][2] is loop

    run(serve())


@pytest.mark.parametrize("flavor", ["sync", "async"])
def test_failing_before_serving_fails_startup_with_its_message(app: Erlen, flavor: str) -> None:
    if flavor == "sync":

        @app.before_serving
        def connect() -> None:
            raise RuntimeError("database unreachable at db:5432")

    else:

        @app.before_serving
        async def connect() -> None:
            await asyncio.sleep(0)
            raise RuntimeError("database unreachable at db:5432")

    async def serve() -> Message:
        lifespan = Lifespan(app)
        reply = await lifespan.send_event("lifespan.startup")
        assert lifespan.task is not None
        await asyncio.wait_for(lifespan.task, 5)  # the app ends lifespan, raising nothing
        return reply

    reply = run(serve())
    assert reply["type"] == "lifespan.startup.failed"
    assert "database unreachable at db:5432" in reply["message"]


def test_failing_after_serving_fails_shutdown(app: Erlen) -> None:
    @app.after_serving
    def close() -> None:
        raise OSError("could not flush the cache")

    async def serve() -> Message:
        lifespan = Lifespan(app)
        assert (await lifespan.send_event("lifespan.startup"))["type"] == (
            "lifespan.startup.complete"
        )
        return await lifespan.send_event("lifespan.shutdown")

    reply = run(serve())
    assert reply["type"] == "lifespan.shutdown.failed"
    assert "could not flush the cache" in reply["message"]


def test_before_serving_under_wsgi_runs_once_before_the_first_request(app: Erlen) -> None:
    events: list[str] = []

    @app.before_serving
    def start() -> None:
        events.append(f"serving {current_app.name}")

    @app.before_serving
    async def start_async() -> None:
        await asyncio.sleep(0)
        events.append("serving async")

    @app.route("/")
    def index() -> str:
        events.append("view")
        return "ok"

    assert events == []
    for _ in range(3):
        assert call_wsgi(app, EnvironBuilder().get_environ())[2] == b"ok"
    assert events == [f"serving {app.name}", "serving async", "view", "view", "view"]


def test_before_serving_without_lifespan_runs_before_the_first_asgi_request(app: Erlen) -> None:
    """A server run without lifespan: the functions run before the first request."""
    events: list[str] = []

    @app.before_serving
    async def start() -> None:
        events.append("serving")

    @app.route("/")
    async def index() -> str:
        events.append("view")
        return "ok"

    async def serve() -> None:
        for _ in range(2):
            assert (await call(app, http_scope())).body == b"ok"

    run(serve())
    assert events == ["serving", "view", "view"]


# -- where views run -----------------------------------------------------------------------


def test_async_view_runs_on_the_servers_loop_in_its_thread(app: Erlen) -> None:
    seen: dict[str, t.Any] = {}

    @app.route("/")
    async def index() -> str:
        seen["thread"] = threading.get_ident()
        seen["loop"] = asyncio.get_running_loop()
        seen["arg"] = request.args["a"]
        return "ok"

    async def serve() -> None:
        for _ in range(2):  # the first request, and one after it
            seen.clear()
            exchange = await call(app, http_scope(query=b"a=1"))
            assert exchange.body == b"ok"
            assert seen["thread"] == threading.get_ident()
            assert seen["loop"] is asyncio.get_running_loop()
            assert seen["arg"] == "1"

    run(serve())


def test_sync_view_runs_in_a_worker_thread_with_its_contexts(app: Erlen) -> None:
    seen: dict[str, t.Any] = {}

    @app.before_request
    def hook() -> None:
        g.from_hook = request.args["a"]

    @app.route("/")
    def index() -> str:
        seen["thread"] = threading.get_ident()
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            seen["loop"] = None
        else:
            seen["loop"] = "running"
        seen["app"] = current_app.name
        seen["g"] = g.from_hook
        session["visits"] = session.get("visits", 0) + 1
        return f"{request.args['a']} {session['visits']}"

    async def serve() -> None:
        exchange = await call(app, http_scope(query=b"a=x"))
        assert exchange.status == 200
        assert exchange.body == b"x 1"
        assert seen["thread"] != threading.get_ident()
        assert seen["loop"] is None  # not on the loop
        assert seen["app"] == app.name
        assert seen["g"] == "x"
        cookie = exchange.header(b"set-cookie")
        assert cookie is not None and cookie.startswith(b"session=")
        again = await call(
            app,
            http_scope(query=b"a=y", headers=[(b"cookie", cookie.split(b";")[0])]),
        )
        assert again.body == b"y 2"

    run(serve())


def test_async_hook_of_a_sync_view_runs_on_the_loop_after_the_body_arrived(app: Erlen) -> None:
    """An ``async def`` hook of a sync view goes back to the server's loop, the body
    received first (the loop cannot wait on itself)."""
    seen: dict[str, t.Any] = {}

    @app.before_request
    async def hook() -> None:
        seen["loop"] = asyncio.get_running_loop()
        seen["thread"] = threading.get_ident()
        seen["body"] = request.get_data()

    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        seen["view thread"] = threading.get_ident()
        return request.get_data(as_text=True)

    async def serve() -> Exchange:
        exchange = await call(
            app,
            http_scope("/upload", "POST", headers=[(b"transfer-encoding", b"chunked")]),
            body_messages([b"one,", b"two,", b"three"]),
        )
        assert seen["loop"] is asyncio.get_running_loop()
        assert seen["thread"] == threading.get_ident()
        assert seen["view thread"] != threading.get_ident()
        return exchange

    exchange = run(serve())
    assert (exchange.status, exchange.body) == (200, b"one,two,three")
    assert seen["body"] == b"one,two,three"


@pytest.mark.parametrize("hooks", ["no hooks", "sync hooks", "async hooks"])
def test_a_thousand_concurrent_async_requests_keep_their_own_context(
    app: Erlen, hooks: str
) -> None:
    """Without hooks the requests never leave the loop; a sync hook takes each to a
    worker thread and back, an async one to a thread and back to the loop."""
    rng = random.Random(1234)
    delays = [rng.random() * 0.02 for _ in range(1000)]
    mixups: list[str] = []
    in_flight = {"now": 0, "peak": 0}

    if hooks == "sync hooks":

        @app.before_request
        def before() -> None:
            g.hook = request.args["id"]

        @app.after_request
        def after(response: Response) -> Response:
            response.headers["X-Id"] = g.mine
            return response

    elif hooks == "async hooks":

        @app.before_request
        async def before_async() -> None:
            await asyncio.sleep(0)
            g.hook = request.args["id"]

    @app.route("/slow/<int:n>")
    async def slow(n: int) -> str:
        mine = request.args["id"]
        if hooks != "no hooks" and g.hook != mine:
            mixups.append(f"{n}: hook saw {g.hook}")
        g.mine = mine
        in_flight["now"] += 1
        in_flight["peak"] = max(in_flight["peak"], in_flight["now"])
        await asyncio.sleep(delays[n])
        in_flight["now"] -= 1
        if request.args["id"] != mine or g.mine != mine or request.view_args["n"] != n:
            mixups.append(f"{n}: {request.args['id']} {g.mine}")
        await asyncio.sleep(0)
        return f"{mine} {g.mine} {request.path}"

    async def serve() -> list[Exchange]:
        return await asyncio.gather(
            *(call(app, http_scope(f"/slow/{n}", query=b"id=r%d" % n)) for n in range(1000))
        )

    exchanges = run(serve())
    assert mixups == []
    # They were in the view side by side (without hooks, all 1,000 at once; an async
    # hook holds a worker thread while it runs, so fewer get through at a time).
    assert in_flight["peak"] >= 10
    for n, exchange in enumerate(exchanges):
        assert exchange.body == f"r{n} r{n} /slow/{n}".encode()
        if hooks == "sync hooks":
            assert exchange.header(b"x-id") == f"r{n}".encode()


def test_two_hundred_concurrent_sync_requests_keep_their_own_context(app: Erlen) -> None:
    rng = random.Random(99)
    delays = [rng.random() * 0.01 for _ in range(200)]
    mixups: list[str] = []
    threads: set[int] = set()
    lock = threading.Lock()

    @app.before_request
    def hook() -> None:
        g.mine = request.args["id"]

    @app.route("/slow/<int:n>")
    def slow(n: int) -> str:
        with lock:
            threads.add(threading.get_ident())
        mine = request.args["id"]
        time.sleep(delays[n])
        if request.args["id"] != mine or g.mine != mine or request.view_args["n"] != n:
            mixups.append(str(n))
        return f"{mine}:{g.mine}"

    async def serve() -> list[Exchange]:
        return await asyncio.gather(
            *(call(app, http_scope(f"/slow/{n}", query=b"id=s%d" % n)) for n in range(200))
        )

    exchanges = run(serve())
    assert mixups == []
    assert [e.body for e in exchanges] == [f"s{n}:s{n}".encode() for n in range(200)]
    assert len(threads) > 1  # they ran side by side on the pool


def test_a_blocking_sync_view_does_not_stall_the_loop(app: Erlen) -> None:
    sync_started = threading.Event()
    finished: list[str] = []

    @app.route("/blocking")
    def blocking() -> str:
        sync_started.set()
        time.sleep(0.5)
        return "slept"

    @app.route("/quick")
    async def quick() -> str:
        return "quick"

    async def serve() -> None:
        async def timed(path: str) -> bytes:
            exchange = await call(app, http_scope(path))
            finished.append(path)
            return exchange.body

        slow = asyncio.ensure_future(timed("/blocking"))
        while not sync_started.is_set():  # the sync view is asleep in its thread
            await asyncio.sleep(0.001)
        assert await timed("/quick") == b"quick"
        assert await slow == b"slept"

    run(serve())
    assert finished == ["/quick", "/blocking"]


def test_asgi_threads_bounds_the_sync_views_running_at_once(app: Erlen) -> None:
    app.asgi_threads = 3
    lock = threading.Lock()
    running = {"now": 0, "peak": 0}
    threads: set[int] = set()

    @app.route("/work")
    def work() -> str:
        with lock:
            running["now"] += 1
            running["peak"] = max(running["peak"], running["now"])
            threads.add(threading.get_ident())
        time.sleep(0.01)
        with lock:
            running["now"] -= 1
        return "done"

    async def serve() -> list[Exchange]:
        return await asyncio.gather(*(call(app, http_scope("/work")) for _ in range(12)))

    assert [e.body for e in run(serve())] == [b"done"] * 12
    assert running["peak"] == 3
    assert len(threads) == 3


# -- request bodies --------------------------------------------------------------------------


def test_sync_view_reads_the_body_as_it_arrives(app: Erlen) -> None:
    """Each chunk is given to the app only once the view has read the one before:
    the view reads the body while it is still arriving."""
    chunks = [b"first-", b"second-", b"third"]
    read: list[bytes] = []
    #: Set (from the view's thread) each time the view has read a chunk.
    progress: dict[str, t.Callable[[], None]] = {}

    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        stream = request.stream
        while True:
            data = stream.read(64)
            if not data:
                break
            read.append(data)
            progress["read"]()
        return "|".join(part.decode() for part in read)

    async def serve() -> tuple[Exchange, list[bool]]:
        loop = asyncio.get_running_loop()
        arrived = asyncio.Event()
        progress["read"] = lambda: loop.call_soon_threadsafe(arrived.set)
        waited: list[bool] = []
        pending = body_messages(chunks)
        exchange = Exchange()

        async def receive() -> Message:
            exchange.received += 1
            if pending:
                if len(pending) < len(chunks):
                    # The next chunk only once the view read the last one.
                    try:
                        await asyncio.wait_for(arrived.wait(), 5)
                        waited.append(True)
                    except asyncio.TimeoutError:
                        waited.append(False)
                    arrived.clear()
                return pending.pop(0)
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            exchange.sent.append(message)

        size = sum(map(len, chunks))
        scope = http_scope("/upload", "POST", headers=[(b"content-length", str(size).encode())])
        await app(scope, receive, send)
        return exchange, waited

    exchange, waited = run(serve())
    assert waited == [True, True]
    assert read == chunks
    assert exchange.body == b"first-|second-|third"


def many_chunks(count: int, size: int = 100, prefix: bytes = b"") -> list[bytes]:
    chunks = [b"x" * size for _ in range(count)]
    chunks[0] = prefix + chunks[0][len(prefix) :]
    return chunks


@pytest.mark.parametrize("flavor", ["sync", "async"])
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_max_content_length_stops_reading_early(app: Erlen, flavor: str, declared: bool) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000
    ran: list[str] = []

    if flavor == "sync":

        @app.route("/upload", methods=["POST"])
        def upload() -> str:
            ran.append("view")
            return str(len(request.get_data()))

    else:

        @app.route("/upload", methods=["POST"])
        async def upload() -> str:
            ran.append("view")
            return str(len(request.get_data()))

    chunks = many_chunks(10_000)  # a 1 MB body, in 100-byte messages
    header = (
        (b"content-length", str(100 * 10_000).encode())
        if declared
        else (b"transfer-encoding", b"chunked")
    )
    exchange = run(
        call(app, http_scope("/upload", "POST", headers=[header]), body_messages(chunks))
    )
    assert exchange.status == 413
    assert b"Too Large" in exchange.body
    assert ran == ["view"]
    # Not drained: at most the limit's worth (10 messages) and a little more.
    assert exchange.received <= 15, exchange.received
    if declared:
        # The declared length is refused before any of the body is read.
        assert exchange.received <= 1, exchange.received


def test_small_body_under_the_limit_is_read_whole(app: Erlen) -> None:
    """The counter-check of the test above: under the limit, every message is read."""
    app.config["MAX_CONTENT_LENGTH"] = 1000

    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        return str(len(request.get_data()))

    chunks = many_chunks(10)
    scope = http_scope("/upload", "POST", headers=[(b"transfer-encoding", b"chunked")])
    exchange = run(call(app, scope, body_messages(chunks)))
    assert (exchange.status, exchange.body) == (200, b"1000")
    assert exchange.received == 10


def test_max_form_memory_size_for_a_chunked_urlencoded_form(app: Erlen) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 500

    @app.route("/form", methods=["POST"])
    def form() -> str:
        return str(len(request.form["field"]))

    chunks = many_chunks(10_000, prefix=b"field=")
    scope = http_scope(
        "/form",
        "POST",
        headers=[
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"transfer-encoding", b"chunked"),
        ],
    )
    exchange = run(call(app, scope, body_messages(chunks)))
    assert exchange.status == 413
    assert b"MAX_FORM_MEMORY_SIZE" in exchange.body
    assert exchange.received <= 10, exchange.received

    # A form under the limit is read.
    small = run(call(app, scope, body_messages([b"field=", b"abc", b"def"])))
    assert (small.status, small.body) == (200, b"6")


@pytest.mark.parametrize("flavor", ["sync", "async"])
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize("reads", ["data", "form"])
def test_client_gone_mid_body_ends_the_request_quietly(
    app: Erlen, flavor: str, declared: bool, reads: str, caplog: pytest.LogCaptureFixture
) -> None:
    teardown: list[t.Any] = []

    @app.teardown_request
    def down(error: BaseException | None) -> None:
        teardown.append(error)

    def read() -> str:
        if reads == "form":
            return str(dict(request.form))
        return str(len(request.get_data()))

    if flavor == "sync":
        app.add_url_rule("/upload", "upload", read, methods=["POST"])
    else:

        async def read_async() -> str:
            return read()

        app.add_url_rule("/upload", "upload", read_async, methods=["POST"])

    headers = [
        (b"content-length", b"100000") if declared else (b"transfer-encoding", b"chunked"),
        (b"content-type", b"multipart/form-data; boundary=--b"),
    ]
    part = b'----b\r\nContent-Disposition: form-data; name="field"\r\n\r\n'
    messages = [
        {"type": "http.request", "body": part + b"a" * 100, "more_body": True},
        {"type": "http.request", "body": b"b" * 100, "more_body": True},
        {"type": "http.disconnect"},
    ]
    with caplog.at_level(logging.ERROR):
        exchange = run(call(app, http_scope("/upload", "POST", headers=headers), messages))
    assert exchange.status == 400  # the client's failure, not the app's
    assert teardown == [None]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("flavor", ["sync", "async"])
def test_http2_body_without_a_length(app: Erlen, flavor: str) -> None:
    """HTTP/2 frames the body itself: a POST may come with no Content-Length (and no
    Transfer-Encoding); a GET without a length has no body and is not waited on."""
    app.config["MAX_CONTENT_LENGTH"] = 1000

    def echo() -> str:
        return f"{request.get_data(as_text=True)[:20]}|{len(request.get_data())}"

    if flavor == "sync":
        app.add_url_rule("/echo", "echo", echo, methods=["GET", "POST"])
    else:

        async def echo_async() -> str:
            return echo()

        app.add_url_rule("/echo", "echo", echo_async, methods=["GET", "POST"])

    def scope(method: str) -> dict[str, t.Any]:
        return {**http_scope("/echo", method), "http_version": "2"}

    posted = run(call(app, scope("POST"), body_messages([b"ab", b"cd"])))
    assert (posted.status, posted.body) == (200, b"abcd|4")
    got = run(call(app, scope("GET")))
    assert (got.status, got.body, got.received) == (200, b"|0", 0)
    too_big = run(call(app, scope("POST"), body_messages(many_chunks(100))))
    assert too_big.status == 413
    assert too_big.received <= 15


# -- streamed bodies -----------------------------------------------------------------------


def test_a_generator_body_goes_out_as_several_messages(app: Erlen) -> None:
    @app.route("/stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            yield from ["one ", "two ", "three"]

        return generate()

    exchange = run(call(app, http_scope("/stream")))
    bodies = exchange.bodies
    assert [m.get("body", b"") for m in bodies[:3]] == [b"one ", b"two ", b"three"]
    assert [m.get("more_body", False) for m in bodies[:3]] == [True, True, True]
    assert len(bodies) == 4 and not bodies[-1].get("more_body", False)
    assert bodies[-1].get("body", b"") == b""
    assert exchange.header(b"content-length") is None


def test_an_async_generator_body_goes_out_as_several_messages(app: Erlen) -> None:
    @app.route("/stream")
    async def stream() -> t.Any:
        async def generate() -> t.AsyncIterator[bytes]:
            for word in [b"alpha ", b"beta ", b"gamma"]:
                await asyncio.sleep(0)
                yield word

        return generate()

    exchange = run(call(app, http_scope("/stream")))
    bodies = exchange.bodies
    assert len(bodies) >= 4
    assert all(m.get("more_body", False) for m in bodies[:-1])
    assert not bodies[-1].get("more_body", False)
    assert exchange.body == b"alpha beta gamma"
    assert [m["body"] for m in bodies if m.get("body")] == [b"alpha ", b"beta ", b"gamma"]


def _disconnect_after(chunks: int) -> Callable[[Exchange], t.Awaitable[Message]]:
    """A ``then`` for :func:`call`: the client leaves once it got ``chunks`` chunks."""

    async def then(exchange: Exchange) -> Message:
        while sum(1 for m in exchange.bodies if m.get("body")) < chunks:
            await asyncio.sleep(0.001)
        return {"type": "http.disconnect"}

    return then


LIMIT = 300  # chunks a stream would produce if nothing stopped it


@pytest.mark.parametrize(
    "method, body", [("GET", []), ("POST", [b"ab", b"cd"])], ids=["no body", "body read"]
)
def test_client_gone_mid_stream_stops_a_sync_generator(
    app: Erlen, method: str, body: list[bytes]
) -> None:
    produced: list[int] = []
    events: list[str] = []

    @app.teardown_request
    def down(error: BaseException | None) -> None:
        events.append(f"teardown {request.path}")

    @app.route("/stream", methods=["GET", "POST"])
    def stream() -> t.Any:
        request.get_data()

        @stream_with_context
        def generate() -> t.Iterator[str]:
            try:
                for i in range(LIMIT):
                    produced.append(i)
                    time.sleep(0.001)
                    yield f"{request.path} {i};"
            finally:
                events.append("finally")

        return generate()

    headers = [(b"content-length", b"4")] if body else []
    exchange = run(
        call(
            app,
            http_scope("/stream", method, headers=headers),
            body_messages(body),
            then=_disconnect_after(3),
        )
    )
    assert 3 <= len(produced) < LIMIT
    assert events == ["finally", "teardown /stream"]
    assert not exchange.complete


@pytest.mark.parametrize(
    "method, body", [("GET", []), ("POST", [b"ab", b"cd"])], ids=["no body", "body read"]
)
def test_client_gone_mid_stream_stops_an_async_generator(
    app: Erlen, method: str, body: list[bytes]
) -> None:
    produced: list[int] = []
    events: list[str] = []

    @app.teardown_request
    def down(error: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/stream", methods=["GET", "POST"])
    async def stream() -> t.Any:
        request.get_data()

        async def generate() -> t.AsyncIterator[str]:
            try:
                for i in range(LIMIT):
                    produced.append(i)
                    await asyncio.sleep(0.001)
                    yield f"{i};"
            finally:
                events.append("finally")

        return generate()

    headers = [(b"content-length", b"4")] if body else []
    exchange = run(
        call(
            app,
            http_scope("/stream", method, headers=headers),
            body_messages(body),
            then=_disconnect_after(3),
        )
    )
    assert 3 <= len(produced) < LIMIT
    assert "finally" in events and "teardown" in events
    assert not exchange.complete


@pytest.mark.parametrize(
    "flavor",
    ["sync", "async"],
)
def test_client_gone_mid_stream_of_a_post_whose_body_the_view_ignored(
    app: Erlen, flavor: str
) -> None:
    """The view streams without reading the request's (small) body, then the client
    leaves. A server tells the app only through ``receive``, which it must call."""
    produced: list[int] = []
    events: list[str] = []

    def generate() -> t.Iterator[str]:
        try:
            for i in range(LIMIT):
                produced.append(i)
                time.sleep(0.001)
                yield f"{i};"
        finally:
            events.append("finally")

    if flavor == "sync":
        app.add_url_rule("/events", "events", generate, methods=["POST"])
    else:

        async def events_view() -> t.Any:
            return generate()

        app.add_url_rule("/events", "events", events_view, methods=["POST"])

    exchange = run(
        call(
            app,
            http_scope("/events", "POST", headers=[(b"content-length", b"2")]),
            body_messages([b"{}"]),
            then=_disconnect_after(3),
        )
    )
    assert events == ["finally"]
    assert len(produced) < LIMIT
    assert not exchange.complete


def test_a_send_that_fails_stops_the_stream(app: Erlen) -> None:
    """A server whose ``send`` raises ``OSError`` (the client is gone) stops the body."""
    events: list[str] = []

    @app.route("/stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            try:
                for i in range(LIMIT):
                    yield f"{i};"
            finally:
                events.append("finally")

        return generate()

    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        if len(sent) == 3:
            raise OSError("connection reset")
        sent.append(message)

    run(app(http_scope("/stream"), receive, send))
    assert events == ["finally"]
    assert len(sent) == 3




@pytest.mark.parametrize(
    ("flavor", "content"),
    [
        ("sync", "payload"),
        ("sync", ""),
        ("async", "payload"),
        ("async", ""),
    ],
)
def test_call_on_close_runs_after_teardown_and_the_body_is_sent(
    app: Erlen, flavor: str, content: str
) -> None:
    """As under WSGI, where the server closes the body once it has sent it, after
    the request's teardown: work put off with ``call_on_close`` does not hold up
    the response."""
    events: list[str] = []
    sent: list[Message] = []

    @app.teardown_request
    def down(error: BaseException | None) -> None:
        events.append("teardown")

    def view() -> Response:
        response = Response(content, status=200 if content else 204)
        response.call_on_close(lambda: events.append(f"closed after {len(sent)} messages"))
        return response

    if flavor == "sync":
        app.add_url_rule("/", "index", view)
    else:

        async def async_view() -> Response:
            return view()

        app.add_url_rule("/", "index", async_view)

    async def receive() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    run(app(http_scope(), receive, send))
    assert b"".join(m.get("body", b"") for m in sent[1:]) == content.encode()
    assert sent[-1]["type"] == "http.response.body"
    assert not sent[-1].get("more_body", False)
    assert events == ["teardown", f"closed after {len(sent)} messages"]


def test_a_cancelled_request_still_tears_down(app: Erlen) -> None:
    """A server may cancel the app's task when the client leaves: the view's
    ``finally`` and ``teardown_request`` run, and the cancellation goes on up."""
    events: list[str] = []
    entered = threading.Event()

    @app.teardown_request
    def down(error: BaseException | None) -> None:
        events.append(f"teardown {type(error).__name__}")

    @app.route("/wait")
    async def wait() -> str:
        entered.set()
        try:
            await asyncio.sleep(30)
        finally:
            events.append("view finally")
        return "never"

    async def serve() -> list[Message]:
        sent: list[Message] = []

        async def receive() -> Message:
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            sent.append(message)

        task = asyncio.ensure_future(app(http_scope("/wait"), receive, send))
        while not entered.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return sent

    assert run(serve()) == []
    assert events == ["view finally", "teardown CancelledError"]


# -- what must hold under ASGI as under WSGI ---------------------------------------------------


@pytest.mark.parametrize("flavor", ["sync", "async"])
@pytest.mark.parametrize("how", ["setitem", "raw list", "streamed", "after_request"])
def test_header_injection_is_refused(
    app: Erlen, flavor: str, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    evil = "fine\r\nX-Injected: yes"

    def build() -> Response:
        response = Response("body")
        if how == "setitem":
            response.headers["X-Echo"] = request.args["v"]
        elif how == "raw list":
            response.headers._list.append(("X-Echo", request.args["v"]))  # type: ignore[attr-defined]
        elif how == "streamed":
            response = Response(iter([b"a", b"b"]), mimetype="text/plain")
            response.headers._list.append(("X-Echo", request.args["v"]))  # type: ignore[attr-defined]
        return response

    if flavor == "sync":
        app.add_url_rule("/echo", "echo", build)
    else:

        async def build_async() -> Response:
            return build()

        app.add_url_rule("/echo", "echo", build_async)

    if how == "after_request":

        @app.after_request
        def hook(response: Response) -> Response:
            response.headers._list.append(("X-Hook", request.args["v"]))  # type: ignore[attr-defined]
            return response

    with caplog.at_level(logging.CRITICAL, logger=app.logger.name):
        exchange = run(call(app, http_scope("/echo", query=b"v=fine%0D%0AX-Injected:%20yes")))
    assert exchange.status == 500
    for name, value in exchange.headers:
        assert b"\r" not in value and b"\n" not in value
        assert name != b"x-injected"
        assert name not in (b"x-echo", b"x-hook")
    assert b"X-Injected" not in exchange.body
    assert evil.encode() not in exchange.body


def test_headers_with_underscores_are_dropped(app: Erlen) -> None:
    @app.route("/who")
    def who() -> dict[str, t.Any]:
        return {
            "remote": request.remote_addr,
            "forwarded": request.headers.get("X-Forwarded-For"),
            "keys": sorted(k for k in request.environ if k.startswith("HTTP_")),
        }

    @app.route("/who-async")
    async def who_async() -> dict[str, t.Any]:
        return who()

    plain = run(call(app, http_scope("/who", headers=[(b"x_forwarded_for", b"6.6.6.6")])))
    assert plain.status == 200
    seen = json.loads(plain.body)
    assert seen == {"remote": "192.0.2.1", "forwarded": None, "keys": ["HTTP_HOST"]}

    # Next to the real header, it does not join it.
    both = run(
        call(
            app,
            http_scope(
                "/who-async",
                headers=[(b"x-forwarded-for", b"203.0.113.5"), (b"x_forwarded_for", b"6.6.6.6")],
            ),
        )
    )
    assert json.loads(both.body)["forwarded"] == "203.0.113.5"

    # Behind ProxyFix (a WSGI middleware, run in a thread), it is not trusted either.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    proxied = run(call(app, http_scope("/who", headers=[(b"x_forwarded_for", b"6.6.6.6")])))
    assert json.loads(proxied.body)["remote"] == "192.0.2.1"
    real = run(call(app, http_scope("/who", headers=[(b"x-forwarded-for", b"203.0.113.5")])))
    assert json.loads(real.body)["remote"] == "203.0.113.5"


def test_repeated_headers_are_joined(app: Erlen) -> None:
    """HTTP/2 sends each cookie in its own header; they join with "; "."""

    @app.route("/cookies")
    def cookies() -> dict[str, t.Any]:
        return {"cookies": dict(request.cookies), "list": request.headers.get("X-List")}

    headers = [(b"cookie", b"a=1"), (b"cookie", b"b=2; c=3"), (b"x-list", b"p"), (b"x-list", b"q")]
    exchange = run(call(app, http_scope("/cookies", headers=headers)))
    assert json.loads(exchange.body) == {
        "cookies": {"a": "1", "b": "2", "c": "3"},
        "list": "p,q",  # other repeated headers join with ","
    }


def test_websocket_route_requested_as_plain_http_is_a_400(app: Erlen) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        raise AssertionError("not a WebSocket")

    status, _, body = call_wsgi(app, EnvironBuilder(path="/ws").get_environ())
    assert status.startswith("400")
    assert b"WebSocket" in body and b"expects a WebSocket handshake" in body

    exchange = run(call(app, http_scope("/ws")))
    assert exchange.status == 400
    assert exchange.body == body


def test_asgi_app_can_be_wrapped_by_asgi_middleware(app: Erlen) -> None:
    calls: list[str] = []

    def add_header(inner: t.Any) -> t.Any:
        async def middleware(scope: dict[str, t.Any], receive: t.Any, send: t.Any) -> None:
            calls.append(scope["type"])

            async def send_with_header(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message["headers"], (b"x-mw", b"on")]}
                await send(message)

            await inner(scope, receive, send_with_header)

        return middleware

    @app.route("/")
    def index() -> str:
        return "through"

    app.asgi_app = add_header(app.asgi_app)  # type: ignore[method-assign]
    exchange = run(call(app, http_scope()))
    assert exchange.body == b"through"
    assert exchange.header(b"x-mw") == b"on"
    assert calls == ["http"]
    # WSGI calls do not go through it.
    _, headers, body = call_wsgi(app, EnvironBuilder().get_environ())
    assert body == b"through"
    assert "x-mw" not in {name.lower() for name, _ in headers}


def test_an_unknown_scope_type_is_a_clear_error(app: Erlen) -> None:
    async def receive() -> Message:
        raise AssertionError("not called")

    async def send(message: Message) -> None:
        raise AssertionError("not called")

    with pytest.raises(ValueError, match="does not serve ASGI 'telepathy' connections"):
        run(app({"type": "telepathy"}, receive, send))


@pytest.mark.parametrize("chunked", [False, True])
def test_a_large_body_received_for_an_async_view_goes_to_a_temporary_file(
    app: Erlen, chunked: bool
) -> None:
    """With no MAX_CONTENT_LENGTH, an async view's body (received before it runs) is
    not held in memory past 1 MiB: it goes to a temporary file, and reads back whole."""
    from erlen._asgi_body import SPOOL_AT

    seen: dict[str, t.Any] = {}

    @app.post("/upload")
    async def upload() -> str:
        body = request.environ["wsgi.input"]
        seen["spooled"] = body._spool is not None
        seen["in_memory"] = len(body._buffer)
        data = request.get_data()
        seen["digest"] = hashlib.sha256(data).hexdigest()
        return str(len(data))

    payload = bytes(range(256)) * (3 * SPOOL_AT // 256)  # 3 MiB
    pieces = [payload[i : i + 65536] for i in range(0, len(payload), 65536)]
    headers = (
        [(b"transfer-encoding", b"chunked")]
        if chunked
        else [(b"content-length", str(len(payload)).encode())]
    )
    exchange = run(call(app, http_scope("/upload", "POST", headers=headers), body_messages(pieces)))
    assert exchange.status == 200
    assert exchange.body == str(len(payload)).encode()
    assert seen["spooled"] is True
    assert seen["in_memory"] == 0
    assert seen["digest"] == hashlib.sha256(payload).hexdigest()


def test_a_sync_view_reading_a_body_that_spills_reads_it_in_order(app: Erlen) -> None:
    """A sync view whose async hook made the adapter receive the body first (up to
    the limit) reads the spilled part and the rest, in order, exactly once."""
    from erlen._asgi_body import SPOOL_AT

    app.config["MAX_CONTENT_LENGTH"] = 2 * SPOOL_AT

    @app.before_request
    async def hook() -> None:
        return None

    @app.post("/upload")
    def upload() -> str:
        return hashlib.sha256(request.get_data()).hexdigest()

    payload = bytes(range(251)) * (SPOOL_AT * 3 // 2 // 251)
    pieces = [payload[i : i + 50000] for i in range(0, len(payload), 50000)]
    headers = [(b"content-length", str(len(payload)).encode())]
    exchange = run(call(app, http_scope("/upload", "POST", headers=headers), body_messages(pieces)))
    assert exchange.status == 200
    assert exchange.body.decode() == hashlib.sha256(payload).hexdigest()


@pytest.mark.parametrize("replacement", ["sync", "async", "missing"])
def test_a_before_request_hook_that_reroutes_an_async_view_is_followed(
    app: Erlen, replacement: str
) -> None:
    """As under WSGI, the view dispatched is the one the routing names after the
    ``before_request`` hooks ran: a hook that points the request at another rule is
    followed, whether that view is sync or async, or routes to nothing (404)."""

    @app.get("/original")
    async def original() -> str:
        return "original"

    @app.get("/other-sync")
    def other_sync() -> str:
        return "sync " + str(threading.get_ident() != main)

    @app.get("/other-async")
    async def other_async() -> str:
        return "async"

    @app.before_request
    def reroute() -> None:
        if request.path == "/original":
            adapter = app.url_map.bind("testserver")
            if replacement == "missing":
                request.routing_exception = NotFound()
            else:
                rule, args = adapter.match(f"/other-{replacement}", return_rule=True)
                request.url_rule, request.view_args = rule, args

    main = threading.get_ident()
    exchange = run(call(app, http_scope("/original")))
    expected = {"sync": (200, b"sync True"), "async": (200, b"async"), "missing": (404, None)}
    status, body = expected[replacement]
    assert exchange.status == status
    if body is not None:
        assert exchange.body == body
    with app.test_client() as client:
        assert client.get("/original").status_code == status


# -- the first step of an async view, taken while the request is opened -----------------


def _quick_path_app(seen: list[t.Any]) -> Erlen:
    from erlen import Response, after_this_request, g, request

    app = Erlen(__name__)
    app.secret_key = "secret"

    @app.get("/text")
    async def text() -> str:
        return "text " + request.args.get("q", "")

    @app.get("/json/<int:n>")
    async def as_json(n: int) -> dict[str, int]:
        return {"n": n}

    @app.get("/suspends")
    async def suspends() -> str:
        await asyncio.sleep(0)
        g.after = "slept"
        return g.after

    @app.get("/raises")
    async def raises() -> str:
        raise NotFound()

    @app.get("/fails")
    async def fails() -> str:
        raise RuntimeError("view failed")

    @app.get("/none")
    async def returns_none() -> None:
        return None

    @app.get("/response")
    async def response() -> Response:
        return Response("made", status=201, headers={"X-Made": "yes"})

    @app.get("/after")
    async def after() -> str:
        @after_this_request
        def add(response: Response) -> Response:
            response.headers["X-After"] = "1"
            return response

        return "after"

    @app.get("/session")
    async def uses_session() -> str:
        from erlen import session

        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.errorhandler(RuntimeError)
    def failed(error: RuntimeError) -> tuple[str, int]:
        seen.append(("handler", str(error)))
        return "handled", 500

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        seen.append(("teardown", request.path, repr(error)))

    return app


@pytest.mark.parametrize(
    "path",
    ["/text?q=1", "/json/7", "/suspends", "/raises", "/fails", "/none", "/response", "/after",
     "/session", "/missing"],
)
@pytest.mark.parametrize("teardown", [True, False])
def test_an_async_view_awaited_in_the_task_answers_as_the_general_path(
    path: str, teardown: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With nothing to run before it, a view is awaited in the server task's context
    (and a text result sent at once); a before_request hook that does nothing sends
    the same request the general way, which must answer alike."""
    from itsdangerous import TimestampSigner

    # Both runs sign the session cookie at the same second.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_700_000_000)

    def exchange(app: Erlen) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        if not teardown:
            app.teardown_request_funcs.clear()
        name, _, query = path.partition("?")
        warm = run(call(app, http_scope("/text")))  # past the first request
        assert warm.status == 200
        result = run(call(app, http_scope(name, query=query.encode())))
        return result.status, result.headers, result.body

    seen_quick: list[t.Any] = []
    quick = exchange(_quick_path_app(seen_quick))

    seen_general: list[t.Any] = []
    general_app = _quick_path_app(seen_general)
    general_app.before_request(lambda: None)
    general = exchange(general_app)
    assert quick == general
    assert seen_quick == seen_general
