"""WebSockets over ASGI, with Quart's API: ``@app.websocket(rule)``, the ``websocket``
global, ``before_websocket`` / ``after_websocket`` hooks.

A connection runs with a request context for its handshake, so ``session``, ``g``,
``url_for`` and ``request`` (the handshake) work in the handler as in a view. The
handler is awaited on the server's loop; synchronous hooks run in the app's
thread pool. The connection is accepted on the first ``send`` or ``receive`` (or
an explicit ``accept``). Refused before that (an ``abort(403)`` or a response
returned by the handler or a hook), the client gets that HTTP response where the
server supports the WebSocket denial extension, else a close with code 1008. A
handler that raises is logged and the socket closed with 1011 (with
``PROPAGATE_EXCEPTIONS``, or in testing or debug mode, the error is raised on after
the close instead of logged, as an HTTP view's is). A client that goes away raises
:class:`WebsocketDisconnect` in the handler; teardown runs either way.
"""

from __future__ import annotations

import contextvars
import typing as t

from werkzeug.exceptions import HTTPException, NotFound

from . import _cycle as cycle
from . import globals as _globals
from ._asgi_request import make_environ
from ._async import InContext
from ._headers import UnsafeHeaderError, check_header_list
from ._hosts import check_host
from .asgi import call_user, in_thread
from .ctx import RequestContext
from .routing import NeedsRedirect, get_router
from .wrappers import _outermost_first

if t.TYPE_CHECKING:
    from werkzeug.datastructures import EnvironHeaders, MultiDict

    from .app import Erlen
    from .asgi import Receive, Scope, Send
    from .wrappers import Request, Response


# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_websocket = _globals._cv_websocket

class WebsocketDisconnect(Exception):
    """The client closed the WebSocket (or the connection was lost)."""

    def __init__(self, code: int = 1005, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return f"The WebSocket was closed ({self.code}{': ' + self.reason if self.reason else ''})."


class Websocket:
    """The connection a WebSocket handler serves (the ``websocket`` global)."""

    def __init__(
        self, app: Erlen, request: Request, scope: Scope, receive: Receive, send: Send
    ) -> None:
        self.app = app
        #: The handshake request.
        self.request = request
        self.scope = scope
        self._receive = receive
        self._send = send
        #: Whether the handshake was accepted, and whether the socket is closed.
        self.accepted = False
        self.closed = False

    # -- the handshake ------------------------------------------------------------------

    @property
    def args(self) -> MultiDict[str, str]:
        """The query string's arguments."""
        return self.request.args

    @property
    def headers(self) -> EnvironHeaders:
        """The handshake's headers."""
        return self.request.headers

    @property
    def path(self) -> str:
        return self.request.path

    @property
    def full_path(self) -> str:
        return self.request.full_path

    @property
    def url(self) -> str:
        return self.request.url

    @property
    def query_string(self) -> bytes:
        return self.request.query_string

    @property
    def cookies(self) -> MultiDict[str, str]:
        return self.request.cookies

    @property
    def endpoint(self) -> str | None:
        return self.request.endpoint

    @property
    def view_args(self) -> dict[str, t.Any] | None:
        return self.request.view_args

    @property
    def requested_subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return list(self.scope.get("subprotocols") or ())

    async def accept(
        self,
        headers: t.Mapping[str, str] | t.Iterable[tuple[str, str]] | None = None,
        subprotocol: str | None = None,
    ) -> None:
        """Accept the handshake, with extra response headers and a chosen subprotocol."""
        if self.accepted:
            return
        if self.closed:
            raise WebsocketDisconnect(1000, "the WebSocket was closed before it was accepted")
        message: dict[str, t.Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
        items = list(headers.items() if isinstance(headers, t.Mapping) else headers or ())
        if subprotocol is not None:
            items.append(("Sec-WebSocket-Protocol", subprotocol))
        if items:
            message["headers"] = _encode_headers(items)
            if subprotocol is not None:
                del message["headers"][-1]  # the server sends it from "subprotocol"
        await self._send_message(message)
        self.accepted = True

    # -- messages -----------------------------------------------------------------------

    async def receive(self) -> str | bytes:
        """The next message: ``str`` for text, ``bytes`` for binary."""
        if self.closed:
            raise WebsocketDisconnect(1000)
        if not self.accepted:
            await self.accept()
        message = await self._receive()
        kind = message["type"]
        if kind == "websocket.receive":
            text = message.get("text")
            return text if text is not None else message.get("bytes") or b""
        if kind == "websocket.disconnect":
            self.closed = True
            raise WebsocketDisconnect(message.get("code", 1005), message.get("reason") or "")
        raise RuntimeError(f"Unexpected ASGI message {kind!r} on a WebSocket.")

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message."""
        if self.closed:
            raise WebsocketDisconnect(1000)
        if not self.accepted:
            await self.accept()
        message: dict[str, t.Any]
        if isinstance(data, str):
            message = {"type": "websocket.send", "text": data}
        elif isinstance(data, (bytes, bytearray, memoryview)):
            message = {"type": "websocket.send", "bytes": bytes(data)}
        else:
            raise TypeError(
                f"websocket.send() takes str or bytes, not {type(data).__name__}; use"
                " send_json() for other data."
            )
        try:  # _send_message, written out: one coroutine less per message
            await self._send(message)
        except OSError as e:  # ASGI 2.4: sending on a closed connection
            self.closed = True
            raise WebsocketDisconnect(1006, str(e)) from e

    async def receive_json(self) -> t.Any:
        """The next message, parsed as JSON."""
        return self.app.json.loads(await self.receive())

    async def send_json(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Send data as a JSON text message (arguments as for ``jsonify``)."""
        if args and kwargs:
            raise TypeError("send_json() takes positional or keyword arguments, not both.")
        data = args[0] if len(args) == 1 else (list(args) if args else kwargs)
        await self.send(self.app.json.dumps(data))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket (before the handshake is accepted, this refuses it).

        ``code`` is 1000 or one of 1001-1003, 1007-1014 (RFC 6455) or 3000-4999 (for
        libraries and apps); ``reason`` is at most 123 bytes of UTF-8.
        """
        if not (1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999):
            raise ValueError(
                f"{code} is not a close code an app may send: use 1000 (normal), one of"
                " 1001-1003 or 1007-1014, or an application code in 3000-4999."
            )
        if len(reason.encode("utf-8")) > 123:
            raise ValueError(
                f"The close reason is {len(reason.encode('utf-8'))} bytes of UTF-8; a"
                " WebSocket close frame carries at most 123."
            )
        if not self.closed:
            self.closed = True
            await self._send_message({"type": "websocket.close", "code": code, "reason": reason})

    async def _send_message(self, message: dict[str, t.Any]) -> None:
        try:
            await self._send(message)
        except OSError as e:  # ASGI 2.4: sending on a closed connection
            self.closed = True
            raise WebsocketDisconnect(1006, str(e)) from e


def _encode_headers(items: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """Headers for an ASGI message, checked as a response's are; every value must be
    Latin-1 here (no response object encodes a ``Location``)."""
    check_header_list(items)
    encoded = []
    for name, value in items:
        try:
            encoded.append((name.lower().encode("latin-1"), value.encode("latin-1")))
        except UnicodeEncodeError:
            raise UnsafeHeaderError(name, value, "it is not Latin-1 text") from None
    return encoded


def has_websocket_context() -> bool:
    """Whether a WebSocket connection is being served (``websocket`` usable)."""
    return _cv_websocket.get(None) is not None


# -- serving one connection ---------------------------------------------------------------


def _route(app: Erlen, ctx: RequestContext) -> None:
    """Match the handshake to a WebSocket rule (or keep the error to raise)."""
    request = ctx.request
    try:
        check_host(request.environ, app.config["TRUSTED_HOSTS"])
        router = get_router(app.url_map).websocket_router
        if router is None:
            raise NotFound()
        domain, path = app._routing_target(ctx)
        try:
            request.url_rule, request.view_args = router.match(domain, path, "GET")
        except NeedsRedirect:
            raise NotFound() from None
    except HTTPException as e:
        request.routing_exception = e


def _hooks(
    funcs: dict[t.Any, list[t.Callable[..., t.Any]]], request: Request
) -> list[t.Callable[..., t.Any]]:
    return [f for name in _outermost_first(request.blueprint) for f in funcs.get(name, ())]


async def serve_websocket(app: Erlen, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one ASGI ``websocket`` connection."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    environ = make_environ(scope)
    context = contextvars.copy_context()
    request = app.request_class(environ)
    ctx = RequestContext(app, environ, request)
    ws = Websocket(app, request, scope, receive, send)
    # Pushed before routing (converters may use the app), without the push's own
    # HTTP routing: a placeholder error stands in for the route until _route runs.
    request.routing_exception = NotFound()
    context.run(ctx.push)
    token = context.run(_cv_websocket.set, ws)
    error: BaseException | None = None
    propagate: BaseException | None = None
    response: Response | None = None
    try:
        try:
            request.routing_exception = None
            context.run(_route, app, ctx)
            if not app._got_first_request:
                if app.before_serving_funcs or app.after_serving_funcs:
                    await in_thread(app, context, app._first_request)
                else:
                    app._first_request()
            if request.routing_exception is not None:
                raise request.routing_exception
            rv = None
            for func in _hooks(app.url_value_preprocessors, request):
                await call_user(app, context, func, request.endpoint, request.view_args)
            for func in _hooks(app.before_websocket_funcs, request):
                rv = await call_user(app, context, func)
                if rv is not None:
                    break
            if rv is None:
                handler = app.view_functions[request.url_rule.endpoint]  # type: ignore[union-attr]
                rv = await InContext(context, handler(**(request.view_args or {})))  # type: ignore[arg-type]
            if rv is not None and not ws.accepted:
                response = context.run(app.make_response, rv)
        except WebsocketDisconnect:
            pass
        except Exception as e:
            if ws.accepted or not isinstance(e, HTTPException):
                error = e
                if _propagates(app):
                    propagate = e  # to the test (or the server), as an HTTP view's would
                else:
                    context.run(_log, app, e)
                if ws.accepted:
                    await _quietly(ws.close(1011))
            else:
                rv = await call_user(app, context, cycle.user_exception, app, e)
                response = context.run(app.make_response, rv)
        for func in reversed(_hooks(app.after_websocket_funcs, request)):
            rv = await call_user(app, context, func, response)
            if rv is not None:
                response = context.run(app.make_response, rv)
        if not ws.accepted and not ws.closed:
            if response is not None or error is not None:
                await _deny(ws, scope, response, environ, context)
            else:
                await _quietly(ws.close(1000))
        elif not ws.closed:
            await _quietly(ws.close(1000))
    except Exception as e:  # an after_websocket hook failed
        error = e
        context.run(_log, app, e)
        await _quietly(ws.close(1011))
    finally:
        context.run(_cv_websocket.reset, token)
        if app.teardown_request_funcs or app.teardown_appcontext_funcs or not app._plain_teardown:
            await in_thread(app, context, cycle.finish, app, ctx, environ, error)
        else:
            context.run(cycle.finish, app, ctx, environ, error)
    if propagate is not None:
        raise propagate


def _propagates(app: Erlen) -> bool:
    """Whether a handler's error is raised on, as ``PROPAGATE_EXCEPTIONS`` (else testing
    or debug mode) says for an HTTP view's, instead of only being logged."""
    setting = app.config["PROPAGATE_EXCEPTIONS"]
    return bool(app.testing or app.debug) if setting is None else bool(setting)


def _log(app: Erlen, error: Exception) -> None:
    ws = _cv_websocket.get(None)
    app.logger.error(
        f"Exception on WebSocket {ws.path if ws is not None else '?'}",
        exc_info=(type(error), error, error.__traceback__),
    )


async def _quietly(awaitable: t.Awaitable[None]) -> None:
    try:
        await awaitable
    except WebsocketDisconnect:
        pass


async def _deny(
    ws: Websocket,
    scope: Scope,
    response: Response | None,
    environ: dict[str, t.Any],
    context: contextvars.Context,
) -> None:
    """Refuse the handshake: with the HTTP response where the server can send one
    (the denial extension), else by closing with 1008 (policy violation)."""
    extensions = scope.get("extensions") or {}
    if "websocket.http.response" not in extensions:
        await _quietly(ws._send_message({"type": "websocket.close", "code": 1008, "reason": ""}))
        ws.closed = True
        return
    environ["REQUEST_METHOD"] = "GET"
    status, headers, body = await in_thread(ws.app, context, _render, ws.app, response, environ)
    ws.closed = True
    await _quietly(
        ws._send_message(
            {"type": "websocket.http.response.start", "status": status, "headers": headers}
        )
    )
    await _quietly(ws._send_message({"type": "websocket.http.response.body", "body": body}))


def _render(
    app: Erlen, response: Response | None, environ: dict[str, t.Any]
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers and body of a refusal (in a worker thread: a body may be a file
    or a generator); a response that cannot be sent safely becomes a plain 500."""
    from werkzeug.exceptions import InternalServerError

    from .asgi import _encode_headers, _StartResponse, parse_status

    if response is None:
        response = app.make_response(InternalServerError())
    start = _StartResponse()
    try:
        app_iter = response(environ, start)
    except UnsafeHeaderError as e:
        app.logger.error("The WebSocket refusal was not sent: %s", e)
        start = _StartResponse()
        app_iter = app.make_response(InternalServerError())(environ, start)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return parse_status(start.status), _encode_headers(start.headers), body
