"""The ``erlen`` command: finding the app, ``.env`` files, the ``run``, ``shell`` and
``routes`` commands, and the Click groups apps and blueprints hang commands on.
Imported only for a command line, so ``import erlen`` stays free of Click."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import platform
import re
import sys
import traceback
import typing as t
from functools import update_wrapper

import click

from .globals import _cv_app
from .helpers import get_debug_flag, get_load_dotenv

if t.TYPE_CHECKING:
    from types import ModuleType

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .app import Erlen

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class NoAppException(click.UsageError):
    """No application could be found or loaded."""


# -- finding the app ------------------------------------------------------------------
def _is_app(obj: t.Any) -> t.TypeGuard[Erlen]:
    """Whether ``obj`` is an app; by its real type, so context proxies are never asked."""
    from .app import Erlen

    return issubclass(type(obj), Erlen)


def _call_factory(
    module: ModuleType, attr: str, factory: t.Callable[..., t.Any], args: list[t.Any],
    kwargs: dict[str, t.Any],
) -> Erlen:
    """Call an app factory, first checking the arguments against its signature (so a
    ``TypeError`` from inside the factory is not taken for a wrong call)."""
    where = f"{module.__name__}:{attr}"
    try:
        inspect.signature(factory).bind(*args, **kwargs)
    except TypeError as error:
        raise NoAppException(
            f"The factory {where!r} cannot be called with the arguments given ({error})."
            f" Pass them with '--app \"{where}(args)\"'."
        )
    except ValueError:  # no signature to check: the call will tell
        pass
    app = factory(*args, **kwargs)
    if not _is_app(app):
        raise NoAppException(
            f"The factory {where!r} returned {app!r} ({type(app).__name__}), not an erlen"
            " application."
        )
    return app


def _is_function(obj: t.Any) -> t.TypeGuard[t.Callable[..., t.Any]]:
    return inspect.isfunction(obj) or inspect.ismethod(obj)


def find_best_app(module: ModuleType) -> Erlen:
    """Find the app in a module: ``app`` or ``application``, else the only app instance,
    else what the ``create_app`` or ``make_app`` factory returns when called bare."""
    name = module.__name__
    for attr in ("app", "application"):
        if _is_app(candidate := getattr(module, attr, None)):
            return candidate

    apps: dict[int, tuple[str, Erlen]] = {}
    for attr, value in vars(module).items():
        if _is_app(value):
            apps.setdefault(id(value), (attr, value))
    if len(apps) == 1:
        return next(iter(apps.values()))[1]
    if apps:
        names = ", ".join(sorted(attr for attr, _ in apps.values()))
        raise NoAppException(
            f"Found several erlen applications in module {name!r} ({names}). Pick one"
            f" with '--app {name}:NAME'."
        )

    for attr in ("create_app", "make_app"):
        if _is_function(factory := getattr(module, attr, None)):
            return _call_factory(module, attr, factory, [], {})
    raise NoAppException(
        f"Could not find an erlen application or factory in module {name!r}. Name one"
        f" with '--app {name}:NAME'."
    )


def find_app_by_string(module: ModuleType, app_name: str) -> Erlen:
    """Get the app named by ``app_name`` from a module: an attribute ``name``, or a
    factory called as ``name(args)`` with literal arguments (parsed, never evaluated)."""
    try:
        expr: ast.expr | None = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        expr = None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        name = expr.func.id
        try:
            args = [ast.literal_eval(arg) for arg in expr.args]
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in expr.keywords if kw.arg}
            if len(kwargs) != len(expr.keywords):
                raise ValueError("'**' unpacking")
        except (ValueError, TypeError, SyntaxError):
            raise NoAppException(
                f"Could not use the arguments in {app_name!r}: only literal arguments"
                " (strings, numbers, booleans, None, and lists, tuples, sets or dicts of"
                " them) are allowed."
            )
    elif isinstance(expr, ast.Name):
        name, args, kwargs = expr.id, [], {}
    else:
        raise NoAppException(
            f"Could not parse {app_name!r}: expected a name, or a call of a plain name"
            " such as 'create_app()'."
        )

    if not hasattr(module, name):
        raise NoAppException(f"Could not find {name!r} in module {module.__name__!r}.")
    attr = getattr(module, name)
    if _is_function(attr):
        return _call_factory(module, name, attr, args, kwargs)
    if isinstance(expr, ast.Call):
        raise NoAppException(f"{name!r} in module {module.__name__!r} is not a function.")
    if not _is_app(attr):
        raise NoAppException(
            f"{name!r} in module {module.__name__!r} is {attr!r} ({type(attr).__name__}),"
            " not an erlen application."
        )
    return attr


def prepare_import(path: str) -> str:
    """Turn a file or package path into a module name, putting the folder to import it
    from first on ``sys.path``. The name climbs through folders with an ``__init__.py``:
    ``proj/pkg/app.py`` gives ``pkg.app`` with ``proj`` on the path."""
    target = os.path.realpath(path)
    stem, ext = os.path.splitext(target)
    if ext == ".py":
        target = stem
    if os.path.basename(target) == "__init__":
        target = os.path.dirname(target)

    parts: list[str] = []
    folder = target
    while True:
        folder, part = os.path.split(folder)
        if not part:
            break
        parts.append(part)
        if not os.path.isfile(os.path.join(folder, "__init__.py")):
            break

    if sys.path[:1] != [folder]:
        sys.path.insert(0, folder)
    return ".".join(reversed(parts))


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Erlen | None:
    """Import ``module_name`` and find the app in it, by ``app_name`` if given. A module
    that does not exist is a ``NoAppException`` (or None, without ``raise_if_not_found``);
    so is an ``ImportError`` raised from inside it, always, with its traceback in the
    message (the command exits with status 2, as a usage error)."""
    try:
        __import__(module_name)
    except ImportError as error:
        # Only the module itself (or a package above it) missing means "not found";
        # anything else went wrong inside it, and its own traceback says what.
        missing = error.name if isinstance(error, ModuleNotFoundError) else None
        if not missing or (missing != module_name and not module_name.startswith(missing + ".")):
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was raised:\n\n"
                f"{traceback.format_exc()}"
            ) from None
        if raise_if_not_found:
            raise NoAppException(
                f"Could not import {module_name!r}. Check the name and that it can be"
                " imported from the current directory."
            )
        return None

    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


# 'path:name', where a Windows drive letter's colon does not split.
_IMPORT_PATH = re.compile(r"((?:[A-Za-z]:[\\/])?[^:]*)(?::(.*))?", re.DOTALL)


class ScriptInfo:
    """What commands need to load the app: an import path or a factory, and whether to
    set the debug flag and load the default ``.env`` files."""

    def __init__(
        self, app_import_path: str | None = None,
        create_app: t.Callable[..., Erlen] | None = None, set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        #: Free for commands and extensions to keep data in.
        self.data: dict[t.Any, t.Any] = {}
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = load_dotenv_defaults
        self._loaded_app: Erlen | None = None
        self._dotenv_loaded = False

    def _import_path(self) -> str | None:
        env = os.environ
        return self.app_import_path or env.get("ERLEN_APP") or env.get("FLASK_APP") or None

    def load_app(self) -> Erlen:
        """Load the app once and return it. Tried in order: the ``create_app`` callback;
        ``--app``, ``ERLEN_APP`` or ``FLASK_APP``; ``wsgi.py`` then ``app.py`` here."""
        if self._loaded_app is not None:
            return self._loaded_app

        app: Erlen | None = None
        import_path = self._import_path()
        if self.create_app is not None:
            app = self.create_app()
        elif import_path:
            path, name = _IMPORT_PATH.fullmatch(import_path).groups()  # type: ignore[union-attr]
            app = locate_app(prepare_import(path), name or None)
        else:
            for stem in ("wsgi", "app"):
                if os.path.isfile(f"{stem}.py") or os.path.isfile(f"{stem}/__init__.py"):
                    app = locate_app(prepare_import(stem), None, False)
                    if app is not None:
                        break

        if app is None:
            raise NoAppException(
                "Could not locate an erlen application. Use the 'erlen --app' option, the"
                " 'ERLEN_APP' (or 'FLASK_APP') environment variable, or a 'wsgi.py' or"
                " 'app.py' file in the current directory."
            )
        if self.set_debug_flag:
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run the decorated Click command inside the app's application context."""

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if _cv_app.get(None) is None:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return update_wrapper(decorator, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A Click group whose commands run in an app context unless ``with_appcontext=False``."""

    def command(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like Click's, but wrap the callback with :func:`with_appcontext` by default.
        Usable bare (``@group.command``) or called (``@group.command("name")``)."""
        if len(args) == 1 and not kwargs and callable(args[0]):
            return self.command()(args[0])
        wrap_for_ctx = kwargs.pop("with_appcontext", True)

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            if wrap_for_ctx:
                f = with_appcontext(f)
            return click.Group.command(self, *args, **kwargs)(f)  # type: ignore[no-any-return]

        return decorator

    def group(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like Click's, but nested groups are :class:`AppGroup` unless ``cls`` is given."""
        if len(args) == 1 and not kwargs and callable(args[0]):
            return self.group()(args[0])
        kwargs.setdefault("cls", AppGroup)
        return click.Group.group(self, *args, **kwargs)


# -- .env files -------------------------------------------------------------------------
def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Load ``.flaskenv``, ``.erlenenv``, ``.env`` (each winning over the one before) and
    ``path`` (winning over all) with python-dotenv, never overriding variables already
    set. Without python-dotenv, hints when such files exist. Returns whether anything
    was set."""
    try:
        import dotenv
    except ImportError:
        if path or any(os.path.isfile(name) for name in (".env", ".erlenenv", ".flaskenv")):
            click.secho(
                " * Tip: There are .env files present. Install python-dotenv to use them.",
                fg="yellow", err=True,
            )
        return False

    data: dict[str, str | None] = {}
    if load_defaults:
        for name in (".flaskenv", ".erlenenv", ".env"):
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                data |= dotenv.dotenv_values(found, encoding="utf-8")
    if path is not None and os.path.isfile(path):
        data |= dotenv.dotenv_values(path, encoding="utf-8")
    new = {key: value for key, value in data.items() if key not in os.environ and value is not None}
    os.environ.update(new)
    return bool(new)


def _load_env_files(info: ScriptInfo, path: str | None = None) -> None:
    """Load the default ``.env`` files (once per command line) and ``path``."""
    defaults = not info._dotenv_loaded and get_load_dotenv(info.load_dotenv_defaults)
    if path is not None or defaults:
        load_dotenv(path, load_defaults=defaults)
    info._dotenv_loaded = True


# -- the group's own options --------------------------------------------------------
def _env_file_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        try:
            import dotenv  # noqa: F401
        except ImportError:
            raise click.BadParameter(
                "python-dotenv must be installed to load an env file.", ctx=ctx, param=param
            )
    _load_env_files(ctx.ensure_object(ScriptInfo), value)


def _app_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value


def _put_environ_back(saved: dict[str, str | None]) -> None:
    """Give environment variables back the values in ``saved`` (None: unset)."""
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _restore_environ_on_close(ctx: click.Context, name: str, before: str | None) -> None:
    """Give ``name`` back the value ``before`` (None: unset) when the command line that
    ``ctx`` belongs to ends. The first value recorded for a name wins."""
    root = ctx.find_root()
    saved: dict[str, str | None] | None = root.meta.get("erlen.saved_environ")
    if saved is None:
        saved = root.meta["erlen.saved_environ"] = {}
        root.call_on_close(lambda: _put_environ_back(saved))
    saved.setdefault(name, before)


def _set_environ_for_command(ctx: click.Context, name: str, value: str) -> None:
    """Set an environment variable for as long as the command line runs (the
    reloader's child process inherits it), then put back what was there before.

    A command line invoked inside a process (a test's ``CliRunner``) must not leave
    ``ERLEN_DEBUG`` or ``ERLEN_RUN_FROM_CLI`` behind: an app created later would be in
    debug mode, and its ``app.run()`` ignored. Flask leaves its ``FLASK_*`` names set,
    which test suites written for Flask reset; they do not know erlen's names.
    """
    _restore_environ_on_close(ctx, name, os.environ.get(name))
    os.environ[name] = value


def _debug_callback(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    # Set in the environment, so the reloader's child process sees it too.
    if value is not None:
        _set_environ_for_command(ctx, "ERLEN_DEBUG", "1" if value else "0")


def get_version(ctx: click.Context, param: click.Parameter, value: t.Any) -> None:
    """Click callback of the ``--version`` option: print the Python, erlen and Werkzeug
    versions, one per line, and end the command line."""
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import version

    from . import __version__

    werkzeug = version("werkzeug")
    click.echo(
        f"Python {platform.python_version()}\nErlen {__version__}\nWerkzeug {werkzeug}",
        color=ctx.color,
    )
    ctx.exit()


# Eager: handled before the app loads (and before the subcommand's options).
_env_file_option = click.Option(
    ["-e", "--env-file"], type=click.Path(exists=True, dir_okay=False), is_eager=True,
    expose_value=False, callback=_env_file_callback,
    help="Load environment variables from this file; they win over '.env', '.erlenenv'"
    " and '.flaskenv', and lose to variables already set. Needs python-dotenv.",
)
_app_option = click.Option(
    ["-A", "--app"], metavar="IMPORT", is_eager=True, expose_value=False,
    callback=_app_callback,
    help="The app or factory to load, as 'module:name'. The module is a dotted import or"
    " a file path. The name may be left out when it is 'app', 'application', 'create_app'"
    " or 'make_app', and may be a call 'name(args)' with literal arguments.",
)
_debug_option = click.Option(
    ["--debug/--no-debug"], default=None, is_eager=True, expose_value=False,
    callback=_debug_callback, help="Turn debug mode on or off (sets ERLEN_DEBUG).",
)
_version_option = click.Option(
    ["--version"], is_flag=True, is_eager=True, expose_value=False,
    callback=get_version, help="Show the Python, erlen and Werkzeug versions.",
)


# -- run --------------------------------------------------------------------------------
def _run_envvars(option: str) -> list[str]:
    return [f"ERLEN_RUN_{option}", f"FLASK_RUN_{option}"]


def _cert_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> t.Any:
    """``--cert``: a certificate file (its absolute path), ``adhoc`` (needs the
    cryptography library) or the import path of an ``ssl.SSLContext`` (the context)."""
    from werkzeug.utils import import_string

    if not value:
        return None
    try:
        import ssl
    except ImportError:
        raise click.BadParameter(
            'Using "--cert" requires Python to be compiled with SSL support. This Python'
            " has no 'ssl' module, so it cannot serve HTTPS.", ctx, param,
        )
    if value == "adhoc":
        try:  # Werkzeug makes the certificate with it
            importlib.import_module("cryptography")
        except ImportError:
            raise click.BadParameter(
                "Ad-hoc certificates need the 'cryptography' library (pip install"
                " cryptography).", ctx, param,
            )
        return value
    if os.path.isfile(value):
        return os.path.abspath(value)
    # The module may sit in the working directory, which the app adds to sys.path later.
    cwd = os.getcwd()
    sys.path.insert(0, cwd)
    try:
        obj = import_string(value, silent=True)
    finally:
        sys.path.remove(cwd)
    if isinstance(obj, ssl.SSLContext):
        return obj
    raise click.BadParameter(
        f"{value!r} is not a certificate file, 'adhoc', or the import path of an"
        " 'ssl.SSLContext'.", ctx, param,
    )


def _key_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Check ``--key`` against ``--cert`` and fold both into ``cert`` for ``run_simple``."""
    cert = ctx.params.get("cert")
    is_file = isinstance(cert, str) and cert != "adhoc"
    if value is None:
        if is_file:
            raise click.BadParameter('Required when "--cert" is a certificate file.', ctx, param)
        return
    if cert == "adhoc":
        raise click.BadParameter('Not used with "--cert adhoc".', ctx, param)
    if cert is not None and not isinstance(cert, str):  # an ssl.SSLContext
        raise click.BadParameter('Not used when "--cert" is an SSLContext.', ctx, param)
    if not cert:
        raise click.BadParameter('"--cert" must be given too.', ctx, param)
    ctx.params["cert"] = (cert, value)


def _split_callback(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> list[str] | None:
    """Split a list of values separated by ``os.pathsep``."""
    return None if value is None else [item for item in value.split(os.pathsep) if item]


def _error_app(error: BaseException) -> WSGIApplication:
    """A WSGI app that raises the error the real app failed to load with."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> t.Iterable[bytes]:
        raise error

    return app


def show_server_banner(debug: bool, app_import_path: str | None) -> None:
    """Print which app is served and whether debug mode is on (not in the reloader child)."""
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        return
    if app_import_path is not None:
        click.echo(f" * Serving erlen app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")


@click.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", envvar=_run_envvars("HOST"),
              show_default=True, help="The interface to listen on.")
@click.option("--port", "-p", default=5000, type=int, envvar=_run_envvars("PORT"),
              show_default=True, help="The port to listen on.")
@click.option("--cert", metavar="PATH", is_eager=True, callback=_cert_callback,
              envvar=_run_envvars("CERT"),
              help="Serve HTTPS: a certificate file (with '--key'), 'adhoc' for a"
              " throwaway one, or the import path of an 'ssl.SSLContext'.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False, resolve_path=True),
              callback=_key_callback, expose_value=False, envvar=_run_envvars("KEY"),
              help="The private key file for the '--cert' certificate file.")
@click.option("--reload/--no-reload", default=None, envvar=_run_envvars("RELOAD"),
              help="Restart the server when code changes. On by default in debug mode.")
@click.option("--debugger/--no-debugger", default=None, envvar=_run_envvars("DEBUGGER"),
              help="Show Werkzeug's interactive debugger on errors. On by default in"
              " debug mode.")
@click.option("--with-threads/--without-threads", default=True,
              envvar=_run_envvars("WITH_THREADS"), help="Handle each request in a thread.")
@click.option("--extra-files", metavar="PATH", callback=_split_callback,
              envvar=_run_envvars("EXTRA_FILES"),
              help="More files whose changes restart the server, separated by"
              f" {os.pathsep!r}.")
@click.option("--exclude-patterns", metavar="PATTERN", callback=_split_callback,
              envvar=_run_envvars("EXCLUDE_PATTERNS"),
              help="fnmatch patterns of files whose changes do not restart the server,"
              f" separated by {os.pathsep!r}.")
@pass_script_info
def run_command(
    info: ScriptInfo, host: str, port: int, cert: t.Any, reload: bool | None,
    debugger: bool | None, with_threads: bool, extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Serve the app with Werkzeug's development server (uvicorn for an app with
    WebSocket routes).

    Made for working on the app, not for production: use a production WSGI or ASGI
    server there. '--debug' turns on the reloader and the interactive debugger.
    """
    from werkzeug.serving import is_running_from_reloader, run_simple

    # An 'app.run()' at import time must not start a second server.
    _set_environ_for_command(click.get_current_context(), "ERLEN_RUN_FROM_CLI", "true")
    debug = get_debug_flag()
    reload = debug if reload is None else reload
    debugger = debug if debugger is None else debugger
    in_child = is_running_from_reloader()

    app: WSGIApplication
    try:
        app = info.load_app()
    except Exception as error:
        if not (reload or in_child):
            raise
        # Keep the reloader going, so fixing the code restarts the server. The child
        # shows the whole error; requests get it too (in the debugger, if on).
        if not in_child:
            click.secho(f" * Could not load the app: {error!r}", err=True, fg="red")
        elif isinstance(error, click.ClickException):
            click.secho(f"Error: {error.format_message()}", err=True, fg="red")
        else:
            traceback.print_exc()
        app = _error_app(error)
    name = info._import_path() or getattr(info._loaded_app, "import_name", None)

    show_server_banner(debug, name)
    from ._asgi_serve import has_websocket_routes

    if has_websocket_routes(app):
        from ._asgi_serve import serve

        serve(
            app, host, port, reload=reload, debugger=debugger, cert=cert,  # type: ignore[arg-type]
            extra_files=extra_files, exclude_patterns=exclude_patterns,
        )
        return
    run_simple(
        host, port, app, use_reloader=reload, use_debugger=debugger, threaded=with_threads,
        ssl_context=cert, extra_files=extra_files, exclude_patterns=exclude_patterns,
    )


run_command.params.insert(0, _debug_option)


# -- shell ------------------------------------------------------------------------------
@click.command("shell", short_help="Run a shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Start an interactive Python shell inside the app's application context.

    The namespace holds 'app', 'g' and what the app's shell context processors add;
    the file named by PYTHONSTARTUP runs first.
    """
    import code

    from .globals import current_app

    app: Erlen = current_app._get_current_object()  # type: ignore[attr-defined]
    banner = (
        f"Python {sys.version} on {sys.platform}\nApp: {app.import_name}\n"
        f"Instance: {app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as f:
            exec(compile(f.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())
    if sys.stdin.isatty():  # history and tab completion, as Python's own prompt has
        try:
            import readline
            import rlcompleter
        except ImportError:
            pass
        else:
            getattr(sys, "__interactivehook__", lambda: None)()
            readline.set_completer(rlcompleter.Completer(namespace).complete)
    code.interact(banner=banner, local=namespace)


# -- routes -----------------------------------------------------------------------------

_ROUTE_SORTS = ("endpoint", "methods", "domain", "rule", "match")


@click.command("routes", short_help="Show the routes for the app.")
@click.option("--sort", "-s", type=click.Choice(_ROUTE_SORTS), default="endpoint",
              show_default=True,
              help="The column to sort by; 'match' keeps the order rules were added in.")
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show every URL rule of the app with its endpoint and methods."""
    from .globals import current_app

    url_map = current_app.url_map
    rules = list(url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return

    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = url_map.host_matching
    rows = [
        (
            str(rule.endpoint), ", ".join(sorted((rule.methods or set()) - hidden)),
            (rule.host if host_matching else rule.subdomain) or "", rule.rule,
        )
        for rule in rules
    ]
    # Columns to sort on; 'match' keeps the order the rules were added in.
    sort_columns = {"endpoint": (0,), "methods": (1,), "domain": (2, 3), "rule": (3,)}
    if sort in sort_columns:
        rows.sort(key=lambda row: [row[i] for i in sort_columns[sort]])

    show_domain = any(row[2] for row in rows)
    header = ("Endpoint", "Methods", "Host" if host_matching else "Subdomain", "Rule")
    columns = [0, 1, 2, 3] if show_domain else [0, 1, 3]
    table = [[line[i] for i in columns] for line in (header, *rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    table.insert(1, ["-" * width for width in widths])
    for line in table:
        cells = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


# -- the erlen command ------------------------------------------------------------------
class ErlenGroup(AppGroup):
    """The ``erlen`` command group: finds and loads the app lazily, and offers the
    built-in commands, the app's ``app.cli`` commands and installed plugin commands
    (entry point groups ``erlen.commands`` and ``flask.commands``).

    Its options ``--env-file``, ``--app`` and ``--debug`` are handled before the app
    is loaded. Use it with ``create_app`` for a project's own command script.
    """

    def __init__(
        self, add_default_commands: bool = True, create_app: t.Callable[..., Erlen] | None = None,
        add_version_option: bool = True, load_dotenv: bool = True, set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        params = [*(extra.pop("params", None) or ()), _env_file_option, _app_option]
        params += [_debug_option, _version_option] if add_version_option else [_debug_option]
        context_settings = dict(extra.pop("context_settings", None) or {})
        context_settings.setdefault("auto_envvar_prefix", "ERLEN")
        super().__init__(params=params, context_settings=context_settings, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        self._plugins_loaded = False
        for command in (run_command, shell_command, routes_command):
            if add_default_commands:
                self.add_command(command)

    def _load_plugin_commands(self) -> None:
        """Add the commands installed packages register as entry points (once)."""
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        import importlib.metadata

        # Erlen's group last, so its commands win a name clash with Flask's.
        for group in ("flask.commands", "erlen.commands"):
            for entry_point in importlib.metadata.entry_points(group=group):
                try:
                    command = entry_point.load()
                except Exception as error:
                    message = f"Could not load the command {entry_point.name!r}: {error!r}"
                    click.secho(f" * {message}", err=True, fg="yellow")
                    continue
                if isinstance(command, click.Command):
                    self.add_command(command, entry_point.name)

    def _try_load_app(self, ctx: click.Context) -> Erlen | None:
        """Load the app, printing why when that fails instead of raising."""
        info = ctx.ensure_object(ScriptInfo)
        if not info._dotenv_loaded:
            # '--help' is handled before '--env-file', yet commands may come from an
            # app named in a .env file.
            _load_env_files(info)
        try:
            return info.load_app()
        except NoAppException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}", err=True, fg="red")
        return None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A built-in or plugin command, else one of the app's."""
        self._load_plugin_commands()
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        app = self._try_load_app(ctx)
        return None if app is None else app.cli.get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Find the command to invoke; once the app is loaded, it runs in its app context.

        Pushed here rather than in :meth:`get_command`, which ``--help`` also calls
        outside the context's lifetime.
        """
        found = super().resolve_command(ctx, args)
        app = ctx.ensure_object(ScriptInfo)._loaded_app
        current = _cv_app.get(None)
        if app is not None and (current is None or current.app is not app):
            ctx.with_resource(app.app_context())
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The built-in, plugin and app command names; load errors are printed."""
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        app = self._try_load_app(ctx)
        if app is not None:
            names.update(app.cli.list_commands(ctx))
        return sorted(names)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        """Give the context a :class:`ScriptInfo` for this group's settings."""
        # An 'app.run()' at import time must not start a server in a command; the
        # variable is put back when the command ends (tests run many in one process).
        before = os.environ.get("ERLEN_RUN_FROM_CLI")
        os.environ["ERLEN_RUN_FROM_CLI"] = "true"
        inherited = parent is not None and parent.find_object(ScriptInfo) is not None
        if "obj" not in extra and "obj" not in self.context_settings and not inherited:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app, set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except BaseException:  # '--help', '--version' or a usage error: nothing runs
            _put_environ_back({"ERLEN_RUN_FROM_CLI": before})
            raise
        _restore_environ_on_close(ctx, "ERLEN_RUN_FROM_CLI", before)
        if parent is None:
            _mirror_flask_environ(ctx)
        return ctx


def _mirror_flask_environ(ctx: click.Context) -> None:
    """Let Flask's ``FLASK_<COMMAND>_<OPTION>`` variables set command options, as
    erlen's ``ERLEN_<COMMAND>_<OPTION>`` do (Click reads one prefix): each ``FLASK_*``
    variable without an ``ERLEN_*`` twin gets one for as long as the command line
    runs. Where both are set, erlen's wins."""
    for name, value in list(os.environ.items()):
        if name.startswith("FLASK_"):
            twin = "ERLEN_" + name[6:]
            if twin not in os.environ:
                _set_environ_for_command(ctx, twin, value)


FlaskGroup = ErlenGroup

cli = ErlenGroup(
    name="erlen",
    help="""The command line of erlen applications.

    The app to load is given with the '--app' option, the 'ERLEN_APP' (or 'FLASK_APP')
    environment variable, or found in a 'wsgi.py' or 'app.py' file in the current
    directory.
    """,
)


def main() -> None:
    """Entry point of the ``erlen`` console script and ``python -m erlen``."""
    cli.main()


if not t.TYPE_CHECKING:  # ``flask.cli``'s run-time names; see flask_module_names
    from ._internal import flask_module_names

    __getattr__, __dir__ = flask_module_names(
        globals(),
        {
            "ModuleType": ("types", "ModuleType"),
            "ParameterSource": ("click.core", "ParameterSource"),
            "cabc": ("collections.abc", ""),
            "current_app": ("erlen.globals", "current_app"),
            "import_string": ("werkzeug.utils", "import_string"),
            "is_running_from_reloader": ("werkzeug.serving", "is_running_from_reloader"),
            "itemgetter": ("operator", "itemgetter"),
            "run_simple": ("werkzeug.serving", "run_simple"),
            "version_option": ("erlen.cli", "_version_option"),
        },
    )
