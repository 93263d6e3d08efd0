"""The ASGI adapter: ``await app(scope, receive, send)`` on the same app object.

An HTTP request becomes a request object with the WSGI environ the rest of erlen
knows (its body read from ``receive``), runs through the request cycle's shared steps
(:mod:`erlen._cycle`), and its response goes back as ``http.response.*`` messages.
What runs where:

- An ``async def`` view runs on the server's loop. Hooks, signal receivers and
  error handlers, which may block, run in the app's bounded thread pool (an ``async
  def`` one is sent back to the loop from there); a request that calls none of them
  never leaves the loop. With nothing to run before it, the view is awaited in the
  server task's own context; anything that needs the pool moves the request into a
  ``contextvars.Context`` of its own, which the pool's threads and the loop share.
- The request's WSGI environ is built from the scope on first access
  (:mod:`erlen._asgi_request`): a request that no code asks for it never pays for it.
- A plain ``def`` view runs with the rest of its request in one worker thread,
  through the WSGI adapter's own inlined cycle (:func:`erlen.wsgi.wsgi_app`).
- An app whose cycle is customised, or whose ``wsgi_app`` is wrapped in WSGI
  middleware (``ProxyFix``), runs that WSGI callable in a worker thread.

``websocket`` connections go to :mod:`erlen.websockets`; ``lifespan`` runs the
``before_serving`` and ``after_serving`` functions.
"""

from __future__ import annotations

import contextvars
import typing as t
from concurrent.futures import ThreadPoolExecutor
from types import FunctionType

from . import _asgi_request, wsgi
from . import _cycle as cycle
from . import globals as _globals
from ._asgi_body import ReceiveBody
from ._asgi_request import (
    built_environ,
    eager_request,
    early_header,
    environ_with_body,
    lazy_body,
    other_names,
    scope_paths,
)
from ._asgi_stream import Started, call_wsgi, close_body, close_result, stream_body
from ._async import InContext, run_sync
from ._headers import UnsafeHeaderError
from ._internal import CO_ASYNC
from .signals import appcontext_pushed, request_started
from .wrappers import Request, Response, _common_methods

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import WSGIEnvironment

    from .app import Erlen
    from .ctx import RequestContext

# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request
EARLY = _asgi_request.EARLY

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]
T = t.TypeVar("T")


async def asgi_app(app: Erlen, scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI application (``Erlen.asgi_app``): wrap this, not the app, with ASGI
    middleware."""
    kind = scope["type"]
    if kind != "http":
        if kind == "websocket":
            from .websockets import serve_websocket

            return await serve_websocket(app, scope, receive, send)
        if kind == "lifespan":
            return await _lifespan(app, receive, send)
        raise ValueError(f"erlen does not serve ASGI {kind!r} connections.")

    plan = app._inline_cycle
    if not plan or not plan.own_wsgi_app or appcontext_pushed.receivers:
        plan = cycle.Plan.for_app(app) if _plain_wsgi_app(app) else None
        if plan is None:
            # WSGI middleware, or a customised cycle: the WSGI callable, in a thread.
            context = contextvars.copy_context()
            environ, body = environ_with_body(app, scope, receive)
            start = _StartResponse()
            app_iter = await run_sync(
                thread_pool(app),
                context,
                call_wsgi,
                app.wsgi_app,
                environ,
                start,
                cleanup=close_result,
            )
            return await send_response(app, start, app_iter, send, receive, body, context)
    # The request, its environ left to build on first access (lazy_environ): most
    # requests never need one. What is needed before is read from the scope as the
    # environ would have it: the Host (routing), the Cookie (whether a session may
    # need saving) and what tells of a body. A repeated one of those (which the
    # environ joins) has the environ built at once.
    headers = scope["headers"]
    if type(headers) is not list and type(headers) is not tuple:
        # Any iterable, as the spec allows: read once, kept for the environ.
        headers = scope["headers"] = list(headers)
    early: list[str | None] = [None, None, None, None]
    for name, value in headers:
        which = EARLY.get(name)
        if which is None:
            if name in other_names:
                continue
            which = early_header(name)
            if which < 0:
                continue
        if early[which] is not None:
            early = None  # type: ignore[assignment]
            break
        early[which] = value.decode("latin-1")
    if early is None:
        request, host, path, body = eager_request(app, scope, receive)
        method = request.environ["REQUEST_METHOD"]
    else:
        host, cookie, length, encoding = early
        request = _new_request(Request)
        method = scope.get("method", "GET")
        request.method = method if method in _common_methods else method.upper()
        # On the instance: CPython 3.11 reads a class default the slow way.
        request._form_loaded = False
        request._lazy_scope = scope
        request._lazy_cookie = cookie
        body = None
        if length is not None:
            if length.strip() not in ("", "0"):
                body = lazy_body(app, request, receive)
        elif encoding is not None or (
            method not in ("GET", "HEAD") and scope.get("http_version", "1.1") >= "2"
        ):
            body = lazy_body(app, request, receive)
        path = scope["path"]
        if scope.get("root_path") or not path.isascii():
            path = scope_paths(scope)[1]

    resume: _Resume | None = None
    answer: tuple[str, bytes] | None = None
    if (
        body is None
        and app._got_first_request
        and not request_started.receivers
        and not app.before_request_funcs
        and not app.url_value_preprocessors
    ):
        # Nothing runs before the view: the request opens in the server task's own
        # context, and an ``async def`` view is awaited there, as most finish with
        # nothing else to run. What follows that calls the app's synchronous code
        # moves the request into a Context of its own first (_own_context).
        ctx, bad_host, view = cycle.open_request(app, None, request, host, path)  # type: ignore[arg-type]
        if view is not None and type(view) is FunctionType and view.__code__.co_flags & CO_ASYNC:
            args = request.view_args
            try:
                rv = await (view(**args) if args else view())
            except BaseException as e:  # raised again where _native handles errors
                resume = ("raised", e)
            else:
                try:
                    answer = cycle.direct_body(app, plan, ctx, rv)
                except Exception:  # a result that cannot be encoded: raised again in _native
                    answer = None
                if answer is None or not cycle.end_quietly(
                    app, plan, ctx, request.environ if request._lazy_scope is None else None, None
                ):
                    answer = None
                    resume = ("returned", rv)
        if answer is None:
            context = _own_context(ctx)
    else:
        context = contextvars.copy_context()
        ctx, bad_host, view = context.run(cycle.open_request, app, None, request, host, path)  # type: ignore[arg-type]

    if answer is None:
        if view is None or not (
            view.__code__.co_flags & CO_ASYNC
            if type(view) is FunctionType
            else cycle.is_async(view)
        ):
            # Not an ``async def`` view (or the routing failed): the rest of the WSGI
            # adapter's cycle, in a worker thread.
            start = _StartResponse()
            app_iter = await run_sync(
                thread_pool(app),
                context,
                call_wsgi,
                wsgi.wsgi_app,
                app,
                request.environ,
                start,
                (plan, ctx, bad_host, view),
                cleanup=close_result,
            )
            return await send_response(app, start, app_iter, send, receive, body, context)
        result = await _native(app, plan, ctx, view, context, body, resume)
        if type(result[0]) is _StartResponse:
            start, native_iter = result
            return await send_response(app, start, native_iter, send, receive, body, context)
        answer = result  # type: ignore[assignment]

    # A text or JSON result written without a response object (``direct_body``).
    content_type, content = answer  # type: ignore[misc]
    type_header = _type_headers.get(content_type)
    if type_header is None:
        type_header = (b"content-type", content_type.encode("latin-1"))
        if len(_type_headers) < 64:
            _type_headers[content_type] = type_header
    size = len(content)
    length_header = _length_headers[size] if size < 2048 else (b"content-length", b"%d" % size)
    await send(
        {"type": "http.response.start", "status": 200, "headers": [type_header, length_header]}
    )
    # Werkzeug's Response compares the method as sent, as the environ has it.
    if request._lazy_scope is None:
        method = request.environ["REQUEST_METHOD"]
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else content})
    return None


def _own_context(ctx: RequestContext) -> contextvars.Context:
    """Move a request opened in the server task's context into a Context of its own,
    which the steps left (in the thread pool, and on the loop) share: its context
    variables are reset in the task's context and set again in a copy of it (which
    keeps what the view set)."""
    tokens = ctx._cv_tokens
    token, app_ctx = tokens[-1]
    _cv_request.reset(token)
    if app_ctx is not None:
        _cv_app.reset(app_ctx._cv_tokens[-1])
    context = contextvars.copy_context()
    if app_ctx is not None:
        app_ctx._cv_tokens[-1] = context.run(_cv_app.set, app_ctx)
    tokens[-1] = (context.run(_cv_request.set, ctx), app_ctx)
    return context


_new_request = object.__new__
_type_headers: dict[str, tuple[bytes, bytes]] = {}
#: The Content-Length header of each small body size.
_length_headers = [(b"content-length", b"%d" % size) for size in range(2048)]


def mark_asgi_callable(call: t.Callable[..., t.Any]) -> None:
    """Mark ``call`` as a coroutine function for the checks ASGI servers make, while
    it stays an ordinary function (a WSGI call returns the response iterable)."""
    import asyncio.coroutines
    import inspect

    marker = getattr(asyncio.coroutines, "_is_coroutine", None)
    if marker is not None:  # asyncio.iscoroutinefunction, before Python 3.14
        call._is_coroutine = marker  # type: ignore[attr-defined]
    if hasattr(inspect, "markcoroutinefunction"):  # Python 3.12+
        inspect.markcoroutinefunction(call)


async def asgi_signature(scope: t.Any, receive: t.Any, send: t.Any) -> None:
    """The signature an ASGI server inspects on the app (see ``Erlen.__code__``)."""


def thread_pool(app: Erlen) -> ThreadPoolExecutor:
    """The app's pool of threads for synchronous code under ASGI (``asgi_threads``)."""
    pool: ThreadPoolExecutor | None = app.__dict__.get("_asgi_pool")
    if pool is None:
        pool = ThreadPoolExecutor(app.asgi_threads, thread_name_prefix="erlen-asgi")
        app.__dict__["_asgi_pool"] = pool
    return pool


async def in_thread(
    app: Erlen, context: contextvars.Context, func: t.Callable[..., T], *args: t.Any
) -> T:
    """``func(*args)`` in ``context``, on a thread of the app's pool."""
    return await run_sync(thread_pool(app), context, func, *args)


async def call_user(
    app: Erlen, context: contextvars.Context, func: t.Callable[..., t.Any], *args: t.Any
) -> t.Any:
    """The app's own ``func(*args)`` in ``context``: awaited on the loop when it is
    ``async def``, else in the thread pool (it may block)."""
    if cycle.is_async(func):
        return await InContext(context, func(*args))
    return await in_thread(app, context, func, *args)


def before_loop_hop() -> None:
    """Called in a worker thread before it hands a coroutine to the loop: the
    request's body is received first, as the loop cannot wait on itself."""
    ctx = _cv_request.get(None)
    if ctx is not None:
        body = ctx.request.environ.get("wsgi.input")
        if type(body) is ReceiveBody and body.more:
            body.cap = ctx.request.max_content_length
            body.fill_sync()


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


_wsgi_app = wsgi.wsgi_app


def _plain_wsgi_app(app: Erlen) -> bool:
    return "wsgi_app" not in app.__dict__ and type(app).wsgi_app is _wsgi_app


#: How the view went where the adapter awaited it before :func:`_native`: it returned
#: (its value) or raised (the error).
_Resume = tuple[t.Literal["returned", "raised"], t.Any]


async def _native(
    app: Erlen,
    plan: cycle.Plan,
    ctx: RequestContext,
    view: t.Callable[..., t.Any],
    context: contextvars.Context,
    body: ReceiveBody | None,
    resume: _Resume | None = None,
) -> tuple[str, bytes] | tuple[_StartResponse, Iterable[bytes] | Started]:
    """The inlined cycle for an ``async def`` view: the steps of
    :func:`erlen.wsgi.wsgi_app`, with the view awaited on the loop and any step that
    calls the app's synchronous code run in a worker thread. ``resume`` is how the
    view went when the adapter has awaited it already."""
    error: BaseException | None = None
    request = ctx.request
    try:
        try:
            try:
                if resume is not None:
                    if resume[0] == "raised":
                        raise resume[1]
                    rv = resume[1]
                else:
                    rv = await _dispatch(app, view, context, request, body)
            except Exception as e:
                rv = await run_sync(thread_pool(app), context, cycle.user_exception, app, e)
            else:
                direct = cycle.direct_body(app, plan, ctx, rv)
                if direct is not None:
                    return direct
            if type(rv) is Response and cycle.nothing_after(app, ctx):
                response = rv  # what finalize_request would return
            elif cycle.finalize_calls_user_code(app, ctx):
                response = await run_sync(thread_pool(app), context, app.finalize_request, rv)
            else:
                response = context.run(app.finalize_request, rv)
        except Exception as e:
            error = e
            response = await run_sync(thread_pool(app), context, cycle.unhandled_exception, app, e)
        except BaseException as e:
            error = e
            raise
        start = _StartResponse()
        try:
            return start, context.run(_call_response, response, request.environ, start)
        except UnsafeHeaderError as e:
            error = e
            start = _StartResponse()
            return start, await run_sync(
                thread_pool(app),
                context,
                cycle.refuse_unsafe_headers,
                app,
                e,
                request.environ,
                start,
            )
    finally:
        environ = built_environ(request)
        if not context.run(cycle.end_quietly, app, plan, ctx, environ, error):
            await run_sync(thread_pool(app), context, cycle.finish, app, ctx, environ, error)


async def _dispatch(
    app: Erlen,
    view: t.Callable[..., t.Any],
    context: contextvars.Context,
    request: Request,
    body: ReceiveBody | None,
) -> t.Any:
    """What the request's view returns, after what runs before it (``request_started``
    receivers, ``before_request`` hooks, which may answer instead): the steps of
    ``full_dispatch_request`` up to the view."""
    dispatch: t.Callable[..., t.Any] | None = view
    if request_started.receivers or not app._got_first_request:
        await _start(app, context)
        dispatch = None
    rv = None
    if app.before_request_funcs or app.url_value_preprocessors:
        rv = await run_sync(thread_pool(app), context, app.preprocess_request)
        dispatch = None
    if rv is None and dispatch is None:
        # What ran may have changed the routing: dispatch what it is now.
        dispatch = context.run(cycle.view_for, app, request)
        if dispatch is None or not cycle.is_async(dispatch):
            return await run_sync(thread_pool(app), context, _dispatch_sync, app, dispatch)
    if rv is None and dispatch is not None:
        if body is not None:
            await _receive_body(body, request, context)
        args = request.view_args
        coro = dispatch(**args) if args else dispatch()
        try:  # the first step here: most views finish in it
            signal = context.run(coro.send, None)
        except StopIteration as stop:
            return stop.value
        return await InContext(context, coro, signal)
    return rv


async def _receive_body(body: ReceiveBody, request: Request, context: contextvars.Context) -> None:
    """Receive the body before an ``async def`` view runs (code on the loop cannot
    wait for it), up to the request's ``max_content_length`` as the ``before_request``
    hooks left it; past that, reading it is a 413."""
    limit = context.run(getattr, request, "max_content_length")
    length = request.content_length
    if length is None or limit is None or length <= limit:
        await body.fill(limit)


def _dispatch_sync(app: Erlen, view: t.Callable[..., t.Any] | None) -> t.Any:
    """Dispatch to a view that is not ``async def`` (or let ``dispatch_request`` answer
    a routing error), in a worker thread. None means the view returned nothing."""
    if view is None:
        return app.dispatch_request()
    args = _cv_request.get().request.view_args
    return view(**args) if args else view()


async def _start(app: Erlen, context: contextvars.Context) -> None:
    """``cycle.start`` for an async view: in a worker thread when it calls user code
    (signal receivers, ``before_serving`` functions), else here. (An app that never
    needs the thread pool never starts one: an idle thread slows the loop.)"""
    if request_started.receivers or (
        not app._got_first_request and (app.before_serving_funcs or app.after_serving_funcs)
    ):
        await run_sync(thread_pool(app), context, cycle.start, app, None)
    else:
        context.run(cycle.start, app, None)


def _call_response(
    response: Response, environ: WSGIEnvironment, start: _StartResponse
) -> Iterable[bytes] | Started:
    """Call a response as WSGI would; a buffered body is read here, on the loop (it
    is closed once sent, as a server closes it)."""
    app_iter = response(environ, start)
    if type(app_iter) is not list and type(app_iter) is not tuple and response.is_sequence:
        return Started(list(app_iter), None, app_iter)
    return app_iter


def parse_status(status: str) -> int:
    """The code of a WSGI status line ("404 NOT FOUND" -> 404)."""
    return int(status.partition(" ")[0])


def _encode_headers(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]


async def send_response(
    app: Erlen,
    start: _StartResponse,
    app_iter: Iterable[bytes] | Started,
    send: Send,
    receive: Receive,
    body: ReceiveBody | None,
    context: contextvars.Context,
) -> None:
    """Send a WSGI response (``start``'s status and headers, then ``app_iter``) as
    ASGI messages. A body that is not a list is iterated chunk by chunk in a worker
    thread (an async iterable on the loop); a client that goes away stops it."""
    written = start.written
    if type(app_iter) is list or type(app_iter) is tuple:
        await send(_start_message(start))
        chunks = [*written, *app_iter] if written else app_iter
        content = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        await send({"type": "http.response.body", "body": content})
        return
    try:
        message = _start_message(start)
        await send(message)
    except BaseException:
        # Nothing more is sent; the body is closed as a server closes it (which ends
        # a stream_with_context body's hold on teardown).
        await close_body(app, app_iter, context)
        raise
    status = message["status"]
    await stream_body(app, app_iter, written, send, receive, body, context, status)


def _start_message(start: _StartResponse) -> dict[str, t.Any]:
    if not start.status:
        raise RuntimeError("The WSGI application returned its body without calling start_response.")
    return {
        "type": "http.response.start",
        "status": parse_status(start.status),
        "headers": _encode_headers(start.headers),
    }


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
