"""The test client, the environ builder and the CLI runner."""

from __future__ import annotations

import datetime
import gc
import io
import json
import typing as t
import weakref
from collections.abc import Iterator

import click
import pytest
import werkzeug.test

import erlen.testing
from erlen import (
    Erlen,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from erlen import globals as ctx_globals
from erlen.json.provider import DefaultJSONProvider
from erlen.testing import EnvironBuilder, ErlenClient, ErlenCliRunner


@pytest.fixture(autouse=True)
def _no_leaked_context() -> Iterator[None]:
    yield
    assert ctx_globals._cv_app.get(None) is None, "an application context leaked"
    assert ctx_globals._cv_request.get(None) is None, "a request context leaked"


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    app.secret_key = "testing-secret"
    return app


@pytest.fixture
def client(app: Erlen) -> ErlenClient:
    return app.test_client()


# --- the client class ------------------------------------------------------------------


def test_flask_client_name_is_the_erlen_client() -> None:
    assert erlen.testing.FlaskClient is ErlenClient
    assert erlen.testing.FlaskCliRunner is ErlenCliRunner


def test_test_client_is_an_erlen_client(app: Erlen) -> None:
    client = app.test_client()
    assert isinstance(client, ErlenClient)
    assert isinstance(client, werkzeug.test.Client)
    assert client.application is app


def test_test_client_class_override(app: Erlen) -> None:
    class MyClient(ErlenClient):
        def __init__(self, *args: t.Any, token: str = "none", **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            self.token = token

        def open(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
            headers = kwargs.setdefault("headers", {})
            headers["X-Token"] = self.token
            return super().open(*args, **kwargs)

    app.test_client_class = MyClient

    @app.route("/")
    def index() -> str:
        return request.headers["X-Token"]

    client = app.test_client(token="abc")
    assert type(client) is MyClient
    assert client.get("/").text == "abc"


def test_test_client_without_cookies(app: Erlen) -> None:
    @app.route("/set")
    def set_cookie() -> t.Any:
        response = app.make_response("set")
        response.set_cookie("flavour", "oat")
        return response

    @app.route("/get")
    def get_cookie() -> str:
        return request.cookies.get("flavour", "missing")

    client = app.test_client(use_cookies=False)
    client.get("/set")
    assert client.get("/get").text == "missing"


# --- requests ----------------------------------------------------------------------------


def test_cookies_are_kept_between_requests(app: Erlen, client: ErlenClient) -> None:
    @app.route("/set")
    def set_cookie() -> t.Any:
        response = app.make_response("set")
        response.set_cookie("flavour", request.args["v"])
        return response

    @app.route("/get")
    def get_cookie() -> str:
        return request.cookies.get("flavour", "missing")

    @app.route("/clear")
    def clear_cookie() -> t.Any:
        response = app.make_response("cleared")
        response.delete_cookie("flavour")
        return response

    assert client.get("/get").text == "missing"
    client.get("/set?v=oat")
    assert client.get("/get").text == "oat"
    cookie = client.get_cookie("flavour")
    assert cookie is not None
    assert cookie.value == "oat"
    client.get("/set?v=rye")
    assert client.get("/get").text == "rye"
    client.get("/clear")
    assert client.get("/get").text == "missing"


def test_cookies_set_on_the_client(app: Erlen, client: ErlenClient) -> None:
    @app.route("/")
    def index() -> str:
        return request.cookies.get("manual", "missing")

    client.set_cookie("manual", "by hand")
    assert client.get("/").text == "by hand"
    client.delete_cookie("manual")
    assert client.get("/").text == "missing"


def test_follow_redirects_records_history(app: Erlen, client: ErlenClient) -> None:
    @app.route("/start")
    def start() -> t.Any:
        return redirect(url_for("middle"))

    @app.route("/middle")
    def middle() -> t.Any:
        return redirect(url_for("end"), code=301)

    @app.route("/end")
    def end() -> str:
        return f"arrived at {request.path}"

    response = client.get("/start", follow_redirects=True)
    assert response.status_code == 200
    assert response.text == "arrived at /end"
    assert [r.status_code for r in response.history] == [302, 301]
    assert response.history[0].location == "/middle"
    assert response.request.path == "/end"

    not_followed = client.get("/start")
    assert not_followed.status_code == 302
    assert not_followed.location == "/middle"
    assert not_followed.history == ()


def test_follow_redirects_307_keeps_method_and_body(app: Erlen, client: ErlenClient) -> None:
    @app.route("/old", methods=["POST"])
    def old() -> t.Any:
        return redirect("/new", code=307)

    @app.route("/new", methods=["POST"])
    def new() -> str:
        return f"{request.method} {request.form['x']}"

    response = client.post("/old", data={"x": "kept"}, follow_redirects=True)
    assert response.text == "POST kept"


def test_json_argument(app: Erlen, client: ErlenClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        return {"got": request.get_json(), "type": request.mimetype}

    response = client.post("/", json={"a": [1, 2], "b": None})
    assert response.json == {"got": {"a": [1, 2], "b": None}, "type": "application/json"}


def test_json_argument_uses_the_apps_json_provider(app: Erlen, client: ErlenClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return request.get_data(as_text=True)

    when = datetime.date(2024, 1, 2)
    response = client.post("/", json={"when": when})
    assert json.loads(response.text) == {"when": "Tue, 02 Jan 2024 00:00:00 GMT"}


def test_data_dict_is_a_form(app: Erlen, client: ErlenClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> t.Any:
        return {
            "form": request.form.to_dict(flat=False),
            "type": request.mimetype,
        }

    response = client.post("/", data={"a": "1", "b": ["2", "3"]})
    assert response.json == {
        "form": {"a": ["1"], "b": ["2", "3"]},
        "type": "application/x-www-form-urlencoded",
    }


def test_data_str_and_bytes_are_the_body(app: Erlen, client: ErlenClient) -> None:
    @app.route("/", methods=["POST", "PUT"])
    def index() -> t.Any:
        return {"body": request.get_data(as_text=True), "type": request.content_type}

    text = client.post("/", data="plain text ü", content_type="text/plain; charset=utf-8")
    assert text.json == {"body": "plain text ü", "type": "text/plain; charset=utf-8"}
    raw = client.put("/", data=b"\x00raw")
    assert raw.json["body"] == "\x00raw"


def test_data_with_files_is_multipart(app: Erlen, client: ErlenClient) -> None:
    @app.route("/upload", methods=["POST"])
    def upload() -> t.Any:
        upload = request.files["document"]
        return {
            "name": upload.filename,
            "content": upload.read().decode(),
            "type": request.mimetype,
            "title": request.form["title"],
            "upload_type": upload.mimetype,
        }

    response = client.post(
        "/upload",
        data={
            "title": "notes",
            "document": (io.BytesIO(b"file body"), "notes.txt", "text/plain"),
        },
    )
    assert response.json == {
        "name": "notes.txt",
        "content": "file body",
        "type": "multipart/form-data",
        "title": "notes",
        "upload_type": "text/plain",
    }


def test_headers_argument(app: Erlen, client: ErlenClient) -> None:
    @app.route("/")
    def index() -> str:
        return f"{request.headers['X-Custom']} {request.accept_languages.best}"

    response = client.get("/", headers={"X-Custom": "yes", "Accept-Language": "de"})
    assert response.text == "yes de"


def test_query_string_argument(app: Erlen, client: ErlenClient) -> None:
    @app.route("/")
    def index() -> t.Any:
        return request.args.to_dict(flat=False)

    assert client.get("/", query_string={"a": ["1", "2"], "b": "x"}).json == {
        "a": ["1", "2"],
        "b": ["x"],
    }
    assert client.get("/?c=3").json == {"c": ["3"]}


def test_default_environ_base(app: Erlen, client: ErlenClient) -> None:
    @app.route("/")
    def index() -> t.Any:
        return {"addr": request.remote_addr, "agent": request.user_agent.string}

    data = client.get("/").json
    assert data["addr"] == "127.0.0.1"
    assert data["agent"].startswith("Werkzeug/")


def test_environ_base_per_request_and_on_the_client(app: Erlen, client: ErlenClient) -> None:
    @app.route("/")
    def index() -> t.Any:
        return {"addr": request.remote_addr, "agent": request.user_agent.string}

    once = client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.1"}).json
    assert once["addr"] == "10.0.0.1"
    assert once["agent"].startswith("Werkzeug/")
    assert client.get("/").json["addr"] == "127.0.0.1"

    client.environ_base["HTTP_USER_AGENT"] = "TestAgent/1.0"
    assert client.get("/").json == {"addr": "127.0.0.1", "agent": "TestAgent/1.0"}


def test_environ_overrides(app: Erlen, client: ErlenClient) -> None:
    @app.route("/")
    def index() -> str:
        return request.environ["my.key"]

    assert client.get("/", environ_overrides={"my.key": "override"}).text == "override"


def test_response_json_uses_the_apps_json(app: Erlen, client: ErlenClient) -> None:
    class MarkingProvider(DefaultJSONProvider):
        def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
            obj = super().loads(s, **kwargs)
            if isinstance(obj, dict):
                obj["loaded_by"] = "app provider"
            return obj

    app.json = MarkingProvider(app)

    @app.route("/")
    def index() -> t.Any:
        return app.response_class('{"a": 1}', mimetype="application/json")

    assert client.get("/").json == {"a": 1, "loaded_by": "app provider"}


def test_response_request_is_the_built_request(app: Erlen, client: ErlenClient) -> None:
    @app.route("/echo", methods=["PATCH"])
    def echo() -> str:
        return "ok"

    response = client.patch("/echo?x=1")
    assert response.request.method == "PATCH"
    assert response.request.args["x"] == "1"


# --- open() with prepared requests -----------------------------------------------------


def test_open_with_an_environ_builder(app: Erlen, client: ErlenClient) -> None:
    @app.route("/submit", methods=["POST"])
    def submit() -> t.Any:
        return {"form": request.form.to_dict(), "addr": request.remote_addr}

    builder = EnvironBuilder(app, "/submit", method="POST", data={"name": "fay"})
    try:
        response = client.open(builder)
    finally:
        builder.close()
    assert response.json == {"form": {"name": "fay"}, "addr": "127.0.0.1"}


def test_open_with_a_werkzeug_environ_builder(app: Erlen, client: ErlenClient) -> None:
    @app.route("/plain")
    def plain() -> str:
        return request.args["q"]

    builder = werkzeug.test.EnvironBuilder("/plain", query_string={"q": "werkzeug"})
    try:
        assert client.open(builder).text == "werkzeug"
    finally:
        builder.close()


def test_open_with_an_environ_dict(app: Erlen, client: ErlenClient) -> None:
    @app.route("/where")
    def where() -> t.Any:
        return {"path": request.path, "args": request.args.to_dict(), "method": request.method}

    # The route does not accept DELETE: the dict really drives the request.
    environ = EnvironBuilder(app, "/where?k=v", method="DELETE").get_environ()
    assert client.open(environ).status_code == 405
    environ = EnvironBuilder(app, "/where?k=v").get_environ()
    assert client.open(environ).json == {"path": "/where", "args": {"k": "v"}, "method": "GET"}


def test_open_with_method_argument(app: Erlen, client: ErlenClient) -> None:
    @app.route("/", methods=["PUT"])
    def index() -> str:
        return request.method

    assert client.open("/", method="PUT").text == "PUT"


# --- keeping the context with ``with client`` ------------------------------------------


def test_with_client_keeps_the_last_request_context(app: Erlen, client: ErlenClient) -> None:
    @app.route("/")
    def index() -> str:
        g.value = request.args["q"]
        session["seen"] = request.args["q"]
        return "ok"

    with client:
        client.get("/?q=first")
        assert has_request_context()
        assert request.args["q"] == "first"
        assert request.path == "/"
        assert session["seen"] == "first"
        assert g.value == "first"
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]

    assert not has_request_context()


def test_with_client_next_request_replaces_the_kept_context(
    app: Erlen, client: ErlenClient
) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    with client:
        client.get("/?q=1")
        first = weakref.ref(ctx_globals._cv_request.get())
        assert request.args["q"] == "1"
        client.get("/?q=2")
        assert request.args["q"] == "2"
        second = ctx_globals._cv_request.get()
        assert second is not first()
        gc.collect()
        # Released, not kept underneath the new one.
        assert first() is None
    assert not has_request_context()


def test_with_client_keeps_the_context_of_the_last_request_of_a_redirect_chain(
    app: Erlen, client: ErlenClient
) -> None:
    @app.route("/a")
    def a() -> t.Any:
        session["where"] = "a"
        g.seen = "a"
        return redirect("/b")

    @app.route("/b")
    def b() -> t.Any:
        session["where"] = "b"
        g.seen = "b"
        return redirect("/c")

    @app.route("/c")
    def c() -> str:
        session["where"] = "c"
        g.seen = "c"
        return "end"

    torn_down: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.path)

    with client:
        response = client.get("/a", follow_redirects=True)
        assert response.text == "end"
        assert [r.request.path for r in response.history] == ["/a", "/b"]
        assert request.path == "/c"
        assert session["where"] == "c"
        assert g.seen == "c"
        assert torn_down == ["/a", "/b", "/c"]
    # Only the last request's context was kept, so only it ends with the block.
    assert torn_down == ["/a", "/b", "/c", "/c"]
    assert not has_request_context()


def test_with_client_runs_teardown_for_the_kept_context(app: Erlen, client: ErlenClient) -> None:
    torn_down: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.args.get("q", ""))

    @app.route("/")
    def index() -> str:
        return "ok"

    with client:
        client.get("/?q=1")
        assert torn_down[-1:] == ["1"]
        client.get("/?q=2")
        assert torn_down[-1:] == ["2"]
    assert set(torn_down) == {"1", "2"}
    assert torn_down[-1] == "2"


def test_without_with_the_context_is_released_immediately(app: Erlen, client: ErlenClient) -> None:
    torn_down: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append("done")

    @app.route("/")
    def index() -> str:
        return "ok"

    client.get("/")
    assert torn_down == ["done"]
    assert not has_request_context()


def test_with_client_keeps_context_after_a_handled_error(app: Erlen) -> None:
    app.testing = False

    @app.route("/")
    def index() -> str:
        g.before_error = "set"
        raise ValueError("handled as 500")

    client = app.test_client()
    with client:
        assert client.get("/").status_code == 500
        assert g.before_error == "set"
    assert not has_request_context()


def test_nested_with_client_is_an_error(client: ErlenClient) -> None:
    with client:  # noqa: SIM117 - the nesting is the point
        with pytest.raises(RuntimeError):
            with client:
                pass
    # The outer block ended normally; the client can be entered again.
    with client:
        pass


# --- session_transaction ---------------------------------------------------------------


def test_session_transaction_writes_the_session(app: Erlen, client: ErlenClient) -> None:
    @app.route("/")
    def index() -> str:
        return session.get("user", "nobody")

    assert client.get("/").text == "nobody"
    with client.session_transaction() as sess:
        sess["user"] = "gil"
    assert client.get("/").text == "gil"


def test_session_transaction_reads_the_session(app: Erlen, client: ErlenClient) -> None:
    @app.route("/login")
    def login() -> str:
        session["user"] = "hana"
        session["visits"] = 3
        return "logged in"

    @app.route("/visits")
    def visits() -> str:
        return str(session["visits"])

    client.get("/login")
    with client.session_transaction() as sess:
        assert sess["user"] == "hana"
        assert sess["visits"] == 3
        sess["visits"] += 1

    assert client.get("/visits").text == "4"


def test_session_transaction_without_secret_key_is_an_error() -> None:
    app = Erlen(__name__)
    app.testing = True
    client = app.test_client()

    with pytest.raises(RuntimeError) as info, client.session_transaction():
        pass
    assert str(info.value).startswith("Session backend did not open a session.")
    assert "SECRET_KEY" in str(info.value)


def test_session_transaction_without_cookies_is_an_error(app: Erlen) -> None:
    client = app.test_client(use_cookies=False)
    with pytest.raises(TypeError, match=r"(?i)cookies"), client.session_transaction():
        pass


def test_session_transaction_with_request_arguments(app: Erlen) -> None:
    app.config["SERVER_NAME"] = "example.com"

    @app.route("/")
    def index() -> str:
        return session.get("k", "none")

    client = app.test_client()
    with client.session_transaction("/", base_url="http://example.com") as sess:
        sess["k"] = "scoped"
    assert client.get("/", base_url="http://example.com").text == "scoped"


def test_session_transaction_does_not_leave_a_context(client: ErlenClient) -> None:
    with client.session_transaction() as sess:
        sess["x"] = 1
    assert not has_request_context()


# --- EnvironBuilder ----------------------------------------------------------------------


def test_environ_builder_defaults(app: Erlen) -> None:
    environ = EnvironBuilder(app).get_environ()
    assert environ["HTTP_HOST"] == "localhost"
    assert environ["SCRIPT_NAME"] == ""
    assert environ["PATH_INFO"] == "/"
    assert environ["wsgi.url_scheme"] == "http"


def test_environ_builder_uses_app_config(app: Erlen) -> None:
    app.config.update(
        SERVER_NAME="example.com:8080",
        APPLICATION_ROOT="/app",
        PREFERRED_URL_SCHEME="https",
    )
    builder = EnvironBuilder(app, "/page?x=1")
    environ = builder.get_environ()

    assert builder.app is app
    assert environ["HTTP_HOST"] == "example.com:8080"
    assert environ["SERVER_NAME"] == "example.com"
    assert environ["SERVER_PORT"] == "8080"
    assert environ["SCRIPT_NAME"] == "/app"
    assert environ["PATH_INFO"] == "/page"
    assert environ["QUERY_STRING"] == "x=1"
    assert environ["wsgi.url_scheme"] == "https"


def test_environ_builder_subdomain(app: Erlen) -> None:
    app.config["SERVER_NAME"] = "example.com"
    environ = EnvironBuilder(app, "/", subdomain="api").get_environ()
    assert environ["HTTP_HOST"] == "api.example.com"


def test_environ_builder_url_scheme_argument(app: Erlen) -> None:
    environ = EnvironBuilder(app, "/", url_scheme="https").get_environ()
    assert environ["wsgi.url_scheme"] == "https"


def test_environ_builder_base_url_with_subdomain_is_an_error(app: Erlen) -> None:
    with pytest.raises(AssertionError):
        EnvironBuilder(app, "/", base_url="http://example.com", subdomain="api")
    with pytest.raises(AssertionError):
        EnvironBuilder(app, "/", base_url="http://example.com", url_scheme="https")


def test_environ_builder_base_url_wins_over_config(app: Erlen) -> None:
    app.config.update(SERVER_NAME="example.com", APPLICATION_ROOT="/app")
    environ = EnvironBuilder(app, "/p", base_url="https://other.org/root/").get_environ()
    assert environ["HTTP_HOST"] == "other.org"
    assert environ["SCRIPT_NAME"] == "/root"
    assert environ["wsgi.url_scheme"] == "https"


def test_environ_builder_full_url_path(app: Erlen) -> None:
    app.config["SERVER_NAME"] = "example.com"
    environ = EnvironBuilder(app, "https://other.org/x?y=2").get_environ()
    assert environ["HTTP_HOST"] == "other.org"
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["PATH_INFO"] == "/x"
    assert environ["QUERY_STRING"] == "y=2"


def test_environ_builder_json_uses_the_apps_provider(app: Erlen) -> None:
    builder = EnvironBuilder(app, json={"d": datetime.date(2024, 1, 2)})
    try:
        assert builder.get_request().get_data() == b'{"d": "Tue, 02 Jan 2024 00:00:00 GMT"}'
    finally:
        builder.close()


def test_client_subdomain_routes_with_server_name(app: Erlen) -> None:
    app.config["SERVER_NAME"] = "example.com"
    app.subdomain_matching = True
    app.url_map.default_subdomain = ""

    @app.route("/", subdomain="api")
    def api_index() -> str:
        return f"api at {request.host}"

    client = app.test_client()
    assert client.get("/", subdomain="api").text == "api at api.example.com"


def test_client_uses_application_root(app: Erlen) -> None:
    app.config["APPLICATION_ROOT"] = "/prefix"

    @app.route("/page")
    def page() -> str:
        return f"{request.script_root} {request.path} {url_for('page')}"

    assert app.test_client().get("/page").text == "/prefix /page /prefix/page"


# --- CLI runner --------------------------------------------------------------------------


def test_cli_runner_invokes_an_app_command(app: Erlen) -> None:
    @app.cli.command("hello")
    @click.option("--name", default="world")
    def hello(name: str) -> None:
        click.echo(f"hello {name} from {current_app.name}")

    runner = app.test_cli_runner()
    assert isinstance(runner, ErlenCliRunner)
    assert runner.app is app

    result = runner.invoke(args=["hello"])
    assert result.exit_code == 0, result.output
    assert result.output == f"hello world from {app.name}\n"

    result = runner.invoke(args=["hello", "--name", "ivy"])
    assert result.output == f"hello ivy from {app.name}\n"


def test_cli_runner_invokes_a_command_object(app: Erlen) -> None:
    @app.cli.command("config-value")
    @click.argument("key")
    def config_value(key: str) -> None:
        click.echo(repr(current_app.config[key]))

    result = app.test_cli_runner().invoke(config_value, ["TESTING"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "True"


def test_cli_runner_reports_command_errors(app: Erlen) -> None:
    @app.cli.command("fail")
    def fail() -> None:
        raise click.ClickException("it failed")

    result = app.test_cli_runner().invoke(args=["fail"])
    assert result.exit_code == 1
    assert "it failed" in result.output


def test_cli_runner_class_override(app: Erlen) -> None:
    class MyRunner(ErlenCliRunner):
        pass

    app.test_cli_runner_class = MyRunner
    assert type(app.test_cli_runner()) is MyRunner
