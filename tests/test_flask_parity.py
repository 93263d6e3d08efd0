"""erlen against Flask itself: the same app, the same requests, the same answers.

Each scenario is a ``build(fw)`` function that makes an app through the public API
of the framework module it is given (``erlen`` or ``flask``), together with a list
of requests. Both apps are driven by their own ``test_client()`` (so cookies carry
over from one request of a scenario to the next) and, request by request, must
give the same status line, the same body bytes and the same headers, or raise an
exception of the same type.

Headers are normalised before comparing: ``Date`` is dropped, ``Allow`` and
``Vary`` are compared as sets, and a ``Set-Cookie`` is compared by name and
attributes, with a signed session value replaced by the session it decodes to and
an expiry within the next year replaced by its distance from now in minutes.

A request that carries its own ``Cookie`` header is sent by a client without a cookie
jar (the jar would replace the header). Requests whose Flask answer is meant to be a
500 or an exception are marked with ``expect_error()``; every other request must
succeed on Flask, so a mistake in a scenario cannot pass unnoticed.

Known, intended differences are kept out: erlen's stricter handling of broken
percent-encoding and ``Content-Length``, its invalid-JSON message (such requests
compare the status only), the missing ``Content-Type`` on 204 responses (no
scenario answers 204), ``MAX_FORM_MEMORY_SIZE`` on urlencoded forms, teardown
functions after one raises (and after a ``stream_with_context`` stream: once, not
twice), bare ``template_filter`` decorators, a blueprint's
404 and 405 handlers for routing errors under its prefix, and the debug-mode 400
that names the form fields sent.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import decimal
import hashlib
import importlib
import io
import typing as t
import uuid
from collections.abc import Callable
from types import ModuleType

import flask
import pytest
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.http import parse_date
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Response as WerkzeugResponse

import erlen

Build = Callable[[ModuleType], t.Any]

# Werkzeug warns when a request's host is not SERVER_NAME, which some scenarios send.
pytestmark = pytest.mark.filterwarnings("ignore:Current server name:UserWarning")


@dataclasses.dataclass
class Req:
    """One request of a scenario: arguments for ``client.open``."""

    path: str
    method: str = "GET"
    opts: dict[str, t.Any] = dataclasses.field(default_factory=dict)
    status_only: bool = False

    def label(self) -> str:
        extra = f" {self.opts}" if self.opts else ""
        return f"{self.method} {self.path}{extra}"


def R(path: str, method: str = "GET", *, status_only: bool = False, **opts: t.Any) -> Req:
    return Req(path, method, opts, status_only)


SCENARIOS: dict[str, tuple[Build, list[Req]]] = {}


def scenario(*requests: Req) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        name = build.__name__
        assert name not in SCENARIOS, name
        SCENARIOS[name] = (build, list(requests))
        return build

    return register


def views_of(fw: ModuleType) -> ModuleType:
    return importlib.import_module(fw.__name__ + ".views")


# --- normalising and comparing ----------------------------------------------------


def _session_value(app: t.Any, value: str) -> t.Any:
    serializer = app.session_interface.get_signing_serializer(app)
    if serializer is None or not value:
        return value
    try:
        with app.app_context():
            return ("session", serializer.loads(value))
    except Exception as e:
        return ("undecodable session", type(e).__name__)


def _relative_date(value: str) -> str:
    """An HTTP date near now, as minutes from now (it depends on the clock)."""
    when = parse_date(value)
    if when is not None:
        delta = when - dt.datetime.now(dt.timezone.utc)
        if -dt.timedelta(days=1) < delta < dt.timedelta(days=366):
            return f"now+{round(delta.total_seconds() / 60)}min"
    return value


def _cookie(app: t.Any, header: str) -> tuple[t.Any, ...]:
    first, *attributes = (part.strip() for part in header.split(";"))
    name, _, value = first.partition("=")
    if name == app.config["SESSION_COOKIE_NAME"]:
        shown: t.Any = _session_value(app, value)
    else:
        shown = value
    attrs: list[tuple[str, str]] = []
    for attribute in attributes:
        key, _, attr_value = attribute.partition("=")
        if key.lower() == "expires":
            attr_value = _relative_date(attr_value)
        attrs.append((key, attr_value))
    return (name, shown, tuple(attrs))


def normalise_headers(app: t.Any, headers: Headers) -> list[tuple[str, t.Any]]:
    out: list[tuple[str, t.Any]] = []
    for key, value in headers.items():
        lower = key.lower()
        if lower == "date":
            continue
        if lower == "expires":
            out.append((key, _relative_date(value)))
            continue
        if lower in ("allow", "vary"):
            parts = tuple(sorted(p.strip() for p in value.split(",") if p.strip()))
            out.append((key, parts))
        elif lower == "set-cookie":
            out.append((key, _cookie(app, value)))
        else:
            out.append((key, value))
    return sorted(out, key=repr)


def run_scenario(fw: ModuleType, build: Build, requests: list[Req]) -> list[t.Any]:
    app = build(fw)
    client = app.test_client()
    results: list[t.Any] = []
    for req in requests:
        opts = copy.deepcopy(req.opts)
        # The client's cookie jar replaces any Cookie header; a request that sends its
        # own goes through a client without a jar.
        raw_cookie = "Cookie" in opts.get("headers", {})
        sender = app.test_client(use_cookies=False) if raw_cookie else client
        try:
            response = sender.open(req.path, method=req.method, **opts)
        except Exception as e:
            results.append(("raised", type(e).__name__))
            continue
        try:
            if req.status_only:
                results.append(("status", response.status))
            else:
                body = response.get_data()
                results.append((response.status, body, normalise_headers(app, response.headers)))
        except Exception as e:
            results.append(("raised while reading the body", type(e).__name__))
        finally:
            response.close()
    return results


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Scenarios are registered further down the module, after this function.
    if "scenario_name" in metafunc.fixturenames:
        metafunc.parametrize("scenario_name", list(SCENARIOS))


def test_erlen_answers_like_flask(scenario_name: str) -> None:
    name = scenario_name
    build, requests = SCENARIOS[name]
    expected = run_scenario(flask, build, requests)
    actual = run_scenario(erlen, build, requests)
    problems = []
    for index, (req, want, got) in enumerate(zip(requests, expected, actual, strict=True)):
        if want != got:
            problems.append(f"request {index}: {req.label()}\n  flask: {want!r}\n  erlen: {got!r}")
    assert not problems, f"{name}: {len(problems)} of {len(requests)} requests differ\n" + (
        "\n".join(problems)
    )


def test_every_scenario_runs_on_flask_without_unexpected_errors() -> None:
    """Guard the scenarios themselves: apart from requests that are meant to fail,
    Flask must not answer 500 or raise (a typo would otherwise compare equal)."""
    broken = []
    for name, (build, requests) in SCENARIOS.items():
        try:
            results = run_scenario(flask, build, requests)
        except Exception as e:
            broken.append(f"{name}: building or running failed: {e!r}")
            continue
        for req, result in zip(requests, results, strict=True):
            meant_to_fail = req.opts.get("headers", {}).get("X-Expect") == "error"
            failed = str(result[0]).startswith(("raised", "500"))
            if failed and not meant_to_fail:
                broken.append(f"{name}: {req.label()} -> {result[:2]!r}")
    assert not broken, "\n".join(broken)


def snapshot(fw: ModuleType) -> dict[str, t.Any]:
    """What a view can see of its request, as JSON."""
    r = fw.request
    return {
        "path": r.path,
        "full_path": r.full_path,
        "script_root": r.script_root,
        "url": r.url,
        "base_url": r.base_url,
        "url_root": r.url_root,
        "host": r.host,
        "host_url": r.host_url,
        "scheme": r.scheme,
        "is_secure": r.is_secure,
        "remote_addr": r.remote_addr,
        "endpoint": r.endpoint,
        "view_args": r.view_args,
        "rule": r.url_rule.rule if r.url_rule is not None else None,
        "blueprint": r.blueprint,
        "blueprints": r.blueprints,
        "method": r.method,
        "mimetype": r.mimetype,
        "mimetype_params": r.mimetype_params,
        "content_type": r.content_type,
        "content_length": r.content_length,
        "is_json": r.is_json,
        "best": r.accept_mimetypes.best,
        "query_string": r.query_string.decode("latin-1"),
        "args": r.args.to_dict(flat=False),
        "cookies": r.cookies.to_dict(flat=False),
        "headers": sorted([k, v] for k, v in r.headers.items()),
        "user_agent": r.user_agent.string,
    }


def expect_error(**opts: t.Any) -> dict[str, t.Any]:
    """Request options marking a request whose Flask answer is meant to be a 500 or
    an exception (see ``test_every_scenario_runs_on_flask_without_unexpected_errors``)."""
    headers = dict(opts.pop("headers", {}))
    headers["X-Expect"] = "error"
    return {"headers": headers, **opts}


# --- view return values -------------------------------------------------------------


@scenario(
    R("/str"),
    R("/unicode"),
    R("/bytes"),
    R("/bytearray"),
    R("/dict"),
    R("/nested-dict"),
    R("/list"),
    R("/empty-list"),
    R("/empty-str"),
    R("/markup"),
    R("/str", "HEAD"),
    R("/dict", "HEAD"),
)
def return_plain_values(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/str")
    def as_str():
        return "hello <world>"

    @app.route("/unicode")
    def as_unicode():
        return "grüße ☃ \U0001f600"

    @app.route("/bytes")
    def as_bytes():
        return b"raw\x00\xffbytes"

    @app.route("/bytearray")
    def as_bytearray():
        return bytearray(b"ba")

    @app.route("/dict")
    def as_dict():
        return {"b": 1, "a": [1, 2.5, None, True], "c": "é"}

    @app.route("/nested-dict")
    def as_nested():
        return {"z": {"y": {"x": []}}, "html": "<script>&'"}

    @app.route("/list")
    def as_list():
        return [3, "two", None, {"k": "v"}]

    @app.route("/empty-list")
    def as_empty_list():
        return []

    @app.route("/empty-str")
    def as_empty_str():
        return ""

    @app.route("/markup")
    def as_markup():
        return Markup("<b>bold</b>")

    return app


@scenario(
    R("/status"),
    R("/status-str"),
    R("/status-str-code-only"),
    R("/status-unknown"),
    R("/status-unknown-str"),
    R("/headers-dict"),
    R("/headers-list"),
    R("/headers-object"),
    R("/three-dict"),
    R("/three-list"),
    R("/dict-status"),
    R("/list-status"),
    R("/content-type-override"),
    R("/none-second"),
    R("/response-status"),
    R("/response-status-headers"),
    R("/response-headers-replace"),
    R("/status-str-code-only", "HEAD"),
)
def return_tuples(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/status")
    def status():
        return "created", 201

    @app.route("/status-str")
    def status_str():
        return "teapot", "418 I'm a teapot"

    @app.route("/status-str-code-only")
    def status_code_only():
        return "accepted", "202"

    @app.route("/status-unknown")
    def status_unknown():
        return "odd", 299

    @app.route("/status-unknown-str")
    def status_unknown_str():
        return "odd", "299 Quite Odd"

    @app.route("/headers-dict")
    def headers_dict():
        return "body", {"X-A": "1", "X-B": "two"}

    @app.route("/headers-list")
    def headers_list():
        return "body", [("X-A", "1"), ("X-A", "2")]

    @app.route("/headers-object")
    def headers_object():
        return "body", Headers([("X-H", "h"), ("X-H", "i")])

    @app.route("/three-dict")
    def three_dict():
        return "body", 202, {"X-B": "2"}

    @app.route("/three-list")
    def three_list():
        return {"k": "v"}, 203, [("X-C", "3")]

    @app.route("/dict-status")
    def dict_status():
        return {"error": "gone"}, 410

    @app.route("/list-status")
    def list_status():
        return [1, 2], 201

    @app.route("/content-type-override")
    def content_type_override():
        return "plain", {"Content-Type": "text/plain; charset=utf-8"}

    @app.route("/none-second")
    def none_second():
        return "x", None

    @app.route("/response-status")
    def response_status():
        return fw.Response("from response"), 404

    @app.route("/response-status-headers")
    def response_status_headers():
        return fw.make_response("made"), 202, {"X-D": "4"}

    @app.route("/response-headers-replace")
    def response_headers_replace():
        response = fw.make_response("made")
        response.headers["X-D"] = "old"
        return response, {"X-D": "new", "X-E": "e"}

    return app


@scenario(
    R("/none", **expect_error()),
    R("/int", **expect_error()),
    R("/set", **expect_error()),
    R("/four", **expect_error()),
    R("/one", **expect_error()),
    R("/object", **expect_error()),
    R("/ok"),
)
def return_invalid_values(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.testing = True

    @app.route("/none")
    def none():
        return None

    @app.route("/int")
    def integer():
        return 42

    @app.route("/set")
    def a_set():
        return {1, 2}

    @app.route("/four")
    def four():
        return "a", 200, {}, "extra"

    @app.route("/one")
    def one():
        return ("a",)

    @app.route("/object")
    def an_object():
        return object()

    @app.route("/ok")
    def ok():
        return "ok"

    return app


@scenario(
    R("/none", **expect_error()),
    R("/int", **expect_error()),
)
def return_invalid_values_without_propagation(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.errorhandler(500)
    def on_500(e):
        original = getattr(e, "original_exception", None)
        return f"500 with {type(original).__name__}", 500

    @app.route("/none")
    def none():
        pass

    @app.route("/int")
    def integer():
        return 7

    return app


@scenario(
    R("/response"),
    R("/response-args"),
    R("/response-mimetype-html"),
    R("/response-json"),
    R("/werkzeug-response"),
    R("/wsgi-callable"),
    R("/http-exception"),
    R("/modified"),
    R("/modified", "HEAD"),
    R("/bytes-iter"),
)
def return_response_objects(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/response")
    def response():
        return fw.Response("plain", status=202, mimetype="text/plain")

    @app.route("/response-args")
    def response_args():
        return fw.Response(
            "x", status="299 Made Up", headers={"X-E": "5"}, content_type="application/x-thing"
        )

    @app.route("/response-mimetype-html")
    def response_mimetype_html():
        return fw.Response("<p>", mimetype="text/html")

    @app.route("/response-json")
    def response_json():
        return fw.Response('{"a": 1}', content_type="application/json")

    @app.route("/werkzeug-response")
    def werkzeug_response():
        return WerkzeugResponse("from werkzeug", status=203, headers={"X-W": "w"})

    @app.route("/wsgi-callable")
    def wsgi_callable():
        def tiny_app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/x-tiny"), ("X-Tiny", "1")])
            return [b"tiny ", environ["PATH_INFO"].encode()]

        return tiny_app

    @app.route("/http-exception")
    def http_exception():
        return NotFound("returned, not raised")

    @app.route("/modified")
    def modified():
        response = fw.Response("start")
        response.set_data("replaced body")
        response.status_code = 201
        response.mimetype = "application/xml"
        response.headers.add("X-Multi", "1")
        response.headers.add("X-Multi", "2")
        response.headers["Location"] = "/relative/path?q=1"
        return response

    @app.route("/bytes-iter")
    def bytes_iter():
        return fw.Response([b"a", b"b", b"c"], content_type="text/plain")

    return app


@scenario(
    R("/empty"),
    R("/str"),
    R("/str-status"),
    R("/str-status-headers"),
    R("/tuple-arg"),
    R("/dict"),
    R("/list"),
    R("/passthrough"),
    R("/cookie"),
    R("/bytes"),
    R("/str-status-str"),
)
def make_response_variants(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/empty")
    def empty():
        response = fw.make_response()
        response.headers["X-Empty"] = "yes"
        return response

    @app.route("/str")
    def string():
        return fw.make_response("text")

    @app.route("/str-status")
    def string_status():
        return fw.make_response("text", 201)

    @app.route("/str-status-headers")
    def string_status_headers():
        return fw.make_response("text", 201, {"X-One": "1"})

    @app.route("/tuple-arg")
    def tuple_arg():
        return fw.make_response(("from tuple", 202, [("X-T", "t")]))

    @app.route("/dict")
    def a_dict():
        return fw.make_response({"z": 1, "a": 2})

    @app.route("/list")
    def a_list():
        return fw.make_response(["x", 1])

    @app.route("/passthrough")
    def passthrough():
        original = fw.Response("orig", status=203)
        return fw.make_response(original)

    @app.route("/cookie")
    def cookie():
        response = fw.make_response("with cookie")
        response.set_cookie("flavour", "oat", max_age=60, httponly=True, samesite="Strict")
        return response

    @app.route("/bytes")
    def some_bytes():
        return fw.make_response(b"\x01\x02", 200)

    @app.route("/str-status-str")
    def string_status_string():
        return fw.make_response("text", "401 Who Are You")

    return app


@scenario(
    R("/gen"),
    R("/gen-bytes"),
    R("/gen-status"),
    R("/gen-response"),
    R("/iterator"),
    R("/with-context?name=ann&name=bob"),
    R("/gen", "HEAD"),
    R("/gen-status", "HEAD"),
)
def generators_and_streaming(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/gen")
    def gen():
        def chunks():
            yield "one,"
            yield "two,"
            yield "três"

        return chunks()

    @app.route("/gen-bytes")
    def gen_bytes():
        return (bytes([b]) for b in b"xyz")

    @app.route("/gen-status")
    def gen_status():
        return (s for s in ["a", "b"]), 206, {"X-G": "g"}

    @app.route("/gen-response")
    def gen_response():
        return fw.Response((s for s in ["p", "q"]), mimetype="text/csv")

    @app.route("/iterator")
    def an_iterator():
        return iter(["i", "t"])

    @app.route("/with-context")
    def with_context():
        @fw.stream_with_context
        def names():
            yield "names:"
            for name in fw.request.args.getlist("name"):
                yield " " + name
            yield " path=" + fw.request.path

        return fw.Response(names(), mimetype="text/plain")

    return app


# --- JSON ---------------------------------------------------------------------------


@dataclasses.dataclass
class Point:
    x: int
    y: int


class HasHtml:
    def __html__(self) -> str:
        return "<i>html</i>"


@scenario(
    R("/args"),
    R("/kwargs"),
    R("/dict"),
    R("/list"),
    R("/scalar"),
    R("/nothing"),
    R("/string"),
    R("/types"),
    R("/returned-types"),
    R("/both", **expect_error()),
    R("/unserialisable", **expect_error()),
    R("/dumps"),
    R("/loads"),
    R("/status"),
)
def jsonify_forms(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    sample = {
        "when": dt.datetime(2024, 2, 29, 13, 5, 9, tzinfo=dt.timezone.utc),
        "naive": dt.datetime(2024, 2, 29, 13, 5, 9),
        "day": dt.date(1999, 12, 31),
        "money": decimal.Decimal("10.50"),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "point": Point(1, 2),
        "html": HasHtml(),
        "tuple": (1, 2),
        "unicode": "ünï ☃",
        "B": 1,
        "a": 2,
    }

    @app.route("/args")
    def args():
        return fw.jsonify(1, "two", None)

    @app.route("/kwargs")
    def kwargs():
        return fw.jsonify(b=1, a=2)

    @app.route("/dict")
    def a_dict():
        return fw.jsonify({"z": [1, {"y": 2}], "a": None})

    @app.route("/list")
    def a_list():
        return fw.jsonify([1, 2, 3])

    @app.route("/scalar")
    def scalar():
        return fw.jsonify(3.25)

    @app.route("/nothing")
    def nothing():
        return fw.jsonify()

    @app.route("/string")
    def string():
        return fw.jsonify("</script>")

    @app.route("/types")
    def types():
        return fw.jsonify(sample)

    @app.route("/returned-types")
    def returned_types():
        return sample

    @app.route("/both")
    def both():
        return fw.jsonify(1, a=2)

    @app.route("/unserialisable")
    def unserialisable():
        return {"s": {1, 2}}

    @app.route("/dumps")
    def dumps():
        return fw.json.dumps({"b": [1], "a": "é"}), {"Content-Type": "text/plain"}

    @app.route("/loads")
    def loads():
        value = fw.json.loads('{"x": [1, 2.5, "s"]}')
        return repr(value)

    @app.route("/status")
    def status():
        return fw.jsonify(error="nope"), 409

    return app


@scenario(R("/data"), R("/jsonify"), R("/dumps"))
def json_provider_unsorted_unicode_pretty(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.json.compact = False
    data = {"zeta": "ζ", "alpha": [1, {"y": 1, "x": 2}], "mid": None}

    @app.route("/data")
    def as_data():
        return data

    @app.route("/jsonify")
    def as_jsonify():
        return fw.jsonify(data)

    @app.route("/dumps")
    def dumps():
        return fw.json.dumps(data)

    return app


@scenario(R("/data"), R("/list"), R("/scalar"))
def json_provider_debug_indent(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.debug = True

    @app.route("/data")
    def as_data():
        return {"b": [1, 2], "a": {"c": "é"}}

    @app.route("/list")
    def as_list():
        return fw.jsonify([1, [2, [3]]])

    @app.route("/scalar")
    def scalar():
        return fw.jsonify("s")

    return app


@scenario(R("/data"), R("/jsonify"))
def json_provider_compact_in_debug_and_mimetype(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config["DEBUG"] = True
    app.json.compact = True
    app.json.mimetype = "application/vnd.example+json"

    @app.route("/data")
    def as_data():
        return {"b": [1, 2], "a": {"c": "é"}}

    @app.route("/jsonify")
    def as_jsonify():
        return fw.jsonify(k="v")

    return app


@scenario(
    R("/echo", "POST", json={"a": [1, 2], "b": None}),
    R("/echo", "POST", json=[1, "x"]),
    R("/echo", "POST", json=None, data="null", content_type="application/json"),
    R("/echo", "POST", data='{"x": 1}', content_type="application/vnd.api+json"),
    R("/echo", "POST", data='{"x": 1}', content_type="application/json; charset=utf-8"),
    R("/echo", "POST", data='{"x": 1}', content_type="text/plain"),
    R("/echo", "POST", data="{bad", content_type="application/json", status_only=True),
    R("/echo", "POST"),
    R("/silent", "POST", data="{bad", content_type="application/json"),
    R("/silent", "POST", data='{"x": 1}', content_type="text/plain"),
    R("/force", "POST", data='{"x": 1}', content_type="text/plain"),
    R("/force", "POST", data='{"x": 1}'),
    R("/twice", "POST", json={"n": 1}),
    R("/data", "POST", data=b"raw body", content_type="application/octet-stream"),
)
def json_request_bodies(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.post("/echo")
    def echo():
        return {"json": fw.request.json, "is_json": fw.request.is_json}

    @app.post("/silent")
    def silent():
        return {"json": fw.request.get_json(silent=True)}

    @app.post("/force")
    def force():
        return {"json": fw.request.get_json(force=True)}

    @app.post("/twice")
    def twice():
        first = fw.request.get_json()
        second = fw.request.get_json(cache=False)
        return {"first": first, "second": second, "data": fw.request.get_data(as_text=True)}

    @app.post("/data")
    def data():
        return {
            "data": fw.request.data.decode(),
            "get_data": fw.request.get_data(as_text=True),
            "form": fw.request.form.to_dict(),
        }

    return app


# --- methods, 404 and 405 ---------------------------------------------------------------


@scenario(
    R("/get"),
    R("/get", "HEAD"),
    R("/get", "OPTIONS"),
    R("/get", "POST"),
    R("/get", "DELETE"),
    R("/post", "POST"),
    R("/post"),
    R("/post", "OPTIONS"),
    R("/many", "PUT"),
    R("/many", "PATCH"),
    R("/many", "OPTIONS"),
    R("/many", "GET"),
    R("/own-options", "OPTIONS"),
    R("/own-options"),
    R("/split"),
    R("/split", "POST"),
    R("/split", "OPTIONS"),
    R("/split", "DELETE"),
    R("/missing"),
    R("/missing", "HEAD"),
    R("/missing", "OPTIONS"),
    R("/", "OPTIONS"),
    R("*", "OPTIONS"),
    R("/get", "TRACE"),
    R("/get", "BREW"),
)
def head_options_405_404(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.get("/get")
    def get():
        return "got", {"X-View": "get"}

    @app.post("/post")
    def post():
        return "posted"

    @app.route("/many", methods=["PUT", "PATCH", "DELETE"])
    def many():
        return fw.request.method

    @app.route("/own-options", methods=["GET", "OPTIONS"])
    def own_options():
        return "own " + fw.request.method, {"Allow": "GET"}

    @app.get("/split")
    def split_get():
        return "split get"

    @app.post("/split")
    def split_post():
        return "split post"

    @app.delete("/split")
    def split_delete():
        return "split delete"

    return app


@scenario(
    R("/plain", "OPTIONS"),
    R("/plain"),
    R("/opt-in", "OPTIONS"),
    R("/attr", "OPTIONS"),
    R("/explicit", "OPTIONS"),
)
def automatic_options_disabled(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False

    @app.route("/plain", methods=["GET", "POST"])
    def plain():
        return "plain"

    @app.route("/opt-in", provide_automatic_options=True)
    def opt_in():
        return "opt-in"

    def attr():
        return "attr"

    attr.provide_automatic_options = True  # type: ignore[attr-defined]
    app.add_url_rule("/attr", view_func=attr)

    @app.route("/explicit", methods=["GET", "OPTIONS"])
    def explicit():
        return "explicit " + fw.request.method

    return app


@scenario(
    R("/view-attr", "OPTIONS"),
    R("/kwarg-off", "OPTIONS"),
    R("/kwarg-off"),
)
def automatic_options_per_view(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    def view_attr():
        return "view attr"

    view_attr.provide_automatic_options = False  # type: ignore[attr-defined]
    app.add_url_rule("/view-attr", view_func=view_attr)

    @app.route("/kwarg-off", provide_automatic_options=False)
    def kwarg_off():
        return "kwarg off"

    return app


# --- abort and error handling -----------------------------------------------------------


@scenario(
    R("/abort/404"),
    R("/abort/400"),
    R("/abort/401"),
    R("/abort/403"),
    R("/abort/410"),
    R("/abort/413"),
    R("/abort/418"),
    R("/abort/429"),
    R("/abort/500", **expect_error()),
    R("/abort/503", **expect_error()),
    R("/abort/999", **expect_error()),
    R("/description"),
    R("/description-kw"),
    R("/html-description"),
    R("/with-response"),
    R("/with-response-object"),
    R("/method-not-allowed"),
    R("/raise-werkzeug"),
    R("/abort/404", "HEAD"),
    R("/abort/404", headers={"Accept": "application/json"}),
)
def abort_variants(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/abort/<int:code>")
    def abort_code(code):
        fw.abort(code)

    @app.route("/description")
    def description():
        fw.abort(403, "You shall not pass")

    @app.route("/description-kw")
    def description_kw():
        fw.abort(400, description="bad thing")

    @app.route("/html-description")
    def html_description():
        fw.abort(404, "<script>alert(1)</script>")

    @app.route("/with-response")
    def with_response():
        fw.abort(fw.make_response("custom body", 418, {"X-Custom": "c"}))

    @app.route("/with-response-object")
    def with_response_object():
        fw.abort(fw.Response("plain response"))

    @app.route("/method-not-allowed")
    def method_not_allowed():
        fw.abort(405, valid_methods=["GET", "POST"])

    @app.route("/raise-werkzeug")
    def raise_werkzeug():
        raise NotFound(description="raised directly")

    return app


class BaseProblem(Exception):
    pass


class SubProblem(BaseProblem):
    pass


class UnrelatedProblem(Exception):
    pass


class Teapot(HTTPException):
    code = 418
    description = "I am a custom teapot."


@scenario(
    R("/abort/404"),
    R("/abort/403"),
    R("/abort/405"),
    R("/abort/400"),
    R("/nowhere"),
    R("/route-405", "POST"),
    R("/base"),
    R("/sub"),
    R("/unrelated", **expect_error()),
    R("/key-error", **expect_error()),
    R("/form-key", "POST"),
    R("/teapot"),
    R("/handler-raises", **expect_error()),
    R("/value"),
    R("/registration"),
)
def error_handlers_by_code_and_class(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.errorhandler(404)
    def not_found(e):
        return f"nf:{e.description}", 404

    @app.errorhandler(HTTPException)
    def any_http(e):
        return {"code": e.code, "name": e.name, "kind": type(e).__name__}, e.code

    @app.errorhandler(400)
    def bad_request(e):
        return fw.Response(f"bad:{type(e).__name__}", status=400, headers={"X-Bad": "1"})

    @app.errorhandler(BaseProblem)
    def base_problem(e):
        return f"base:{type(e).__name__}:{e}", 418, {"X-Problem": "base"}

    @app.errorhandler(500)
    def server_error(e):
        original = e.original_exception
        return f"500:{type(e).__name__}:{type(original).__name__}", 500

    @app.errorhandler(Teapot)
    def teapot(e):
        return f"teapot:{e.description}", e.code

    @app.errorhandler(ZeroDivisionError)
    def raises(e):
        raise RuntimeError("handler failed")

    def value_error(e):
        return [str(e)], 422

    app.register_error_handler(ValueError, value_error)

    problems = []
    for code in (499, 200):
        try:
            app.register_error_handler(code, value_error)
        except Exception as e:
            problems.append([code, type(e).__name__])

    @app.route("/abort/<int:code>")
    def abort_code(code):
        fw.abort(code)

    @app.get("/route-405")
    def route_405():
        return "never"

    @app.route("/base")
    def base():
        raise BaseProblem("b")

    @app.route("/sub")
    def sub():
        raise SubProblem("s")

    @app.route("/unrelated")
    def unrelated():
        raise UnrelatedProblem("u")

    @app.route("/key-error")
    def key_error():
        return {}["missing"]

    @app.post("/form-key")
    def form_key():
        return fw.request.form["missing"]

    @app.route("/teapot")
    def teapot_view():
        raise Teapot()

    @app.route("/handler-raises")
    def handler_raises():
        return 1 / 0

    @app.route("/value")
    def value():
        raise ValueError("bad value")

    @app.route("/registration")
    def registration():
        return {"problems": problems}

    return app


@scenario(
    R("/abort"),
    R("/nowhere"),
    R("/boom", **expect_error()),
    R("/get-only", "POST"),
    R("/bad-key", "POST"),
    R("/slash"),
    R("/a//b"),
    R("/get-only", "OPTIONS"),
)
def exception_handler_catches_http_errors(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/slash/")
    def slash():
        return "slash"

    @app.route("/a/b")
    def a_b():
        return "a/b"

    @app.errorhandler(Exception)
    def everything(e):
        code = e.code if isinstance(e, HTTPException) else 500
        return f"caught {type(e).__name__}", code

    @app.route("/abort")
    def abort():
        fw.abort(409)

    @app.route("/boom")
    def boom():
        raise LookupError("boom")

    @app.get("/get-only")
    def get_only():
        return "get"

    @app.post("/bad-key")
    def bad_key():
        return fw.request.args["nope"]

    return app


@scenario(
    R("/bp/abort"),
    R("/bp/boom"),
    R("/bp/child/abort"),
    R("/bp/child/boom"),
    R("/app/abort"),
    R("/app/boom"),
    R("/other/abort"),
    R("/bp/slash"),
    R("/bp/before"),
)
def blueprint_error_handlers(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    bp = fw.Blueprint("bp", __name__)
    child = fw.Blueprint("child", __name__)
    other = fw.Blueprint("other", __name__)

    @bp.errorhandler(403)
    def bp_forbidden(e):
        return f"bp 403 for {fw.request.blueprint}", 403

    @bp.errorhandler(KeyError)
    def bp_key(e):
        return f"bp key {e}", 400

    @child.errorhandler(KeyError)
    def child_key(e):
        return f"child key {e}", 400

    @other.app_errorhandler(403)
    def app_forbidden(e):
        return "app-wide 403", 403

    @bp.errorhandler(HTTPException)
    def bp_http(e):
        return f"bp http {e.code}", e.code or 500

    @bp.errorhandler(409)
    def bp_conflict(e):
        return f"bp 409 for {fw.request.endpoint}", 409

    @bp.before_request
    def bp_before():
        if fw.request.endpoint == "bp.before":
            fw.abort(409)

    @bp.route("/slash/")
    def slash():
        return "slash"

    @bp.route("/before")
    def before():
        return "never"

    @app.errorhandler(KeyError)
    def app_key(e):
        return f"app key {e}", 400

    @bp.route("/abort")
    def bp_abort():
        fw.abort(403)

    @bp.route("/boom")
    def bp_boom():
        raise KeyError("bp")

    @child.route("/abort")
    def child_abort():
        fw.abort(403)

    @child.route("/boom")
    def child_boom():
        raise KeyError("child")

    @other.route("/abort")
    def other_abort():
        fw.abort(403)

    @app.route("/app/abort")
    def app_abort():
        fw.abort(403)

    @app.route("/app/boom")
    def app_boom():
        raise KeyError("app")

    bp.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(bp, url_prefix="/bp")
    app.register_blueprint(other, url_prefix="/other")
    return app


def _raising_views(fw: ModuleType, app: t.Any) -> None:
    @app.route("/runtime")
    def runtime():
        raise RuntimeError("runtime")

    @app.route("/abort/<int:code>")
    def abort_code(code):
        fw.abort(code)

    @app.post("/form-key")
    def form_key():
        return fw.request.form["missing"]

    @app.route("/args-key")
    def args_key():
        return fw.request.args["missing"]

    @app.route("/ok")
    def ok():
        return "ok"


@scenario(
    R("/runtime", **expect_error()),
    R("/abort/404"),
    R("/abort/400"),
    R("/form-key", "POST"),
    R("/nowhere"),
    R("/ok"),
)
def propagate_exceptions_on(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    _raising_views(fw, app)
    return app


@scenario(
    R("/runtime", **expect_error()),
    R("/abort/404"),
    R("/ok"),
)
def propagate_exceptions_off_while_testing(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.testing = True
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _raising_views(fw, app)
    return app


@scenario(
    R("/runtime", **expect_error()),
    R("/abort/404", **expect_error()),
    R("/abort/400", **expect_error()),
    R("/nowhere", **expect_error()),
    R("/ok", "POST", **expect_error()),
    R("/ok"),
)
def trap_http_exceptions_without_propagation(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    _raising_views(fw, app)
    return app


@scenario(
    R("/abort/404", **expect_error()),
    R("/abort/418", **expect_error()),
    R("/nowhere", **expect_error()),
    R("/ok/", **expect_error()),
    R("/ok"),
)
def trap_http_exceptions_with_propagation(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.config["PROPAGATE_EXCEPTIONS"] = True
    _raising_views(fw, app)

    @app.route("/slash/")
    def slash():
        return "slash"

    return app


@scenario(
    R("/abort/400", **expect_error()),
    R("/form-key", "POST", **expect_error()),
    R("/args-key", **expect_error()),
    R("/abort/404"),
    R("/nowhere"),
    R("/ok"),
)
def trap_bad_request_errors(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.testing = True
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True
    _raising_views(fw, app)
    return app


@scenario(
    R("/abort/400"),
    R("/form-key", "POST", **expect_error()),
    R("/args-key", **expect_error()),
    R("/abort/404"),
)
def debug_traps_bad_request_key_errors(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.debug = True
    _raising_views(fw, app)
    return app


@scenario(
    R("/abort/400"),
    # Not POST /form-key: in debug mode erlen's 400 also names the fields that were
    # sent (a debug helper of its own, tested in test_debug_helpers.py).
    R("/args-key?other=1"),
)
def debug_shows_bad_request_key_without_trapping(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.debug = True
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    _raising_views(fw, app)
    return app


@scenario(
    R("/form-key", "POST"),
    R("/args-key"),
)
def bad_request_key_description_outside_debug(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    _raising_views(fw, app)
    return app


@scenario(
    R("/ok?fail=before"),
    R("/ok?fail=after", **expect_error()),
    R("/ok?fail=abort-after", **expect_error()),
    R("/ok?fail=preprocessor"),
    R("/ok"),
)
def errors_in_hooks(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    _raising_views(fw, app)

    @app.url_value_preprocessor
    def preprocess(endpoint, values):
        if fw.request.args.get("fail") == "preprocessor":
            raise ValueError("in preprocessor")

    @app.before_request
    def before():
        if fw.request.args.get("fail") == "before":
            raise ValueError("in before")

    @app.after_request
    def after(response):
        fail = fw.request.args.get("fail")
        if fail == "after":
            raise ValueError("in after")
        if fail == "abort-after":
            fw.abort(409)
        response.headers["X-After"] = "ran"
        return response

    @app.errorhandler(ValueError)
    def on_value_error(e):
        return f"value error: {e}", 400

    @app.errorhandler(500)
    def on_500(e):
        return f"500 from {type(e.original_exception).__name__}", 500

    return app


# --- redirects and routing ------------------------------------------------------------------


@scenario(
    R("/to-target"),
    R("/to-target-301"),
    R("/to-target-307", "POST"),
    R("/to-external"),
    R("/to-unicode"),
    R("/to-html"),
    R("/to-relative"),
    R("/to-url-for"),
    R("/to-target", follow_redirects=True),
    R("/to-target", "HEAD"),
    R("/redirect-response-class"),
)
def redirect_helper(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/target")
    def target():
        return "target " + fw.request.full_path

    @app.route("/to-target")
    def to_target():
        return fw.redirect("/target")

    @app.route("/to-target-301")
    def to_target_301():
        return fw.redirect("/target?x=1", 301)

    @app.post("/to-target-307")
    def to_target_307():
        return fw.redirect("/target", code=307)

    @app.route("/to-external")
    def to_external():
        return fw.redirect("https://other.example/path?q=a b")

    @app.route("/to-unicode")
    def to_unicode():
        return fw.redirect("/ünï côde/?q=ä")

    @app.route("/to-html")
    def to_html():
        return fw.redirect('/a"<b>&c')

    @app.route("/to-relative")
    def to_relative():
        return fw.redirect("../up")

    @app.route("/to-url-for")
    def to_url_for():
        return fw.redirect(fw.url_for("target", a="1 2", b=["x", "y"]))

    @app.route("/redirect-response-class")
    def redirect_response_class():
        return fw.redirect("/target", Response=WerkzeugResponse)

    return app


@scenario(
    R("/folder"),
    R("/folder?a=1&b=two&a=3"),
    R("/folder", "POST"),
    R("/folder", "HEAD"),
    R("/folder/"),
    R("/leaf"),
    R("/leaf/"),
    R("/loose"),
    R("/loose/"),
    R("/a//b"),
    R("/a//b?q=1"),
    R("//a/b"),
    R("/a/b//"),
    R("/user/7/"),
    R("/user/7"),
    R("/folder", follow_redirects=True),
    R("/files/x//y"),
)
def strict_slashes_and_merge_slashes(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/folder/", methods=["GET", "POST"])
    def folder():
        return "folder " + fw.request.method

    @app.route("/leaf")
    def leaf():
        return "leaf"

    @app.route("/loose", strict_slashes=False)
    def loose():
        return "loose " + fw.request.path

    @app.route("/a/b")
    def a_b():
        return "a/b " + fw.request.full_path

    @app.route("/user/<int:uid>/")
    def user(uid):
        return f"user {uid}"

    @app.route("/files/<path:p>")
    def files(p):
        return "files " + p

    return app


@scenario(
    R("/folder"),
    R("/leaf/"),
    R("/a//b"),
)
def url_map_settings_off(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False

    @app.route("/folder/")
    def folder():
        return "folder " + fw.request.path

    @app.route("/leaf")
    def leaf():
        return "leaf " + fw.request.path

    @app.route("/a/b")
    def a_b():
        return "a/b"

    return app


@scenario(
    R("/old"),
    R("/old?keep=1"),
    R("/old/42"),
    R("/callable/ann"),
    R("/external"),
    R("/old", "POST"),
    R("/new", "HEAD"),
)
def redirect_to_rules(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/new")
    def new():
        return "new"

    @app.route("/new/<int:n>")
    def new_n(n):
        return f"new {n}"

    def to_profile(adapter, name):
        return f"/profiles/{name}"

    app.add_url_rule("/old", endpoint="old", redirect_to="/new", methods=["GET", "POST"])
    app.add_url_rule("/old/<int:n>", endpoint="old_n", redirect_to="/new/<n>")
    app.add_url_rule("/callable/<name>", endpoint="callable", redirect_to=to_profile)
    app.add_url_rule("/external", endpoint="external", redirect_to="https://example.org/x")
    return app


class ListConverter(BaseConverter):
    regex = r"[a-z]+(?:,[a-z]+)*"

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: t.Any) -> str:
        return ",".join(value)


@scenario(
    R("/string/abc"),
    R("/string/ab%20c"),
    R("/string/a/b"),
    R("/default/xyz"),
    R("/int/42"),
    R("/int/-1"),
    R("/int/042"),
    R("/int/abc"),
    R("/signed/-5"),
    R("/range/5"),
    R("/range/100"),
    R("/fixed/007"),
    R("/fixed/7"),
    R("/float/1.5"),
    R("/float/2"),
    R("/float/-1.5"),
    R("/signed-float/-1.5"),
    R("/path/a/b/c.txt"),
    R("/path/a/b/"),
    R("/path/"),
    R("/any/red"),
    R("/any/blue"),
    R("/any/green"),
    R("/uuid/12345678-1234-5678-1234-567812345678"),
    R("/uuid/12345678-1234-5678-1234-56781234567Z"),
    R("/uuid/ABCDEF01-1234-5678-1234-567812345678"),
    R("/len2/ab"),
    R("/len2/abc"),
    R("/minmax/abc"),
    R("/minmax/a"),
    R("/list/a,b,c"),
    R("/list/a,,b"),
    R("/unicode/ünï"),
    R("/unicode/%C3%BC"),
    R("/build"),
)
def converters(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.url_map.converters["list"] = ListConverter

    def show(**values):
        return {k: [type(v).__name__, str(v)] for k, v in values.items()}

    rules = [
        ("/string/<string:v>", "string"),
        ("/default/<v>", "default"),
        ("/int/<int:v>", "int"),
        ("/signed/<int(signed=True):v>", "signed"),
        ("/range/<int(min=1, max=99):v>", "range"),
        ("/fixed/<int(fixed_digits=3):v>", "fixed"),
        ("/float/<float:v>", "float"),
        ("/signed-float/<float(signed=True):v>", "signed_float"),
        ("/path/<path:v>", "path"),
        ("/any/<any(red, blue):v>", "any"),
        ("/uuid/<uuid:v>", "uuid"),
        ("/len2/<string(length=2):v>", "len2"),
        ("/minmax/<string(minlength=2, maxlength=4):v>", "minmax"),
        ("/list/<list:v>", "list"),
        ("/unicode/<v>", "unicode"),
    ]
    for rule, endpoint in rules:
        app.add_url_rule(rule, endpoint=endpoint, view_func=show)

    @app.route("/build")
    def build():
        return {
            "string": fw.url_for("string", v="a b/c"),
            "int": fw.url_for("int", v=5),
            "fixed": fw.url_for("fixed", v=7),
            "float": fw.url_for("float", v=1.25),
            "path": fw.url_for("path", v="x/y z"),
            "any": fw.url_for("any", v="blue"),
            "uuid": fw.url_for("uuid", v=uuid.UUID("12345678-1234-5678-1234-567812345678")),
            "list": fw.url_for("list", v=["a", "b"]),
            "unicode": fw.url_for("unicode", v="ünï"),
        }

    return app


@scenario(
    R("/urls"),
    R("/urls", base_url="https://secure.example:8443/"),
    R("/bp/urls"),
    R("/bp/urls", base_url="http://localhost/root/"),
    R("/urls", headers={"Host": "virtual.test:81"}),
    R("/missing-endpoint", **expect_error()),
    R("/missing-value", **expect_error()),
    R("/build-error-handled"),
)
def url_for_variants(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")

    @app.route("/")
    def index():
        return "index"

    @app.route("/item/<int:n>", methods=["GET", "POST"])
    def item(n):
        return f"item {n}"

    @app.route("/by-method", methods=["GET"], endpoint="by_method_get")
    def by_method_get():
        return "get"

    @app.route("/by-method", methods=["POST"], endpoint="by_method_post")
    def by_method_post():
        return "post"

    @app.route("/urls")
    def urls():
        return {
            "plain": fw.url_for("index"),
            "args": fw.url_for("item", n=3, q="a b", multi=[1, 2], empty=""),
            "none_arg": fw.url_for("item", n=3, skip=None),
            "external": fw.url_for("item", n=4, _external=True),
            "anchor": fw.url_for("index", _anchor="frag part/ü"),
            "scheme": fw.url_for("index", _scheme="https", _external=True),
            "method": fw.url_for("item", n=5, _method="POST"),
            "unicode_arg": fw.url_for("index", name="ünï"),
            "bp": fw.url_for("bp.home"),
            "bp_external": fw.url_for("bp.home", _external=True, x="1"),
        }

    @bp.route("/")
    def home():
        return "bp home"

    @bp.route("/urls")
    def bp_urls():
        return {
            "relative": fw.url_for(".home"),
            "absolute": fw.url_for("bp.home"),
            "app": fw.url_for("index"),
            "external": fw.url_for(".home", _external=True),
        }

    @app.route("/missing-endpoint")
    def missing_endpoint():
        return fw.url_for("nope")

    @app.route("/missing-value")
    def missing_value():
        return fw.url_for("item")

    @app.route("/build-error-handled")
    def build_error_handled():
        try:
            fw.url_for("item", x=1)
        except Exception as e:
            return type(e).__name__
        return "no error"

    app.register_blueprint(bp)
    return app


@scenario(
    R("/en/"),
    R("/de/page/7"),
    R("/fr/page/7?x=1"),
    R("/de/bp/"),
    R("/de/bp/link"),
)
def url_defaults_and_value_preprocessors(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    bp = fw.Blueprint("bp", __name__, url_prefix="/<lang>/bp")

    @app.url_value_preprocessor
    def pull_lang(endpoint, values):
        fw.g.endpoint_seen = endpoint
        fw.g.lang = values.pop("lang", None) if values else None

    @app.url_defaults
    def add_lang(endpoint, values):
        if "lang" not in values and fw.g.get("lang"):
            values["lang"] = fw.g.lang

    @bp.url_defaults
    def bp_defaults(endpoint, values):
        values.setdefault("ref", "bp")

    @bp.url_value_preprocessor
    def bp_pull(endpoint, values):
        fw.g.bp_values = dict(values or {})

    @app.route("/<lang>/")
    def index():
        return {
            "lang": fw.g.lang,
            "args": fw.request.view_args,
            "self": fw.url_for("index"),
            "page": fw.url_for("page", n=1),
            "other": fw.url_for("page", n=2, lang="xx"),
        }

    @app.route("/<lang>/page/<int:n>")
    def page(n):
        return {"lang": fw.g.lang, "n": n, "endpoint": fw.g.endpoint_seen}

    @bp.route("/")
    def bp_index():
        return {"lang": fw.g.lang, "bp_values": fw.g.bp_values}

    @bp.route("/link")
    def bp_link():
        return {"self": fw.url_for(".bp_index"), "page": fw.url_for("page", n=3)}

    app.register_blueprint(bp)
    return app


def _url_views(fw: ModuleType, app: t.Any) -> None:
    @app.route("/", endpoint="index")
    def index():
        return snapshot(fw)

    @app.route("/urls")
    def urls():
        return {
            "relative": fw.url_for("index"),
            "external": fw.url_for("index", _external=True),
            "http": fw.url_for("urls", _external=True, _scheme="http"),
        }

    @app.route("/redirect")
    def redirect():
        return fw.redirect(fw.url_for("urls"))


@scenario(
    R("/"),
    R("/urls"),
    R("/redirect"),
    R("/", base_url="http://other.test/"),
    R("/urls", base_url="http://other.test/"),
    R("/", headers={"Host": "example.test:8080"}),
    R("/nowhere"),
    R("/external-urls"),
)
def server_name_root_and_scheme(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config.update(
        SERVER_NAME="example.test:8080",
        APPLICATION_ROOT="/app",
        PREFERRED_URL_SCHEME="https",
    )
    _url_views(fw, app)

    @app.route("/external-urls")
    def external_urls():
        return {"urls": fw.url_for("urls", _external=True), "q": fw.url_for("index", q="1")}

    return app


@scenario(
    R("/"),
    R("/urls"),
    R("/redirect"),
    R("/", base_url="http://localhost/"),
    R("/", base_url="http://localhost/prefix/deeper/"),
)
def application_root_without_server_name(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config["APPLICATION_ROOT"] = "/prefix"
    app.config["PREFERRED_URL_SCHEME"] = "https"
    _url_views(fw, app)
    return app


@scenario(
    R("/"),
    R("/", base_url="http://api.example.test/"),
    R("/", base_url="http://ann.users.example.test/"),
    R("/", base_url="http://x.y.example.test/"),
    R("/links", base_url="http://api.example.test/"),
    R("/bp/", base_url="http://shop.example.test/"),
    R("/bp/", base_url="http://example.test/"),
    R("/", base_url="http://unrelated.test/"),
)
def subdomain_matching(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    bp = fw.Blueprint("shop", __name__, subdomain="shop", url_prefix="/bp")

    @app.route("/")
    def root():
        return "root " + fw.request.host

    @app.route("/", subdomain="api")
    def api():
        return "api " + fw.request.host

    @app.route("/", subdomain="<user>.users")
    def user(user):
        return "user " + user

    @app.route("/links", subdomain="api")
    def links():
        return {
            "root": fw.url_for("root"),
            "api": fw.url_for("api"),
            "user": fw.url_for("user", user="bob"),
            "shop": fw.url_for("shop.index"),
            "external": fw.url_for("api", _external=True),
        }

    @bp.route("/")
    def index():
        return "shop " + fw.request.host

    app.register_blueprint(bp)
    return app


@scenario(
    R("/", base_url="http://a.test/"),
    R("/", base_url="http://b.test/"),
    R("/", base_url="http://ann.c.test/"),
    R("/", base_url="http://none.test/"),
    R("/links", base_url="http://a.test/"),
    R("/", base_url="http://a.test:8080/"),
    R("/static/missing.css", base_url="http://static.test/"),
    R("/static-url", base_url="http://a.test/"),
)
def host_matching(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__, host_matching=True, static_host="static.test")

    @app.route("/", host="a.test")
    def a():
        return "a " + fw.request.host

    @app.route("/", host="b.test")
    def b():
        return "b"

    @app.route("/", host="<name>.c.test")
    def c(name):
        return "c " + name

    @app.route("/links", host="a.test")
    def links():
        return {
            "a": fw.url_for("a"),
            "b": fw.url_for("b"),
            "c": fw.url_for("c", name="zed"),
        }

    @app.route("/static-url", host="a.test")
    def static_url():
        return fw.url_for("static", filename="x y.css")

    return app


@scenario(
    R("/", base_url="http://good.test/"),
    R("/", base_url="http://sub.wild.test/"),
    R("/", base_url="http://evil.test/"),
    R("/", base_url="http://good.test:8000/"),
    R("/", headers={"Host": "evil.test"}),
)
def trusted_hosts(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config["TRUSTED_HOSTS"] = ["good.test", ".wild.test", "localhost"]

    @app.route("/")
    def index():
        return "host " + fw.request.host

    return app


# --- the request object -----------------------------------------------------------------------


@scenario(
    R("/echo/ann"),
    R("/echo/ann?a=1&a=2&b=&c=%20x&d"),
    R("/echo/b%C3%B6b?q=%C3%A9"),
    R("/echo/x?", headers={"Accept": "application/json;q=0.9, text/html"}),
    R("/echo/x", headers={"Accept": "text/*;q=0.5, image/png"}),
    R("/echo/x", headers={"Cookie": "a=1; b=two; a=3", "X-Custom": "v", "User-Agent": "Test/1"}),
    R("/echo/x", environ_base={"REMOTE_ADDR": "10.1.2.3"}),
    R("/echo/x", base_url="https://secure.test:8443/base/"),
    R("/echo/x", headers={"Host": "virtual.test:81"}),
    R("/echo/x", "POST", data="a=1&a=2&b=3", content_type="application/x-www-form-urlencoded"),
    R("/echo/x", "PUT", data=b"abc", content_type="text/plain; charset=latin-1"),
    R("/echo/x", "DELETE"),
    R("/echo/x", "PATCH", json={"k": "v"}),
    R("/bp/echo/y?z=1"),
    R("/bp/child/echo/z"),
    R("/echo/x", "HEAD"),
    R("/extra?x=1", headers={"Authorization": "Basic dXNlcjpwYXNz"}),
    R("/extra", headers={"Authorization": "Bearer tok", "X-Forwarded-For": "1.1.1.1"}),
    R(
        "/extra",
        headers={
            "If-None-Match": '"abc", W/"def"',
            "Range": "bytes=0-9",
            "Referer": "http://ref.test/",
            "Accept-Language": "de-DE,de;q=0.9,en;q=0.5",
        },
    ),
)
def request_attributes(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    bp = fw.Blueprint("bp", __name__)
    child = fw.Blueprint("child", __name__)

    @app.route("/echo/<name>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def echo(name):
        data = snapshot(fw)
        data["form"] = fw.request.form.to_dict(flat=False)
        data["values"] = fw.request.values.to_dict(flat=False)
        data["data"] = fw.request.get_data(as_text=True)
        data["json"] = fw.request.get_json(silent=True)
        return data

    @bp.route("/echo/<name>")
    def bp_echo(name):
        return snapshot(fw)

    @child.route("/echo/<name>")
    def child_echo(name):
        return snapshot(fw)

    @app.route("/extra")
    def extra():
        r = fw.request
        auth = r.authorization
        return {
            "auth": [auth.type, dict(auth.parameters), auth.token] if auth else None,
            "access_route": list(r.access_route),
            "if_none_match": r.if_none_match.to_header(),
            "range": r.range.to_header() if r.range else None,
            "referrer": r.referrer,
            "languages": [r.accept_languages.best, list(r.accept_languages.values())],
            "endpoint": r.endpoint,
            "args_get_type": r.args.get("x", type=int),
            "has_request_context": fw.has_request_context(),
            "has_app_context": fw.has_app_context(),
            "app_name": fw.current_app.name,
            "max_content_length": r.max_content_length,
            "environ_keys": sorted(k for k in r.environ if k.startswith("HTTP_")),
        }

    bp.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(bp, url_prefix="/bp")
    return app


def _files(*items: tuple[str, bytes, str, str | None]) -> dict[str, t.Any]:
    data: dict[str, t.Any] = {}
    for field, content, filename, content_type in items:
        value = (io.BytesIO(content), filename, content_type) if content_type else (
            io.BytesIO(content),
            filename,
        )
        data.setdefault(field, []).append(value)
    return data


@scenario(
    R("/upload", "POST", data={**_files(("f", b"hello", "a.txt", None)), "name": "ann"}),
    R(
        "/upload",
        "POST",
        data={
            **_files(
                ("f", b"one", "one.csv", "text/csv"),
                ("f", b"two\x00", "../two.bin", "application/octet-stream"),
                ("g", b"", "", None),
            ),
            "tag": ["x", "y"],
        },
    ),
    R("/upload", "POST", data={"only": "form", "é": "ü"}),
    R("/upload", "POST", data={"f": (io.BytesIO(b"\xff\xfe"), "ünï ćode.txt")}),
    R("/upload", "POST", data="x=1&x=2&y=%20", content_type="application/x-www-form-urlencoded"),
    R("/upload", "POST", data="not a form", content_type="text/plain"),
    R(
        "/upload",
        "POST",
        data="--b\r\nbroken",
        content_type="multipart/form-data; boundary=b",
    ),
    R("/upload?q=1", "POST", data={"q": "2"}),
    R("/upload?q=1"),
    R("/form-missing", "POST", data={"a": "1"}),
)
def forms_and_files(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/upload", methods=["GET", "POST"])
    def upload():
        r = fw.request
        files = {
            key: [[f.filename, f.name, f.content_type, f.mimetype, f.read().hex()]
                  for f in r.files.getlist(key)]
            for key in r.files
        }
        return {
            "form": r.form.to_dict(flat=False),
            "files": files,
            "values": r.values.to_dict(flat=False),
            "mimetype": r.mimetype,
            # A multipart body's boundary is random, and so is its length.
            "content_length": "random" if r.mimetype == "multipart/form-data" else r.content_length,
        }

    @app.post("/form-missing")
    def form_missing():
        return fw.request.form["b"]

    return app


@scenario(
    R("/read", "POST", data=b"x" * 10),
    R("/read", "POST", data=b"x" * 11),
    R("/form", "POST", data={"a": "x" * 40}),
    R("/form", "POST", data={"f": (io.BytesIO(b"y" * 40), "f.txt")}),
    R("/ignore", "POST", data=b"z" * 50),
    R("/read", "POST", data=b""),
    R("/stream", "POST", data=b"s" * 50),
)
def max_content_length(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/read")
    def read():
        return {"len": len(fw.request.get_data()), "max": fw.request.max_content_length}

    @app.post("/form")
    def form():
        return {"form": fw.request.form.to_dict(), "files": list(fw.request.files)}

    @app.post("/ignore")
    def ignore():
        return "body ignored"

    @app.post("/stream")
    def stream():
        return {"read": len(fw.request.stream.read())}

    return app


# --- sessions and flashing ----------------------------------------------------------------------


def _session_views(fw: ModuleType, app: t.Any) -> None:
    s = fw.session

    @app.route("/get")
    def get():
        return {
            "session": {k: repr(v) for k, v in s.items()},
            "new": s.new,
            "permanent": s.permanent,
            "modified": s.modified,
            "accessed": s.accessed,
        }

    @app.route("/set")
    def set_():
        s[fw.request.args["k"]] = fw.request.args["v"]
        return "set"

    @app.route("/set-types")
    def set_types():
        s["tuple"] = (1, "a")
        s["bytes"] = b"\x00\xff"
        s["when"] = dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
        s["markup"] = Markup("<b>m</b>")
        s["uuid"] = uuid.UUID("12345678-1234-5678-1234-567812345678")
        s["tagged"] = {" t": "not a tag", " di": [1]}
        s["single"] = {" t": "looks like a tag"}
        s["nested"] = [(1, 2), {"x": (3,)}, ()]
        s["naive"] = dt.datetime(2021, 6, 7, 8, 9, 10)
        s["day"] = dt.date(2022, 3, 4)
        s["decimal"] = decimal.Decimal("1.50")
        s["list"] = [1]
        return "types set"

    @app.route("/mutate")
    def mutate():
        s["list"].append(len(s["list"]) + 1)
        return "mutated"

    @app.route("/mutate-modified")
    def mutate_modified():
        s["list"].append(99)
        s.modified = True
        return "mutated and marked"

    @app.route("/del")
    def delete():
        del s[fw.request.args["k"]]
        return "deleted"

    @app.route("/pop-missing")
    def pop_missing():
        return repr(s.pop("nope", None))

    @app.route("/setdefault")
    def setdefault():
        return repr(s.setdefault("dflt", "first"))

    @app.route("/permanent")
    def permanent():
        s.permanent = True
        return "permanent"

    @app.route("/clear")
    def clear():
        s.clear()
        return "cleared"

    @app.route("/untouched")
    def untouched():
        return "untouched"

    @app.route("/not-permanent")
    def not_permanent():
        s.permanent = False
        return "not permanent", {"Vary": "Accept-Encoding"}


@scenario(
    R("/get"),
    R("/untouched"),
    R("/set?k=a&v=1"),
    R("/get"),
    R("/set-types"),
    R("/get"),
    R("/mutate"),
    R("/get"),
    R("/mutate-modified"),
    R("/get"),
    R("/del?k=a"),
    R("/get"),
    R("/pop-missing"),
    R("/setdefault"),
    R("/setdefault"),
    R("/untouched"),
    R("/permanent"),
    R("/get"),
    R("/untouched"),
    R("/not-permanent"),
    R("/get"),
    R("/clear"),
    R("/get"),
    R("/get", headers={"Cookie": "session=garbage.value.here"}),
)
def sessions_lifecycle(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.secret_key = "parity secret"
    _session_views(fw, app)
    return app


@scenario(
    R("/app/set?k=a&v=1", base_url="https://localhost/"),
    R("/app/get", base_url="https://localhost/"),
    R("/app/permanent", base_url="https://localhost/"),
    R("/app/get", base_url="https://localhost/"),
    R("/app/untouched", base_url="https://localhost/"),
    R("/app/clear", base_url="https://localhost/"),
    R("/app/get", base_url="https://localhost/"),
    R("/app/get"),
)
def session_cookie_settings(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config.update(
        SECRET_KEY="another secret",
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
        PERMANENT_SESSION_LIFETIME=3600,
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    bp = fw.Blueprint("bp", __name__, url_prefix="/app")
    _session_views(fw, bp)
    app.register_blueprint(bp)
    return app


@scenario(
    R("/set?k=a&v=1", base_url="http://www.example.test/"),
    R("/get", base_url="http://www.example.test/root"),
    R("/permanent", base_url="http://www.example.test/"),
    R("/get", base_url="http://www.example.test/"),
    R("/clear", base_url="http://www.example.test/"),
)
def session_cookie_domain_and_application_root(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config.update(
        SECRET_KEY="domain secret",
        SESSION_COOKIE_DOMAIN=".example.test",
        APPLICATION_ROOT="/root",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(days=2, hours=3),
    )
    _session_views(fw, app)
    return app


def _signed_cookie(key: str, payload: t.Any) -> str:
    serializer = URLSafeTimedSerializer(
        key,
        salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )
    return f"session={serializer.dumps(payload)}"


@scenario(
    R("/get", headers={"Cookie": _signed_cookie("old key", {"user": "ann"})}),
    R("/set?k=b&v=2", headers={"Cookie": _signed_cookie("old key", {"user": "ann"})}),
    R("/get"),
    R("/get", headers={"Cookie": _signed_cookie("unknown key", {"user": "eve"})}),
    R("/get", headers={"Cookie": _signed_cookie("new key", [["user", "pairs"]])}),
)
def session_secret_key_fallbacks(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config["SECRET_KEY"] = "new key"
    app.config["SECRET_KEY_FALLBACKS"] = ["older key", "old key"]
    _session_views(fw, app)
    return app


@scenario(
    R("/get"),
    R("/untouched"),
    R("/set?k=a&v=1", **expect_error()),
    R("/flash", **expect_error()),
    R("/messages"),
)
def sessions_without_secret_key(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    _session_views(fw, app)

    @app.route("/flash")
    def flash():
        fw.flash("needs a session")
        return "flashed"

    @app.route("/messages")
    def messages():
        return {"messages": fw.get_flashed_messages()}

    return app


@scenario(
    R("/add", follow_redirects=True),
    R("/show"),
    R("/add"),
    R("/show-filtered"),
    R("/show"),
    R("/add-and-show"),
    R("/show"),
)
def flash_across_redirect(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.secret_key = "flash secret"

    @app.route("/add")
    def add():
        fw.flash("one")
        fw.flash("<two>", "error")
        fw.flash(Markup("<b>three</b>"), "info")
        return fw.redirect(fw.url_for("show"))

    @app.route("/show")
    def show():
        return fw.render_template_string(
            "{% for c, m in get_flashed_messages(with_categories=true) %}[{{ c }}:{{ m }}]"
            "{% endfor %}|{{ get_flashed_messages() }}"
        )

    @app.route("/show-filtered")
    def show_filtered():
        errors = fw.get_flashed_messages(category_filter=["error"])
        both = fw.get_flashed_messages(with_categories=True, category_filter=["info", "error"])
        return {"errors": errors, "both": [list(x) for x in both], "session": list(fw.session)}

    @app.route("/add-and-show")
    def add_and_show():
        fw.flash("same request")
        return {"messages": fw.get_flashed_messages()}

    return app


# --- hooks --------------------------------------------------------------------------------------


@scenario(
    R("/app"),
    R("/log"),
    R("/bp/view"),
    R("/log"),
    R("/bp/child/view"),
    R("/log"),
    R("/bp/child/abort"),
    R("/log"),
    R("/nowhere"),
    R("/log"),
    R("/bp/child/view", "HEAD"),
    R("/bp/child/view", "OPTIONS"),
    R("/log"),
)
def hooks_order_with_nested_blueprints(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    bp = fw.Blueprint("bp", __name__)
    child = fw.Blueprint("child", __name__)
    teardowns: list[str] = []

    def record(name: str) -> None:
        if fw.has_request_context():
            fw.g.setdefault("order", []).append(name)

    def before(name: str) -> Callable[[], None]:
        def hook() -> None:
            record(name)

        return hook

    def preprocessor(name: str) -> Callable[..., None]:
        def hook(endpoint: str | None, values: t.Any) -> None:
            record(f"{name}({endpoint})")

        return hook

    def after(name: str) -> Callable[[t.Any], t.Any]:
        def hook(response: t.Any) -> t.Any:
            record(name)
            response.headers["X-Order"] = ",".join(fw.g.order)
            return response

        return hook

    def teardown(name: str) -> Callable[[t.Any], None]:
        def hook(exc: t.Any) -> None:
            teardowns.append(f"{name}:{type(exc).__name__ if exc else None}")

        return hook

    app.before_request(before("app.before1"))
    app.before_request(before("app.before2"))
    bp.before_request(before("bp.before"))
    bp.before_app_request(before("bp.before_app"))
    child.before_request(before("child.before"))
    child.before_app_request(before("child.before_app"))
    app.url_value_preprocessor(preprocessor("app.pre"))
    bp.url_value_preprocessor(preprocessor("bp.pre"))
    child.url_value_preprocessor(preprocessor("child.pre"))
    bp.app_url_value_preprocessor(preprocessor("bp.app_pre"))
    app.after_request(after("app.after1"))
    app.after_request(after("app.after2"))
    bp.after_request(after("bp.after"))
    bp.after_app_request(after("bp.after_app"))
    child.after_request(after("child.after"))
    app.teardown_request(teardown("app.teardown1"))
    app.teardown_request(teardown("app.teardown2"))
    bp.teardown_request(teardown("bp.teardown"))
    bp.teardown_app_request(teardown("bp.teardown_app"))
    child.teardown_request(teardown("child.teardown"))
    app.teardown_appcontext(teardown("app.appcontext"))

    @app.route("/app")
    def app_view():
        record("view")
        return {"order": fw.g.order, "blueprints": fw.request.blueprints}

    @app.route("/log")
    def log():
        logged = list(teardowns)
        teardowns.clear()
        return {"teardowns": logged}

    @bp.route("/view")
    def bp_view():
        record("view")
        return {"order": fw.g.order, "blueprints": fw.request.blueprints}

    @child.route("/view")
    def child_view():
        record("view")
        return {"order": fw.g.order, "blueprints": fw.request.blueprints}

    @child.route("/abort")
    def child_abort():
        fw.abort(403)

    bp.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(bp, url_prefix="/bp")
    return app


@scenario(
    R("/view"),
    R("/view?skip=1"),
    R("/abort"),
    R("/error", **expect_error()),
)
def after_this_request_order(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    def tag(name: str) -> Callable[[t.Any], t.Any]:
        def hook(response: t.Any) -> t.Any:
            response.headers.add("X-Hook", name)
            return response

        return hook

    @app.before_request
    def before():
        if not fw.request.args.get("skip"):
            fw.after_this_request(tag("from-before"))

    @app.after_request
    def after(response):
        response.headers.add("X-Hook", "after_request")
        return response

    @app.route("/view")
    def view():
        fw.after_this_request(tag("view-1"))

        @fw.after_this_request
        def second(response):
            response.headers.add("X-Hook", "view-2")
            response.set_data(response.get_data() + b"+changed")
            return response

        return "body"

    @app.route("/abort")
    def abort():
        fw.after_this_request(tag("before-abort"))
        fw.abort(409)

    @app.route("/error")
    def error():
        fw.after_this_request(tag("before-error"))
        raise RuntimeError("x")

    return app


@scenario(
    R("/ok"),
    R("/abort"),
    R("/boom", **expect_error()),
    R("/handled"),
    R("/nowhere"),
    R("/redirect/"),
    R("/log"),
)
def teardown_arguments(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    log: list[list[t.Any]] = []

    @app.teardown_request
    def teardown_request(exc):
        path = fw.request.path if fw.has_request_context() else None
        log.append(["request", path, type(exc).__name__ if exc else None, str(exc or "")])

    @app.teardown_appcontext
    def teardown_appcontext(exc):
        log.append(["appcontext", type(exc).__name__ if exc else None])

    @app.errorhandler(ValueError)
    def on_value_error(e):
        return "handled", 400

    @app.route("/ok")
    def ok():
        return "ok"

    @app.route("/abort")
    def abort():
        fw.abort(404)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    @app.route("/handled")
    def handled():
        raise ValueError("v")

    @app.route("/redirect")
    def redirect():
        return "no slash"

    @app.route("/log")
    def show_log():
        return {"log": log[:]}

    return app


@scenario(
    R("/view"),
    R("/blocked"),
    R("/blocked-json"),
    R("/blocked-redirect"),
    R("/bp/view"),
    R("/bp/stop"),
    R("/log"),
    R("/nowhere"),
    R("/blocked", "POST"),
)
def before_request_short_circuit(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")
    ran: list[str] = []

    @app.before_request
    def gate():
        path = fw.request.path
        if path == "/blocked":
            return "blocked", 403, {"X-Gate": "app"}
        if path == "/blocked-json":
            return {"blocked": True}
        if path == "/blocked-redirect":
            return fw.redirect("/view")
        if path == "/nowhere":
            return "intercepted before routing error"
        return None

    @app.before_request
    def second():
        ran.append("second:" + fw.request.path)

    @bp.before_request
    def bp_gate():
        if fw.request.endpoint == "bp.stop":
            return fw.Response("bp stop", status=401)
        return None

    @app.after_request
    def after(response):
        response.headers["X-After"] = "yes"
        return response

    @app.route("/view")
    def view():
        ran.append("view")
        return "view"

    @app.route("/blocked")
    def blocked():
        ran.append("blocked view")
        return "should not run"

    @bp.route("/view")
    def bp_view():
        return "bp view"

    @bp.route("/stop")
    def stop():
        ran.append("stop view")
        return "should not run"

    @app.route("/log")
    def log():
        return {"ran": ran}

    app.register_blueprint(bp)
    return app


@scenario(
    R("/ok"),
    R("/abort"),
    R("/boom", **expect_error()),
    R("/template"),
    R("/flash"),
    R("/log"),
)
def signals_fired(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.secret_key = "signals"
    log: list[str] = []

    def started(sender, **extra):
        log.append(f"started:{fw.request.path}")

    def finished(sender, response, **extra):
        log.append(f"finished:{response.status_code}")

    def exception(sender, exception, **extra):
        log.append(f"exception:{type(exception).__name__}")

    def rendered(sender, template, context, **extra):
        log.append(f"rendered:{sorted(k for k in context if k != 'g')}")

    def flashed(sender, message, category, **extra):
        log.append(f"flashed:{message}:{category}")

    def tearing_down(sender, exc=None, **extra):
        log.append(f"tearing_down:{type(exc).__name__ if exc else None}")

    fw.request_started.connect(started, app, weak=False)
    fw.request_finished.connect(finished, app, weak=False)
    fw.got_request_exception.connect(exception, app, weak=False)
    fw.template_rendered.connect(rendered, app, weak=False)
    fw.message_flashed.connect(flashed, app, weak=False)
    fw.request_tearing_down.connect(tearing_down, app, weak=False)

    @app.route("/ok")
    def ok():
        return "ok"

    @app.route("/abort")
    def abort():
        fw.abort(404)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    @app.route("/template")
    def template():
        return fw.render_template_string("{{ x }}", x=1)

    @app.route("/flash")
    def flash():
        fw.flash("hi", "info")
        return "flashed"

    @app.route("/log")
    def show_log():
        return {"log": log[:]}

    return app


# --- templates ----------------------------------------------------------------------------------


@scenario(
    R("/escape?v=<b>%26'\""),
    R("/markup"),
    R("/autoescape-off"),
    R("/tojson"),
    R("/globals?x=1&x=2"),
    R("/bp/globals"),
    R("/undefined"),
    R("/undefined-attr", **expect_error()),
    R("/syntax-error", **expect_error()),
    R("/whitespace"),
    R("/session-and-g"),
    R("/session-and-g"),
)
def templates_escaping_and_globals(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.secret_key = "templates"
    app.config["CUSTOM"] = "custom <value>"
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")

    @app.route("/escape")
    def escape():
        return fw.render_template_string(
            "[{{ v }}] [{{ v|safe }}] [{{ v|e }}]", v=fw.request.args["v"]
        )

    @app.route("/markup")
    def markup():
        return fw.render_template_string("{{ m }} {{ m|striptags }}", m=Markup("<i>x</i> & y"))

    @app.route("/autoescape-off")
    def autoescape_off():
        return fw.render_template_string(
            "{% autoescape false %}{{ v }}{% endautoescape %}|{{ v }}", v="<u>"
        )

    @app.route("/tojson")
    def tojson():
        return fw.render_template_string(
            "<script>var d = {{ d|tojson }}; var s = {{ s|tojson }};</script>"
            "<a data-x='{{ d|tojson }}'></a>{{ n|tojson }}",
            d={"b": "</script><!--", "a": ["&", "'", 1.5]},
            s="ünï",
            n=None,
        )

    @app.route("/globals")
    def globals_():
        return fw.render_template_string(
            "{{ url_for('globals_', page=2) }}|{{ request.args.getlist('x') }}|{{ request.path }}"
            "|{{ config.CUSTOM }}|{{ config['CUSTOM']|length }}|{{ request.endpoint }}"
            "|{{ url_for('globals_', _external=True) }}|{{ get_flashed_messages() }}"
        )

    @bp.route("/globals")
    def bp_globals():
        return fw.render_template_string(
            "{{ url_for('.bp_globals') }}|{{ request.blueprint }}|{{ url_for('globals_') }}"
        )

    @app.route("/undefined")
    def undefined():
        return fw.render_template_string("[{{ missing }}][{{ missing is defined }}]")

    @app.route("/undefined-attr")
    def undefined_attr():
        return fw.render_template_string("{{ missing.attr.deeper }}")

    @app.route("/syntax-error")
    def syntax_error():
        return fw.render_template_string("{% if %}")

    @app.route("/whitespace")
    def whitespace():
        return fw.render_template_string(
            "  {% if true %}\n  yes\n  {% endif %}\n{# comment #}\n{{ 'x' }}  \n"
        )

    @app.route("/session-and-g")
    def session_and_g():
        fw.g.user = "ann"
        count = fw.session.get("count", 0) + 1
        fw.session["count"] = count
        return fw.render_template_string(
            "{{ session.count }}|{{ g.user }}|{{ session.get('missing', 'dflt') }}"
            "|{{ g.get('nothing') }}"
        )

    app.register_blueprint(bp)
    return app


@scenario(
    R("/context"),
    R("/bp/context"),
    R("/filters"),
    R("/tests"),
    R("/globals"),
    R("/override"),
    R("/stream"),
)
def templates_context_filters_tests(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")

    @app.context_processor
    def app_context():
        return {"site": "Parity", "shared": "app"}

    @bp.context_processor
    def bp_context():
        return {"shared": "bp", "bp_only": True}

    @bp.app_context_processor
    def bp_app_context():
        return {"everywhere": "yes"}

    @app.template_filter()
    def reverse(s):
        return s[::-1]

    @app.template_filter("shout")
    def shout_filter(s):
        return s.upper() + "!"

    def double(s):
        return s * 2

    app.add_template_filter(double)

    @bp.app_template_filter("bp_wrap")
    def bp_wrap(s):
        return f"[{s}]"

    @app.template_test()
    def even(n):
        return n % 2 == 0

    @app.template_test("big")
    def big_test(n):
        return n > 100

    app.add_template_test(lambda s: s.startswith("p"), "p_word")

    @app.template_global()
    def add(a, b):
        return a + b

    @app.template_global("greet")
    def greet_global(name):
        return f"hi {name}"

    app.add_template_global(42, "answer")
    app.jinja_env.globals["direct"] = "direct global"

    @app.route("/context")
    def context():
        return fw.render_template_string(
            "{{ site }}|{{ shared }}|{{ bp_only is defined }}|{{ everywhere }}"
        )

    @bp.route("/context")
    def bp_context_view():
        return fw.render_template_string(
            "{{ site }}|{{ shared }}|{{ bp_only }}|{{ everywhere }}"
        )

    @app.route("/filters")
    def filters():
        return fw.render_template_string(
            "{{ 'abc'|reverse }}|{{ 'hey'|shout }}|{{ 'ab'|double }}|{{ 'x'|bp_wrap }}"
            "|{{ '<x>'|shout }}"
        )

    @app.route("/tests")
    def tests():
        return fw.render_template_string(
            "{{ 4 is even }}|{{ 3 is even }}|{{ 101 is big }}|{{ 'pear' is p_word }}"
        )

    @app.route("/globals")
    def globals_():
        return fw.render_template_string(
            "{{ add(1, 2) }}|{{ greet('ann') }}|{{ answer }}|{{ direct }}"
        )

    @app.route("/override")
    def override():
        return fw.render_template_string("{{ site }}|{{ shared }}", site="given", shared="given")

    @app.route("/stream")
    def stream():
        return fw.Response(
            fw.stream_template_string("{% for i in items %}{{ i }};{% endfor %}{{ site }}",
                                      items=[1, 2, 3])
        )

    app.register_blueprint(bp)
    return app


# --- class-based views -----------------------------------------------------------------------


@scenario(
    R("/items"),
    R("/items", "POST", json={"name": "x"}),
    R("/items", "HEAD"),
    R("/items", "OPTIONS"),
    R("/items", "PUT"),
    R("/items/3"),
    R("/items/3", "DELETE"),
    R("/items/3", "PATCH"),
    R("/items/3", "OPTIONS"),
    R("/explicit", "OPTIONS"),
    R("/explicit", "POST"),
    R("/decorated"),
    R("/counter"),
    R("/counter"),
    R("/shared"),
    R("/shared"),
    R("/plain", "POST"),
    R("/plain", "PUT"),
    R("/plain", "OPTIONS"),
    R("/info"),
)
def class_based_views(fw: ModuleType) -> t.Any:
    views = views_of(fw)
    app = fw.Flask(__name__)

    class ItemAPI(views.MethodView):
        def __init__(self, prefix: str) -> None:
            self.prefix = prefix

        def get(self, item_id: int | None = None) -> t.Any:
            if item_id is None:
                return {"items": [1, 2], "prefix": self.prefix}
            return {"item": item_id}

        def post(self) -> t.Any:
            return {"created": fw.request.json}, 201

        def delete(self, item_id: int) -> t.Any:
            return f"deleted {item_id}"

        def patch(self, item_id: int) -> t.Any:
            return f"patched {item_id}"

    item_view = ItemAPI.as_view("items", "pre")
    app.add_url_rule("/items", view_func=item_view, methods=["GET", "POST"])
    app.add_url_rule(
        "/items/<int:item_id>", view_func=item_view, methods=["GET", "DELETE", "PATCH"]
    )

    class Explicit(views.MethodView):
        methods = ["GET"]

        def get(self) -> str:
            return "explicit get"

        def post(self) -> str:
            return "explicit post"

    app.add_url_rule("/explicit", view_func=Explicit.as_view("explicit"))

    def add_header(view: t.Any) -> t.Any:
        def wrapped(*args: t.Any, **kwargs: t.Any) -> t.Any:
            response = fw.make_response(view(*args, **kwargs))
            response.headers["X-Decorated"] = "1"
            return response

        return wrapped

    class Decorated(views.MethodView):
        decorators = [add_header]

        def get(self) -> str:
            return "decorated"

    app.add_url_rule("/decorated", view_func=Decorated.as_view("decorated"))

    class Counter(views.View):
        def __init__(self) -> None:
            self.count = 0

        def dispatch_request(self) -> str:
            self.count += 1
            return f"count {self.count}"

    class Shared(Counter):
        init_every_request = False

    app.add_url_rule("/counter", view_func=Counter.as_view("counter"))
    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))

    class Plain(views.View):
        methods = ["POST", "PUT"]

        def dispatch_request(self) -> str:
            return "plain " + fw.request.method

    app.add_url_rule("/plain", view_func=Plain.as_view("plain"))

    @app.route("/info")
    def info():
        def describe(view: t.Any) -> list[t.Any]:
            return [
                view.__name__,
                sorted(view.methods or []),
                getattr(view, "provide_automatic_options", None),
                view.view_class.__name__,
            ]

        return {"views": [describe(app.view_functions[n]) for n in ("items", "explicit", "plain")]}

    return app


# --- send_file, cookies, custom classes -----------------------------------------------------------


@scenario(
    R("/plain"),
    R("/named"),
    R("/attachment"),
    R("/unicode-name"),
    R("/unknown-type"),
    R("/cached"),
    R("/plain", headers={"Range": "bytes=2-5"}),
    R("/plain", headers={"Range": "bytes=100-"}),
    R("/cached", headers={"If-Modified-Since": "Thu, 01 Jan 2015 00:00:00 GMT"}),
    R("/cached", headers={"If-None-Match": '"v1"'}),
    R("/plain", "HEAD"),
    R("/no-name", **expect_error()),
)
def send_file_from_bytes(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    content = b"0123456789abcdef"

    @app.route("/plain")
    def plain():
        return fw.send_file(io.BytesIO(content), mimetype="text/plain")

    @app.route("/named")
    def named():
        return fw.send_file(io.BytesIO(content), download_name="report.csv")

    @app.route("/attachment")
    def attachment():
        return fw.send_file(io.BytesIO(content), download_name="data.json", as_attachment=True)

    @app.route("/unicode-name")
    def unicode_name():
        return fw.send_file(
            io.BytesIO(content), download_name="résumé final.pdf", as_attachment=True
        )

    @app.route("/unknown-type")
    def unknown_type():
        return fw.send_file(io.BytesIO(content), download_name="blob.zzzunknown")

    @app.route("/cached")
    def cached():
        response = fw.send_file(
            io.BytesIO(content),
            mimetype="application/octet-stream",
            last_modified=dt.datetime(2015, 1, 1, tzinfo=dt.timezone.utc),
            etag="v1",
            max_age=120,
        )
        return response

    @app.route("/no-name")
    def no_name():
        return fw.send_file(io.BytesIO(content))

    return app


@scenario(
    R("/set"),
    R("/read"),
    R("/delete"),
    R("/read"),
    R("/fixed-expiry"),
    R("/read", headers={"Cookie": 'quoted="a b"; plain=x'}),
)
def cookies_set_and_delete(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/set")
    def set_():
        response = fw.make_response("set")
        response.set_cookie("simple", "v1")
        response.set_cookie("spaced", "a b;c", max_age=dt.timedelta(hours=1))
        response.set_cookie(
            "full",
            "v2",
            max_age=300,
            path="/",
            domain="localhost",
            secure=True,
            httponly=True,
            samesite="None",
        )
        response.set_cookie("partitioned", "p", secure=True, partitioned=True, samesite="Lax")
        return response

    @app.route("/read")
    def read():
        return {"cookies": fw.request.cookies.to_dict(flat=False)}

    @app.route("/delete")
    def delete():
        response = fw.make_response("deleted")
        response.delete_cookie("simple")
        response.delete_cookie("full", domain="localhost", secure=True, samesite="None")
        return response

    @app.route("/fixed-expiry")
    def fixed_expiry():
        response = fw.make_response("fixed")
        response.set_cookie("old", "x", expires=dt.datetime(2001, 2, 3, 4, 5, 6))
        response.set_cookie("epoch", "y", expires=0)
        return response

    return app


@scenario(
    R("/str"),
    R("/dict"),
    R("/tuple"),
    R("/request"),
    R("/abort"),
)
def custom_response_and_request_classes(fw: ModuleType) -> t.Any:
    class TextResponse(fw.Response):
        default_mimetype = "text/plain"

        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Custom-Response"] = "1"

    class ShoutingRequest(fw.Request):
        @property
        def shout(self) -> str:
            return self.path.upper()

    class App(fw.Flask):
        response_class = TextResponse
        request_class = ShoutingRequest

    app = App(__name__)

    @app.route("/str")
    def string():
        return "text"

    @app.route("/dict")
    def a_dict():
        return {"a": 1}

    @app.route("/tuple")
    def a_tuple():
        return "created", 201

    @app.route("/request")
    def request():
        request = fw.request._get_current_object()
        return {"shout": request.shout, "class": type(request).__name__}

    @app.route("/abort")
    def abort():
        fw.abort(404)

    return app


@scenario(
    R("/api/v1/"),
    R("/api/v1/users/5"),
    R("/api/v1/admin/"),
    R("/api/v1/admin/stats"),
    R("/legacy/users/5"),
    R("/api/v1/urls"),
    R("/legacy/urls"),
    R("/api/v1/admin/urls"),
    R("/endpoints"),
    R("/api/v1/defaults/"),
    R("/api/v1/defaults/2"),
)
def blueprints_nested_and_registered_twice(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    api = fw.Blueprint("api", __name__)
    admin = fw.Blueprint("admin", __name__, url_prefix="/admin")

    @api.route("/")
    def index():
        return snapshot(fw)

    @api.route("/users/<int:uid>")
    def user(uid):
        return {"uid": uid, "endpoint": fw.request.endpoint, "blueprint": fw.request.blueprint}

    @api.route("/urls")
    def urls():
        return {
            "index": fw.url_for(".index"),
            "user": fw.url_for(".user", uid=1),
            "admin": fw.url_for(".admin.stats"),
            "absolute": fw.url_for("api.index"),
            "legacy": fw.url_for("legacy.index"),
        }

    @api.route("/defaults/", defaults={"page": 1})
    @api.route("/defaults/<int:page>")
    def defaults(page):
        return {"page": page, "url": fw.url_for(".defaults", page=page)}

    @admin.route("/")
    def admin_index():
        return {"blueprints": fw.request.blueprints, "endpoint": fw.request.endpoint}

    @admin.route("/stats")
    def stats():
        return "stats"

    def admin_urls():
        return {"self": fw.url_for(".admin_urls"), "parent": fw.url_for("api.index")}

    admin.add_url_rule("/urls", view_func=admin_urls)

    @app.route("/endpoints")
    def endpoints():
        rules = sorted(
            [r.rule, r.endpoint, sorted(r.methods or [])] for r in app.url_map.iter_rules()
        )
        return {"rules": rules, "blueprints": sorted(app.blueprints)}

    api.register_blueprint(admin)
    app.register_blueprint(api, url_prefix="/api/v1")
    app.register_blueprint(api, url_prefix="/legacy", name="legacy")
    return app


@scenario(R("/g"), R("/g"), R("/app"))
def g_and_current_app(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config["SOMETHING"] = "configured"

    @app.before_request
    def set_g():
        fw.g.user = "ann"

    @app.route("/g")
    def g_view():
        g = fw.g
        g.x = 1
        before = "x" in g
        popped = g.pop("x")
        missing = g.pop("missing", "default")
        g.setdefault("y", [])
        g.y.append(1)
        return {
            "before": before,
            "popped": popped,
            "missing": missing,
            "after": "x" in g,
            "get": g.get("user"),
            "names": sorted(g),
            "repr_has_app": "test_flask_parity" in repr(g) or repr(g),
        }

    @app.route("/app")
    def app_view():
        current = fw.current_app
        return {
            "name": current.name,
            "import_name": current.import_name,
            "config": current.config["SOMETHING"],
            "same": current._get_current_object() is app,
            "debug": current.debug,
            "testing": current.testing,
            "url_map_len": len(list(current.url_map.iter_rules())),
        }

    return app


# --- more sessions, error handling and app-level hooks ------------------------------------------


@scenario(
    R("/mark-modified"),
    R("/read-flags"),
    R("/proxy-only"),
    R("/del-missing", **expect_error()),
    R("/template-without-session"),
    R("/template-with-session"),
    R("/messages"),
    R("/untouched"),
)
def session_access_tracking(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.secret_key = "tracking"

    @app.route("/mark-modified")
    def mark_modified():
        fw.session.modified = True
        return "marked"

    @app.route("/read-flags")
    def read_flags():
        return {"new": fw.session.new, "modified": fw.session.modified}

    @app.route("/proxy-only")
    def proxy_only():
        return type(fw.session._get_current_object()).__name__

    @app.route("/del-missing")
    def del_missing():
        del fw.session["missing"]
        return "unreachable"

    @app.route("/template-without-session")
    def template_without_session():
        return fw.render_template_string("{{ 1 + 1 }}")

    @app.route("/template-with-session")
    def template_with_session():
        return fw.render_template_string("{{ session|length }}")

    @app.route("/messages")
    def messages():
        return {"messages": fw.get_flashed_messages()}

    @app.route("/untouched")
    def untouched():
        return "untouched"

    return app


@scenario(
    R("/set?v=1"),
    R("/get"),
    R("/untouched"),
    R("/clear"),
    R("/get"),
)
def custom_session_interface(fw: ModuleType) -> t.Any:
    sessions_module = importlib.import_module(fw.__name__ + ".sessions")
    store: dict[str, dict[str, t.Any]] = {}

    class ServerSession(dict):  # type: ignore[type-arg]
        modified = False
        accessed = False
        new = False
        permanent = False

    class StoreInterface(sessions_module.SessionInterface):
        def open_session(self, app, request):
            sid = request.cookies.get("sid", "")
            session = ServerSession(store.get(sid, {}))
            session.sid = sid or f"sid{len(store) + 1}"  # type: ignore[attr-defined]
            return session

        def save_session(self, app, session, response):
            store[session.sid] = dict(session)
            response.set_cookie("sid", session.sid, httponly=True)
            response.headers["X-Session-Keys"] = ",".join(sorted(session))

    app = fw.Flask(__name__)
    app.session_interface = StoreInterface()

    @app.route("/set")
    def set_():
        fw.session["v"] = fw.request.args["v"]
        return "set"

    @app.route("/get")
    def get():
        session = fw.session._get_current_object()
        return {"session": dict(session), "class": type(session).__name__}

    @app.route("/untouched")
    def untouched():
        return "untouched"

    @app.route("/clear")
    def clear():
        fw.session.clear()
        return "cleared"

    return app


class ClientClosed(HTTPException):
    code = 499
    description = "The client went away."


@scenario(
    R("/handler-none", **expect_error()),
    R("/handler-returns-exception"),
    R("/abort-500", **expect_error()),
    R("/boom", **expect_error()),
    R("/custom-code"),
    R("/redirect"),
    R("/build-error"),
    R("/build-error-unhandled", **expect_error()),
)
def error_handler_edge_cases(fw: ModuleType) -> t.Any:
    class App(fw.Flask):
        def redirect(self, location, code=302):
            response = super().redirect(location, code)
            response.headers["X-Redirect-By"] = "app"
            return response

    app = App(__name__)
    app.aborter.mapping[499] = ClientClosed

    @app.errorhandler(409)
    def conflict_returns_none(e):
        return None

    @app.errorhandler(410)
    def gone_returns_exception(e):
        return e

    @app.errorhandler(InternalServerErrorAlias)
    def internal(e):
        original = e.original_exception
        return f"internal: {type(original).__name__ if original else None}", 500

    @app.errorhandler(ClientClosed)
    def client_closed(e):
        return f"{e.code} {e.name}: {e.description}", 499

    def build_error_handler(error, endpoint, values):
        if endpoint == "known_missing":
            return "/fallback/" + "/".join(f"{k}={v}" for k, v in sorted(values.items()))
        return None

    app.url_build_error_handlers.append(build_error_handler)

    @app.route("/handler-none")
    def handler_none():
        fw.abort(409)

    @app.route("/handler-returns-exception")
    def handler_returns_exception():
        fw.abort(410, "gone for good")

    @app.route("/abort-500")
    def abort_500():
        fw.abort(500)

    @app.route("/boom")
    def boom():
        raise OSError("disk")

    @app.route("/custom-code")
    def custom_code():
        fw.abort(499)

    @app.route("/redirect")
    def redirect():
        return fw.redirect("/elsewhere", 303)

    @app.route("/build-error")
    def build_error():
        return fw.url_for("known_missing", a=1, b="x")

    @app.route("/build-error-unhandled")
    def build_error_unhandled():
        return fw.url_for("unknown_missing")

    return app


InternalServerErrorAlias = importlib.import_module("werkzeug.exceptions").InternalServerError


@scenario(R("/boom", **expect_error()), R("/ok"))
def error_handler_for_500_that_raises(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.errorhandler(500)
    def broken(e):
        raise RuntimeError("the 500 handler broke")

    @app.route("/boom")
    def boom():
        raise ValueError("boom")

    @app.route("/ok")
    def ok():
        return "ok"

    return app


@scenario(
    R("/data"),
    R("/jsonify"),
    R("/dumps"),
    R("/response"),
    R("/loads", "POST", data='{"x": 1.5}', content_type="application/json"),
)
def custom_json_provider(fw: ModuleType) -> t.Any:
    provider_module = importlib.import_module(fw.__name__ + ".json.provider")

    class Provider(provider_module.DefaultJSONProvider):
        sort_keys = False

        @staticmethod
        def default(o: t.Any) -> t.Any:
            if isinstance(o, set):
                return sorted(o)
            if isinstance(o, complex):
                return [o.real, o.imag]
            return provider_module.DefaultJSONProvider.default(o)

        def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
            kwargs.setdefault("parse_float", decimal.Decimal)
            return super().loads(s, **kwargs)

    class App(fw.Flask):
        json_provider_class = Provider

    app = App(__name__)
    data = {"z": {3, 1, 2}, "c": 1 + 2j, "d": dt.date(2020, 5, 6), "a": None}

    @app.route("/data")
    def as_data():
        return data

    @app.route("/jsonify")
    def as_jsonify():
        return fw.jsonify(data, 1)

    @app.route("/dumps")
    def dumps():
        return fw.json.dumps(data)

    @app.route("/response")
    def response():
        return app.json.response(k=[1, 2])

    @app.post("/loads")
    def loads():
        return repr(fw.request.get_json())

    return app


@scenario(
    R("/echo"),
    R("/echo", "POST", data={"a": "1"}),
    R("/limited", "POST", data=b"x" * 20),
    R("/limited", "POST", data=b"x" * 3),
    R("/parts", "POST", data={f"k{i}": str(i) for i in range(5)}),
    R("/parts", "POST", data={**{f"k{i}": str(i) for i in range(5)}, "f": (io.BytesIO(b"x"), "f")}),
    R("/parts", "POST", data={"k": "v", "f": (io.BytesIO(b"x"), "f")}),
)
def request_limits_per_request_and_form_parts(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.config["MAX_FORM_PARTS"] = 3

    @app.before_request
    def limit():
        if fw.request.path == "/limited":
            fw.request.max_content_length = 5

    @app.route("/echo", methods=["GET", "POST"])
    def echo():
        r = fw.request
        return {
            "max_content_length": r.max_content_length,
            "max_form_memory_size": r.max_form_memory_size,
            "max_form_parts": r.max_form_parts,
            "form": r.form.to_dict(),
        }

    @app.post("/limited")
    def limited():
        return {"len": len(fw.request.get_data()), "max": fw.request.max_content_length}

    @app.post("/parts")
    def parts():
        return {"form": sorted(fw.request.form), "files": sorted(fw.request.files)}

    return app


@scenario(
    R("/files", "POST", data={"name": "value"}, **expect_error()),
    R("/files", "POST", data={"other": "value"}, **expect_error()),
    R("/json", "POST", data="{bad", content_type="application/json", status_only=True),
    R("/json", "POST", data="{}", content_type="text/plain"),
    R("/template"),
)
def debug_mode_request_helpers(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.debug = True
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False

    @app.post("/files")
    def files():
        return fw.request.files["name"].filename

    @app.post("/json")
    def json():
        return {"json": fw.request.json}

    @app.route("/template")
    def template():
        return fw.render_template_string("{{ config.DEBUG }}|{{ config.TEMPLATES_AUTO_RELOAD }}")

    return app


# --- files on disk: static files, send_from_directory, templates ----------------------------------


_FILES: dict[str, str] = {}


def files_root() -> str:
    """A folder with static files and templates, made once per test run."""
    if "root" not in _FILES:
        import atexit
        import os
        import shutil
        import tempfile

        root = tempfile.mkdtemp(prefix="erlen-parity-")
        atexit.register(shutil.rmtree, root, True)
        contents = {
            "static/hello.txt": "hello static\n",
            "static/style.css": "body { color: red; }\n",
            "static/sub/data.json": '{"k": 1}\n',
            "static/ünï.txt": "unicode name\n",
            "templates/base.html": "<title>{% block title %}base{% endblock %}</title>"
            "{% block body %}{% endblock %}",
            "templates/page.html": "{% extends 'base.html' %}{% block title %}{{ title }}"
            "{% endblock %}{% block body %}{% include 'part.html' %}{% endblock %}",
            "templates/part.html": "<p>{{ text }}</p>",
            "templates/plain.txt": "text {{ text }}",
            "templates/macros.html": "{% macro hello(name) %}Hello {{ name }}!{% endmacro %}",
            "templates/shared.html": "app version of shared",
            "bp_templates/bp/only.html": "bp only {{ text }}",
            "bp_templates/shared.html": "bp version of shared",
            "config/settings.json": '{"FROM_JSON": [1, 2], "lower": 1}',
            "config/settings.py": "FROM_PY = 'py'\nlower_py = 1\n",
        }
        for name, text in contents.items():
            path = os.path.join(root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            os.utime(path, (1_600_000_000, 1_600_000_000))
        _FILES["root"] = root
    return _FILES["root"]


@scenario(
    R("/static/hello.txt"),
    R("/static/style.css"),
    R("/static/sub/data.json"),
    R("/static/%C3%BCn%C3%AF.txt"),
    R("/static/missing.txt"),
    R("/static/../test_flask_parity.py"),
    R("/static/sub"),
    R("/static/hello.txt", "HEAD"),
    R("/static/hello.txt", "POST"),
    R("/static/hello.txt", headers={"If-Modified-Since": "Sun, 13 Sep 2020 12:26:40 GMT"}),
    R("/static/hello.txt", headers={"Range": "bytes=0-4"}),
    R("/download/hello.txt"),
    R("/download/sub/data.json"),
    R("/download/../secret"),
    R("/download/nothing.txt"),
    R("/cached/hello.txt"),
    R("/file-path"),
    R("/static-url"),
)
def static_files_and_send_from_directory(fw: ModuleType) -> t.Any:
    import os

    root = files_root()
    app = fw.Flask(__name__, static_folder=os.path.join(root, "static"))
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60

    @app.route("/download/<path:name>")
    def download(name):
        return fw.send_from_directory(
            os.path.join(root, "static"), name, as_attachment=True, max_age=0
        )

    @app.route("/cached/<path:name>")
    def cached(name):
        return fw.send_from_directory(os.path.join(root, "static"), name)

    @app.route("/file-path")
    def file_path():
        return fw.send_file(os.path.join(root, "static", "style.css"), conditional=False)

    @app.route("/static-url")
    def static_url():
        return {
            "plain": fw.url_for("static", filename="hello.txt"),
            "query": fw.url_for("static", filename="sub/data.json", v=3),
            "has_static_folder": app.has_static_folder,
            "static_url_path": app.static_url_path,
        }

    return app


@scenario(
    R("/page?text=<x>"),
    R("/plain?text=<x>"),
    R("/macro"),
    R("/shared"),
    R("/bp/only"),
    R("/bp/shared"),
    R("/missing", **expect_error()),
    R("/select"),
    R("/stream"),
)
def render_template_files(fw: ModuleType) -> t.Any:
    import os

    root = files_root()
    app = fw.Flask(__name__, template_folder=os.path.join(root, "templates"))
    bp = fw.Blueprint(
        "bp", __name__, url_prefix="/bp", template_folder=os.path.join(root, "bp_templates")
    )

    @app.route("/page")
    def page():
        return fw.render_template("page.html", title="T<1>", text=fw.request.args["text"])

    @app.route("/plain")
    def plain():
        return fw.render_template("plain.txt", text=fw.request.args["text"])

    @app.route("/macro")
    def macro():
        hello = fw.get_template_attribute("macros.html", "hello")
        return hello("<ann>")

    @app.route("/shared")
    def shared():
        return fw.render_template("shared.html")

    @bp.route("/only")
    def only():
        return fw.render_template("bp/only.html", text="<t>")

    @bp.route("/shared")
    def bp_shared():
        return fw.render_template("shared.html")

    @app.route("/missing")
    def missing():
        return fw.render_template("nope.html")

    @app.route("/select")
    def select():
        return fw.render_template(["nope.html", "part.html"], text="chosen")

    @app.route("/stream")
    def stream():
        return fw.stream_template("page.html", title="S", text="streamed")

    app.register_blueprint(bp)
    return app


@scenario(R("/config"), R("/outside"))
def config_api_and_app_context_url_for(fw: ModuleType) -> t.Any:
    import os

    class Settings:
        UPPER_ONE = 1
        lower_ignored = 2
        IMAGE_STORE_TYPE = "fs"
        IMAGE_STORE_PATH = "/var/images"

    env = {"PARITYTEST_NUMBER": "42", "PARITYTEST_TEXT": "plain", "PARITYTEST_NESTED__KEY": "[1]"}
    os.environ.update(env)
    try:
        app = fw.Flask(__name__)
        app.config.from_object(Settings)
        app.config.from_mapping({"MAPPED": "m"}, KW="k", lower="ignored")
        app.config.from_prefixed_env("PARITYTEST")
    finally:
        for key in env:
            del os.environ[key]
    app.config["SERVER_NAME"] = "config.test"
    root = files_root()
    loaded = [
        app.config.from_file(os.path.join(root, "config", "settings.json"), load=fw.json.load),
        app.config.from_pyfile(os.path.join(root, "config", "settings.py")),
        app.config.from_pyfile(os.path.join(root, "config", "nope.py"), silent=True),
        app.config.from_envvar("PARITYTEST_UNSET_VARIABLE", silent=True),
    ]

    @app.route("/somewhere/<int:n>")
    def somewhere(n):
        return str(n)

    with app.app_context():
        outside = {
            "relative": fw.url_for("somewhere", n=1),
            "external": fw.url_for("somewhere", n=2, _external=True),
            "scheme": fw.url_for("somewhere", n=3, _scheme="https", _external=True),
        }
    with app.test_request_context("/somewhere/5?x=1", base_url="http://sub.config.test"):
        outside["test_request"] = [fw.request.url, fw.url_for("somewhere", n=6)]
    with app.app_context():
        outside["template"] = fw.render_template_string(
            "{{ url_for('somewhere', n=7) }}|{{ config.SERVER_NAME }}|{{ g.get('x', 'no g') }}"
        )

    @app.route("/config")
    def config():
        c = app.config
        return {
            "one": c.get("UPPER_ONE"),
            "lower": "lower_ignored" in c or "lower" in c,
            "mapped": [c.get("MAPPED"), c.get("KW")],
            "prefixed": [c.get("NUMBER"), c.get("TEXT"), c.get("NESTED")],
            "files": [loaded, c.get("FROM_JSON"), c.get("FROM_PY"), "lower_py" in c],
            "namespace": c.get_namespace("IMAGE_STORE_"),
            "namespace_raw": c.get_namespace("IMAGE_STORE_", lowercase=False, trim_namespace=False),
            "defaults": {
                k: repr(c[k])
                for k in (
                    "DEBUG",
                    "TESTING",
                    "PROPAGATE_EXCEPTIONS",
                    "SECRET_KEY",
                    "PERMANENT_SESSION_LIFETIME",
                    "SESSION_COOKIE_NAME",
                    "SESSION_COOKIE_SAMESITE",
                    "MAX_CONTENT_LENGTH",
                    "MAX_FORM_MEMORY_SIZE",
                    "MAX_FORM_PARTS",
                    "SEND_FILE_MAX_AGE_DEFAULT",
                    "TRAP_BAD_REQUEST_ERRORS",
                    "TRAP_HTTP_EXCEPTIONS",
                    "EXPLAIN_TEMPLATE_LOADING",
                    "PREFERRED_URL_SCHEME",
                    "TEMPLATES_AUTO_RELOAD",
                    "MAX_COOKIE_SIZE",
                    "PROVIDE_AUTOMATIC_OPTIONS",
                    "APPLICATION_ROOT",
                    "USE_X_SENDFILE",
                    "TRUSTED_HOSTS",
                    "SECRET_KEY_FALLBACKS",
                )
            },
            "keys": sorted(k for k in c if k.isupper()),
        }

    @app.route("/outside")
    def outside_view():
        return outside

    return app


@scenario(
    R("/page/"),
    R("/page/1"),
    R("/page/2"),
    R("/page/1?x=y"),
    R("/links"),
)
def rule_defaults_redirect(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)

    @app.route("/page/", defaults={"n": 1})
    @app.route("/page/<int:n>")
    def page(n):
        return f"page {n}"

    @app.route("/links")
    def links():
        return {"one": fw.url_for("page", n=1), "two": fw.url_for("page", n=2)}

    return app


# --- contexts, streaming lifecycle, blueprint registration ----------------------------------------


@scenario(
    R("/thread?x=1"),
    R("/nested-app-context"),
    R("/nested-request-context"),
    R("/outside-proxy", **expect_error()),
)
def contexts_and_threads(fw: ModuleType) -> t.Any:
    import threading

    app = fw.Flask(__name__)
    app.secret_key = "contexts"

    @app.route("/thread")
    def thread():
        fw.g.value = "from request"
        seen: dict[str, t.Any] = {}

        @fw.copy_current_request_context
        def copied():
            seen["args"] = fw.request.args.to_dict()
            seen["g"] = fw.g.get("value")
            seen["has_request"] = fw.has_request_context()
            seen["session"] = fw.session.get("nothing", "empty")

        def plain():
            seen["plain_has_request"] = fw.has_request_context()
            seen["plain_has_app"] = fw.has_app_context()

        for target in (copied, plain):
            worker = threading.Thread(target=target)
            worker.start()
            worker.join()
        return seen

    @app.route("/nested-app-context")
    def nested_app_context():
        fw.g.value = "outer"
        with app.app_context():
            inner = {
                "g": fw.g.get("value"),
                "has_request": fw.has_request_context(),
                "path": fw.request.path if fw.has_request_context() else None,
            }
        return {"inner": inner, "outer_g": fw.g.get("value"), "path": fw.request.path}

    @app.route("/nested-request-context")
    def nested_request_context():
        with app.test_request_context("/inner/path?q=2", method="POST"):
            inner = [fw.request.path, fw.request.method, fw.request.args.get("q"), fw.g.get("v")]
        return {"inner": inner, "outer": [fw.request.path, fw.request.method]}

    @app.route("/outside-proxy")
    def outside_proxy():
        result: list[str] = []

        def target():
            try:
                fw.request.path  # noqa: B018
            except RuntimeError as e:
                result.append(type(e).__name__)

        worker = threading.Thread(target=target)
        worker.start()
        worker.join()
        raise RuntimeError(",".join(result))

    return app


@scenario(
    R("/plain-generator"),
    R("/log"),
    R("/with-context"),
    # Flask tears a streamed context down twice; erlen once (tests/test_streaming.py).
    R("/log", status_only=True),
    R("/on-close"),
    R("/log"),
    R("/generator-touching-request"),
    R("/log"),
    R("/template-stream?name=ann"),
    R("/log", status_only=True),
)
def streaming_lifecycle(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    events: list[str] = []

    @app.teardown_request
    def teardown(exc):
        events.append("teardown")

    @app.teardown_appcontext
    def teardown_app(exc):
        events.append("teardown_app")

    @app.after_request
    def after(response):
        events.append("after_request")
        return response

    @app.route("/plain-generator")
    def plain_generator():
        def gen():
            events.append("generator start")
            yield "a"
            yield "b"
            events.append("generator end")

        return gen()

    @app.route("/with-context")
    def with_context():
        def gen():
            events.append(f"generator sees {fw.request.path}")
            yield "a"
            events.append("generator end")

        return fw.stream_with_context(gen())

    @app.route("/on-close")
    def on_close():
        response = fw.make_response("closing")
        response.call_on_close(lambda: events.append("on close"))
        return response

    @app.route("/generator-touching-request")
    def generator_touching_request():
        def gen():
            yield "start;"
            try:
                yield fw.request.path
            except RuntimeError as e:
                yield type(e).__name__

        return gen()

    @app.route("/template-stream")
    def template_stream():
        return fw.stream_template_string("hi {{ request.args.name }}")

    @app.route("/log")
    def log():
        logged = list(events)
        events.clear()
        return {"events": logged}

    return app


@scenario(
    R("/en/home", base_url="http://reg.test/"),
    R("/fr/home", base_url="http://reg.test/"),
    R("/en/link", base_url="http://reg.test/"),
    R("/records", base_url="http://reg.test/"),
    R("/bp-static/hello.txt", base_url="http://reg.test/"),
    R("/x/de/home", base_url="http://reg.test/"),
    R("/sub-bp/", base_url="http://sub.reg.test/"),
    R("/sub-bp/", base_url="http://reg.test/"),
    R("/twice", base_url="http://reg.test/"),
)
def blueprint_registration_options(fw: ModuleType) -> t.Any:
    import os

    root = files_root()
    app = fw.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "reg.test"
    records: list[str] = []
    bp = fw.Blueprint("lang", __name__, url_prefix="/<lang>", url_defaults={"source": "bp"})
    static_bp = fw.Blueprint(
        "files",
        __name__,
        static_folder=os.path.join(root, "static"),
        static_url_path="/bp-static",
    )
    sub_bp = fw.Blueprint("sub", __name__)

    bp.record(lambda state: records.append(f"record {state.url_prefix} {state.first_registration}"))
    bp.record_once(lambda state: records.append(f"once {state.url_prefix}"))

    @bp.route("/home")
    def home(lang, source):
        return {
            "lang": lang,
            "source": source,
            "url": fw.url_for(".home", lang=lang),
            "fr": fw.url_for(".home", lang="fr", source="bp"),
        }

    @bp.route("/link")
    def link(lang, source):
        return fw.url_for("lang.home", lang=lang)

    @sub_bp.route("/sub-bp/")
    def sub_index():
        return {"host": fw.request.host, "url": fw.url_for(".sub_index", _external=True)}

    @app.route("/records")
    def show_records():
        return {"records": records}

    twice: list[str] = []
    try:
        app.register_blueprint(bp)
        app.register_blueprint(bp, name="lang2", url_prefix="/x/<lang>")
        app.register_blueprint(bp)
    except Exception as e:
        twice.append(type(e).__name__)
    app.register_blueprint(static_bp)
    app.register_blueprint(sub_bp, subdomain="sub")

    @app.route("/twice")
    def show_twice():
        return {"errors": twice, "rules": sorted(r.rule for r in app.url_map.iter_rules())}

    return app


@scenario(
    R("/data"),
    R("/text"),
    R("/change-json"),
    R("/data"),
    R("/debug-on"),
    R("/data"),
    R("/testing-on"),
    R("/boom", **expect_error()),
    R("/late-setup"),
    R("/late-route"),
)
def runtime_changes_after_first_request(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    data = {"b": "é", "a": [1, {"d": 2, "c": 3}]}

    @app.route("/data")
    def as_data():
        return data

    @app.route("/text")
    def text():
        return "text"

    @app.route("/change-json")
    def change_json():
        app.json.sort_keys = False
        app.json.ensure_ascii = False
        app.json.mimetype = "application/x-changed"
        return "changed"

    @app.route("/debug-on")
    def debug_on():
        app.debug = True
        return "debug"

    @app.route("/testing-on")
    def testing_on():
        app.testing = True
        return "testing"

    @app.route("/boom")
    def boom():
        raise ValueError("propagates once testing is on")

    @app.route("/late-setup")
    def late_setup():
        errors = []
        for setup in (app.before_request, app.after_request, app.teardown_request):
            try:
                setup(lambda *a: None)
            except Exception as e:
                errors.append(type(e).__name__)
        return {"errors": errors}

    @app.route("/late-route")
    def late_route():
        try:
            app.add_url_rule("/late", "late", lambda: "late")
        except Exception as e:
            return type(e).__name__
        return "added"

    return app


@scenario(R("/errors"), R("/second"))
def registration_errors(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    errors: dict[str, str | None] = {}

    def attempt(name: str, action: Callable[[], t.Any]) -> None:
        try:
            action()
        except Exception as e:
            errors[name] = type(e).__name__
        else:
            errors[name] = None

    def first():
        return "first"

    def second():
        return "second"

    app.add_url_rule("/first", "same", first)
    # Flask adds the rule before it checks the endpoint, so "/second" still routes.
    attempt("duplicate endpoint", lambda: app.add_url_rule("/second", "same", second))
    attempt("same function again", lambda: app.add_url_rule("/again", "same", first))
    attempt("blueprint dotted name", lambda: fw.Blueprint("a.b", __name__))
    attempt("blueprint empty name", lambda: fw.Blueprint("", __name__))
    bp = fw.Blueprint("bp", __name__)
    attempt("dotted endpoint", lambda: bp.add_url_rule("/x", "x.y", first))
    attempt("handler for instance", lambda: app.register_error_handler(ValueError("x"), first))
    attempt("handler for non-exception", lambda: app.register_error_handler(dict, first))
    attempt("handler for unknown code", lambda: app.register_error_handler(299, first))
    attempt("route without view", lambda: app.add_url_rule("/none"))
    attempt("methods as string", lambda: app.add_url_rule("/str", "str", first, methods="GET"))
    app.register_blueprint(bp)
    attempt("same blueprint name", lambda: app.register_blueprint(fw.Blueprint("bp", __name__)))

    @app.route("/errors")
    def show():
        return {"errors": errors, "rules": sorted(r.rule for r in app.url_map.iter_rules())}

    return app


@scenario(
    R("/ordered"),
    R("/default-dict"),
    R("/list-subclass"),
    R("/str-subclass"),
    R("/http-status"),
    R("/http-status-tuple"),
    R("/http-status-response"),
    R("/make-response-with-status"),
    R("/dataclass", **expect_error()),
    R("/view-function", **expect_error()),
    R("/bool-status", **expect_error()),
)
def return_value_subclasses(fw: ModuleType) -> t.Any:
    import collections
    from http import HTTPStatus

    app = fw.Flask(__name__)

    class Text(str):
        pass

    class Items(list):  # type: ignore[type-arg]
        pass

    @app.route("/ordered")
    def ordered():
        return collections.OrderedDict([("z", 1), ("a", 2)])

    @app.route("/default-dict")
    def default_dict():
        d: collections.defaultdict[str, list[int]] = collections.defaultdict(list)
        d["k"].append(1)
        return d

    @app.route("/list-subclass")
    def list_subclass():
        return Items([3, 2, 1])

    @app.route("/str-subclass")
    def str_subclass():
        return Text("text subclass")

    @app.route("/http-status")
    def http_status():
        return fw.Response("enum status", status=HTTPStatus.ACCEPTED)

    @app.route("/http-status-tuple")
    def http_status_tuple():
        return "enum in tuple", HTTPStatus.CREATED, {"X-Enum": "1"}

    @app.route("/http-status-response")
    def http_status_response():
        return fw.make_response("made"), HTTPStatus.NOT_FOUND

    @app.route("/make-response-with-status")
    def make_response_with_status():
        return fw.make_response(fw.Response("inner", status=200), 201, [("X-M", "m")])

    @app.route("/dataclass")
    def dataclass():
        return Point(1, 2)

    @app.route("/view-function")
    def view_function():
        return ordered

    @app.route("/bool-status")
    def bool_status():
        return "bool", True

    return app


@scenario(
    R("/after-this"),
    R("/flash"),
    R("/messages"),
    R("/g"),
    R("/connect"),
    R("/text"),
    R("/dict"),
    R("/events"),
    R("/abort"),
)
def fast_path_with_per_request_needs(fw: ModuleType) -> t.Any:
    app = fw.Flask(__name__)
    app.secret_key = "fast"
    events: list[str] = []

    @app.route("/after-this")
    def after_this():
        @fw.after_this_request
        def add(response):
            response.headers["X-After-This"] = "1"
            return response

        return "text body"

    @app.route("/flash")
    def flash():
        fw.flash("fast flash")
        return {"flashed": True}

    @app.route("/messages")
    def messages():
        return {"messages": fw.get_flashed_messages()}

    @app.route("/g")
    def g_view():
        fw.g.x = 1
        return {"g": fw.g.x}

    @app.route("/connect")
    def connect():
        def finished(sender, response, **extra):
            events.append(f"finished {response.status_code} {response.get_data(as_text=True)}")

        def rendered(sender, template, context, **extra):
            events.append("before render")

        fw.request_finished.connect(finished, app, weak=False)
        fw.before_render_template.connect(rendered, app, weak=False)
        return "connected"

    @app.route("/text")
    def text():
        return fw.render_template_string("rendered {{ 1 }}")

    @app.route("/dict")
    def a_dict():
        return {"k": "v"}

    @app.route("/events")
    def show_events():
        return {"events": list(events)}

    @app.route("/abort")
    def abort():
        fw.abort(418)

    return app
