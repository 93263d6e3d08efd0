"""With erlen imported, ``flask`` and every ``flask.<sub>`` are erlen's own objects.

These tests run with the alias on (``ERLEN_FLASK_ALIAS=1``, as ``make test`` runs
``tests/extensions``), in a process where nothing imported the real Flask first.
"""

from __future__ import annotations

import importlib
import sys

import pytest

import erlen
from erlen._flask_alias import FLASK_API_VERSION

#: Every module Flask 3.1 has, by its name under ``flask``.
SUBMODULES = [
    "app", "blueprints", "cli", "config", "ctx", "debughelpers", "globals", "helpers",
    "json", "json.provider", "json.tag", "logging", "sessions", "signals", "templating",
    "testing", "typing", "views", "wrappers", "sansio", "sansio.app", "sansio.blueprints",
    "sansio.scaffold",
]  # fmt: skip


@pytest.mark.parametrize("name", SUBMODULES)
def test_each_flask_module_is_the_erlen_module(name: str) -> None:
    aliased = importlib.import_module(f"flask.{name}")
    assert aliased is importlib.import_module(f"erlen.{name}")
    assert sys.modules[f"flask.{name}"] is aliased
    # erlen's own identity is kept, so its relative imports and reload work.
    assert aliased.__name__ == f"erlen.{name}"
    assert aliased.__spec__ is not None and aliased.__spec__.name == f"erlen.{name}"


def test_flask_names_are_erlens_objects() -> None:
    import flask
    import flask.cli
    import flask.testing

    assert flask.Flask is erlen.Erlen
    assert flask.current_app is erlen.current_app
    assert flask.request is erlen.request
    assert flask.g is erlen.g
    assert flask.session is erlen.session
    assert flask.Blueprint is erlen.Blueprint
    assert flask.testing.FlaskClient is flask.testing.ErlenClient
    assert flask.testing.FlaskCliRunner is flask.testing.ErlenCliRunner
    assert flask.cli.FlaskGroup is flask.cli.ErlenGroup


def test_flask_reports_the_flask_version_erlen_implements() -> None:
    import flask

    assert flask.__version__ == FLASK_API_VERSION
    assert FLASK_API_VERSION.startswith("3.1.")
    assert erlen.__version__ != flask.__version__


def test_the_real_flask_is_never_executed() -> None:
    importlib.import_module("flask.app")
    for name, module in list(sys.modules.items()):
        if name == "flask" or name.startswith("flask."):
            path = getattr(module, "__file__", None) or ""
            assert "site-packages/flask/" not in path, name


def test_a_module_flask_does_not_have_is_an_import_error() -> None:
    with pytest.raises(ImportError):
        importlib.import_module("flask.no_such_module")


def test_extension_style_code_sees_erlens_contexts() -> None:
    from flask import current_app, g, request, session  # as every extension does

    app = erlen.Erlen(__name__)
    app.secret_key = "test"

    @app.route("/")
    def index() -> str:
        g.seen = "g"
        session["n"] = 1
        return f"{current_app.name} {request.path} {g.seen} {session['n']}"

    assert app.test_client().get("/").data == f"{__name__} / g 1".encode()
    with app.app_context():
        assert current_app._get_current_object() is app
