"""The steps of one request, shared by the WSGI and ASGI adapters.

Each step is a plain function. The pure ones (routing, the direct-write decision,
the quiet end of a request) never call the app's own code; the others do, and an
adapter runs them as its protocol needs: the WSGI adapter calls each in turn, the
ASGI adapter runs the ones that call synchronous user code in a worker thread and
awaits an ``async def`` view on the server's loop. The order of the steps, and what
each one checks, is written only here and in the app's cycle methods.
"""

from __future__ import annotations

import typing as t
from types import FunctionType

from werkzeug.exceptions import HTTPException, InternalServerError

from . import globals as _globals
from ._headers import UnsafeHeaderError
from ._hosts import BadHost, known_hosts
from ._internal import CO_ASYNC, is_client_error
from .ctx import AppContext, RequestContext
from .json.provider import DefaultJSONProvider
from .routing import NeedsRedirect
from .sessions import SecureCookieSessionInterface
from .signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    request_finished,
    request_started,
    request_tearing_down,
)
from .wrappers import Request, Response, _content_type_for

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from . import typing as ft
    from .app import Erlen


# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

class Plan:
    """What the inlined cycle may take for granted about an app, decided once.

    Besides the app's own classes it reads the class attributes of ``Response``
    that shape a response (``default_status``, ``default_mimetype``,
    ``automatically_set_content_length``); change those on a subclass set as
    ``response_class``, as Flask advises, not on ``erlen.Response`` itself.
    """

    __slots__ = ("direct", "own_wsgi_app", "plain_teardown", "text_type")

    def __init__(self, app: Erlen) -> None:
        #: Whether a ``str`` or ``dict`` result may be written without a response object.
        self.direct = bool(
            Response.automatically_set_content_length and Response.default_status == 200
        )
        mimetype = Response.default_mimetype
        #: The Content-Type of a ``str`` result, or None to build a response for it.
        self.text_type = _content_type_for(mimetype) if mimetype is not None else None
        #: Whether the teardown methods are erlen's own.
        self.plain_teardown = app._plain_teardown
        #: Whether ``app.wsgi_app`` is erlen's own, not wrapped in WSGI middleware
        #: (which the ASGI adapter must then run).
        from .wsgi import wsgi_app  # (erlen.wsgi imports this module)

        self.own_wsgi_app = "wsgi_app" not in app.__dict__ and type(app).wsgi_app is wsgi_app

    @classmethod
    def for_app(cls, app: Erlen) -> Plan | None:
        """The plan for ``app``'s next request, or None when the general adapter must
        run it (a customised cycle, or an ``appcontext_pushed`` receiver)."""
        plan = app._inline_cycle
        if plan is None:
            plan = False
            if (
                app._plain_cycle
                and app.request_class is Request
                and app.response_class is Response
                and type(app.session_interface) is SecureCookieSessionInterface
            ):
                plan = cls(app)
            object.__setattr__(app, "_inline_cycle", plan)
        if plan is False or appcontext_pushed.receivers:
            return None
        return plan


def open_request(
    app: Erlen,
    environ: WSGIEnvironment,
    request: Request | None = None,
    host: str | None = None,
    path: str = "/",
) -> tuple[RequestContext, BadHost | None, t.Callable[..., t.Any] | None]:
    """A request context for ``environ``, pushed (with an app context if needed) and
    routed: what ``RequestContext.push`` does for an app on the inlined cycle. (The
    ASGI adapter passes a ``request`` it opened from a scope instead, with the
    ``host`` and ``path`` its environ will have.)

    Returns the context, a refused ``Host`` (raised before any hook runs) and the
    view routed to, or None where :func:`view_for` decides (after the
    ``before_request`` hooks, which may change the routing, it is asked again). A
    routing error is kept on the request, to raise in the view's place.
    """
    if request is None:
        request = Request(environ)
        host = environ.get("HTTP_HOST")
        path = environ.get("PATH_INFO", "/")
    ctx = RequestContext(app, environ, request)
    app_ctx: AppContext | None = _cv_app.get(None)
    if app_ctx is None or app_ctx.app is not app:
        app_ctx = AppContext(app)
        app_ctx._cv_tokens.append(_cv_app.set(app_ctx))
    else:
        app_ctx = None
    ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))
    # Most requests: a path in the default domain, for a Host seen valid before and no
    # TRUSTED_HOSTS, routed here (a rule without converters looked up directly); for
    # anything else app._match checks the Host and routes.
    url_map = app.url_map
    try:
        router: t.Any = url_map._erlen_router
        quick = router.version == url_map.version
    except AttributeError:  # no router yet, or a Map that is not erlen's
        quick = False
    entry = None
    if quick:
        if (
            host not in known_hosts
            or app.config["TRUSTED_HOSTS"]
            or url_map.host_matching
            or app.subdomain_matching
            or url_map.default_subdomain
        ):
            quick = False
        else:
            by_method = router.plain_static.get(path)
            if by_method is not None:
                entry = by_method.get(request.method)
    try:
        if entry is not None:
            rule = entry.rule
            request.view_args = {}
        elif quick and path[:1] == "/" and path[1:2] != "/" and path.isascii():
            try:
                rule, request.view_args = router.match("", path, request.method)
            except NeedsRedirect:  # built by Werkzeug, as app._match does
                rule, request.view_args = app._match(ctx, host, path)
        else:
            rule, request.view_args = app._match(ctx, host, path)
    except BadHost as e:
        request.routing_exception = e
        return ctx, e, None
    except HTTPException as e:
        request.routing_exception = e
        return ctx, None, None
    except Exception as e:  # a URL converter that failed: raised where the view would run
        request.routing_exception = e  # type: ignore[assignment]
        return ctx, None, None
    request.url_rule = rule
    if request.method == "OPTIONS":
        return ctx, None, None
    return ctx, None, app.view_functions.get(rule.endpoint)


def start(app: Erlen, bad_host: BadHost | None) -> None:
    """The beginning of the dispatch: first-request bookkeeping, ``request_started``,
    and a refused ``Host`` raised before any hook."""
    if not app._got_first_request:
        app._first_request()
    if request_started.receivers:
        request_started.send(app, _async_wrapper=app.ensure_sync)
    if bad_host is not None:
        raise bad_host


def view_for(app: Erlen, request: Request) -> t.Callable[..., t.Any] | None:
    """The view the request was routed to, or None when ``app.dispatch_request()``
    answers it (a routing error, or the automatic ``OPTIONS`` response)."""
    rule = request.url_rule
    if request.routing_exception is not None or (
        request.method == "OPTIONS" and getattr(rule, "provide_automatic_options", False)
    ):
        return None
    try:
        return app.view_functions[rule.endpoint]  # type: ignore[union-attr]
    except KeyError:  # a rule without a view function
        app._raise_missing_view(rule)  # type: ignore[arg-type]


def is_async(func: t.Callable[..., t.Any]) -> bool:
    """Whether calling ``func`` returns a coroutine (an ``async def`` function)."""
    if type(func) is FunctionType:
        return bool(func.__code__.co_flags & CO_ASYNC)
    from inspect import iscoroutinefunction

    return iscoroutinefunction(func)


def direct_body(app: Erlen, plan: Plan, ctx: RequestContext, rv: t.Any) -> tuple[str, bytes] | None:
    """The Content-Type and body of a ``str`` or ``dict`` result when nothing needs a
    response object (:func:`nothing_after`), or None to finalize the request as usual."""
    kind = type(rv)
    if (kind is str or kind is dict) and plan.direct and nothing_after(app, ctx):
        if kind is str:
            content_type = plan.text_type
            if content_type is not None:
                return content_type, rv.encode()
            return None
        provider = app.json
        if type(provider) is DefaultJSONProvider:
            return _content_type_for(provider.mimetype), provider._encode_response_body(rv)
    return None


def nothing_after(app: Erlen, ctx: RequestContext) -> bool:
    """Whether ``app.finalize_request`` would do nothing but make the response: no
    ``after_request`` hook, no session to save, no ``request_finished`` receiver.

    A session cookie in the request counts as a session to save: it may be refreshed.
    """
    if (
        ctx._session is not None
        or ctx._after_request_functions
        or app.after_request_funcs
        or request_finished.receivers
    ):
        return False
    request = ctx.request
    # (A request opened from an ASGI scope whose environ is not built yet has read
    # its Cookie header already.)
    cookie = (
        request.environ.get("HTTP_COOKIE") if request._lazy_scope is None else request._lazy_cookie
    )
    return cookie is None or app.config["SESSION_COOKIE_NAME"] not in cookie


def finalize_calls_user_code(app: Erlen, ctx: RequestContext) -> bool:
    """Whether ``app.finalize_request`` may call the app's own code (hooks, signal
    receivers); on the inlined cycle the session interface is erlen's own."""
    return bool(
        ctx._after_request_functions or app.after_request_funcs or request_finished.receivers
    )


def user_exception(app: Erlen, e: Exception) -> ft.ResponseReturnValue | HTTPException:
    """``app.handle_user_exception(e)``, called where ``e`` is the exception being
    handled (it re-raises an unhandled one as it is)."""
    try:
        raise e
    except Exception:
        return app.handle_user_exception(e)


def unhandled_exception(app: Erlen, e: Exception) -> Response:
    """``app.handle_exception(e)``, called where ``e`` is the exception being handled."""
    try:
        raise e
    except Exception:
        return app.handle_exception(e)


def refuse_unsafe_headers(
    app: Erlen, error: UnsafeHeaderError, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """Answer a response whose headers could split it as an unhandled error (500).

    The app's 500 handler runs as for any other error; should its response be
    unsafe too, a plain 500 goes out instead.
    """
    response = unhandled_exception(app, error)
    try:
        return response(environ, start_response)
    except UnsafeHeaderError as e:
        app.logger.error("The 500 error response was not sent either: %s", e)
        return InternalServerError()(environ, start_response)


def end_quietly(
    app: Erlen,
    plan: Plan,
    ctx: RequestContext,
    environ: WSGIEnvironment | None,
    error: BaseException | None,
    reset: bool = True,
) -> bool:
    """Pop the contexts of a request that has nothing to tear down (what
    ``RequestContext.pop`` would do, without its checks); False when there is
    something, for :func:`finish`. ``environ`` is None for a request opened from an
    ASGI scope that never built its environ. ``reset=False`` leaves the context
    variables set, for a caller that throws their ``contextvars.Context`` away."""
    tokens = ctx._cv_tokens
    if (
        error is not None
        or len(tokens) != 1
        or app.teardown_request_funcs
        or app.teardown_appcontext_funcs
        or ctx.request._form_loaded
        or not plan.plain_teardown
        or request_tearing_down.receivers
        or appcontext_tearing_down.receivers
        or appcontext_popped.receivers
        or (environ is not None and "werkzeug.debug.preserve_context" in environ)
    ):
        return False
    token, app_ctx = tokens[0]
    if _cv_request.get() is not ctx or (
        app_ctx is not None and (len(app_ctx._cv_tokens) != 1 or _cv_app.get() is not app_ctx)
    ):
        return False
    del tokens[0]
    if environ is not None:
        environ["werkzeug.request"] = None
    if reset:
        _cv_request.reset(token)
        if app_ctx is not None:
            _cv_app.reset(app_ctx._cv_tokens.pop())
    elif app_ctx is not None:
        del app_ctx._cv_tokens[0]  # its Context refers to the app context: no cycle
    return True


def finish(
    app: Erlen, ctx: RequestContext, environ: WSGIEnvironment | None, error: BaseException | None
) -> None:
    """End the request: pop its contexts, running teardown with the error (if any
    that counts as the app's). ``environ`` is None as for :func:`end_quietly`."""
    preserve = environ.get("werkzeug.debug.preserve_context") if environ is not None else None
    if preserve is not None:
        preserve(_cv_app.get())
        preserve(_cv_request.get())
    if error is not None and (
        # Bad client input the app answered (see Erlen.handle_exception) is no failure.
        is_client_error(error) or app.should_ignore_error(error)
    ):
        error = None
    ctx.pop(error)
