"""Tests for the ``erlen`` command line: finding the app, ``.env`` files, the group's
options, app and blueprint commands, plugins, and the ``routes``, ``shell`` and ``run``
commands (``run`` also for real, in a subprocess)."""

from __future__ import annotations

import contextlib
import http.client
import importlib
import importlib.metadata
import os
import platform
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import time
import types
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import werkzeug.serving
from click.testing import CliRunner, Result

import erlen
from erlen import Blueprint, Erlen, current_app, has_app_context
from erlen.cli import (
    AppGroup,
    ErlenGroup,
    FlaskGroup,
    NoAppException,
    ScriptInfo,
    find_best_app,
    get_version,
    locate_app,
    pass_script_info,
    prepare_import,
    routes_command,
    run_command,
    shell_command,
    with_appcontext,
)

#: Variables the CLI sets in the process environment; each invocation restores them.
CLI_SET = ("ERLEN_DEBUG", "ERLEN_RUN_FROM_CLI")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in ``tmp_path`` with no erlen/Flask variables; afterwards restore the
    environment and ``sys.path`` and forget the modules imported from ``tmp_path``."""
    saved_env = dict(os.environ)
    saved_path = list(sys.path)
    for name in list(os.environ):
        if name.startswith(("ERLEN_", "FLASK_", "WERKZEUG_")) or name == "PYTHONSTARTUP":
            del os.environ[name]
    monkeypatch.chdir(tmp_path)
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    leaked = has_app_context()
    os.environ.clear()
    os.environ.update(saved_env)
    sys.path[:] = saved_path
    root = str(tmp_path)
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(root):
            del sys.modules[name]
    assert not leaked, "a command left an app context pushed"


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    importlib.invalidate_caches()
    return path


def write_app(path: Path, name: str = "app", extra: str = "") -> Path:
    """A module with one app under ``name`` and a ``whoami`` command printing its name."""
    source = textwrap.dedent(
        f"""
        import click
        from erlen import Erlen, current_app

        {name} = Erlen(__name__)

        @{name}.route("/")
        def index():
            return "index of " + __name__

        @{name}.cli.command()
        def whoami():
            click.echo("app=" + current_app.name)
        """
    )
    return write(path, source + textwrap.dedent(extra))


def invoke(
    cli: click.Command, args: list[str], env: dict[str, str | None] | None = None, **kw: Any
) -> Result:
    """Invoke with Click's runner; variables the CLI sets are restored afterwards."""
    full_env: dict[str, str | None] = dict.fromkeys(CLI_SET)
    full_env.update(env or {})
    return CliRunner().invoke(cli, args, env=full_env, **kw)


def make_cli(**kwargs: Any) -> ErlenGroup:
    return ErlenGroup(name="erlen", **kwargs)


# -- locating the app ---------------------------------------------------------------


@pytest.mark.parametrize("attr", ["app", "application", "web"])
def test_find_best_app_takes_app_application_or_the_only_instance(
    tmp_path: Path, attr: str
) -> None:
    write_app(tmp_path / "finder_mod.py", attr)
    app = locate_app(prepare_import("finder_mod"), None)
    assert isinstance(app, Erlen)
    assert app is getattr(sys.modules["finder_mod"], attr)


def test_find_best_app_prefers_app_over_other_instances(tmp_path: Path) -> None:
    write(
        tmp_path / "pref_mod.py",
        """
        from erlen import Erlen
        other = Erlen("other")
        app = Erlen("main")
        """,
    )
    assert find_best_app(importlib.import_module("pref_mod")).name == "main"


def test_one_app_bound_to_two_names_counts_once(tmp_path: Path) -> None:
    write(tmp_path / "alias_mod.py", "from erlen import Erlen\nweb = Erlen('w')\nalias = web\n")
    assert find_best_app(importlib.import_module("alias_mod")).name == "w"


def test_several_apps_raise_and_list_their_names(tmp_path: Path) -> None:
    source = "from erlen import Erlen\nfirst = Erlen('a')\nsecond = Erlen('b')\n"
    write(tmp_path / "multi_mod.py", source)
    with pytest.raises(NoAppException) as info:
        find_best_app(importlib.import_module("multi_mod"))
    message = info.value.format_message()
    assert "several" in message
    assert "first, second" in message
    assert "--app multi_mod:NAME" in message


@pytest.mark.parametrize("factory", ["create_app", "make_app"])
def test_factory_without_arguments_is_called(tmp_path: Path, factory: str) -> None:
    write(
        tmp_path / "factory_mod.py",
        f"""
        from erlen import Erlen
        def {factory}():
            return Erlen("made by {factory}")
        """,
    )
    assert find_best_app(importlib.import_module("factory_mod")).name == f"made by {factory}"


def test_factory_that_needs_arguments_explains_how_to_pass_them(tmp_path: Path) -> None:
    write(tmp_path / "needs_args.py", "def create_app(config):\n    raise AssertionError\n")
    with pytest.raises(NoAppException) as info:
        find_best_app(importlib.import_module("needs_args"))
    message = info.value.format_message()
    assert "'needs_args:create_app' cannot be called" in message
    assert "--app \"needs_args:create_app(args)\"" in message


def test_type_error_inside_a_factory_is_not_taken_for_missing_arguments(
    tmp_path: Path,
) -> None:
    write(tmp_path / "raising.py", "def create_app():\n    raise TypeError('bug inside')\n")
    with pytest.raises(TypeError, match="bug inside"):
        find_best_app(importlib.import_module("raising"))


def test_factory_returning_something_else_names_what_it_returned(tmp_path: Path) -> None:
    write(tmp_path / "wrong_ret.py", "def make_app():\n    return 42\n")
    with pytest.raises(NoAppException, match=r"returned 42 \(int\), not an erlen application"):
        find_best_app(importlib.import_module("wrong_ret"))


def test_module_without_app_or_factory_says_so(tmp_path: Path) -> None:
    write(tmp_path / "empty_mod.py", "x = 1\n")
    with pytest.raises(NoAppException, match="Could not find an erlen application or factory"):
        find_best_app(importlib.import_module("empty_mod"))


@pytest.mark.parametrize(
    ("app_name", "expected"),
    [
        ("second", "b"),
        ("create_app", "factory:default:False"),
        ("create_app()", "factory:default:False"),
        ("create_app('dev')", "factory:dev:False"),
        ("create_app('dev', debug=True)", "factory:dev:True"),
        ("create_app(name='a:b')", "factory:a:b:False"),
    ],
)
def test_app_name_is_an_attribute_or_a_factory_call_with_literals(
    tmp_path: Path, app_name: str, expected: str
) -> None:
    write(
        tmp_path / "named_mod.py",
        """
        from erlen import Erlen
        first = Erlen("a")
        second = Erlen("b")
        def create_app(name="default", debug=False):
            return Erlen(f"factory:{name}:{debug}")
        """,
    )
    app = locate_app("named_mod", app_name)
    assert app is not None
    assert app.name == expected


@pytest.mark.parametrize(
    ("app_name", "message"),
    [
        ("create_app(os.environ)", "only literal arguments"),
        ("create_app(**{'a': 1})", "only literal arguments"),
        ("factory()()", "Could not parse"),
        ("1 +", "Could not parse"),
        ("app.attr", "Could not parse"),
        ("missing", "Could not find 'missing' in module 'bad_names'"),
        ("value", "'value' in module 'bad_names' is 42 (int), not an erlen application"),
        ("app()", "'app' in module 'bad_names' is not a function"),
        ("create_app(1, 2, 3)", "'bad_names:create_app' cannot be called"),
        ("create_app", "returned None (NoneType), not an erlen application"),
    ],
)
def test_bad_app_names_explain_what_is_wrong(tmp_path: Path, app_name: str, message: str) -> None:
    write(
        tmp_path / "bad_names.py",
        """
        from erlen import Erlen
        app = Erlen("x")
        value = 42
        def create_app(a=None):
            return None
        """,
    )
    with pytest.raises(NoAppException) as info:
        locate_app("bad_names", app_name)
    assert message in info.value.format_message()


def test_missing_module_is_a_no_app_exception_or_none() -> None:
    with pytest.raises(NoAppException, match="Could not import 'no_such_module_xyz'"):
        locate_app("no_such_module_xyz", None)
    assert locate_app("no_such_module_xyz", None, raise_if_not_found=False) is None
    with pytest.raises(NoAppException, match=r"Could not import 'no_such_pkg_xyz\.sub'"):
        locate_app("no_such_pkg_xyz.sub", None)


@pytest.mark.parametrize(
    "source",
    ["import erlen_missing_dependency_xyz\n", "from os import erlen_missing_name_xyz\n"],
)
@pytest.mark.parametrize("raise_if_not_found", [True, False])
def test_import_error_inside_the_module_is_a_no_app_exception_with_its_traceback(
    tmp_path: Path, source: str, raise_if_not_found: bool
) -> None:
    write(tmp_path / "broken_dep.py", "x = 1\n" + source)
    with pytest.raises(NoAppException) as info:
        locate_app("broken_dep", None, raise_if_not_found=raise_if_not_found)
    message = info.value.format_message()
    assert message.startswith(
        "While importing 'broken_dep', an ImportError was raised:\n\nTraceback"
    )
    assert 'broken_dep.py", line 2' in message
    assert "erlen_missing_" in message


def test_prepare_import_turns_paths_into_module_names(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "pkg" / "__init__.py", "")
    write(tmp_path / "proj" / "pkg" / "sub" / "__init__.py", "")
    write(tmp_path / "proj" / "pkg" / "sub" / "views.py", "")
    write(tmp_path / "proj" / "loose.py", "")

    assert prepare_import("proj/loose.py") == "loose"
    assert sys.path[0] == str(tmp_path / "proj")
    assert prepare_import("proj/pkg/sub/views.py") == "pkg.sub.views"
    assert prepare_import("proj/pkg/sub/__init__.py") == "pkg.sub"
    assert prepare_import("proj/pkg/sub") == "pkg.sub"
    assert prepare_import("dotted.name") == "dotted.name"
    assert sys.path[0] == str(tmp_path)


def test_app_option_accepts_a_file_path_inside_a_package(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "webpkg" / "__init__.py", "")
    write_app(tmp_path / "proj" / "webpkg" / "site.py", "site_app")
    result = invoke(make_cli(), ["--app", "proj/webpkg/site.py:site_app", "whoami"])
    assert result.output == "app=webpkg.site\n"


# -- ScriptInfo.load_app ------------------------------------------------------------


def test_wsgi_py_is_tried_before_app_py(tmp_path: Path) -> None:
    write_app(tmp_path / "app.py")
    assert ScriptInfo().load_app().name == "app"
    sys.modules.pop("app")
    write_app(tmp_path / "wsgi.py")
    assert ScriptInfo().load_app().name == "wsgi"


def test_app_py_without_an_app_reports_that_module() -> None:
    write(Path("app.py"), "x = 1\n")
    with pytest.raises(NoAppException, match="in module 'app'"):
        ScriptInfo().load_app()


def test_without_any_app_the_error_says_what_to_do() -> None:
    with pytest.raises(NoAppException) as info:
        ScriptInfo().load_app()
    message = info.value.format_message()
    assert "Could not locate an erlen application" in message
    for hint in ("--app", "ERLEN_APP", "FLASK_APP", "wsgi.py", "app.py"):
        assert hint in message


def test_app_option_beats_erlen_app_which_beats_flask_app(tmp_path: Path) -> None:
    for name in ("opt_app", "erlen_env_app", "flask_env_app"):
        write_app(tmp_path / f"{name}.py")
    env = {"ERLEN_APP": "erlen_env_app", "FLASK_APP": "flask_env_app"}
    assert invoke(make_cli(), ["--app", "opt_app", "whoami"], env).output == "app=opt_app\n"
    assert invoke(make_cli(), ["-A", "opt_app", "whoami"], env).output == "app=opt_app\n"
    assert invoke(make_cli(), ["whoami"], env).output == "app=erlen_env_app\n"
    env["ERLEN_APP"] = None
    assert invoke(make_cli(), ["whoami"], env).output == "app=flask_env_app\n"


def test_create_app_callback_comes_before_the_app_option(tmp_path: Path) -> None:
    write_app(tmp_path / "ignored_app.py")
    app = Erlen("from_callback")

    @app.cli.command()
    def whoami() -> None:
        click.echo("app=" + current_app.name)

    cli = make_cli(create_app=lambda: app)
    assert invoke(cli, ["--app", "ignored_app", "whoami"]).output == "app=from_callback\n"


def test_load_app_loads_once_and_sets_the_debug_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def factory() -> Erlen:
        calls.append(1)
        app = Erlen("once")
        app.debug = True
        return app

    monkeypatch.setenv("FLASK_DEBUG", "0")
    info = ScriptInfo(create_app=factory)
    assert info.load_app() is info.load_app()
    assert calls == [1]
    assert info.load_app().debug is False
    assert ScriptInfo(create_app=factory, set_debug_flag=False).load_app().debug is True


# -- .env files ---------------------------------------------------------------------


def env_printer(**kwargs: Any) -> ErlenGroup:
    """A group with a ``show`` command printing a few variables, needing no app."""
    cli = make_cli(**kwargs)

    @cli.command(with_appcontext=False)
    def show() -> None:
        for name in ("A", "B", "C", "D"):
            click.echo(f"{name}={os.environ.get(name)}")

    return cli


DOTENV_KEYS: dict[str, str | None] = dict.fromkeys("ABCD")


def test_dotenv_files_load_in_order_without_overriding_the_environment(
    tmp_path: Path,
) -> None:
    write(tmp_path / ".flaskenv", "A=flaskenv\nB=flaskenv\nC=flaskenv\nD=flaskenv\n")
    write(tmp_path / ".erlenenv", "A=erlenenv\nB=erlenenv\nC=erlenenv\n")
    write(tmp_path / ".env", "A=env\nB=env\n")
    result = invoke(env_printer(), ["show"], {**DOTENV_KEYS, "A": "process"})
    assert result.output == "A=process\nB=env\nC=erlenenv\nD=flaskenv\n"


def test_env_file_option_wins_over_default_files_but_not_the_environment(
    tmp_path: Path,
) -> None:
    write(tmp_path / ".env", "B=env\nC=env\n")
    write(tmp_path / "custom.env", "A=custom\nB=custom\n")
    env = {**DOTENV_KEYS, "A": "process"}
    result = invoke(env_printer(), ["-e", "custom.env", "show"], env)
    assert result.output == "A=process\nB=custom\nC=env\nD=None\n"
    result = invoke(env_printer(), ["--env-file", "custom.env", "show"], env)
    assert result.output == "A=process\nB=custom\nC=env\nD=None\n"


def test_env_file_option_must_name_an_existing_file() -> None:
    result = invoke(env_printer(), ["-e", "nope.env", "show"])
    assert result.exit_code == 2
    assert "nope.env" in result.output


@pytest.mark.parametrize("skip", ["ERLEN_SKIP_DOTENV", "FLASK_SKIP_DOTENV"])
def test_skip_dotenv_variables_stop_default_files_but_not_env_file(
    tmp_path: Path, skip: str
) -> None:
    write(tmp_path / ".env", "A=env\n")
    write(tmp_path / "custom.env", "B=custom\n")
    env = {**DOTENV_KEYS, skip: "1"}
    assert invoke(env_printer(), ["show"], env).output.startswith("A=None\nB=None\n")
    result = invoke(env_printer(), ["-e", "custom.env", "show"], env)
    assert result.output.startswith("A=None\nB=custom\n")


def test_load_dotenv_false_skips_default_files(tmp_path: Path) -> None:
    write(tmp_path / ".env", "A=env\n")
    assert invoke(env_printer(load_dotenv=False), ["show"], DOTENV_KEYS).output.startswith(
        "A=None\n"
    )


def test_without_python_dotenv_a_tip_is_shown_and_env_file_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dotenv", None)
    write(tmp_path / ".env", "A=env\n")
    result = invoke(env_printer(), ["show"], DOTENV_KEYS)
    assert "Install python-dotenv" in result.output
    assert "A=None" in result.output
    result = invoke(env_printer(), ["-e", ".env", "show"], DOTENV_KEYS)
    assert result.exit_code == 2
    assert "python-dotenv must be installed" in result.output


def test_app_named_in_a_dotenv_file_shows_its_commands_in_help(tmp_path: Path) -> None:
    write(tmp_path / ".erlenenv", "ERLEN_APP=dotenv_app\n")
    write_app(tmp_path / "dotenv_app.py")
    result = invoke(make_cli(), ["--help"], {"ERLEN_APP": None})
    assert result.exit_code == 0
    assert "whoami" in result.output
    assert "whoami" in invoke(make_cli(), [], {"ERLEN_APP": None}).output


# -- the group's options -------------------------------------------------------------


def test_version_option_shows_python_erlen_and_werkzeug() -> None:
    result = invoke(make_cli(), ["--version"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"Python {sys.version.split()[0]}"
    assert lines[1] == f"Erlen {erlen.__version__}"
    assert lines[2].startswith("Werkzeug ")
    assert "--version" not in invoke(make_cli(add_version_option=False), ["--help"]).output


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ([], {}, "False"),
        (["--debug"], {}, "True"),
        (["--no-debug"], {"FLASK_DEBUG": "1"}, "False"),
        ([], {"FLASK_DEBUG": "1"}, "True"),
        ([], {"ERLEN_DEBUG": "0", "FLASK_DEBUG": "1"}, "False"),
        (["--debug"], {"ERLEN_DEBUG": "0"}, "True"),
    ],
)
def test_debug_option_and_variables_set_the_app_debug_flag(
    tmp_path: Path, args: list[str], env: dict[str, str | None], expected: str
) -> None:
    write_app(
        tmp_path / "dbg_app.py",
        extra="""
        @app.cli.command()
        def debug():
            click.echo(str(current_app.debug))
        """,
    )
    result = invoke(make_cli(), ["--app", "dbg_app", *args, "debug"], env)
    assert result.output == f"{expected}\n"


def test_debug_option_wins_over_dotenv_files(tmp_path: Path) -> None:
    write(tmp_path / ".env", "ERLEN_DEBUG=0\n")
    write_app(
        tmp_path / "dbg_env.py",
        extra="""
        @app.cli.command()
        def debug():
            click.echo(str(current_app.debug))
        """,
    )
    assert invoke(make_cli(), ["--app", "dbg_env", "--debug", "debug"]).output == "True\n"
    assert invoke(make_cli(), ["--app", "dbg_env", "debug"]).output == "False\n"


def test_flask_group_is_erlen_group() -> None:
    assert FlaskGroup is ErlenGroup


def test_default_commands_can_be_left_out() -> None:
    assert set(make_cli().commands) == {"run", "shell", "routes"}
    assert make_cli(add_default_commands=False).commands == {}


def test_importing_erlen_does_not_import_click() -> None:
    # Click loads only once a command line is involved (``app.cli``, ``erlen.cli``).
    code = "import sys, erlen; app = erlen.Erlen('x'); print('click' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.strip() == "False"


def test_get_version_is_a_click_callback_for_any_command() -> None:
    @click.command()
    @click.option(
        "--version", is_flag=True, is_eager=True, expose_value=False, callback=get_version
    )
    def tool() -> None:
        click.echo("ran")

    result = CliRunner().invoke(tool, ["--version"])
    assert result.exit_code == 0
    python, erlen_line, werkzeug_line = result.output.splitlines()
    assert python == f"Python {platform.python_version()}"
    assert erlen_line == f"Erlen {erlen.__version__}"
    assert werkzeug_line == f"Werkzeug {importlib.metadata.version('werkzeug')}"
    assert CliRunner().invoke(tool, []).output == "ran\n"


def test_erlen_script_version_prints_python_erlen_and_werkzeug() -> None:
    script = Path(sys.executable).with_name("erlen")
    if not script.is_file():
        pytest.skip("the 'erlen' console script is not installed beside this Python")
    out = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.splitlines() == [
        f"Python {platform.python_version()}",
        f"Erlen {erlen.__version__}",
        f"Werkzeug {importlib.metadata.version('werkzeug')}",
    ]


def test_python_m_erlen_runs_the_erlen_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "erlen", "--version"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert f"Erlen {erlen.__version__}" in out.stdout


# -- app, blueprint and group commands -----------------------------------------------


def test_app_commands_are_listed_and_run_in_an_app_context(tmp_path: Path) -> None:
    write_app(
        tmp_path / "cmd_app.py",
        extra="""
        @app.cli.command("ctx-check", with_appcontext=False)
        def ctx_check():
            from erlen import has_app_context
            click.echo(f"context={has_app_context()}")
        """,
    )
    cli = make_cli()
    help_text = invoke(cli, ["--app", "cmd_app", "--help"]).output
    assert "whoami" in help_text
    assert "ctx-check" in help_text
    assert invoke(cli, ["--app", "cmd_app", "whoami"]).output == "app=cmd_app\n"
    # Even a command without with_appcontext runs in the app's context.
    assert invoke(cli, ["--app", "cmd_app", "ctx-check"]).output == "context=True\n"


def test_builtin_commands_win_over_app_commands_of_the_same_name() -> None:
    app = Erlen("shadow")

    @app.cli.command("routes")
    def fake_routes() -> None:
        click.echo("app's routes")

    result = invoke(make_cli(create_app=lambda: app), ["routes"])
    assert "Endpoint" in result.output


def test_blueprint_commands_appear_under_their_group_or_at_top_level() -> None:
    app = Erlen("bp_app")
    for name, cli_group in (("grouped", "_default"), ("renamed", "custom"), ("flat", None)):
        kwargs = {} if cli_group == "_default" else {"cli_group": cli_group}
        bp = Blueprint(name, __name__, **kwargs)

        @bp.cli.command(f"{name}-cmd")
        def command() -> None:
            click.echo(f"{current_app.name} ran a blueprint command")

        app.register_blueprint(bp)

    cli = make_cli(create_app=lambda: app)
    expected = "bp_app ran a blueprint command\n"
    assert invoke(cli, ["grouped", "grouped-cmd"]).output == expected
    assert invoke(cli, ["custom", "renamed-cmd"]).output == expected
    assert invoke(cli, ["flat-cmd"]).output == expected
    help_text = invoke(cli, ["--help"]).output
    assert "grouped" in help_text
    assert "custom" in help_text
    assert "flat-cmd" in help_text


def test_with_appcontext_loads_the_app_from_script_info() -> None:
    app = Erlen("ctx_app")

    @click.command()
    @with_appcontext
    def name() -> None:
        click.echo(current_app.name)

    result = CliRunner().invoke(name, obj=ScriptInfo(create_app=lambda: app))
    assert result.output == "ctx_app\n"


def test_pass_script_info_gives_the_command_its_script_info() -> None:
    @click.command()
    @pass_script_info
    def show(info: ScriptInfo) -> None:
        click.echo(type(info).__name__)

    assert CliRunner().invoke(show).output == "ScriptInfo\n"


def test_app_group_commands_get_an_app_context_unless_asked_not_to() -> None:
    app = Erlen("group_app")
    group = AppGroup("tools")

    @group.command(with_appcontext=False)
    def plain() -> None:
        click.echo(f"plain={has_app_context()}")

    @group.command()
    def wrapped() -> None:
        click.echo(f"wrapped={current_app.name}")

    @group.command
    def bare() -> None:
        click.echo(f"bare={current_app.name}")

    @group.group()
    def sub() -> None:
        pass

    @sub.command()
    def inner() -> None:
        click.echo(f"inner={current_app.name}")

    assert isinstance(sub, AppGroup)
    obj = ScriptInfo(create_app=lambda: app)
    runner = CliRunner()
    assert runner.invoke(group, ["plain"], obj=obj).output == "plain=False\n"
    assert runner.invoke(group, ["wrapped"], obj=obj).output == "wrapped=group_app\n"
    assert runner.invoke(group, ["bare"], obj=obj).output == "bare=group_app\n"
    assert runner.invoke(group, ["sub", "inner"], obj=obj).output == "inner=group_app\n"


def test_test_cli_runner_invokes_app_commands_with_the_app_loaded() -> None:
    app = Erlen("runner_app")

    @app.cli.command()
    @click.argument("who")
    def greet(who: str) -> None:
        click.echo(f"{current_app.name} greets {who}")

    runner = app.test_cli_runner()
    assert runner.invoke(args=["greet", "you"]).output == "runner_app greets you\n"


def test_click_group_decorator_builds_an_erlen_group() -> None:
    app = Erlen("deco_app")

    @click.group(cls=ErlenGroup, create_app=lambda: app)
    def manage() -> None:
        """Project commands."""

    @manage.command()
    def hello() -> None:
        click.echo(f"hello from {current_app.name}")

    assert invoke(manage, ["hello"]).output == "hello from deco_app\n"
    assert "Project commands." in invoke(manage, ["--help"]).output


def test_failing_import_is_shown_in_help_instead_of_crashing(tmp_path: Path) -> None:
    write(tmp_path / "broken_app.py", "import erlen_missing_dependency_xyz\n")
    result = invoke(make_cli(), ["--app", "broken_app", "--help"])
    assert result.exit_code == 0
    assert "Traceback" in result.output
    assert "erlen_missing_dependency_xyz" in result.output
    assert "Usage:" in result.output
    assert "routes" in result.output


def test_missing_app_is_shown_in_help_and_for_unknown_commands() -> None:
    result = invoke(make_cli(), ["--app", "no_such_module_xyz", "--help"])
    assert result.exit_code == 0
    assert "Error: Could not import 'no_such_module_xyz'" in result.output
    result = invoke(make_cli(), ["--app", "no_such_module_xyz", "frobnicate"])
    assert result.exit_code == 2
    assert "Could not import 'no_such_module_xyz'" in result.output
    assert "No such command 'frobnicate'" in result.output


def test_builtin_command_reports_an_import_error_inside_the_app_and_exits_2(
    tmp_path: Path,
) -> None:
    write(tmp_path / "broken_app2.py", "import erlen_missing_dependency_xyz\n")
    result = invoke(make_cli(), ["--app", "broken_app2", "routes"])
    assert result.exit_code == 2
    assert "Error: While importing 'broken_app2', an ImportError was raised:" in result.output
    assert "Traceback (most recent call last):" in result.output
    assert "No module named 'erlen_missing_dependency_xyz'" in result.output
    result = invoke(make_cli(), ["--app", "no_such_module_xyz", "routes"])
    assert result.exit_code == 2
    assert "Could not import 'no_such_module_xyz'" in result.output


def test_app_run_at_import_time_is_ignored_by_commands(tmp_path: Path) -> None:
    write_app(tmp_path / "self_running.py", extra="app.run(port=1)\n")
    result = invoke(make_cli(), ["--app", "self_running", "whoami"])
    assert result.exit_code == 0
    assert "app=self_running" in result.output


# -- plugins ---------------------------------------------------------------------------


def test_entry_point_commands_from_erlen_and_flask_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "plugins" / "erlen_fake_plugin-1.0.dist-info"
    write(dist / "METADATA", "Metadata-Version: 2.1\nName: erlen-fake-plugin\nVersion: 1.0\n")
    write(
        dist / "entry_points.txt",
        """
        [erlen.commands]
        from-erlen = fake_plugin_cmds:erlen_cmd
        broken = no_such_plugin_module_xyz:cmd

        [flask.commands]
        from-flask = fake_plugin_cmds:flask_cmd
        """,
    )
    write(
        tmp_path / "plugins" / "fake_plugin_cmds.py",
        """
        import click

        @click.command()
        def erlen_cmd():
            click.echo("erlen plugin ran")

        @click.command()
        def flask_cmd():
            click.echo("flask plugin ran")
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path / "plugins"))
    cli = make_cli()
    help_text = invoke(cli, ["--help"]).output
    assert "from-erlen" in help_text
    assert "from-flask" in help_text
    assert "Could not load the command 'broken'" in help_text
    assert invoke(make_cli(), ["from-erlen"]).output.endswith("erlen plugin ran\n")
    assert invoke(make_cli(), ["from-flask"]).output.endswith("flask plugin ran\n")


# -- routes ----------------------------------------------------------------------------


def table(output: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines()]


def test_routes_shows_an_aligned_table_without_head_and_options() -> None:
    app = Erlen("routes_app", static_folder=None)
    app.add_url_rule("/", "index", lambda: "")
    app.add_url_rule("/items/<int:item_id>", "item", lambda item_id: "", methods=["PUT", "POST"])
    result = app.test_cli_runner().invoke(routes_command)
    lines = result.output.splitlines()
    assert lines == [
        "Endpoint  Methods    Rule",
        "--------  ---------  --------------------",
        "index     GET        /",
        "item      POST, PUT  /items/<int:item_id>",
    ]


def test_routes_all_methods_shows_head_and_options() -> None:
    app = Erlen("all_methods_app", static_folder=None)
    app.add_url_rule("/", "index", lambda: "")
    result = app.test_cli_runner().invoke(routes_command, ["--all-methods"])
    assert "GET, HEAD, OPTIONS" in result.output


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("endpoint", ["alpha", "mid", "zeta"]),
        ("rule", ["zeta", "mid", "alpha"]),
        ("methods", ["mid", "zeta", "alpha"]),
        ("domain", ["zeta", "mid", "alpha"]),
        ("match", ["zeta", "alpha", "mid"]),
    ],
)
def test_routes_sort_option_orders_rows(sort: str, order: list[str]) -> None:
    app = Erlen("sort_app", static_folder=None)
    app.add_url_rule("/a", "zeta", lambda: "", methods=["GET"])
    app.add_url_rule("/c", "alpha", lambda: "", methods=["POST"])
    app.add_url_rule("/b", "mid", lambda: "", methods=["DELETE"])
    for option in ("--sort", "-s"):
        result = app.test_cli_runner().invoke(routes_command, [option, sort])
        assert [row[0] for row in table(result.output)[2:]] == order


def test_routes_adds_a_subdomain_column_when_rules_have_subdomains() -> None:
    app = Erlen("sub_app", static_folder=None)
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/", "api_index", lambda: "", subdomain="api")
    app.add_url_rule("/", "www_index", lambda: "")
    result = app.test_cli_runner().invoke(routes_command, ["-s", "domain"])
    assert table(result.output)[0] == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert table(result.output)[2:] == [["www_index", "GET", "/"], ["api_index", "GET", "api", "/"]]


def test_routes_adds_a_host_column_with_host_matching() -> None:
    app = Erlen("host_app", static_folder=None, host_matching=True)
    app.add_url_rule("/", "a", lambda: "", host="a.test")
    result = app.test_cli_runner().invoke(routes_command)
    assert table(result.output) == [
        ["Endpoint", "Methods", "Host", "Rule"],
        ["--------", "-------", "------", "----"],
        ["a", "GET", "a.test", "/"],
    ]


def test_routes_without_rules_says_so() -> None:
    app = Erlen("no_routes", static_folder=None)
    assert app.test_cli_runner().invoke(routes_command).output == "No routes were registered.\n"


def test_routes_through_the_erlen_command(tmp_path: Path) -> None:
    write_app(tmp_path / "routed.py")
    result = invoke(make_cli(), ["--app", "routed", "routes"])
    assert table(result.output)[2:] == [
        ["index", "GET", "/"],
        ["static", "GET", "/static/<path:filename>"],
    ]


# -- shell -----------------------------------------------------------------------------


def test_shell_runs_input_with_the_shell_context(tmp_path: Path) -> None:
    app = Erlen("shell_app", instance_path=str(tmp_path / "inst"))

    @app.shell_context_processor
    def extra() -> dict[str, Any]:
        return {"greeting": "hello from the shell"}

    code = "print(greeting.upper())\nprint(app.name, g is not None)\n"
    result = app.test_cli_runner().invoke(shell_command, input=code)
    assert result.exit_code == 0
    assert "HELLO FROM THE SHELL" in result.output
    assert "shell_app True" in result.output
    assert f"Python {sys.version}" in result.output
    assert "App: shell_app" in result.output
    assert f"Instance: {tmp_path / 'inst'}" in result.output


def test_shell_runs_pythonstartup_first(tmp_path: Path) -> None:
    startup = write(tmp_path / "startup.py", "from_startup = 6 * 7\n")
    app = Erlen("startup_app")
    result = app.test_cli_runner().invoke(
        shell_command, input="print(from_startup)\n", env={"PYTHONSTARTUP": str(startup)}
    )
    assert "42" in result.output


def test_shell_through_the_erlen_command(tmp_path: Path) -> None:
    write_app(tmp_path / "shell_mod.py")
    result = invoke(make_cli(), ["--app", "shell_mod", "shell"], input="print(app.name)\n")
    assert "shell_mod" in result.output


# -- run (in process, with run_simple replaced) ----------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record the calls to Werkzeug's ``run_simple`` instead of serving."""
    calls: list[dict[str, Any]] = []

    def fake_run_simple(host: str, port: int, app: Any, **options: Any) -> None:
        calls.append({"host": host, "port": port, "app": app, **options})

    monkeypatch.setattr(werkzeug.serving, "run_simple", fake_run_simple)
    return calls


def test_run_defaults_to_localhost_5000_threaded_without_reloader(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    write_app(tmp_path / "run_app.py")
    result = invoke(make_cli(), ["--app", "run_app", "run"])
    assert result.exit_code == 0, result.output
    assert " * Serving erlen app 'run_app'" in result.output
    assert " * Debug mode: off" in result.output
    (call,) = served
    assert call["host"] == "127.0.0.1"
    assert call["port"] == 5000
    assert call["app"] is sys.modules["run_app"].app
    assert call["use_reloader"] is False
    assert call["use_debugger"] is False
    assert call["threaded"] is True
    assert call["ssl_context"] is None


def test_run_debug_turns_on_reloader_and_debugger_unless_told_otherwise(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    write_app(tmp_path / "run_dbg.py")
    assert "Debug mode: on" in invoke(make_cli(), ["-A", "run_dbg", "--debug", "run"]).output
    assert served[0]["app"].debug is True
    invoke(make_cli(), ["-A", "run_dbg", "run", "--debug", "--no-reload"])
    invoke(make_cli(), ["-A", "run_dbg", "run", "--no-debugger", "--without-threads"])
    assert [(c["use_reloader"], c["use_debugger"], c["threaded"]) for c in served] == [
        (True, True, True),
        (False, True, True),
        (False, False, False),
    ]


def test_run_options_and_erlen_run_variables_winning_over_flask_run_ones(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    write_app(tmp_path / "run_opts.py")
    invoke(
        make_cli(),
        ["-A", "run_opts", "run", "-h", "0.0.0.0", "-p", "8123",
         "--extra-files", os.pathsep.join(["a.txt", "b.txt"]),
         "--exclude-patterns", f"*.log{os.pathsep}*.tmp"],
    )  # fmt: skip
    env = {"ERLEN_RUN_PORT": "8001", "FLASK_RUN_PORT": "8002", "FLASK_RUN_HOST": "::1"}
    invoke(make_cli(), ["-A", "run_opts", "run"], env)
    invoke(make_cli(), ["-A", "run_opts", "run"], {"FLASK_RUN_PORT": "8002"})
    first, second, third = served
    assert (first["host"], first["port"]) == ("0.0.0.0", 8123)
    assert first["extra_files"] == ["a.txt", "b.txt"]
    assert first["exclude_patterns"] == ["*.log", "*.tmp"]
    assert (second["host"], second["port"]) == ("::1", 8001)
    assert third["port"] == 8002


@pytest.fixture
def cert_files(tmp_path: Path) -> tuple[str, str]:
    write(tmp_path / "cert.pem", "cert")
    write(tmp_path / "key.pem", "key")
    write(
        tmp_path / "ssl_mod.py",
        """
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        not_a_context = 1
        """,
    )
    return str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--key", "key.pem"], '"--cert" must be given too'),
        (["--cert", "cert.pem"], 'Required when "--cert" is a certificate file'),
        (["--cert", "adhoc", "--key", "key.pem"], 'Not used with "--cert adhoc"'),
        (["--cert", "ssl_mod:context", "--key", "key.pem"], "Not used when"),
        (["--cert", "missing.pem"], "is not a certificate file, 'adhoc', or the import path"),
        (["--cert", "ssl_mod:not_a_context"], "is not a certificate file"),
    ],
)
def test_run_cert_and_key_are_checked(
    cert_files: tuple[str, str],
    served: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", types.ModuleType("cryptography"))
    result = invoke(make_cli(create_app=lambda: Erlen("tls")), ["run", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert served == []


def test_run_cert_forms_reach_run_simple(
    cert_files: tuple[str, str], served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_args = ["run", "--cert", "cert.pem", "--key", "key.pem"]
    invoke(make_cli(create_app=lambda: Erlen("tls")), cli_args)
    invoke(make_cli(create_app=lambda: Erlen("tls")), ["run", "--cert", "ssl_mod:context"])
    monkeypatch.setitem(sys.modules, "cryptography", types.ModuleType("cryptography"))
    invoke(make_cli(create_app=lambda: Erlen("tls")), ["run", "--cert", "adhoc"])
    assert served[0]["ssl_context"] == cert_files
    assert isinstance(served[1]["ssl_context"], ssl.SSLContext)
    assert served[2]["ssl_context"] == "adhoc"


@pytest.mark.parametrize("cert", ["cert.pem", "adhoc", "ssl_mod:context"])
def test_run_cert_without_the_ssl_module_is_a_usage_error(
    tmp_path: Path, served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, cert: str
) -> None:
    write(tmp_path / "cert.pem", "not really a certificate\n")
    monkeypatch.setitem(sys.modules, "ssl", None)  # as on a Python built without it
    result = invoke(make_cli(create_app=lambda: Erlen("tls")), ["run", "--cert", cert])
    assert result.exit_code == 2, result.output
    assert 'Using "--cert" requires Python to be compiled with SSL support.' in result.output
    assert "ModuleNotFoundError" not in result.output
    assert served == []
    # Without '--cert', the server runs as usual.
    result = invoke(make_cli(create_app=lambda: Erlen("tls")), ["run"])
    assert result.exit_code == 0, result.output
    assert served[0]["ssl_context"] is None


def test_run_adhoc_cert_needs_cryptography(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)
    result = invoke(make_cli(create_app=lambda: Erlen("tls")), ["run", "--cert", "adhoc"])
    assert result.exit_code == 2
    assert "need the 'cryptography' library" in result.output


def test_run_without_reloader_fails_when_the_app_does_not_load(
    served: list[dict[str, Any]],
) -> None:
    result = invoke(make_cli(), ["-A", "no_such_module_xyz", "run"])
    assert result.exit_code == 2
    assert "Could not import 'no_such_module_xyz'" in result.output
    assert served == []


def test_run_with_reloader_reports_load_errors_and_keeps_serving(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    write(tmp_path / "broken_srv.py", "import erlen_missing_dependency_xyz\n")
    result = invoke(make_cli(), ["-A", "broken_srv", "run", "--reload"])
    assert result.exit_code == 0
    assert "Could not load the app" in result.output
    # In the reloader's child the traceback is printed, and requests see the error.
    args = ["-A", "broken_srv", "run", "--reload"]
    child = invoke(make_cli(), args, {"WERKZEUG_RUN_MAIN": "true"})
    assert child.exit_code == 0
    assert "Error: While importing 'broken_srv', an ImportError was raised:" in child.output
    assert "Traceback" in child.output
    assert "erlen_missing_dependency_xyz" in child.output
    assert len(served) == 2
    with pytest.raises(NoAppException, match="erlen_missing_dependency_xyz"):
        served[1]["app"]({}, lambda *args: None)


def test_run_sets_erlen_run_from_cli_before_loading_the_app(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    seen = []
    app = Erlen("from_cli")

    def factory() -> Erlen:
        seen.append(os.environ.get("ERLEN_RUN_FROM_CLI"))
        return app

    CliRunner().invoke(run_command, [], obj=ScriptInfo(create_app=factory))
    assert seen == ["true"]


def test_app_run_after_a_run_command_in_the_same_process_sets_template_auto_reload(
    served: list[dict[str, Any]],
) -> None:
    # A command line run inside the process (as tests do) leaves neither ERLEN_DEBUG
    # nor ERLEN_RUN_FROM_CLI behind, so an app created later is not in debug mode and
    # its app.run() is not ignored. (Test suites written for Flask reset FLASK_DEBUG
    # and FLASK_RUN_FROM_CLI between tests, not erlen's names.)
    seen = []

    def factory() -> Erlen:
        seen.append((os.environ.get("ERLEN_DEBUG"), os.environ.get("ERLEN_RUN_FROM_CLI")))
        return Erlen("first")

    result = CliRunner().invoke(run_command, ["--debug"], obj=ScriptInfo(create_app=factory))
    assert result.exit_code == 0, result.output
    assert seen == [("1", "true")]
    assert "ERLEN_DEBUG" not in os.environ
    assert "ERLEN_RUN_FROM_CLI" not in os.environ

    app = Erlen("later")
    app.run()
    assert app.debug is False
    assert app.jinja_env.auto_reload is False
    app.run(debug=True)
    assert app.jinja_env.auto_reload is True
    assert [call["use_reloader"] for call in served] == [True, False, True]


def test_erlen_debug_set_before_a_command_is_kept_after_it(served: list[dict[str, Any]]) -> None:
    os.environ["ERLEN_DEBUG"] = "0"
    result = CliRunner().invoke(
        run_command, ["--debug"], obj=ScriptInfo(create_app=lambda: Erlen("x"))
    )
    assert result.exit_code == 0, result.output
    assert served[0]["use_debugger"] is True
    assert os.environ["ERLEN_DEBUG"] == "0"


def test_app_run_after_an_erlen_command_in_the_same_process_is_not_ignored(
    served: list[dict[str, Any]],
) -> None:
    cli = make_cli(create_app=lambda: Erlen("first"))
    result = CliRunner().invoke(cli, ["--debug", "routes"])
    assert result.exit_code == 0, result.output
    assert "ERLEN_DEBUG" not in os.environ
    assert "ERLEN_RUN_FROM_CLI" not in os.environ
    app = Erlen("later")
    app.run(debug=True)
    assert app.jinja_env.auto_reload is True
    assert len(served) == 1


# -- run (for real, in a subprocess) -------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``python -m erlen ...`` in its own process group, its output collected."""

    def __init__(self, cwd: Path, args: list[str]) -> None:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ERLEN_", "FLASK_", "WERKZEUG_"))
        }
        env.update(
            PYTHONPATH=str(cwd), PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1",
            ERLEN_SKIP_DOTENV="1",
        )  # fmt: skip
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "erlen", *args],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_body(self, url: str, wanted: str | None = None, timeout: float = 10) -> str:
        """Poll ``url`` until it answers (with ``wanted``, if given); bounded."""
        deadline = time.monotonic() + timeout
        body = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"server exited early:\n{self.output}")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    body = response.read().decode()
                if wanted is None or body == wanted:
                    return body
            except (OSError, http.client.HTTPException):  # down, or restarting mid-answer
                pass
            time.sleep(0.1)
        pytest.fail(f"no answer {wanted!r} from {url} (last {body!r}):\n{self.output}")

    def stop(self) -> None:
        # The reloader runs the server in a child process: end the whole group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        self.reader.join(timeout=2)


needs_posix = pytest.mark.skipif(os.name != "posix", reason="uses process groups")


@needs_posix
def test_run_serves_the_app_over_http(tmp_path: Path) -> None:
    write_app(tmp_path / "srv_app.py")
    port = free_port()
    server = Server(tmp_path, ["--app", "srv_app", "run", "--port", str(port)])
    try:
        assert server.wait_for_body(f"http://127.0.0.1:{port}/") == "index of srv_app"
    finally:
        server.stop()
    assert " * Serving erlen app 'srv_app'" in server.output
    assert " * Debug mode: off" in server.output
    assert f"http://127.0.0.1:{port}" in server.output


@needs_posix
def test_run_debug_reloads_when_a_source_file_changes(tmp_path: Path) -> None:
    source = tmp_path / "reload_app.py"
    module = "from erlen import Erlen\napp = Erlen(__name__)\n@app.route('/')\ndef index():\n"
    write(source, module + "    return 'version one'\n")
    port = free_port()
    server = Server(tmp_path, ["--app", "reload_app", "--debug", "run", "--port", str(port)])
    url = f"http://127.0.0.1:{port}/"
    try:
        assert server.wait_for_body(url) == "version one"
        write(source, module + "    return 'version two'\n")
        later = time.time() + 2  # a clearly newer mtime, whatever the clock resolution
        os.utime(source, (later, later))
        assert server.wait_for_body(url, "version two") == "version two"
    finally:
        server.stop()
    assert " * Debug mode: on" in server.output
    assert "reload_app.py" in server.output  # Werkzeug's "Detected change in ..." line
    assert "Debugger PIN" in server.output


def test_command_options_read_flask_and_erlen_variables_erlen_winning(tmp_path: Path) -> None:
    write_app(
        tmp_path / "opts_env.py",
        extra="""
        @app.cli.command("greet")
        @click.option("--name", default="nobody")
        @click.option("--times", type=int, default=1)
        def greet(name, times):
            click.echo(f"{name}*{times}")
        """,
    )
    run = ["-A", "opts_env", "greet"]
    assert invoke(make_cli(), run).output.strip() == "nobody*1"
    assert invoke(make_cli(), run, {"FLASK_GREET_NAME": "f"}).output.strip() == "f*1"
    both = {"FLASK_GREET_NAME": "f", "ERLEN_GREET_NAME": "e", "FLASK_GREET_TIMES": "3"}
    assert invoke(make_cli(), run, both).output.strip() == "e*3"
    # The command line wins over both.
    assert invoke(make_cli(), [*run, "--name", "c"], both).output.strip() == "c*3"
    # The ERLEN_ twins exist only while the command line runs.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLASK_GREET_NAME", "f")
        assert CliRunner().invoke(make_cli(), run).output.strip() == "f*1"
        assert "ERLEN_GREET_NAME" not in os.environ
