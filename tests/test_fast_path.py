"""The inlined WSGI adapter gives exactly the responses of the general one.

Each scenario builds the same app twice, one served by ``erlen.wsgi.wsgi_app``'s
inlined cycle (the default) and one forced through ``erlen.wsgi.handle``, sends both the same
requests, and compares status, header list (in order) and body byte for byte, as
well as what the app observed (hooks run, teardown arguments).

The later tests also send each request to the same app built with Flask (``Trio``):
classes and ``url_map`` assigned after the first request, request methods in any
case or missing, unusual ``PATH_INFO`` values, and routing settings changed between
requests. Where Flask has no answer (it fails without ``REQUEST_METHOD``) or erlen
deliberately differs (invalid UTF-8 in the path) only erlen's adapters are compared.
"""

from __future__ import annotations

import importlib
import typing as t
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType

import flask
import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import Forbidden
from werkzeug.routing import Map as WerkzeugMap
from werkzeug.routing import Rule
from werkzeug.test import EnvironBuilder

import erlen
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
from erlen.routing import Map as ErlenMap

Scenario = Callable[[list[str]], Erlen]


Answer = tuple[str, list[tuple[str, str]], bytes]


def call(app: t.Any, **builder_args: t.Any) -> Answer:
    return call_environ(app, EnvironBuilder(**builder_args).get_environ())


def call_environ(app: t.Any, environ: dict[str, t.Any]) -> Answer:
    """Status, header list and body of one real WSGI call."""
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

    @app.route("/response")
    def response_object() -> erlen.Response:
        # A response object the view made itself: finalize_request returns it as it
        # is when nothing comes after the view.
        return erlen.Response("made", 202, {"X-Made": "yes"})

    @app.route("/jsonify")
    def jsonified() -> erlen.Response:
        return erlen.jsonify(made=True)

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
    {"path": "/response"},
    {"path": "/response", "method": "HEAD"},
    {"path": "/response", "headers": {"Cookie": "session=garbage"}},
    {"path": "/jsonify"},
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


# --- the same app in erlen (both adapters) and in Flask -------------------------------

Build = Callable[[ModuleType], t.Any]
Change = Callable[[t.Any, ModuleType], None]
EnvironFactory = Callable[[], dict[str, t.Any]]


def make_environ(
    path: str = "/",
    *,
    method: str | None = "GET",
    path_info: str | None = None,
    drop: tuple[str, ...] = (),
    **builder_args: t.Any,
) -> EnvironFactory:
    """A factory of fresh environs, for what ``EnvironBuilder`` cannot express.

    ``method`` and ``path_info`` are written into the environ as given (any case,
    raw latin-1 carried bytes); keys in ``drop`` are removed.
    """

    def factory() -> dict[str, t.Any]:
        environ = EnvironBuilder(path=path, **builder_args).get_environ()
        if method is not None:
            environ["REQUEST_METHOD"] = method
        if path_info is not None:
            environ["PATH_INFO"] = path_info
        for key in drop:
            del environ[key]
        return environ

    return factory


def comparable(answer: Answer) -> tuple[str, list[tuple[str, str]], bytes]:
    """An answer with its headers sorted (Flask lists ``Allow`` in set order)."""
    status, headers, body = answer
    normalised = [
        (name, ", ".join(sorted(value.split(", "))) if name == "Allow" else value)
        for name, value in headers
    ]
    return status, sorted(normalised), body


class Trio:
    """One app built three times: erlen on the inlined cycle, erlen forced through
    the general adapter, and Flask. Every request goes to all three."""

    def __init__(self, build: Build) -> None:
        self.fast = build(erlen)
        self.general = build(erlen)
        self.flask = build(flask)

    def change(self, change: Change) -> None:
        change(self.fast, erlen)
        change(self.general, erlen)
        change(self.flask, flask)

    def request(self, environ: EnvironFactory, *, like_flask: bool = True) -> Answer:
        """erlen's answer, once both adapters agree on it (and Flask, unless told not to)."""
        with general_only(self.general):
            general = call_environ(self.general, environ())
        fast = call_environ(self.fast, environ())
        assert fast == general
        if like_flask:
            assert comparable(fast) == comparable(call_environ(self.flask, environ()))
        return fast

    def get(self, path: str = "/", **kwargs: t.Any) -> Answer:
        return self.request(make_environ(path, **kwargs))


def new_app(fw: ModuleType) -> t.Any:
    return flask.Flask(__name__) if fw is flask else Erlen(__name__)


@pytest.fixture
def general_adapter_apps(monkeypatch: pytest.MonkeyPatch) -> list[t.Any]:
    """The apps ``erlen.wsgi.handle`` (the general adapter) was called for."""
    apps: list[t.Any] = []
    original = erlen_wsgi.handle

    def spy(app: t.Any, *args: t.Any) -> t.Any:
        apps.append(app)
        return original(app, *args)

    monkeypatch.setattr(erlen_wsgi, "handle", spy)
    return apps


# --- request, response and session classes assigned after the first request ------------


def swappable_app(fw: ModuleType) -> t.Any:
    app = new_app(fw)
    app.secret_key = "swap secret"

    @app.route("/")
    def index() -> str:
        return "request " + getattr(fw.request, "flavour", "plain")

    @app.route("/json")
    def as_json() -> dict[str, t.Any]:
        return {"flavour": getattr(fw.request, "flavour", "plain"), "who": fw.session.get("who")}

    @app.route("/dir/")
    def directory() -> str:
        return "dir"

    return app


def session_interface_class(fw: ModuleType) -> t.Any:
    return importlib.import_module(f"{fw.__name__}.sessions").SecureCookieSessionInterface


def swap_request_class(app: t.Any, fw: ModuleType) -> None:
    app.request_class = type("FlavouredRequest", (fw.Request,), {"flavour": "custom"})


def swap_response_class(app: t.Any, fw: ModuleType) -> None:
    class TaggedResponse(fw.Response):  # type: ignore[name-defined,misc]
        default_mimetype = "text/x-tagged"

        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Response-Class"] = "tagged"

    app.response_class = TaggedResponse


def swap_session_interface(app: t.Any, fw: ModuleType) -> None:
    class PrefilledSessions(session_interface_class(fw)):  # type: ignore[misc]
        def open_session(self, app: t.Any, request: t.Any) -> t.Any:
            session = super().open_session(app, request)
            if session is not None:
                session.setdefault("who", "prefilled")
            return session

        def save_session(self, app: t.Any, session: t.Any, response: t.Any) -> None:
            response.headers["X-Session-Interface"] = "prefilled"

    app.session_interface = PrefilledSessions()


def restore_defaults(app: t.Any, fw: ModuleType) -> None:
    app.request_class = fw.Request
    app.response_class = fw.Response
    app.session_interface = session_interface_class(fw)()


SWAP_REQUESTS: list[dict[str, t.Any]] = [
    {"path": "/"},
    {"path": "/", "method": "HEAD"},
    {"path": "/json"},
    {"path": "/dir"},
    {"path": "/missing"},
    {"path": "/", "method": "DELETE"},
]


def answers(trio: Trio) -> dict[str, Answer]:
    return {
        f"{args.get('method', 'GET')} {args['path']}": trio.get(**args) for args in SWAP_REQUESTS
    }


def test_request_class_assigned_after_first_request_is_used_for_the_next(
    general_adapter_apps: list[t.Any],
) -> None:
    trio = Trio(swappable_app)
    assert trio.get("/")[2] == b"request plain"

    trio.change(swap_request_class)
    assert trio.get("/")[2] == b"request custom"
    assert trio.get("/json")[2] == b'{"flavour":"custom","who":null}\n'
    assert trio.fast in general_adapter_apps
    answers(trio)


def test_response_class_assigned_after_first_request_is_used_for_the_next(
    general_adapter_apps: list[t.Any],
) -> None:
    trio = Trio(swappable_app)
    assert ("X-Response-Class", "tagged") not in trio.get("/")[1]

    trio.change(swap_response_class)
    status, headers, body = trio.get("/")
    assert (status, body) == ("200 OK", b"request plain")
    assert ("X-Response-Class", "tagged") in headers
    assert ("Content-Type", "text/x-tagged; charset=utf-8") in headers
    assert ("X-Response-Class", "tagged") in trio.get("/json")[1]
    assert trio.fast in general_adapter_apps
    answers(trio)


def test_session_interface_assigned_after_first_request_is_used_for_the_next(
    general_adapter_apps: list[t.Any],
) -> None:
    trio = Trio(swappable_app)
    assert trio.get("/json")[2] == b'{"flavour":"plain","who":null}\n'

    trio.change(swap_session_interface)
    _, headers, body = trio.get("/json")
    assert body == b'{"flavour":"plain","who":"prefilled"}\n'
    assert ("X-Session-Interface", "prefilled") in headers
    assert trio.fast in general_adapter_apps
    answers(trio)


@pytest.mark.parametrize(
    "name",
    [
        "full_dispatch_request",
        "preprocess_request",
        "dispatch_request",
        "finalize_request",
        "make_response",
        "process_response",
        "do_teardown_request",
        "do_teardown_appcontext",
    ],
)
@pytest.mark.parametrize("after_first_request", [False, True])
def test_cycle_methods_replaced_on_the_instance_are_called(
    name: str, after_first_request: bool
) -> None:
    """Extensions replace request-cycle methods on the app instance (Flask-DebugToolbar
    sets ``app.dispatch_request`` to wrap views in its profiler): each request then
    calls the replacement, as in Flask."""
    trio = Trio(swappable_app)
    if after_first_request:
        trio.get("/")
    calls: list[str] = []

    def replace(app: t.Any, fw: ModuleType) -> None:
        original = getattr(app, name)

        def replacement(*args: t.Any, **kwargs: t.Any) -> t.Any:
            calls.append(fw.__name__)
            rv = original(*args, **kwargs)
            if isinstance(rv, str):
                return f"{rv} (replaced)"
            if hasattr(rv, "headers"):
                rv.headers["X-Replaced"] = name
            return rv

        setattr(app, name, replacement)

    trio.change(replace)
    status, headers, body = trio.get("/")
    assert status == "200 OK"
    # The general adapter, the inlined one, then Flask: each called the replacement.
    assert calls == ["erlen", "erlen", "flask"]
    if name == "dispatch_request":
        assert body == b"request plain (replaced)"
    elif not name.startswith(("do_teardown", "preprocess")):
        assert ("X-Replaced", name) in headers


@pytest.mark.parametrize("swap", [swap_request_class, swap_response_class, swap_session_interface])
def test_default_classes_assigned_back_bring_back_the_fast_adapter_with_same_answers(
    swap: Change, general_adapter_apps: list[t.Any]
) -> None:
    trio = Trio(swappable_app)
    before = answers(trio)
    trio.change(swap)
    answers(trio)

    trio.change(restore_defaults)
    general_adapter_apps.clear()
    assert answers(trio) == before
    assert trio.fast not in general_adapter_apps


# --- url_map assigned after the first request ----------------------------------------


def two_maps_app(fw: ModuleType) -> t.Any:
    app = new_app(fw)
    app.add_url_rule("/old", "old", lambda: "old")
    app.add_url_rule("/old/<int:n>", "old_n", lambda n: f"old {n}")
    app.view_functions["new"] = lambda: "new"
    app.view_functions["new_n"] = lambda n: f"new {n}"
    return app


def replacement_map(map_class: type[t.Any]) -> Change:
    def change(app: t.Any, fw: ModuleType) -> None:
        # Flask's map class is Werkzeug's either way.
        new_map = map_class() if fw is erlen else type(app.url_map)()
        new_map.add(Rule("/new", endpoint="new"))
        new_map.add(Rule("/new/<int:n>", endpoint="new_n"))
        app.original_map = app.url_map
        app.url_map = new_map

    return change


def restore_map(app: t.Any, fw: ModuleType) -> None:
    app.url_map = app.original_map


@pytest.mark.parametrize("map_class", [ErlenMap, WerkzeugMap], ids=["erlen-Map", "werkzeug-Map"])
def test_url_map_assigned_after_first_request_routes_the_next(
    map_class: type[t.Any], general_adapter_apps: list[t.Any]
) -> None:
    trio = Trio(two_maps_app)
    assert trio.get("/old")[2] == b"old"
    assert trio.get("/old/3")[2] == b"old 3"
    assert trio.get("/new")[0] == "404 NOT FOUND"

    trio.change(replacement_map(map_class))
    assert trio.get("/new")[:3:2] == ("200 OK", b"new")
    assert trio.get("/new/4")[:3:2] == ("200 OK", b"new 4")
    assert trio.get("/old")[0] == "404 NOT FOUND"
    assert trio.get("/old/3")[0] == "404 NOT FOUND"

    trio.change(restore_map)
    assert trio.get("/old")[2] == b"old"
    assert trio.get("/old/3")[2] == b"old 3"
    assert trio.get("/new")[0] == "404 NOT FOUND"
    assert trio.get("/new/4")[0] == "404 NOT FOUND"
    assert trio.fast not in general_adapter_apps


# --- odd request methods ------------------------------------------------------------


def methods_app(fw: ModuleType) -> t.Any:
    app = new_app(fw)

    @app.route("/", methods=["GET", "POST", "PURGE"])
    def index() -> str:
        return fw.request.method  # type: ignore[no-any-return]

    @app.route("/json")
    def as_json() -> dict[str, str]:
        return {"method": fw.request.method}

    @app.route("/made")
    def made() -> t.Any:
        return fw.make_response(fw.request.method)

    @app.route("/dir/")
    def directory() -> str:
        return "dir"

    return app


@pytest.mark.parametrize("path", ["/", "/json", "/made", "/dir", "/missing"])
@pytest.mark.parametrize(
    "method", ["get", "Get", "post", "purge", "PURGE", "options", "delete", "head", "HEAD"]
)
def test_request_method_in_any_case_is_upper_cased_and_answered_like_flask(
    method: str, path: str
) -> None:
    trio = Trio(methods_app)
    status, _, body = trio.get(path, method=method)
    if status == "200 OK" and path != "/dir" and method.upper() not in ("HEAD", "OPTIONS"):
        # The views echo request.method.
        assert method.upper().encode() in body


@pytest.mark.parametrize("path", ["/", "/json", "/made"])
def test_missing_request_method_is_get_for_both_adapters(path: str) -> None:
    # Flask fails with a KeyError on such an environ: compare erlen's adapters only.
    trio = Trio(methods_app)
    status, _, body = trio.request(make_environ(path, drop=("REQUEST_METHOD",)), like_flask=False)
    assert status == "200 OK"
    assert b"GET" in body


# --- odd request paths ----------------------------------------------------------------


def paths_app(fw: ModuleType) -> t.Any:
    app = new_app(fw)

    @app.route("/")
    def index() -> str:
        return "index " + fw.request.path

    @app.route("/x")
    def x() -> str:
        return "x " + fw.request.path

    @app.route("/a/b")
    def ab() -> str:
        return "ab " + fw.request.path

    @app.route("/café")
    def cafe() -> str:
        return "café " + fw.request.path

    @app.route("/tag/<name>")
    def tag(name: str) -> dict[str, str]:
        return {"name": name}

    @app.route("/dir/")
    def directory() -> str:
        return "dir"

    return app


def test_missing_path_info_routes_to_the_root_like_flask() -> None:
    trio = Trio(paths_app)
    answer = trio.request(make_environ(drop=("PATH_INFO",)))
    assert answer[::2] == ("200 OK", b"index /")


@pytest.mark.parametrize(
    "base_url", ["http://localhost/", "http://localhost/app/"], ids=["root", "mounted"]
)
def test_empty_path_info_is_answered_like_flask(base_url: str) -> None:
    # Flask redirects an empty path (the mount point itself, "/app") to "/app/".
    trio = Trio(paths_app)
    status, headers, _ = trio.request(
        make_environ(path_info="", base_url=base_url, query_string="q=1")
    )
    assert status == "308 PERMANENT REDIRECT"
    assert ("Location", f"{base_url}?q=1") in headers


@pytest.mark.parametrize(
    "path_info",
    [
        "/",
        "//",
        "///",
        "//x",
        "x",
        "/x/",
        "/a//b",
        "//a//b",
        "/a/b//",
        "/caf\xc3\xa9",
        "//caf\xc3\xa9",
        "/caf\xc3\xa9/",
        "caf\xc3\xa9",
        "/caf%C3%A9",
        "/tag/\xe6\x97\xa5\xe6\x9c\xac",
        "/tag//\xe6\x97\xa5",
        "/dir",
        "//dir",
        "/\xc3\xa9/",
    ],
)
def test_unusual_path_info_is_answered_alike_and_like_flask(path_info: str) -> None:
    trio = Trio(paths_app)
    trio.request(make_environ(path_info=path_info, query_string="q=1"))


@pytest.mark.parametrize(
    "path_info", ["/\xff", "/caf\xe9", "/tag/caf\xe9", "//\xc3", "/a//\xe9", "\xff"]
)
def test_invalid_utf8_path_info_is_a_400_in_both_adapters(path_info: str) -> None:
    # Flask routes these with U+FFFD in place; erlen deliberately refuses them.
    trio = Trio(paths_app)
    status, _, body = trio.request(make_environ(path_info=path_info), like_flask=False)
    assert status == "400 BAD REQUEST"
    assert b"not valid UTF-8" in body


# --- routing settings changed after the first request ---------------------------------


def hosts_app(fw: ModuleType) -> t.Any:
    app = new_app(fw)
    app.add_url_rule("/", "index", lambda: "index")
    app.add_url_rule("/page/<int:n>", "page", lambda n: f"page {n}")
    return app


def subdomains_app(fw: ModuleType) -> t.Any:
    app = new_app(fw)
    app.subdomain_matching = True
    app.add_url_rule("/", "index", lambda: "index")
    app.add_url_rule("/", "api", lambda: "api", subdomain="api")
    app.add_url_rule("/u", "user", lambda user: f"user {user}", subdomain="<user>")
    return app


def set_config(**values: t.Any) -> Change:
    def change(app: t.Any, fw: ModuleType) -> None:
        app.config.update(values)

    return change


@pytest.mark.filterwarnings("ignore:Current server name:UserWarning")
def test_trusted_hosts_set_after_first_request_apply_to_the_next() -> None:
    trio = Trio(hosts_app)
    assert trio.get("/", base_url="http://evil.test/")[0] == "200 OK"
    assert trio.get("/page/2", base_url="http://evil.test/")[0] == "200 OK"

    trio.change(set_config(TRUSTED_HOSTS=["good.test", ".wild.test"]))
    for path in ["/", "/page/2", "/missing"]:
        assert trio.get(path, base_url="http://evil.test/")[0] == "400 BAD REQUEST"
        trio.get(path, base_url="http://good.test/")
        trio.get(path, base_url="http://a.wild.test/")
    assert trio.get("/page/2", base_url="http://good.test/")[2] == b"page 2"

    trio.change(set_config(TRUSTED_HOSTS=None))
    assert trio.get("/", base_url="http://evil.test/")[0] == "200 OK"


@pytest.mark.filterwarnings("ignore:Current server name:UserWarning")
def test_server_name_set_after_first_request_applies_to_the_next() -> None:
    trio = Trio(hosts_app)
    trio.get("/", base_url="http://other.test/")

    trio.change(set_config(SERVER_NAME="example.test"))
    for base_url in ["http://example.test/", "http://other.test/", "http://www.example.test/"]:
        trio.get("/", base_url=base_url)
        trio.get("/page/3", base_url=base_url)


@pytest.mark.filterwarnings("ignore:Current server name:UserWarning")
def test_server_name_set_after_first_request_selects_subdomains_of_the_next() -> None:
    trio = Trio(subdomains_app)
    assert trio.get("/", base_url="http://api.example.test/")[2] == b"index"

    trio.change(set_config(SERVER_NAME="example.test"))
    assert trio.get("/", base_url="http://api.example.test/")[2] == b"api"
    assert trio.get("/", base_url="http://example.test/")[2] == b"index"
    assert trio.get("/u", base_url="http://ann.example.test/")[2] == b"user ann"
    assert trio.get("/", base_url="http://other.test/")[0] == "404 NOT FOUND"

    trio.change(set_config(SERVER_NAME="other.test"))
    assert trio.get("/", base_url="http://other.test/")[2] == b"index"
    assert trio.get("/", base_url="http://api.example.test/")[0] == "404 NOT FOUND"


def set_default_subdomain(subdomain: str) -> Change:
    def change(app: t.Any, fw: ModuleType) -> None:
        app.url_map.default_subdomain = subdomain

    return change


@pytest.mark.filterwarnings("ignore:Current server name:UserWarning")
@pytest.mark.parametrize("build", [hosts_app, subdomains_app])
def test_default_subdomain_set_after_first_request_applies_to_the_next(build: Build) -> None:
    trio = Trio(build)
    trio.change(set_config(SERVER_NAME="example.test"))
    trio.get("/", base_url="http://example.test/")

    trio.change(set_default_subdomain("www"))
    for base_url in [
        "http://example.test/",
        "http://www.example.test/",
        "http://api.example.test/",
    ]:
        trio.get("/", base_url=base_url)
        trio.get("/page/1", base_url=base_url)
        trio.get("/u", base_url=base_url)

    # A rule added now is bound with the new default subdomain.
    def add_www_rule(app: t.Any, fw: ModuleType) -> None:
        app.view_functions["late"] = lambda: "late"
        app.url_map.add(Rule("/late", endpoint="late"))

    trio.change(add_www_rule)
    assert trio.get("/late", base_url="http://www.example.test/")[2] == b"late"
    trio.get("/late", base_url="http://example.test/")

    trio.change(set_default_subdomain(""))
    for base_url in ["http://example.test/", "http://www.example.test/"]:
        trio.get("/", base_url=base_url)
        trio.get("/late", base_url=base_url)


@pytest.mark.filterwarnings("ignore:Current server name:UserWarning")
def test_subdomain_matching_switched_on_after_first_request_applies_to_the_next() -> None:
    trio = Trio(hosts_app)
    trio.change(set_config(SERVER_NAME="example.test"))
    assert trio.get("/", base_url="http://other.test/")[0] == "200 OK"

    def switch_on(app: t.Any, fw: ModuleType) -> None:
        app.subdomain_matching = True

    trio.change(switch_on)
    trio.get("/", base_url="http://other.test/")
    trio.get("/", base_url="http://example.test/")
    trio.get("/", base_url="http://www.example.test/")


@given(
    cookie=st.one_of(
        st.none(),
        st.text(alphabet='ab=; "\\\t,.x\u00e9', max_size=40),
        st.lists(
            st.tuples(st.from_regex(r"[a-z_]{1,6}", fullmatch=True), st.text(max_size=8)),
            max_size=4,
        ).map(lambda pairs: "; ".join(f"{k}={v}" for k, v in pairs)),
    )
)
def test_request_cookies_are_werkzeugs(cookie: str | None) -> None:
    """erlen reads the Cookie header straight from the environ; Werkzeug's request
    goes through its headers: both give the same cookies."""
    from werkzeug.wrappers import Request as WerkzeugRequest

    environ = EnvironBuilder("/").get_environ()
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie.encode("utf-8").decode("latin-1")
    ours = erlen.Request(dict(environ)).cookies
    theirs = WerkzeugRequest(dict(environ)).cookies
    assert list(ours.items(multi=True)) == list(theirs.items(multi=True))
    assert type(ours) is type(theirs)


def test_request_cookies_follow_replaced_headers() -> None:
    from werkzeug.datastructures import Headers

    request = erlen.Request(EnvironBuilder("/", headers={"Cookie": "a=1"}).get_environ())
    request.headers = Headers([("Cookie", "b=2"), ("Cookie", "c=3")])  # type: ignore[misc]
    assert dict(request.cookies) == {"b": "2", "c": "3"}


def test_a_response_object_with_a_permanent_session_cookie_refreshes_it_on_both_adapters() -> None:
    answers = []
    for general in (False, True):
        app = session_app([])
        _, headers, _ = call(app, path="/count", query_string="permanent=1")
        cookie = dict(headers)["Set-Cookie"].split(";")[0]
        if general:
            app._inline_cycle = False
        status, headers, body = call(app, path="/response", headers={"Cookie": cookie})
        assert status == "202 ACCEPTED" and body == b"made"
        refreshed = [value for name, value in headers if name == "Set-Cookie"]
        assert len(refreshed) == 1 and refreshed[0].startswith("session=")
        answers.append([name for name, _ in headers])
    assert answers[0] == answers[1]
