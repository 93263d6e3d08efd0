"""The ``flask`` alias is on by default, off with ``ERLEN_FLASK_ALIAS=0`` or
``erlen.uninstall_flask_alias()``, and says so when the real Flask came first.

Each case runs in a fresh interpreter, since the alias changes the process's imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "ERLEN_FLASK_ALIAS"}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-W", "always", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def test_importing_erlen_makes_flask_mean_erlen() -> None:
    result = run(
        """
        import erlen, flask
        assert flask.Flask is erlen.Erlen, flask
        print(flask.__version__)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("3.1.")
    assert "RuntimeWarning" not in result.stderr


def test_erlen_flask_alias_0_leaves_flask_alone() -> None:
    for value in ["0", "false", "no"]:
        result = run(
            """
            import erlen, flask
            assert flask.Flask is not erlen.Erlen
            assert flask.__file__.endswith("flask/__init__.py"), flask.__file__
            """,
            ERLEN_FLASK_ALIAS=value,
        )
        assert result.returncode == 0, result.stderr


def test_plain_import_flask_has_the_submodules_flask_imports_as_attributes() -> None:
    """``import flask`` alone makes ``flask.cli``, ``flask.json`` ... attributes, as
    Flask's own ``__init__`` imports them (Flask-Smorest calls ``flask.cli.AppGroup``
    at import time)."""
    code = """
        import types{first}
        import flask
        print(sorted(k for k, v in vars(flask).items() if isinstance(v, types.ModuleType)))
        """
    real = run(code.format(first=""), ERLEN_FLASK_ALIAS="0")
    assert real.returncode == 0, real.stderr
    eager = [name for name in eval(real.stdout) if name != "t"]  # Flask's `typing as t`
    assert "cli" in eager and "json" in eager
    result = run(
        """
        import erlen, importlib
        import flask
        for name in NAMES:
            assert getattr(flask, name) is importlib.import_module("erlen." + name), name
        group = flask.cli.AppGroup("extension")
        assert isinstance(group, erlen.cli.AppGroup)
        assert not hasattr(flask, "views")  # not imported by `import flask`, as in Flask
        import flask.views
        assert flask.views is erlen.views
        """.replace("NAMES", repr(eager))
    )
    assert result.returncode == 0, result.stderr


def test_uninstall_flask_alias_gives_the_real_flask_back() -> None:
    result = run(
        """
        import erlen
        import flask.globals
        assert flask.globals is erlen.globals
        erlen.uninstall_flask_alias()
        import flask
        assert flask.Flask is not erlen.Erlen
        assert "site-packages" in flask.__file__
        """
    )
    assert result.returncode == 0, result.stderr


def test_real_flask_imported_first_is_named_in_a_warning() -> None:
    result = run(
        """
        import flask
        import erlen
        app = erlen.Erlen(__name__)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("RuntimeWarning") == 1
    assert "Import erlen before Flask" in result.stderr


def test_the_erlen_command_aliases_flask_before_it_imports_the_app(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "extension_app.py").write_text(
        textwrap.dedent(
            """
            import flask  # an app module that imports flask first, as an extension would
            from erlen import Erlen

            app = Erlen(__name__)

            @app.cli.command("who")
            def who():
                print(type(flask.current_app._get_current_object()).__module__)
            """
        )
    )
    environ = {k: v for k, v in os.environ.items() if k != "ERLEN_FLASK_ALIAS"}
    result = subprocess.run(
        [sys.executable, "-m", "erlen", "--app", "extension_app", "who"],
        capture_output=True,
        text=True,
        cwd=folder,
        env=environ,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "erlen.app"


def test_erlen_imported_afresh_replaces_the_old_alias() -> None:
    """A test that drops erlen from sys.modules and imports it again gets one alias,
    handing out the new modules, and Flask's metadata still answers."""
    result = run(
        """
        import sys, importlib.metadata
        import erlen, flask.globals
        for name in [n for n in sys.modules if n == "erlen" or n.startswith("erlen.")]:
            del sys.modules[name]
        import erlen
        import flask.globals
        finders = [f for f in sys.meta_path if getattr(f, "erlen_flask_alias", False)]
        assert len(finders) == 1, finders
        assert flask.globals is sys.modules["erlen.globals"]
        print(importlib.metadata.version("flask"))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("3.1.")
    assert "RuntimeWarning" not in result.stderr


def test_the_warning_points_at_the_users_import(tmp_path: object) -> None:
    from pathlib import Path

    script = Path(str(tmp_path)) / "user_module.py"
    script.write_text("import flask\nimport erlen\n")
    environ = {k: v for k, v in os.environ.items() if k != "ERLEN_FLASK_ALIAS"}
    result = subprocess.run(
        [sys.executable, "-W", "always", str(script)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "user_module.py:2: RuntimeWarning" in result.stderr
    assert "every 'import flask' in this process gives the real Flask" in result.stderr


def test_python_m_flask_runs_erlens_command_line_under_the_alias() -> None:
    result = run(
        """
        import runpy, sys
        import erlen
        sys.argv = ["flask", "--version"]
        try:
            runpy.run_module("flask", run_name="__main__", alter_sys=True)
        except SystemExit as exit:
            assert not exit.code, exit.code
        """
    )
    assert result.returncode == 0, result.stderr
    assert "Erlen" in result.stdout, result.stdout


def test_star_import_from_flask_gives_flasks_names_only() -> None:
    result = run(
        """
        import erlen
        namespace = {}
        exec("from flask import *", namespace)
        assert "Flask" in namespace and "request" in namespace
        assert "Erlen" not in namespace and "install_flask_alias" not in namespace
        """
    )
    assert result.returncode == 0, result.stderr
