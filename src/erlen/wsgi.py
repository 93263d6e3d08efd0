"""The WSGI adapter: from an environ to the request cycle and back to the server.

``handle`` is the general adapter: it pushes a request context, runs
``app.full_dispatch_request()`` and calls the response object. ``wsgi_app`` (which
is ``Erlen.wsgi_app``) does the same work for an app using erlen's own request,
response and session classes, with the steps inlined; when a view returns text
or a dict and nothing needs a response object (no ``after_request`` hook, no
session to save, no signal receiver), it writes the body straight to
``start_response``. Anything else is handed to the same methods the general
adapter uses, so both give the same responses (``tests/test_fast_path.py`` compares them).
"""

from __future__ import annotations

import sys
import typing as t

from . import _cycle as cycle
from ._headers import UnsafeHeaderError
from ._hosts import BadHost
from .signals import appcontext_pushed

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .app import Erlen
    from .ctx import RequestContext
    from .wrappers import Request


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
            return cycle.refuse_unsafe_headers(app, e, environ, start_response)
    finally:
        cycle.finish(app, ctx, environ, error)


def wsgi_app(
    app: Erlen, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """The WSGI application (``Erlen.wsgi_app``): wrap this, not the app, with middleware.

    An app whose cycle methods are erlen's own and which uses erlen's request,
    response and session classes, with no ``appcontext_pushed`` receiver, runs
    the cycle inlined here; any other goes through :func:`handle`. Which it is
    is decided on the first request (see :class:`erlen._cycle.Plan`) and again after
    ``request_class``, ``response_class`` or ``session_interface`` is assigned.
    """
    plan = app._inline_cycle
    if not plan or appcontext_pushed.receivers:
        plan = cycle.Plan.for_app(app)
        if plan is None:
            return handle(app, environ, start_response)
    ctx = cycle.open_request(app, environ)
    request = ctx.request
    return respond(
        app, plan, ctx, request, cycle.route(app, request, ctx), environ, start_response
    )


def respond(
    app: Erlen,
    plan: cycle.Plan,
    ctx: RequestContext,
    request: Request,
    bad_host: BadHost | None,
    environ: WSGIEnvironment,
    start_response: StartResponse,
) -> Iterable[bytes]:
    """The inlined cycle of a routed request whose context is pushed: hooks, the view,
    error handling, the response handed to ``start_response``, and the end of the
    request. The ASGI adapter runs it too (in a worker thread) for a synchronous view.
    """
    error: BaseException | None = None
    try:
        try:
            try:
                if bad_host is not None or cycle.needs_start(app):
                    cycle.start(app, bad_host)
                rv = None
                if app.before_request_funcs or app.url_value_preprocessors:
                    rv = app.preprocess_request()
                if rv is None:
                    view = cycle.view_for(app, request)
                    if view is None:
                        rv = app.dispatch_request()
                    else:
                        if cycle.is_async(view):
                            view = app.ensure_sync(view)
                        args = request.view_args
                        rv = view(**args) if args else view()
            except Exception as e:
                rv = app.handle_user_exception(e)
            else:
                direct = cycle.direct_body(app, plan, ctx, rv)
                if direct is not None:
                    return cycle.write_direct(environ, start_response, direct)
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
            return cycle.refuse_unsafe_headers(app, e, environ, start_response)
    finally:
        if not cycle.end_quietly(app, plan, ctx, environ, error):
            cycle.finish(app, ctx, environ, error)
