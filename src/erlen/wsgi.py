"""The WSGI adapter: from an environ to the request cycle and back to the server.

``handle`` is the general adapter: it pushes a request context, runs
``app.full_dispatch_request()`` and calls the response object. ``wsgi_app`` (which
is ``Erlen.wsgi_app``) does the same work for an app using erlen's own request,
response and session classes, with the steps inlined; when a view returns text
or a dict and nothing needs a response object (no ``after_request`` hook, no
session to save, no signal receiver), it writes the body straight to
``start_response``, and a response object the view made is sent as it is.
Anything else is handed to the same methods the general adapter uses, so both
give the same responses (``tests/test_fast_path.py`` compares them). The steps are
shared with the ASGI adapter (:mod:`erlen._cycle`).
"""

from __future__ import annotations

import sys
import typing as t
from types import FunctionType

from ._cycle import (
    Plan,
    direct_body,
    end_quietly,
    finish,
    nothing_after,
    open_request,
    refuse_unsafe_headers,
    start,
    view_for,
)
from ._headers import UnsafeHeaderError
from ._internal import CO_ASYNC
from .signals import appcontext_pushed, request_started
from .wrappers import Response

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from ._hosts import BadHost
    from .app import Erlen
    from .ctx import RequestContext


def handle(app: Erlen, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Run one request through the app's (overridable) request-cycle methods."""
    ctx = app.request_context(environ)
    error: BaseException | None = None
    try:
        try:
            ctx.push()
            response = app.full_dispatch_request()
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except:
            error = sys.exc_info()[1]
            raise
        try:
            return response(environ, start_response)
        except UnsafeHeaderError as e:
            error = e
            return refuse_unsafe_headers(app, e, environ, start_response)
    finally:
        finish(app, ctx, environ, error)


def wsgi_app(
    app: Erlen,
    environ: WSGIEnvironment,
    start_response: StartResponse,
    _routed: tuple[Plan, RequestContext, BadHost | None, t.Callable[..., t.Any] | None]
    | None = None,
) -> Iterable[bytes]:
    """The WSGI application (``Erlen.wsgi_app``): wrap this, not the app, with middleware.

    An app whose cycle methods are erlen's own and which uses erlen's request,
    response and session classes, with no ``appcontext_pushed`` receiver, runs
    the cycle inlined here; any other goes through :func:`handle`. Which it is
    is decided on the first request (see :class:`erlen._cycle.Plan`) and again after
    ``request_class``, ``response_class`` or ``session_interface`` is assigned.

    The ASGI adapter calls this (in a worker thread) for a synchronous view with the
    request it has already opened and routed (``_routed``).
    """
    if _routed is None:
        plan = app._inline_cycle
        if not plan or appcontext_pushed.receivers:
            plan = Plan.for_app(app)
            if plan is None:
                return handle(app, environ, start_response)
        ctx, bad_host, view = open_request(app, environ)
    else:
        plan, ctx, bad_host, view = _routed
    request = ctx.request
    error: BaseException | None = None
    try:
        try:
            try:
                if bad_host is not None or not app._got_first_request or request_started.receivers:
                    start(app, bad_host)
                    view = None  # looked up again, after what the receivers did
                rv = None
                if app.before_request_funcs or app.url_value_preprocessors:
                    rv = app.preprocess_request()
                    view = None  # the hooks may have changed the routing
                if rv is None:
                    if view is None:
                        view = view_for(app, request)
                    if view is None:
                        rv = app.dispatch_request()
                    else:
                        if type(view) is not FunctionType or view.__code__.co_flags & CO_ASYNC:
                            view = app.ensure_sync(view)
                        args = request.view_args
                        rv = view(**args) if args else view()
            except Exception as e:
                rv = app.handle_user_exception(e)
            else:
                direct = direct_body(app, plan, ctx, rv)
                if direct is not None:
                    content = direct[1]
                    start_response(
                        "200 OK",
                        [("Content-Type", direct[0]), ("Content-Length", str(len(content)))],
                    )
                    # Werkzeug's Response compares the method as sent, too.
                    if environ.get("REQUEST_METHOD") == "HEAD":
                        return []
                    return [content]
            if type(rv) is Response and nothing_after(app, ctx):
                response = rv  # what finalize_request would return
            else:
                response = app.finalize_request(rv)
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except:
            error = sys.exc_info()[1]
            raise
        try:
            return response(environ, start_response)
        except UnsafeHeaderError as e:
            error = e
            return refuse_unsafe_headers(app, e, environ, start_response)
    finally:
        if not end_quietly(app, plan, ctx, environ, error):
            finish(app, ctx, environ, error)
