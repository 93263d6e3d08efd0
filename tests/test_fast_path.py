"""The inlined WSGI adapter gives exactly the responses of the general one.

Each scenario builds the same app twice, one served by ``erlen.wsgi.wsgi_app``'s
inlined cycle (the default) and one forced through ``erlen.wsgi.handle``, sends both the same
requests, and compares status, header list (in order) and body byte for byte, as
well as what the app observed (hooks run, teardown arguments).
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from werkzeug.exceptions import Forbidden
from werkzeug.test import EnvironBuilder

from erlen import (
    Blueprint,
    Erlen,
    abort,
    after_this_request,
    g,
    redirect,
    request,
    session,
    signals,
    stream_with_context,
)
from erlen import wsgi as erlen_wsgi

Scenario = Callable[[list[str]], Erlen]


def call(app: Erlen, **builder_args: t.Any) -> tuple[str, list[tuple[str, str]], bytes]:
    environ = EnvironBuilder(**builder_args).get_environ()
    seen: dict[str, t.Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        seen["status"] = status
        seen["headers"] = list(headers)
        return lambda data: None

    body_iter = app(environ, start_response)
    try:
        body = b"".join(body_iter)
    finally:
        close = getattr(body_iter, "close", None)
        if close is not None:
            close()
    return seen["status"], seen["headers"], body


def plain_app(events: list[str]) -> Erlen:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "Hello, World!"

    @app.route("/bytes")
    def raw() -> bytes:
        return b"\x00\x01"

    @app.route("/json/<int:n>")
    def as_json(n: int) -> dict[str, t.Any]:
        return {"n": n, "text": "é", "list": [1, 2]}

    @app.route("/list")
    def as_list() -> list[int]:
        return [3, 2, 1]

    @app.route("/tuple")
    def with_status() -> tuple[str, int, dict[str, str]]:
        return "made", 201, {"X-Thing": "1"}

    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            yield "a"
            yield request.args.get("b", "b")

        return stream_with_context(generate())

    @app.route("/redirect")
    def go() -> t.Any:
        return redirect("/elsewhere")

    @app.route("/abort")
    def forbidden() -> str:
        abort(403)

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("boom")

    @app.route("/none")
    def nothing() -> None:
        return None

    @app.route("/slash/")
    def slash() -> str:
        return "slash"

    @app.route("/post", methods=["POST"])
    def post() -> str:
        return request.get_data(as_text=True)

    @app.route("/g")
    def uses_g() -> str:
        g.value = "set"
        return g.value  # type: ignore[no-any-return]

    @app.route("/later")
    def later() -> str:
        @after_this_request
        def add(response: t.Any) -> t.Any:
            response.headers["X-Later"] = "yes"
            return response

        return "later"

    @app.errorhandler(ValueError)
    def on_value_error(e: ValueError) -> tuple[str, int]:
        events.append(f"handled {e}")
        return "handled", 500

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown {exc!r}")

    return app


def hooks_app(events: list[str]) -> Erlen:
    app = plain_app(events)

    @app.before_request
    def before() -> str | None:
        events.append(f"before {request.path}")
        if request.path == "/blocked":
            return "blocked"
        return None

    @app.after_request
    def after(response: t.Any) -> t.Any:
        response.headers["X-After"] = "1"
        return response

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        events.append(f"teardown app {exc!r}")

    return app


def session_app(events: list[str]) -> Erlen:
    app = plain_app(events)
    app.secret_key = "fast path secret"

    @app.route("/count")
    def count() -> str:
        session["n"] = session.get("n", 0) + 1
        session.permanent = request.args.get("permanent") == "1"
        return str(session["n"])

    return app


def debug_json_app(events: list[str]) -> Erlen:
    app = plain_app(events)
    app.debug = True
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.json.sort_keys = False  # type: ignore[attr-defined]
    return app


def blueprint_app(events: list[str]) -> Erlen:
    app = plain_app(events)
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.before_request
    def bp_before() -> None:
        events.append("bp before")

    @bp.route("/item/<int:item>")
    def item(item: int) -> dict[str, int]:
        return {"item": item}

    app.register_blueprint(bp)
    return app


def mimetype_app(events: list[str]) -> Erlen:
    app = plain_app(events)
    app.json.mimetype = "application/vnd.erlen+json"  # type: ignore[attr-defined]
    app.json.compact = False  # type: ignore[attr-defined]
    return app


SCENARIOS: dict[str, Scenario] = {
    "plain": plain_app,
    "hooks": hooks_app,
    "session": session_app,
    "debug-json": debug_json_app,
    "blueprint": blueprint_app,
    "json-settings": mimetype_app,
}

REQUESTS: list[dict[str, t.Any]] = [
    {"path": "/"},
    {"path": "/", "method": "HEAD"},
    {"path": "/", "method": "OPTIONS"},
    {"path": "/", "method": "POST"},
    {"path": "/bytes"},
    {"path": "/json/7"},
    {"path": "/json/7", "method": "HEAD"},
    {"path": "/json/x"},
    {"path": "/list"},
    {"path": "/tuple"},
    {"path": "/stream", "query_string": "b=c"},
    {"path": "/redirect"},
    {"path": "/abort"},
    {"path": "/boom"},
    {"path": "/none"},
    {"path": "/slash"},
    {"path": "/post", "method": "POST", "data": "payload"},
    {"path": "/g"},
    {"path": "/later"},
    {"path": "/missing"},
    {"path": "/blocked"},
    {"path": "/count"},
    {"path": "/count", "query_string": "permanent=1"},
    {"path": "/count", "headers": {"Cookie": "session=garbage"}},
    {"path": "/", "headers": {"Cookie": "session=garbage"}},
    {"path": "/bp/item/3"},
    {"path": "/bp/nothing"},
    {"path": "/", "environ_overrides": {"PATH_INFO": "//"}},
    {"path": "/", "environ_overrides": {"PATH_INFO": "/caf\xc3\xa9"}},
    {"path": "/", "environ_overrides": {"PATH_INFO": "/\xff"}},
]


@contextmanager
def general_only(app: Erlen) -> Iterator[None]:
    app._inline_cycle = False
    try:
        yield
    finally:
        app._inline_cycle = None


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("args", REQUESTS, ids=lambda a: f"{a.get('method', 'GET')} {a['path']}")
def test_fast_and_general_adapters_answer_alike(scenario: str, args: dict[str, t.Any]) -> None:
    fast_events: list[str] = []
    general_events: list[str] = []
    fast_app = SCENARIOS[scenario](fast_events)
    general_app = SCENARIOS[scenario](general_events)

    with general_only(general_app):
        expected = call(general_app, **args)
    actual = call(fast_app, **args)

    assert actual == expected
    assert fast_events == general_events


def test_default_app_is_served_by_the_fast_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    original = erlen_wsgi.handle

    def spy(*args: t.Any) -> t.Any:
        used.append("general")
        return original(*args)

    monkeypatch.setattr(erlen_wsgi, "handle", spy)
    app = plain_app([])
    assert call(app, path="/")[2] == b"Hello, World!"
    assert used == []


@pytest.mark.parametrize(
    "change",
    ["override_method", "request_class", "response_class", "session_interface", "signal"],
)
def test_apps_that_customise_the_cycle_use_the_general_adapter(
    change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from erlen.sessions import SecureCookieSessionInterface
    from erlen.wrappers import Request, Response

    class Custom(Erlen):
        def process_response(self, response: t.Any) -> t.Any:
            response.headers["X-Custom"] = "1"
            return super().process_response(response)

    app: Erlen = Custom(__name__) if change == "override_method" else Erlen(__name__)
    app.add_url_rule("/", "index", lambda: "hi")
    if change == "request_class":
        app.request_class = type("MyRequest", (Request,), {})
    elif change == "response_class":
        app.response_class = type("MyResponse", (Response,), {})
    elif change == "session_interface":
        app.session_interface = type("MySessions", (SecureCookieSessionInterface,), {})()

    used: list[str] = []
    original = erlen_wsgi.handle

    def spy(*args: t.Any) -> t.Any:
        used.append("general")
        return original(*args)

    monkeypatch.setattr(erlen_wsgi, "handle", spy)
    if change == "signal":
        with signals.appcontext_pushed.connected_to(lambda sender, **kw: None, app):
            status, headers, body = call(app, path="/")
    else:
        status, headers, body = call(app, path="/")
    assert (status, body) == ("200 OK", b"hi")
    assert used == ["general"]
    if change == "override_method":
        assert ("X-Custom", "1") in headers


def test_receivers_of_request_finished_see_a_response_object() -> None:
    app = plain_app([])
    seen: list[int] = []

    def receiver(sender: Erlen, response: t.Any, **kwargs: t.Any) -> None:
        seen.append(response.status_code)

    with signals.request_finished.connected_to(receiver, app):
        assert call(app, path="/")[2] == b"Hello, World!"
    assert seen == [200]


def test_errors_still_reach_handlers_with_the_fast_adapter() -> None:
    app = plain_app([])

    @app.errorhandler(Forbidden)
    def on_forbidden(e: Forbidden) -> tuple[str, int]:
        return "nope", 403

    assert call(app, path="/abort")[:1] == ("403 FORBIDDEN",)
    assert call(app, path="/abort")[2] == b"nope"
