"""Blueprints through real WSGI calls: endpoints, prefixes, subdomains, defaults,
deferred setup, registration rules, nesting, scoped hooks and handlers, static
files, and CLI groups.

Expectations are Flask 3.1's (checked by running this module against Flask with
``import flask as erlen``), except ``test_routing_404_under_blueprint_prefix_uses_
blueprint_handler``, an erlen extension that contradicts Flask on purpose.
"""

from __future__ import annotations

import typing as t

import click
import pytest
from werkzeug.exceptions import HTTPException, NotFound

from erlen import Blueprint, Erlen, abort, current_app, g, request, url_for
from erlen.blueprints import BlueprintSetupState


@pytest.fixture
def app() -> Erlen:
    return Erlen(__name__)


def get_text(app: Erlen, url: str, **kwargs: t.Any) -> tuple[int, str]:
    rv = app.test_client().get(url, **kwargs)
    return rv.status_code, rv.get_data(as_text=True)


def endpoints(app: Erlen) -> dict[str, str]:
    """endpoint -> rule string, for every rule but the app's static one."""
    return {
        rule.endpoint: rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"
    }


# --- endpoints, prefixes, defaults ------------------------------------------------


def test_blueprint_endpoint_decorator_names_the_endpoint_in_full(app: Erlen) -> None:
    from werkzeug.routing import Rule

    app.url_map.add(Rule("/bar", endpoint="bar"))
    app.url_map.add(Rule("/bp-page", endpoint="bp.page"))
    bp = Blueprint("bp", __name__)

    @bp.endpoint("bar")
    def bar() -> str:
        return "bar"

    @bp.endpoint("bp.page")
    def page() -> str:
        return "page"

    app.register_blueprint(bp)
    assert app.view_functions["bar"] is bar
    assert "bp.bar" not in app.view_functions
    assert get_text(app, "/bar") == (200, "bar")
    assert get_text(app, "/bp-page") == (200, "page")


def test_blueprint_route_endpoint_is_prefixed_with_blueprint_name(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)

    @bp.route("/hello")
    def hello() -> str:
        return "hello from bp"

    app.register_blueprint(bp)

    assert endpoints(app) == {"bp.hello": "/hello"}
    assert app.view_functions["bp.hello"] is hello
    assert get_text(app, "/hello") == (200, "hello from bp")


def test_blueprint_add_url_rule_with_explicit_endpoint(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/a", "alpha", lambda: "a")
    app.register_blueprint(bp)

    assert endpoints(app) == {"bp.alpha": "/a"}
    assert get_text(app, "/a") == (200, "a")


def test_blueprint_url_prefix_from_constructor(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/api")

    @bp.route("/items")
    def items() -> str:
        return "items"

    app.register_blueprint(bp)

    assert get_text(app, "/api/items") == (200, "items")
    assert get_text(app, "/items")[0] == 404


def test_register_blueprint_url_prefix_overrides_constructor_prefix(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/old")

    @bp.route("/items")
    def items() -> str:
        return "items"

    app.register_blueprint(bp, url_prefix="/new")

    assert get_text(app, "/new/items") == (200, "items")
    assert get_text(app, "/old/items")[0] == 404


@pytest.mark.parametrize(
    ("prefix", "rule", "expected"),
    [
        ("/api", "/x", "/api/x"),
        ("/api/", "/x", "/api/x"),
        ("/api", "x", "/api/x"),
        ("/api/", "x", "/api/x"),
        ("/api", "/", "/api/"),
        ("/api", "", "/api"),
    ],
)
def test_url_prefix_joins_rule_with_single_slash(
    app: Erlen, prefix: str, rule: str, expected: str
) -> None:
    bp = Blueprint("bp", __name__, url_prefix=prefix)
    bp.add_url_rule(rule, "view", lambda: "ok")
    app.register_blueprint(bp)

    assert endpoints(app) == {"bp.view": expected}
    assert get_text(app, expected) == (200, "ok")


def test_blueprint_url_defaults_are_passed_to_views(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_defaults={"lang": "en"})

    @bp.route("/page")
    def page(lang: str) -> str:
        return f"page:{lang}"

    app.register_blueprint(bp)

    assert get_text(app, "/page") == (200, "page:en")


def test_register_blueprint_url_defaults_merge_over_blueprint_defaults(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_defaults={"lang": "en", "region": "us"})

    @bp.route("/page")
    def page(lang: str, region: str) -> str:
        return f"{lang}-{region}"

    app.register_blueprint(bp, url_defaults={"lang": "de"})

    assert get_text(app, "/page") == (200, "de-us")


def test_rule_defaults_merge_with_blueprint_url_defaults(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_defaults={"lang": "en", "size": 10})

    @bp.route("/list", defaults={"size": 20, "page": 1})
    def listing(lang: str, size: int, page: int) -> str:
        return f"{lang} {size} {page}"

    app.register_blueprint(bp)

    assert get_text(app, "/list") == (200, "en 20 1")


def test_endpoint_with_dot_is_rejected() -> None:
    bp = Blueprint("bp", __name__)

    with pytest.raises(ValueError, match="endpoint"):
        bp.add_url_rule("/x", "a.b", lambda: "x")


def test_view_function_name_with_dot_is_rejected() -> None:
    bp = Blueprint("bp", __name__)

    def view() -> str:
        return "x"

    view.__name__ = "a.b"

    with pytest.raises(ValueError, match="view_func"):
        bp.add_url_rule("/x", view_func=view)


def test_blueprint_methods_and_http_verb_shortcuts(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.post("/thing")
    def create() -> str:
        return "created"

    @bp.route("/both", methods=["GET", "PUT"])
    def both() -> str:
        return request.method

    app.register_blueprint(bp)
    client = app.test_client()

    assert client.post("/bp/thing").get_data(as_text=True) == "created"
    assert client.get("/bp/thing").status_code == 405
    assert client.put("/bp/both").get_data(as_text=True) == "PUT"
    assert client.delete("/bp/both").status_code == 405


# --- subdomains ------------------------------------------------------------------


def make_subdomain_app() -> Erlen:
    app = Erlen(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    return app


def test_blueprint_subdomain_routes_only_match_that_subdomain() -> None:
    app = make_subdomain_app()
    bp = Blueprint("api", __name__, subdomain="api")

    @bp.route("/x")
    def x() -> str:
        return f"api {request.host}"

    app.register_blueprint(bp)

    assert get_text(app, "/x", base_url="http://api.example.test") == (
        200,
        "api api.example.test",
    )
    assert get_text(app, "/x", base_url="http://example.test")[0] == 404
    assert get_text(app, "/x", base_url="http://other.example.test")[0] == 404


def test_register_blueprint_subdomain_overrides_constructor_subdomain() -> None:
    app = make_subdomain_app()
    bp = Blueprint("api", __name__, subdomain="api")
    bp.add_url_rule("/x", "x", lambda: "x")
    app.register_blueprint(bp, subdomain="admin")

    assert get_text(app, "/x", base_url="http://admin.example.test") == (200, "x")
    assert get_text(app, "/x", base_url="http://api.example.test")[0] == 404


def test_nested_subdomains_are_joined_child_dot_parent() -> None:
    app = make_subdomain_app()
    parent = Blueprint("parent", __name__, subdomain="api")
    child = Blueprint("child", __name__, subdomain="v1")

    @child.route("/x")
    def x() -> str:
        return url_for(".x", _external=True)

    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert get_text(app, "/x", base_url="http://v1.api.example.test") == (
        200,
        "http://v1.api.example.test/x",
    )
    assert get_text(app, "/x", base_url="http://api.example.test")[0] == 404
    assert get_text(app, "/x", base_url="http://v1.example.test")[0] == 404


def test_nested_child_inherits_parent_subdomain_when_it_has_none() -> None:
    app = make_subdomain_app()
    parent = Blueprint("parent", __name__, subdomain="api")
    child = Blueprint("child", __name__)
    child.add_url_rule("/c", "c", lambda: "child")
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert get_text(app, "/c", base_url="http://api.example.test") == (200, "child")
    assert get_text(app, "/c", base_url="http://example.test")[0] == 404


# --- deferred setup: record, record_once, setup state --------------------------------


def test_record_runs_on_every_registration(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)
    seen: list[tuple[str, bool]] = []
    bp.record(lambda state: seen.append((state.name, state.first_registration)))

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="other")

    assert seen == [("bp", True), ("other", False)]


def test_record_once_runs_once_per_app_even_under_two_names() -> None:
    bp = Blueprint("bp", __name__)
    seen: list[t.Any] = []
    bp.record_once(lambda state: seen.append(state.app))

    first = Erlen(__name__)
    first.register_blueprint(bp)
    first.register_blueprint(bp, name="other")
    assert seen == [first]

    second = Erlen(__name__)
    second.register_blueprint(bp)
    assert seen == [first, second]


def test_record_once_keeps_function_metadata() -> None:
    bp = Blueprint("bp", __name__)

    def setup_thing(state: BlueprintSetupState) -> None:
        """Set the thing up."""

    bp.record_once(setup_thing)

    recorded = bp.deferred_functions[-1]
    assert recorded.__name__ == "setup_thing"
    assert recorded.__doc__ == "Set the thing up."


def test_setup_state_attributes(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp", subdomain="sub", url_defaults={"a": 1})
    states: list[BlueprintSetupState] = []
    bp.record(states.append)

    app.register_blueprint(bp, url_defaults={"b": 2}, custom="yes")
    app.register_blueprint(bp, name="other", url_prefix="/o", subdomain="s2")

    first, second = states
    assert isinstance(first, BlueprintSetupState)
    assert first.app is app
    assert first.blueprint is bp
    assert first.options == {"url_defaults": {"b": 2}, "custom": "yes"}
    assert first.first_registration is True
    assert first.url_prefix == "/bp"
    assert first.subdomain == "sub"
    assert first.name == "bp"
    assert first.name_prefix == ""
    assert first.url_defaults == {"a": 1, "b": 2}

    assert second.first_registration is False
    assert second.name == "other"
    assert second.url_prefix == "/o"
    assert second.subdomain == "s2"
    assert second.url_defaults == {"a": 1}


def test_setup_state_of_nested_blueprint_has_parent_name_prefix_and_joined_url(
    app: Erlen,
) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    states: list[BlueprintSetupState] = []
    child.record(states.append)
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    (state,) = states
    assert state.app is app
    assert state.blueprint is child
    assert state.name == "child"
    assert state.name_prefix == "parent"
    assert state.url_prefix == "/p/c"
    assert state.options["name_prefix"] == "parent"


def test_setup_state_add_url_rule_registers_prefixed_rule(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    bp.record(lambda state: state.add_url_rule("/direct", "direct", lambda: "direct"))
    app.register_blueprint(bp)

    assert endpoints(app) == {"bp.direct": "/bp/direct"}
    assert get_text(app, "/bp/direct") == (200, "direct")


def test_make_setup_state_can_be_overridden(app: Erlen) -> None:
    class MyState(BlueprintSetupState):
        pass

    class MyBlueprint(Blueprint):
        def make_setup_state(
            self, app: t.Any, options: dict[str, t.Any], first_registration: bool = False
        ) -> BlueprintSetupState:
            return MyState(self, app, options, first_registration)

    bp = MyBlueprint("bp", __name__)
    states: list[BlueprintSetupState] = []
    bp.record(states.append)
    bp.add_url_rule("/x", "x", lambda: "x")
    app.register_blueprint(bp)

    assert type(states[0]) is MyState
    assert get_text(app, "/x") == (200, "x")


def test_make_setup_state_default(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    state = bp.make_setup_state(app, {"url_prefix": "/z"})

    assert isinstance(state, BlueprintSetupState)
    assert state.first_registration is False
    assert state.url_prefix == "/z"
    assert state.name == "bp"


# --- registration rules ------------------------------------------------------------


def test_registering_same_blueprint_twice_without_new_name_fails(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)

    with pytest.raises(ValueError, match="'bp' is already registered"):
        app.register_blueprint(bp)


def test_registering_different_blueprint_with_taken_name_fails(app: Erlen) -> None:
    app.register_blueprint(Blueprint("bp", __name__))

    with pytest.raises(ValueError, match="already registered for a different blueprint"):
        app.register_blueprint(Blueprint("bp", __name__))


def test_registering_same_blueprint_under_new_name_gives_separate_endpoints(
    app: Erlen,
) -> None:
    bp = Blueprint("bp", __name__)

    @bp.route("/view")
    def view() -> str:
        return f"{request.endpoint} {request.blueprint}"

    app.register_blueprint(bp, url_prefix="/one")
    app.register_blueprint(bp, name="other", url_prefix="/two")

    assert endpoints(app) == {"bp.view": "/one/view", "other.view": "/two/view"}
    assert get_text(app, "/one/view") == (200, "bp.view bp")
    assert get_text(app, "/two/view") == (200, "other.view other")
    assert app.blueprints == {"bp": bp, "other": bp}


def test_hooks_apply_under_every_registered_name(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)

    @bp.after_request
    def tag(response: t.Any) -> t.Any:
        response.headers["X-Bp"] = request.blueprint
        return response

    bp.add_url_rule("/v", "v", lambda: "v")
    app.register_blueprint(bp, url_prefix="/one")
    app.register_blueprint(bp, name="other", url_prefix="/two")
    client = app.test_client()

    assert client.get("/one/v").headers["X-Bp"] == "bp"
    assert client.get("/two/v").headers["X-Bp"] == "other"


def test_blueprint_name_with_dot_is_rejected() -> None:
    with pytest.raises(ValueError, match="dot"):
        Blueprint("a.b", __name__)


def test_empty_blueprint_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty"):
        Blueprint("", __name__)


@pytest.mark.parametrize(
    "change",
    [
        lambda bp: bp.route("/late")(lambda: "late"),
        lambda bp: bp.before_request(lambda: None),
        lambda bp: bp.errorhandler(404)(lambda e: "x"),
        lambda bp: bp.record(lambda state: None),
        lambda bp: bp.register_blueprint(Blueprint("late", __name__)),
    ],
    ids=["route", "before_request", "errorhandler", "record", "register_blueprint"],
)
def test_changing_blueprint_after_registration_fails(
    app: Erlen, change: t.Callable[[Blueprint], t.Any]
) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)

    with pytest.raises(AssertionError, match=r"(?s)blueprint 'bp'.*registered"):
        change(bp)


def test_registering_blueprint_on_itself_fails() -> None:
    bp = Blueprint("bp", __name__)

    with pytest.raises(ValueError, match="itself"):
        bp.register_blueprint(bp)


def test_app_blueprints_and_iter_blueprints_in_registration_order(app: Erlen) -> None:
    first = Blueprint("first", __name__)
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    parent.register_blueprint(child)

    app.register_blueprint(first)
    app.register_blueprint(parent, url_prefix="/p")

    assert list(app.blueprints) == ["first", "parent", "parent.child"]
    assert app.blueprints["parent.child"] is child
    assert list(app.iter_blueprints()) == [first, parent, child]


def test_blueprint_repr_and_name(app: Erlen) -> None:
    bp = Blueprint("shop", __name__)

    assert bp.name == "shop"
    assert bp.import_name == __name__
    assert "shop" in repr(bp)


# --- nesting -----------------------------------------------------------------------


def make_nested_app() -> Erlen:
    """app -> parent (/parent) -> child (/child), with views echoing the blueprint."""
    app = Erlen(__name__)
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @app.route("/")
    def index() -> str:
        return f"{request.blueprint!r} {request.blueprints!r}"

    @parent.route("/")
    def parent_index() -> str:
        return f"{request.blueprint} {request.blueprints!r}"

    @child.route("/view")
    def view() -> str:
        return f"{request.blueprint} {request.blueprints!r}"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    return app


def test_nested_blueprint_endpoints_are_dotted() -> None:
    app = make_nested_app()

    assert endpoints(app) == {
        "index": "/",
        "parent.parent_index": "/parent/",
        "parent.child.view": "/parent/child/view",
    }


def test_request_blueprint_and_blueprints_for_nested_request() -> None:
    app = make_nested_app()

    assert get_text(app, "/parent/child/view") == (
        200,
        "parent.child ['parent.child', 'parent']",
    )
    assert get_text(app, "/parent/") == (200, "parent ['parent']")
    assert get_text(app, "/") == (200, "None []")


def test_three_levels_of_nesting(app: Erlen) -> None:
    a = Blueprint("a", __name__, url_prefix="/a")
    b = Blueprint("b", __name__, url_prefix="/b")
    c = Blueprint("c", __name__, url_prefix="/c")

    @c.route("/leaf")
    def leaf() -> str:
        return f"{request.endpoint} {request.blueprints!r} {url_for('.leaf')}"

    b.register_blueprint(c)
    a.register_blueprint(b)
    app.register_blueprint(a)

    assert endpoints(app) == {"a.b.c.leaf": "/a/b/c/leaf"}
    assert list(app.blueprints) == ["a", "a.b", "a.b.c"]
    assert get_text(app, "/a/b/c/leaf") == (
        200,
        "a.b.c.leaf ['a.b.c', 'a.b', 'a'] /a/b/c/leaf",
    )


@pytest.mark.parametrize(
    ("parent_prefix", "child_prefix", "expected"),
    [
        ("/parent", "/child", "/parent/child/view"),
        ("/parent/", "/child/", "/parent/child/view"),
        ("/parent/", "/child", "/parent/child/view"),
        ("/parent", "child/", "/parent/child/view"),
        ("/parent", "child", "/parent/child/view"),
        (None, "/child", "/child/view"),
        ("/parent", None, "/parent/view"),
        (None, None, "/view"),
    ],
)
def test_nested_url_prefixes_join_with_single_slash(
    app: Erlen, parent_prefix: str | None, child_prefix: str | None, expected: str
) -> None:
    parent = Blueprint("parent", __name__, url_prefix=parent_prefix)
    child = Blueprint("child", __name__, url_prefix=child_prefix)
    child.add_url_rule("/view", "view", lambda: "ok")
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert endpoints(app) == {"parent.child.view": expected}
    assert get_text(app, expected) == (200, "ok")


def test_nested_register_blueprint_url_prefix_option_overrides_child_prefix(
    app: Erlen,
) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__, url_prefix="/ignored")
    child.add_url_rule("/view", "view", lambda: "ok")
    parent.register_blueprint(child, url_prefix="/kid")
    app.register_blueprint(parent, url_prefix="/p")

    assert endpoints(app) == {"parent.child.view": "/p/kid/view"}


def test_nested_blueprint_under_renamed_parent(app: Erlen) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    @child.route("/view")
    def view() -> str:
        return f"{request.blueprint} {url_for('.view')}"

    parent.register_blueprint(child)
    app.register_blueprint(parent, url_prefix="/one")
    app.register_blueprint(parent, name="other", url_prefix="/two")

    assert endpoints(app) == {
        "parent.child.view": "/one/view",
        "other.child.view": "/two/view",
    }
    assert get_text(app, "/one/view") == (200, "parent.child /one/view")
    assert get_text(app, "/two/view") == (200, "other.child /two/view")


def test_nested_child_registered_with_its_own_name_option(app: Erlen) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__)
    child.add_url_rule("/view", "view", lambda: request.endpoint)
    parent.register_blueprint(child, name="kid")
    app.register_blueprint(parent)

    assert list(app.blueprints) == ["parent", "parent.kid"]
    assert get_text(app, "/p/view") == (200, "parent.kid.view")


# --- url_for -----------------------------------------------------------------------


def test_url_for_relative_endpoint_resolves_in_current_blueprint(app: Erlen) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @app.route("/view")
    def view() -> str:
        return url_for(".view")

    @parent.route("/view")
    def parent_view() -> str:
        return url_for(".parent_view")

    @child.route("/view")
    def child_view() -> str:
        return url_for(".child_view", q=1)

    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert get_text(app, "/view") == (200, "/view")
    assert get_text(app, "/parent/view") == (200, "/parent/view")
    assert get_text(app, "/parent/child/view") == (200, "/parent/child/view?q=1")


def test_url_for_full_dotted_endpoint_from_anywhere(app: Erlen) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")
    other = Blueprint("other", __name__, url_prefix="/other")

    @child.route("/item/<int:item_id>")
    def item(item_id: int) -> str:
        return str(item_id)

    @other.route("/link")
    def link() -> str:
        return url_for("parent.child.item", item_id=3)

    @app.route("/link")
    def app_link() -> str:
        return url_for("parent.child.item", item_id=4)

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.register_blueprint(other)

    assert get_text(app, "/other/link") == (200, "/parent/child/item/3")
    assert get_text(app, "/link") == (200, "/parent/child/item/4")
    with app.test_request_context():
        assert url_for("parent.child.item", item_id=5) == "/parent/child/item/5"


def test_url_for_blueprint_static_endpoint(tmp_path: t.Any, app: Erlen) -> None:
    (tmp_path / "static").mkdir()
    bp = Blueprint(
        "bp",
        __name__,
        static_folder="static",
        static_url_path="/assets",
        url_prefix="/bp",
        root_path=str(tmp_path),
    )
    app.register_blueprint(bp)

    with app.test_request_context():
        assert url_for("bp.static", filename="css/site.css") == "/bp/assets/css/site.css"


# --- scoped request hooks ------------------------------------------------------------


def make_hooked_app(calls: list[str]) -> Erlen:
    """app, parent (/parent) and child (/parent/child) with before, after and teardown
    hooks recording their scope."""
    app = Erlen(__name__)
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    for scope_name, scope in (("app", app), ("parent", parent), ("child", child)):

        def before(scope_name: str = scope_name) -> None:
            calls.append(f"before:{scope_name}")

        def after(response: t.Any, scope_name: str = scope_name) -> t.Any:
            calls.append(f"after:{scope_name}")
            return response

        def teardown(exc: BaseException | None, scope_name: str = scope_name) -> None:
            calls.append(f"teardown:{scope_name}")

        scope.before_request(before)
        scope.after_request(after)
        scope.teardown_request(teardown)

    app.add_url_rule("/", "index", lambda: calls.append("view:app") or "app")
    parent.add_url_rule("/", "index", lambda: calls.append("view:parent") or "parent")
    child.add_url_rule("/", "index", lambda: calls.append("view:child") or "child")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    return app


def test_hook_order_for_nested_blueprint_request() -> None:
    calls: list[str] = []
    app = make_hooked_app(calls)

    assert get_text(app, "/parent/child/") == (200, "child")
    assert calls == [
        "before:app",
        "before:parent",
        "before:child",
        "view:child",
        "after:child",
        "after:parent",
        "after:app",
        "teardown:child",
        "teardown:parent",
        "teardown:app",
    ]


def test_parent_hooks_do_not_include_child_hooks() -> None:
    calls: list[str] = []
    app = make_hooked_app(calls)

    assert get_text(app, "/parent/") == (200, "parent")
    assert calls == [
        "before:app",
        "before:parent",
        "view:parent",
        "after:parent",
        "after:app",
        "teardown:parent",
        "teardown:app",
    ]


def test_app_request_runs_only_app_hooks() -> None:
    calls: list[str] = []
    app = make_hooked_app(calls)

    assert get_text(app, "/") == (200, "app")
    assert calls == ["before:app", "view:app", "after:app", "teardown:app"]


def test_unmatched_url_runs_only_app_hooks() -> None:
    calls: list[str] = []
    app = make_hooked_app(calls)

    assert get_text(app, "/parent/child/missing")[0] == 404
    assert calls == ["before:app", "after:app", "teardown:app"]


def test_hooks_in_one_blueprint_run_in_registration_order_and_reverse(app: Erlen) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__)

    @bp.before_request
    def before_one() -> None:
        calls.append("before1")

    @bp.before_request
    def before_two() -> None:
        calls.append("before2")

    @bp.after_request
    def after_one(response: t.Any) -> t.Any:
        calls.append("after1")
        return response

    @bp.after_request
    def after_two(response: t.Any) -> t.Any:
        calls.append("after2")
        return response

    @bp.teardown_request
    def teardown_one(exc: BaseException | None) -> None:
        calls.append("teardown1")

    @bp.teardown_request
    def teardown_two(exc: BaseException | None) -> None:
        calls.append("teardown2")

    bp.add_url_rule("/", "index", lambda: "ok")
    app.register_blueprint(bp)
    app.test_client().get("/")

    assert calls == ["before1", "before2", "after2", "after1", "teardown2", "teardown1"]


def test_blueprint_before_request_return_value_short_circuits_view(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    views: list[str] = []

    @bp.before_request
    def deny() -> t.Any:
        return "denied", 403

    @bp.after_request
    def tag(response: t.Any) -> t.Any:
        response.headers["X-After"] = "yes"
        return response

    @bp.route("/secret")
    def secret() -> str:
        views.append("secret")
        return "secret"

    app.add_url_rule("/open", "open", lambda: "open")
    app.register_blueprint(bp)
    client = app.test_client()

    rv = client.get("/bp/secret")
    assert (rv.status_code, rv.get_data(as_text=True)) == (403, "denied")
    assert rv.headers["X-After"] == "yes"
    assert views == []

    rv = client.get("/open")
    assert (rv.status_code, rv.get_data(as_text=True)) == (200, "open")
    assert "X-After" not in rv.headers


def test_blueprint_teardown_receives_unhandled_exception(app: Erlen) -> None:
    app.testing = True
    bp = Blueprint("bp", __name__)
    errors: list[BaseException | None] = []

    @bp.teardown_request
    def record(exc: BaseException | None) -> None:
        errors.append(exc)

    @bp.route("/boom")
    def boom() -> str:
        raise KeyError("boom")

    app.register_blueprint(bp)

    with pytest.raises(KeyError):
        app.test_client().get("/boom")
    assert len(errors) == 1
    assert isinstance(errors[0], KeyError)


def test_app_variants_of_hooks_apply_to_every_request(app: Erlen) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.before_app_request
    def before() -> None:
        calls.append(f"before:{request.endpoint}")

    @bp.after_app_request
    def after(response: t.Any) -> t.Any:
        calls.append(f"after:{request.endpoint}")
        return response

    @bp.teardown_app_request
    def teardown(exc: BaseException | None) -> None:
        calls.append(f"teardown:{request.endpoint}")

    bp.add_url_rule("/x", "x", lambda: "bp")
    app.add_url_rule("/", "index", lambda: "app")
    app.register_blueprint(bp)
    client = app.test_client()

    assert client.get("/").get_data(as_text=True) == "app"
    assert calls == ["before:index", "after:index", "teardown:index"]
    calls.clear()
    assert client.get("/bp/x").get_data(as_text=True) == "bp"
    assert calls == ["before:bp.x", "after:bp.x", "teardown:bp.x"]


def test_app_variants_of_hooks_are_added_once_for_two_registrations(app: Erlen) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__)

    @bp.before_app_request
    def before() -> None:
        calls.append("before")

    app.add_url_rule("/", "index", lambda: "app")
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="other")
    app.test_client().get("/")

    assert calls == ["before"]


# --- scoped error handlers -------------------------------------------------------------


class ShopError(Exception):
    pass


def make_error_app() -> Erlen:
    """app, parent (/parent) and child (/parent/child) each handling ShopError; extra
    blueprint ``plain`` (/plain) without handlers; every scope has a /boom view."""
    app = Erlen(__name__)
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")
    plain = Blueprint("plain", __name__, url_prefix="/plain")

    def boom() -> str:
        raise ShopError()

    for scope_name, scope in (("app", app), ("parent", parent), ("child", child)):
        scope.register_error_handler(
            ShopError, lambda e, scope_name=scope_name: (f"handled by {scope_name}", 418)
        )
    for scope in (app, parent, child, plain):
        scope.add_url_rule("/boom", "boom", boom)

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.register_blueprint(plain)
    return app


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/boom", "handled by app"),
        ("/parent/boom", "handled by parent"),
        ("/parent/child/boom", "handled by child"),
        ("/plain/boom", "handled by app"),
    ],
)
def test_innermost_blueprint_error_handler_wins(url: str, expected: str) -> None:
    app = make_error_app()

    assert get_text(app, url) == (418, expected)


def test_parent_error_handler_applies_to_child_without_handler(app: Erlen) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @parent.errorhandler(ShopError)
    def handle(e: ShopError) -> tuple[str, int]:
        return f"parent saw {request.blueprint}", 409

    @child.route("/boom")
    def boom() -> str:
        raise ShopError()

    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert get_text(app, "/parent/child/boom") == (409, "parent saw parent.child")


def test_blueprint_error_handler_not_used_for_app_views(app: Erlen) -> None:
    app.testing = True
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(ShopError)
    def handle(e: ShopError) -> str:
        return "bp"

    @app.route("/boom")
    def boom() -> str:
        raise ShopError()

    app.register_blueprint(bp)

    with pytest.raises(ShopError):
        app.test_client().get("/boom")


def test_blueprint_http_error_handler_for_abort_in_its_view(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(404)
    def bp_not_found(e: NotFound) -> tuple[str, int]:
        return f"bp 404: {request.blueprint}", 404

    @app.errorhandler(404)
    def app_not_found(e: NotFound) -> tuple[str, int]:
        return "app 404", 404

    @bp.route("/item/<int:item_id>")
    def item(item_id: int) -> str:
        abort(404)

    app.register_blueprint(bp)

    assert get_text(app, "/bp/item/1") == (404, "bp 404: bp")


def test_app_code_handler_beats_blueprint_class_handler(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(HTTPException)
    def bp_http(e: HTTPException) -> tuple[str, int]:
        return "bp http", t.cast(int, e.code)

    @app.errorhandler(404)
    def app_not_found(e: NotFound) -> tuple[str, int]:
        return "app 404", 404

    @bp.route("/gone")
    def gone() -> str:
        abort(404)

    @bp.route("/forbidden")
    def forbidden() -> str:
        abort(403)

    app.register_blueprint(bp)

    assert get_text(app, "/bp/gone") == (404, "app 404")
    assert get_text(app, "/bp/forbidden") == (403, "bp http")


def test_blueprint_500_handler_for_unhandled_exception(
    app: Erlen, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.logger, "disabled", True)
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(500)
    def server_error(e: t.Any) -> tuple[str, int]:
        return f"bp 500: {type(e.original_exception).__name__}", 500

    @bp.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    @app.route("/boom")
    def app_boom() -> str:
        raise RuntimeError("boom")

    app.register_blueprint(bp)

    assert get_text(app, "/bp/boom") == (500, "bp 500: RuntimeError")
    status, body = get_text(app, "/boom")
    assert status == 500
    assert "bp 500" not in body


def test_blueprint_error_handler_handles_error_from_its_before_request(app: Erlen) -> None:
    bp = Blueprint("bp", __name__)

    @bp.before_request
    def fail() -> None:
        raise ShopError()

    @bp.errorhandler(ShopError)
    def handle(e: ShopError) -> tuple[str, int]:
        return "handled", 400

    bp.add_url_rule("/x", "x", lambda: "x")
    app.register_blueprint(bp)

    assert get_text(app, "/x") == (400, "handled")


def test_app_errorhandler_applies_to_every_request(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.app_errorhandler(ShopError)
    def handle(e: ShopError) -> tuple[str, int]:
        return f"app-wide {request.endpoint}", 418

    @bp.app_errorhandler(404)
    def not_found(e: NotFound) -> tuple[str, int]:
        return "app-wide 404", 404

    @app.route("/boom")
    def boom() -> str:
        raise ShopError()

    @bp.route("/boom")
    def bp_boom() -> str:
        raise ShopError()

    app.register_blueprint(bp)

    assert get_text(app, "/boom") == (418, "app-wide boom")
    assert get_text(app, "/bp/boom") == (418, "app-wide bp.bp_boom")
    assert get_text(app, "/nowhere") == (404, "app-wide 404")


def test_routing_404_outside_blueprint_prefix_uses_app_handler(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(404)
    def bp_not_found(e: NotFound) -> tuple[str, int]:
        return "bp 404", 404

    bp.add_url_rule("/x", "x", lambda: "x")
    app.register_blueprint(bp)

    status, body = get_text(app, "/elsewhere")
    assert status == 404
    assert "bp 404" not in body


def test_routing_404_under_blueprint_prefix_uses_blueprint_handler(app: Erlen) -> None:
    """erlen extension (not Flask): an unmatched URL under a blueprint's url_prefix is
    handled by that blueprint's 404 handler."""
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(404)
    def bp_not_found(e: NotFound) -> tuple[str, int]:
        return "bp 404", 404

    @app.errorhandler(404)
    def app_not_found(e: NotFound) -> tuple[str, int]:
        return "app 404", 404

    bp.add_url_rule("/x", "x", lambda: "x")
    app.register_blueprint(bp)

    assert get_text(app, "/bp/missing") == (404, "bp 404")
    assert get_text(app, "/elsewhere") == (404, "app 404")


# --- URL value preprocessors and URL defaults -------------------------------------------


def make_lang_app(calls: list[str]) -> Erlen:
    """A ``/<lang>`` blueprint that pops ``lang`` into ``g`` and adds it back on build."""
    app = Erlen(__name__)
    bp = Blueprint("i18n", __name__, url_prefix="/<lang>")

    @bp.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        calls.append(f"preprocess:{endpoint}")
        g.lang = values.pop("lang") if values else None

    @bp.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        calls.append(f"defaults:{endpoint}")
        if "lang" not in values and "lang" in g:
            values["lang"] = g.lang

    @bp.route("/about")
    def about() -> str:
        return f"{g.lang} {url_for('.about')} {url_for('.contact', x=1)}"

    @bp.route("/contact")
    def contact() -> str:
        return "contact"

    @app.route("/home")
    def home() -> str:
        return f"{'lang' in g} {url_for('i18n.about', lang='fr')}"

    app.register_blueprint(bp)
    return app


def test_blueprint_url_value_preprocessor_and_url_defaults(app: Erlen) -> None:
    calls: list[str] = []
    app = make_lang_app(calls)

    assert get_text(app, "/de/about") == (200, "de /de/about /de/contact?x=1")
    assert calls == [
        "preprocess:i18n.about",
        "defaults:i18n.about",
        "defaults:i18n.contact",
    ]


def test_blueprint_url_processors_not_used_for_app_endpoints(app: Erlen) -> None:
    calls: list[str] = []
    app = make_lang_app(calls)

    assert get_text(app, "/home") == (200, "False /fr/about")
    assert calls == ["defaults:i18n.about"]


def test_url_value_preprocessors_run_app_parent_child_before_before_request(
    app: Erlen,
) -> None:
    calls: list[str] = []
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    for scope_name, scope in (("app", app), ("parent", parent), ("child", child)):
        scope.url_value_preprocessor(
            lambda endpoint, values, scope_name=scope_name: calls.append(f"preprocess:{scope_name}")
        )
        scope.before_request(lambda scope_name=scope_name: calls.append(f"before:{scope_name}"))
    child.add_url_rule("/x", "x", lambda: "x")
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert get_text(app, "/p/c/x") == (200, "x")
    assert calls == [
        "preprocess:app",
        "preprocess:parent",
        "preprocess:child",
        "before:app",
        "before:parent",
        "before:child",
    ]


def test_url_defaults_run_app_parent_child_for_nested_endpoint(app: Erlen) -> None:
    calls: list[str] = []
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    for scope_name, scope in (("app", app), ("parent", parent), ("child", child)):
        scope.url_defaults(lambda endpoint, values, scope_name=scope_name: calls.append(scope_name))
    child.add_url_rule("/x", "x", lambda: "x")
    parent.add_url_rule("/y", "y", lambda: "y")
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    with app.test_request_context():
        assert url_for("parent.child.x") == "/p/c/x"
        assert calls == ["app", "parent", "child"]
        calls.clear()
        assert url_for("parent.y") == "/p/y"
        assert calls == ["app", "parent"]


def test_app_url_value_preprocessor_and_app_url_defaults_apply_everywhere(
    app: Erlen,
) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.app_url_value_preprocessor
    def pull_tenant(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        if values and "tenant" in values:
            g.tenant = values.pop("tenant")

    @bp.app_url_defaults
    def add_tenant(endpoint: str, values: dict[str, t.Any]) -> None:
        if "tenant" not in values and "tenant" in g:
            values["tenant"] = g.tenant

    @app.route("/<tenant>/home")
    def home() -> str:
        return f"{g.tenant} {url_for('home')} {url_for('bp.page')}"

    @bp.route("/<tenant>/page")
    def page() -> str:
        return f"{g.tenant} {url_for('home')}"

    app.register_blueprint(bp)

    assert get_text(app, "/acme/home") == (200, "acme /acme/home /bp/acme/page")
    assert get_text(app, "/bp/zeta/page") == (200, "zeta /zeta/home")


# --- template context processors ----------------------------------------------------------


def app_processor() -> dict[str, t.Any]:
    return {"who": "app", "app_key": 1}


def parent_processor() -> dict[str, t.Any]:
    return {"who": "parent", "parent_key": 1}


def child_processor() -> dict[str, t.Any]:
    return {"who": "child", "child_key": 1}


def everywhere_processor() -> dict[str, t.Any]:
    return {"everywhere": 1}


def make_context_app() -> Erlen:
    app = Erlen(__name__)
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")
    other = Blueprint("other", __name__, url_prefix="/other")

    app.context_processor(app_processor)
    parent.context_processor(parent_processor)
    child.context_processor(child_processor)
    other.app_context_processor(everywhere_processor)

    def show() -> dict[str, t.Any]:
        context: dict[str, t.Any] = {"given": 1}
        current_app.update_template_context(context)
        return {
            key: value for key, value in context.items() if key not in {"g", "request", "session"}
        }

    for scope in (app, parent, child, other):
        scope.add_url_rule("/ctx", "ctx", show)
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.register_blueprint(other)
    return app


def test_context_processors_are_registered_per_blueprint() -> None:
    app = make_context_app()

    processors = app.template_context_processors
    assert parent_processor in processors["parent"]
    assert child_processor not in processors["parent"]
    assert child_processor in processors["parent.child"]
    assert parent_processor not in processors["parent.child"]
    assert app_processor in processors[None]
    assert everywhere_processor in processors[None]
    assert everywhere_processor not in processors.get("other", [])


def test_nested_blueprint_context_processors_apply_app_parent_child() -> None:
    app = make_context_app()

    rv = app.test_client().get("/parent/child/ctx")
    assert rv.get_json() == {
        "given": 1,
        "who": "child",
        "app_key": 1,
        "parent_key": 1,
        "child_key": 1,
        "everywhere": 1,
    }


def test_app_request_gets_only_app_context_processors() -> None:
    app = make_context_app()

    assert app.test_client().get("/ctx").get_json() == {
        "given": 1,
        "who": "app",
        "app_key": 1,
        "everywhere": 1,
    }
    assert app.test_client().get("/other/ctx").get_json() == {
        "given": 1,
        "who": "app",
        "app_key": 1,
        "everywhere": 1,
    }


# --- static files -----------------------------------------------------------------------


@pytest.fixture
def static_root(tmp_path: t.Any) -> t.Any:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "hello.txt").write_text("hello static")
    (static / "css" / "site.css").write_text("body { color: red }")
    return tmp_path


def test_blueprint_static_folder_served_under_prefix_and_static_url_path(
    app: Erlen, static_root: t.Any
) -> None:
    bp = Blueprint(
        "bp",
        __name__,
        static_folder="static",
        static_url_path="/assets",
        url_prefix="/bp",
        root_path=str(static_root),
    )
    app.register_blueprint(bp)
    client = app.test_client()

    assert endpoints(app) == {"bp.static": "/bp/assets/<path:filename>"}
    rv = client.get("/bp/assets/hello.txt")
    assert rv.status_code == 200
    assert rv.get_data() == b"hello static"
    assert rv.mimetype == "text/plain"
    rv.close()
    rv = client.get("/bp/assets/css/site.css")
    assert rv.get_data() == b"body { color: red }"
    assert rv.mimetype == "text/css"
    rv.close()
    assert client.get("/bp/assets/missing.txt").status_code == 404


def test_blueprint_static_url_path_defaults_to_folder_name(app: Erlen, static_root: t.Any) -> None:
    bp = Blueprint(
        "bp", __name__, static_folder="static", url_prefix="/bp", root_path=str(static_root)
    )
    app.register_blueprint(bp)

    assert bp.static_url_path == "/static"
    assert bp.static_folder == str(static_root / "static")
    assert bp.has_static_folder
    rv = app.test_client().get("/bp/static/hello.txt")
    assert (rv.status_code, rv.get_data()) == (200, b"hello static")
    rv.close()


def test_blueprint_without_static_folder_adds_no_static_rule(app: Erlen) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    app.register_blueprint(bp)

    assert not bp.has_static_folder
    assert bp.static_url_path is None
    assert "bp.static" not in endpoints(app)


def test_nested_blueprint_static_files(app: Erlen, static_root: t.Any) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint(
        "child", __name__, static_folder="static", url_prefix="/c", root_path=str(static_root)
    )
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    rv = app.test_client().get("/p/c/static/hello.txt")
    assert (rv.status_code, rv.get_data()) == (200, b"hello static")
    rv.close()
    with app.test_request_context():
        assert url_for("parent.child.static", filename="hello.txt") == "/p/c/static/hello.txt"


def test_blueprint_open_resource_reads_relative_to_root_path(static_root: t.Any) -> None:
    bp = Blueprint("bp", __name__, root_path=str(static_root))

    with bp.open_resource("static/hello.txt") as f:
        assert f.read() == b"hello static"
    with bp.open_resource("static/hello.txt", "r", encoding="utf-8") as f:
        assert f.read() == "hello static"


# --- CLI -------------------------------------------------------------------------------


def add_hello_command(bp: Blueprint) -> None:
    @bp.cli.command("hello")
    def hello() -> None:
        click.echo(f"hello from {bp.name}")


def get_command(app: Erlen, name: str) -> click.Command | None:
    return app.cli.get_command(click.Context(app.cli), name)


def test_blueprint_commands_grouped_under_blueprint_name(app: Erlen) -> None:
    bp = Blueprint("shop", __name__)
    add_hello_command(bp)
    app.register_blueprint(bp)

    group = get_command(app, "shop")
    assert isinstance(group, click.Group)
    assert group.get_command(click.Context(group), "hello") is not None
    assert "hello" not in app.cli.commands


def test_blueprint_commands_under_constructor_cli_group(app: Erlen) -> None:
    bp = Blueprint("shop", __name__, cli_group="store")
    add_hello_command(bp)
    app.register_blueprint(bp)

    assert "shop" not in app.cli.commands
    group = get_command(app, "store")
    assert isinstance(group, click.Group)
    assert "hello" in group.commands


def test_register_blueprint_cli_group_option_overrides(app: Erlen) -> None:
    bp = Blueprint("shop", __name__, cli_group="store")
    add_hello_command(bp)
    app.register_blueprint(bp, cli_group="market")

    assert set(app.cli.commands) == {"market"}


def test_blueprint_commands_merged_into_app_cli_with_cli_group_none(app: Erlen) -> None:
    bp = Blueprint("shop", __name__, cli_group=None)
    add_hello_command(bp)
    app.register_blueprint(bp)

    assert "shop" not in app.cli.commands
    assert isinstance(get_command(app, "hello"), click.Command)


def test_blueprint_without_commands_adds_no_group(app: Erlen) -> None:
    app.register_blueprint(Blueprint("shop", __name__))

    assert "shop" not in app.cli.commands


def test_blueprint_command_runs_through_cli_runner(app: Erlen) -> None:
    bp = Blueprint("shop", __name__)
    add_hello_command(bp)
    app.register_blueprint(bp)

    result = app.test_cli_runner().invoke(args=["shop", "hello"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello from shop\n"
