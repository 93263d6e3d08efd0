"""The ASGI adapter: ``await app(scope, receive, send)`` on the same app object.

An HTTP request becomes the WSGI environ the rest of erlen knows (its body read
from ``receive``), runs through the request cycle's shared steps
(:mod:`erlen._cycle`), and its response goes back as ``http.response.*`` messages.
What runs where:

- An ``async def`` view runs on the server's loop, in the request's own
  ``contextvars.Context``. Hooks, signal receivers and error handlers, which may
  block, run in the app's bounded thread pool (an ``async def`` one is sent back
  to the loop from there); a request that calls none of them never leaves the loop.
- A plain ``def`` view runs with the rest of its request in one worker thread,
  through the WSGI adapter's own inlined cycle (:func:`erlen.wsgi.respond`).
- An app whose cycle is customised, or whose ``wsgi_app`` is wrapped in WSGI
  middleware (``ProxyFix``), runs that WSGI callable in a worker thread.

``websocket`` connections go to :mod:`erlen.websocket`; ``lifespan`` runs the
``before_serving`` and ``after_serving`` functions.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
import typing as t
from concurrent.futures import ThreadPoolExecutor

from . import _cycle as cycle
from . import wsgi
from ._asgi_body import ReceiveBody
from ._async import InContext, run_sync
from ._headers import UnsafeHeaderError
from .globals import _cv_request

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import WSGIEnvironment

    from .app import Erlen
    from .ctx import RequestContext
    from .wrappers import Request

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]


async def asgi_app(app: Erlen, scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI application (``Erlen.asgi_app``): wrap this, not the app, with ASGI
    middleware."""
    kind = scope["type"]
    if kind == "http":
        await _http(app, scope, receive, send)
    elif kind == "websocket":
        from .websocket import serve_websocket

        await serve_websocket(app, scope, receive, send)
    elif kind == "lifespan":
        await _lifespan(app, receive, send)
    else:
        raise ValueError(f"erlen does not serve ASGI {kind!r} connections.")


def thread_pool(app: Erlen) -> ThreadPoolExecutor:
    """The app's pool of threads for synchronous code under ASGI (``asgi_threads``)."""
    pool: ThreadPoolExecutor | None = app.__dict__.get("_asgi_pool")
    if pool is None:
        pool = ThreadPoolExecutor(app.asgi_threads, thread_name_prefix="erlen-asgi")
        app.__dict__["_asgi_pool"] = pool
    return pool


def before_loop_hop() -> None:
    """Called in a worker thread before it hands a coroutine to the loop: the
    request's body is received first, as the loop cannot wait on itself."""
    ctx = _cv_request.get(None)
    if ctx is not None:
        body = ctx.request.environ.get("wsgi.input")
        if type(body) is ReceiveBody:
            body.fill_sync()


# -- from a scope to an environ ---------------------------------------------------------

#: Header name (as sent) -> environ key; None for a name no environ key may carry.
_environ_keys: dict[bytes, str | None] = {
    b"content-type": "CONTENT_TYPE",
    b"content-length": "CONTENT_LENGTH",
}
_MAX_KNOWN_NAMES = 2000


def _environ_key(name: bytes) -> str | None:
    key = _environ_keys.get(name)
    if key is None and name not in _environ_keys:
        text = name.decode("latin-1")
        # A name with "_" would pose as the "-" one (X_Forwarded_For as X-Forwarded-For):
        # dropped, as gunicorn and nginx drop it.
        key = None if "_" in text else "HTTP_" + text.upper().replace("-", "_")
        if len(_environ_keys) < _MAX_KNOWN_NAMES:
            _environ_keys[name] = key
    return key


def _wsgi_text(text: str) -> str:
    """A str as WSGI carries text: its UTF-8 bytes, each as one character."""
    return text if text.isascii() else text.encode("utf-8", "surrogateescape").decode("latin-1")


def make_environ(scope: Scope, body: t.Any) -> WSGIEnvironment:
    """The WSGI environ of an ASGI ``http`` (or ``websocket``) scope, reading ``body``."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root:
        if path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
            path = path[len(root) :]
        root = _wsgi_text(root)
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": scope.get("method", "GET"),
        "SCRIPT_NAME": root,
        "PATH_INFO": _wsgi_text(path),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": "" if server[1] is None else str(server[1]),
        "SERVER_PROTOCOL": "HTTP/" + scope.get("http_version", "1.1"),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "asgi.scope": scope,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    for name, value in scope["headers"]:
        key = _environ_keys.get(name) or _environ_key(name)
        if key is None:
            continue
        text = value.decode("latin-1")
        if key in environ:
            text = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + text
        environ[key] = text
    return environ


def _has_body(environ: WSGIEnvironment) -> bool:
    """Whether the request may have a body: a ``Content-Length`` above 0, or one the
    server frames (chunked, or HTTP/2 without a length). An HTTP/1 request with
    neither header has none."""
    length = environ.get("CONTENT_LENGTH")
    if length is not None:
        return length.strip() not in ("", "0")
    return "HTTP_TRANSFER_ENCODING" in environ or (
        environ["SERVER_PROTOCOL"] >= "HTTP/2" and environ["REQUEST_METHOD"] not in ("GET", "HEAD")
    )


# -- HTTP ---------------------------------------------------------------------------------


class _StartResponse:
    """A WSGI ``start_response`` that keeps the status and headers for ``send``."""

    __slots__ = ("headers", "status", "written")

    def __init__(self) -> None:
        self.status = ""
        self.headers: list[tuple[str, str]] = []
        self.written: list[bytes] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], object]:
        self.status = status
        self.headers = headers
        return self.written.append


def _plain_wsgi_app(app: Erlen) -> bool:
    return "wsgi_app" not in app.__dict__ and type(app).wsgi_app is wsgi.wsgi_app


async def _http(app: Erlen, scope: Scope, receive: Receive, send: Send) -> None:
    body = ReceiveBody(receive, asyncio.get_running_loop())
    environ = make_environ(scope, body)
    has_body = _has_body(environ)
    if has_body and "CONTENT_LENGTH" not in environ:
        environ["wsgi.input_terminated"] = True
    start = _StartResponse()
    context = contextvars.copy_context()
    plan = cycle.Plan.for_app(app) if _plain_wsgi_app(app) else None
    if plan is None:
        # WSGI middleware, or a customised cycle: the WSGI callable, in a thread.
        app_iter = await run_sync(thread_pool(app), context, app.wsgi_app, environ, start)
    else:
        ctx = context.run(cycle.open_request, app, environ)
        request = ctx.request
        bad_host = context.run(cycle.route, app, request, ctx)
        view = None
        if bad_host is None:
            try:
                view = context.run(cycle.view_for, app, request)
            except Exception:
                view = None  # raised again where it is handled
        if view is not None and cycle.is_async(view):
            if has_body:
                limit = app.config["MAX_CONTENT_LENGTH"]
                length = request.content_length
                if length is None or limit is None or length <= limit:
                    await body.fill(limit)
            app_iter = await _native(app, plan, ctx, request, view, environ, start, context)
        else:
            app_iter = await run_sync(
                thread_pool(app),
                context,
                wsgi.respond,
                app,
                plan,
                ctx,
                request,
                bad_host,
                environ,
                start,
            )
    await send_response(app, start, app_iter, send, receive, body, context)


async def _native(
    app: Erlen,
    plan: cycle.Plan,
    ctx: RequestContext,
    request: Request,
    view: t.Callable[..., t.Any],
    environ: WSGIEnvironment,
    start: _StartResponse,
    context: contextvars.Context,
) -> Iterable[bytes]:
    """The inlined cycle for an ``async def`` view: the steps of
    :func:`erlen.wsgi.respond`, with the view awaited on the loop and any step that
    calls the app's synchronous code run in a worker thread."""
    pool = thread_pool(app)
    error: BaseException | None = None
    try:
        try:
            try:
                if cycle.needs_start(app):
                    await run_sync(pool, context, cycle.start, app, None)
                rv = None
                if cycle.needs_preprocess(app):
                    rv = await run_sync(pool, context, app.preprocess_request)
                if rv is None:
                    args = request.view_args
                    rv = await InContext(context, view(**args) if args else view())
            except Exception as e:
                rv = await run_sync(pool, context, cycle.user_exception, app, e)
            else:
                direct = cycle.direct_body(app, plan, ctx, rv)
                if direct is not None:
                    return cycle.write_direct(environ, start, direct)
            if cycle.finalize_calls_user_code(app, ctx):
                response = await run_sync(pool, context, app.finalize_request, rv)
            else:
                response = context.run(app.finalize_request, rv)
        except Exception as e:
            error = e
            response = await run_sync(pool, context, cycle.unhandled_exception, app, e)
        except BaseException as e:
            error = e
            raise
        try:
            return context.run(response, environ, start)
        except UnsafeHeaderError as e:
            error = e
            return await run_sync(
                pool, context, cycle.refuse_unsafe_headers, app, e, environ, start
            )
    finally:
        if not context.run(cycle.end_quietly, app, plan, ctx, environ, error):
            await run_sync(pool, context, cycle.finish, app, ctx, environ, error)


def _encode_headers(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]


async def send_response(
    app: Erlen,
    start: _StartResponse,
    app_iter: Iterable[bytes],
    send: Send,
    receive: Receive,
    body: ReceiveBody,
    context: contextvars.Context,
) -> None:
    """Send a WSGI response (``start``'s status and headers, then ``app_iter``) as
    ASGI messages. A body that is not a list is iterated chunk by chunk in a worker
    thread (an async iterable on the loop); a client that goes away stops it."""
    await send(
        {
            "type": "http.response.start",
            "status": int(start.status[:3]),
            "headers": _encode_headers(start.headers),
        }
    )
    written = start.written
    if type(app_iter) is list or type(app_iter) is tuple:
        chunks = [*written, *app_iter] if written else app_iter
        content = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        await send({"type": "http.response.body", "body": content})
        return
    from ._asgi_stream import stream_body

    await stream_body(app, app_iter, written, send, receive, body, context)


async def _lifespan(app: Erlen, receive: Receive, send: Send) -> None:
    """The ASGI lifespan protocol: ``before_serving`` functions at startup,
    ``after_serving`` functions at shutdown."""
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "lifespan.startup":
            try:
                await app._serve_funcs(app.before_serving_funcs)
            except BaseException as e:
                await send({"type": "lifespan.startup.failed", "message": _describe(e)})
                if not isinstance(e, Exception):
                    raise
                return
            app._serving = True
            await send({"type": "lifespan.startup.complete"})
        elif kind == "lifespan.shutdown":
            try:
                await app._serve_funcs(app.after_serving_funcs)
            except Exception as e:
                await send({"type": "lifespan.shutdown.failed", "message": _describe(e)})
                return
            app._serving = False
            await send({"type": "lifespan.shutdown.complete"})
            return


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
