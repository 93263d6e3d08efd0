"""Application and request contexts: what ``current_app``, ``g``, ``request`` and
``session`` point at while code runs.

A request context pushes an application context for its app when none is active.
Contexts may be pushed again while active (``stream_with_context`` does); teardown
runs only when the last push is popped.
"""

from __future__ import annotations

import contextvars
import sys
import typing as t
from functools import update_wrapper
from types import TracebackType  # at run time, as in flask.ctx

from werkzeug.exceptions import HTTPException

from . import globals as _globals
from . import typing as ft
from ._internal import lazy_attribute
from .signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    request_tearing_down,
)

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.routing import MapAdapter

    from .app import Erlen
    from .sessions import SessionMixin
    from .wrappers import Request

# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

_sentinel = object()


class _AppCtxGlobals:
    """``g``: a plain namespace that lives as long as the application context."""

    def __getattr__(self, name: str) -> t.Any:
        # Only reached for a missing name: Flask's error names just the attribute.
        raise AttributeError(name)

    if t.TYPE_CHECKING:
        # Any attribute may be set; at run time plain attribute storage is faster.
        def __setattr__(self, name: str, value: t.Any) -> None: ...

    # No __delattr__ (nor __setattr__): defining either routes every assignment
    # through a Python-level slot, several times slower than plain storage.

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """The attribute ``name``, or ``default``."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove and return ``name``; ``default`` if missing, else ``KeyError``."""
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """The attribute ``name``, set to ``default`` first if missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app.get(None)
        if ctx is not None:
            return f"<erlen.g of '{ctx.app.name}'>"
        return object.__repr__(self)


def after_this_request(f: ft.AfterRequestCallable[t.Any]) -> ft.AfterRequestCallable[t.Any]:
    """Run ``f(response)`` after the current request only, before ``after_request`` hooks."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_request' needs an active request context: call it from a view"
            " or a before_request function."
        )
    ctx._after_request_functions.append(f)
    return f


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def copy_current_request_context(f: F) -> F:
    """Wrap ``f`` so that it runs in a copy of the current request context.

    For work started during a request that runs later elsewhere, such as a thread
    or a greenlet.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_request_context' needs an active request context: decorate"
            " the function inside a view, not at import time."
        )
    ctx = ctx.copy()

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with ctx:
            return ctx.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


def has_request_context() -> bool:
    """Whether a request context is active (``request`` and ``session`` usable)."""
    return _cv_request.get(None) is not None


def has_app_context() -> bool:
    """Whether an application context is active (``current_app`` and ``g`` usable)."""
    return _cv_app.get(None) is not None


class AppContext:
    """The application context: holds ``g`` and the app for ``current_app``."""

    #: Streams (``stream_with_context``) still to be sent; teardown waits for them.
    #: A class-level 0 that a stream's ``+=`` shadows per instance: no store per request.
    _stream_holds = 0

    def __init__(self, app: Erlen) -> None:
        self.app = app
        self._cv_tokens: list[contextvars.Token[AppContext]] = []

    @lazy_attribute
    def g(self) -> _AppCtxGlobals:
        """The ``g`` namespace of this context."""
        return self.app.app_ctx_globals_class()

    @lazy_attribute
    def url_adapter(self) -> MapAdapter | None:
        """A URL adapter from ``SERVER_NAME``, for ``url_for`` without a request."""
        return self.app.create_url_adapter(None)

    def push(self) -> None:
        """Make this the active application context."""
        self._cv_tokens.append(_cv_app.set(self))
        if appcontext_pushed.receivers:
            appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Deactivate this context; the last pop runs ``teardown_appcontext`` functions."""
        try:
            if len(self._cv_tokens) == 1 and not self._stream_holds:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                app = self.app
                if (
                    app.teardown_appcontext_funcs
                    or appcontext_tearing_down.receivers
                    or not app._plain_teardown
                ):
                    app.do_teardown_appcontext(exc)
        finally:
            ctx = _cv_app.get()
            _cv_app.reset(self._cv_tokens.pop())
        if ctx is not self:
            raise AssertionError(
                f"Popped the wrong application context: {ctx!r} is active, not {self!r}."
                " Contexts must be popped in the reverse order they were pushed."
            )
        if appcontext_popped.receivers:
            appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)


class RequestContext:
    """The request context: the request, its session, routing results and flashes.

    Created by the app for each request (``app.request_context(environ)``), or in
    tests by ``app.test_request_context()``. The session is opened on first use.
    """

    #: Streams (``stream_with_context``) still to be sent; teardown waits for them
    #: (a class-level 0 that a stream's ``+=`` shadows per instance).
    _stream_holds = 0

    def __init__(
        self,
        app: Erlen,
        environ: WSGIEnvironment,
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        if request is None:
            request = app.request_class(environ)
        self.request: Request = request
        self.flashes: list[tuple[str, str]] | None = None
        self._session = session
        self._after_request_functions: list[ft.AfterRequestCallable[t.Any]] = []
        self._cv_tokens: list[tuple[contextvars.Token[RequestContext], AppContext | None]] = []

    @lazy_attribute
    def url_adapter(self) -> MapAdapter | None:
        """Werkzeug's adapter bound to this request, for building URLs."""
        try:
            return self.app.create_url_adapter(self.request)
        except HTTPException as e:
            self.request.routing_exception = e
            return None

    @property
    def session(self) -> SessionMixin:
        """The session, opened through ``app.session_interface`` on first access.

        Reaching it marks it accessed, so the response varies on the cookie.
        """
        session = self._open_session()
        session.accessed = True
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session = value

    def _open_session(self) -> SessionMixin:
        """The session, opened if needed, without marking it accessed."""
        session = self._session
        if session is None:
            interface = self.app.session_interface
            session = interface.open_session(self.app, self.request)
            if session is None:
                session = interface.make_null_session(self.app)
            self._session = session
        return session

    def copy(self) -> RequestContext:
        """A new context for the same request and session, to push elsewhere."""
        session = self._open_session()
        return self.__class__(
            self.app, environ=self.request.environ, request=self.request, session=session
        )

    def match_request(self) -> None:
        """Route the request; a routing error is kept to be raised when the view runs."""
        try:
            self.request.url_rule, self.request.view_args = self.app.match_request(self)
        except HTTPException as e:
            self.request.routing_exception = e

    def push(self) -> None:
        """Make this the active request context, with an app context if needed."""
        app = self.app
        app_ctx = _cv_app.get(None)
        if app_ctx is None or app_ctx.app is not app:
            app_ctx = app.app_context()
            app_ctx.push()
        else:
            app_ctx = None
        self._cv_tokens.append((_cv_request.set(self), app_ctx))
        if self._session is None and not app._lazy_session:
            # A custom interface may expect its session opened with the context.
            self._open_session()
        request = self.request
        if (
            len(self._cv_tokens) == 1
            and request.url_rule is None
            and request.routing_exception is None
        ):
            try:
                request.url_rule, request.view_args = app.match_request(self)
            except HTTPException as e:
                request.routing_exception = e

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Deactivate this context; the last pop runs teardown and closes the request."""
        clear_request = len(self._cv_tokens) == 1
        try:
            if clear_request and not self._stream_holds:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                app = self.app
                if (
                    app.teardown_request_funcs
                    or request_tearing_down.receivers
                    or not app._plain_teardown
                ):
                    app.do_teardown_request(exc)
                if self.request._form_loaded:
                    self.request.close()
        finally:
            ctx = _cv_request.get()
            token, app_ctx = self._cv_tokens.pop()
            _cv_request.reset(token)
            if clear_request and ctx.request._lazy_scope is None:  # an environ to clear
                ctx.request.environ["werkzeug.request"] = None
            if app_ctx is not None:
                app_ctx.pop(exc)
            if ctx is not self:
                raise AssertionError(
                    f"Popped the wrong request context: {ctx!r} is active, not {self!r}."
                    " Contexts must be popped in the reverse order they were pushed."
                )

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.request.url!r}"
            f" [{self.request.method}] of {self.app.name}>"
        )


class _Hold:
    """Whether a stream holds its request's teardown back, shared by the stream and the
    generator that runs it. The generator refers to this, never to the stream: a
    stream dropped half-sent is then freed (and closed, popping its contexts) at once,
    as Flask's is, not by a later garbage collection in the middle of another request."""

    __slots__ = ("app_ctx", "held", "req_ctx")

    def __init__(self, req_ctx: RequestContext, app_ctx: AppContext) -> None:
        self.req_ctx = req_ctx
        self.app_ctx = app_ctx
        self.held = False

    def take(self) -> None:
        if not self.held:
            self.held = True
            self.req_ctx._stream_holds += 1
            self.app_ctx._stream_holds += 1

    def release(self) -> None:
        if self.held:
            self.held = False
            self.req_ctx._stream_holds -= 1
            self.app_ctx._stream_holds -= 1


class ContextStream:
    """What ``stream_with_context`` returns: an iterator that runs ``inner`` with the
    request's contexts pushed again.

    Once it is the body handed to the server (the response calls :meth:`hold`),
    the request's teardown waits for it: the server iterates after the request
    cycle has popped the contexts, and teardown then runs once, when the stream
    ends or is closed. A stream that never reaches the server holds nothing, so
    a view that raises after making one is torn down with the request as usual.
    """

    def __init__(self, inner: t.Iterator[t.Any], req_ctx: RequestContext) -> None:
        self._inner = inner
        self._hold = _Hold(req_ctx, _cv_app.get())
        self._closed = False
        self._steps: t.Generator[t.Any, None, None] | None = None

    def __iter__(self) -> ContextStream:
        return self

    def __next__(self) -> t.Any:
        steps = self._steps
        if steps is None:
            if self._closed:
                raise StopIteration
            steps = self._steps = _run_stream(self._inner, self._hold)
        return next(steps)

    def hold(self) -> None:
        """Make the request's teardown wait until this stream has been sent."""
        if not self._closed and self._steps is None:
            self._hold.take()

    def close(self) -> None:
        """Stop the stream (the server calls this, also when the client goes away)."""
        if self._closed:
            return
        self._closed = True
        if self._steps is not None:
            self._steps.close()
            return
        # Closed before it was iterated: nothing is pushed.
        _close_inner(self._inner)
        hold = self._hold
        if hold.held:
            hold.release()
            if not hold.req_ctx._cv_tokens:
                # The request cycle popped the contexts already; tear them down now.
                with hold.app_ctx, hold.req_ctx:
                    pass


def _run_stream(inner: t.Iterator[t.Any], hold: _Hold) -> t.Generator[t.Any, None, None]:
    """The steps of a :class:`ContextStream` (a function of its parts, not a method:
    the generator must not keep the stream alive, see :class:`_Hold`)."""
    req_ctx, app_ctx = hold.req_ctx, hold.app_ctx
    # Iterated unheld after the request was torn down (wrapped in another
    # iterator): hold for this push, so teardown does not run a second time.
    late = not hold.held and not req_ctx._cv_tokens
    if late:
        hold.take()
    try:
        # The app context first, so the request context does not make another.
        with app_ctx, req_ctx:
            try:
                yield from inner
            finally:
                if not late:
                    hold.release()  # the pops below are the last: teardown runs
                _close_inner(inner)
    finally:
        if late:
            hold.release()


def _close_inner(inner: t.Iterator[t.Any]) -> None:
    close = getattr(inner, "close", None)
    if close is not None:
        close()
