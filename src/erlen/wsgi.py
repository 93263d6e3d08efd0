"""The WSGI adapter: from an environ to the request cycle and back to the server.

``handle`` is the general adapter: it pushes a request context, runs
``app.full_dispatch_request()`` and calls the response object. ``handle_fast`` does
the same work for an app using erlen's own request, response and session classes,
with the steps inlined; when a view returns text or a dict and nothing needs a
response object (no ``after_request`` hook, no session to save, no signal
receiver), it writes the body straight to ``start_response``. Anything else is
handed to the same methods the general adapter uses, so both give the same
responses (``tests/test_fast_path.py`` compares them).
"""

from __future__ import annotations

import sys
import typing as t
from types import FunctionType

from werkzeug.exceptions import HTTPException

from ._internal import CO_ASYNC
from .ctx import AppContext, RequestContext
from .globals import _cv_app, _cv_request
from .json.provider import DefaultJSONProvider
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

    from .app import Erlen



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
        return response(environ, start_response)
    finally:
        _finish(app, ctx, environ, error)


def _finish(
    app: Erlen, ctx: RequestContext, environ: WSGIEnvironment, error: BaseException | None
) -> None:
    preserve = environ.get("werkzeug.debug.preserve_context")
    if preserve is not None:
        preserve(_cv_app.get())
        preserve(_cv_request.get())
    if error is not None and app.should_ignore_error(error):
        error = None
    ctx.pop(error)


def handle_fast(
    app: Erlen, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """``handle`` with its steps inlined, and a direct write for simple results.

    Only for an app whose cycle methods are erlen's own and which uses erlen's
    request, response and session classes (``Erlen.wsgi_app`` checks), with no
    ``appcontext_pushed`` receiver (pushing here cannot fail).
    """
    request = Request(environ)
    ctx = RequestContext(app, environ, request)
    app_ctx: AppContext | None = _cv_app.get(None)
    if app_ctx is None or app_ctx.app is not app:
        app_ctx = AppContext(app)
        app_ctx._cv_tokens.append(_cv_app.set(app_ctx))
        if appcontext_pushed.receivers:
            appcontext_pushed.send(app, _async_wrapper=app.ensure_sync)
    else:
        app_ctx = None
    ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))

    error: BaseException | None = None
    try:
        try:
            try:
                request.url_rule, request.view_args = app.match_request(ctx)
            except HTTPException as e:
                request.routing_exception = e

            app._got_first_request = True
            try:
                if request_started.receivers:
                    request_started.send(app, _async_wrapper=app.ensure_sync)
                rv = None
                if app.before_request_funcs or app.url_value_preprocessors:
                    rv = app.preprocess_request()
                if rv is None:
                    rule = request.url_rule
                    if request.routing_exception is not None or (
                        request.method == "OPTIONS"
                        and getattr(rule, "provide_automatic_options", False)
                    ):
                        rv = app.dispatch_request()
                    else:
                        view = app.view_functions[rule.endpoint]  # type: ignore[union-attr]
                        if type(view) is not FunctionType or view.__code__.co_flags & CO_ASYNC:
                            view = app.ensure_sync(view)
                        rv = view(**request.view_args)  # type: ignore[arg-type]
            except Exception as e:
                rv = app.handle_user_exception(e)
            else:
                body = _direct_body(app, ctx, rv)
                if body is not None:
                    content, content_type = body
                    start_response(
                        "200 OK",
                        [("Content-Type", content_type), ("Content-Length", str(len(content)))],
                    )
                    if environ.get("REQUEST_METHOD") == "HEAD":
                        return []
                    return [content]
            response = app.finalize_request(rv)
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except:
            error = sys.exc_info()[1]
            raise
        return response(environ, start_response)
    finally:
        if (
            error is None
            and app._plain_teardown
            and not app.teardown_request_funcs
            and not app.teardown_appcontext_funcs
            and not request_tearing_down.receivers
            and not appcontext_tearing_down.receivers
            and not appcontext_popped.receivers
            and len(ctx._cv_tokens) == 1
            and _cv_request.get() is ctx
            and "files" not in request.__dict__
            and "werkzeug.debug.preserve_context" not in environ
            and (app_ctx is None or (len(app_ctx._cv_tokens) == 1 and _cv_app.get() is app_ctx))
        ):
            # RequestContext.pop with nothing to tear down.
            _cv_request.reset(ctx._cv_tokens.pop()[0])
            environ["werkzeug.request"] = None
            if app_ctx is not None:
                _cv_app.reset(app_ctx._cv_tokens.pop())
        else:
            _finish(app, ctx, environ, error)


def _direct_body(app: Erlen, ctx: RequestContext, rv: t.Any) -> tuple[bytes, str] | None:
    """The body and content type for a result that needs no response object, else None.

    That is a ``str`` or a ``dict`` returned with no status or headers, when nothing
    would change the response: no ``after_request`` or ``after_this_request``
    function, no session opened (nor a session cookie to refresh), no
    ``request_finished`` receiver.
    """
    kind = type(rv)
    if kind is not str and kind is not dict:
        return None
    if (
        ctx._after_request_functions
        or app.after_request_funcs
        or ctx._session is not None
        or request_finished.receivers
        or not Response.automatically_set_content_length
        or Response.default_status != 200
    ):
        return None
    cookie_header = ctx.request.environ.get("HTTP_COOKIE")
    if cookie_header and app.config["SESSION_COOKIE_NAME"] in cookie_header:
        return None
    if kind is str:
        mimetype = Response.default_mimetype
        if mimetype is None:
            return None
        return rv.encode(), _content_type_for(mimetype)
    provider = app.json
    if type(provider) is not DefaultJSONProvider:
        return None
    return provider._encode_response_body(rv), _content_type_for(provider.mimetype)
