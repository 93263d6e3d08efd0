"""Property-based fuzzing of whole ASGI calls (HTTP and WebSocket), plus targeted
tests for the defects the fuzzing and a review of the ASGI adapter found.

The HTTP app is ``fuzz_app.create_app()`` (the app ``tests/test_fuzz.py`` fuzzes over
WSGI) with routes added here on its own instance: ``async def`` views that read JSON,
forms and raw bodies, an async streamed body, a sync view whose body is echoed from a
streamed generator (it races the adapter's disconnect watcher for the body), a
blueprint with an ``async def`` hook (its body is received from a worker thread before
the hook's hop to the loop), a sync view that calls a coroutine function reading the
body, and WebSocket handlers: an
echo, a JSON echo, handlers that raise before and after accepting, one that refuses
with a response, one that accepts with headers, and one that runs a script of
operations from its query string. ``fuzz_app.py`` itself is shared with
``test_fuzz.py`` and ``bench/fuzz.py`` and is not changed.

Requests are drawn with ``fuzz_app``'s environ strategies and turned into ASGI
scopes the way a server builds them, then made odder still: paths decoded leniently
or with surrogate escapes, a ``root_path`` that matches the path or not, duplicated,
underscored, huge, binary and many headers, no ``Host``, HTTP/1.0, 1.1 and 2, no
``server`` or ``client``. Bodies arrive split into random ``http.request`` messages,
with lying ``Content-Length`` headers or chunked without one; the client may go away
at any message, and ``send`` may raise ``OSError`` from a given message on.

Every call is checked (:func:`http_problems`, :func:`websocket_problems`): no
exception escapes ``await app(...)`` except the ``OSError`` our own ``send`` raised;
the call ends within :data:`CALL_TIMEOUT`; the messages sent form a valid ASGI
sequence (complete unless ``send`` failed or the client left); no response or
handshake header carries CR, LF or NUL, and names are lower-case tokens; no 5xx or
error close other than the deliberate ones; ``Content-Length`` matches the body and
HEAD, 204 and 304 have none; ``teardown_request`` runs exactly once; no request, app
or websocket context is left set in any context the adapter made (they are recorded
by wrapping ``contextvars.copy_context`` in ``erlen.asgi`` and ``erlen.websockets``);
and the adapter receives no more than ``MAX_CONTENT_LENGTH`` plus one message of a
body.

The ``@given`` tests are derandomized with no example database (the same cases on
every run) and sized to take about 15 s together with the fixed cases. Inputs that
hit a known defect are kept out of the generated cases, each where it is drawn:
a refusal's header is safe or has CR/LF (a refusal with another unsafe header is a
500, checked by its own test), and paths hold no lone surrogates but U+DC80..U+DCFF
(what servers send is decoded with "replace" or "surrogateescape"; other surrogates
have their own test). The fixed cases at the end keep each defect found as a
regression test.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import gc
import json
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException

import erlen
import erlen.asgi
import erlen.websockets
from erlen import (
    Blueprint,
    Erlen,
    Response,
    abort,
    g,
    request,
    session,
    stream_with_context,
    url_for,
    websocket,
)
from erlen import globals as erlen_globals
from fuzz_app import (
    BOOM_MESSAGE,
    ECHO_VALUES,
    HEADER_ECHO_ENDPOINTS,
    MAX_CONTENT_LENGTH,
    PROFILES,
    bad_hosts,
    cookie_headers,
    create_app,
    environs,
    json_bodies,
    multipart_bodies,
    paths,
    query_strings,
    urlencoded_bodies,
    weighted,
)

pytestmark = pytest.mark.fuzz

Message = dict[str, Any]

#: Seconds one ASGI call may take before it counts as hung.
CALL_TIMEOUT = 10.0
DISCONNECTS = ("http.disconnect", "websocket.disconnect")
_CONTEXT_VARS = (
    erlen_globals._cv_request,
    erlen_globals._cv_app,
    erlen_globals._cv_websocket,
)


# -- the app --------------------------------------------------------------------------

#: Endpoints that put a query argument into a response header unchecked (an app bug
#: on purpose, as fuzz_app.HEADER_ECHO_ENDPOINTS): their 500 for an unsendable value
#: is expected.
ECHO_ENDPOINTS = HEADER_ECHO_ENDPOINTS | {"async_echo"}


class Gate:
    """Where a slow view waits: the test learns it got there, then lets it go on."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.left = threading.Event()

    def reset(self) -> None:
        for event in (self.arrived, self.release, self.left):
            event.clear()

    def arrive(self) -> None:
        self.arrived.set()
        self.release.wait(CALL_TIMEOUT)
        self.left.set()


GATE = Gate()


class ErrorLog(logging.Handler):
    """Keeps the exceptions the app logs (WebSocket handler errors are only logged)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])


def add_asgi_routes(app: Erlen) -> Erlen:
    """Async views, a body-echoing stream, async hooks and WebSocket handlers, on an
    app from ``fuzz_app.create_app()``."""

    @app.post("/a/json")
    async def async_json() -> Any:
        data = request.get_json()
        return {"kind": type(data).__name__, "lang": g.lang}

    @app.route("/a/data", methods=["POST", "PUT", "PATCH"])
    async def async_data() -> Any:
        return {"length": len(request.get_data()), "declared": request.content_length}

    @app.route("/a/form", methods=["GET", "POST", "PUT"])
    async def async_form() -> Any:
        sizes = [len(f.read()) for f in request.files.values()]
        return {"fields": sorted(request.form), "files": sizes}

    @app.route("/a/page")
    async def async_page() -> Any:
        await asyncio.sleep(0)
        return {"args": len(request.args), "q": request.args.get("q", "")}

    @app.route("/a/text")
    async def async_text() -> Any:
        return f"hello {request.args.get('name', 'world')}"

    @app.route("/a/echo")
    async def async_echo() -> Any:
        return "echo", 200, {"X-Echo": request.args.get("v", "")}

    @app.route("/a/boom", methods=["GET", "POST"])
    async def async_boom() -> Any:
        await asyncio.sleep(0)
        raise RuntimeError(BOOM_MESSAGE)

    @app.route("/a/stream")
    async def async_stream() -> Any:
        raw = request.args.get("n", "3")
        count = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 2 else 3

        async def generate() -> AsyncIterator[str]:
            for i in range(count):
                await asyncio.sleep(0)
                yield f"{i}\n"

        return Response(generate(), mimetype="text/plain")

    @app.route("/echo-stream", methods=["POST", "PUT"])
    def echo_stream() -> Any:
        @stream_with_context
        def generate() -> Iterator[bytes]:
            # An error past the first chunk cannot become a response any more (under
            # WSGI as under ASGI it would reach the server): it ends the body here.
            yield b"<"
            while True:
                try:
                    chunk = request.stream.read(997)
                except HTTPException:
                    yield b"!"
                    return
                if not chunk:
                    break
                yield chunk
            yield b">"

        return Response(generate(), mimetype="application/octet-stream")

    hop = Blueprint("hop", __name__, url_prefix="/hop")

    @hop.before_request
    async def hop_hook() -> None:
        await asyncio.sleep(0)

    @hop.route("/data", methods=["POST", "PUT"])
    def hop_data() -> Any:
        return {"length": len(request.get_data())}

    @hop.route("/async-data", methods=["POST", "PUT"])
    async def hop_async_data() -> Any:
        return {"length": len(request.get_data())}

    app.register_blueprint(hop)

    async def read_body_on_the_loop() -> int:
        return len(request.get_data())

    @app.route("/indirect", methods=["GET", "POST", "PUT"])
    def indirect() -> Any:
        # A sync view calling a coroutine function that reads the body.
        return {"length": app.ensure_sync(read_body_on_the_loop)()}

    @app.route("/slow/view")
    def slow_view() -> Any:
        GATE.arrive()

        def generate() -> Iterator[str]:
            yield "slow"

        return Response(stream_with_context(generate()))

    @app.route("/slow/async")
    async def slow_async() -> Any:
        GATE.arrived.set()
        GATE.left.set()  # no worker thread to wait for
        await asyncio.sleep(CALL_TIMEOUT)
        return "late"

    @app.route("/slow/stream")
    def slow_stream() -> Any:
        def generate() -> Iterator[str]:
            yield "first"
            GATE.arrive()
            yield "second"

        return Response(stream_with_context(generate()))

    # -- WebSockets

    @app.before_websocket
    def gate() -> Any:
        if websocket.args.get("deny") == "1":
            abort(403)
        if websocket.args.get("refuse") == "1":
            return "refused by a hook", 401
        return None

    @app.after_websocket
    def after(response: Any) -> Any:
        g.after_websocket = True
        return None

    @app.websocket("/ws/echo")
    async def ws_echo() -> None:
        while True:
            await websocket.send(await websocket.receive())

    @app.websocket("/ws/json")
    async def ws_json() -> None:
        while True:
            await websocket.send_json(await websocket.receive_json())

    @app.websocket("/ws/raise")
    async def ws_raise() -> None:
        await websocket.receive()
        raise RuntimeError(BOOM_MESSAGE)

    @app.websocket("/ws/raise-early")
    async def ws_raise_early() -> None:
        raise RuntimeError(BOOM_MESSAGE)

    @app.websocket("/ws/refuse")
    async def ws_refuse() -> Any:
        return "no", 401, {"X-Echo": websocket.args.get("v", "")}

    @app.websocket("/ws/accept")
    async def ws_accept() -> None:
        offered = websocket.requested_subprotocols
        await websocket.accept(
            headers=[("X-Echo", websocket.args.get("v", ""))],
            subprotocol=offered[0] if offered else None,
        )
        await websocket.send(await websocket.receive())

    @app.websocket("/ws/proto")
    async def ws_proto() -> None:
        await websocket.accept(subprotocol=websocket.args.get("p"))

    @app.websocket("/ws/room/<int:n>")
    async def ws_room(n: int) -> None:
        visits = session.get("n", 0)
        await websocket.send_json({"room": n, "url": url_for("ws_room", n=n), "visits": visits})
        await websocket.receive()

    @app.websocket("/ws/script")
    async def ws_script() -> None:
        for op in websocket.args.get("ops", "").split(","):
            if op == "accept":
                await websocket.accept()
            elif op == "send":
                await websocket.send("scripted")
            elif op == "sendb":
                await websocket.send(b"\x00\xff")
            elif op == "receive":
                await websocket.receive()
            elif op == "close":
                await websocket.close(4000, "scripted")
            elif op == "abort":
                abort(409)
            elif op == "return":
                return None

    return app


@functools.cache
def app() -> Erlen:
    target = add_asgi_routes(create_app(TESTING=False, PROPAGATE_EXCEPTIONS=False))
    log = ErrorLog()
    target.logger.addHandler(log)
    target.extensions["fuzz_errors"] = log
    return target


# -- recording the contexts the adapter makes ------------------------------------------


class RecordingContextvars:
    """Stands for the ``contextvars`` module in erlen's ASGI modules: the same, but
    every context ``copy_context`` makes is kept, to check it is empty afterwards."""

    def __init__(self) -> None:
        self.made: list[contextvars.Context] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(contextvars, name)

    def copy_context(self) -> contextvars.Context:
        context = contextvars.copy_context()
        self.made.append(context)
        return context


RECORDER = RecordingContextvars()


@pytest.fixture(autouse=True, scope="module")
def _record_contexts() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(erlen.asgi, "contextvars", RECORDER)
        patch.setattr(erlen.websockets, "contextvars", RECORDER)
        yield


def leaked(contexts: list[contextvars.Context]) -> list[str]:
    return sorted(
        {var.name for context in contexts for var in _CONTEXT_VARS if context.get(var) is not None}
    )


# -- one ASGI call -----------------------------------------------------------------------


@dataclass
class Plan:
    """One generated exchange: the scope, what ``receive`` hands out in turn, and how
    the client behaves."""

    scope: dict[str, Any]
    messages: list[Message]
    #: After ``messages``: "block" (a connected, silent client) or "disconnect".
    then: str = "block"
    #: ``send`` raises OSError from this message on (None: never).
    fail_send_at: int | None = None
    #: ``send`` raises OSError once the app has received a disconnect (ASGI 2.4).
    fail_after_disconnect: bool = False

    @property
    def disconnects(self) -> bool:
        """Whether the client goes away (before or after its messages)."""
        return self.then == "disconnect" or any(m["type"] in DISCONNECTS for m in self.messages)

    def __repr__(self) -> str:
        scope = {k: v for k, v in self.scope.items() if k not in ("asgi",)}
        headers = scope.get("headers", [])
        if len(headers) > 12:
            scope["headers"] = [*headers[:12], f"... {len(headers)} headers"]
        shown = [
            {
                k: (v if not isinstance(v, bytes) or len(v) < 80 else v[:40] + b"...")
                for k, v in m.items()
            }
            for m in self.messages
        ]
        return (
            f"Plan(scope={_short(scope)}, messages={shown}, then={self.then!r},"
            f" fail_send_at={self.fail_send_at},"
            f" fail_after_disconnect={self.fail_after_disconnect})"
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 3000 else text[:3000] + "..."


@dataclass
class Outcome:
    plan: Plan
    #: The messages ``send`` took (not the ones it refused by raising).
    sent: list[Message] = field(default_factory=list)
    #: The messages ``receive`` handed the app.
    received: list[Message] = field(default_factory=list)
    send_error: OSError | None = None
    escaped: BaseException | None = None
    hung: bool = False
    leaked: list[str] = field(default_factory=list)
    #: teardown_request calls (None for an app not from fuzz_app.create_app).
    teardowns: int | None = None
    endpoint: str | None = None
    exceptions: list[BaseException] = field(default_factory=list)
    logged: list[BaseException] = field(default_factory=list)

    @property
    def disconnected(self) -> bool:
        return any(m["type"] in DISCONNECTS for m in self.received)

    @property
    def body_received(self) -> int:
        return sum(len(m.get("body") or b"") for m in self.received if m["type"] == "http.request")


def _client(plan: Plan, outcome: Outcome) -> tuple[Any, Any]:
    """The ``receive`` and ``send`` of the client ``plan`` describes."""
    pending = list(plan.messages)
    gone: list[Message] = []
    disconnect = (
        {"type": "websocket.disconnect", "code": 1001}
        if plan.scope["type"] == "websocket"
        else {"type": "http.disconnect"}
    )

    async def receive() -> Message:
        if gone:
            message = gone[0]
        elif pending:
            message = pending.pop(0)
            if message["type"] in DISCONNECTS:
                gone.append(message)
        elif plan.then == "disconnect":
            message = disconnect
            gone.append(message)
        else:
            await asyncio.Event().wait()
            raise AssertionError("unreachable")
        outcome.received.append(message)
        return message

    async def send(message: Message) -> None:
        failing = plan.fail_send_at is not None and len(outcome.sent) >= plan.fail_send_at
        if failing or (plan.fail_after_disconnect and gone):
            error = OSError("the client is gone (raised by the test's send)")
            if outcome.send_error is None:
                outcome.send_error = error
            raise error
        await asyncio.sleep(0)
        outcome.sent.append(message)

    return receive, send


async def _exchange(target: Any, plan: Plan, outcome: Outcome) -> None:
    receive, send = _client(plan, outcome)
    try:
        await asyncio.wait_for(target(plan.scope, receive, send), CALL_TIMEOUT)
    except asyncio.TimeoutError:
        outcome.hung = True
    except BaseException as e:
        outcome.escaped = e


def call(plan: Plan, target: Any = None, driver: Any = _exchange) -> Outcome:
    """Run one exchange (``driver``) on a fresh loop in a fresh context and collect
    what it did."""
    target = target if target is not None else app()
    extensions = getattr(target, "extensions", {})
    state = extensions.get("fuzz")
    log: ErrorLog | None = extensions.get("fuzz_errors")
    outcome = Outcome(plan)
    before = state.teardowns if state is not None else 0
    if state is not None:
        state.endpoint = None
        del state.exceptions[:]
    if log is not None:
        del log.errors[:]
    del RECORDER.made[:]
    caller = contextvars.Context()
    caller.run(asyncio.run, driver(target, plan, outcome))
    outcome.leaked = leaked([caller, *RECORDER.made])
    if state is not None:
        outcome.teardowns = state.teardowns - before
        outcome.endpoint = state.endpoint
        outcome.exceptions = list(state.exceptions)
    if log is not None:
        outcome.logged = list(log.errors)
    return outcome


# -- checking an outcome -----------------------------------------------------------------

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9a-z]+")
_UNSAFE = re.compile(rb"[\r\n\x00]")


def header_problems(headers: Any, what: str) -> list[str]:
    problems = []
    if not isinstance(headers, (list, tuple)):
        return [f"{what}: headers are a {type(headers).__name__}, not a list"]
    for item in headers:
        if not (isinstance(item, (list, tuple)) and len(item) == 2):
            problems.append(f"{what}: header {item!r} is not a pair")
            continue
        name, value = item
        if type(name) is not bytes or type(value) is not bytes:
            problems.append(f"{what}: header {item!r} is not a pair of bytes")
            continue
        if _TOKEN.fullmatch(name) is None:
            problems.append(f"{what}: header name {name!r} is not a lower-case token")
        if _UNSAFE.search(value):
            problems.append(f"{what}: header injection in {name!r}: {value[:200]!r}")
    return problems


def _is_boom(error: BaseException) -> bool:
    return type(error) is RuntimeError and str(error) == BOOM_MESSAGE


def _is_header_error(error: BaseException) -> bool:
    return type(error).__name__ == "UnsafeHeaderError" or (
        type(error) is ValueError and "newline" in str(error)
    )


def deliberate_500(outcome: Outcome) -> bool:
    """A 500 the app causes on purpose: a view that raises BOOM_MESSAGE, or a header
    echo given a value no header may carry."""
    errors = outcome.exceptions
    if not errors:
        return False
    if outcome.endpoint in ECHO_ENDPOINTS and all(_is_header_error(e) for e in errors):
        return True
    return all(_is_boom(e) for e in errors)


def common_problems(outcome: Outcome) -> list[str]:
    problems = []
    if outcome.hung:
        problems.append(f"the call did not end within {CALL_TIMEOUT} s")
    error = outcome.escaped
    if error is not None and error is not outcome.send_error:
        problems.append(f"exception escaped the app: {type(error).__name__}: {error}")
    if outcome.leaked:
        problems.append(f"context left set after the call: {outcome.leaked}")
    return problems


def http_problems(outcome: Outcome) -> list[str]:
    """What is wrong with an HTTP exchange; empty if nothing is."""
    problems = common_problems(outcome)
    plan = outcome.plan
    sent = outcome.sent
    cut = outcome.send_error is not None or outcome.disconnected or outcome.hung
    if outcome.teardowns is not None and outcome.teardowns != 1:
        problems.append(f"teardown_request ran {outcome.teardowns} times")

    if not sent:
        if not cut:
            problems.append("no response was sent")
        return problems
    start = sent[0]
    if start.get("type") != "http.response.start":
        return [*problems, f"first message is {start.get('type')!r}, not http.response.start"]
    status = start.get("status")
    if type(status) is not int or not 100 <= status <= 599:
        problems.append(f"status {status!r} is not an int HTTP status")
        status = 0
    problems += header_problems(start.get("headers"), "response")
    body = b""
    ended = False
    for message in sent[1:]:
        if ended:
            problems.append(f"message after the last body message: {message.get('type')!r}")
            break
        if message.get("type") != "http.response.body":
            problems.append(f"unexpected message {message.get('type')!r} in the response")
            continue
        chunk = message.get("body", b"")
        if type(chunk) is not bytes:
            problems.append(f"body is a {type(chunk).__name__}, not bytes")
            continue
        body += chunk
        more = message.get("more_body", False)
        if type(more) is not bool:
            problems.append(f"more_body is {more!r}")
        ended = not more
    if not ended and not cut:
        problems.append("the response never ended (no body message with more_body False)")

    if status >= 500 and not deliberate_500(outcome):
        detail = "; ".join(f"{type(e).__name__}: {e}" for e in outcome.exceptions) or "no exception"
        problems.append(f"{status} from {outcome.endpoint}: {detail[:500]}")
    headers = dict(start.get("headers") or [])
    method = plan.scope.get("method", "GET")
    no_body = method == "HEAD" or status in (204, 304) or 100 <= status < 200
    if ended and no_body and body:
        problems.append(f"a body for {method} / {status}: {body[:100]!r}")
    length = headers.get(b"content-length")
    if ended and length is not None and not no_body and length != str(len(body)).encode():
        problems.append(f"Content-Length {length!r} but a body of {len(body)} bytes")

    largest = max((len(m.get("body") or b"") for m in plan.messages), default=0)
    if outcome.body_received > MAX_CONTENT_LENGTH + largest + 1:
        problems.append(
            f"{outcome.body_received} body bytes received for a limit of {MAX_CONTENT_LENGTH}"
        )
    if outcome.endpoint == "echo_stream" and status == 200 and ended and body.endswith(b">"):
        expected = _echoed(plan)
        if expected is not None and body[1:-1] != expected:
            problems.append(
                f"/echo-stream sent back {len(body) - 2} bytes for {len(expected)} expected"
            )
    return problems


def _echoed(plan: Plan) -> bytes | None:
    """The body /echo-stream reads for ``plan`` when it reads it whole (None: cannot
    tell, for header lists a server would not send)."""
    if plan.disconnects:
        return None
    body = b"".join(m.get("body", b"") for m in plan.messages if m["type"] == "http.request")
    names = [name for name, _ in plan.scope["headers"]]
    if any(name != name.lower() for name in names) or names.count(b"content-length") > 1:
        return None
    headers = dict(plan.scope["headers"])
    length = headers.get(b"content-length")
    if length is not None:
        text = length.decode("latin-1").strip()
        return body[: int(text)] if text.isdigit() else None
    if b"transfer-encoding" in headers or plan.scope["http_version"] >= "2":
        return body
    return b""


def expected_websocket_error(error: BaseException, endpoint: str | None) -> bool:
    """Whether the app may log ``error`` for a WebSocket: a handler's own (an abort()
    after the accept included), an unexpected ASGI message (a second connect), a
    header value the refusing or accepting handler cannot send, or a message that is
    not JSON sent to the JSON echo."""
    if _is_boom(error) or _is_header_error(error) or isinstance(error, HTTPException):
        return True
    if type(error) is RuntimeError and str(error).startswith("Unexpected ASGI message"):
        return True
    return endpoint == "ws_json" and isinstance(error, (json.JSONDecodeError, UnicodeDecodeError))


def websocket_problems(outcome: Outcome) -> list[str]:
    """What is wrong with a WebSocket exchange; empty if nothing is."""
    problems = common_problems(outcome)
    plan = outcome.plan
    sent = outcome.sent
    connected = bool(plan.messages) and plan.messages[0]["type"] == "websocket.connect"
    cut = outcome.send_error is not None or outcome.hung
    expected_teardowns = 1 if connected else 0
    if outcome.teardowns is not None and outcome.teardowns != expected_teardowns:
        problems.append(f"teardown_request ran {outcome.teardowns} times")
    for error in outcome.logged:
        if not expected_websocket_error(error, outcome.endpoint):
            problems.append(f"logged {type(error).__name__}: {error}")
    if connected and not sent and not cut:
        problems.append("the handshake was neither accepted, refused nor closed")
    if not sent:
        return problems

    denial = "websocket.http.response" in (plan.scope.get("extensions") or {})
    first = sent[0]["type"]
    finished = False
    if first == "websocket.accept":
        accept = sent[0]
        problems += header_problems(accept.get("headers", []), "websocket.accept")
        subprotocol = accept.get("subprotocol")
        if subprotocol is not None and (
            type(subprotocol) is not str or _UNSAFE.search(subprotocol.encode("utf-8", "replace"))
        ):
            problems.append(f"unsafe subprotocol {subprotocol!r}")
        for message in sent[1:]:
            if finished:
                problems.append(f"{message['type']!r} sent after websocket.close")
                break
            kind = message["type"]
            if kind == "websocket.send":
                text, data = message.get("text"), message.get("bytes")
                if (text is None) == (data is None):
                    problems.append(f"websocket.send with text {text!r} and bytes {data!r}")
                elif text is not None and type(text) is not str:
                    problems.append(f"websocket.send text is a {type(text).__name__}")
                elif data is not None and type(data) is not bytes:
                    problems.append(f"websocket.send bytes is a {type(data).__name__}")
            elif kind == "websocket.close":
                finished = True
                code = message.get("code")
                if type(code) is not int or not 1000 <= code <= 4999:
                    problems.append(f"close code {code!r}")
                if code == 1011 and not outcome.logged:
                    problems.append("closed with 1011 without a logged error")
            else:
                problems.append(f"unexpected message {kind!r} after websocket.accept")
        if not finished and not cut and not outcome.disconnected:
            problems.append("an accepted socket was left without websocket.close")
    elif first == "websocket.close":
        if len(sent) > 1:
            problems.append(f"{sent[1]['type']!r} sent after websocket.close")
    elif first == "websocket.http.response.start":
        if not denial:
            problems.append("a denial response without the websocket.http.response extension")
        status = sent[0].get("status")
        if type(status) is not int or not 100 <= status <= 599:
            problems.append(f"denial status {status!r}")
        elif status >= 500 and not any(_is_boom(e) or _is_header_error(e) for e in outcome.logged):
            problems.append(f"denied with {status} without a deliberate error")
        problems += header_problems(sent[0].get("headers"), "denial")
        ended = False
        for message in sent[1:]:
            if ended or message["type"] != "websocket.http.response.body":
                problems.append(f"{message['type']!r} sent in or after the denial response")
                break
            ended = not message.get("more_body", False)
        if not ended and not cut:
            problems.append("the denial response never ended")
    else:
        problems.append(f"first message {first!r}")
    return problems


def check_http(plan: Plan, target: Any = None) -> Outcome:
    outcome = call(plan, target)
    problems = http_problems(outcome)
    if problems:
        raise AssertionError(f"{plan!r}\n-> {_summary(outcome)}\n" + "\n".join(problems))
    return outcome


def check_websocket(plan: Plan, target: Any = None) -> Outcome:
    outcome = call(plan, target)
    problems = websocket_problems(outcome)
    if problems:
        raise AssertionError(f"{plan!r}\n-> {_summary(outcome)}\n" + "\n".join(problems))
    return outcome


def _summary(outcome: Outcome) -> str:
    shown = [
        {k: (v[:60] if isinstance(v, (bytes, str)) else v) for k, v in m.items()}
        for m in outcome.sent[:8]
    ]
    return (
        f"sent {shown}{' ...' if len(outcome.sent) > 8 else ''}; endpoint {outcome.endpoint};"
        f" escaped {outcome.escaped!r}; logged {outcome.logged!r}"
    )


# -- strategies: HTTP scopes ---------------------------------------------------------------

ASGI_ROUTES = [
    "/a/json", "/a/data", "/a/form", "/a/page", "/a/text", "/a/echo", "/a/boom", "/a/stream",
    "/echo-stream", "/hop/data", "/indirect", "/ws/echo", "/ws/refuse",
]  # fmt: skip
BODY_PATHS = [
    "/a/json", "/a/data", "/a/form", "/echo-stream", "/hop/data", "/hop/async-data", "/indirect",
    "/json",
    "/json/silent", "/form", "/data", "/login", "/api/items", "/api/upload", "/whoami",
    "/a/boom", "/boom", "/stream", "/",
]  # fmt: skip
ROOT_PATHS = ["", "", "", "/app", "/app/", "/", "/é", "/a%20b", "/a b", "//evil.example"]
UNDERSCORED = [
    (b"content_length", b"0"), (b"content_type", b"text/plain"), (b"x_forwarded_for", b"6.6.6.6"),
    (b"transfer_encoding", b"chunked"), (b"x_token", b"forged"), (b"host_", b"evil.example"),
]  # fmt: skip
ODD_HEADERS = [
    (b"", b"empty name"), (b":authority", b"localhost"), (b"x\xffy", b"1"), (b"x y", b"1"),
    (b"X-Upper", b"1"), (b"x-bin", bytes(range(0x80, 0x100))), (b"x-utf8", "日本".encode()),
    (b"x-huge", b"h" * 70_000), (b"cookie", b"a=" + b"b" * 70_000), (b"host", b"evil.example"),
    (b"content-length", b"5"), (b"content-length", b"abc"), (b"transfer-encoding", b"chunked"),
    (b"transfer-encoding", b"gzip"), (b"expect", b"100-continue"), (b"x-tab", b"a\tb"),
    (b"x-del", b"\x7f"), (b"x-ctrl", b"\x01\x1b"), (b"cookie", b"session=x"),
    (b"accept", b"*/*"), (b"connection", b"upgrade"), (b"upgrade", b"websocket"),
]  # fmt: skip
HEADER_ACTIONS = ["duplicate", "underscored", "odd", "many", "no-host", "shuffle", "upper"]

_S_ROUTE_LIST = st.sampled_from(ASGI_ROUTES)
_S_ASGI_PATHS = st.one_of(paths(), paths(), _S_ROUTE_LIST)
_S_BODY_PATHS = st.sampled_from(BODY_PATHS)
_S_ANY_BODY = st.one_of(json_bodies(), urlencoded_bodies(), multipart_bodies())
_S_DECODE = st.sampled_from(["replace", "replace", "surrogateescape"])
_S_ROOT = st.sampled_from(ROOT_PATHS)
_S_ROOT_MODE = st.sampled_from(["prefix", "prefix", "prefix", "apart"])
_S_VERSION = st.sampled_from(["1.0", "1.1", "1.1", "1.1", "2", None])
_S_SCHEME = st.sampled_from(["http", "https", None])
_S_SERVER = st.sampled_from([None, ("localhost", 80), ("127.0.0.1", 8000), ("/tmp/s.sock", None)])
_S_CLIENT = st.sampled_from([None, ("192.0.2.1", 40000), ("::1", 1), ("unix", None)])
_S_HEADER_ACTIONS = st.lists(st.sampled_from(HEADER_ACTIONS), max_size=3)
_S_UNDERSCORED = st.sampled_from(UNDERSCORED)
_S_ODD = st.sampled_from(ODD_HEADERS)
_S_MANY = st.sampled_from([50, 300, 1000])
_S_INDEX = st.integers(0, 2**16)
_S_PERCENT = st.integers(0, 99)
_S_SPLITS = st.lists(st.integers(0, 2**20), max_size=7)
_S_EMPTY_MESSAGES = st.booleans()
_S_CUT = st.sampled_from(["none"] * 6 + ["disconnect-early", "disconnect-late", "stall-then-go"])
#: From which message on ``send`` raises (0: the response start).
_S_FAIL_SEND = st.sampled_from([None] * 10 + [0, 1, 1, 2, 3, 5])


def _header_list(environ: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].lower().replace("_", "-")
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.lower().replace("_", "-")
        else:
            continue
        headers.append((name.encode("latin-1"), value.encode("latin-1")))
    return headers


def _mutate_headers(
    draw: st.DrawFn, headers: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    for action in draw(_S_HEADER_ACTIONS):
        if action == "duplicate" and headers:
            headers.append(headers[draw(_S_INDEX) % len(headers)])
        elif action == "underscored":
            headers.append(draw(_S_UNDERSCORED))
        elif action == "odd":
            headers.append(draw(_S_ODD))
        elif action == "many":
            headers += [(b"x-many-%d" % i, b"v" * (i % 50)) for i in range(draw(_S_MANY))]
        elif action == "no-host":
            headers = [h for h in headers if h[0] != b"host"]
        elif action == "shuffle" and headers:
            at = draw(_S_INDEX) % len(headers)
            headers = headers[at:] + headers[:at]
        elif action == "upper" and headers:
            # A server that does not lower-case names (the spec says it must).
            at = draw(_S_INDEX) % len(headers)
            name, value = headers[at]
            headers[at] = (name.title(), value)
    return headers


def _split(draw: st.DrawFn, body: bytes) -> list[bytes]:
    cuts = sorted({at % (len(body) + 1) for at in draw(_S_SPLITS)}) if body else []
    pieces, last = [], 0
    for at in [*cuts, len(body)]:
        pieces.append(body[last:at])
        last = at
    if not draw(_S_EMPTY_MESSAGES):
        pieces = [p for p in pieces if p] or [b""]
    return pieces


def _body_messages(draw: st.DrawFn, body: bytes) -> tuple[list[Message], str]:
    """The ``http.request`` messages of ``body``, and what the client does after."""
    pieces = _split(draw, body)
    messages: list[Message] = [
        {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1}
        for i, piece in enumerate(pieces)
    ]
    cut = draw(_S_CUT)
    if cut == "disconnect-early":
        at = draw(_S_INDEX) % len(messages)
        return [*messages[:at], {"type": "http.disconnect"}], "disconnect"
    if cut == "disconnect-late":
        return [*messages, {"type": "http.disconnect"}], "disconnect"
    if cut == "stall-then-go":
        # The body never ends: the last message says more is coming, then the client
        # goes away.
        messages[-1]["more_body"] = True
        return messages, "disconnect"
    return messages, "block"


@st.composite
def http_plans(
    draw: st.DrawFn, environ_strategy: st.SearchStrategy[dict[str, Any]], *, faults: bool = False
) -> Plan:
    """An ASGI ``http`` exchange built from a drawn WSGI environ, made odder."""
    environ = draw(environ_strategy)
    raw_path = environ["PATH_INFO"].encode("latin-1")
    path = raw_path.decode("utf-8", draw(_S_DECODE))
    root = draw(_S_ROOT)
    if root and draw(_S_ROOT_MODE) == "prefix":
        path = root.rstrip("/") + (path if path.startswith("/") else "/" + path)
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "method": environ["REQUEST_METHOD"],
        "path": path,
        "raw_path": urllib.parse.quote(raw_path, safe="/").encode("ascii"),
        "root_path": root,
        "query_string": environ["QUERY_STRING"].encode("latin-1"),
        "headers": _mutate_headers(draw, _header_list(environ)),
    }
    version = draw(_S_VERSION)
    if version is None:
        version = {"HTTP/1.0": "1.0", "HTTP/2": "2"}.get(environ["SERVER_PROTOCOL"], "1.1")
    scope["http_version"] = version
    scheme = draw(_S_SCHEME)
    scope["scheme"] = environ["wsgi.url_scheme"] if scheme is None else scheme
    scope["server"] = draw(_S_SERVER)
    scope["client"] = draw(_S_CLIENT)
    messages, then = _body_messages(draw, environ["wsgi.input"].getvalue())
    plan = Plan(scope, messages, then)
    if faults:
        plan.fail_send_at = draw(_S_FAIL_SEND)
        plan.fail_after_disconnect = draw(st.booleans())
    return plan


_S_ANY_PLANS = http_plans(environs(path=_S_ASGI_PATHS), faults=True)
_S_BODY_PLANS = http_plans(
    environs(
        method=st.sampled_from(["POST", "POST", "PUT", "PATCH", "GET"]),
        path=_S_BODY_PATHS,
        body=_S_ANY_BODY,
    ),
    faults=True,
)
_S_SCOPE_PLANS = http_plans(
    environs(path=st.one_of(_S_ROUTE_LIST, paths()), query=query_strings(), host=bad_hosts())
)
_S_ROUTE_PLANS = http_plans(PROFILES["routes"])


# -- strategies: WebSocket sessions -----------------------------------------------------------

WS_ROUTES = [
    "/ws/echo", "/ws/echo", "/ws/json", "/ws/raise", "/ws/raise-early", "/ws/refuse",
    "/ws/accept", "/ws/room/1", "/ws/script", "/ws/script",
]  # fmt: skip
WS_ODD_PATHS = [
    "/ws/nowhere", "/ws/echo/", "/", "/page", "/a/page", "/static/hello.txt", "//ws/echo",
    "/ws/%ff", "/ws/\udcff", "/ws/é", "/ws/room/x", "/ws/room/99999999999999999999",
]  # fmt: skip
SCRIPT_OPS = ["accept", "send", "sendb", "receive", "close", "abort", "return"]
#: Values the refusing handler puts into a header. A refusal whose header erlen's own
#: check refuses (NUL, other controls, text beyond Latin-1) is BUG 4
#: (test_websocket_denial_with_an_unsafe_header_still_answers): only the values that
#: are safe, or that Werkzeug itself refuses (CR, LF), are drawn for /ws/refuse.
SAFE_OR_NEWLINE = [
    v for v in ECHO_VALUES if all(c in "\t\r\n" or (" " <= c <= "\xff" and c != "\x7f") for c in v)
]
WS_CLOSE_CODES = [1000, 1001, 1005, 1006, 1011, 3000, 4999]

_S_WS_PATH = weighted((4, st.sampled_from(WS_ROUTES)), (1, st.sampled_from(WS_ODD_PATHS)))
_S_SCRIPT = st.lists(st.sampled_from(SCRIPT_OPS), max_size=6)
_S_VALUE = st.sampled_from(ECHO_VALUES)
_S_SAFE_VALUE = st.sampled_from(SAFE_OR_NEWLINE)
_S_WS_FLAG = st.sampled_from([None] * 8 + ["deny", "refuse"])
_S_SUBPROTOCOLS = st.sampled_from([None, [], ["chat"], ["v2.json", "chat"]])
_S_DENIAL = st.booleans()
_S_WS_HOST = weighted((1, st.none()), (4, st.just("localhost")), (1, bad_hosts()))
_S_WS_COOKIE = st.one_of(st.none(), cookie_headers())
_S_FIRST = st.sampled_from(
    ["websocket.connect"] * 12 + ["websocket.receive", "websocket.disconnect", "http.request"]
)
_S_WS_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(['{"a": 1}', "[1, 2", "null", "x" * 70_000, "\ud7ff\ue000"]),
)
_S_WS_BYTES = st.one_of(
    st.binary(max_size=30), st.sampled_from([b"{}", b"\xff\xfe", b"\x00" * 70_000])
)
_S_WS_KIND = st.sampled_from(
    ["text"] * 4 + ["bytes"] * 3 + ["both-none", "disconnect", "connect", "odd"]
)
_S_WS_CODE = st.sampled_from(WS_CLOSE_CODES)
_S_WS_COUNT = st.integers(0, 6)
_S_WS_FAIL_SEND = st.sampled_from([None] * 8 + [0, 1, 2, 3])


@st.composite
def _websocket_message(draw: st.DrawFn) -> Message:
    kind = draw(_S_WS_KIND)
    if kind == "text":
        return {"type": "websocket.receive", "text": draw(_S_WS_TEXT)}
    if kind == "bytes":
        return {"type": "websocket.receive", "bytes": draw(_S_WS_BYTES)}
    if kind == "both-none":
        return {"type": "websocket.receive", "text": None, "bytes": None}
    if kind == "disconnect":
        return {"type": "websocket.disconnect", "code": draw(_S_WS_CODE)}
    if kind == "connect":
        return {"type": "websocket.connect"}
    return {"type": "http.request", "body": b"x"}


_S_WS_MESSAGE = _websocket_message()


@st.composite
def websocket_plans(draw: st.DrawFn) -> Plan:
    path = draw(_S_WS_PATH)
    query: list[tuple[str, str]] = []
    if path == "/ws/script":
        ops = draw(_S_SCRIPT)
        query.append(("ops", ",".join(ops)))
    elif path == "/ws/refuse":
        query.append(("v", draw(_S_SAFE_VALUE)))
    elif path == "/ws/accept":
        query.append(("v", draw(_S_VALUE)))
    flag = draw(_S_WS_FLAG)
    if flag is not None:
        query.append((flag, "1"))
    headers = []
    host = draw(_S_WS_HOST)
    if host is not None:
        headers.append((b"host", host.encode("utf-8", "surrogateescape")))
    cookie = draw(_S_WS_COOKIE)
    if cookie is not None:
        headers.append((b"cookie", cookie.encode("utf-8", "surrogateescape")))
    headers += [(b"connection", b"Upgrade"), (b"upgrade", b"websocket")]
    scope: dict[str, Any] = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": draw(st.sampled_from(["1.1", "1.1", "2"])),
        "scheme": draw(st.sampled_from(["ws", "wss"])),
        "path": path,
        "raw_path": urllib.parse.quote(path, errors="surrogateescape").encode(),
        "root_path": draw(_S_ROOT) if draw(st.booleans()) else "",
        "query_string": urllib.parse.urlencode(query, errors="surrogatepass").encode(),
        "headers": _mutate_headers(draw, headers),
        "server": draw(_S_SERVER),
        "client": draw(_S_CLIENT),
    }
    subprotocols = draw(_S_SUBPROTOCOLS)
    if subprotocols is not None:
        scope["subprotocols"] = subprotocols
    if draw(_S_DENIAL):
        scope["extensions"] = {"websocket.http.response": {}}
    first = draw(_S_FIRST)
    messages: list[Message] = [
        {"type": first} if first != "websocket.disconnect" else {"type": first, "code": 1006}
    ]
    messages += [draw(_S_WS_MESSAGE) for _ in range(draw(_S_WS_COUNT))]
    # A client leaves in the end: a handler that waits for messages then ends.
    plan = Plan(scope, messages, "disconnect")
    plan.fail_send_at = draw(_S_WS_FAIL_SEND)
    plan.fail_after_disconnect = draw(st.booleans())
    return plan


_S_WEBSOCKET_PLANS = websocket_plans()


# -- the property-based tests -------------------------------------------------------------


def fuzz_settings(max_examples: int) -> Any:
    """Stable across runs (derandomized, no database); sized so the file takes ~15 s."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


@fuzz_settings(450)
@given(_S_ANY_PLANS)
def test_asgi_any_request(plan: Plan) -> None:
    check_http(plan)


@fuzz_settings(350)
@given(_S_BODY_PLANS)
def test_asgi_bodies_in_pieces_with_lying_lengths_and_disconnects(plan: Plan) -> None:
    check_http(plan)


@fuzz_settings(250)
@given(_S_SCOPE_PLANS)
def test_asgi_scopes_headers_and_hosts(plan: Plan) -> None:
    check_http(plan)


@fuzz_settings(150)
@given(_S_ROUTE_PLANS)
def test_asgi_routes_converters_and_query_strings(plan: Plan) -> None:
    check_http(plan)


@fuzz_settings(500)
@given(_S_WEBSOCKET_PLANS)
def test_websocket_sessions(plan: Plan) -> None:
    check_websocket(plan)


# -- helpers for the fixed cases -----------------------------------------------------------


def http_scope(
    path: str = "/",
    method: str = "GET",
    *,
    query: bytes = b"",
    headers: list[tuple[bytes, bytes]] | None = None,
    root_path: str = "",
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": None,
        "root_path": root_path,
        "query_string": query,
        "headers": [(b"host", b"localhost"), *(headers or [])],
        "server": ("localhost", 80),
        "client": ("192.0.2.1", 40000),
    }


def websocket_scope(
    path: str, query: bytes = b"", *, denial: bool = True, subprotocols: list[str] | None = None
) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": path,
        "raw_path": None,
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"localhost")],
        "server": ("localhost", 80),
        "client": ("192.0.2.1", 40000),
        "subprotocols": subprotocols or [],
    }
    if denial:
        scope["extensions"] = {"websocket.http.response": {}}
    return scope


def pieces(body: bytes, size: int) -> list[Message]:
    chunks = [body[at : at + size] for at in range(0, len(body), size)] or [b""]
    return [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]


CONNECT: list[Message] = [{"type": "websocket.connect"}]


def _raw(*messages: Message, raise_: BaseException | None = None, hang: bool = False) -> Any:
    """An ASGI app that sends ``messages`` (then raises, or hangs)."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        for message in messages:
            await send(message)
        if raise_ is not None:
            raise raise_
        if hang:
            await asyncio.Event().wait()

    return asgi


def _start(status: Any = 200, headers: Any = ()) -> Message:
    return {"type": "http.response.start", "status": status, "headers": list(headers)}


def _body(body: bytes = b"x", more: bool = False) -> Message:
    return {"type": "http.response.body", "body": body, "more_body": more}


# -- the checkers themselves ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (_raw(_start(200, [(b"x-a", b"a\r\nb")]), _body()), "header injection"),
        (_raw(_start(200, [(b"x-a", b"a\x00b")]), _body()), "header injection"),
        (_raw(_start(200, [(b"X-Upper", b"1")]), _body()), "not a lower-case token"),
        (_raw(_start(200, [("x-str", "1")]), _body()), "not a pair of bytes"),
        (_raw(_start("200"), _body()), "not an int"),
        (_raw(_start(), _body(), _body()), "after the last body"),
        (_raw(_start()), "never ended"),
        (_raw(), "no response was sent"),
        (_raw(raise_=RuntimeError("escaped")), "exception escaped"),
        (_raw(_start(502), _body()), "502 from"),
        (_raw(_start(200, [(b"content-length", b"5")]), _body()), "Content-Length"),
        (_raw(_start(204), _body()), "a body for GET / 204"),
    ],
)
def test_http_checker_reports_broken_exchanges(target: Any, expected: str) -> None:
    problems = http_problems(call(Plan(http_scope(), pieces(b"", 1)), target))
    assert any(expected in problem for problem in problems), problems


def test_http_checker_reports_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(__import__(__name__), "CALL_TIMEOUT", 0.2)
    outcome = call(Plan(http_scope(), pieces(b"", 1)), _raw(_start(), hang=True))
    assert outcome.hung
    assert any("did not end" in problem for problem in http_problems(outcome))


_ACCEPT: Message = {"type": "websocket.accept", "subprotocol": None}
_CLOSE: Message = {"type": "websocket.close", "code": 1000, "reason": ""}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (_raw(_ACCEPT, _CLOSE, {"type": "websocket.send", "text": "x"}), "after websocket.close"),
        (_raw(_CLOSE, _ACCEPT), "after websocket.close"),
        (_raw(), "neither accepted"),
        (_raw(_ACCEPT), "without websocket.close"),
        (_raw({**_ACCEPT, "headers": [(b"x-a", b"a\nb")]}, _CLOSE), "header injection"),
        (_raw({**_ACCEPT, "subprotocol": "a\r\nb"}, _CLOSE), "unsafe subprotocol"),
        (_raw(_ACCEPT, {"type": "websocket.send", "text": "a", "bytes": b"b"}, _CLOSE), "text"),
        (_raw({"type": "websocket.http.response.start", "status": 403, "headers": []}), "never"),
    ],
)
def test_websocket_checker_reports_broken_exchanges(target: Any, expected: str) -> None:
    problems = websocket_problems(call(Plan(websocket_scope("/"), CONNECT), target))
    assert any(expected in problem for problem in problems), problems


# -- fixed cases that hold -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "root_path"),
    [
        ("/app/static/../fuzz_app.py", "/app"),
        ("/app/../fuzz_app.py", "/app"),
        ("/static/../fuzz_app.py", "/static"),
        ("/static/%2e%2e/fuzz_app.py", ""),
        ("/files/..\\fuzz_app.py", ""),
        ("/app/files/../../fuzz_app.py", "/app/files/.."),
        ("/../fuzz_app.py", "/.."),
    ],
)
def test_path_traversal_through_root_path_is_a_404(path: str, root_path: str) -> None:
    outcome = check_http(Plan(http_scope(path, root_path=root_path), pieces(b"", 1)))
    assert outcome.sent[0]["status"] in (404, 308)
    assert b"create_app" not in b"".join(m.get("body", b"") for m in outcome.sent)


@pytest.mark.parametrize(
    ("path", "root_path"),
    [("/\udcff", ""), ("/int/\udcff", ""), ("/\udcc3\udca9x/int/\udcff", "/\udcc3\udca9x")],
)
def test_path_that_is_not_utf8_is_a_400(path: str, root_path: str) -> None:
    outcome = check_http(Plan(http_scope(path, root_path=root_path), pieces(b"", 1)))
    assert outcome.sent[0]["status"] == 400


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_a_body_echoed_from_a_stream_arrives_whole_despite_the_disconnect_watcher(
    size: int,
) -> None:
    """The streamed body's generator reads the request body in a worker thread while
    the adapter's disconnect watcher receives it on the loop: no byte lost or moved."""
    body = bytes(range(256)) * 40
    headers = [(b"content-length", str(len(body)).encode())]
    outcome = check_http(
        Plan(http_scope("/echo-stream", "POST", headers=headers), pieces(body, size))
    )
    sent = b"".join(m.get("body", b"") for m in outcome.sent[1:])
    assert sent == b"<" + body + b">"


@pytest.mark.parametrize("chunked", [False, True])
def test_sync_view_calling_a_coroutine_that_reads_the_body(chunked: bool) -> None:
    body = b"y" * 5000
    length = (b"transfer-encoding", b"chunked") if chunked else (b"content-length", b"5000")
    plan = Plan(http_scope("/indirect", "POST", headers=[length]), pieces(body, 333))
    outcome = check_http(plan)
    assert outcome.sent[0]["status"] == 200
    assert b'"length":5000' in outcome.sent[1]["body"]


async def _cancel_when_the_gate_is_reached(target: Any, plan: Plan, outcome: Outcome) -> None:
    """Start the call, cancel its task once the view reached ``GATE`` (in a worker
    thread for a sync view), let the view go on, and wait until it is done."""
    receive, send = _client(plan, outcome)
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(target(plan.scope, receive, send))
    reached = await loop.run_in_executor(None, GATE.arrived.wait, CALL_TIMEOUT)
    assert reached, "the view never reached the gate"
    task.cancel()
    await asyncio.sleep(0.1)  # the task handles its cancellation while the view waits
    GATE.release.set()
    try:
        await asyncio.wait_for(task, CALL_TIMEOUT)
    except asyncio.TimeoutError:
        outcome.hung = True
    except BaseException as e:
        outcome.escaped = e
    await loop.run_in_executor(None, GATE.left.wait, 1.0)
    await asyncio.sleep(0.05)  # the worker thread hands back its (unwanted) result


def cancelled(path: str) -> tuple[Any, list[str], int | None]:
    """The exception that ended a call cancelled midway, the contexts it left set, and
    how often teardown_request ran."""
    GATE.reset()
    try:
        plan = Plan(http_scope(path), pieces(b"", 1))
        outcome = call(plan, driver=_cancel_when_the_gate_is_reached)
        return outcome.escaped, outcome.leaked, outcome.teardowns
    finally:
        GATE.release.set()


def settled(outcome: Outcome, problems: list[str]) -> list[str]:
    """``problems``, once every object the call left behind is collected: an exception's
    traceback may hold a body the adapter never closed, which the garbage collector
    then closes (raising in the wrong context) here rather than in a later test."""
    outcome.escaped = outcome.send_error = None
    gc.collect()
    return problems


def test_cancelling_an_async_view_tears_down() -> None:
    escaped, leaked_vars, teardowns = cancelled("/slow/async")
    assert isinstance(escaped, asyncio.CancelledError)
    assert leaked_vars == []
    assert teardowns == 1


def test_cancelling_a_websocket_handler_tears_down() -> None:
    async def cancel_soon(target: Any, plan: Plan, outcome: Outcome) -> None:
        receive, send = _client(plan, outcome)
        task = asyncio.ensure_future(target(plan.scope, receive, send))
        await asyncio.sleep(0.05)  # the echo handler waits for a second message
        task.cancel()
        try:
            await task
        except BaseException as e:
            outcome.escaped = e

    plan = Plan(
        websocket_scope("/ws/echo"), [*CONNECT, {"type": "websocket.receive", "text": "hi"}]
    )
    outcome = call(plan, driver=cancel_soon)
    assert isinstance(outcome.escaped, asyncio.CancelledError)
    assert [m["type"] for m in outcome.sent] == ["websocket.accept", "websocket.send"]
    assert outcome.leaked == []
    assert outcome.teardowns == 1


@pytest.mark.parametrize("path", ["/hop/data", "/hop/async-data", "/indirect"])
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_hop_to_the_loop_receives_no_more_of_the_body_than_the_limit(
    path: str, declared: bool
) -> None:
    """A worker thread about to run a coroutine on the loop (an async hook, a sync
    view's ensure_sync) receives the body first, but only up to the request's limit.
    (Fixed in 42ac59b: the whole body was received, whatever its size.)"""
    chunk = 64 * 1024
    body = b"z" * (chunk * 32)  # 2 MiB, 32 times MAX_CONTENT_LENGTH
    framing = (
        (b"content-length", str(len(body)).encode())
        if declared
        else (b"transfer-encoding", b"chunked")
    )
    outcome = call(Plan(http_scope(path, "POST", headers=[framing]), pieces(body, chunk)))
    assert outcome.sent[0]["status"] == 413
    assert outcome.body_received <= MAX_CONTENT_LENGTH + chunk + 1, outcome.body_received


# -- defects found by fuzzing and review, fixed (each kept as a regression test) -------


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("path", ["/stream", "/api/stream", "/echo-stream"])
def test_send_failing_on_the_response_start_still_closes_a_streamed_body(path: str) -> None:
    method = "POST" if path == "/echo-stream" else "GET"
    outcome = call(Plan(http_scope(path, method), pieces(b"", 1), fail_send_at=0))
    assert settled(outcome, http_problems(outcome)) == []


@pytest.mark.parametrize("ops", ["close,send", "close,receive", "close,accept"])
def test_nothing_is_sent_after_a_websocket_close(ops: str) -> None:
    plan = Plan(websocket_scope("/ws/script", b"ops=" + ops.encode()), CONNECT, "disconnect")
    outcome = call(plan)
    assert websocket_problems(outcome) == []


@pytest.mark.parametrize("value", ["chat\r\nSet-Cookie: a=b", "chat\nX: 1", "chat\x00"])
def test_websocket_subprotocol_is_checked_like_a_header(value: str) -> None:
    query = urllib.parse.urlencode({"p": value}).encode()
    outcome = call(Plan(websocket_scope("/ws/proto", query), CONNECT, "disconnect"))
    assert websocket_problems(outcome) == []


@pytest.mark.parametrize("value", ["a\x00b", "a\x01b", "\x7f", "日本"])
def test_websocket_denial_with_an_unsafe_header_still_answers(value: str) -> None:
    """As over HTTP, a response erlen cannot send safely is answered with a plain 500."""
    query = urllib.parse.urlencode({"v": value}).encode()
    outcome = call(Plan(websocket_scope("/ws/refuse", query), CONNECT, "disconnect"))
    problems = websocket_problems(outcome)
    assert problems == ["denied with 500 without a deliberate error"]
    assert outcome.sent[0]["type"] == "websocket.http.response.start"
    assert outcome.sent[0]["status"] == 500
    assert all(value.encode("utf-8") not in v for _, v in outcome.sent[0]["headers"])


@pytest.mark.parametrize(
    "scope",
    [
        http_scope("/\ud800"),
        http_scope("/int/\udfff"),
        http_scope("/page", root_path="/\ud800"),
        websocket_scope("/ws/\ud800"),
    ],
    ids=["path", "path-low-surrogate", "root_path", "websocket"],
)
def test_path_with_a_lone_surrogate_is_a_400(scope: dict[str, Any]) -> None:
    if scope["type"] == "websocket":
        outcome = call(Plan(scope, CONNECT, "disconnect"))
        assert websocket_problems(outcome) == []
    else:
        outcome = call(Plan(scope, pieces(b"", 1)))
        assert http_problems(outcome) == []
        if scope["root_path"] and not scope["path"].startswith(scope["root_path"]):
            # The app is not mounted there: the path is routed as it is.
            assert outcome.sent[0]["status"] == 200
        else:
            assert outcome.sent[0]["status"] == 400


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("path", ["/slow/view", "/slow/stream"])
def test_cancelling_a_sync_view_or_its_stream_still_tears_down(path: str) -> None:
    escaped, leaked_vars, teardowns = cancelled(path)
    kind = type(escaped)
    del escaped  # its traceback holds the body left unclosed: collected here
    time.sleep(0.05)
    gc.collect()
    assert kind is asyncio.CancelledError
    assert leaked_vars == []
    assert teardowns == 1


def test_header_name_cache_keeps_no_client_chosen_huge_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import erlen._asgi_request

    keys = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}
    monkeypatch.setattr(erlen._asgi_request, "_environ_keys", keys)
    headers = [(b"x-" + b"n" * 60_000 + b"%d" % i, b"1") for i in range(3)]
    check_http(Plan(http_scope("/a/page", headers=headers), pieces(b"", 1)))
    assert sum(len(name) for name in keys) < 10_000
    # Nor the names the ASGI adapter reads before the environ.
    assert max(map(len, erlen._asgi_request.other_names), default=0) <= 64
