"""How the app answers errors and tears requests down: the error handling and teardown
methods of :class:`~erlen.app.Erlen`, kept here as a mixin so that ``app.py`` stays
about the request cycle itself.

An HTTP error goes to the handler registered for it (the blueprint's first); any
other exception to the handler for its class, else it is logged and answered 500.
Bad client input (``erlen._internal.mark_client_error``) is answered with its own
4xx wherever it is first read. Teardown functions all run even when one raises.
"""

from __future__ import annotations

import sys
import typing as t

from werkzeug.exceptions import BadRequestKeyError, HTTPException, InternalServerError
from werkzeug.routing import RoutingException

from . import globals as _globals
from . import typing as ft
from ._internal import is_client_error
from .globals import request_ctx
from .sansio.app import App
from .signals import appcontext_tearing_down, got_request_exception, request_tearing_down

if t.TYPE_CHECKING:
    from werkzeug.routing import Rule

    from .wrappers import Response


# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_request = _globals._cv_request

class MissingViewError(KeyError):
    """A request matched a URL rule whose endpoint has no view function (a rule added
    with ``app.url_map.add`` or ``add_url_rule`` without ``view_func``, and no
    ``@app.endpoint`` for it). A ``KeyError``, as the failed lookup is in Flask, with
    a message that says what to do."""

    def __init__(self, rule: Rule) -> None:
        super().__init__(rule.endpoint)
        self.rule = rule

    def __str__(self) -> str:
        endpoint = self.rule.endpoint
        return (
            f"No view function is registered for the endpoint {endpoint!r}, which the URL"
            f" rule {self.rule.rule!r} names. Register one with"
            f" '@app.endpoint({endpoint!r})' (or a blueprint's), or pass 'view_func' to"
            " 'add_url_rule'."
        )


class ErrorHandling(App):
    """Error handling and teardown: the part of :class:`~erlen.app.Erlen` between its
    sans-IO base and the request cycle."""

    if t.TYPE_CHECKING:  # defined by Erlen, which completes this class

        def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]: ...

        def log_exception(
            self,
            exc_info: tuple[type, BaseException, t.Any] | tuple[None, None, None],
        ) -> None: ...

        def finalize_request(
            self,
            rv: ft.ResponseReturnValue | HTTPException,
            from_error_handler: bool = False,
        ) -> Response: ...

    def handle_http_exception(
        self, e: HTTPException
    ) -> HTTPException | ft.ResponseReturnValue:
        """The registered handler's response for an HTTP error, or the error itself."""
        if e.code is None:
            return e
        if isinstance(e, RoutingException):
            # Redirects from routing are not errors to handle.
            return e
        request = request_ctx.request
        blueprints = request.blueprints
        if not blueprints and e is request.routing_exception:
            # No rule matched: a blueprint whose URL prefix the path is under
            # handles its own 404s and 405s.
            blueprints = self._blueprints_for_path(request.path)
        handler = self._find_error_handler(e, blueprints)
        if handler is None:
            return e
        return self.ensure_sync(handler)(e)  # type: ignore[no-any-return]

    def handle_user_exception(
        self, e: Exception
    ) -> HTTPException | ft.ResponseReturnValue:
        """Handle an exception from a hook or view with a registered handler, or re-raise."""
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return self.handle_http_exception(e)
        handler = self._find_error_handler(e, request_ctx.request.blueprints)
        if handler is None:
            raise
        return self.ensure_sync(handler)(e)  # type: ignore[no-any-return]

    def handle_exception(self, e: Exception) -> Response:
        """An unhandled exception: re-raise when propagating, else log it and answer 500.

        Bad client input first read outside the view (an invalid query string read
        by an ``after_request`` hook or an error handler) is the client's error, not
        the app's: it is answered with its own 4xx, through the error handlers.
        """
        if is_client_error(e):
            try:
                rv = self.handle_user_exception(e)
            except Exception as failure:
                if not is_client_error(failure):
                    return self.handle_exception(failure)  # the handler failed: a 500
                rv = t.cast(HTTPException, failure)  # it read the bad input again
            return self.finalize_request(rv, from_error_handler=True)
        exc_info = sys.exc_info()
        if got_request_exception.receivers:
            got_request_exception.send(self, _async_wrapper=self.ensure_sync, exception=e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        if propagate:
            if exc_info[1] is e:
                raise
            raise e
        self.log_exception(exc_info)
        server_error: InternalServerError | ft.ResponseReturnValue
        server_error = InternalServerError(original_exception=e)
        request = request_ctx.request
        handler = self._find_error_handler(server_error, request.blueprints)
        if handler is not None:
            try:
                server_error = self.ensure_sync(handler)(server_error)
            except HTTPException as again:
                if not is_client_error(again):
                    raise
                return self.handle_exception(again)
        return self.finalize_request(server_error, from_error_handler=True)

    # -- teardown -----------------------------------------------------------------

    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        """Run ``teardown_request`` functions (innermost blueprint first, reverse order).

        All of them run even if one raises; the first error is raised afterwards.
        """
        funcs_by_name = self.teardown_request_funcs
        if funcs_by_name:
            request = _cv_request.get().request
            funcs = [
                func
                for name in (*request.blueprints, None)
                for func in reversed(funcs_by_name.get(name) or ())
            ]
            self._run_teardown(funcs, exc)
        if request_tearing_down.receivers:
            request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
        """Run ``teardown_appcontext`` functions in reverse order; all run even if one raises."""
        if self.teardown_appcontext_funcs:
            self._run_teardown(list(reversed(self.teardown_appcontext_funcs)), exc)
        if appcontext_tearing_down.receivers:
            appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def _run_teardown(
        self, funcs: list[ft.TeardownCallable], exc: BaseException | None
    ) -> None:
        first_error: BaseException | None = None
        for func in funcs:
            try:
                self.ensure_sync(func)(exc)
            except Exception as e:
                if first_error is None:
                    first_error = e
                else:
                    self.logger.exception("Another teardown function also failed")
        if first_error is not None:
            raise first_error

    def _raise_missing_view(self, rule: Rule) -> t.NoReturn:
        """A request matched a rule whose endpoint has no view function: say so."""
        raise MissingViewError(rule) from None
