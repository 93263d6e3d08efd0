"""Class-based views: ``View`` and ``MethodView``, registered on apps and blueprints."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from erlen import Blueprint, Erlen, g, request, url_for
from erlen import globals as ctx_globals
from erlen.views import MethodView, View


@pytest.fixture(autouse=True)
def _no_leaked_context() -> Iterator[None]:
    yield
    assert ctx_globals._cv_app.get(None) is None, "an application context leaked"
    assert ctx_globals._cv_request.get(None) is None, "a request context leaked"


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    return app


@pytest.fixture
def client(app: Erlen) -> Any:
    return app.test_client()


# --- View ------------------------------------------------------------------------------


def test_view_dispatch_request_answers_get(app: Erlen, client: Any) -> None:
    class Hello(View):
        def dispatch_request(self) -> str:
            return f"hello {request.method}"

    app.add_url_rule("/", view_func=Hello.as_view("hello"))

    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "hello GET"


def test_view_without_methods_accepts_only_get_head_options(app: Erlen, client: Any) -> None:
    class Hello(View):
        def dispatch_request(self) -> str:
            return "hi"

    app.add_url_rule("/", view_func=Hello.as_view("hello"))

    assert client.get("/").status_code == 200
    assert client.head("/").status_code == 200
    assert client.post("/").status_code == 405
    assert set(client.options("/").allow) == {"GET", "HEAD", "OPTIONS"}


def test_view_methods_attribute_sets_the_allowed_methods(app: Erlen, client: Any) -> None:
    class Submit(View):
        methods = ["GET", "POST"]

        def dispatch_request(self) -> str:
            return request.method

    app.add_url_rule("/submit", view_func=Submit.as_view("submit"))

    assert client.get("/submit").text == "GET"
    assert client.post("/submit").text == "POST"
    response = client.put("/submit")
    assert response.status_code == 405
    assert set(response.allow) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_view_post_only_rejects_get(app: Erlen, client: Any) -> None:
    class Only(View):
        methods = ["POST"]

        def dispatch_request(self) -> str:
            return "posted"

    app.add_url_rule("/only", view_func=Only.as_view("only"))

    assert client.post("/only").text == "posted"
    assert client.get("/only").status_code == 405


def test_view_url_arguments_are_passed_as_keywords(app: Erlen, client: Any) -> None:
    class Item(View):
        def dispatch_request(self, kind: str, item_id: int) -> str:
            return f"{kind}:{item_id + 1}"

    app.add_url_rule("/<kind>/<int:item_id>", view_func=Item.as_view("item"))

    assert client.get("/book/41").text == "book:42"


def test_view_provide_automatic_options_false_gives_405_for_options(
    app: Erlen, client: Any
) -> None:
    class NoOptions(View):
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return "ok"

    app.add_url_rule("/", view_func=NoOptions.as_view("no_options"))

    assert client.get("/").text == "ok"
    assert client.options("/").status_code == 405


def test_view_provide_automatic_options_false_lets_the_view_answer_options(
    app: Erlen, client: Any
) -> None:
    class OwnOptions(View):
        methods = ["GET", "OPTIONS"]
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return f"own {request.method}"

    app.add_url_rule("/", view_func=OwnOptions.as_view("own"))

    assert client.options("/").text == "own OPTIONS"


def test_view_automatic_options_answers_with_allow_header(app: Erlen, client: Any) -> None:
    class Both(View):
        methods = ["GET", "PUT"]

        def dispatch_request(self) -> str:
            return "never for options"

    app.add_url_rule("/", view_func=Both.as_view("both"))

    response = client.options("/")
    assert response.status_code == 200
    assert response.data == b""
    assert set(response.allow) == {"GET", "HEAD", "PUT", "OPTIONS"}


def test_view_decorators_are_applied_in_order(app: Erlen, client: Any) -> None:
    calls: list[str] = []

    def tag(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(func)
            def wrapper(**kwargs: Any) -> Any:
                calls.append(f"enter {label}")
                rv = func(**kwargs)
                calls.append(f"leave {label}")
                return rv

            return wrapper

        return decorator

    class Decorated(View):
        # The first decorator wraps the view; the last one is the outermost.
        decorators = [tag("inner"), tag("outer")]

        def dispatch_request(self) -> str:
            calls.append("view")
            return "decorated"

    app.add_url_rule("/", view_func=Decorated.as_view("decorated"))

    assert client.get("/").text == "decorated"
    assert calls == ["enter outer", "enter inner", "view", "leave inner", "leave outer"]


def test_view_decorator_can_replace_the_response(app: Erlen, client: Any) -> None:
    def require_token(func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(**kwargs: Any) -> Any:
            if request.headers.get("X-Token") != "secret":
                return "forbidden", 403
            return func(**kwargs)

        return wrapper

    class Guarded(View):
        decorators = [require_token]

        def dispatch_request(self) -> str:
            return "welcome"

    app.add_url_rule("/", view_func=Guarded.as_view("guarded"))

    assert client.get("/").status_code == 403
    assert client.get("/", headers={"X-Token": "secret"}).text == "welcome"


def test_view_decorated_function_still_carries_view_attributes() -> None:
    def passthrough(func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(**kwargs: Any) -> Any:
            return func(**kwargs)

        return wrapper

    class Decorated(View):
        """Decorated docs."""

        methods = ["POST"]
        decorators = [passthrough]

        def dispatch_request(self) -> str:
            return "x"

    view = Decorated.as_view("decorated_view")

    assert view.view_class is Decorated  # type: ignore[attr-defined]
    assert view.__name__ == "decorated_view"
    assert view.__doc__ == "Decorated docs."
    assert view.__module__ == __name__
    assert view.methods == ["POST"]  # type: ignore[attr-defined]


def test_view_init_every_request_true_makes_a_new_instance_per_request(
    app: Erlen, client: Any
) -> None:
    instances: list[View] = []

    class PerRequest(View):
        def __init__(self) -> None:
            self.hits = 0
            instances.append(self)

        def dispatch_request(self) -> str:
            self.hits += 1
            return str(self.hits)

    app.add_url_rule("/", view_func=PerRequest.as_view("per_request"))

    assert instances == []
    assert [client.get("/").text for _ in range(3)] == ["1", "1", "1"]
    assert len(instances) == 3
    assert instances[0] is not instances[1]
    assert instances[1] is not instances[2]


def test_view_init_every_request_false_reuses_one_instance(app: Erlen, client: Any) -> None:
    instances: list[View] = []

    class Shared(View):
        init_every_request = False

        def __init__(self) -> None:
            self.hits = 0
            instances.append(self)

        def dispatch_request(self) -> str:
            self.hits += 1
            return str(self.hits)

    view = Shared.as_view("shared")
    # The single instance is made when the view function is made.
    assert len(instances) == 1
    app.add_url_rule("/", view_func=view)

    assert [client.get("/").text for _ in range(3)] == ["1", "2", "3"]
    assert len(instances) == 1


def test_as_view_passes_constructor_arguments(app: Erlen, client: Any) -> None:
    class Greeter(View):
        def __init__(self, greeting: str, *, punctuation: str = ".") -> None:
            self.greeting = greeting
            self.punctuation = punctuation

        def dispatch_request(self, name: str) -> str:
            return f"{self.greeting}, {name}{self.punctuation}"

    app.add_url_rule("/hi/<name>", view_func=Greeter.as_view("hi", "Hi", punctuation="!"))
    app.add_url_rule("/hello/<name>", view_func=Greeter.as_view("hello", "Hello"))

    assert client.get("/hi/ann").text == "Hi, ann!"
    assert client.get("/hello/bob").text == "Hello, bob."


def test_as_view_constructor_arguments_with_a_shared_instance(app: Erlen, client: Any) -> None:
    class Counter(View):
        init_every_request = False

        def __init__(self, start: int) -> None:
            self.value = start

        def dispatch_request(self) -> str:
            self.value += 1
            return str(self.value)

    app.add_url_rule("/", view_func=Counter.as_view("counter", 10))

    assert client.get("/").text == "11"
    assert client.get("/").text == "12"


def test_as_view_function_attributes() -> None:
    class Documented(View):
        """Shows a documented page."""

        methods = ["GET", "POST"]

        def dispatch_request(self) -> str:
            return "doc"

    view = Documented.as_view("documented_page")

    assert view.view_class is Documented  # type: ignore[attr-defined]
    assert view.__name__ == "documented_page"
    assert view.__doc__ == "Shows a documented page."
    assert view.__module__ == __name__
    assert view.methods == ["GET", "POST"]  # type: ignore[attr-defined]


def test_as_view_name_is_the_default_endpoint(app: Erlen) -> None:
    class Page(View):
        def dispatch_request(self) -> str:
            return "page"

    app.add_url_rule("/one", view_func=Page.as_view("one"))
    app.add_url_rule("/two", view_func=Page.as_view("two"))

    assert "one" in app.view_functions
    assert "two" in app.view_functions
    assert app.view_functions["one"].view_class is Page  # type: ignore[attr-defined]
    with app.test_request_context():
        assert url_for("one") == "/one"
        assert url_for("two") == "/two"


def test_view_explicit_endpoint_overrides_the_name(app: Erlen, client: Any) -> None:
    class Page(View):
        def dispatch_request(self) -> str:
            return request.endpoint or ""

    app.add_url_rule("/", endpoint="front", view_func=Page.as_view("page"))

    assert client.get("/").text == "front"


def test_view_dispatch_request_not_implemented_raises(app: Erlen, client: Any) -> None:
    class Empty(View):
        pass

    app.add_url_rule("/", view_func=Empty.as_view("empty"))

    with pytest.raises(NotImplementedError):
        client.get("/")


def test_view_sees_request_context_and_g(app: Erlen, client: Any) -> None:
    @app.before_request
    def load_user() -> None:
        g.user = "carol"

    class Profile(View):
        def dispatch_request(self) -> str:
            return f"{g.user}:{request.args['tab']}"

    app.add_url_rule("/profile", view_func=Profile.as_view("profile"))

    assert client.get("/profile?tab=settings").text == "carol:settings"


def test_async_view_dispatch_request(app: Erlen, client: Any) -> None:
    class AsyncView(View):
        async def dispatch_request(self) -> str:
            await asyncio.sleep(0)
            return f"async {request.args['x']}"

    app.add_url_rule("/", view_func=AsyncView.as_view("async_view"))

    assert client.get("/?x=1").text == "async 1"


# --- MethodView --------------------------------------------------------------------------


def test_method_view_dispatches_on_the_request_method(app: Erlen, client: Any) -> None:
    class Resource(MethodView):
        def get(self) -> str:
            return "got"

        def post(self) -> str:
            return "posted"

        def delete(self) -> tuple[str, int]:
            return "", 204

    app.add_url_rule("/r", view_func=Resource.as_view("resource"))

    assert client.get("/r").text == "got"
    assert client.post("/r").text == "posted"
    assert client.delete("/r").status_code == 204


def test_method_view_methods_come_from_the_defined_handlers() -> None:
    class Resource(MethodView):
        def get(self) -> str:
            return "got"

        def put(self) -> str:
            return "put"

    assert set(Resource.methods or ()) == {"GET", "PUT"}
    view = Resource.as_view("resource")
    assert set(view.methods) == {"GET", "PUT"}  # type: ignore[attr-defined]


def test_method_view_without_handlers_has_no_methods() -> None:
    class Nothing(MethodView):
        pass

    assert Nothing.methods is None


def test_method_view_methods_are_inherited_through_subclasses(app: Erlen, client: Any) -> None:
    class Base(MethodView):
        def get(self) -> str:
            return "base get"

    class Child(Base):
        def post(self) -> str:
            return "child post"

    class GrandChild(Child):
        def put(self) -> str:
            return "grandchild put"

    assert set(Base.methods or ()) == {"GET"}
    assert set(Child.methods or ()) == {"GET", "POST"}
    assert set(GrandChild.methods or ()) == {"GET", "POST", "PUT"}

    app.add_url_rule("/g", view_func=GrandChild.as_view("grandchild"))

    assert client.get("/g").text == "base get"
    assert client.post("/g").text == "child post"
    assert client.put("/g").text == "grandchild put"
    assert client.delete("/g").status_code == 405


def test_method_view_subclass_overrides_an_inherited_handler(app: Erlen, client: Any) -> None:
    class Base(MethodView):
        def get(self) -> str:
            return "base"

    class Child(Base):
        def get(self) -> str:
            return "child"

    app.add_url_rule("/", view_func=Child.as_view("child"))

    assert client.get("/").text == "child"


def test_method_view_methods_from_a_mixin(app: Erlen, client: Any) -> None:
    class DeleteMixin:
        def delete(self) -> str:
            return "deleted by mixin"

    class PatchMixin:
        def patch(self) -> str:
            return "patched by mixin"

    class Resource(DeleteMixin, PatchMixin, MethodView):
        def get(self) -> str:
            return "got"

    assert set(Resource.methods or ()) == {"GET", "DELETE", "PATCH"}

    app.add_url_rule("/r", view_func=Resource.as_view("resource"))

    assert client.get("/r").text == "got"
    assert client.delete("/r").text == "deleted by mixin"
    assert client.patch("/r").text == "patched by mixin"
    assert client.post("/r").status_code == 405


def test_method_view_explicit_methods_win(app: Erlen, client: Any) -> None:
    class Restricted(MethodView):
        methods = ["GET"]

        def get(self) -> str:
            return "got"

        def post(self) -> str:
            return "never reached"

    assert Restricted.methods == ["GET"]

    app.add_url_rule("/", view_func=Restricted.as_view("restricted"))

    assert client.get("/").text == "got"
    assert client.post("/").status_code == 405


def test_method_view_explicit_methods_on_a_subclass_win_over_inherited(
    app: Erlen, client: Any
) -> None:
    class Base(MethodView):
        def get(self) -> str:
            return "got"

        def post(self) -> str:
            return "posted"

    class ReadOnly(Base):
        methods = ["GET"]

    app.add_url_rule("/", view_func=ReadOnly.as_view("read_only"))

    assert client.get("/").text == "got"
    assert client.post("/").status_code == 405


def test_method_view_head_falls_back_to_get(app: Erlen, client: Any) -> None:
    calls: list[str] = []

    class Resource(MethodView):
        def get(self) -> Any:
            calls.append(request.method)
            return "body of get", 200, {"X-From": "get"}

    app.add_url_rule("/", view_func=Resource.as_view("resource"))

    response = client.head("/")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["X-From"] == "get"
    assert response.content_length == len("body of get")
    assert calls == ["HEAD"]


def test_method_view_explicit_head_handler_is_used(app: Erlen, client: Any) -> None:
    class Resource(MethodView):
        def get(self) -> str:
            return "get"

        def head(self) -> Any:
            return "", 200, {"X-From": "head"}

    app.add_url_rule("/", view_func=Resource.as_view("resource"))

    assert client.head("/").headers["X-From"] == "head"


def test_method_view_undefined_method_is_405(app: Erlen, client: Any) -> None:
    class Resource(MethodView):
        def get(self) -> str:
            return "got"

        def post(self) -> str:
            return "posted"

    app.add_url_rule("/r", view_func=Resource.as_view("resource"))

    for method in ("PUT", "DELETE", "PATCH"):
        response = client.open("/r", method=method)
        assert response.status_code == 405, method
        assert set(response.allow) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_method_view_url_arguments_are_passed_as_keywords(app: Erlen, client: Any) -> None:
    class User(MethodView):
        def get(self, user_id: int) -> str:
            return f"user {user_id} ({type(user_id).__name__})"

        def put(self, user_id: int) -> str:
            return f"updated {user_id} with {request.get_data(as_text=True)}"

    app.add_url_rule("/users/<int:user_id>", view_func=User.as_view("user"))

    assert client.get("/users/7").text == "user 7 (int)"
    assert client.put("/users/8", data="name=x").text == "updated 8 with name=x"


def test_method_view_same_class_on_list_and_detail_urls(app: Erlen, client: Any) -> None:
    class Items(MethodView):
        def get(self, item_id: int | None = None) -> str:
            if item_id is None:
                return "all items"
            return f"item {item_id}"

    view = Items.as_view("items")
    app.add_url_rule("/items/", defaults={"item_id": None}, view_func=view)
    app.add_url_rule("/items/<int:item_id>", view_func=view)

    assert client.get("/items/").text == "all items"
    assert client.get("/items/3").text == "item 3"


def test_method_view_async_methods(app: Erlen, client: Any) -> None:
    class AsyncResource(MethodView):
        async def get(self) -> str:
            await asyncio.sleep(0)
            return f"async get {request.args.get('q', '')}"

        async def post(self, name: str) -> str:
            await asyncio.sleep(0)
            return f"async post {name} {request.form['v']}"

    view = AsyncResource.as_view("async_resource")
    app.add_url_rule("/a", view_func=view)
    app.add_url_rule("/a/<name>", view_func=view, methods=["POST"])

    assert client.get("/a?q=z").text == "async get z"
    assert client.post("/a/n", data={"v": "1"}).text == "async post n 1"


def test_method_view_mixing_sync_and_async_methods(app: Erlen, client: Any) -> None:
    class Mixed(MethodView):
        def get(self) -> str:
            return "sync"

        async def post(self) -> str:
            return "async"

    app.add_url_rule("/", view_func=Mixed.as_view("mixed"))

    assert client.get("/").text == "sync"
    assert client.post("/").text == "async"


def test_method_view_decorators(app: Erlen, client: Any) -> None:
    def add_header(func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(**kwargs: Any) -> Any:
            response = app.make_response(func(**kwargs))
            response.headers["X-Decorated"] = "yes"
            return response

        return wrapper

    class Resource(MethodView):
        decorators = [add_header]

        def get(self) -> str:
            return "got"

    app.add_url_rule("/", view_func=Resource.as_view("resource"))

    response = client.get("/")
    assert response.text == "got"
    assert response.headers["X-Decorated"] == "yes"


def test_method_view_init_every_request_false(app: Erlen, client: Any) -> None:
    class Counter(MethodView):
        init_every_request = False

        def __init__(self) -> None:
            self.count = 0

        def get(self) -> str:
            self.count += 1
            return str(self.count)

    app.add_url_rule("/", view_func=Counter.as_view("counter"))

    assert client.get("/").text == "1"
    assert client.get("/").text == "2"


def test_method_view_route_methods_argument_restricts_the_view(app: Erlen, client: Any) -> None:
    class Resource(MethodView):
        def get(self) -> str:
            return "got"

        def post(self) -> str:
            return "posted"

    app.add_url_rule("/", view_func=Resource.as_view("resource"), methods=["POST"])

    assert client.post("/").text == "posted"
    assert client.get("/").status_code == 405


# --- blueprints --------------------------------------------------------------------------


def test_views_registered_on_a_blueprint(app: Erlen, client: Any) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")

    class Ping(View):
        def dispatch_request(self) -> str:
            return f"pong from {request.blueprint} at {url_for('.ping')}"

    class Things(MethodView):
        def get(self, thing_id: int) -> str:
            return f"thing {thing_id} {request.endpoint}"

        def delete(self, thing_id: int) -> tuple[str, int]:
            return "", 204

    bp.add_url_rule("/ping", view_func=Ping.as_view("ping"))
    bp.add_url_rule("/things/<int:thing_id>", view_func=Things.as_view("things"))
    app.register_blueprint(bp)

    assert "api.ping" in app.view_functions
    assert "api.things" in app.view_functions
    assert client.get("/api/ping").text == "pong from api at /api/ping"
    assert client.get("/api/things/5").text == "thing 5 api.things"
    assert client.delete("/api/things/5").status_code == 204
    assert client.post("/api/things/5").status_code == 405
    with app.test_request_context():
        assert url_for("api.things", thing_id=9) == "/api/things/9"


def test_view_on_blueprint_runs_blueprint_hooks(app: Erlen, client: Any) -> None:
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.before_request
    def mark() -> None:
        g.area = "admin"

    class Dashboard(MethodView):
        def get(self) -> str:
            return g.area

    bp.add_url_rule("/", view_func=Dashboard.as_view("dashboard"))
    app.register_blueprint(bp)

    assert client.get("/admin/").text == "admin"


def test_same_view_class_registered_on_app_and_blueprint(app: Erlen, client: Any) -> None:
    class Where(View):
        def dispatch_request(self) -> str:
            return request.endpoint or ""

    bp = Blueprint("shop", __name__)
    bp.add_url_rule("/shop", view_func=Where.as_view("where"))
    app.add_url_rule("/", view_func=Where.as_view("where"))
    app.register_blueprint(bp)

    assert client.get("/").text == "where"
    assert client.get("/shop").text == "shop.where"
