"""The context variables behind ``current_app``, ``g``, ``request`` and ``session``.

Each variable holds the active context object itself; the proxies look an attribute
up on it when used, so threads, greenlets and asyncio tasks each see their own.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

from werkzeug.local import LocalProxy

if t.TYPE_CHECKING:
    from .app import Erlen
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .websockets import Websocket
    from .wrappers import Request

_no_app_msg = """\
Working outside of application context.

This happens when code needs the current application (current_app, g, url_for,
...) but no application context is active. Push one with
'with app.app_context():' around the code, or run it inside a request or a
CLI command of the app.\
"""

_no_req_msg = """\
Working outside of request context.

This happens when code needs the current request (request, session, ...) but
no request is being handled. In a test, push one with
'with app.test_request_context():'; otherwise move the code into a view or a
request hook.\
"""


def _globals_class() -> type:
    from .ctx import _AppCtxGlobals  # (erlen.ctx imports this module)

    return _AppCtxGlobals


def _proxy(cv: ContextVar[t.Any], attr: str | None, message: str) -> t.Any:
    """A Werkzeug ``LocalProxy`` to ``cv``'s value (or its ``attr``), with fast
    attribute access.

    Werkzeug's proxy resolves ``proxy.name`` through a descriptor chain; this one
    looks the name up on the current object directly, a few times faster, while
    keeping everything else (operators, ``_get_current_object``, ``isinstance``).
    """

    def current() -> t.Any:
        try:
            ctx = cv.get()
        except LookupError:
            raise RuntimeError(message) from None
        return ctx if attr is None else getattr(ctx, attr)

    class _ContextProxy(LocalProxy):  # type: ignore[type-arg]
        __slots__ = ()

        # Every attribute but ``_get_current_object`` (which Werkzeug's operators call)
        # is the current object's; outside a context, ``__class__`` is the proxy's.
        def __getattribute__(self, name: str) -> t.Any:
            if name == "_get_current_object":
                return current
            try:
                ctx = cv.get()
            except LookupError:
                if name == "__class__":  # isinstance() outside a context: False
                    return type(self)
                raise RuntimeError(message) from None
            return getattr(ctx if attr is None else getattr(ctx, attr), name)

        def __setattr__(self, name: str, value: t.Any) -> None:
            try:
                ctx = cv.get()
            except LookupError:
                raise RuntimeError(message) from None
            setattr(ctx if attr is None else getattr(ctx, attr), name, value)

        def __delattr__(self, name: str) -> None:
            obj = current()
            try:
                delattr(obj, name)
            except AttributeError:
                if isinstance(obj, _globals_class()) and name not in obj.__dict__:
                    raise AttributeError(name) from None  # g's error names the attribute
                raise

        # Item access (``session["user"]``) looked up directly too; Werkzeug's
        # proxy goes through a descriptor for each.
        def __getitem__(self, key: t.Any) -> t.Any:
            return current()[key]

        def __setitem__(self, key: t.Any, value: t.Any) -> None:
            current()[key] = value

        def __delitem__(self, key: t.Any) -> None:
            del current()[key]

        def __contains__(self, key: t.Any) -> bool:
            return key in current()

    return _ContextProxy(cv, attr, unbound_message=message)


# Modules that call these variables' methods on every request bind them by assignment
# (``_cv_request = _globals._cv_request``), not by import: CPython 3.11 compiles a
# method call on an imported name (``_cv_request.get()``) as an attribute load that
# makes a bound method per call, as if the name were a module.
_cv_app: ContextVar[AppContext] = ContextVar("erlen.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("erlen.request_ctx")
_cv_websocket: ContextVar[Websocket] = ContextVar("erlen.websocket")


def _current_app() -> Erlen:
    """``current_app``'s object, for erlen's own per-request code (no proxy)."""
    try:
        return _cv_app.get().app
    except LookupError:
        raise RuntimeError(_no_app_msg) from None


def _current_request() -> Request:
    """``request``'s object, for erlen's own per-request code (no proxy)."""
    try:
        return _cv_request.get().request
    except LookupError:
        raise RuntimeError(_no_req_msg) from None


app_ctx: AppContext = _proxy(_cv_app, None, _no_app_msg)
current_app: Erlen = _proxy(_cv_app, "app", _no_app_msg)
g: _AppCtxGlobals = _proxy(_cv_app, "g", _no_app_msg)
request_ctx: RequestContext = _proxy(_cv_request, None, _no_req_msg)
request: Request = _proxy(_cv_request, "request", _no_req_msg)
session: SessionMixin = _proxy(_cv_request, "session", _no_req_msg)
websocket: Websocket = _proxy(
    _cv_websocket,
    None,
    "Working outside of a WebSocket connection: 'websocket' is the connection an"
    " '@app.websocket' handler serves, over ASGI.",
)
