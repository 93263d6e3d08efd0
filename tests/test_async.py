"""``async def`` views, hooks and handlers on the WSGI app, and ``ensure_sync``."""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
import typing as t
from collections.abc import Iterator

import pytest

from erlen import (
    Blueprint,
    Erlen,
    after_this_request,
    current_app,
    flash,
    g,
    get_flashed_messages,
    render_template_string,
    request,
    session,
)
from erlen import globals as ctx_globals
from erlen.views import MethodView


@pytest.fixture(autouse=True)
def _no_leaked_context() -> Iterator[None]:
    yield
    assert ctx_globals._cv_app.get(None) is None, "an application context leaked"
    assert ctx_globals._cv_request.get(None) is None, "a request context leaked"


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    app.secret_key = "async-tests"
    return app


@pytest.fixture
def client(app: Erlen) -> t.Any:
    return app.test_client()


class AppError(Exception):
    pass


# --- views -------------------------------------------------------------------------------


def test_async_view_returns_a_body(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    async def index() -> str:
        return "async hello"

    response = client.get("/")
    assert response.status_code == 200
    assert response.text == "async hello"


def test_async_view_awaits_sleep(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return "slept"

    assert client.get("/").text == "slept"


def test_async_view_gathers_tasks(app: Erlen, client: t.Any) -> None:
    async def square(n: int) -> int:
        await asyncio.sleep(0)
        return n * n

    @app.route("/")
    async def index() -> str:
        results = await asyncio.gather(*(square(n) for n in range(4)))
        return ",".join(map(str, results))

    assert client.get("/").text == "0,1,4,9"


def test_async_view_sees_request_g_and_current_app(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        g.seen = request.args["name"]
        return f"{request.args['name']} {request.method} {current_app.name} {g.seen}"

    assert client.get("/?name=ann").text == f"ann GET {app.name} ann"


def test_async_view_reads_form_and_json(app: Erlen, client: t.Any) -> None:
    @app.route("/form", methods=["POST"])
    async def form() -> str:
        await asyncio.sleep(0)
        return request.form["field"]

    @app.route("/json", methods=["POST"])
    async def json_view() -> dict[str, t.Any]:
        await asyncio.sleep(0)
        return {"doubled": request.get_json()["n"] * 2}

    assert client.post("/form", data={"field": "value"}).text == "value"
    assert client.post("/json", json={"n": 21}).json == {"doubled": 42}


def test_async_view_url_arguments(app: Erlen, client: t.Any) -> None:
    @app.route("/users/<int:user_id>/<name>")
    async def user(user_id: int, name: str) -> str:
        return f"{user_id + 1} {name}"

    assert client.get("/users/1/bo").text == "2 bo"


def test_async_view_tuple_and_response_return_values(app: Erlen, client: t.Any) -> None:
    @app.route("/tuple")
    async def as_tuple() -> t.Any:
        return "created", 201, {"X-Async": "1"}

    @app.route("/response")
    async def as_response() -> t.Any:
        response = current_app.response_class("built", status=202)
        response.headers["X-Built"] = "yes"
        return response

    response = client.get("/tuple")
    assert (response.status_code, response.text, response.headers["X-Async"]) == (
        201,
        "created",
        "1",
    )
    built = client.get("/response")
    assert (built.status_code, built.text, built.headers["X-Built"]) == (202, "built", "yes")


def test_async_view_session_and_flash(app: Erlen, client: t.Any) -> None:
    @app.route("/set")
    async def set_value() -> str:
        await asyncio.sleep(0)
        session["user"] = "dana"
        flash("saved")
        return "set"

    @app.route("/get")
    async def get_value() -> str:
        await asyncio.sleep(0)
        return f"{session.get('user')} {get_flashed_messages()}"

    response = client.get("/set")
    assert "Set-Cookie" in response.headers
    assert client.get("/get").text == "dana ['saved']"


def test_async_view_after_this_request(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    async def index() -> str:
        @after_this_request
        def add_header(response: t.Any) -> t.Any:
            response.headers["X-After-This"] = "async"
            return response

        await asyncio.sleep(0)
        return "ok"

    assert client.get("/").headers["X-After-This"] == "async"


def test_async_view_exception_propagates_in_testing(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        raise AppError("boom")

    with pytest.raises(AppError, match="boom"):
        client.get("/")


def test_async_view_exception_is_a_500_outside_testing(app: Erlen) -> None:
    app.testing = False

    @app.route("/")
    async def index() -> str:
        raise AppError("boom")

    @app.errorhandler(500)
    def server_error(e: t.Any) -> tuple[str, int]:
        return f"handled {type(e.original_exception).__name__}", 500

    response = app.test_client().get("/")
    assert response.status_code == 500
    assert response.text == "handled AppError"


def test_async_view_abort_gives_the_http_error(app: Erlen, client: t.Any) -> None:
    from erlen import abort

    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        abort(418)

    assert client.get("/").status_code == 418


def test_sync_and_async_views_side_by_side(app: Erlen, client: t.Any) -> None:
    @app.route("/sync")
    def sync_view() -> str:
        return "sync"

    @app.route("/async")
    async def async_view() -> str:
        return "async"

    assert client.get("/sync").text == "sync"
    assert client.get("/async").text == "async"
    assert client.get("/sync").text == "sync"


# --- hooks and handlers ------------------------------------------------------------------


def test_async_before_request_sets_g(app: Erlen, client: t.Any) -> None:
    @app.before_request
    async def load() -> None:
        await asyncio.sleep(0)
        g.user = request.headers.get("X-User", "anonymous")

    @app.route("/")
    def index() -> str:
        return g.user

    assert client.get("/", headers={"X-User": "erin"}).text == "erin"
    assert client.get("/").text == "anonymous"


def test_async_before_request_return_value_short_circuits(app: Erlen, client: t.Any) -> None:
    calls: list[str] = []

    @app.before_request
    async def stop() -> str | None:
        if request.args.get("stop"):
            return "stopped early"
        return None

    @app.route("/")
    async def index() -> str:
        calls.append("view")
        return "view"

    assert client.get("/?stop=1").text == "stopped early"
    assert calls == []
    assert client.get("/").text == "view"
    assert calls == ["view"]


def test_async_after_request_changes_the_response(app: Erlen, client: t.Any) -> None:
    @app.after_request
    async def add_header(response: t.Any) -> t.Any:
        await asyncio.sleep(0)
        response.headers["X-After"] = request.path
        return response

    @app.route("/page")
    def page() -> str:
        return "page"

    assert client.get("/page").headers["X-After"] == "/page"


def test_async_teardown_request_runs_with_the_exception(app: Erlen) -> None:
    app.testing = False
    seen: list[t.Any] = []

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        await asyncio.sleep(0)
        seen.append((request.path, type(exc).__name__ if exc else None))

    @app.route("/ok")
    async def ok() -> str:
        return "ok"

    @app.route("/fail")
    async def fail() -> str:
        raise AppError("bad")

    client = app.test_client()
    assert client.get("/ok").status_code == 200
    assert client.get("/fail").status_code == 500
    assert seen == [("/ok", None), ("/fail", "AppError")]


def test_async_teardown_appcontext(app: Erlen, client: t.Any) -> None:
    seen: list[str] = []

    @app.teardown_appcontext
    async def teardown(exc: BaseException | None) -> None:
        await asyncio.sleep(0)
        seen.append(g.get("marker", "none"))

    @app.route("/")
    async def index() -> str:
        g.marker = "marked"
        return "ok"

    client.get("/")
    assert seen == ["marked"]


def test_async_error_handler_for_an_exception(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(AppError)
    async def handle(e: AppError) -> tuple[str, int]:
        await asyncio.sleep(0)
        return f"handled {e} at {request.path}", 409

    @app.route("/")
    async def index() -> str:
        raise AppError("conflict")

    response = client.get("/")
    assert response.status_code == 409
    assert response.text == "handled conflict at /"


def test_async_error_handler_for_a_status_code(app: Erlen, client: t.Any) -> None:
    @app.errorhandler(404)
    async def not_found(e: t.Any) -> tuple[str, int]:
        await asyncio.sleep(0)
        return f"nothing at {request.path}", 404

    response = client.get("/missing")
    assert response.status_code == 404
    assert response.text == "nothing at /missing"


def test_async_context_processor(app: Erlen, client: t.Any) -> None:
    @app.context_processor
    async def inject() -> dict[str, str]:
        await asyncio.sleep(0)
        return {"who": "async processor"}

    @app.route("/")
    def index() -> str:
        return render_template_string("hello {{ who }}")

    assert client.get("/").text == "hello async processor"


def test_async_hooks_order_with_a_blueprint(app: Erlen, client: t.Any) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @app.before_request
    async def app_before() -> None:
        calls.append("app before")

    @bp.before_request
    async def bp_before() -> None:
        calls.append("bp before")

    @bp.after_request
    async def bp_after(response: t.Any) -> t.Any:
        calls.append("bp after")
        return response

    @app.after_request
    async def app_after(response: t.Any) -> t.Any:
        calls.append("app after")
        return response

    @bp.route("/")
    async def index() -> str:
        calls.append("view")
        return "bp"

    app.register_blueprint(bp)

    assert client.get("/bp/").text == "bp"
    assert calls == ["app before", "bp before", "view", "bp after", "app after"]


def test_async_method_view(app: Erlen, client: t.Any) -> None:
    class Items(MethodView):
        async def get(self, item_id: int) -> str:
            await asyncio.sleep(0)
            return f"item {item_id} {request.args.get('v', '')}"

        async def delete(self, item_id: int) -> tuple[str, int]:
            await asyncio.sleep(0)
            return "", 204

        def put(self, item_id: int) -> str:
            return f"sync put {item_id}"

    app.add_url_rule("/items/<int:item_id>", view_func=Items.as_view("items"))

    assert client.get("/items/3?v=x").text == "item 3 x"
    assert client.delete("/items/3").status_code == 204
    assert client.put("/items/3").text == "sync put 3"
    assert client.post("/items/3").status_code == 405


# --- ensure_sync and async_to_sync -----------------------------------------------------


def test_ensure_sync_returns_plain_functions_unchanged(app: Erlen) -> None:
    def plain() -> str:
        return "plain"

    class Holder:
        def method(self) -> str:
            return "method"

    bound = Holder().method
    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(len) is len
    assert app.ensure_sync(bound) is bound
    partial = functools.partial(plain)
    assert app.ensure_sync(partial) is partial


def test_ensure_sync_wraps_a_coroutine_function(app: Erlen) -> None:
    async def add(a: int, b: int = 0) -> int:
        await asyncio.sleep(0)
        return a + b

    wrapped = app.ensure_sync(add)
    assert wrapped is not add
    assert callable(wrapped)
    assert not inspect.iscoroutinefunction(wrapped)
    result = wrapped(2, b=3)
    assert not inspect.iscoroutine(result)
    assert result == 5


def test_ensure_sync_wraps_an_async_bound_method(app: Erlen) -> None:
    class Service:
        factor = 3

        async def scale(self, n: int) -> int:
            return n * self.factor

    assert app.ensure_sync(Service().scale)(4) == 12


def test_ensure_sync_wrapper_raises_the_coroutine_exception(app: Erlen) -> None:
    async def broken() -> None:
        await asyncio.sleep(0)
        raise AppError("inner")

    with pytest.raises(AppError, match="inner"):
        app.ensure_sync(broken)()


def test_async_to_sync_override_in_subclass_is_used() -> None:
    converted: list[str] = []

    class CustomApp(Erlen):
        def async_to_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
            converted.append(getattr(func, "__name__", repr(func)))

            def run(*args: t.Any, **kwargs: t.Any) -> t.Any:
                return asyncio.run(func(*args, **kwargs))

            return run

    app = CustomApp(__name__)

    @app.before_request
    async def before() -> None:
        g.before = True

    @app.route("/")
    async def index() -> str:
        return f"custom {g.before}"

    async def direct() -> str:
        return "direct"

    assert app.test_client().get("/").text == "custom True"
    assert converted == ["before", "index"]
    assert app.ensure_sync(direct)() == "direct"
    assert converted[-1] == "direct"


# --- inside a running event loop -------------------------------------------------------


def test_wsgi_call_from_inside_a_running_event_loop(app: Erlen, client: t.Any) -> None:
    threads: dict[str, int] = {}

    @app.before_request
    async def before() -> None:
        g.loaded = "yes"

    @app.route("/")
    async def index() -> str:
        await asyncio.sleep(0)
        threads["view"] = threading.get_ident()
        return f"{request.args['q']} {g.loaded} {current_app.name}"

    async def main() -> t.Any:
        threads["loop"] = threading.get_ident()
        return client.get("/?q=looped")

    response = asyncio.run(main())
    assert response.status_code == 200
    assert response.text == f"looped yes {app.name}"
    # The outer loop's thread cannot run a second loop, so a helper thread does.
    assert threads["view"] != threads["loop"]


def test_running_loop_async_view_session_and_hooks(app: Erlen, client: t.Any) -> None:
    @app.route("/set")
    async def set_value() -> str:
        session["n"] = 1
        return "set"

    @app.after_request
    async def after(response: t.Any) -> t.Any:
        response.headers["X-Loop"] = "after"
        return response

    async def main() -> t.Any:
        return client.get("/set")

    response = asyncio.run(main())
    assert response.text == "set"
    assert response.headers["X-Loop"] == "after"
    assert "Set-Cookie" in response.headers


def test_running_loop_exception_propagates(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    async def index() -> str:
        raise AppError("from helper thread")

    async def main() -> t.Any:
        return client.get("/")

    with pytest.raises(AppError, match="from helper thread"):
        asyncio.run(main())


def test_running_loop_sync_view_still_works(app: Erlen, client: t.Any) -> None:
    @app.route("/")
    def index() -> str:
        return "sync in loop"

    async def main() -> t.Any:
        return client.get("/")

    assert asyncio.run(main()).text == "sync in loop"


def test_running_loop_ensure_sync_directly(app: Erlen) -> None:
    async def value() -> int:
        await asyncio.sleep(0)
        return 7

    async def main() -> int:
        return t.cast(int, app.ensure_sync(value)())

    assert asyncio.run(main()) == 7


def test_async_views_from_several_threads(app: Erlen) -> None:
    @app.route("/<int:n>")
    async def index(n: int) -> str:
        await asyncio.sleep(0)
        return str(n * 2)

    results: dict[int, str] = {}

    def worker(n: int) -> None:
        results[n] = app.test_client().get(f"/{n}").text

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert results == {n: str(n * 2) for n in range(8)}
