"""Tests for request hooks, URL value hooks, context processors and the setup guard."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from erlen import Erlen, abort, current_app, g, request, url_for
from erlen import globals as ctx_globals


@pytest.fixture(autouse=True)
def _no_leaked_context() -> Iterator[None]:
    yield
    assert ctx_globals._cv_app.get(None) is None, "an application context leaked"
    assert ctx_globals._cv_request.get(None) is None, "a request context leaked"


@pytest.fixture
def app() -> Erlen:
    return Erlen(__name__)


def add_index(app: Erlen, calls: list[Any] | None = None) -> None:
    @app.route("/")
    def index() -> str:
        if calls is not None:
            calls.append("view")
        return "view"


# --- before_request ----------------------------------------------------------------------


def test_before_request_hooks_run_in_registration_order_before_the_view(app: Erlen) -> None:
    calls: list[Any] = []
    app.before_request(lambda: calls.append("first"))
    app.before_request(lambda: calls.append("second"))
    add_index(app, calls)

    assert app.test_client().get("/").text == "view"
    assert calls == ["first", "second", "view"]


def test_before_request_return_value_short_circuits(app: Erlen) -> None:
    calls: list[Any] = []

    @app.before_request
    def first() -> None:
        calls.append("first")

    @app.before_request
    def stop() -> str:
        calls.append("stop")
        return "stopped"

    @app.before_request
    def never() -> None:
        calls.append("never")

    @app.after_request
    def after(response: Any) -> Any:
        calls.append(("after", response.get_data(as_text=True)))
        return response

    add_index(app, calls)
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert response.text == "stopped"
    assert calls == ["first", "stop", ("after", "stopped")]


def test_before_request_may_return_a_tuple_with_status(app: Erlen) -> None:
    app.before_request(lambda: ("denied", 403, {"X-Why": "hook"}))
    add_index(app)
    response = app.test_client().get("/")
    assert response.status_code == 403
    assert response.text == "denied"
    assert response.headers["X-Why"] == "hook"


def test_before_request_returning_none_continues(app: Erlen) -> None:
    app.before_request(lambda: None)
    add_index(app)
    assert app.test_client().get("/").text == "view"


def test_before_request_can_abort_and_error_handler_answers(app: Erlen) -> None:
    calls: list[str] = []

    @app.before_request
    def guard() -> None:
        abort(401)

    @app.errorhandler(401)
    def unauthorized(error: Exception) -> tuple[str, int]:
        return "login first", 401

    @app.after_request
    def after(response: Any) -> Any:
        calls.append(f"after {response.status_code}")
        return response

    add_index(app, calls)
    response = app.test_client().get("/")
    assert response.status_code == 401
    assert response.text == "login first"
    assert calls == ["after 401"]


def test_before_request_sees_the_routed_request(app: Erlen) -> None:
    seen: list[Any] = []

    @app.before_request
    def inspect() -> None:
        seen.append((request.endpoint, request.view_args, current_app.name))

    @app.route("/item/<int:item_id>")
    def item(item_id: int) -> str:
        return str(item_id)

    app.test_client().get("/item/4")
    assert seen == [("item", {"item_id": 4}, app.name)]


def test_hooks_run_when_routing_fails_with_404(app: Erlen) -> None:
    calls: list[Any] = []
    app.url_value_preprocessor(lambda endpoint, values: calls.append(("uvp", endpoint, values)))
    app.before_request(lambda: calls.append("before"))

    @app.after_request
    def after(response: Any) -> Any:
        calls.append(("after", response.status_code))
        return response

    app.teardown_request(lambda exc: calls.append(("teardown", exc)))
    add_index(app, calls)

    assert app.test_client().get("/missing").status_code == 404
    assert calls == [("uvp", None, None), "before", ("after", 404), ("teardown", None)]


def test_before_request_can_answer_a_path_with_no_route(app: Erlen) -> None:
    @app.before_request
    def catch_all() -> str | None:
        if request.url_rule is None:
            return "caught"
        return None

    response = app.test_client().get("/nowhere")
    assert response.status_code == 200
    assert response.text == "caught"


def test_hooks_run_for_405(app: Erlen) -> None:
    calls: list[Any] = []
    app.before_request(lambda: calls.append("before"))

    @app.after_request
    def after(response: Any) -> Any:
        calls.append(("after", response.status_code))
        return response

    add_index(app, calls)
    assert app.test_client().post("/").status_code == 405
    assert calls == ["before", ("after", 405)]


# --- after_request -------------------------------------------------------------------------


def test_after_request_hooks_run_in_reverse_registration_order(app: Erlen) -> None:
    calls: list[str] = []

    def make(name: str) -> Callable[[Any], Any]:
        def hook(response: Any) -> Any:
            calls.append(name)
            return response

        return hook

    for name in ("first", "second", "third"):
        app.after_request(make(name))
    add_index(app)
    app.test_client().get("/")
    assert calls == ["third", "second", "first"]


def test_after_request_hooks_chain_the_response(app: Erlen) -> None:
    @app.after_request
    def outer(response: Any) -> Any:
        response.headers["X-Trail"] = response.headers["X-Trail"] + ",outer"
        return response

    @app.after_request
    def inner(response: Any) -> Any:
        response.headers["X-Trail"] = "inner"
        return response

    add_index(app)
    assert app.test_client().get("/").headers["X-Trail"] == "inner,outer"


def test_after_request_can_replace_the_response(app: Erlen) -> None:
    @app.after_request
    def replace(response: Any) -> Any:
        return app.response_class(f"replaced {response.get_data(as_text=True)}", status=201)

    add_index(app)
    response = app.test_client().get("/")
    assert response.status_code == 201
    assert response.text == "replaced view"


def test_after_request_runs_for_unhandled_error_500(app: Erlen) -> None:
    calls: list[int] = []

    @app.after_request
    def after(response: Any) -> Any:
        calls.append(response.status_code)
        return response

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError

    app.logger.disabled = True
    assert app.test_client().get("/boom").status_code == 500
    assert calls == [500]


def test_after_request_can_use_request_and_g(app: Erlen) -> None:
    app.before_request(lambda: setattr(g, "start", "s"))

    @app.after_request
    def after(response: Any) -> Any:
        response.headers["X-Info"] = f"{request.path}:{g.start}"
        return response

    add_index(app)
    assert app.test_client().get("/").headers["X-Info"] == "/:s"


# --- teardown -------------------------------------------------------------------------------


def test_teardown_request_receives_none_on_success(app: Erlen) -> None:
    seen: list[Any] = []
    app.teardown_request(seen.append)
    add_index(app)
    app.test_client().get("/")
    assert seen == [None]


def test_teardown_appcontext_receives_none_on_success(app: Erlen) -> None:
    seen: list[Any] = []
    app.teardown_appcontext(seen.append)
    add_index(app)
    app.test_client().get("/")
    assert seen == [None]


def test_teardown_receives_unhandled_exception_answered_with_500(app: Erlen) -> None:
    seen: list[Any] = []
    app.teardown_request(lambda exc: seen.append(("request", exc)))
    app.teardown_appcontext(lambda exc: seen.append(("app", exc)))
    error = ZeroDivisionError("boom")

    @app.route("/boom")
    def boom() -> str:
        raise error

    app.logger.disabled = True
    assert app.test_client().get("/boom").status_code == 500
    assert seen == [("request", error), ("app", error)]


def test_teardown_receives_propagated_exception(app: Erlen) -> None:
    app.testing = True
    seen: list[Any] = []
    app.teardown_request(lambda exc: seen.append(("request", exc)))
    app.teardown_appcontext(lambda exc: seen.append(("app", exc)))
    error = KeyError("boom")

    @app.route("/boom")
    def boom() -> str:
        raise error

    with pytest.raises(KeyError):
        app.test_client().get("/boom")
    assert seen == [("request", error), ("app", error)]


def test_teardown_receives_none_when_error_handler_handled_it(app: Erlen) -> None:
    seen: list[Any] = []
    app.teardown_request(seen.append)

    @app.errorhandler(ValueError)
    def handle(error: Exception) -> tuple[str, int]:
        return "handled", 400

    @app.route("/bad")
    def bad() -> str:
        raise ValueError("bad")

    @app.route("/abort")
    def aborts() -> str:
        abort(418)

    client = app.test_client()
    assert client.get("/bad").status_code == 400
    assert client.get("/abort").status_code == 418
    assert seen == [None, None]


def test_teardown_receives_base_exception_that_propagates(app: Erlen) -> None:
    seen: list[Any] = []
    app.teardown_request(seen.append)

    @app.route("/exit")
    def leave() -> str:
        raise SystemExit(3)

    with pytest.raises(SystemExit):
        app.test_client().get("/exit")
    assert len(seen) == 1
    assert isinstance(seen[0], SystemExit)


def test_should_ignore_error_hides_the_error_from_teardown(app: Erlen) -> None:
    seen: list[Any] = []
    app.teardown_request(seen.append)
    app.should_ignore_error = lambda error: True  # type: ignore[method-assign]

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError

    app.logger.disabled = True
    assert app.test_client().get("/boom").status_code == 500
    assert seen == [None]


def test_teardown_request_runs_in_reverse_registration_order(app: Erlen) -> None:
    calls: list[str] = []
    for name in ("first", "second", "third"):
        app.teardown_request(lambda exc, name=name: calls.append(name))
    add_index(app)
    app.test_client().get("/")
    assert calls == ["third", "second", "first"]


def test_teardown_appcontext_runs_in_reverse_registration_order(app: Erlen) -> None:
    calls: list[str] = []
    for name in ("first", "second", "third"):
        app.teardown_appcontext(lambda exc, name=name: calls.append(name))
    with app.app_context():
        pass
    assert calls == ["third", "second", "first"]


def test_teardown_request_runs_before_teardown_appcontext(app: Erlen) -> None:
    calls: list[str] = []
    app.teardown_appcontext(lambda exc: calls.append("appcontext"))
    app.teardown_request(lambda exc: calls.append("request"))
    add_index(app)
    app.test_client().get("/")
    assert calls == ["request", "appcontext"]


def test_teardown_request_runs_when_test_request_context_pops(app: Erlen) -> None:
    seen: list[Any] = []
    app.teardown_request(seen.append)
    with app.test_request_context():
        assert seen == []
    assert seen == [None]


def test_teardown_appcontext_not_run_by_request_reusing_outer_app_context(app: Erlen) -> None:
    seen: list[Any] = []
    app.teardown_appcontext(seen.append)
    with app.app_context():
        with app.test_request_context():
            pass
        assert seen == []
    assert seen == [None]


def test_all_teardown_request_functions_run_when_one_raises(app: Erlen) -> None:
    calls: list[str] = []

    @app.teardown_request
    def first(exc: BaseException | None) -> None:
        calls.append("first")

    @app.teardown_request
    def second(exc: BaseException | None) -> None:
        calls.append("second")
        raise ValueError("from second")

    @app.teardown_request
    def third(exc: BaseException | None) -> None:
        calls.append("third")

    app.teardown_appcontext(lambda exc: calls.append("appcontext"))
    add_index(app)

    with pytest.raises(ValueError, match="from second"):
        app.test_client().get("/")
    assert calls == ["third", "second", "first", "appcontext"]


def test_first_teardown_error_is_reraised_after_all_ran(app: Erlen) -> None:
    calls: list[str] = []

    @app.teardown_request
    def registered_first(exc: BaseException | None) -> None:
        calls.append("registered_first")
        raise KeyError("runs last")

    @app.teardown_request
    def registered_second(exc: BaseException | None) -> None:
        calls.append("registered_second")
        raise ValueError("runs first")

    app.logger.disabled = True
    with pytest.raises(ValueError, match="runs first"), app.test_request_context():
        pass
    assert calls == ["registered_second", "registered_first"]


def test_all_teardown_appcontext_functions_run_when_one_raises(app: Erlen) -> None:
    calls: list[str] = []

    @app.teardown_appcontext
    def first(exc: BaseException | None) -> None:
        calls.append("first")

    @app.teardown_appcontext
    def second(exc: BaseException | None) -> None:
        calls.append("second")
        raise RuntimeError("from second")

    @app.teardown_appcontext
    def third(exc: BaseException | None) -> None:
        calls.append("third")

    with pytest.raises(RuntimeError, match="from second"), app.app_context():
        pass
    assert calls == ["third", "second", "first"]


# --- URL value hooks ---------------------------------------------------------------------------


def test_url_value_preprocessor_runs_before_before_request(app: Erlen) -> None:
    calls: list[Any] = []
    app.before_request(lambda: calls.append("before"))
    app.url_value_preprocessor(lambda endpoint, values: calls.append((endpoint, dict(values))))

    @app.route("/page/<int:number>")
    def page(number: int) -> str:
        calls.append("view")
        return str(number)

    assert app.test_client().get("/page/3").text == "3"
    assert calls == [("page", {"number": 3}), "before", "view"]


def test_url_value_preprocessor_can_pop_view_args(app: Erlen) -> None:
    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.lang = values.pop("lang") if values else None

    @app.route("/<lang>/about")
    def about() -> str:
        return f"about in {g.lang} {sorted(request.view_args)}"

    assert app.test_client().get("/de/about").text == "about in de []"


def test_url_value_preprocessors_run_in_registration_order(app: Erlen) -> None:
    calls: list[str] = []
    app.url_value_preprocessor(lambda endpoint, values: calls.append("first"))
    app.url_value_preprocessor(lambda endpoint, values: calls.append("second"))
    add_index(app)
    app.test_client().get("/")
    assert calls == ["first", "second"]


def test_url_defaults_fill_values_in_url_for(app: Erlen) -> None:
    seen: list[str] = []

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        seen.append(endpoint)
        if "lang" in values or not app.url_map.is_endpoint_expecting(endpoint, "lang"):
            return
        values["lang"] = g.get("lang", "en")

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.lang = values.pop("lang", None) if values else None

    @app.route("/<lang>/about")
    def about() -> str:
        return url_for("about")

    @app.route("/plain")
    def plain() -> str:
        return url_for("plain")

    client = app.test_client()
    assert client.get("/fr/about").text == "/fr/about"
    assert client.get("/plain").text == "/plain"
    with app.test_request_context():
        assert url_for("about") == "/en/about"
        assert url_for("about", lang="it") == "/it/about"
    assert "about" in seen
    assert "plain" in seen


def test_url_defaults_apply_inside_app_context_with_server_name(app: Erlen) -> None:
    app.config["SERVER_NAME"] = "example.com"
    app.url_defaults(lambda endpoint, values: values.setdefault("page", 1))

    @app.route("/list/<int:page>")
    def listing(page: int) -> str:
        return str(page)

    with app.app_context():
        assert url_for("listing") == "http://example.com/list/1"
        assert url_for("listing", page=5) == "http://example.com/list/5"


# --- context processors ------------------------------------------------------------------------


def test_context_processor_is_registered_for_the_app(app: Erlen) -> None:
    processors = app.template_context_processors[None]
    before = len(processors)

    @app.context_processor
    def extra() -> dict[str, Any]:
        return {"answer": 42}

    assert extra() == {"answer": 42}
    assert len(app.template_context_processors[None]) == before + 1
    assert app.template_context_processors[None][-1] is extra


def test_default_context_processor_exposes_g_and_request_not_session(app: Erlen) -> None:
    # The session is left out so that rendering a template does not open it.
    default = app.template_context_processors[None][0]
    with app.test_request_context("/x"):
        values = default()
        assert set(values) == {"g", "request"}
        assert values["request"].path == "/x"
        assert values["g"] is g._get_current_object()
    with app.app_context():
        assert set(default()) == {"g"}


def test_shell_context_processor_adds_to_make_shell_context(app: Erlen) -> None:
    @app.shell_context_processor
    def first() -> dict[str, Any]:
        return {"a": 1, "shared": "first"}

    @app.shell_context_processor
    def second() -> dict[str, Any]:
        return {"b": 2, "shared": "second"}

    assert app.shell_context_processors == [first, second]
    with app.app_context():
        g.marker = "here"
        namespace = app.make_shell_context()
        assert namespace["app"] is app
        assert namespace["g"].marker == "here"
        assert namespace["a"] == 1
        assert namespace["b"] == 2
        assert namespace["shared"] == "second"


def test_make_shell_context_without_processors(app: Erlen) -> None:
    with app.app_context():
        assert set(app.make_shell_context()) == {"app", "g"}


# --- setup guard ---------------------------------------------------------------------------------


def _noop(*args: Any) -> None:
    return None


SETUP_CALLS: list[tuple[str, Callable[[Erlen], Any]]] = [
    ("route", lambda app: app.route("/late")),
    ("get", lambda app: app.get("/late")),
    ("post", lambda app: app.post("/late")),
    ("add_url_rule", lambda app: app.add_url_rule("/late", "late", _noop)),
    ("endpoint", lambda app: app.endpoint("late")),
    ("before_request", lambda app: app.before_request(_noop)),
    ("after_request", lambda app: app.after_request(_noop)),
    ("teardown_request", lambda app: app.teardown_request(_noop)),
    ("teardown_appcontext", lambda app: app.teardown_appcontext(_noop)),
    ("errorhandler", lambda app: app.errorhandler(404)),
    ("register_error_handler", lambda app: app.register_error_handler(404, _noop)),
    ("url_value_preprocessor", lambda app: app.url_value_preprocessor(_noop)),
    ("url_defaults", lambda app: app.url_defaults(_noop)),
    ("context_processor", lambda app: app.context_processor(_noop)),
    ("shell_context_processor", lambda app: app.shell_context_processor(_noop)),
]


@pytest.mark.parametrize(("name", "call"), SETUP_CALLS, ids=[name for name, _ in SETUP_CALLS])
def test_setup_method_after_first_request_raises(
    app: Erlen, name: str, call: Callable[[Erlen], Any]
) -> None:
    add_index(app)
    app.test_client().get("/")
    with pytest.raises(AssertionError) as info:
        call(app)
    message = str(info.value)
    assert f"'{name}'" in message
    assert "first request" in message


def test_setup_guard_triggered_by_a_404_first_request(app: Erlen) -> None:
    app.test_client().get("/missing")
    with pytest.raises(AssertionError):
        app.before_request(_noop)


def test_setup_allowed_after_test_request_context_and_app_context(app: Erlen) -> None:
    with app.test_request_context():
        pass
    with app.app_context():
        pass
    app.before_request(_noop)

    @app.route("/later")
    def later() -> str:
        return "later"

    assert app.test_client().get("/later").text == "later"


def test_make_shell_context_works_outside_an_app_context(app: Erlen) -> None:
    """As in Flask, ``g`` is the proxy, usable once a context is pushed."""
    namespace = app.make_shell_context()
    assert namespace["app"] is app
    with app.app_context():
        namespace["g"].marker = "later"
        assert g.marker == "later"
