"""Test tools: a client that calls the app directly, and a Click runner for its commands."""

from __future__ import annotations

import importlib.metadata
import typing as t
from contextlib import ExitStack, contextmanager
from copy import copy
from types import TracebackType
from urllib.parse import urlsplit

import werkzeug.test
from click.testing import CliRunner, Result
from werkzeug.test import Client
from werkzeug.wrappers import Request as BaseRequest

from ._test_websocket import TestWebsocket
from ._test_websocket import WebsocketDenied as WebsocketDenied
from .cli import ScriptInfo
from .sessions import SessionMixin

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.test import TestResponse

    from .app import Erlen


class EnvironBuilder(werkzeug.test.EnvironBuilder):
    """Werkzeug's ``EnvironBuilder`` with the host, root and scheme taken from the app's
    ``SERVER_NAME``, ``APPLICATION_ROOT`` and ``PREFERRED_URL_SCHEME``."""

    def __init__(
        self,
        app: Erlen,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        if base_url is not None and (subdomain or url_scheme):
            raise AssertionError('Cannot pass "subdomain" or "url_scheme" with "base_url".')
        if base_url is None:
            http_host = app.config.get("SERVER_NAME") or "localhost"
            app_root = app.config["APPLICATION_ROOT"]
            if subdomain:
                http_host = f"{subdomain}.{http_host}"
            if url_scheme is None:
                url_scheme = app.config["PREFERRED_URL_SCHEME"]
            url = urlsplit(path)
            base_url = (
                f"{url.scheme or url_scheme}://{url.netloc or http_host}"
                f"/{app_root.lstrip('/')}"
            )
            path = url.path
            if url.query:
                path = f"{path}?{url.query}"
        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``json=`` data with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


def _werkzeug_version() -> str:
    try:
        return importlib.metadata.version("werkzeug")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


class ErlenClient(Client):
    """Werkzeug's test client for an erlen app.

    ``with client:`` keeps the last request's contexts active after it returns, so
    ``request``, ``session`` and ``g`` can be inspected; ``session_transaction()``
    reads and writes the session between requests.
    """

    application: Erlen

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.preserve_context = False
        self._new_contexts: list[t.ContextManager[t.Any]] = []
        self._context_stack = ExitStack()
        #: How many open() calls are running: more than one while following redirects.
        self._open_depth = 0
        self.environ_base = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"Werkzeug/{_werkzeug_version()}",
        }

    @contextmanager
    def session_transaction(self, *args: t.Any, **kwargs: t.Any) -> t.Iterator[SessionMixin]:
        """Open the session as the next request would see it; changes are saved to the
        client's cookies on exit. Arguments build the request, as for
        ``test_request_context``."""
        if self._cookies is None:
            raise TypeError(
                "Cookies are disabled. Create the client with 'use_cookies=True' to use"
                " session_transaction."
            )
        app = self.application
        ctx = app.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        with ctx:
            session = app.session_interface.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError(
                "Session backend did not open a session. Is 'SECRET_KEY' set? The"
                " session interface's 'open_session' returned None."
            )
        yield session
        response = app.response_class()
        if app.session_interface.is_null_session(session):
            return
        with ctx:
            app.session_interface.save_session(app, session, response)
        self._update_cookies_from_response(
            ctx.request.host.partition(":")[0],
            ctx.request.path,
            response.headers.getlist("Set-Cookie"),
        )

    def _copy_environ(self, other: WSGIEnvironment) -> WSGIEnvironment:
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _request_from_builder_args(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> BaseRequest:
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base", {}))
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Send a request to the app; arguments as for Werkzeug's ``EnvironBuilder``."""
        if args and isinstance(args[0], (werkzeug.test.EnvironBuilder, dict, BaseRequest)):
            if isinstance(args[0], werkzeug.test.EnvironBuilder):
                builder = copy(args[0])
                builder.environ_base = self._copy_environ(builder.environ_base or {})  # type: ignore[arg-type]
                request = builder.get_request()
            elif isinstance(args[0], dict):
                request = EnvironBuilder.from_environ(
                    args[0], app=self.application, environ_base=self._copy_environ({})
                ).get_request()
            else:
                request = copy(args[0])
                request.environ = self._copy_environ(request.environ)
        else:
            request = self._request_from_builder_args(args, kwargs)

        # Contexts kept from the previous request end when a new one starts. Werkzeug
        # follows a redirect by calling open() again from inside this call, once per
        # request of the chain: each such call drops the contexts of the request
        # before, and only this outermost call pushes what is left, the contexts of
        # the last request.
        self._context_stack.close()
        self._new_contexts.clear()
        self._open_depth += 1
        try:
            response = super().open(
                request, buffered=buffered, follow_redirects=follow_redirects
            )
        finally:
            self._open_depth -= 1
        response.json_module = self.application.json  # type: ignore[assignment]
        if not self._open_depth:
            # In the order the request had them: the app context, then the request's.
            for kept in self._new_contexts:
                self._context_stack.enter_context(kept)
            self._new_contexts.clear()
        return response

    def websocket(
        self,
        path: str,
        headers: t.Mapping[str, str] | t.Iterable[tuple[str, str]] | None = None,
        subprotocols: t.Sequence[str] = (),
        timeout: float = 5.0,
    ) -> TestWebsocket:
        """A WebSocket to ``path`` (``with client.websocket("/ws") as ws:``), run over
        ASGI in-process; the client's cookies go with the handshake. A refused
        handshake raises :class:`~erlen._test_websocket.WebsocketDenied`."""
        return TestWebsocket(self, path, headers, subprotocols, timeout)

    def __enter__(self) -> ErlenClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        self._context_stack.close()


class ErlenCliRunner(CliRunner):
    """Click's test runner, invoking commands with the app already loaded."""

    def __init__(self, app: Erlen, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Invoke a command (default: ``app.cli``) with a ``ScriptInfo`` for the app."""
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)


FlaskClient = ErlenClient
FlaskCliRunner = ErlenCliRunner
#: Flask's name for :func:`_werkzeug_version` (the test client's ``User-Agent``).
_get_werkzeug_version = _werkzeug_version
