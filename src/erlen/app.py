"""The application object and its request cycle.

``Erlen.wsgi_app`` is the WSGI adapter: it makes a request context from the
environ, runs the cycle (``full_dispatch_request``: hooks, view, error handling)
and hands the response to the server. The cycle itself touches no I/O, and it
does only what the app uses: no session is opened for a request that never reads
it, no signal is sent without receivers, and a hook list that is empty costs one
lookup.
"""

from __future__ import annotations

import collections.abc as cabc
import os
import sys
import typing as t
import weakref
from inspect import iscoroutinefunction
from types import FunctionType
from urllib.parse import quote as _url_quote

from werkzeug.datastructures import Headers
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
)
from werkzeug.routing import BuildError, MapAdapter, RequestRedirect
from werkzeug.wrappers import Response as BaseResponse

from . import _cycle, asgi, wsgi
from . import globals as _globals
from . import typing as ft
from ._async import DEFAULT_THREADS
from ._errors import MissingViewError as MissingViewError
from ._flask_alias import warn_if_real_flask_imported
from ._headers import name_refused_header
from ._hosts import BadHost, check_host, host_is_usable_for_urls, known_hosts, server_host
from ._internal import CO_ASYNC, imported_attribute
from ._serving import Serving
from .ctx import AppContext, RequestContext
from .globals import request_ctx
from .routing import NeedsRedirect, Router, get_router
from .sessions import SecureCookieSessionInterface, SessionInterface
from .signals import (
    request_finished,
    request_started,
)
from .wrappers import Request, Response, _endpoint_hook_keys, _outermost_first

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from werkzeug.routing import Rule

    from .templating import DispatchingJinjaLoader
    from .templating import Environment as JinjaEnvironment
    from .testing import ErlenClient

# Assigned, not imported (see erlen.globals): their methods are called per request.
_cv_app = _globals._cv_app
_cv_request = _globals._cv_request

T = t.TypeVar("T")


def _endpoint_from(values: dict[str, t.Any]) -> str:
    """The endpoint of a ``url_for`` call that names it ``endpoint=``."""
    endpoint = values.pop("endpoint", None)
    if endpoint is None:
        raise TypeError("url_for() missing 1 required argument: 'endpoint'")
    return endpoint  # type: ignore[no-any-return]


class Erlen(Serving):
    """A WSGI application with Flask's API.

    ``import_name`` is usually ``__name__``: it locates the app's files (static,
    templates, resources) and names its logger.
    """

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    #: The Jinja environment class (imported when first used).
    jinja_environment: type[JinjaEnvironment] = imported_attribute(  # type: ignore[assignment]
        "erlen.templating", "Environment"
    )
    #: Opens and saves sessions; signed cookies by default.
    session_interface: SessionInterface = SecureCookieSessionInterface()

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_url_path=static_url_path,
            static_folder=static_folder,
            static_host=static_host,
            host_matching=host_matching,
            subdomain_matching=subdomain_matching,
            template_folder=template_folder,
            instance_path=instance_path,
            instance_relative_config=instance_relative_config,
            root_path=root_path,
        )
        self._inline_cycle = None
        #: Functions run before the app serves its first request (ASGI: at lifespan
        #: startup) and after it stops serving (ASGI: at lifespan shutdown).
        self.before_serving_funcs: list[t.Callable[[], t.Any]] = []
        self.after_serving_funcs: list[t.Callable[[], t.Any]] = []
        self._serving = False
        warn_if_real_flask_imported()
        if self.has_static_folder:
            if bool(static_host) != host_matching:
                raise AssertionError(
                    "Invalid static_host/host_matching combination: 'static_host' must be"
                    " set exactly when 'host_matching' is on."
                )
            # A weak reference: the rule must not keep the app alive.
            app_ref = weakref.ref(self)
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=lambda **kw: app_ref().send_static_file(**kw),  # type: ignore[union-attr]
            )

    #: Whether a subclass overrides ``preprocess_request`` (then it always runs).
    _custom_preprocess_request = False
    #: Whether the request-cycle methods are erlen's own, so that the WSGI adapter
    #: may run them inlined (``erlen.wsgi.wsgi_app``).
    _plain_cycle = True
    #: Whether the teardown methods are erlen's own, so that contexts may skip
    #: calling them when nothing is registered.
    _plain_teardown = True
    _cycle_methods = (
        "match_request",
        "request_context",
        "app_context",
        "full_dispatch_request",
        "preprocess_request",
        "dispatch_request",
        "finalize_request",
        "make_response",
        "process_response",
    )

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._custom_preprocess_request = cls.preprocess_request is not Erlen.preprocess_request
        cls._plain_cycle = all(
            getattr(cls, name) is getattr(Erlen, name) for name in cls._cycle_methods
        )
        cls._plain_teardown = (
            cls.do_teardown_request is Erlen.do_teardown_request
            and cls.do_teardown_appcontext is Erlen.do_teardown_appcontext
        )

    #: Attributes whose assignment has the cycle's plan decided again.
    _cycle_classes = frozenset(
        {"request_class", "response_class", "session_interface", "wsgi_app"}
    )
    #: What ``wsgi_app`` may take for granted (``erlen.wsgi._Plan``), False when the
    #: cycle is customised, None until a request decides. A per-instance attribute
    #: only: CPython 3.11 reads one that shadows a class attribute the slow way.
    _inline_cycle: _cycle.Plan | t.Literal[False] | None

    #: Methods that extensions replace on the instance (Flask-DebugToolbar sets
    #: ``app.dispatch_request``): once one is, the cycle calls the instance's own.
    _instance_overridable = frozenset(
        (*_cycle_methods, "do_teardown_request", "do_teardown_appcontext")
    )

    def __setattr__(self, name: str, value: t.Any) -> None:
        super().__setattr__(name, value)
        if name in self._cycle_classes:
            object.__setattr__(self, "_inline_cycle", None)
        elif name in self._instance_overridable:
            if name == "preprocess_request":
                object.__setattr__(self, "_custom_preprocess_request", True)
            if name.startswith("do_teardown_"):
                object.__setattr__(self, "_plain_teardown", False)
            else:
                object.__setattr__(self, "_plain_cycle", False)
            object.__setattr__(self, "_inline_cycle", None)

    @property
    def _lazy_session(self) -> bool:
        # The default interface opens sessions on first use; others are opened
        # when the request context is pushed, as they may rely on that.
        return type(self.session_interface) is SecureCookieSessionInterface

    # -- files ----------------------------------------------------------------

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.AnyStr]:
        """Open a file relative to :attr:`instance_path`; unlike resources, it may be written."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- contexts -------------------------------------------------------------

    def app_context(self) -> AppContext:
        """A new application context, for ``with app.app_context():``."""
        return AppContext(self)

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        """A new request context for a WSGI environ."""
        return RequestContext(self, environ)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a request built from Werkzeug ``EnvironBuilder`` arguments."""
        from .testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> ErlenClient:
        """A test client that calls the app directly; see :class:`erlen.testing.ErlenClient`."""
        from .testing import ErlenClient

        cls = self.test_client_class or ErlenClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> t.Any:
        """A Click runner that invokes this app's commands."""
        from .testing import ErlenCliRunner

        cls = self.test_cli_runner_class or ErlenCliRunner
        return cls(self, **kwargs)

    def create_jinja_environment(self) -> JinjaEnvironment:
        """Create the Jinja environment from :attr:`jinja_options`, with ``url_for``,
        ``get_flashed_messages``, ``config``, ``request``, ``session`` and ``g`` as
        globals and the app's JSON for the ``tojson`` filter."""
        from .globals import g, request, session
        from .helpers import get_flashed_messages

        options = dict(self.jinja_options)
        if "autoescape" not in options:
            options["autoescape"] = self.select_jinja_autoescape
        if "auto_reload" not in options:
            auto_reload = self.config["TEMPLATES_AUTO_RELOAD"]
            options["auto_reload"] = self.debug if auto_reload is None else auto_reload
        rv = self.jinja_environment(self, **options)
        rv.globals.update(
            url_for=self.url_for,
            get_flashed_messages=get_flashed_messages,
            config=self.config,
            request=request,
            session=session,
            g=g,
        )
        rv.policies["json.dumps_function"] = self.json.dumps
        return rv

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        """The loader of :attr:`jinja_env`: the app's templates, then each blueprint's."""
        from .templating import DispatchingJinjaLoader

        return DispatchingJinjaLoader(self)

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add what the context processors return (the app's, then the current
        blueprints' from the outermost in); values already in ``context`` win."""
        names: t.Iterable[str | None] = (None,)
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            request = req_ctx.request
            if type(request) is Request:  # (a subclass may name its blueprint otherwise)
                rule = request.url_rule
                names = _endpoint_hook_keys(rule.endpoint if rule is not None else None)
            else:
                names = (None, *reversed(request.blueprints))
        original = context.copy()
        for name in names:
            for func in self.template_context_processors.get(name, ()):
                context.update(self.ensure_sync(func)())
        context.update(original)

    def make_shell_context(self) -> dict[str, t.Any]:
        """The namespace of ``erlen shell``: ``app``, ``g`` and shell context processors'."""
        from .globals import g

        rv: dict[str, t.Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            rv.update(processor())
        return rv

    # -- URLs -----------------------------------------------------------------

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Werkzeug's adapter for building URLs, bound to a request or to ``SERVER_NAME``."""
        if request is not None:
            environ = request.environ
            try:
                check_host(environ, self.config["TRUSTED_HOSTS"])
                usable = host_is_usable_for_urls(environ.get("HTTP_HOST") or "")
            except BadHost:
                usable = False
            if not usable and environ.get("HTTP_HOST"):
                # A refused host (the request is a 400, whose error page may still
                # build URLs), or one Werkzeug cannot build URLs for: use the
                # server's own name, never the host the client sent.
                environ = dict(environ)
                environ["HTTP_HOST"] = self.config["SERVER_NAME"] or server_host(environ)
            subdomain = None
            server_name = self.config["SERVER_NAME"]
            if self.url_map.host_matching:
                server_name = None
            elif not self.subdomain_matching:
                subdomain = self.url_map.default_subdomain or ""
            return self.url_map.bind_to_environ(
                environ, server_name=server_name, subdomain=subdomain
            )
        if self.config["SERVER_NAME"] is not None:
            return self.url_map.bind(
                self.config["SERVER_NAME"],
                script_name=self.config["APPLICATION_ROOT"],
                url_scheme=self.config["PREFERRED_URL_SCHEME"],
            )
        return None

    def _routing_target(self, ctx: RequestContext) -> tuple[str, str]:
        """The ``(domain, path)`` the router matches for a request."""
        request = ctx.request
        url_map = self.url_map
        if url_map.host_matching or self.subdomain_matching:
            adapter = ctx.url_adapter
            if adapter is None:
                raise request.routing_exception  # type: ignore[misc]
            domain = adapter.server_name if url_map.host_matching else adapter.subdomain or ""
        else:
            domain = url_map.default_subdomain or ""
        raw = request.environ.get("PATH_INFO", "/")
        if not raw.isascii():
            try:
                raw = raw.encode("latin1").decode("utf-8")
            except UnicodeError:
                raise BadRequest("The request path is not valid UTF-8.") from None
        if raw and (raw[0] != "/" or raw[1:2] == "/"):
            raw = "/" + raw.lstrip("/")
        return domain, raw

    def match_request(self, ctx: RequestContext) -> tuple[Rule, dict[str, t.Any]]:
        """Route a request: the matching rule and view arguments, or an ``HTTPException``.

        The ``Host`` is checked first: a malformed or untrusted one raises
        :class:`~erlen._hosts.BadHost`, which the request cycle answers (400) before
        any ``before_request`` hook runs.
        """
        environ = ctx.request.environ
        # No PATH_INFO is "/", as Werkzeug binds it (an empty one redirects to "/").
        return self._match(ctx, environ.get("HTTP_HOST"), environ.get("PATH_INFO", "/"))

    def _match(
        self, ctx: RequestContext, host: str | None, path: str
    ) -> tuple[Rule, dict[str, t.Any]]:
        """:meth:`match_request` given the environ's ``HTTP_HOST`` and ``PATH_INFO``
        (which a request opened from an ASGI scope has before its environ)."""
        url_map = self.url_map
        try:
            router: Router | None = url_map._erlen_router
            current = router is not None and router.version == url_map.version
        except AttributeError:  # a Map that is not erlen's
            router, current = None, False
        if not current or router is None:
            router = get_router(url_map)
        request = ctx.request
        trusted_hosts = self.config["TRUSTED_HOSTS"]
        if trusted_hosts or host not in known_hosts:
            check_host(request.environ, trusted_hosts)
        if url_map.host_matching or self.subdomain_matching or url_map.default_subdomain:
            domain, path = self._routing_target(ctx)
        else:
            domain = ""
            if path[:1] != "/" or path[1:2] == "/" or not path.isascii():
                domain, path = self._routing_target(ctx)
        try:
            return router.match(domain, path, request.method)
        except NeedsRedirect:
            # Werkzeug builds the exact redirect (slashes, aliases, redirect_to).
            adapter = ctx.url_adapter
            if adapter is None:
                raise request.routing_exception from None  # type: ignore[misc]
            return adapter.match(return_rule=True)  # type: ignore[return-value]

    def url_for(
        self,
        endpoint: str | None = None,
        /,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """Build the URL of an endpoint; extra values go into the query string.

        ``.name`` is relative to the current blueprint. Outside a request the URL is
        external and needs ``SERVER_NAME``. The endpoint is the first argument; URL
        values may have any name, ``self`` and ``endpoint`` too (``endpoint=`` names
        the endpoint only when it is not given first).
        """
        if endpoint is None:
            endpoint = _endpoint_from(values)
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            url_adapter = req_ctx.url_adapter
            blueprint_name = req_ctx.request.blueprint
            if endpoint[:1] == ".":
                endpoint = f"{blueprint_name}{endpoint}" if blueprint_name else endpoint[1:]
            if _external is None:
                _external = _scheme is not None
        else:
            app_ctx = _cv_app.get(None)
            if app_ctx is not None:
                url_adapter = app_ctx.url_adapter
            else:
                url_adapter = self.create_url_adapter(None)
            if url_adapter is None:
                raise RuntimeError(
                    "Unable to build URLs outside an active request without 'SERVER_NAME'"
                    " configured. Also configure 'APPLICATION_ROOT' and"
                    " 'PREFERRED_URL_SCHEME' as needed."
                )
            if _external is None:
                _external = True
        if url_adapter is None:
            raise t.cast(HTTPException, req_ctx.request.routing_exception)  # type: ignore[union-attr]
        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")

        self.inject_url_defaults(endpoint, values)
        try:
            rv = url_adapter.build(
                endpoint,
                values,
                method=_method,
                url_scheme=_scheme,
                force_external=_external,
            )
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            anchor = _url_quote(_anchor, safe="%!#$&'()*+,/:;=?@")
            rv = f"{rv}#{anchor}"
        return rv

    # -- the request cycle ------------------------------------------------------

    wsgi_app = wsgi.wsgi_app
    asgi_app = asgi.asgi_app
    #: Threads for synchronous views, hooks and handlers under ASGI.
    asgi_threads: int = DEFAULT_THREADS

    @t.overload
    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> cabc.Iterable[bytes]: ...

    @t.overload
    def __call__(
        self, environ: asgi.Scope, start_response: asgi.Receive, send: asgi.Send
    ) -> cabc.Coroutine[t.Any, t.Any, None]: ...

    def __call__(self, environ: t.Any, start_response: t.Any, send: t.Any = None) -> t.Any:
        """WSGI, ``app(environ, start_response)``, or ASGI, ``await app(scope, receive,
        send)``: the same object serves both, told apart by the call."""
        if send is None:
            return self.wsgi_app(environ, start_response)
        return self.asgi_app(environ, start_response, send)

    # ASGI servers tell an ASGI app from a WSGI one by asking whether it (or its
    # ``__call__``) is a coroutine function: uvicorn with asyncio's check, hypercorn
    # with inspect's. The marks below answer yes for both while calls stay ordinary.
    asgi.mark_asgi_callable(__call__)
    # inspect.iscoroutinefunction(app) before Python 3.12 reads these as it would a
    # function's: the instance then looks like ``async def (scope, receive, send)``.
    __code__ = asgi.asgi_signature.__code__
    __name__ = "__call__"  # the instance's; the class's own name is still "Erlen"
    __defaults__ = None
    __kwdefaults__ = None

    def full_dispatch_request(self) -> Response:
        """Run ``before_request`` hooks and the view, handle errors, finalize."""
        if not self._got_first_request:
            self._first_request()
        try:
            if request_started.receivers:
                request_started.send(self, _async_wrapper=self.ensure_sync)
            routing_exception = _cv_request.get().request.routing_exception
            if type(routing_exception) is BadHost:
                raise routing_exception
            rv = None
            if (
                self.before_request_funcs
                or self.url_value_preprocessors
                or self._custom_preprocess_request
            ):
                rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def preprocess_request(self) -> ft.ResponseReturnValue | None:
        """URL value preprocessors, then ``before_request`` hooks (app first, then the
        blueprints outermost first); a hook's return value ends the request."""
        request = _cv_request.get().request
        preprocessors = self.url_value_preprocessors
        befores = self.before_request_funcs
        if not preprocessors and not befores:
            return None
        if type(request) is Request:  # (a subclass may name its blueprint otherwise)
            rule = request.url_rule
            names = _endpoint_hook_keys(rule.endpoint if rule is not None else None)
        else:
            names = _outermost_first(request.blueprint)
        if preprocessors:
            for name in names:
                funcs = preprocessors.get(name)
                if funcs:
                    for url_func in funcs:
                        url_func(request.endpoint, request.view_args)
        for name in names:
            hooks = befores.get(name)
            if hooks:
                for before_func in hooks:
                    if type(before_func) is not FunctionType or (
                        before_func.__code__.co_flags & CO_ASYNC
                    ):
                        before_func = self.ensure_sync(before_func)
                    rv = before_func()
                    if rv is not None:
                        return rv  # type: ignore[no-any-return]
        return None

    def dispatch_request(self) -> ft.ResponseReturnValue:
        """Call the view the request was routed to (or raise the routing error)."""
        request = _cv_request.get().request
        if request.routing_exception is not None:
            self.raise_routing_exception(request)
        rule: Rule = request.url_rule  # type: ignore[assignment]
        if request.method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
            return self.make_default_options_response()
        try:
            view = self.view_functions[rule.endpoint]
        except KeyError:
            self._raise_missing_view(rule)
        if type(view) is not FunctionType or view.__code__.co_flags & CO_ASYNC:
            view = self.ensure_sync(view)
        return view(**request.view_args)  # type: ignore[arg-type,no-any-return]

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the error routing produced (404, 405, a redirect ...).

        In debug mode, a redirect that the browser would follow without the request's
        method and body (a 301 or 302 answering anything but ``GET``, ``HEAD`` or
        ``OPTIONS``) raises :class:`~erlen.debughelpers.FormDataRoutingRedirect`
        instead, naming the canonical URL. The default 308 keeps both.
        """
        error = request.routing_exception
        if (
            self.debug
            and isinstance(error, RequestRedirect)
            and error.code not in (307, 308)
            and request.method not in ("GET", "HEAD", "OPTIONS")
        ):
            from .debughelpers import FormDataRoutingRedirect

            raise FormDataRoutingRedirect(request)
        raise t.cast(HTTPException, error)

    def make_default_options_response(self) -> Response:
        """The automatic ``OPTIONS`` response: empty, with an ``Allow`` header."""
        ctx = _cv_request.get()
        domain, path = self._routing_target(ctx)
        rv = self.response_class()
        rv.allow.update(get_router(self.url_map).allowed_methods(domain, path))
        return rv

    def finalize_request(
        self,
        rv: ft.ResponseReturnValue | HTTPException,
        from_error_handler: bool = False,
    ) -> Response:
        """Make the response, run ``after_request`` hooks and save the session."""
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if request_finished.receivers:
                request_finished.send(self, _async_wrapper=self.ensure_sync, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` functions, ``after_request`` hooks (innermost
        blueprint first, reverse registration order), then save the session."""
        ctx = _cv_request.get()
        if ctx._after_request_functions:
            for func in ctx._after_request_functions:
                response = self.ensure_sync(func)(response)
        afters = self.after_request_funcs
        if afters:
            for name in (*ctx.request.blueprints, None):
                funcs = afters.get(name)
                if funcs:
                    for func in reversed(funcs):
                        response = self.ensure_sync(func)(response)

        session = ctx._session
        if session is None:
            cookie_name = self.config["SESSION_COOKIE_NAME"]
            if cookie_name in ctx.request.environ.get("HTTP_COOKIE", ""):
                # A permanent session is refreshed even when the view ignored it.
                session = ctx._open_session()
        if session is not None and not self.session_interface.is_null_session(session):
            self.session_interface.save_session(self, session, response)
        return response

    def make_response(self, rv: ft.ResponseReturnValue | HTTPException) -> Response:
        """Turn a view's return value into a response object.

        ``str``/``bytes`` become the body, ``dict``/``list`` JSON, iterators a
        streamed body; ``Response`` objects and WSGI callables pass through; a tuple
        adds a status and/or headers.
        """
        cls = type(rv)
        if cls is str:
            return self.response_class(rv)  # type: ignore[arg-type]
        if cls is dict or cls is list:
            return self.json.response(rv)  # type: ignore[return-value]

        status: t.Any = None
        headers: t.Any = None
        if isinstance(rv, tuple):
            length = len(rv)
            if length == 3:
                rv, status, headers = rv  # type: ignore[misc]
            elif length == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv  # type: ignore[misc]
            else:
                raise TypeError(
                    "The view function did not return a valid response tuple. The tuple"
                    " must have the form (body, status, headers), (body, status), or"
                    " (body, headers)."
                )

        if rv is None:
            raise TypeError(
                f"The view function for {request_ctx.request.endpoint!r} did not return a"
                " valid response. The function either returned None or ended without a"
                " return statement."
            )

        if not isinstance(rv, self.response_class):
            if isinstance(rv, (str, bytes, bytearray, cabc.Iterator, cabc.AsyncIterator)):
                try:
                    rv = self.response_class(rv, status=status, headers=headers)  # type: ignore[arg-type]
                except ValueError as e:
                    name_refused_header(headers, e)
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, BaseResponse) or callable(rv):
                try:
                    rv = self.response_class.force_type(
                        rv,  # type: ignore[arg-type]
                        request_ctx.request.environ,
                    )
                except TypeError as e:
                    raise TypeError(
                        f"{e}\nThe view function for {request_ctx.request.endpoint!r} did not"
                        " return a valid response. The return type must be a string,"
                        " dict, list, tuple with headers or status, Response instance, or"
                        f" WSGI callable, but it was a {type(rv).__name__}."
                    ).with_traceback(sys.exc_info()[2]) from None
            else:
                raise TypeError(
                    f"The view function for {request_ctx.request.endpoint!r} did not return"
                    " a valid response. The return type must be a string, dict, list,"
                    " tuple with headers or status, Response instance, or WSGI callable,"
                    f" but it was a {type(rv).__name__}."
                )

        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status  # type: ignore[assignment]
            else:
                rv.status_code = status
        if headers:
            try:
                rv.headers.update(headers)
            except ValueError as e:
                name_refused_header(headers, e)
        return rv  # type: ignore[return-value]

    def log_exception(
        self,
        exc_info: tuple[type, BaseException, t.Any] | tuple[None, None, None],
    ) -> None:
        """Log an unhandled exception to :attr:`logger` (from this module, so the
        default format names it ``app``, as Flask's does)."""
        self.logger.error(
            f"Exception on {request_ctx.request.path} [{request_ctx.request.method}]",
            exc_info=exc_info,
        )

    # -- async ----------------------------------------------------------------------

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """``func`` itself, or a synchronous wrapper when it is a coroutine function."""
        if type(func) is FunctionType and not func.__code__.co_flags & CO_ASYNC:
            return func
        if iscoroutinefunction(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(
        self, func: t.Callable[..., t.Coroutine[t.Any, t.Any, T]]
    ) -> t.Callable[..., T]:
        """Run a coroutine function to completion in an event loop, per call.

        The coroutine sees the caller's context (``request``, ``g`` ...). When the
        calling thread already runs a loop, the coroutine runs in a helper thread.
        """
        from ._async import call_in_event_loop

        return call_in_event_loop(func)


#: Flask's name for :class:`Erlen`.
Flask = Erlen


if not t.TYPE_CHECKING:  # ``flask.app``'s run-time names; see flask_module_names
    from ._internal import flask_module_names

    __getattr__, __dir__ = flask_module_names(
        globals(),
        {
            "Environment": ("erlen._jinja", "Environment"),
            "ImmutableDict": ("werkzeug.datastructures", "ImmutableDict"),
            "Rule": ("werkzeug.routing", "Rule"),
            "T_shell_context_processor": ("erlen.sansio.app", "T_shell_context_processor"),
            "T_teardown": ("erlen.sansio.app", "T_teardown"),
            "T_template_filter": ("erlen.sansio.app", "T_template_filter"),
            "T_template_global": ("erlen.sansio.app", "T_template_global"),
            "T_template_test": ("erlen.sansio.app", "T_template_test"),
            "TracebackType": ("types", "TracebackType"),
            "_make_timedelta": ("erlen.sansio.app", "_make_timedelta"),
            "chain": ("itertools", "chain"),
            "cli": ("erlen.cli", ""),
            "click": ("click", ""),
            "current_app": ("erlen.globals", "current_app"),
            "g": ("erlen.globals", "g"),
            "get_flashed_messages": ("erlen.helpers", "get_flashed_messages"),
            "get_host": ("werkzeug.wsgi", "get_host"),
            "is_running_from_reloader": ("werkzeug.serving", "is_running_from_reloader"),
            "request": ("erlen.globals", "request"),
            "send_from_directory": ("erlen.helpers", "send_from_directory"),
            "session": ("erlen.globals", "session"),
            "timedelta": ("datetime", "timedelta"),
        },
    )
