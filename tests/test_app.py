"""Tests for the application object: construction, paths, config shortcuts, static
files, the setup guard, the test client, WSGI plumbing and ``app.run``."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask
import pytest
from werkzeug.test import EnvironBuilder

import erlen
from erlen import Erlen, make_response, redirect, request, url_for

#: The package under test; scripts run in subprocesses import it by this name.
FW = erlen.__name__
#: Prefix of the throwaway modules these tests import from ``tmp_path``.
MOD_PREFIX = "erlen_apptest_"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No inherited debug or CLI variables: they change what a new app looks like."""
    for name in list(os.environ):
        if name.startswith(("FLASK_", "ERLEN_")):
            monkeypatch.delenv(name)


@pytest.fixture
def forget_modules() -> Iterator[None]:
    """Drop the modules a test imported from its ``tmp_path``."""
    yield
    for name in list(sys.modules):
        if name.startswith(MOD_PREFIX):
            del sys.modules[name]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def import_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> Any:
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name)


def call_wsgi(
    app: Callable[..., Iterable[bytes]], path: str = "/", **kwargs: Any
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call a WSGI application directly and collect status, headers and body."""
    environ = EnvironBuilder(path, **kwargs).get_environ()
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"] = status
        seen["headers"] = headers
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return seen["status"], seen["headers"], body


def subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "ERLEN_"))}
    env["ERLEN_SKIP_DOTENV"] = "1"
    env["FLASK_SKIP_DOTENV"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_python(args: list[str], cwd: Path) -> list[str]:
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


# --- the class and its construction --------------------------------------------


def test_flask_is_an_alias_of_erlen() -> None:
    assert erlen.Flask is erlen.Erlen


def test_constructor_accepts_flasks_parameters_by_keyword(tmp_path: Path) -> None:
    app = Erlen(
        import_name="myapp",
        static_url_path="/s",
        static_folder="assets",
        static_host=None,
        host_matching=False,
        subdomain_matching=True,
        template_folder="tpl",
        instance_path=str(tmp_path / "inst"),
        instance_relative_config=False,
        root_path=str(tmp_path),
    )
    assert app.import_name == "myapp"
    assert app.static_url_path == "/s"
    assert app.static_folder == os.path.join(str(tmp_path), "assets")
    assert app.template_folder == "tpl"
    assert app.instance_path == str(tmp_path / "inst")
    assert app.root_path == str(tmp_path)
    assert app.subdomain_matching is True
    assert app.url_map.host_matching is False


def test_import_name_and_name_are_the_import_name() -> None:
    app = Erlen("some.package.module")
    assert app.import_name == "some.package.module"
    assert app.name == "some.package.module"


def test_app_is_a_wsgi_callable() -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "hello wsgi"

    status, headers, body = call_wsgi(app, "/")
    assert status == "200 OK"
    assert body == b"hello wsgi"
    assert ("Content-Type", "text/html; charset=utf-8") in headers


def test_wrapping_wsgi_app_with_middleware_takes_effect() -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "inner"

    class AddHeader:
        def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
            self.wsgi_app = wsgi_app
            self.calls = 0

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            self.calls += 1

            def patched(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                return start_response(status, [*headers, ("X-Middleware", "yes")], exc_info)

            return self.wsgi_app(environ, patched)

    middleware = AddHeader(app.wsgi_app)
    app.wsgi_app = middleware  # type: ignore[method-assign]

    status, headers, body = call_wsgi(app, "/")
    assert status == "200 OK"
    assert body == b"inner"
    assert ("X-Middleware", "yes") in headers
    assert middleware.calls == 1

    response = app.test_client().get("/")
    assert response.headers["X-Middleware"] == "yes"
    assert middleware.calls == 2


# --- root_path ------------------------------------------------------------------


def test_root_path_of_a_module_is_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: None
) -> None:
    write(
        tmp_path / f"{MOD_PREFIX}mod.py",
        f"""
        import {FW} as fw
        app = fw.Flask(__name__)
        """,
    )
    module = import_from(tmp_path, monkeypatch, f"{MOD_PREFIX}mod")
    assert module.app.root_path == str(tmp_path)
    assert module.app.name == f"{MOD_PREFIX}mod"


def test_root_path_of_a_package_is_the_package_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: None
) -> None:
    write(
        tmp_path / f"{MOD_PREFIX}pkg" / "__init__.py",
        f"""
        import {FW} as fw
        app = fw.Flask(__name__)
        """,
    )
    module = import_from(tmp_path, monkeypatch, f"{MOD_PREFIX}pkg")
    assert module.app.root_path == str(tmp_path / f"{MOD_PREFIX}pkg")


def test_root_path_of_a_submodule_is_its_package_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: None
) -> None:
    package = tmp_path / f"{MOD_PREFIX}pkg2"
    write(package / "__init__.py", "")
    write(
        package / "views.py",
        f"""
        import {FW} as fw
        app = fw.Flask(__name__)
        """,
    )
    module = import_from(tmp_path, monkeypatch, f"{MOD_PREFIX}pkg2.views")
    assert module.app.root_path == str(package)
    assert module.app.name == f"{MOD_PREFIX}pkg2.views"


def test_root_path_for_a_module_not_imported_yet_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: None
) -> None:
    write(tmp_path / f"{MOD_PREFIX}lazy.py", "VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    app = Erlen(f"{MOD_PREFIX}lazy")
    assert app.root_path == str(tmp_path)


def test_root_path_and_name_of_a_main_script(tmp_path: Path) -> None:
    script = write(
        tmp_path / "serve_me.py",
        f"""
        import {FW} as fw
        app = fw.Flask(__name__)
        print(app.root_path)
        print(app.name)
        print(app.import_name)
        """,
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    root_path, name, import_name = run_python([str(script)], cwd=elsewhere)
    assert os.path.realpath(root_path) == os.path.realpath(tmp_path)
    assert name == "serve_me"
    assert import_name == "__main__"


def test_root_path_in_an_interactive_session_is_the_working_directory(tmp_path: Path) -> None:
    code = f"import {FW} as fw; app = fw.Flask('__main__'); print(app.root_path); print(app.name)"
    root_path, name = run_python(["-c", code], cwd=tmp_path)
    assert os.path.realpath(root_path) == os.path.realpath(tmp_path)
    assert name == "__main__"


def test_explicit_root_path_wins(tmp_path: Path) -> None:
    app = Erlen(__name__, root_path=str(tmp_path))
    assert app.root_path == str(tmp_path)


# --- instance_path ------------------------------------------------------------------


def test_instance_path_of_a_module_is_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: None
) -> None:
    write(
        tmp_path / f"{MOD_PREFIX}inst_mod.py",
        f"""
        import {FW} as fw
        app = fw.Flask(__name__)
        """,
    )
    module = import_from(tmp_path, monkeypatch, f"{MOD_PREFIX}inst_mod")
    assert module.app.instance_path == str(tmp_path / "instance")


def test_instance_path_of_a_package_is_beside_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: None
) -> None:
    write(
        tmp_path / f"{MOD_PREFIX}inst_pkg" / "__init__.py",
        f"""
        import {FW} as fw
        app = fw.Flask(__name__)
        """,
    )
    module = import_from(tmp_path, monkeypatch, f"{MOD_PREFIX}inst_pkg")
    assert module.app.instance_path == str(tmp_path / "instance")


def test_instance_path_of_a_submodule_is_beside_the_top_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forget_modules: None
) -> None:
    package = tmp_path / f"{MOD_PREFIX}inst_pkg2"
    write(package / "__init__.py", "")
    write(
        package / "app.py",
        f"""
        import {FW} as fw
        app = fw.Flask(__name__)
        """,
    )
    module = import_from(tmp_path, monkeypatch, f"{MOD_PREFIX}inst_pkg2.app")
    assert module.app.instance_path == str(tmp_path / "instance")


def test_explicit_absolute_instance_path_is_kept(tmp_path: Path) -> None:
    app = Erlen(__name__, instance_path=str(tmp_path / "var"))
    assert app.instance_path == str(tmp_path / "var")


def test_relative_instance_path_is_rejected() -> None:
    with pytest.raises(ValueError, match="absolute"):
        Erlen(__name__, instance_path="relative/instance")


def test_instance_relative_config_loads_pyfile_from_instance_path(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    write(instance / "settings.cfg", "SECRET_KEY = 'from-instance'\n")
    write(tmp_path / "root" / "settings.cfg", "SECRET_KEY = 'from-root'\n")
    app = Erlen(
        __name__,
        root_path=str(tmp_path / "root"),
        instance_path=str(instance),
        instance_relative_config=True,
    )
    assert app.config.root_path == str(instance)
    assert app.config.from_pyfile("settings.cfg") is True
    assert app.config["SECRET_KEY"] == "from-instance"
    assert app.secret_key == "from-instance"


def test_config_is_relative_to_root_path_by_default(tmp_path: Path) -> None:
    write(tmp_path / "instance" / "settings.cfg", "SECRET_KEY = 'from-instance'\n")
    write(tmp_path / "root" / "settings.cfg", "SECRET_KEY = 'from-root'\n")
    app = Erlen(
        __name__, root_path=str(tmp_path / "root"), instance_path=str(tmp_path / "instance")
    )
    assert app.config.root_path == str(tmp_path / "root")
    app.config.from_pyfile("settings.cfg")
    assert app.config["SECRET_KEY"] == "from-root"


# --- resources ------------------------------------------------------------------------


def test_open_resource_reads_binary_by_default(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_bytes("h\u00e9llo".encode())
    app = Erlen(__name__, root_path=str(tmp_path))
    with app.open_resource("data.txt") as f:
        assert f.read() == "h\u00e9llo".encode()


def test_open_resource_text_mode_uses_encoding(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_bytes("h\u00e9llo".encode())
    app = Erlen(__name__, root_path=str(tmp_path))
    with app.open_resource("data.txt", mode="r", encoding="utf-8") as f:
        assert f.read() == "h\u00e9llo"
    with app.open_resource("data.txt", mode="rt", encoding="latin-1") as f:
        assert f.read() == "h\u00c3\u00a9llo"


def test_open_resource_reads_from_subfolders(tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "tables.sql").write_text("CREATE TABLE t (id INTEGER);")
    app = Erlen(__name__, root_path=str(tmp_path))
    with app.open_resource("schema/tables.sql", "r", encoding="utf-8") as f:
        assert f.read().startswith("CREATE TABLE")


@pytest.mark.parametrize("mode", ["w", "wb", "a", "ab", "r+", "rb+", "x", "wt"])
def test_open_resource_rejects_writing_modes(tmp_path: Path, mode: str) -> None:
    (tmp_path / "data.txt").write_text("keep me")
    app = Erlen(__name__, root_path=str(tmp_path))
    with pytest.raises(ValueError):
        app.open_resource("data.txt", mode)
    assert (tmp_path / "data.txt").read_text() == "keep me"


def test_open_instance_resource_can_write_and_read(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    app = Erlen(__name__, instance_path=str(instance))
    with app.open_instance_resource("notes.txt", "w", encoding="utf-8") as f:
        f.write("caf\u00e9")
    assert (instance / "notes.txt").read_bytes() == "caf\u00e9".encode()
    with app.open_instance_resource("notes.txt") as f:
        assert f.read() == "caf\u00e9".encode()
    with app.open_instance_resource("notes.txt", "r", encoding="utf-8") as f:
        assert f.read() == "caf\u00e9"
    with app.open_instance_resource("notes.txt", "a", encoding="utf-8") as f:
        f.write("!")
    assert (instance / "notes.txt").read_text(encoding="utf-8") == "caf\u00e9!"


def test_open_instance_resource_text_encoding(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    app = Erlen(__name__, instance_path=str(instance))
    with app.open_instance_resource("latin.txt", "w", encoding="latin-1") as f:
        f.write("\u00e9")
    assert (instance / "latin.txt").read_bytes() == b"\xe9"


# --- attributes backed by config ------------------------------------------------------


def test_debug_defaults_to_false() -> None:
    app = Erlen(__name__)
    assert app.debug is False
    assert app.config["DEBUG"] is False


def test_debug_setter_writes_config() -> None:
    app = Erlen(__name__)
    app.debug = True
    assert app.config["DEBUG"] is True
    assert app.debug is True
    app.config["DEBUG"] = False
    assert app.debug is False


@pytest.mark.parametrize("var", ["ERLEN_DEBUG", "FLASK_DEBUG"])
def test_debug_env_var_makes_new_apps_debug(monkeypatch: pytest.MonkeyPatch, var: str) -> None:
    monkeypatch.setenv(var, "1")
    app = Erlen(__name__)
    assert app.debug is True
    assert app.config["DEBUG"] is True


@pytest.mark.parametrize("value", ["0", "false", "no"])
def test_debug_env_var_false_values_keep_debug_off(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FLASK_DEBUG", value)
    assert Erlen(__name__).debug is False


def test_testing_attribute_reflects_config() -> None:
    app = Erlen(__name__)
    assert app.testing is False
    app.testing = True
    assert app.config["TESTING"] is True
    app.config["TESTING"] = False
    assert app.testing is False


def test_secret_key_attribute_reflects_config() -> None:
    app = Erlen(__name__)
    assert app.secret_key is None
    app.secret_key = "s3cret"
    assert app.config["SECRET_KEY"] == "s3cret"
    app.config["SECRET_KEY"] = b"bytes-key"
    assert app.secret_key == b"bytes-key"


def test_permanent_session_lifetime_is_a_timedelta() -> None:
    app = Erlen(__name__)
    assert app.permanent_session_lifetime == timedelta(days=31)
    app.config["PERMANENT_SESSION_LIFETIME"] = 3600
    assert app.permanent_session_lifetime == timedelta(seconds=3600)
    app.permanent_session_lifetime = 42  # type: ignore[assignment]
    assert app.permanent_session_lifetime == timedelta(seconds=42)
    app.permanent_session_lifetime = timedelta(minutes=5)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=5)


def test_extensions_is_a_dict_per_app() -> None:
    one, two = Erlen("one"), Erlen("two")
    assert one.extensions == {}
    assert isinstance(one.extensions, dict)
    one.extensions["thing"] = object()
    assert "thing" not in two.extensions


def test_config_is_an_erlen_config() -> None:
    app = Erlen(__name__)
    assert isinstance(app.config, erlen.Config)
    assert app.config.root_path == app.root_path


def test_default_config_values_match_flask() -> None:
    ours = Erlen("x").config
    theirs = flask.Flask("x").config
    missing = sorted(set(theirs) - set(ours))
    assert missing == []
    different = {key: (ours[key], value) for key, value in theirs.items() if ours.get(key) != value}
    assert different == {}


def test_default_config_has_no_unknown_extra_keys() -> None:
    ours = Erlen("x").config
    theirs = flask.Flask("x").config
    extra = sorted(key for key in set(ours) - set(theirs) if not key.startswith("ERLEN_"))
    assert extra == []


def test_config_changes_do_not_leak_between_apps() -> None:
    one = Erlen("one")
    one.config["MAX_CONTENT_LENGTH"] = 10
    assert Erlen("two").config["MAX_CONTENT_LENGTH"] is None


# --- static files ------------------------------------------------------------------------


def static_rules(app: Erlen) -> list[Any]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint == "static"]


def test_static_route_exists_by_default() -> None:
    app = Erlen(__name__)
    (rule,) = static_rules(app)
    assert rule.rule == "/static/<path:filename>"
    assert "GET" in rule.methods
    assert app.static_url_path == "/static"


def test_static_route_serves_a_file_under_root_path(tmp_path: Path) -> None:
    write(tmp_path / "static" / "site.css", "body { color: teal; }\n")
    app = Erlen(__name__, root_path=str(tmp_path))
    response = app.test_client().get("/static/site.css")
    assert response.status_code == 200
    assert response.data == b"body { color: teal; }\n"
    assert response.mimetype == "text/css"
    response.close()
    with app.test_request_context():
        assert url_for("static", filename="site.css") == "/static/site.css"


def test_static_route_missing_file_is_404(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    app = Erlen(__name__, root_path=str(tmp_path))
    assert app.test_client().get("/static/nope.css").status_code == 404


def test_static_route_does_not_escape_the_folder(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    write(tmp_path / "secret.txt", "top secret")
    app = Erlen(__name__, root_path=str(tmp_path))
    response = app.test_client().get("/static/../secret.txt")
    assert response.status_code == 404
    assert b"top secret" not in response.data


def test_static_folder_none_means_no_static_route(tmp_path: Path) -> None:
    write(tmp_path / "static" / "a.txt", "a")
    app = Erlen(__name__, static_folder=None, root_path=str(tmp_path))
    assert static_rules(app) == []
    assert app.static_folder is None
    assert app.has_static_folder is False
    assert app.test_client().get("/static/a.txt").status_code == 404


def test_custom_static_url_path(tmp_path: Path) -> None:
    write(tmp_path / "static" / "a.txt", "served")
    app = Erlen(__name__, static_url_path="/assets", root_path=str(tmp_path))
    (rule,) = static_rules(app)
    assert rule.rule == "/assets/<path:filename>"
    client = app.test_client()
    assert client.get("/assets/a.txt").data == b"served"
    assert client.get("/static/a.txt").status_code == 404


def test_custom_static_folder_names_the_url_path(tmp_path: Path) -> None:
    write(tmp_path / "public" / "a.txt", "public file")
    app = Erlen(__name__, static_folder="public", root_path=str(tmp_path))
    assert app.static_url_path == "/public"
    assert app.static_folder == os.path.join(str(tmp_path), "public")
    assert app.test_client().get("/public/a.txt").data == b"public file"


def test_empty_static_url_path_serves_from_the_root(tmp_path: Path) -> None:
    write(tmp_path / "static" / "robots.txt", "User-agent: *\n")
    app = Erlen(__name__, static_url_path="", root_path=str(tmp_path))
    (rule,) = static_rules(app)
    assert rule.rule == "/<path:filename>"
    assert app.test_client().get("/robots.txt").data == b"User-agent: *\n"


def test_static_host_requires_host_matching() -> None:
    with pytest.raises(AssertionError):
        Erlen(__name__, static_host="static.example.com")


def test_static_host_with_host_matching_sets_the_rule_host(tmp_path: Path) -> None:
    write(tmp_path / "static" / "a.txt", "from static host")
    app = Erlen(
        __name__,
        host_matching=True,
        static_host="static.example.com",
        root_path=str(tmp_path),
    )
    (rule,) = static_rules(app)
    assert rule.host == "static.example.com"
    client = app.test_client()
    response = client.get("/static/a.txt", base_url="http://static.example.com")
    assert response.data == b"from static host"
    assert client.get("/static/a.txt", base_url="http://other.example.com").status_code == 404


def test_send_file_max_age_default_sets_cache_control(tmp_path: Path) -> None:
    write(tmp_path / "static" / "a.txt", "a")
    app = Erlen(__name__, root_path=str(tmp_path))
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 120
    response = app.test_client().get("/static/a.txt")
    assert response.cache_control.max_age == 120
    response.close()


# --- setup guard ------------------------------------------------------------------------


def make_served_app() -> Erlen:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "ok"

    assert app.test_client().get("/").status_code == 200
    return app


def test_add_url_rule_after_first_request_fails_naming_the_method() -> None:
    app = make_served_app()
    with pytest.raises(AssertionError, match="'add_url_rule'"):
        app.add_url_rule("/late", "late", lambda: "late")


def test_route_after_first_request_fails_naming_the_method() -> None:
    app = make_served_app()
    with pytest.raises(AssertionError, match="'route'"):
        app.route("/late")


def test_before_request_after_first_request_fails_naming_the_method() -> None:
    app = make_served_app()
    with pytest.raises(AssertionError, match="'before_request'"):
        app.before_request(lambda: None)


def test_errorhandler_after_first_request_fails_naming_the_method() -> None:
    app = make_served_app()
    with pytest.raises(AssertionError, match="'errorhandler'"):
        app.errorhandler(404)


def test_setup_before_any_request_is_allowed() -> None:
    app = Erlen(__name__)
    with app.test_request_context("/"):
        pass
    app.add_url_rule("/early", "early", lambda: "early")
    assert app.test_client().get("/early").data == b"early"


# --- test client ------------------------------------------------------------------------


def test_test_client_keeps_cookies_between_requests() -> None:
    app = Erlen(__name__)

    @app.route("/set")
    def set_cookie() -> Any:
        response = make_response("set")
        response.set_cookie("flavour", "oat")
        return response

    @app.route("/get")
    def get_cookie() -> str:
        return request.cookies.get("flavour", "none")

    client = app.test_client()
    assert client.get("/get").text == "none"
    client.get("/set")
    assert client.get("/get").text == "oat"
    cookie = client.get_cookie("flavour")
    assert cookie is not None
    assert cookie.value == "oat"


def test_test_client_without_cookies_forgets_them() -> None:
    app = Erlen(__name__)

    @app.route("/set")
    def set_cookie() -> Any:
        response = make_response("set")
        response.set_cookie("flavour", "oat")
        return response

    @app.route("/get")
    def get_cookie() -> str:
        return request.cookies.get("flavour", "none")

    client = app.test_client(use_cookies=False)
    client.get("/set")
    assert client.get("/get").text == "none"


def test_test_client_follows_redirects() -> None:
    app = Erlen(__name__)

    @app.route("/old")
    def old() -> Any:
        return redirect(url_for("new"))

    @app.route("/new")
    def new() -> str:
        return "new page"

    client = app.test_client()
    response = client.get("/old")
    assert response.status_code == 302
    assert response.headers["Location"] == "/new"

    response = client.get("/old", follow_redirects=True)
    assert response.status_code == 200
    assert response.text == "new page"
    assert response.request.path == "/new"
    assert len(response.history) == 1
    assert response.history[0].status_code == 302


def test_test_client_json_body() -> None:
    app = Erlen(__name__)

    @app.post("/echo")
    def echo() -> Any:
        return {"got": request.get_json(), "type": request.mimetype}

    response = app.test_client().post("/echo", json={"a": [1, 2], "b": None})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"got": {"a": [1, 2], "b": None}, "type": "application/json"}


def test_test_client_is_an_erlen_client_bound_to_the_app() -> None:
    app = Erlen(__name__)
    client = app.test_client()
    assert client.application is app


# --- app.run ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_and_fetch(script: Path, port: int, tmp_path: Path) -> str:
    """Run ``script`` (which serves on ``port``), fetch ``/`` and stop the server."""
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(port)],
            cwd=tmp_path,
            env=subprocess_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 15
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"server exited early:\n{log_path.read_text()}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as resp:
                        return str(resp.read().decode())
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.monotonic() > deadline:
                        pytest.fail(f"server never answered:\n{log_path.read_text()}")
                    time.sleep(0.05)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def test_run_serves_the_app_over_http(tmp_path: Path) -> None:
    script = write(
        tmp_path / "runner.py",
        f"""
        import sys
        import {FW} as fw

        app = fw.Flask(__name__)

        @app.route("/")
        def index():
            return "served by app.run on " + fw.request.host

        if __name__ == "__main__":
            app.run(port=int(sys.argv[1]))
        """,
    )
    port = free_port()
    assert serve_and_fetch(script, port, tmp_path) == f"served by app.run on 127.0.0.1:{port}"


def test_run_uses_the_server_name_port_when_no_port_is_given(tmp_path: Path) -> None:
    script = write(
        tmp_path / "runner_sn.py",
        f"""
        import sys
        import {FW} as fw

        app = fw.Flask(__name__)
        app.config["SERVER_NAME"] = "127.0.0.1:" + sys.argv[1]

        @app.route("/")
        def index():
            return "port from SERVER_NAME"

        if __name__ == "__main__":
            app.run()
        """,
    )
    port = free_port()
    assert serve_and_fetch(script, port, tmp_path) == "port from SERVER_NAME"
