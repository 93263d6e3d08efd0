"""Command-line support: app-aware Click groups, ``.env`` loading and the server banner.

The ``erlen`` command itself (app discovery, ``run``, ``routes``, ``shell``) builds on
these pieces.
"""

from __future__ import annotations

import os
import typing as t
from functools import update_wrapper

import click

from .globals import _cv_app

if t.TYPE_CHECKING:
    from .app import Erlen

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


class NoAppException(click.UsageError):
    """No application could be found or loaded."""


class ScriptInfo:
    """What a command needs to load the app: an import path or a factory."""

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., Erlen] | None = None,
        set_debug_flag: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.data: dict[t.Any, t.Any] = {}
        self.set_debug_flag = set_debug_flag
        self._loaded_app: Erlen | None = None

    def load_app(self) -> Erlen:
        """Load (once) and return the app."""
        if self._loaded_app is not None:
            return self._loaded_app
        if self.create_app is None:
            raise NoAppException(
                "Could not locate an erlen application. Use the 'erlen --app' option or"
                " the 'ERLEN_APP' environment variable."
            )
        app = self.create_app()
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

    def command(self, *args: t.Any, **kwargs: t.Any) -> t.Callable[..., click.Command]:  # type: ignore[override]
        wrap_for_ctx = kwargs.pop("with_appcontext", True)

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            if wrap_for_ctx:
                f = with_appcontext(f)
            return click.Group.command(self, *args, **kwargs)(f)  # type: ignore[no-any-return]

        return decorator

    def group(self, *args: t.Any, **kwargs: t.Any) -> t.Callable[..., click.Group]:  # type: ignore[override]
        kwargs.setdefault("cls", AppGroup)
        return click.Group.group(self, *args, **kwargs)  # type: ignore[no-any-return]


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Load ``.erlenenv``, ``.flaskenv`` and ``.env`` (or ``path``) with python-dotenv.

    Variables already set are never overridden. Without python-dotenv installed, a
    hint is printed when such files exist. Returns whether anything was loaded.
    """
    try:
        import dotenv
    except ImportError:
        if path or any(
            os.path.isfile(name) for name in (".env", ".erlenenv", ".flaskenv")
        ):
            click.secho(
                " * Tip: There are .env files present. Install python-dotenv to use them.",
                fg="yellow",
                err=True,
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
    loaded = False
    for key, value in data.items():
        if key in os.environ or value is None:
            continue
        os.environ[key] = value
        loaded = True
    return loaded


def show_server_banner(debug: bool, app_import_path: str | None) -> None:
    """Print which app is served and whether debug mode is on (not in the reloader child)."""
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        return
    if app_import_path is not None:
        click.echo(f" * Serving erlen app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")

