"""Serving: ``app.run()`` (Werkzeug's development server), and the ``before_serving``
and ``after_serving`` functions (Quart's API).

Under ASGI they run at lifespan startup and shutdown (:func:`erlen.asgi._lifespan`).
Under WSGI, which has no such events, and under an ASGI server run without lifespan,
the ``before_serving`` functions run before the first request is handled and the
``after_serving`` ones when the interpreter exits.
"""

from __future__ import annotations

import atexit
import contextvars
import os
import sys
import threading
import typing as t

from ._errors import ErrorHandling
from .helpers import get_debug_flag, get_load_dotenv
from .sansio.scaffold import setupmethod

if t.TYPE_CHECKING:
    from .ctx import AppContext

T = t.TypeVar("T")

_serving_lock = threading.Lock()


class Serving(ErrorHandling):
    """How :class:`~erlen.app.Erlen` is served: ``run`` and the serving lifecycle."""

    before_serving_funcs: list[t.Callable[[], t.Any]]
    after_serving_funcs: list[t.Callable[[], t.Any]]
    #: Whether the ``before_serving`` functions have run (and ``after_serving`` not yet).
    _serving: bool

    if t.TYPE_CHECKING:  # defined by Erlen

        def app_context(self) -> AppContext: ...

    @setupmethod
    def before_serving(self, f: T) -> T:
        """Run ``f()`` (sync or async) once before serving: at ASGI lifespan startup,
        or under WSGI before the first request is handled."""
        self.before_serving_funcs.append(f)  # type: ignore[arg-type]
        return f

    @setupmethod
    def after_serving(self, f: T) -> T:
        """Run ``f()`` (sync or async) once after serving: at ASGI lifespan shutdown,
        or under WSGI when the interpreter exits."""
        self.after_serving_funcs.append(f)  # type: ignore[arg-type]
        return f

    def _first_request(self) -> None:
        """The first request: setup methods are now refused; under WSGI (and ASGI
        without lifespan) the ``before_serving`` functions run."""
        self._got_first_request = True
        if not self._serving and (self.before_serving_funcs or self.after_serving_funcs):
            with _serving_lock:
                if not self._serving:
                    with self.app_context():
                        for func in self.before_serving_funcs:
                            self.ensure_sync(func)()
                    self._serving = True
                    if self.after_serving_funcs:
                        atexit.register(self._stop_serving)

    def _stop_serving(self) -> None:
        if self._serving:
            self._serving = False
            with self.app_context():
                for func in self.after_serving_funcs:
                    self.ensure_sync(func)()

    async def _serve_funcs(self, funcs: list[t.Callable[[], t.Any]]) -> None:
        """Run serving functions in an app context: async ones on this loop,
        others in the thread pool."""
        context = contextvars.copy_context()
        app_ctx = self.app_context()
        context.run(app_ctx.push)
        try:
            from .asgi import call_user

            for func in funcs:
                await call_user(self, context, func)  # type: ignore[arg-type]
        finally:
            context.run(app_ctx.pop, None)

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Serve the app with Werkzeug's development server. Not for production."""
        from . import cli

        if os.environ.get("ERLEN_RUN_FROM_CLI") == "true" or (
            os.environ.get("FLASK_RUN_FROM_CLI") == "true"
        ):
            from werkzeug.serving import is_running_from_reloader

            if not is_running_from_reloader():
                print(
                    " * Ignoring a call to 'app.run()' that would block the current 'erlen'"
                    " CLI command.\n   Only call 'app.run()' in an"
                    " 'if __name__ == \"__main__\"' guard.",
                    file=sys.stderr,
                )
            return

        if get_load_dotenv(load_dotenv):
            cli.load_dotenv()
            if "ERLEN_DEBUG" in os.environ or "FLASK_DEBUG" in os.environ:
                self.debug = get_debug_flag()
        if debug is not None:
            self.debug = bool(debug)

        server_name = self.config.get("SERVER_NAME")
        sn_host = sn_port = None
        if server_name:
            sn_host, _, sn_port = server_name.partition(":")
        if not host:
            host = sn_host or "127.0.0.1"
        if port or port == 0:
            port = int(port)
        elif sn_port:
            port = int(sn_port)
        else:
            port = 5000

        options.setdefault("use_reloader", self.debug)
        options.setdefault("use_debugger", self.debug)
        options.setdefault("threaded", True)
        cli.show_server_banner(self.debug, self.name)

        from werkzeug.serving import run_simple

        try:
            run_simple(t.cast(str, host), port, self, **options)  # type: ignore[arg-type]
        finally:
            self._got_first_request = False


