"""From an ASGI ``http`` (or ``websocket``) scope to the request erlen knows.

:func:`make_environ` is the WSGI environ of a scope, as a WSGI server would build it
(its body, when it has one, read from ``receive`` by :class:`~erlen._asgi_body.ReceiveBody`).
An HTTP request the ASGI adapter opens builds it only on first access
(:func:`lazy_environ`): it reads first just the few headers it needs before
(:data:`EARLY`), the way the environ would have them.
"""

from __future__ import annotations

import asyncio
import io
import sys
import threading
import typing as t

from ._asgi_body import ReceiveBody
from .wrappers import Request

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .app import Erlen
    from .asgi import Receive, Scope

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
        # Names in any case (servers send them in lower case): Content-Length too.
        key = _environ_keys.get(text.lower().encode("latin-1"))
        if key is None or not key.startswith("CONTENT_"):
            # A name with "_" would pose as the "-" one (X_Forwarded_For as
            # X-Forwarded-For): dropped, as gunicorn and nginx drop it.
            key = None if "_" in text else "HTTP_" + text.upper().replace("-", "_")
        if len(name) <= 64 and len(_environ_keys) < _MAX_KNOWN_NAMES:
            _environ_keys[name] = key
    return key


def _wsgi_text(text: str) -> str:
    """A str as WSGI carries text: its UTF-8 bytes, each as one character. A lone
    surrogate is kept as bytes that are not UTF-8, which routing then answers 400."""
    if text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("latin-1")


class _NoBody(io.RawIOBase):
    """The ``wsgi.input`` of a request without a body: always at its end."""

    def readable(self) -> bool:
        return True

    def readinto(self, b: t.Any) -> int:
        return 0

    def close(self) -> None:
        pass  # shared by every request without a body


_NO_BODY = _NoBody()


def make_environ(scope: Scope) -> WSGIEnvironment:
    """The WSGI environ of an ASGI ``http`` (or ``websocket``) scope, with no body (the
    adapter sets ``wsgi.input`` when the request has one)."""
    root, path = scope_paths(scope)
    server = scope.get("server") or ("localhost", 80)
    environ = _BASE_ENVIRON.copy()
    environ["REQUEST_METHOD"] = scope.get("method", "GET")
    environ["SCRIPT_NAME"] = root
    environ["PATH_INFO"] = path
    environ["QUERY_STRING"] = scope["query_string"].decode("latin-1")
    environ["SERVER_NAME"] = server[0]
    environ["SERVER_PORT"] = "" if server[1] is None else str(server[1])
    version = scope.get("http_version", "1.1")
    environ["SERVER_PROTOCOL"] = "HTTP/1.1" if version == "1.1" else "HTTP/" + version
    environ["wsgi.url_scheme"] = scope.get("scheme", "http")
    environ["asgi.scope"] = scope
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        if client[1] is not None:
            environ["REMOTE_PORT"] = str(client[1])
    keys = _environ_keys
    for name, value in scope["headers"]:
        key = keys.get(name) or _environ_key(name)
        if key is None:
            continue
        if key in environ:
            environ[key] += ("; " if key == "HTTP_COOKIE" else ",") + value.decode("latin-1")
        else:
            environ[key] = value.decode("latin-1")
    return environ


def scope_paths(scope: Scope) -> tuple[str, str]:
    """The ``SCRIPT_NAME`` and ``PATH_INFO`` of a scope: its path without the
    ``root_path`` (when the path starts with it), both as WSGI carries text."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root:
        root = root.rstrip("/")
        if path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
            path = path[len(root) :]
        if not root.isascii():
            root = _wsgi_text(root)
    if not path.isascii():
        path = _wsgi_text(path)
    return root, path


_BASE_ENVIRON: dict[str, t.Any] = {
    "wsgi.version": (1, 0),
    "wsgi.input": _NO_BODY,
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": True,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
}


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


def environ_with_body(
    app: Erlen, scope: Scope, receive: Receive
) -> tuple[WSGIEnvironment, ReceiveBody | None]:
    """The environ of an ``http`` scope with its body, read from ``receive`` as the
    app reads it (None when the request has none)."""
    environ = make_environ(scope)
    body: ReceiveBody | None = None
    if (
        "CONTENT_LENGTH" in environ
        or "HTTP_TRANSFER_ENCODING" in environ
        or environ["SERVER_PROTOCOL"] >= "HTTP/2"
    ) and _has_body(environ):
        body = environ["wsgi.input"] = ReceiveBody(receive, asyncio.get_running_loop())
        body.cap = app.config["MAX_CONTENT_LENGTH"]
        if "CONTENT_LENGTH" not in environ:
            environ["wsgi.input_terminated"] = True
    return environ, body


#: The headers a request opened from a scope needs before its environ: Host (routing),
#: Cookie (whether a session may need saving) and the two that tell of a body; by
#: header name as sent, -1 for a name that is none of them (names seen are added).
EARLY = {b"host": 0, b"cookie": 1, b"content-length": 2, b"transfer-encoding": 3}
#: Names seen that are none of those, in any case (bounded, as _environ_keys).
other_names: set[bytes] = set()


def early_header(name: bytes) -> int:
    """Which early header ``name`` is when not in lower case (the environ reads names
    in any case), or -1 for a name that is none of them."""
    which = EARLY.get(name.lower(), -1)
    if which < 0 and len(name) <= 64 and len(other_names) < _MAX_KNOWN_NAMES:
        other_names.add(name)
    return which


def eager_request(
    app: Erlen, scope: Scope, receive: Receive
) -> tuple[Request, str | None, str, ReceiveBody | None]:
    """The request of a scope with its environ built now; with the Host and path it is
    routed by, and its body (None when it has none)."""
    environ, body = environ_with_body(app, scope, receive)
    return Request(environ), environ.get("HTTP_HOST"), environ["PATH_INFO"], body


def lazy_body(app: Erlen, request: Request, receive: Receive) -> ReceiveBody:
    """The body of a request whose environ is not built yet, read from ``receive`` as
    the app reads it (``wsgi.input`` once the environ is built)."""
    body = request._lazy_body = ReceiveBody(receive, asyncio.get_running_loop())
    body.cap = app.config["MAX_CONTENT_LENGTH"]
    return body


def lazy_environ(request: Request) -> WSGIEnvironment:
    """Build the environ of a request opened from a scope (its ``environ``, on first
    access): what :func:`environ_with_body` would have made. Once, under a lock:
    threads a view hands the request to all get the same dict."""
    with _environ_lock:
        scope = request._lazy_scope
        if scope is None:  # built meanwhile by another thread
            environ: WSGIEnvironment | None = vars(request).get("environ")
            if environ is None:
                raise AttributeError("This request has no WSGI environ.")
            return environ
        environ = make_environ(scope)
        body = request._lazy_body
        if body is not None:
            environ["wsgi.input"] = body
            if "CONTENT_LENGTH" not in environ:
                environ["wsgi.input_terminated"] = True
        environ["werkzeug.request"] = request
        object.__setattr__(request, "environ", environ)
        request._lazy_scope = None
    return environ


_environ_lock = threading.Lock()


def built_environ(request: Request) -> WSGIEnvironment | None:
    """The request's environ, or None when it was opened from a scope and never built
    one (so nothing was put in it)."""
    return request.environ if request._lazy_scope is None else None
