"""The same request gives the same answer over WSGI and over ASGI.

One broad app (``build_app``) uses routing converters, nested blueprints with their
own hooks, error handlers and URL value processors, app hooks, error handlers,
sessions and flashing, templates, JSON, tuple returns, a class-based view,
``send_file`` and static files (with ``Range`` and conditional requests), streamed
bodies, the automatic ``HEAD`` and ``OPTIONS``, form and JSON bodies, body limits,
trusted hosts, ``url_for`` under a ``SCRIPT_NAME`` / ASGI ``root_path``, and
ProxyFix. Each scenario (one or more requests, the session cookie carried from one
to the next) is sent over WSGI to one app and over ASGI to another built alike
(and, in one test, to a single app object over both in turn); the status, the
header list (in order) and the body must be identical, as must what the app
recorded (hooks, teardown). The views are built twice, as ``def`` and as ``async
def`` (with some async hooks and handlers): under ASGI the first run in a worker
thread, the second on the loop.

No header is left out of the comparison. Two take the time from the clock, so
the clock is frozen for both sides (else two requests either side of a second
boundary differ, whatever the protocol): the session cookie's signature holds a
timestamp, and ``make_conditional`` (``send_file``, static files) adds a ``Date``.

Where the protocols do differ, on purpose, a test says so explicitly: what the
environ holds besides the request (``asgi.scope``, ``REQUEST_URI``, the
``wsgi.multi*`` flags), and how repeated and underscored header names reach it.
The one deliberate difference in behaviour, a body limit raised inside an
``async def`` view, is ``DIFFERENT_ON_PURPOSE``, with its own test.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import os
import time
import typing as t
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from itsdangerous.timed import TimestampSigner
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import response as werkzeug_response

from erlen import (
    Blueprint,
    Erlen,
    abort,
    after_this_request,
    flash,
    g,
    get_flashed_messages,
    jsonify,
    make_response,
    redirect,
    render_template_string,
    request,
    send_file,
    session,
    signals,
    stream_with_context,
    url_for,
)
from erlen.views import MethodView
from wsgi_call import call_wsgi

Headers = list[tuple[str, str]]
Answer = tuple[int, Headers, bytes]

FILE_CONTENT = b"0123456789abcdefghij"
STATIC_CONTENT = b"static file content\n"
#: A fixed modification time for the served files, so Last-Modified is known.
MTIME = 1_700_000_000


class Teapot(Exception):
    """A custom exception with an app-level handler."""


# -- the app ---------------------------------------------------------------------------


def build_app(
    tmp: Path, events: list[str], *, flavor: str = "sync", proxied: bool = False
) -> Erlen:
    """The broad app; ``flavor`` "async" makes every view an ``async def`` one."""
    app = Erlen(__name__, static_folder=str(tmp / "static"), static_url_path="/static")
    app.config.update(
        SECRET_KEY="differential",
        MAX_CONTENT_LENGTH=1000,
        TRUSTED_HOSTS=["localhost", "example.org", ".trusted.test"],
    )
    served_file = tmp / "data.bin"

    def add(scaffold: Erlen | Blueprint, rule: str, endpoint: str, **options: t.Any) -> t.Any:
        """Register ``f`` as a view at ``rule``, as it is or wrapped in an ``async def``."""

        def register(f: Callable[..., t.Any]) -> Callable[..., t.Any]:
            if flavor == "async":

                async def view(**kwargs: t.Any) -> t.Any:
                    await asyncio.sleep(0)
                    return f(**kwargs)

                scaffold.add_url_rule(rule, endpoint, view, **options)
            else:
                scaffold.add_url_rule(rule, endpoint, f, **options)
            return f

        return register

    def hook_of(f: Callable[..., t.Any]) -> Callable[..., t.Any]:
        """``f``, or (flavor "async") an ``async def`` calling it: some hooks and
        handlers are async too, which a sync cycle sends to the loop and back."""
        if flavor != "async":
            return f

        async def hook(*args: t.Any) -> t.Any:
            await asyncio.sleep(0)
            return f(*args)

        return hook

    # -- app hooks and error handlers
    @app.before_request
    def before() -> t.Any:
        g.who = request.args.get("who", "nobody")
        events.append(f"before {request.method} {request.path}")
        if request.path == "/blocked":
            return "blocked by a hook", 403
        if request.path == "/big-upload":
            # Flask 3.1: the limit can be set for one request, here raised.
            request.max_content_length = 100_000
        return None

    @app.after_request
    def after(response: t.Any) -> t.Any:
        response.headers["X-App-After"] = request.endpoint or "-"
        events.append(f"after {response.status_code}")
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        events.append(f"teardown {request.path} {type(error).__name__ if error else None}")

    @app.errorhandler(404)
    def not_found(e: Exception) -> t.Any:
        return render_template_string("no page at {{ path }}", path=request.path), 404

    @app.errorhandler(500)
    def server_error(e: Exception) -> t.Any:
        original = getattr(e, "original_exception", None)
        return f"server error: {type(original).__name__}", 500

    def teapot(e: Teapot) -> t.Any:
        return jsonify(error="teapot", detail=str(e)), 418, {"X-Teapot": "short and stout"}

    app.register_error_handler(Teapot, hook_of(teapot))

    # -- routes with converters and return types
    @add(app, "/", "index")
    def index() -> str:
        return "Hello, World!"

    @add(app, "/user/<name>", "user")
    def user(name: str) -> str:
        return f"user {name} ({len(name)} characters)"

    @add(app, "/item/<int:item_id>", "item")
    def item(item_id: int) -> dict[str, t.Any]:
        return {"id": item_id, "double": item_id * 2, "name": "é"}

    @add(app, "/price/<float:amount>", "price")
    def price(amount: float) -> str:
        return f"{amount:.2f}"

    @add(app, "/files/<path:subpath>", "files")
    def files(subpath: str) -> str:
        return subpath

    @add(app, "/uuid/<uuid:ident>", "by_uuid")
    def by_uuid(ident: uuid.UUID) -> str:
        return ident.hex

    @add(app, "/folder/", "folder")
    def folder() -> str:
        return "folder"

    @add(app, "/environ", "environ", methods=["POST"])
    def environ() -> dict[str, t.Any]:
        return {
            key: value if isinstance(value, (str, bool)) else type(value).__name__
            for key, value in request.environ.items()
            if not key.startswith(("werkzeug.", "wsgi.input", "wsgi.errors"))
        }

    @add(app, "/headers", "headers")
    def headers() -> dict[str, t.Any]:
        return {
            "list": request.headers.get("X-List"),
            "forwarded": request.headers.get("X-Forwarded-For"),
        }

    @add(app, "/list", "as_list")
    def as_list() -> list[t.Any]:
        return [1, "two", {"three": 3}]

    @add(app, "/bytes", "as_bytes")
    def as_bytes() -> bytes:
        return b"\x00\xff raw"

    @add(app, "/tuple", "as_tuple")
    def as_tuple() -> t.Any:
        return "created", 201, {"X-Tuple": "yes", "Content-Language": "en"}

    @add(app, "/tuple-list", "tuple_list")
    def tuple_list() -> t.Any:
        return "repeated", [("X-Multi", "1"), ("X-Multi", "2")]

    @add(app, "/jsonify", "as_jsonify")
    def as_jsonify() -> t.Any:
        return jsonify({"b": 1, "a": [True, None]})

    @add(app, "/abort/<int:code>", "aborts")
    def aborts(code: int) -> str:
        abort(code)

    @add(app, "/teapot", "raise_teapot")
    def raise_teapot() -> str:
        raise Teapot("I am one")

    @add(app, "/boom", "boom")
    def boom() -> str:
        raise ValueError("boom")

    @add(app, "/none", "returns_none")
    def returns_none() -> None:
        return None

    @add(app, "/redirect", "go")
    def go() -> t.Any:
        return redirect(url_for("user", name="zoë", tab="a b"))

    @add(app, "/urls", "urls")
    def urls() -> str:
        return "\n".join(
            [
                url_for("index"),
                url_for("user", name="a b/c", q="x&y"),
                url_for("static", filename="hello.txt"),
                url_for("api.v1.thing", n=7),
                url_for("index", _external=True),
                url_for("item", item_id=3, _external=True, _anchor="top"),
                request.url,
                request.base_url,
                request.url_root,
                request.script_root,
                request.path,
                request.full_path,
                request.host,
                request.scheme,
                str(request.is_secure),
                str(request.remote_addr),
            ]
        )

    @add(app, "/template", "template")
    def template() -> str:
        return render_template_string(
            "<p>{{ value }}</p><p>{{ value|safe }}</p>{% for m in ms %}[{{ m }}]{% endfor %}",
            value=request.args.get("v", ""),
            ms=request.args.getlist("m"),
        )

    @add(app, "/later", "later")
    def later() -> str:
        @after_this_request
        def add_header(response: t.Any) -> t.Any:
            response.headers["X-Later"] = "added"
            events.append("after_this_request")
            return response

        return "later"

    @add(app, "/closing", "closing")
    def closing() -> t.Any:
        response = make_response("closing")
        response.call_on_close(lambda: events.append("closed"))
        return response

    @add(app, "/g", "show_g")
    def show_g() -> str:
        return f"g.who={g.who}"

    @add(app, "/blocked", "blocked")
    def blocked() -> str:
        return "the view ran"  # never: the hook answers

    @add(app, "/only-post", "only_post", methods=["POST"])
    def only_post() -> str:
        return "posted"

    @add(app, "/methods", "methods", methods=["GET", "PUT", "DELETE"])
    def methods() -> str:
        return request.method

    # -- sessions and flashing
    @add(app, "/login", "login", methods=["POST"])
    def login() -> t.Any:
        session["user"] = request.form["user"]
        flash(f"welcome {request.form['user']}")
        flash("<b>escaped?</b>", "info")
        return redirect(url_for("me"))

    @add(app, "/me", "me")
    def me() -> t.Any:
        messages = get_flashed_messages(with_categories=True)
        return render_template_string(
            "user={{ session.get('user') }}{% for c, m in messages %}|{{ c }}:{{ m }}{% endfor %}",
            messages=messages,
        )

    @add(app, "/logout", "logout")
    def logout() -> t.Any:
        session.clear()
        return "bye"

    # -- request bodies
    @add(app, "/form", "form", methods=["POST"])
    def form() -> dict[str, t.Any]:
        uploads = {
            name: [f.filename, f.mimetype, f.read().decode()]
            for name, f in request.files.items(multi=True)
        }
        return {"form": list(request.form.items(multi=True)), "files": uploads}

    @add(app, "/json", "echo_json", methods=["POST"])
    def echo_json() -> t.Any:
        data = request.get_json()
        return jsonify(received=data, kind=type(data).__name__)

    @add(app, "/args", "args")
    def args() -> dict[str, t.Any]:
        return {key: request.args.getlist(key) for key in request.args}

    @add(app, "/data", "data", methods=["POST", "PUT"])
    def data() -> str:
        body = request.get_data()
        return f"{len(body)} bytes, ends {body[-3:]!r}"

    @add(app, "/big-upload", "big_upload", methods=["POST"])
    def big_upload() -> str:
        return f"{len(request.get_data())} bytes"

    @add(app, "/big-upload-in-view", "big_upload_in_view", methods=["POST"])
    def big_upload_in_view() -> str:
        request.max_content_length = 100_000
        return f"{len(request.get_data())} bytes"

    # -- streamed bodies
    @add(app, "/stream", "stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            for i in range(4):
                yield f"chunk {i};"

        return generate(), {"Content-Type": "text/plain; charset=utf-8"}

    @add(app, "/stream-ctx", "stream_ctx")
    def stream_ctx() -> t.Any:
        @stream_with_context
        def generate() -> t.Iterator[str]:
            yield "start;"
            for value in request.args.getlist("x"):
                yield f"x={value};"
            yield f"g.who={g.who}"

        return generate()

    @add(app, "/agen", "agen")
    def agen() -> t.Any:
        async def generate() -> t.AsyncIterator[bytes]:
            for i in range(3):
                await asyncio.sleep(0)
                yield f"async {i};".encode()

        return generate()

    # -- files
    @add(app, "/file", "file")
    def file() -> t.Any:
        return send_file(served_file, mimetype="application/octet-stream")

    @add(app, "/file-download", "file_download")
    def file_download() -> t.Any:
        return send_file(io.BytesIO(b"in memory"), download_name="report ü.txt", as_attachment=True)

    # -- blueprints: /api, and /api/v1 nested in it
    api = Blueprint("api", __name__, url_prefix="/api")
    v1 = Blueprint("v1", __name__, url_prefix="/v1")

    @api.before_request
    def api_before() -> None:
        g.layer = "api"
        events.append("api before")

    def api_after(response: t.Any) -> t.Any:
        response.headers["X-Api"] = getattr(g, "layer", "-")
        return response

    api.after_request(hook_of(api_after))

    @api.errorhandler(404)
    def api_not_found(e: Exception) -> t.Any:
        return {"error": "no such api thing"}, 404

    @api.errorhandler(KeyError)
    def api_key_error(e: KeyError) -> t.Any:
        return f"missing key {e.args[0]}", 400

    @v1.before_request
    def v1_before() -> None:
        g.layer += "/v1"
        events.append("v1 before")

    @v1.after_request
    def v1_after(response: t.Any) -> t.Any:
        response.headers["X-V1"] = "yes"
        return response

    @add(api, "/ping", "ping")
    def ping() -> str:
        return f"pong from {g.layer}"

    @add(api, "/missing", "missing")
    def missing() -> str:
        abort(404)

    @add(api, "/key", "key")
    def key() -> str:
        return {"a": 1}["nope"]  # type: ignore[no-any-return]

    @add(v1, "/things/<int:n>", "thing")
    def thing(n: int) -> dict[str, t.Any]:
        return {"n": n, "layer": g.layer, "url": url_for(".thing", n=n + 1)}

    # -- a blueprint whose URLs carry a language code, taken off and put back
    lang = Blueprint("lang", __name__, url_prefix="/<lang_code>")

    @lang.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        g.lang = (values or {}).pop("lang_code", None)

    @lang.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        values.setdefault("lang_code", g.lang)

    @add(lang, "/hello", "hello")
    def hello() -> str:
        return f"hello in {g.lang}: {url_for('.hello')} {url_for('.hello', lang_code='fr')}"

    # -- a class-based view, its methods sync or async with the flavor
    class ItemAPI(MethodView):
        init_every_request = False

        def get(self, key: str) -> t.Any:
            return {"key": key, "method": "GET"}

        def post(self, key: str) -> t.Any:
            return {"key": key, "posted": request.get_json()}, 201

    if flavor == "async":
        sync_get, sync_post = ItemAPI.get, ItemAPI.post

        async def async_get(self: ItemAPI, key: str) -> t.Any:
            await asyncio.sleep(0)
            return sync_get(self, key)

        async def async_post(self: ItemAPI, key: str) -> t.Any:
            await asyncio.sleep(0)
            return sync_post(self, key)

        ItemAPI.get = async_get  # type: ignore[method-assign,assignment]
        ItemAPI.post = async_post  # type: ignore[method-assign,assignment]

    app.add_url_rule("/things/<key>", view_func=ItemAPI.as_view("things"))

    api.register_blueprint(v1)
    app.register_blueprint(api)
    app.register_blueprint(lang)

    if proxied:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    return app


# -- one request, over either protocol ------------------------------------------------------


@dataclasses.dataclass
class Req:
    """A request as a client sends it, whatever carries it to the app."""

    method: str = "GET"
    #: The path below the app's root, decoded (as an ASGI scope holds it).
    path: str = "/"
    query: str = ""
    headers: Headers = dataclasses.field(default_factory=list)
    body: bytes = b""
    #: Sent without a Content-Length (``Transfer-Encoding: chunked``).
    chunked: bool = False
    #: The mount point: ``SCRIPT_NAME`` under WSGI, ``root_path`` under ASGI.
    root_path: str = ""
    scheme: str = "http"
    client: tuple[str, int] = ("192.0.2.10", 50123)
    #: How many ``http.request`` messages carry the body under ASGI.
    parts: int = 1


def wsgi_environ(req: Req) -> dict[str, t.Any]:
    builder = EnvironBuilder(
        path=quote(req.path),
        base_url=f"{req.scheme}://localhost{quote(req.root_path)}",
        query_string=req.query,
        method=req.method,
        headers=req.headers,
        input_stream=io.BytesIO(req.body) if req.body else None,
        environ_base={"REMOTE_ADDR": req.client[0], "REMOTE_PORT": str(req.client[1])},
    )
    environ = builder.get_environ()
    environ.pop("CONTENT_LENGTH", None)
    if req.chunked:
        # What a WSGI server does with a chunked body: it decodes it, and says so.
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    elif req.body:
        environ["CONTENT_LENGTH"] = str(len(req.body))
    return environ


def asgi_scope(req: Req) -> dict[str, t.Any]:
    # A server passes the Host header on as sent; "localhost" when the request has none.
    has_host = any(name.lower() == "host" for name, _ in req.headers)
    headers = [] if has_host else [(b"host", b"localhost")]
    headers += [(name.lower().encode(), value.encode("latin-1")) for name, value in req.headers]
    if req.chunked:
        headers.append((b"transfer-encoding", b"chunked"))
    elif req.body:
        headers.append((b"content-length", str(len(req.body)).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": req.method,
        "scheme": req.scheme,
        # An ASGI path includes the root path.
        "path": req.root_path + req.path,
        "raw_path": quote(req.root_path + req.path).encode(),
        "query_string": req.query.encode("latin-1"),
        "root_path": req.root_path,
        "headers": headers,
        "server": ("localhost", 443 if req.scheme == "https" else 80),
        "client": req.client,
    }


def body_messages(body: bytes, parts: int) -> list[dict[str, t.Any]]:
    """``body`` as ``parts`` ``http.request`` messages (one empty one for no body)."""
    if not body:
        return [{"type": "http.request", "body": b"", "more_body": False}]
    size = -(-len(body) // parts)
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return [
        {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1}
        for i, piece in enumerate(pieces)
    ]


async def call_asgi(
    app: t.Any, scope: dict[str, t.Any], messages: list[dict[str, t.Any]]
) -> Answer:
    """One ASGI call as a server makes it: the body's messages, then a ``receive``
    that waits (for a disconnect that never comes); the sent messages checked
    against the protocol and joined."""
    pending = list(messages)
    sent: list[dict[str, t.Any]] = []
    never = asyncio.Event()

    async def receive() -> dict[str, t.Any]:
        if pending:
            return pending.pop(0)
        await never.wait()
        raise AssertionError("unreachable")

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert sent, "the app sent nothing"
    start, *bodies = sent
    assert start["type"] == "http.response.start"
    assert bodies, "no http.response.body message"
    assert all(m["type"] == "http.response.body" for m in bodies)
    assert all(m.get("more_body", False) for m in bodies[:-1])
    assert not bodies[-1].get("more_body", False)
    headers = [
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in start["headers"]
    ]
    for name, _ in headers:
        assert name == name.lower(), "ASGI header names are lowercase"
    return start["status"], headers, b"".join(m.get("body", b"") for m in bodies)


def over_wsgi(app: Erlen, req: Req) -> Answer:
    status, headers, body = call_wsgi(app, wsgi_environ(req))
    return int(status[:3]), [(name.lower(), value) for name, value in headers], body


def over_asgi(app: Erlen, req: Req) -> Answer:
    return asyncio.run(call_asgi(app, asgi_scope(req), body_messages(req.body, req.parts)))


# -- scenarios ----------------------------------------------------------------------------

#: A step: a request, or a function of the previous answer (on the same side) giving one.
Step = Req | Callable[[Answer], Req]


def header(answer: Answer, name: str) -> str:
    return next(value for key, value in answer[1] if key == name)


def form(**fields: str) -> tuple[Headers, bytes]:
    from urllib.parse import urlencode

    return [("Content-Type", "application/x-www-form-urlencoded")], urlencode(fields).encode()


def multipart() -> tuple[Headers, bytes]:
    boundary = "----erlen-boundary-7"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nhéllo wörld\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="tag"\r\n\r\na\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="tag"\r\n\r\nb\r\n',
        f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; filename="notes.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nline one\nline two\r\n",
        f"--{boundary}--\r\n",
    ]
    headers = [("Content-Type", f"multipart/form-data; boundary={boundary}")]
    return headers, "".join(parts).encode()


FORM_HEADERS, FORM_BODY = form(user="zoë", extra="a&b=c")
MP_HEADERS, MP_BODY = multipart()
JSON = [("Content-Type", "application/json")]
SOME_UUID = "12345678-1234-5678-1234-567812345678"
PROXY_HEADERS = [
    ("X-Forwarded-For", "203.0.113.7, 10.0.0.1"),
    ("X-Forwarded-Proto", "https"),
    ("X-Forwarded-Host", "example.org"),
]

#: A scenario: the status and a piece of the body (None: no body) its last answer must
#: have, whichever protocol carried it, and its steps.
Scenario = tuple[int, bytes | None, list[Step]]

SCENARIOS: dict[str, Scenario] = {
    # routing and return types
    "index": (200, b"Hello, World!", [Req()]),
    "index HEAD": (200, None, [Req("HEAD")]),
    "index OPTIONS": (200, None, [Req("OPTIONS")]),
    "index POST 405": (405, b"Method Not Allowed", [Req("POST", body=b"x=1")]),
    "only-post GET 405": (405, b"Method Not Allowed", [Req(path="/only-post")]),
    "only-post OPTIONS": (200, None, [Req("OPTIONS", "/only-post")]),
    "methods PUT": (200, b"PUT", [Req("PUT", "/methods")]),
    "methods DELETE": (200, b"DELETE", [Req("DELETE", "/methods")]),
    "methods HEAD": (200, None, [Req("HEAD", "/methods")]),
    "unknown 404": (404, b"no page at /no/such/page", [Req(path="/no/such/page")]),
    "unicode path": (200, "user zoë ü (5".encode(), [Req(path="/user/zoë ü")]),
    "percent sign in path": (200, b"user 100% (4", [Req(path="/user/100%")]),
    "int converter": (200, b'"double":84', [Req(path="/item/42")]),
    "int converter 404": (404, b"no page at /item/forty", [Req(path="/item/forty")]),
    "float converter": (200, b"3.50", [Req(path="/price/3.5")]),
    "path converter": (200, b"a/b/c.txt", [Req(path="/files/a/b/c.txt")]),
    "uuid converter": (200, SOME_UUID.replace("-", "").encode(), [Req(path=f"/uuid/{SOME_UUID}")]),
    "trailing slash redirect": (308, b"/folder/", [Req(path="/folder", query="a=1")]),
    "list": (200, b'[1,"two",{"three":3}]', [Req(path="/list")]),
    "bytes": (200, b"\x00\xff raw", [Req(path="/bytes")]),
    "tuple": (201, b"created", [Req(path="/tuple")]),
    "tuple header list": (200, b"repeated", [Req(path="/tuple-list")]),
    "jsonify": (200, b'{"a":[true,null],"b":1}', [Req(path="/jsonify")]),
    "abort 403": (403, b"Forbidden", [Req(path="/abort/403")]),
    "abort 404 handled": (404, b"no page at /abort/404", [Req(path="/abort/404")]),
    "abort 410": (410, b"Gone", [Req(path="/abort/410")]),
    "custom exception": (418, b'"error":"teapot"', [Req(path="/teapot")]),
    "unhandled 500": (500, b"server error: ValueError", [Req(path="/boom")]),
    "view returns None": (500, b"server error: TypeError", [Req(path="/none")]),
    "redirect": (302, b"/user/zo%C3%AB?tab=a+b", [Req(path="/redirect")]),
    "template autoescape": (
        200,
        b"<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><p><script>alert(1)</script></p>[&amp;]",
        [Req(path="/template", query="v=%3Cscript%3Ealert(1)%3C/script%3E&m=%26&m=%3Ci%3E")],
    ),
    "after_this_request": (200, b"later", [Req(path="/later")]),
    "call_on_close": (200, b"closing", [Req(path="/closing")]),
    "g from hook": (200, b"g.who=alice", [Req(path="/g", query="who=alice")]),
    "hook answers": (403, b"blocked by a hook", [Req(path="/blocked")]),
    "args": (
        200,
        b'{"a":["1","2"],"b":[" space"],"c":["\\u00e9"],"empty":[""]}',
        [Req(path="/args", query="a=1&a=2&b=%20space&c=%C3%A9&empty=")],
    ),
    # url_for and the request's URL
    "host with a port": (
        200,
        b"http://localhost:8080/\n",
        [Req(path="/urls", headers=[("Host", "localhost:8080")])],
    ),
    "trusted subdomain host": (
        200,
        b"http://a.trusted.test/\n",
        [Req(path="/urls", headers=[("Host", "a.trusted.test")])],
    ),
    "untrusted host 400": (400, b"Bad Request", [Req(headers=[("Host", "evil.test")])]),
    "malformed host 400": (400, b"Bad Request", [Req(headers=[("Host", "a..b")])]),
    "urls": (200, b"http://localhost/item/3#top\n", [Req(path="/urls", query="q=1")]),
    "urls under root_path": (
        200,
        b"/mount/point/\n/mount/point/user/a%20b/c?q=x%26y\n/mount/point/static/hello.txt\n"
        b"/mount/point/api/v1/things/7\nhttp://localhost/mount/point/\n",
        [Req(path="/urls", query="q=1", root_path="/mount/point")],
    ),
    "urls under root_path https": (
        200,
        b"https://localhost/mnt/\n",
        [Req(path="/urls", root_path="/mnt", scheme="https")],
    ),
    "urls under non-ASCII root_path": (
        200,
        # The script root goes into URLs as it is (Flask does the same).
        "/münt x/\n/münt x/user/a%20b/c?q=x%26y\n".encode(),
        [Req(path="/urls", root_path="/münt x")],
    ),
    "non-ASCII path under non-ASCII root_path": (
        200,
        "user é (1".encode(),
        [Req(path="/user/é", root_path="/münt")],
    ),
    "redirect under root_path": (
        302,
        b"/mnt/user/zo%C3%AB",
        [Req(path="/redirect", root_path="/mnt")],
    ),
    "static under root_path": (
        200,
        STATIC_CONTENT,
        [Req(path="/static/hello.txt", root_path="/mnt")],
    ),
    "blueprint under root_path": (
        200,
        b'"url":"/mnt/api/v1/things/2"',
        [Req(path="/api/v1/things/1", root_path="/mnt")],
    ),
    # blueprints
    "url_value_preprocessor and url_defaults": (
        200,
        b"hello in de: /de/hello /fr/hello",
        [Req(path="/de/hello")],
    ),
    "class-based view GET": (200, b'"key":"k1"', [Req(path="/things/k1")]),
    "class-based view POST": (
        201,
        b'"posted":{"a":1}',
        [Req("POST", "/things/k2", headers=JSON, body=b'{"a": 1}')],
    ),
    "class-based view 405": (405, b"Method Not Allowed", [Req("DELETE", "/things/k3")]),
    "blueprint": (200, b"pong from api", [Req(path="/api/ping")]),
    "nested blueprint": (200, b'"layer":"api/v1"', [Req(path="/api/v1/things/5")]),
    "blueprint 404 handler": (404, b"no such api thing", [Req(path="/api/missing")]),
    "blueprint routing 404": (404, b"no such api thing", [Req(path="/api/nothing-here")]),
    "blueprint exception handler": (400, b"missing key nope", [Req(path="/api/key")]),
    # sessions and flashing
    "login, flash, read": (
        200,
        "user=zoë|message:welcome zoë|info:&lt;b&gt;escaped?&lt;/b&gt;".encode(),
        [Req("POST", "/login", headers=FORM_HEADERS, body=FORM_BODY), Req(path="/me")],
    ),
    "login, flash, read, read again": (
        200,
        "user=zoë".encode(),
        [
            Req("POST", "/login", headers=FORM_HEADERS, body=FORM_BODY),
            Req(path="/me"),
            Req(path="/me"),
        ],
    ),
    "login, logout, read": (
        200,
        b"user=None",
        [
            Req("POST", "/login", headers=FORM_HEADERS, body=FORM_BODY),
            Req(path="/logout"),
            Req(path="/me"),
        ],
    ),
    # bodies
    "form urlencoded": (
        200,
        b'"form":[["user","zo\\u00eb"],["extra","a&b=c"]]',
        [Req("POST", "/form", headers=FORM_HEADERS, body=FORM_BODY)],
    ),
    "form urlencoded chunked": (
        200,
        b'"form":[["user","zo\\u00eb"],["extra","a&b=c"]]',
        [Req("POST", "/form", headers=FORM_HEADERS, body=FORM_BODY, chunked=True, parts=3)],
    ),
    "form multipart": (
        200,
        b'"upload":["notes.txt","text/plain","line one\\nline two"]',
        [Req("POST", "/form", headers=MP_HEADERS, body=MP_BODY)],
    ),
    "form multipart in pieces": (
        200,
        b'["tag","a"],["tag","b"]',
        [Req("POST", "/form", headers=MP_HEADERS, body=MP_BODY, parts=7)],
    ),
    "form multipart chunked": (
        200,
        b'"upload":["notes.txt"',
        [Req("POST", "/form", headers=MP_HEADERS, body=MP_BODY, chunked=True, parts=4)],
    ),
    "json": (
        200,
        b'{"kind":"dict","received":{"a":[1,2.5,"\\u00e9"],"b":null}}',
        [Req("POST", "/json", headers=JSON, body=b'{"a": [1, 2.5, "\\u00e9"], "b": null}')],
    ),
    "json list": (
        200,
        b'"received":[1,2,3]',
        [Req("POST", "/json", headers=JSON, body=b"[1, 2, 3]", parts=2)],
    ),
    "json invalid 400": (
        400,
        b"not valid JSON",
        [Req("POST", "/json", headers=JSON, body=b"{nope")],
    ),
    "json wrong type 415": (
        415,
        b"Unsupported Media Type",
        [Req("POST", "/json", headers=[("Content-Type", "text/plain")], body=b"{}")],
    ),
    "data under the limit": (200, b"1000 bytes", [Req("POST", "/data", body=b"x" * 1000, parts=4)]),
    "data over the limit 413": (413, b"Too Large", [Req("POST", "/data", body=b"x" * 1001)]),
    "data over the limit 413 big": (
        413,
        b"Too Large",
        [Req("PUT", "/data", body=b"y" * 50_000, parts=10)],
    ),
    "data chunked under the limit": (
        200,
        b"999 bytes",
        [Req("POST", "/data", body=b"z" * 999, chunked=True, parts=5)],
    ),
    "data chunked at the limit": (
        200,
        b"1000 bytes",
        [Req("POST", "/data", body=b"z" * 1000, chunked=True, parts=2)],
    ),
    "data chunked over the limit 413": (
        413,
        b"more than the 1000 bytes allowed (MAX_CONTENT_LENGTH)",
        [Req("POST", "/data", body=b"z" * 5000, chunked=True, parts=5)],
    ),
    "form chunked over the limit 413": (
        413,
        b"MAX_CONTENT_LENGTH",
        [Req("POST", "/form", headers=FORM_HEADERS, body=b"f=" + b"v" * 2000, chunked=True)],
    ),
    "limit raised by a hook": (
        200,
        b"5000 bytes",
        [Req("POST", "/big-upload", body=b"u" * 5000, parts=5)],
    ),
    "limit raised by a hook, chunked": (
        200,
        b"5000 bytes",
        [Req("POST", "/big-upload", body=b"u" * 5000, chunked=True, parts=5)],
    ),
    "limit raised by the view": (
        200,
        b"5000 bytes",
        [Req("POST", "/big-upload-in-view", body=b"u" * 5000, parts=5)],
    ),
    "limit raised by the view, chunked": (
        200,
        b"5000 bytes",
        [Req("POST", "/big-upload-in-view", body=b"u" * 5000, chunked=True, parts=5)],
    ),
    # streamed bodies
    "stream": (200, b"chunk 0;chunk 1;chunk 2;chunk 3;", [Req(path="/stream")]),
    "stream HEAD": (200, None, [Req("HEAD", "/stream")]),
    "stream_with_context": (
        200,
        b"start;x=1;x=2;g.who=bob",
        [Req(path="/stream-ctx", query="x=1&x=2&who=bob")],
    ),
    "async generator": (200, b"async 0;async 1;async 2;", [Req(path="/agen")]),
    # files
    "send_file": (200, FILE_CONTENT, [Req(path="/file")]),
    "send_file HEAD": (200, None, [Req("HEAD", "/file")]),
    "send_file range": (206, b"2345", [Req(path="/file", headers=[("Range", "bytes=2-5")])]),
    "send_file suffix range": (206, b"ghij", [Req(path="/file", headers=[("Range", "bytes=-4")])]),
    "send_file bad range 416": (
        416,
        b"Range Not Satisfiable",
        [Req(path="/file", headers=[("Range", "bytes=100-200")])],
    ),
    "send_file etag 304": (
        304,
        None,
        [
            Req(path="/file"),
            lambda prev: Req(path="/file", headers=[("If-None-Match", header(prev, "etag"))]),
        ],
    ),
    "send_file if-modified-since 304": (
        304,
        None,
        [
            Req(path="/file"),
            lambda prev: Req(
                path="/file", headers=[("If-Modified-Since", header(prev, "last-modified"))]
            ),
        ],
    ),
    "send_file in memory attachment": (200, b"in memory", [Req(path="/file-download")]),
    "static": (200, STATIC_CONTENT, [Req(path="/static/hello.txt")]),
    "static HEAD": (200, None, [Req("HEAD", "/static/hello.txt")]),
    "static range": (
        206,
        b"static",
        [Req(path="/static/hello.txt", headers=[("Range", "bytes=0-5")])],
    ),
    "static etag 304": (
        304,
        None,
        [
            Req(path="/static/hello.txt"),
            lambda prev: Req(
                path="/static/hello.txt", headers=[("If-None-Match", header(prev, "etag"))]
            ),
        ],
    ),
    "static if-modified-since 304": (
        304,
        None,
        [
            Req(
                path="/static/hello.txt",
                headers=[("If-Modified-Since", "Wed, 15 Nov 2023 00:00:00 GMT")],
            )
        ],
    ),
    "static modified since 200": (
        200,
        STATIC_CONTENT,
        [
            Req(
                path="/static/hello.txt",
                headers=[("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")],
            )
        ],
    ),
    "static missing": (404, b"no page at /static/nope.txt", [Req(path="/static/nope.txt")]),
    "static traversal": (404, b"no page", [Req(path="/static/../data.bin")]),
}

#: Requests sent to the app behind ProxyFix (``app.wsgi_app`` wrapped).
PROXY_SCENARIOS: dict[str, Scenario] = {
    "proxied urls": (
        200,
        b"https://example.org/\nhttps://example.org/item/3#top\n",
        [Req(path="/urls", headers=PROXY_HEADERS)],
    ),
    "proxied remote_addr and scheme": (
        200,
        b"\nexample.org\nhttps\nTrue\n10.0.0.1",
        [Req(path="/urls", headers=PROXY_HEADERS)],
    ),
    "proxied urls under root_path": (
        200,
        b"https://example.org/mnt/\n",
        [Req(path="/urls", headers=PROXY_HEADERS, root_path="/mnt", client=("10.0.0.1", 4000))],
    ),
    "proxied without forwarded headers": (200, b"http://localhost/\n", [Req(path="/urls")]),
    "proxied redirect": (302, b"/user/zo%C3%AB", [Req(path="/redirect", headers=PROXY_HEADERS)]),
    "proxied login": (
        200,
        "user=zoë|message:welcome zoë".encode(),
        [
            Req("POST", "/login", headers=FORM_HEADERS + PROXY_HEADERS, body=FORM_BODY),
            Req(path="/me", headers=PROXY_HEADERS),
        ],
    ),
    "proxied stream": (
        200,
        b"start;x=9;",
        [Req(path="/stream-ctx", query="x=9", headers=PROXY_HEADERS)],
    ),
    "proxied async generator": (200, b"async 2;", [Req(path="/agen", headers=PROXY_HEADERS)]),
    "proxied form multipart": (
        200,
        b'"upload":["notes.txt"',
        [Req("POST", "/form", headers=MP_HEADERS + PROXY_HEADERS, body=MP_BODY, parts=3)],
    ),
    "proxied 413": (
        413,
        b"Too Large",
        [Req("POST", "/data", body=b"x" * 3000, chunked=True, parts=3)],
    ),
    "proxied static 304": (
        304,
        None,
        [
            Req(path="/static/hello.txt"),
            lambda prev: Req(
                path="/static/hello.txt",
                headers=[("If-None-Match", header(prev, "etag")), *PROXY_HEADERS],
            ),
        ],
    ),
    "proxied 404": (404, b"no page at /nowhere", [Req(path="/nowhere", headers=PROXY_HEADERS)]),
    "proxied 500": (500, b"server error: ValueError", [Req(path="/boom", headers=PROXY_HEADERS)]),
    "proxied OPTIONS": (200, None, [Req("OPTIONS", "/methods", headers=PROXY_HEADERS)]),
}


def cookie_header(jar: dict[str, str]) -> Headers:
    return [("Cookie", "; ".join(f"{k}={v}" for k, v in jar.items()))] if jar else []


def update_jar(jar: dict[str, str], answer: Answer) -> None:
    for name, value in answer[1]:
        if name == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            if val and "Expires=Thu, 01 Jan 1970" not in value:
                jar[key] = val
            else:
                jar.pop(key, None)


def run(steps: list[Step], send: Callable[[Req], Answer], events: list[str]) -> list[t.Any]:
    """Send the steps in turn, cookies carried along; each answer with what the app
    recorded while answering it."""
    jar: dict[str, str] = {}
    results: list[t.Any] = []
    previous: Answer | None = None
    for step in steps:
        req = step if isinstance(step, Req) else step(t.cast(Answer, previous))
        req = dataclasses.replace(req, headers=req.headers + cookie_header(jar))
        del events[:]
        previous = send(req)
        update_jar(jar, previous)
        results.append((previous, list(events)))
    return results


def check_expected(scenario: Scenario, answer: Answer) -> None:
    status, fragment, _ = scenario
    assert answer[0] == status, answer
    if fragment is None:
        assert answer[2] == b""
    else:
        assert fragment in answer[2], answer[2]


Apps = Callable[..., tuple[Erlen, list[str]]]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("served")
    static = tmp / "static"
    static.mkdir()
    (static / "hello.txt").write_bytes(STATIC_CONTENT)
    (tmp / "data.bin").write_bytes(FILE_CONTENT)
    for path in (static / "hello.txt", tmp / "data.bin"):
        os.utime(path, (MTIME, MTIME))
    return tmp


@pytest.fixture(scope="module")
def apps(files: Path) -> Apps:
    """The app for (side, flavor, proxied), built once per module: an app keeps no
    state between requests but what it records in its events list."""
    built: dict[tuple[str, str, bool], tuple[Erlen, list[str]]] = {}

    def get(side: str, flavor: str, proxied: bool = False) -> tuple[Erlen, list[str]]:
        key = (side, flavor, proxied)
        if key not in built:
            events: list[str] = []
            built[key] = build_app(files, events, flavor=flavor, proxied=proxied), events
        return built[key]

    return get


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two things erlen's responses take from the clock, frozen for both sides:
    the session cookie's signature holds the time in seconds, and ``make_conditional``
    (``send_file``, static files) adds a ``Date`` header. Two requests either side of
    a second boundary would differ there, whatever the protocol."""
    now = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now)
    real_http_date = werkzeug_response.http_date
    monkeypatch.setattr(
        werkzeug_response,
        "http_date",
        lambda timestamp=None: real_http_date(now if timestamp is None else timestamp),
    )


def compare(
    steps: list[Step],
    wsgi_side: tuple[Erlen, list[str]],
    asgi_side: tuple[Erlen, list[str]],
) -> Answer:
    """Send the steps over WSGI to one app and over ASGI to the other; the answers
    (and what each app recorded) must be the same. The last answer, for the caller's
    own checks."""
    over_w = run(steps, lambda req: over_wsgi(wsgi_side[0], req), wsgi_side[1])
    over_a = run(steps, lambda req: over_asgi(asgi_side[0], req), asgi_side[1])
    for i, ((w_answer, w_events), (a_answer, a_events)) in enumerate(
        zip(over_w, over_a, strict=True)
    ):
        assert a_answer[0] == w_answer[0], f"step {i}: status"
        assert a_answer[1] == w_answer[1], f"step {i}: headers"
        assert a_answer[2] == w_answer[2], f"step {i}: body"
        assert a_events == w_events, f"step {i}: what the app recorded"
    return t.cast(Answer, over_a[-1][0])


#: Scenarios that differ on purpose. An ``async def`` view runs on the event loop,
#: which cannot wait for the body, so its body is received before it runs, up to the
#: request's ``max_content_length`` as the ``before_request`` hooks left it; a view that
#: raises the limit itself and then reads more gets a 413 under ASGI (see
#: ``test_a_limit_raised_inside_an_async_view_is_too_late_under_asgi``).
DIFFERENT_ON_PURPOSE = {
    ("limit raised by the view", "async"),
    ("limit raised by the view, chunked", "async"),
}


def scenario_params(names: t.Iterable[str]) -> list[t.Any]:
    return [
        pytest.param(name, flavor, id=f"{name}-{flavor}")
        for name in names
        for flavor in ("sync", "async")
        if (name, flavor) not in DIFFERENT_ON_PURPOSE
    ]


@pytest.mark.parametrize(("name", "flavor"), scenario_params(SCENARIOS))
def test_same_answer(apps: Apps, name: str, flavor: str) -> None:
    scenario = SCENARIOS[name]
    last = compare(scenario[2], apps("wsgi", flavor), apps("asgi", flavor))
    check_expected(scenario, last)


@pytest.mark.parametrize("flavor", ["sync", "async"])
@pytest.mark.parametrize("name", list(PROXY_SCENARIOS))
def test_same_answer_behind_proxy_fix(apps: Apps, name: str, flavor: str) -> None:
    scenario = PROXY_SCENARIOS[name]
    last = compare(scenario[2], apps("wsgi", flavor, True), apps("asgi", flavor, True))
    check_expected(scenario, last)


@pytest.mark.parametrize("flavor", ["sync", "async"])
def test_one_app_object_serves_both_in_turn(files: Path, flavor: str) -> None:
    """The same app object, fresh (its first request over ASGI), answers every
    single-step scenario alike over ASGI and WSGI, the two calls interleaved."""
    events: list[str] = []
    app = build_app(files, events, flavor=flavor)
    singles = {
        name: s
        for name, s in SCENARIOS.items()
        if len(s[2]) == 1 and (name, flavor) not in DIFFERENT_ON_PURPOSE
    }
    assert len(singles) > 50
    for name, scenario in singles.items():
        req = t.cast(Req, scenario[2][0])
        del events[:]
        by_asgi = over_asgi(app, req)
        asgi_events = list(events)
        del events[:]
        by_wsgi = over_wsgi(app, req)
        assert by_asgi == by_wsgi, name
        assert asgi_events == events, name
        check_expected(scenario, by_asgi)


@pytest.mark.parametrize("flavor", ["sync", "async"])
@pytest.mark.parametrize("name", ["index", "login, flash, read", "stream_with_context", "json"])
def test_fresh_apps_first_request(files: Path, name: str, flavor: str) -> None:
    """A first request (which sets the app up for serving) answers alike too."""
    scenario = SCENARIOS[name]
    wsgi_events: list[str] = []
    asgi_events: list[str] = []
    last = compare(
        scenario[2],
        (build_app(files, wsgi_events, flavor=flavor), wsgi_events),
        (build_app(files, asgi_events, flavor=flavor), asgi_events),
    )
    check_expected(scenario, last)


def test_the_environ_differs_only_where_the_protocol_does(apps: Apps) -> None:
    """What a view can see in ``request.environ`` is the same but for what each
    protocol itself brings: the ASGI scope (``asgi.scope``); the request line as sent
    (``REQUEST_URI``/``RAW_URI``), which werkzeug's WSGI environ has and an ASGI scope
    does not carry as such; and the ``wsgi.*`` flags of the server (an ASGI server
    runs sync code on threads of one process's pool)."""
    req = Req(
        "POST",
        "/environ",
        query="a=1",
        headers=[("X-Custom", "v"), ("Content-Type", "text/plain")],
        body=b"abc",
        root_path="/mnt",
    )
    _, _, by_wsgi = over_wsgi(apps("wsgi", "sync")[0], req)
    _, _, by_asgi = over_asgi(apps("asgi", "sync")[0], req)
    wsgi_env = json.loads(by_wsgi)
    asgi_env = json.loads(by_asgi)
    assert set(asgi_env) - set(wsgi_env) == {"asgi.scope"}
    assert set(wsgi_env) - set(asgi_env) == {"REQUEST_URI", "RAW_URI"}
    for key in ("asgi.scope", "REQUEST_URI", "RAW_URI"):
        asgi_env.pop(key, None)
        wsgi_env.pop(key, None)
    assert (asgi_env.pop("wsgi.multithread"), wsgi_env.pop("wsgi.multithread")) == (True, False)
    assert (asgi_env.pop("wsgi.multiprocess"), wsgi_env.pop("wsgi.multiprocess")) == (True, False)
    assert asgi_env == wsgi_env
    assert asgi_env["SCRIPT_NAME"] == "/mnt"
    assert asgi_env["PATH_INFO"] == "/environ"
    assert asgi_env["HTTP_X_CUSTOM"] == "v"


def test_repeated_and_underscored_headers_differ_as_the_servers_do(apps: Apps) -> None:
    """Two request headers where the protocols differ, on purpose.

    A repeated header reaches the environ joined: werkzeug's ``EnvironBuilder``
    joins with ", ", the ASGI adapter with "," (as gunicorn and werkzeug's own dev
    server do); both mean the same list. A name with "_" is dropped under ASGI, as
    gunicorn and nginx drop it, so ``X_Forwarded_For`` cannot pose as
    ``X-Forwarded-For``; ``EnvironBuilder`` has no such guard."""
    req = Req(
        path="/headers",
        headers=[("X-List", "p"), ("X-List", "q"), ("X_Forwarded_For", "6.6.6.6")],
    )
    by_wsgi = json.loads(over_wsgi(apps("wsgi", "sync")[0], req)[2])
    by_asgi = json.loads(over_asgi(apps("asgi", "sync")[0], req)[2])
    assert by_wsgi == {"list": "p, q", "forwarded": "6.6.6.6"}
    assert by_asgi == {"list": "p,q", "forwarded": None}
    # Without them, the two agree.
    plain = Req(path="/headers", headers=[("X-List", "p"), ("X-Forwarded-For", "1.2.3.4")])
    assert over_wsgi(apps("wsgi", "sync")[0], plain) == over_asgi(apps("asgi", "sync")[0], plain)


@pytest.mark.parametrize("flavor", ["sync", "async"])
@pytest.mark.parametrize(
    "name",
    ["index", "unhandled 500", "abort 404 handled", "stream_with_context", "login, flash, read"],
)
def test_same_signals(files: Path, name: str, flavor: str) -> None:
    """Signal receivers (which put the ASGI adapter on its thread-pool steps) see
    the same requests in the same order, and the answers stay the same."""
    scenario = SCENARIOS[name]
    sides = []
    for _ in ("wsgi", "asgi"):
        events: list[str] = []
        sides.append((build_app(files, events, flavor=flavor), events))

    def receiver(label: str, events: list[str]) -> Callable[..., None]:
        def receive(sender: Erlen, **extra: t.Any) -> None:
            details = {
                key: type(value).__name__ if key == "exception" else getattr(value, "status", "")
                for key, value in extra.items()
                if key in ("exception", "response")
            }
            events.append(f"signal {label} {request.path} {details}")

        return receive

    with contextlib.ExitStack() as stack:
        for app, events in sides:
            for label, signal in [
                ("started", signals.request_started),
                ("finished", signals.request_finished),
                ("exception", signals.got_request_exception),
                ("tearing down", signals.request_tearing_down),
            ]:
                stack.enter_context(signal.connected_to(receiver(label, events), sender=app))
        last = compare(scenario[2], sides[0], sides[1])
        assert any(e.startswith("signal finished") for e in sides[1][1])
    check_expected(scenario, last)


@pytest.mark.parametrize("name", sorted(n for n, _ in DIFFERENT_ON_PURPOSE))
def test_a_limit_raised_inside_an_async_view_is_too_late_under_asgi(
    apps: Apps, name: str
) -> None:
    """WSGI streams the body as the view reads it, so the view's own raised limit
    holds; under ASGI the async view's body was received before it ran, up to the
    limit then in effect, and reading past that is a 413 that says so."""
    req = t.cast(Req, SCENARIOS[name][2][0])
    assert over_wsgi(apps("wsgi", "async")[0], req)[0] == 200
    status, _headers, body = over_asgi(apps("asgi", "async")[0], req)
    assert status == 413
    assert b"max_content_length" in body
