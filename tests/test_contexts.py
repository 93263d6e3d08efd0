"""Tests for application and request contexts, the context-local proxies and ``g``."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.test import EnvironBuilder

import erlen
from erlen import (
    Erlen,
    after_this_request,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
    stream_with_context,
    url_for,
)
from erlen import globals as ctx_globals
from erlen.ctx import AppContext, RequestContext, _AppCtxGlobals

APP_MSG = "Working outside of application context."
REQ_MSG = "Working outside of request context."


@pytest.fixture(autouse=True)
def _no_leaked_context() -> Iterator[None]:
    """Each test must leave no context behind, or later tests would see it."""
    assert ctx_globals._cv_app.get(None) is None
    assert ctx_globals._cv_request.get(None) is None
    yield
    assert ctx_globals._cv_app.get(None) is None, "an application context leaked"
    assert ctx_globals._cv_request.get(None) is None, "a request context leaked"


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/user/<int:uid>")
    def user(uid: int) -> str:
        return f"user {uid}"

    return app


# --- application context ------------------------------------------------------


def test_app_context_returns_an_app_context_bound_to_the_app(app: Erlen) -> None:
    ctx = app.app_context()
    assert isinstance(ctx, AppContext)
    assert ctx.app is app


def test_app_context_push_and_pop_activate_and_deactivate_current_app(app: Erlen) -> None:
    ctx = app.app_context()
    assert not has_app_context()
    ctx.push()
    try:
        assert has_app_context()
        assert current_app._get_current_object() is app
        assert current_app.name == app.name
    finally:
        ctx.pop()
    assert not has_app_context()


def test_app_context_as_with_statement_yields_itself(app: Erlen) -> None:
    with app.app_context() as ctx:
        assert isinstance(ctx, AppContext)
        assert ctx_globals._cv_app.get() is ctx
        assert ctx_globals.app_ctx._get_current_object() is ctx
    assert not has_app_context()


def test_app_context_can_be_constructed_directly(app: Erlen) -> None:
    with AppContext(app) as ctx:
        assert current_app._get_current_object() is app
        assert ctx.app is app


def test_app_context_alone_has_no_request_context(app: Erlen) -> None:
    with app.app_context():
        assert has_app_context()
        assert not has_request_context()
        with pytest.raises(RuntimeError) as info:
            request.path  # noqa: B018
        assert str(info.value).startswith(REQ_MSG)


def test_nested_app_contexts_of_two_apps_restore_the_outer_one() -> None:
    first = Erlen("first")
    second = Erlen("second")
    with first.app_context():
        assert current_app.name == "first"
        with second.app_context():
            assert current_app.name == "second"
        assert current_app.name == "first"


# --- g ------------------------------------------------------------------------------


def test_g_is_the_app_contexts_globals_object(app: Erlen) -> None:
    with app.app_context() as ctx:
        assert isinstance(ctx.g, _AppCtxGlobals)
        assert g._get_current_object() is ctx.g
        g.value = 42
        assert ctx.g.value == 42


def test_g_attribute_set_get_and_delete(app: Erlen) -> None:
    with app.app_context():
        g.name = "x"
        assert g.name == "x"
        del g.name
        assert "name" not in g


def test_g_missing_attribute_raises_attribute_error(app: Erlen) -> None:
    with app.app_context():
        with pytest.raises(AttributeError):
            g.missing  # noqa: B018
        with pytest.raises(AttributeError):
            del g.missing
        assert getattr(g, "missing", "fallback") == "fallback"
        assert not hasattr(g, "missing")


def test_g_get_returns_value_or_default(app: Erlen) -> None:
    with app.app_context():
        g.present = 1
        assert g.get("present") == 1
        assert g.get("absent") is None
        assert g.get("absent", "default") == "default"


def test_g_pop_removes_and_returns_value(app: Erlen) -> None:
    with app.app_context():
        g.item = "v"
        assert g.pop("item") == "v"
        assert "item" not in g


def test_g_pop_missing_without_default_raises_key_error(app: Erlen) -> None:
    with app.app_context(), pytest.raises(KeyError):
        g.pop("absent")


def test_g_pop_missing_with_default_returns_default(app: Erlen) -> None:
    with app.app_context():
        assert g.pop("absent", "d") == "d"
        assert g.pop("absent", None) is None


def test_g_setdefault_sets_only_when_missing(app: Erlen) -> None:
    with app.app_context():
        assert g.setdefault("counter", 1) == 1
        assert g.counter == 1
        assert g.setdefault("counter", 2) == 1
        assert g.counter == 1
        assert g.setdefault("nothing") is None
        assert "nothing" in g


def test_g_supports_in_operator(app: Erlen) -> None:
    with app.app_context():
        assert "thing" not in g
        g.thing = None
        assert "thing" in g


def test_g_iterates_over_attribute_names(app: Erlen) -> None:
    with app.app_context():
        g.a = 1
        g.b = 2
        assert sorted(g) == ["a", "b"]
        assert list(iter(g)) == ["a", "b"]


def test_g_repr_names_the_app_inside_a_context(app: Erlen) -> None:
    with app.app_context():
        assert repr(g) == f"<{erlen.__name__}.g of '{app.name}'>"


def test_g_repr_outside_a_context_is_the_default_object_repr() -> None:
    namespace = _AppCtxGlobals()
    assert repr(namespace).startswith("<")
    assert "_AppCtxGlobals object at" in repr(namespace)


def test_g_is_fresh_for_each_app_context(app: Erlen) -> None:
    with app.app_context():
        g.value = "first"
    with app.app_context():
        assert "value" not in g


def test_g_is_fresh_for_each_request(app: Erlen) -> None:
    @app.route("/count")
    def count() -> str:
        g.hits = g.get("hits", 0) + 1
        return str(g.hits)

    client = app.test_client()
    assert client.get("/count").text == "1"
    assert client.get("/count").text == "1"


def test_g_is_shared_between_hooks_and_view_of_one_request(app: Erlen) -> None:
    @app.before_request
    def load() -> None:
        g.user = request.args.get("user", "anon")

    @app.route("/whoami")
    def whoami() -> str:
        return g.user

    client = app.test_client()
    assert client.get("/whoami?user=ada").text == "ada"
    assert client.get("/whoami").text == "anon"


def test_app_ctx_globals_class_can_be_replaced(app: Erlen) -> None:
    class CustomGlobals(_AppCtxGlobals):
        def double(self, value: int) -> int:
            return value * 2

    app.app_ctx_globals_class = CustomGlobals
    with app.app_context():
        assert isinstance(g._get_current_object(), CustomGlobals)
        assert g.double(4) == 8


# --- request context ---------------------------------------------------------------


def test_test_request_context_returns_a_request_context(app: Erlen) -> None:
    ctx = app.test_request_context("/user/3")
    assert isinstance(ctx, RequestContext)
    assert ctx.app is app
    assert ctx.request.path == "/user/3"


def test_test_request_context_defaults(app: Erlen) -> None:
    with app.test_request_context():
        assert request.path == "/"
        assert request.method == "GET"
        assert request.host == "localhost"
        assert request.url == "http://localhost/"
        assert request.script_root == ""


def test_test_request_context_path_and_query_string_in_path(app: Erlen) -> None:
    with app.test_request_context("/search?q=flask&page=2"):
        assert request.path == "/search"
        assert request.args["q"] == "flask"
        assert request.args.get("page", type=int) == 2


def test_test_request_context_query_string_argument(app: Erlen) -> None:
    with app.test_request_context("/search", query_string={"q": "x", "n": "1"}):
        assert request.args.to_dict() == {"q": "x", "n": "1"}
        assert request.full_path == "/search?q=x&n=1"


def test_test_request_context_method_headers_and_form_data(app: Erlen) -> None:
    with app.test_request_context(
        "/submit",
        method="POST",
        headers={"X-Token": "abc"},
        data={"field": "value"},
    ):
        assert request.method == "POST"
        assert request.headers["X-Token"] == "abc"
        assert request.form["field"] == "value"
        assert request.mimetype == "application/x-www-form-urlencoded"


def test_test_request_context_raw_data_and_json(app: Erlen) -> None:
    with app.test_request_context("/", method="PUT", data=b"raw bytes"):
        assert request.get_data() == b"raw bytes"
    with app.test_request_context("/", method="POST", json={"a": [1, 2]}):
        assert request.is_json
        assert request.get_json() == {"a": [1, 2]}


def test_test_request_context_base_url(app: Erlen) -> None:
    with app.test_request_context("/page", base_url="https://example.org/root/"):
        assert request.host == "example.org"
        assert request.scheme == "https"
        assert request.script_root == "/root"
        assert request.path == "/page"
        assert request.url == "https://example.org/root/page"
        assert request.url_root == "https://example.org/root/"


def test_test_request_context_uses_server_name(app: Erlen) -> None:
    app.config["SERVER_NAME"] = "example.com"
    with app.test_request_context("/p"):
        assert request.host == "example.com"
        assert request.url == "http://example.com/p"


def test_test_request_context_subdomain_with_server_name(app: Erlen) -> None:
    app.config["SERVER_NAME"] = "example.com"
    with app.test_request_context("/p?x=1", subdomain="api"):
        assert request.host == "api.example.com"
        assert request.url == "http://api.example.com/p?x=1"
        assert request.args["x"] == "1"


def test_test_request_context_uses_application_root_and_preferred_scheme(app: Erlen) -> None:
    app.config.update(APPLICATION_ROOT="/app", PREFERRED_URL_SCHEME="https")
    with app.test_request_context("/p"):
        assert request.script_root == "/app"
        assert request.scheme == "https"
        assert request.url == "https://localhost/app/p"


def test_request_context_from_a_wsgi_environ(app: Erlen) -> None:
    environ = EnvironBuilder(path="/hello", query_string="a=1").get_environ()
    ctx = app.request_context(environ)
    assert isinstance(ctx, RequestContext)
    with ctx:
        assert request.environ is environ
        assert request.path == "/hello"
        assert request.args["a"] == "1"


def test_request_context_can_be_constructed_directly(app: Erlen) -> None:
    environ = EnvironBuilder(path="/user/9").get_environ()
    with RequestContext(app, environ) as ctx:
        assert request._get_current_object() is ctx.request
        assert request.view_args == {"uid": 9}


def test_request_context_proxies_point_at_the_pushed_context(app: Erlen) -> None:
    with app.test_request_context("/") as ctx:
        assert ctx_globals._cv_request.get() is ctx
        assert ctx_globals.request_ctx._get_current_object() is ctx
        assert request._get_current_object() is ctx.request
        assert session._get_current_object() is ctx.session


def test_request_context_pushes_an_app_context_when_none_is_active(app: Erlen) -> None:
    assert not has_app_context()
    with app.test_request_context():
        assert has_app_context()
        assert has_request_context()
        assert current_app._get_current_object() is app
        assert ctx_globals.app_ctx.app is app
    assert not has_app_context()
    assert not has_request_context()


def test_request_context_reuses_an_active_app_context_of_the_same_app(app: Erlen) -> None:
    with app.app_context() as app_ctx:
        g.marker = "outer"
        with app.test_request_context():
            assert ctx_globals._cv_app.get() is app_ctx
            assert g.marker == "outer"
        assert ctx_globals._cv_app.get() is app_ctx


def test_request_context_pushes_its_own_app_context_when_another_app_is_active(
    app: Erlen,
) -> None:
    other = Erlen("other")
    with other.app_context() as other_ctx:
        g.marker = "other"
        with app.test_request_context():
            assert current_app._get_current_object() is app
            assert ctx_globals._cv_app.get() is not other_ctx
            assert "marker" not in g
        assert current_app._get_current_object() is other
        assert g.marker == "other"


def test_app_context_inside_a_request_keeps_current_app_and_request(app: Erlen) -> None:
    with app.test_request_context("/?x=1"):
        g.outer = True
        with app.app_context():
            assert current_app._get_current_object() is app
            assert request.args["x"] == "1"
            assert "outer" not in g
        assert current_app._get_current_object() is app
        assert g.outer is True


def test_app_context_inside_a_view_keeps_current_app(app: Erlen) -> None:
    @app.route("/nested")
    def nested() -> str:
        with app.app_context():
            return f"{current_app.name}:{request.path}"

    assert app.test_client().get("/nested").text == f"{app.name}:/nested"


def test_has_app_context_and_has_request_context(app: Erlen) -> None:
    assert (has_app_context(), has_request_context()) == (False, False)
    with app.app_context():
        assert (has_app_context(), has_request_context()) == (True, False)
    with app.test_request_context():
        assert (has_app_context(), has_request_context()) == (True, True)
    assert (has_app_context(), has_request_context()) == (False, False)


def test_has_request_context_inside_a_view(app: Erlen) -> None:
    @app.route("/has")
    def has() -> str:
        return f"{has_app_context()} {has_request_context()}"

    assert app.test_client().get("/has").text == "True True"


# --- proxies outside their context -------------------------------------------------


@pytest.mark.parametrize(
    ("proxy_name", "message"),
    [
        ("current_app", APP_MSG),
        ("g", APP_MSG),
        ("app_ctx", APP_MSG),
        ("request", REQ_MSG),
        ("session", REQ_MSG),
        ("request_ctx", REQ_MSG),
    ],
)
def test_proxy_outside_its_context_raises_runtime_error(proxy_name: str, message: str) -> None:
    proxy = getattr(ctx_globals, proxy_name)
    with pytest.raises(RuntimeError) as info:
        proxy.some_attribute  # noqa: B018
    assert str(info.value).startswith(message)


def test_proxies_from_package_are_the_globals_proxies() -> None:
    assert erlen.current_app is ctx_globals.current_app
    assert erlen.g is ctx_globals.g
    assert erlen.request is ctx_globals.request
    assert erlen.session is ctx_globals.session


def test_g_attribute_assignment_outside_app_context_raises() -> None:
    with pytest.raises(RuntimeError) as info:
        g.value = 1
    assert str(info.value).startswith(APP_MSG)


def test_url_for_outside_any_context_raises_app_context_error(app: Erlen) -> None:
    with pytest.raises(RuntimeError) as info:
        url_for("index")
    assert str(info.value).startswith(APP_MSG)


def test_request_and_session_outside_request_but_inside_app_context(app: Erlen) -> None:
    with app.app_context():
        for proxy in (request, session):
            with pytest.raises(RuntimeError) as info:
                proxy.get  # noqa: B018
            assert str(info.value).startswith(REQ_MSG)


# --- routing information after push --------------------------------------------------


def test_test_request_context_matches_the_url_rule_on_push(app: Erlen) -> None:
    with app.test_request_context("/user/7"):
        assert request.url_rule is not None
        assert request.url_rule.rule == "/user/<int:uid>"
        assert request.view_args == {"uid": 7}
        assert request.endpoint == "user"
        assert request.routing_exception is None


def test_test_request_context_unknown_path_records_not_found(app: Erlen) -> None:
    with app.test_request_context("/missing"):
        assert request.url_rule is None
        assert request.endpoint is None
        assert isinstance(request.routing_exception, NotFound)


def test_test_request_context_wrong_method_records_method_not_allowed(app: Erlen) -> None:
    with app.test_request_context("/user/1", method="POST"):
        assert isinstance(request.routing_exception, MethodNotAllowed)


def test_test_request_context_missing_slash_records_a_redirect(app: Erlen) -> None:
    app.add_url_rule("/folder/", "folder", lambda: "folder")
    with app.test_request_context("/folder"):
        assert request.url_rule is None
        assert request.routing_exception is not None
        assert request.routing_exception.code == 308
        assert request.routing_exception.new_url == "http://localhost/folder/"


# --- url_for ---------------------------------------------------------------------------


def test_url_for_inside_test_request_context(app: Erlen) -> None:
    with app.test_request_context():
        assert url_for("index") == "/"
        assert url_for("user", uid=3) == "/user/3"
        assert url_for("user", uid=3, q="x") == "/user/3?q=x"
        assert url_for("user", uid=3, _anchor="top") == "/user/3#top"
        assert url_for("user", uid=3, _external=True) == "http://localhost/user/3"


def test_url_for_inside_test_request_context_with_base_url(app: Erlen) -> None:
    with app.test_request_context(base_url="https://example.org/root/"):
        assert url_for("user", uid=3) == "/root/user/3"
        assert url_for("user", uid=3, _external=True) == "https://example.org/root/user/3"


def test_url_for_inside_app_context_with_server_name(app: Erlen) -> None:
    app.config["SERVER_NAME"] = "example.com"
    with app.app_context():
        assert url_for("user", uid=3) == "http://example.com/user/3"
        assert url_for("user", uid=3, _external=False) == "/user/3"


def test_url_for_inside_app_context_uses_application_root_and_scheme(app: Erlen) -> None:
    app.config.update(
        SERVER_NAME="example.com", APPLICATION_ROOT="/app", PREFERRED_URL_SCHEME="https"
    )
    with app.app_context():
        assert url_for("index") == "https://example.com/app/"
        assert url_for("user", uid=1, _external=False) == "/app/user/1"


def test_url_for_with_scheme_is_external(app: Erlen) -> None:
    with app.test_request_context():
        assert url_for("index", _scheme="https") == "https://localhost/"
    app.config["SERVER_NAME"] = "example.com"
    with app.app_context():
        assert url_for("index", _scheme="https") == "https://example.com/"


def test_url_for_subdomain_rule_inside_test_request_context(app: Erlen) -> None:
    app.config["SERVER_NAME"] = "example.com"
    app.add_url_rule("/", "api_index", lambda: "api", subdomain="api")
    with app.test_request_context():
        assert url_for("api_index") == "http://api.example.com/"
        assert url_for("index") == "/"


def test_subdomain_matching_routes_test_request_context_by_subdomain() -> None:
    app = Erlen(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"
    app.add_url_rule("/", "index", lambda: "index")
    app.add_url_rule("/", "api_index", lambda: "api", subdomain="api")
    with app.test_request_context(subdomain="api"):
        assert request.endpoint == "api_index"
        assert url_for("index") == "http://example.com/"
        assert url_for("api_index") == "/"
    with app.test_request_context():
        assert request.endpoint == "index"


def test_url_for_inside_app_context_without_server_name_raises(app: Erlen) -> None:
    with app.app_context(), pytest.raises(RuntimeError) as info:
        url_for("index")
    assert "SERVER_NAME" in str(info.value)


def test_app_url_for_method_works_like_the_helper(app: Erlen) -> None:
    with app.test_request_context():
        assert app.url_for("user", uid=5) == url_for("user", uid=5) == "/user/5"


# --- repeated and nested pushes ------------------------------------------------------


def test_request_context_pushed_twice_tears_down_after_last_pop(app: Erlen) -> None:
    torn_down: list[BaseException | None] = []
    app.teardown_request(torn_down.append)
    ctx = app.test_request_context("/?n=1")
    ctx.push()
    ctx.push()
    assert request.args["n"] == "1"
    ctx.pop()
    assert torn_down == []
    assert has_request_context()
    assert ctx_globals.request_ctx._get_current_object() is ctx
    ctx.pop()
    assert torn_down == [None]
    assert not has_request_context()
    assert not has_app_context()


def test_app_context_pushed_twice_tears_down_after_last_pop(app: Erlen) -> None:
    torn_down: list[BaseException | None] = []
    app.teardown_appcontext(torn_down.append)
    ctx = app.app_context()
    with ctx:
        with ctx:
            g.kept = True
        assert torn_down == []
        assert g.kept is True
    assert torn_down == [None]
    assert not has_app_context()


def test_same_request_context_nested_with_statements(app: Erlen) -> None:
    ctx = app.test_request_context("/user/2")
    with ctx:
        with ctx:
            assert request.view_args == {"uid": 2}
        assert request.view_args == {"uid": 2}
    assert not has_request_context()


def test_nested_distinct_request_contexts_restore_the_outer_request(app: Erlen) -> None:
    with app.test_request_context("/outer"):
        with app.test_request_context("/inner"):
            assert request.path == "/inner"
        assert request.path == "/outer"


def test_popping_the_wrong_app_context_raises_assertion_error(app: Erlen) -> None:
    first = app.app_context()
    second = app.app_context()
    first.push()
    second.push()
    with pytest.raises(AssertionError):
        first.pop()


def test_popping_the_wrong_request_context_raises_assertion_error(app: Erlen) -> None:
    first = app.test_request_context("/a")
    second = app.test_request_context("/b")
    first.push()
    second.push()
    with pytest.raises(AssertionError):
        first.pop()


def test_exception_in_with_block_is_passed_to_teardown(app: Erlen) -> None:
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)
    app.teardown_appcontext(seen.append)
    error = ValueError("boom")
    with pytest.raises(ValueError), app.test_request_context():
        raise error
    assert seen == [error, error]


def test_pop_without_argument_passes_the_handled_exception_to_teardown(app: Erlen) -> None:
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)
    ctx = app.test_request_context()
    ctx.push()
    error = KeyError("k")
    try:
        raise error
    except KeyError:
        ctx.pop()
    assert seen == [error]


def test_request_contexts_of_two_apps_nest(app: Erlen) -> None:
    other = Erlen("other")
    with app.test_request_context("/outer"):
        with other.test_request_context("/inner"):
            assert current_app._get_current_object() is other
            assert request.path == "/inner"
        assert current_app._get_current_object() is app
        assert request.path == "/outer"


def test_teardown_request_still_sees_request_and_g(app: Erlen) -> None:
    seen: list[Any] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append((has_request_context(), request.path, g.get("mark")))

    @app.route("/mark")
    def mark() -> str:
        g.mark = "m"
        return "ok"

    app.test_client().get("/mark")
    assert seen == [(True, "/mark", "m")]


def test_teardown_appcontext_runs_after_the_request_is_gone(app: Erlen) -> None:
    seen: list[Any] = []

    @app.teardown_appcontext
    def teardown(exc: BaseException | None) -> None:
        seen.append((has_app_context(), has_request_context(), g.get("mark")))

    @app.route("/mark")
    def mark() -> str:
        g.mark = "m"
        return "ok"

    app.test_client().get("/mark")
    assert seen == [(True, False, "m")]


# --- copy_current_request_context ------------------------------------------------------


def test_copy_current_request_context_runs_in_a_thread_with_the_request(app: Erlen) -> None:
    results: dict[str, Any] = {}

    @app.route("/spawn")
    def spawn() -> str:
        @copy_current_request_context
        def work(suffix: str) -> str:
            results["has_request"] = has_request_context()
            results["path"] = request.path
            results["arg"] = request.args["v"]
            results["app"] = current_app.name
            return request.args["v"] + suffix

        def target() -> None:
            results["returned"] = work("!")

        thread = threading.Thread(target=target)
        thread.start()
        thread.join(timeout=10)
        return "spawned"

    assert app.test_client().get("/spawn?v=hello").text == "spawned"
    assert results == {
        "has_request": True,
        "path": "/spawn",
        "arg": "hello",
        "app": app.name,
        "returned": "hello!",
    }


def test_copy_current_request_context_shares_the_session(app: Erlen) -> None:
    app.secret_key = "secret"

    @app.route("/session")
    def view() -> str:
        @copy_current_request_context
        def work() -> None:
            session["from_thread"] = "yes"

        thread = threading.Thread(target=work)
        thread.start()
        thread.join(timeout=10)
        return str(session.get("from_thread"))

    assert app.test_client().get("/session").text == "yes"


def test_copy_current_request_context_wraps_coroutine_functions(app: Erlen) -> None:
    results: list[str] = []

    with app.test_request_context("/?v=async"):

        @copy_current_request_context
        async def work() -> str:
            return request.args["v"]

        thread = threading.Thread(target=lambda: results.append(work()))
        thread.start()
        thread.join(timeout=10)
    assert results == ["async"]


def test_copy_current_request_context_keeps_the_function_name(app: Erlen) -> None:
    with app.test_request_context():

        @copy_current_request_context
        def named_function() -> None:
            """Docs."""

        assert named_function.__name__ == "named_function"
        assert named_function.__doc__ == "Docs."


def test_copy_current_request_context_outside_a_request_raises() -> None:
    def work() -> None:
        pass

    with pytest.raises(RuntimeError):
        copy_current_request_context(work)


# --- after_this_request ----------------------------------------------------------------


def test_after_this_request_runs_before_app_after_request_hooks(app: Erlen) -> None:
    calls: list[str] = []

    @app.after_request
    def app_hook(response: Any) -> Any:
        calls.append("app")
        return response

    @app.route("/once")
    def once() -> str:
        @after_this_request
        def only_now(response: Any) -> Any:
            calls.append("this")
            return response

        return "ok"

    app.test_client().get("/once")
    assert calls == ["this", "app"]


def test_after_this_request_can_change_the_response(app: Erlen) -> None:
    seen_by_app_hook: list[str | None] = []

    @app.after_request
    def app_hook(response: Any) -> Any:
        seen_by_app_hook.append(response.headers.get("X-Extra"))
        return response

    @app.route("/change")
    def change() -> str:
        @after_this_request
        def add_header(response: Any) -> Any:
            response.headers["X-Extra"] = "yes"
            return response

        return "body"

    response = app.test_client().get("/change")
    assert response.headers["X-Extra"] == "yes"
    assert response.text == "body"
    assert seen_by_app_hook == ["yes"]


def test_after_this_request_can_replace_the_response(app: Erlen) -> None:
    @app.route("/replace")
    def replace() -> str:
        after_this_request(lambda response: app.response_class("replaced", status=202))
        return "original"

    response = app.test_client().get("/replace")
    assert response.status_code == 202
    assert response.text == "replaced"


def test_after_this_request_only_applies_to_the_current_request(app: Erlen) -> None:
    calls: list[str] = []

    @app.route("/maybe")
    def maybe() -> str:
        if request.args.get("register"):
            after_this_request(lambda response: calls.append(request.path) or response)
        return "ok"

    client = app.test_client()
    client.get("/maybe?register=1")
    client.get("/maybe")
    assert calls == ["/maybe"]


def test_after_this_request_from_before_request_hook(app: Erlen) -> None:
    @app.before_request
    def register() -> None:
        def tag(response: Any) -> Any:
            response.headers["X-Before"] = "1"
            return response

        after_this_request(tag)

    assert app.test_client().get("/").headers["X-Before"] == "1"


def test_after_this_request_outside_a_request_raises() -> None:
    with pytest.raises(RuntimeError):
        after_this_request(lambda response: response)


# --- isolation ---------------------------------------------------------------------------


def test_threads_each_see_their_own_request_context(app: Erlen) -> None:
    barrier = threading.Barrier(2, timeout=10)
    seen: dict[str, Any] = {}

    def worker(name: str) -> None:
        with app.test_request_context(f"/?who={name}"):
            g.who = name
            barrier.wait()
            seen[name] = (request.args["who"], g.who)
            barrier.wait()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert seen == {"a": ("a", "a"), "b": ("b", "b")}
    assert not has_request_context()


def test_concurrent_requests_in_threads_each_see_their_own_request(app: Erlen) -> None:
    barrier = threading.Barrier(2, timeout=10)
    bodies: dict[str, str] = {}

    @app.route("/wait")
    def wait() -> str:
        g.who = request.args["who"]
        barrier.wait()
        return f"{request.args['who']}/{g.who}"

    def worker(name: str) -> None:
        bodies[name] = app.test_client().get(f"/wait?who={name}").text

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert bodies == {"a": "a/a", "b": "b/b"}


def test_asyncio_tasks_each_see_their_own_request_context(app: Erlen) -> None:
    async def handle(name: str) -> tuple[str, str, str]:
        with app.test_request_context(f"/?who={name}"):
            g.who = name
            await asyncio.sleep(0)
            first = request.args["who"]
            await asyncio.sleep(0)
            return first, request.args["who"], g.who

    async def main() -> list[tuple[str, str, str]]:
        return await asyncio.gather(handle("a"), handle("b"))

    assert asyncio.run(main()) == [("a", "a", "a"), ("b", "b", "b")]


# --- stream_with_context ---------------------------------------------------------------


def test_stream_with_context_keeps_request_while_streaming(app: Erlen) -> None:
    events: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/stream")
    def stream() -> Any:
        g.greeting = "Hello"

        def generate() -> Iterator[str]:
            events.append("first chunk")
            yield g.greeting + " "
            yield request.args["name"]
            events.append("last chunk")
            yield "!"

        return app.response_class(stream_with_context(generate()))

    response = app.test_client().get("/stream?name=World")
    assert response.text == "Hello World!"
    response.close()
    assert "last chunk" in events
    assert events[-1] == "teardown"
    assert events.index("last chunk") < len(events) - 1
    assert not has_request_context()


def test_stream_with_context_closed_early_still_tears_down(app: Erlen) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("teardown"))

    @app.route("/partial")
    def partial() -> Any:
        def generate() -> Iterator[str]:
            try:
                for part in ("a", "b", "c"):
                    yield request.args.get("p", "") + part
            finally:
                events.append("generator closed")

        return app.response_class(stream_with_context(generate()))

    response = app.test_client().get("/partial?p=-", buffered=False)
    chunks = iter(response.response)
    assert next(chunks) == b"-a"
    response.close()
    assert "generator closed" in events
    assert events[-1] == "teardown"
    assert events.index("generator closed") < len(events) - 1


def test_stream_with_context_as_decorator(app: Erlen) -> None:
    @app.route("/decorated")
    def decorated() -> Any:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield request.args["a"]
            yield request.args["b"]

        return app.response_class(generate())

    response = app.test_client().get("/decorated?a=x&b=y")
    assert response.text == "xy"
    response.close()


def test_stream_with_context_outside_a_request_raises() -> None:
    with pytest.raises(RuntimeError):
        stream_with_context(iter(["a"]))
