"""Serving lifecycle: ``before_serving`` and ``after_serving`` functions (Quart's API).

Under ASGI they run at lifespan startup and shutdown (:func:`erlen.asgi._lifespan`).
Under WSGI, which has no such events, and under an ASGI server run without lifespan,
the ``before_serving`` functions run before the first request is handled and the
``after_serving`` ones when the interpreter exits.
"""

from __future__ import annotations

import atexit
import contextvars
import threading
import typing as t

from . import _cycle
from ._async import InContext, run_sync
from ._errors import ErrorHandling
from .sansio.scaffold import setupmethod

if t.TYPE_CHECKING:
    from .ctx import AppContext

T = t.TypeVar("T")

_serving_lock = threading.Lock()


class Serving(ErrorHandling):
    """The serving lifecycle of :class:`~erlen.app.Erlen`."""

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
            for func in funcs:
                if _cycle.is_async(func):
                    await InContext(context, func())
                else:
                    from .asgi import thread_pool

                    await run_sync(thread_pool(self), context, func)  # type: ignore[arg-type]
        finally:
            context.run(app_ctx.pop, None)

