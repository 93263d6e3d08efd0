"""The module-level names Flask's modules have at run time resolve under ``flask.<module>``.

Flask's modules hold names they import for their own use (``flask.app.Rule`` is
Werkzeug's ``Rule``); extensions and their tests import them from there. erlen's
modules offer the same names, loaded on first access. The lists below were written
from Flask 3.1's modules (the names ``dir()`` shows there and erlen's modules lacked).
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import erlen  # first: from here on, `flask` is erlen

# isort: split
import pytest

#: flask.<module> -> {name: where the object lives, "module:attribute" or "module"}. The
#: object is the same one, except where Flask's own (``flask.templating.Environment``)
#: is erlen's own here.
NAMES: dict[str, dict[str, str]] = {
    "app": {
        "Environment": "erlen.templating:Environment",
        "ImmutableDict": "werkzeug.datastructures:ImmutableDict",
        "Rule": "werkzeug.routing:Rule",
        "T_shell_context_processor": "erlen.sansio.app:T_shell_context_processor",
        "T_teardown": "erlen.sansio.app:T_teardown",
        "T_template_filter": "erlen.sansio.app:T_template_filter",
        "T_template_global": "erlen.sansio.app:T_template_global",
        "T_template_test": "erlen.sansio.app:T_template_test",
        "TracebackType": "types:TracebackType",
        "_make_timedelta": "erlen.sansio.app:_make_timedelta",
        "chain": "itertools:chain",
        "cli": "erlen.cli",
        "click": "click",
        "current_app": "erlen.globals:current_app",
        "g": "erlen.globals:g",
        "get_flashed_messages": "erlen.helpers:get_flashed_messages",
        "get_host": "werkzeug.wsgi:get_host",
        "is_running_from_reloader": "werkzeug.serving:is_running_from_reloader",
        "request": "erlen.globals:request",
        "send_from_directory": "erlen.helpers:send_from_directory",
        "session": "erlen.globals:session",
        "timedelta": "datetime:timedelta",
    },
    "blueprints": {
        "AppGroup": "erlen.cli:AppGroup",
        "SansioBlueprint": "erlen.sansio.blueprints:Blueprint",
        "_sentinel": "erlen.sansio.blueprints:_sentinel",
        "current_app": "erlen.globals:current_app",
        "os": "os",
        "send_from_directory": "erlen.helpers:send_from_directory",
        "t": "typing",
        "timedelta": "datetime:timedelta",
    },
    "cli": {
        "ModuleType": "types:ModuleType",
        "ParameterSource": "click.core:ParameterSource",
        "cabc": "collections.abc",
        "current_app": "erlen.globals:current_app",
        "get_version": "erlen.cli:get_version",
        "import_string": "werkzeug.utils:import_string",
        "is_running_from_reloader": "werkzeug.serving:is_running_from_reloader",
        "itemgetter": "operator:itemgetter",
        "run_simple": "werkzeug.serving:run_simple",
        "version_option": "erlen.cli:_version_option",
    },
    "config": {"t": "typing"},
    "ctx": {"TracebackType": "types:TracebackType"},
    "debughelpers": {
        "App": "erlen.sansio.app:App",
        "BaseLoader": "jinja2:BaseLoader",
        "Blueprint": "erlen.blueprints:Blueprint",
        "FormDataRoutingRedirect": "erlen.debughelpers:FormDataRoutingRedirect",
        "RequestRedirect": "werkzeug.routing:RequestRedirect",
        "request_ctx": "erlen.globals:request_ctx",
    },
    "helpers": {
        "BaseResponse": "werkzeug.wrappers:Response",
        "_split_blueprint_path": "erlen.wrappers:_split_blueprint_path",
        "_wz_abort": "werkzeug.exceptions:abort",
        "_wz_redirect": "werkzeug.utils:redirect",
        "cache": "functools:cache",
        "datetime": "datetime:datetime",
        "message_flashed": "erlen.signals:message_flashed",
        "request": "erlen.globals:request",
        "session": "erlen.globals:session",
    },
    "json.provider": {"decimal": "decimal"},
    "logging": {"request": "erlen.globals:request"},
    "sessions": {
        "BadSignature": "itsdangerous:BadSignature",
        "MutableMapping": "collections.abc:MutableMapping",
        "c": "collections.abc",
    },
    "templating": {
        "_cv_app": "erlen.globals:_cv_app",
        "_default_template_ctx_processor": "erlen.sansio.scaffold:_default_template_ctx_processor",
        "request": "erlen.globals:request",
    },
    "testing": {"_get_werkzeug_version": "erlen.testing:_werkzeug_version"},
    "wrappers": {
        "RequestBase": "werkzeug.wrappers:Request",
        "ResponseBase": "werkzeug.wrappers:Response",
        "current_app": "erlen.globals:current_app",
    },
    "sansio.app": {
        "DispatchingJinjaLoader": "erlen.templating:DispatchingJinjaLoader",
        "Environment": "erlen.templating:Environment",
        "Response": "werkzeug.sansio.response:Response",
        "_wz_redirect": "werkzeug.utils:redirect",
        "create_logger": "erlen.logging:create_logger",
    },
    "sansio.scaffold": {
        "BaseLoader": "jinja2:BaseLoader",
        "FileSystemLoader": "jinja2:FileSystemLoader",
    },
}

CASES = [(module, name, where) for module, names in NAMES.items() for name, where in names.items()]


def resolve(where: str) -> object:
    module, _, attribute = where.partition(":")
    found = importlib.import_module(module)
    return getattr(found, attribute) if attribute else found


@pytest.mark.parametrize(("module", "name", "where"), CASES)
def test_flask_module_has_the_name(module: str, name: str, where: str) -> None:
    flask_module = importlib.import_module(f"flask.{module}")
    assert getattr(flask_module, name) is resolve(where)
    assert name in dir(flask_module)


def test_from_import_statements() -> None:
    from flask.app import Rule
    from flask.cli import AppGroup, ScriptInfo, run_simple, with_appcontext
    from flask.helpers import BaseResponse
    from flask.sansio.scaffold import FileSystemLoader
    from flask.wrappers import RequestBase, ResponseBase

    assert Rule.__module__.startswith("werkzeug.routing")
    assert run_simple.__module__ == "werkzeug.serving"
    assert issubclass(erlen.wrappers.Request, RequestBase)
    assert issubclass(erlen.wrappers.Response, ResponseBase)
    assert issubclass(erlen.wrappers.Response, BaseResponse)
    assert FileSystemLoader.__module__.startswith("jinja2")
    assert callable(with_appcontext) and AppGroup and ScriptInfo


def test_a_name_no_flask_module_has_is_still_an_error() -> None:
    import flask.app

    with pytest.raises(AttributeError, match="no_such_name"):
        flask.app.no_such_name  # noqa: B018
    with pytest.raises(ImportError):
        from flask.app import no_such_name  # noqa: F401


def test_the_names_cost_nothing_until_used() -> None:
    """Importing every module leaves Jinja2 and Click unloaded until a name needs them."""
    modules = ", ".join(
        f"erlen.{m}" for m in NAMES if m not in {"cli", "testing"}
    )  # erlen.cli and erlen.testing are Click's by nature
    code = (
        f"import sys, erlen, {modules}\n"
        "loaded = [m for m in ('jinja2', 'click', 'decimal') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "import erlen.app; erlen.app.Rule\n"
        "assert 'click' not in sys.modules and 'jinja2' not in sys.modules\n"
        "erlen.app.Environment\n"
        "assert 'jinja2' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
