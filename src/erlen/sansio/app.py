"""The application's registries and settings, free of any I/O.

``App`` adds to the scaffold what only an application has: config, the URL map,
the JSON provider, blueprints, app-wide handlers, and the lookups the request cycle
uses (error handlers, URL defaults).
"""

from __future__ import annotations

import logging
import os
import sys
import typing as t
from datetime import timedelta
from functools import cached_property
from itertools import chain

from werkzeug.exceptions import Aborter, BadRequest, BadRequestKeyError
from werkzeug.routing import BuildError, Rule
from werkzeug.utils import redirect as _werkzeug_redirect

from .. import typing as ft
from .._headers import quote_location
from ..config import Config, ConfigAttribute
from ..ctx import _AppCtxGlobals
from ..helpers import get_debug_flag
from ..json.provider import DefaultJSONProvider, JSONProvider
from ..routing import Map
from ..wrappers import _split_blueprint_path
from .scaffold import (
    Scaffold,
    _default_template_ctx_processor,
    _endpoint_from_view_func,
    _register_named,
    find_package,
    setupmethod,
)

if t.TYPE_CHECKING:
    from werkzeug.wrappers import Response as BaseResponse

    from ..blueprints import Blueprint
    from ..templating import Environment as JinjaEnvironment
    from ..testing import ErlenClient

T_shell_context_processor = t.TypeVar(
    "T_shell_context_processor", bound=ft.ShellContextProcessorCallable
)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_filter = t.TypeVar("T_template_filter", bound=ft.TemplateFilterCallable)
T_template_global = t.TypeVar("T_template_global", bound=ft.TemplateGlobalCallable)
T_template_test = t.TypeVar("T_template_test", bound=ft.TemplateTestCallable)


def _make_timedelta(value: timedelta | int) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


class App(Scaffold):
    """Settings and registries of an application; :class:`erlen.Erlen` adds the request cycle."""

    aborter_class = Aborter
    app_ctx_globals_class = _AppCtxGlobals
    config_class = Config
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    url_rule_class = Rule
    url_map_class = Map
    test_client_class: type[ErlenClient] | None = None
    test_cli_runner_class: type[t.Any] | None = None

    #: ``TESTING``: exceptions propagate instead of becoming 500 responses.
    testing = ConfigAttribute[bool]("TESTING")
    #: ``SECRET_KEY``: signs session cookies.
    secret_key = ConfigAttribute["str | bytes | None"]("SECRET_KEY")
    #: ``PERMANENT_SESSION_LIFETIME`` as a ``timedelta``.
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME", get_converter=_make_timedelta
    )

    #: Options passed to the Jinja environment when it is created.
    jinja_options: dict[str, t.Any] = {}

    #: Flask 3.1's defaults, key for key.
    default_config: dict[str, t.Any] = {
        "DEBUG": None,
        "TESTING": False,
        "PROPAGATE_EXCEPTIONS": None,
        "SECRET_KEY": None,
        "SECRET_KEY_FALLBACKS": None,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
        "USE_X_SENDFILE": False,
        "TRUSTED_HOSTS": None,
        "SERVER_NAME": None,
        "APPLICATION_ROOT": "/",
        "SESSION_COOKIE_NAME": "session",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_PARTITIONED": False,
        "SESSION_COOKIE_SAMESITE": None,
        "SESSION_REFRESH_EACH_REQUEST": True,
        "MAX_CONTENT_LENGTH": None,
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 1_000,
        "SEND_FILE_MAX_AGE_DEFAULT": None,
        "TRAP_BAD_REQUEST_ERRORS": None,
        "TRAP_HTTP_EXCEPTIONS": False,
        "EXPLAIN_TEMPLATE_LOADING": False,
        "PREFERRED_URL_SCHEME": "http",
        "TEMPLATES_AUTO_RELOAD": None,
        "MAX_COOKIE_SIZE": 4093,
        "PROVIDE_AUTOMATIC_OPTIONS": True,
    }

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
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                "The instance path must be absolute, but a relative path was given:"
                f" {instance_path!r}."
            )
        #: The folder for files that belong to this deployment, not to the code.
        self.instance_path = instance_path
        #: The configuration, a dict with loaders.
        self.config = self.make_config(instance_relative_config)
        #: ``abort(code)`` for this app.
        self.aborter = self.make_aborter()
        #: The JSON provider: ``dumps``, ``loads`` and ``response``.
        self.json: JSONProvider = self.json_provider_class(self)
        #: Functions called with ``(error, endpoint, values)`` when ``url_for`` fails.
        self.url_build_error_handlers: list[
            t.Callable[[Exception, str, dict[str, t.Any]], str]
        ] = []
        self.teardown_appcontext_funcs: list[ft.TeardownCallable] = []
        self.shell_context_processors: list[ft.ShellContextProcessorCallable] = []
        self.template_context_processors[None].append(_default_template_ctx_processor)
        #: Registered blueprints by name.
        self.blueprints: dict[str, Blueprint] = {}
        #: The URL prefix of each registered blueprint that has one, by name.
        self._blueprint_url_prefixes: dict[str, str] = {}
        #: A place for extensions to keep their state, by extension name.
        self.extensions: dict[str, t.Any] = {}
        #: The URL rules; matched by erlen's router, built by Werkzeug.
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        self._got_first_request = False

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the application."
                " It has already handled its first request, so changes would not be"
                " applied consistently.\nMake sure all imports, decorators, functions,"
                " etc. needed to set up the application are done before running it."
            )

    @cached_property
    def name(self) -> str:
        """The import name, or the running script's name when that is ``__main__``."""
        if self.import_name == "__main__":
            filename = getattr(sys.modules["__main__"], "__file__", None)
            if filename is None:
                return "__main__"
            return os.path.splitext(os.path.basename(str(filename)))[0]
        return self.import_name

    @cached_property
    def logger(self) -> logging.Logger:
        """The ``logging`` logger named after the app."""
        # erlen.logging (and its default handler) loads with the first logger.
        from ..logging import create_logger

        return create_logger(self)

    @property
    def debug(self) -> bool:
        """Debug mode (``DEBUG``): tracebacks, reloading, extra checks. Never in production."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = value

    @cached_property
    def jinja_env(self) -> JinjaEnvironment:
        """The Jinja environment, created on first use by :meth:`create_jinja_environment`."""
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> JinjaEnvironment:
        """Create :attr:`jinja_env`; see :meth:`erlen.Erlen.create_jinja_environment`."""
        raise NotImplementedError

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Autoescape templates from strings and ``.html``, ``.htm``, ``.xml``,
        ``.xhtml`` and ``.svg`` files."""
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create ``app.config`` from :attr:`default_config` and ``ERLEN_DEBUG``."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """Create the object behind :func:`erlen.abort` for this app."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """``instance/`` beside the app's package, or under the install prefix."""
        prefix, package_path = find_package(self.import_name)
        if prefix is None:
            return os.path.join(package_path, "instance")
        return os.path.join(prefix, "var", f"{self.name}-instance")

    # -- registration ------------------------------------------------------------

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Register a URL rule for an endpoint, and the view function for it.

        ``methods`` defaults to the view's ``methods`` attribute or ``["GET"]``;
        ``HEAD`` comes with ``GET``, and ``OPTIONS`` is answered automatically unless
        disabled. Other options (``defaults``, ``strict_slashes``, ``host``, ...) go
        to Werkzeug's ``Rule``.
        """
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)  # type: ignore[arg-type]
        options["endpoint"] = endpoint
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for example:"
                ' @app.route(..., methods=["POST"])'
            )
        methods = {item.upper() for item in methods}
        required_methods = set(getattr(view_func, "required_methods", ()))

        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            # Only this default adds OPTIONS to the rule; an explicit True (as in
            # Flask) answers OPTIONS only if the methods already include it.
            provide_automatic_options = bool(
                "OPTIONS" not in methods and self.config["PROVIDE_AUTOMATIC_OPTIONS"]
            )
            if provide_automatic_options:
                required_methods.add("OPTIONS")
        methods |= required_methods

        rule_obj = self.url_rule_class(rule, methods=methods, **options)
        rule_obj.provide_automatic_options = provide_automatic_options  # type: ignore[attr-defined]
        # As in Flask, the rule is added even when the endpoint check below fails.
        self.url_map.add(rule_obj)
        if view_func is not None:
            old_func = self.view_functions.get(endpoint)
            if old_func is not None and old_func != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing endpoint function:"
                    f" {endpoint}. Give the new route a different 'endpoint' name or rename"
                    " its view function."
                )
            self.view_functions[endpoint] = view_func

    @setupmethod
    def teardown_appcontext(self, f: T_teardown) -> T_teardown:
        """Run ``f(error)`` when the application context is popped."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def shell_context_processor(
        self, f: T_shell_context_processor
    ) -> T_shell_context_processor:
        """Register a function whose returned dict is added to ``erlen shell``'s namespace."""
        self.shell_context_processors.append(f)
        return f

    @setupmethod
    def template_filter(self, name: str | T_template_filter | None = None) -> t.Any:
        """Register a Jinja filter: ``@app.template_filter()``, ``@app.template_filter``
        or ``@app.template_filter("name")``."""
        return _register_named(self.add_template_filter, name)

    @setupmethod
    def add_template_filter(
        self, f: ft.TemplateFilterCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`template_filter`."""
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(self, name: str | T_template_test | None = None) -> t.Any:
        """Register a Jinja test, with or without a name (see :meth:`template_filter`)."""
        return _register_named(self.add_template_test, name)

    @setupmethod
    def add_template_test(self, f: ft.TemplateTestCallable, name: str | None = None) -> None:
        """Non-decorator form of :meth:`template_test`."""
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(self, name: str | T_template_global | None = None) -> t.Any:
        """Register a Jinja global, with or without a name (see :meth:`template_filter`)."""
        return _register_named(self.add_template_global, name)

    @setupmethod
    def add_template_global(
        self, f: ft.TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Non-decorator form of :meth:`template_global`."""
        self.jinja_env.globals[name or f.__name__] = f

    def iter_blueprints(self) -> t.ValuesView[Blueprint]:
        """The registered blueprints, in registration order."""
        return self.blueprints.values()

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Register a blueprint's routes, hooks and handlers on this app.

        ``url_prefix``, ``subdomain``, ``url_defaults``, ``name`` and ``cli_group``
        override the blueprint's own settings for this registration.
        """
        blueprint.register(self, options)

    # -- lookups used while handling a request ------------------------------------

    def _blueprints_for_path(self, path: str) -> list[str]:
        """The blueprint (and its parents) with the longest URL prefix ``path`` is under."""
        best = ""
        best_name: str | None = None
        for name, prefix in self._blueprint_url_prefixes.items():
            prefix = prefix.rstrip("/")
            if "<" in prefix or len(prefix) <= len(best):
                continue
            if path == prefix or path.startswith(prefix + "/"):
                best, best_name = prefix, name
        return _split_blueprint_path(best_name) if best_name is not None else []

    def _find_error_handler(
        self, e: Exception, blueprints: list[str]
    ) -> ft.ErrorHandlerCallable | None:
        """The handler for ``e``: by code then class, innermost blueprint first, app last."""
        exc_class, code = self._get_exc_class_and_code(type(e))
        names = (*blueprints, None)
        for c in (code, None) if code is not None else (None,):
            for name in names:
                handler_map = self.error_handler_spec.get(name, {}).get(c)
                if not handler_map:
                    continue
                for cls in exc_class.__mro__:
                    handler = handler_map.get(cls)
                    if handler is not None:
                        return handler
        return None

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception should propagate like any other error (for debugging)."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            return isinstance(e, BadRequest)
        return False

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether teardown functions should be told about ``error``; never, by default."""
        return False

    def redirect(self, location: str, code: int = 302) -> BaseResponse:
        """A redirect response built with :attr:`response_class`.

        The target is made safe to send (see ``erlen._headers.quote_location``): a
        target taken from the request (``?next=...``) redirects instead of failing.
        """
        return _werkzeug_redirect(
            quote_location(location),
            code=code,
            Response=self.response_class,  # type: ignore[attr-defined]
        )

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Let ``url_defaults`` functions (app, then the endpoint's blueprints) fill values."""
        names: t.Iterable[str | None] = (None,)
        if "." in endpoint:
            names = chain(
                names, reversed(_split_blueprint_path(endpoint.rpartition(".")[0]))
            )
        for name in names:
            funcs = self.url_default_functions.get(name)
            if funcs:
                for func in funcs:
                    func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Ask each ``url_build_error_handlers`` entry for a URL; re-raise if none gives one."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as e:
                error = e
            else:
                if rv is not None:
                    return rv
        if error is sys.exc_info()[1]:
            raise
        raise error


if not t.TYPE_CHECKING:  # ``flask.sansio.app``'s run-time names; see flask_module_names
    from .._internal import flask_module_names

    __getattr__, __dir__ = flask_module_names(
        globals(),
        {
            "DispatchingJinjaLoader": ("erlen._jinja", "DispatchingJinjaLoader"),
            "Environment": ("erlen._jinja", "Environment"),
            "Response": ("werkzeug.sansio.response", "Response"),
            "_wz_redirect": ("werkzeug.utils", "redirect"),
            "create_logger": ("erlen.logging", "create_logger"),
        },
    )
