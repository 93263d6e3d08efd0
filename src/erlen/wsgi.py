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
from types import FunctionType

from werkzeug.exceptions import HTTPException, InternalServerError

from ._headers import UnsafeHeaderError
from ._hosts import BadHost
from ._internal import CO_ASYNC, is_client_error
from .ctx import AppContext, RequestContext
from .globals import _cv_app, _cv_request
from .json.provider import DefaultJSONProvider
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
        try:
            return response(environ, start_response)
        except UnsafeHeaderError as e:
            error = e
            return _refuse_unsafe_headers(app, e, environ, start_response)
    finally:
        _finish(app, ctx, environ, error)


def _refuse_unsafe_headers(
    app: Erlen, error: UnsafeHeaderError, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """Answer a response whose headers could split it as an unhandled error (500).

    The app's 500 handler runs as for any other error; should its response be
    unsafe too, a plain 500 goes out instead.
    """
    response = app.handle_exception(error)
    try:
        return response(environ, start_response)
    except UnsafeHeaderError as e:
        app.logger.error("The 500 error response was not sent either: %s", e)
        return InternalServerError()(environ, start_response)


def _finish(
    app: Erlen, ctx: RequestContext, environ: WSGIEnvironment, error: BaseException | None
) -> None:
    preserve = environ.get("werkzeug.debug.preserve_context")
    if preserve is not None:
        preserve(_cv_app.get())
        preserve(_cv_request.get())
    if error is not None and (
        # Bad client input the app answered (see Erlen.handle_exception) is no failure.
        is_client_error(error) or app.should_ignore_error(error)
    ):
        error = None
    ctx.pop(error)


class _Plan:
    """What the inlined cycle may take for granted about an app, decided once.

    Besides the app's own classes it reads the class attributes of ``Response``
    that shape a response (``default_status``, ``default_mimetype``,
    ``automatically_set_content_length``); change those on a subclass set as
    ``response_class``, as Flask advises, not on ``erlen.Response`` itself.
    """

    __slots__ = ("direct", "plain_teardown", "text_type")

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

    @classmethod
    def for_app(cls, app: Erlen) -> _Plan | t.Literal[False]:
        """The plan, or False when the app customises its cycle."""
        if (
            app._plain_cycle
            and app.request_class is Request
            and app.response_class is Response
            and type(app.session_interface) is SecureCookieSessionInterface
        ):
            return cls(app)
        return False


def wsgi_app(
    app: Erlen, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """The WSGI application (``Erlen.wsgi_app``): wrap this, not the app, with middleware.

    An app whose cycle methods are erlen's own and which uses erlen's request,
    response and session classes, with no ``appcontext_pushed`` receiver, runs
    the cycle inlined here; any other goes through :func:`handle`. Which it is
    is decided on the first request (see :class:`_Plan`) and again after
    ``request_class``, ``response_class`` or ``session_interface`` is assigned.
    """
    plan = app._inline_cycle
    if plan is None:
        plan = _Plan.for_app(app)
        object.__setattr__(app, "_inline_cycle", plan)
    if plan is False or appcontext_pushed.receivers:
        return handle(app, environ, start_response)

    request = Request(environ)
    ctx = RequestContext(app, environ, request)
    app_ctx: AppContext | None = _cv_app.get(None)
    if app_ctx is None or app_ctx.app is not app:
        app_ctx = AppContext(app)
        app_ctx._cv_tokens.append(_cv_app.set(app_ctx))
    else:
        app_ctx = None
    ctx._cv_tokens.append((_cv_request.set(ctx), app_ctx))

    error: BaseException | None = None
    bad_host: BadHost | None = None
    try:
        try:
            try:
                request.url_rule, request.view_args = app.match_request(ctx)
            except BadHost as e:
                request.routing_exception = bad_host = e
            except HTTPException as e:
                request.routing_exception = e

            if not app._got_first_request:
                app._got_first_request = True
            try:
                if request_started.receivers:
                    request_started.send(app, _async_wrapper=app.ensure_sync)
                if bad_host is not None:
                    raise bad_host
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
                        try:
                            view = app.view_functions[rule.endpoint]  # type: ignore[union-attr]
                        except KeyError:  # a rule without a view function
                            app._raise_missing_view(rule)  # type: ignore[arg-type]
                        if type(view) is not FunctionType or view.__code__.co_flags & CO_ASYNC:
                            view = app.ensure_sync(view)
                        args = request.view_args
                        rv = view(**args) if args else view()
            except Exception as e:
                rv = app.handle_user_exception(e)
            else:
                kind = type(rv)
                if (
                    (kind is str or kind is dict)
                    and plan.direct
                    and ctx._session is None
                    and not ctx._after_request_functions
                    and not app.after_request_funcs
                    and not request_finished.receivers
                    and (
                        "HTTP_COOKIE" not in environ
                        or app.config["SESSION_COOKIE_NAME"] not in environ["HTTP_COOKIE"]
                    )
                ):
                    # What make_response would build, written without a response
                    # object as nothing needs one. (A session cookie in the request
                    # does: the response may refresh it.)
                    content: bytes | None = None
                    if kind is str:
                        content_type = plan.text_type
                        if content_type is not None:
                            content = rv.encode()  # type: ignore[union-attr]
                    else:
                        provider = app.json
                        if type(provider) is DefaultJSONProvider:
                            content_type = _content_type_for(provider.mimetype)
                            content = provider._encode_response_body(rv)
                    if content is not None:
                        start_response(
                            "200 OK",
                            [
                                ("Content-Type", content_type),  # type: ignore[list-item]
                                ("Content-Length", str(len(content))),
                            ],
                        )
                        # Werkzeug's Response compares the method as sent, too.
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
        try:
            return response(environ, start_response)
        except UnsafeHeaderError as e:
            error = e
            return _refuse_unsafe_headers(app, e, environ, start_response)
    finally:
        if (
            error is None
            and len(ctx._cv_tokens) == 1
            and plan.plain_teardown
            and not app.teardown_request_funcs
            and not app.teardown_appcontext_funcs
            and not request_tearing_down.receivers
            and not appcontext_tearing_down.receivers
            and not appcontext_popped.receivers
            and not request._form_loaded
            and "werkzeug.debug.preserve_context" not in environ
            and _cv_request.get() is ctx
            and (app_ctx is None or (len(app_ctx._cv_tokens) == 1 and _cv_app.get() is app_ctx))
        ):
            # RequestContext.pop with nothing to tear down.
            _cv_request.reset(ctx._cv_tokens.pop()[0])
            environ["werkzeug.request"] = None
            if app_ctx is not None:
                _cv_app.reset(app_ctx._cv_tokens.pop())
        else:
            _finish(app, ctx, environ, error)
