"""A realistic erlen app, Hypothesis strategies for WSGI environs, and a checked WSGI call.

A helper module for ``tests/test_fuzz.py`` and ``bench/fuzz.py`` (no ``test_`` prefix, so
pytest does not collect it). Three parts:

- :func:`create_app` builds an app that uses most of what a real one does: converters,
  JSON, forms and uploads, sessions, flashing, templates, static files, redirects,
  headers taken from the query string, hooks, error handlers that render a template,
  a nested blueprint with its own hooks, a class-based view, streaming, small body
  limits, and ``/boom``, which raises on purpose (its 500 is the only one allowed).
- Strategies (:func:`environs` and its parts) build WSGI environs the way a server
  would pass them on, bad input included: malformed paths and query strings, odd
  methods and hosts, forged cookies, lying ``Content-Length`` headers, truncated
  multipart bodies, JSON nested thousands deep, chunked bodies (no ``CONTENT_LENGTH``,
  ``wsgi.input_terminated``).
- :func:`call_and_check` makes one call through ``wsgiref.validate.validator``, reads
  and closes the body and returns a :class:`Result`; :func:`check_result` (run by it)
  lists what went wrong as :class:`Problem` objects.

``create_app(flask)`` builds the same app with Flask, to tell erlen's problems from
those any Flask app has.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import io
import json
import re
import traceback
import urllib.parse
import uuid
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any
from wsgiref.util import is_hop_by_hop
from wsgiref.validate import WSGIWarning, validator

from hypothesis import strategies as st
from markupsafe import escape
from werkzeug.http import http_date

import erlen

HERE = Path(__file__).resolve().parent
SECRET_KEY = "fuzz-secret-key-not-for-production"
MAX_CONTENT_LENGTH = 64 * 1024
MAX_FORM_MEMORY_SIZE = 1024
MAX_FORM_PARTS = 16
#: The view that raises on purpose; a 500 for that exception is expected.
BOOM_PATH = "/boom"
BOOM_MESSAGE = "boom: raised on purpose"
#: The codes ``/status/<int:code>`` answers with; any other is a 404.
STATUS_CODES = (200, 201, 202, 204, 304, 404, 418)
ETAG_BODY = "0123456789abcdef" * 16


# -- the app -------------------------------------------------------------------------


class FuzzState:
    """What the app records about requests, for the checker."""

    def __init__(self, framework: ModuleType) -> None:
        self.framework = framework
        #: ``teardown_request`` calls of the app and of the ``api`` blueprint.
        self.teardowns = 0
        self.api_teardowns = 0
        #: The endpoint of the last request, recorded at teardown.
        self.endpoint: str | None = None
        #: Exceptions the app handled as 500s (``got_request_exception``).
        self.exceptions: list[BaseException] = []
        module = importlib.import_module(f"{framework.__name__}.globals")
        #: The context variables that must be empty again after a request.
        self.context_vars: tuple[contextvars.ContextVar[Any], ...] = (
            module._cv_app,
            module._cv_request,
        )


def create_app(framework: ModuleType = erlen, **config: Any) -> Any:
    """A realistic app built with ``framework`` (erlen, or flask to compare).

    ``config`` is applied last (``TRUSTED_HOSTS=[...]`` for instance).
    """
    fw = framework
    request, session, g = fw.request, fw.session, fw.g
    abort, redirect, url_for = fw.abort, fw.redirect, fw.url_for
    views = importlib.import_module(f"{fw.__name__}.views")
    app_class = getattr(fw, "Erlen", None) or fw.Flask

    app = app_class(
        f"fuzz_app_{fw.__name__}",
        root_path=str(HERE),
        instance_path=str(HERE / "fuzz_instance"),
        template_folder="fuzz_templates",
        static_folder="fuzz_static",
        static_url_path="/static",
    )
    app.config.update(
        SECRET_KEY=SECRET_KEY,
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        MAX_FORM_MEMORY_SIZE=MAX_FORM_MEMORY_SIZE,
        MAX_FORM_PARTS=MAX_FORM_PARTS,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.config.update(config)
    state = FuzzState(fw)
    app.extensions["fuzz"] = state

    def record_exception(sender: Any, exception: BaseException, **extra: Any) -> None:
        state.exceptions.append(exception)

    fw.got_request_exception.connect(record_exception, app, weak=False)

    # -- hooks and error handlers

    @app.before_request
    def remember_language() -> None:
        lang = request.args.get("lang", "en")
        g.lang = lang if lang.isascii() and lang.isalpha() and len(lang) <= 8 else "en"
        if request.args.get("deny") == "1":
            abort(403)

    @app.after_request
    def count_arguments(response: Any) -> Any:
        response.headers["X-Arg-Count"] = str(len(request.args))
        response.headers["X-Lang"] = g.get("lang", "en")
        return response

    @app.teardown_request
    def count_teardown(exc: BaseException | None) -> None:
        state.teardowns += 1
        state.endpoint = request.endpoint

    def error_page(error: Any, code: int) -> Any:
        page = fw.render_template(
            "error.html",
            code=code,
            name=error.name,
            description=error.description,
            hint=request.args.get("q", ""),
        )
        return page, code

    @app.errorhandler(400)
    def bad_request(error: Any) -> Any:
        return error_page(error, 400)

    @app.errorhandler(404)
    def not_found(error: Any) -> Any:
        return error_page(error, 404)

    @app.errorhandler(500)
    def server_error(error: Any) -> Any:
        return error_page(error, 500)

    def count_visit() -> int:
        visits = session.get("n", 0)
        if type(visits) is not int:
            visits = 0
        session["n"] = visits + 1
        return visits + 1

    # -- pages, templates, converters

    @app.route("/")
    def index() -> Any:
        visits = count_visit()
        items = list(request.args.items(multi=True))
        return fw.render_template("page.html", title="home", visits=visits, items=items)

    @app.route("/page")
    def page() -> Any:
        title = request.args.get("q", "page")
        items = list(request.args.items(multi=True))
        visits = session.get("n", 0)
        return fw.render_template("page.html", title=title, visits=visits, items=items)

    @app.route("/inline")
    def inline() -> Any:
        return fw.render_template_string(
            "<p>{{ greeting }}, {{ name }}!</p><script>var data = {{ data|tojson }};</script>",
            greeting="hello",
            name=request.args.get("name", "world"),
            data=request.args.to_dict(flat=False),
        )

    @app.route("/int/<int:n>")
    def int_view(n: int) -> Any:
        return {"n": n, "next": url_for("int_view", n=n + 1)}

    @app.route("/signed/<int(signed=True):n>")
    def signed_view(n: int) -> Any:
        return {"n": n}

    @app.route("/float/<float:x>")
    def float_view(x: float) -> Any:
        return {"x": x, "half": x / 2}

    @app.route("/path/<path:rest>")
    def path_view(rest: str) -> Any:
        return {"rest": rest, "parts": rest.split("/")}

    @app.route("/uuid/<uuid:u>")
    def uuid_view(u: uuid.UUID) -> Any:
        return {"uuid": str(u), "version": u.version}

    @app.route("/name/<string(minlength=2, maxlength=8):name>")
    def name_view(name: str) -> Any:
        return f"hello {escape(name)}"

    @app.route("/pick/<any(red, green, blue):color>")
    def pick(color: str) -> Any:
        return color

    @app.route("/users/<int:user_id>/posts/<int(min=1, max=999):post_id>")
    def post(user_id: int, post_id: int) -> Any:
        return {"user": user_id, "post": post_id}

    # -- bodies: JSON, forms, uploads, raw data

    @app.post("/json")
    def json_echo() -> Any:
        data = request.get_json()
        return fw.jsonify(echo=data, kind=type(data).__name__)

    @app.post("/json/silent")
    def json_silent() -> Any:
        data = request.get_json(silent=True)
        return {"parsed": data is not None, "kind": type(data).__name__}

    @app.route("/json/force", methods=["POST", "PUT", "PATCH"])
    def json_force() -> Any:
        return {"kind": type(request.get_json(force=True)).__name__}

    @app.route("/form", methods=["GET", "POST", "PUT"])
    def form() -> Any:
        fields = {key: request.form.getlist(key) for key in request.form}
        files = []
        for key, storage in request.files.items(multi=True):
            content = storage.read()
            files.append(
                {
                    "field": key,
                    "filename": storage.filename,
                    "type": storage.content_type,
                    "size": len(content),
                }
            )
        return {"fields": fields, "files": files, "values": len(request.values)}

    @app.route("/data", methods=["POST", "PUT", "PATCH", "DELETE"])
    def data() -> Any:
        body = request.get_data()
        return {
            "length": len(body),
            "content_length": request.content_length,
            "mimetype": request.mimetype,
            "params": dict(request.mimetype_params),
        }

    # -- sessions and flashing

    @app.route("/session")
    def session_view() -> Any:
        visits = count_visit()
        key = request.args.get("key")
        if key:
            session["last"] = key[:64]
        return {"visits": visits, "keys": sorted(session)}

    @app.route("/session/clear", methods=["GET", "POST"])
    def session_clear() -> Any:
        session.clear()
        return redirect(url_for("index"))

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            user = request.form.get("user", "anonymous")[:64]
            session["user"] = user
            session.permanent = request.form.get("remember") == "1"
            fw.flash(f"welcome {user}", "info")
            return redirect(request.args.get("next", "/"))
        return fw.render_template_string(
            '<form method="post" action="{{ url_for("login", next=next) }}">'
            '<input name="user"></form>',
            next=request.args.get("next", "/"),
        )

    @app.route("/flash", methods=["GET", "POST"])
    def flash_view() -> Any:
        message = request.values.get("msg", "hello")[:200]
        fw.flash(message, request.values.get("cat", "message")[:20])
        return redirect(url_for("index"))

    # -- static files

    @app.route("/files/<path:name>")
    def files(name: str) -> Any:
        return fw.send_from_directory("fuzz_static", name)

    @app.route("/download/<path:name>")
    def download(name: str) -> Any:
        return fw.send_from_directory(
            app.static_folder, name, as_attachment=True, download_name=request.args.get("as")
        )

    # -- redirects

    @app.route("/go")
    def go() -> Any:
        return redirect(request.args.get("next", "/"))

    @app.route("/go/<int:code>")
    def go_code(code: int) -> Any:
        if code not in (301, 302, 303, 307, 308):
            abort(404)
        return redirect(request.args.get("next", "/"), code=code)

    @app.route("/old")
    def old() -> Any:
        return redirect(url_for("page", q=request.args.get("q", "")))

    app.add_url_rule("/legacy/<int:n>", endpoint="legacy", redirect_to="/int/<n>")

    @app.route("/dir/")
    def directory() -> Any:
        return "a directory"

    # -- headers from the request

    @app.route("/echo")
    def echo() -> Any:
        resp = fw.make_response("hi")
        resp.headers["X-Echo"] = request.args.get("v", "")
        return resp

    @app.route("/mime")
    def mime() -> Any:
        return fw.Response("hi", mimetype=request.args.get("m", "text/plain"))

    @app.route("/tuple")
    def tuple_view() -> Any:
        return "tuple", 200, {"X-Echo": request.args.get("v", "")}

    @app.route("/cookie")
    def cookie() -> Any:
        resp = fw.make_response("cookie set")
        resp.set_cookie("pref", request.args.get("v", ""), max_age=3600, httponly=True)
        return resp

    @app.route("/etag")
    def etag() -> Any:
        resp = fw.make_response(ETAG_BODY)
        resp.set_etag("v1")
        resp.last_modified = datetime(2024, 1, 1, tzinfo=timezone.utc)
        resp.cache_control.public = True
        resp.cache_control.max_age = 60
        return resp.make_conditional(request, accept_ranges=True, complete_length=len(ETAG_BODY))

    @app.route("/status/<int:code>")
    def status(code: int) -> Any:
        if code not in STATUS_CODES:
            abort(404)
        return f"status {code}", code

    @app.route("/whoami", methods=["GET", "POST"])
    def whoami() -> Any:
        auth = request.authorization
        ranges = request.range
        return {
            "host": request.host,
            "url": request.url,
            "root": request.url_root,
            "secure": request.is_secure,
            "remote": request.remote_addr,
            "route": list(request.access_route),
            "agent": request.user_agent.string,
            "best": request.accept_mimetypes.best,
            "language": request.accept_languages.best,
            "charset": request.accept_charsets.best,
            "encoding": request.accept_encodings.best,
            "auth": auth.type if auth else None,
            "if_none_match": request.if_none_match.to_header(),
            "if_modified_since": str(request.if_modified_since),
            "range": ranges.to_header() if ranges else None,
            "cache": request.cache_control.to_header(),
            "cookies": sorted(request.cookies),
            "external": url_for("whoami", _external=True),
            "origin": request.origin,
            "referrer": request.referrer,
        }

    # -- streaming

    def stream_count() -> int:
        raw = request.args.get("n", "3")
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 2 else 3

    @app.route("/stream")
    def stream() -> Any:
        count = stream_count()

        def generate() -> Iterable[str]:
            for i in range(count):
                yield f"{i}:{request.args.get('x', '')}\n"

        return fw.Response(fw.stream_with_context(generate()), mimetype="text/plain")

    @app.route("/boom", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def boom() -> Any:
        raise RuntimeError(BOOM_MESSAGE)

    # -- a class-based view

    class ThingView(views.MethodView):  # type: ignore[misc,name-defined]
        def get(self, thing_id: int) -> Any:
            return {"id": thing_id, "sort": request.args.get("sort", "id")}

        def put(self, thing_id: int) -> Any:
            return {"id": thing_id, "data": request.get_json(silent=True)}

        def delete(self, thing_id: int) -> Any:
            return "", 204

    app.add_url_rule("/things/<int:thing_id>", view_func=ThingView.as_view("thing"))

    @app.route("/things")
    def things() -> Any:
        return {"page": request.args.get("page", 1, type=int)}

    # -- a blueprint with a nested one, each with hooks

    api = fw.Blueprint("api", __name__, url_prefix="/api")
    v2 = fw.Blueprint("v2", __name__, url_prefix="/v2")

    @api.before_request
    def api_token() -> None:
        g.token = request.headers.get("X-Token") or request.args.get("token")

    @api.after_request
    def api_headers(response: Any) -> Any:
        response.headers["X-Api"] = "1"
        response.headers["X-Api-Args"] = str(len(request.args))
        return response

    @api.teardown_request
    def api_teardown(exc: BaseException | None) -> None:
        state.api_teardowns += 1

    @api.errorhandler(404)
    def api_not_found(error: Any) -> Any:
        return {"error": "not found", "path": request.path, "args": len(request.args)}, 404

    @api.get("/items/<int:item_id>")
    def get_item(item_id: int) -> Any:
        if item_id > 1000:
            abort(404)
        return {"id": item_id, "token": g.token is not None}

    @api.post("/items")
    def create_item() -> Any:
        data = request.get_json()
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            abort(400)
        return {"name": data["name"], "fields": sorted(data)}, 201

    @api.route("/upload", methods=["POST", "PUT"])
    def upload() -> Any:
        storage = request.files.get("file")
        if storage is None:
            abort(400)
        content = storage.read()
        note = request.form.get("note")
        return {"filename": storage.filename, "size": len(content), "note": note}

    @api.route("/stream")
    def api_stream() -> Any:
        count = stream_count()

        @fw.stream_with_context
        def generate() -> Iterable[str]:
            for i in range(count):
                yield f"{i}:{g.token or '-'}\n"

        return fw.Response(generate(), mimetype="text/plain")

    @v2.before_request
    def v2_flag() -> None:
        g.v2 = request.args.get("v2", "on")[:10]

    @v2.route("/ping")
    def ping() -> Any:
        return {"pong": True, "v2": g.v2}

    @v2.route("/echo/<path:rest>")
    def v2_echo(rest: str) -> Any:
        return rest

    api.register_blueprint(v2)
    app.register_blueprint(api)
    return app


# -- building environs ------------------------------------------------------------


class BodyInput(io.BytesIO):
    """``wsgi.input``: a ``BytesIO`` whose repr shows the body (Hypothesis prints it)."""

    def __repr__(self) -> str:
        return f"BodyInput({show_bytes(self.getvalue())})"


def make_environ(
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    *,
    content_type: str | None = None,
    content_length: str | None = "auto",
    chunked: bool = False,
    scheme: str = "http",
    script_name: str = "",
    server_name: str = "localhost",
    server_port: str = "80",
    protocol: str = "HTTP/1.1",
) -> dict[str, Any]:
    """A WSGI environ, as a server would pass it on.

    ``path`` and ``query`` are WSGI strings (bytes carried as latin-1). ``headers``
    maps header names (``"Host"``) or environ keys (``"HTTP_HOST"``) to values.
    ``content_length="auto"`` sends the body's length if there is a body, None sends
    none, any other string is sent as it is. ``chunked`` models a chunked request
    body: ``Transfer-Encoding: chunked``, no ``CONTENT_LENGTH`` and
    ``wsgi.input_terminated``.
    """
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": protocol,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": BodyInput(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in (headers or {}).items():
        key = name if name.startswith("HTTP_") else "HTTP_" + name.upper().replace("-", "_")
        environ[key] = value
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if chunked:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    elif content_length == "auto":
        if body:
            environ["CONTENT_LENGTH"] = str(len(body))
    elif content_length is not None:
        environ["CONTENT_LENGTH"] = content_length
    return environ


# -- strategies: building blocks
#
# Hypothesis validates a strategy object when it is first drawn from, which costs far
# more than the draw itself. So every strategy used inside a composite is built once,
# at import time (the ``_S_`` constants), and the public functions return cached
# instances. Positions inside drawn values come from ``_S_INDEX % n`` for the same
# reason.

#: Header-value characters a server passes on: printable Latin-1 and tab (no CR, LF, NUL).
HEADER_CHARS = "\t" + "".join(chr(c) for c in range(0x20, 0x100))
_ASCII_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))


def as_wsgi(text: str) -> str:
    """A WSGI string: text beyond Latin-1 is sent as UTF-8, each byte one character."""
    if text.isascii():
        return text
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("latin-1")
    return text


def as_header_value(text: str) -> str:
    """What a server passes on for a header: a WSGI string without CR, LF or NUL
    (servers reject those, or end the header there)."""
    return as_wsgi(text).replace("\r", " ").replace("\n", " ").replace("\x00", " ")


_S_INDEX = st.integers(0, 2**20)
_S_BOOL = st.booleans()
_S_PERCENT = st.integers(0, 99)
header_text = st.text(alphabet=HEADER_CHARS, max_size=40)
#: Any text, as UTF-8 bytes carried in a WSGI (latin-1) string.
utf8_as_wsgi = st.text(max_size=12).map(as_wsgi)
#: Bytes that may or may not be valid UTF-8, carried the same way.
bytes_as_wsgi = st.binary(min_size=1, max_size=8).map(lambda b: b.decode("latin-1"))


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Draw from one of the strategies, each picked in proportion to its weight.

    (``st.one_of`` cannot weight: it drops branches equal to one it already has.)
    """
    index = st.integers(0, sum(weight for weight, _ in choices) - 1)

    @st.composite
    def pick(draw: st.DrawFn) -> Any:
        at = draw(index)
        for weight, strategy in choices:
            if at < weight:
                return draw(strategy)
            at -= weight
        raise AssertionError("unreachable")

    return pick()


def _chance(draw: st.DrawFn, percent: int) -> bool:
    return bool(draw(_S_PERCENT) < percent)


def _position(draw: st.DrawFn, size: int) -> int:
    """An index in ``range(size + 1)``."""
    return int(draw(_S_INDEX) % (size + 1))


def _huge(n: int) -> str:
    return "9" * n


NUMBERS = [
    "0", "1", "7", "42", "-1", "-0", "007", "1000", "1001", "999", "+5", " 5", "1_000",
    "2147483648", "9223372036854775808", "18446744073709551616", _huge(40), _huge(400),
    _huge(4301), _huge(5000), "1.5", "-2.25", "0.0", "1e5", "1e309", "-1e309", "inf",
    "-inf", "nan", "NaN", "0x10", "1/2", "\u0661\u0662", "\xb2", "\xb9\xb2",
]  # fmt: skip
UUIDS = [
    "12345678-1234-5678-1234-567812345678",
    "12345678-1234-5678-1234-56781234567G",
    "12345678123456781234567812345678",
    "{12345678-1234-5678-1234-567812345678}",
    "urn:uuid:12345678-1234-5678-1234-567812345678",
    "00000000-0000-0000-0000-000000000000",
    "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
    "12345678-1234-5678-1234-5678123456789",
]
FILE_NAMES = [
    "hello.txt", "data.json", "docs/blob.bin", "docs", "docs/", "missing.txt", ".",
    "..", "../fuzz_app.py", "../../pyproject.toml", "docs/../hello.txt", "docs//blob.bin",
    "..%2ffuzz_app.py", "%2e%2e/fuzz_app.py", "hello.txt%00", "hello.txt\x00",
    "hello.txt/", "hello.txt/..", "/etc/passwd", "~", ".hidden", "HELLO.TXT",
    "hello.txt\\..\\fuzz_app.py", "..\\fuzz_app.py", "C:\\Windows\\win.ini",
    "docs/blob.bin.", "hello.txt ", "con", "aux.txt",
]  # fmt: skip
SEGMENTS = [
    "", ".", "..", "...", "a", "abc", "red", "green", "blue", "RED", "items", "v2",
    "ping", "echo", "static", "api", "%", "%zz", "%2", "%2e%2e", "%2f", "%2F", "%00",
    "%ff", "%c3%a9", "\xc3\xa9", "\xe9", "\xff\xfe", "\xc3", "\xed\xa0\x80",
    "\xf4\x90\x80\x80", "\xc0\xaf", "~user", "a b", "a+b", ";param", "a;b=c", "?", "#",
    "\\", "\t", "\x00", "\r\n", "\r\nX-Injected: 1", "\x7f", "a" * 9, "ab",
]  # fmt: skip
#: Paths whose routes exist; "{}" is filled with a segment.
ROUTES = [
    "/", "/page", "/inline", "/int/{}", "/signed/{}", "/float/{}", "/path/{}",
    "/path/{}/{}", "/uuid/{}", "/name/{}", "/pick/{}", "/users/{}/posts/{}", "/json",
    "/json/silent", "/json/force", "/form", "/data", "/session", "/session/clear",
    "/login", "/flash", "/static/{}", "/files/{}", "/download/{}", "/go", "/go/{}",
    "/old", "/legacy/{}", "/dir/", "/dir", "/echo", "/mime", "/tuple", "/cookie",
    "/etag", "/status/{}", "/stream", "/whoami", BOOM_PATH, "/things/{}", "/things",
    "/api/items/{}", "/api/items", "/api/upload", "/api/stream", "/api/v2/ping",
    "/api/v2/echo/{}", "/api/{}", "/api/v2/{}", "/{}",
]  # fmt: skip
NASTY_PATHS = [
    "", "/", "//", "///", "//evil.example/", "//evil.example/%2e%2e", "/.", "/..",
    "/../../etc/passwd", "/static/../fuzz_app.py", "/static/..%2ffuzz_app.py",
    "/static/%2e%2e/fuzz_app.py", "/files/../fuzz_app.py", "/files/..", "/static",
    "/static/", "/static//hello.txt", "/api", "/api/", "/api/v2", "/api/v2/",
    "/int/", "/int/%", "/int/\xff", "/\xff", "/\xc3\x28", "/\xe2\x82", "/%", "/%zz",
    "/boom/", "/BOOM", "/Page", "/page/", "/page;x", "/page%3Fq=1", "/page?q=1",
    "/page#frag", "/a\x00b", "/a\r\nb", "/\x7f", "/\t", "/ ", "/echo/", "/go/",
]  # fmt: skip
PATH_MUTATIONS = [None] * 8 + ["//", "/trailing", "relative", "empty", "dots", "long", "upper"]

_S_ROUTE = st.sampled_from(ROUTES)
_S_SEGMENT = st.one_of(
    st.sampled_from(SEGMENTS),
    st.sampled_from(NUMBERS),
    st.sampled_from(UUIDS),
    st.uuids().map(str),
    st.sampled_from(FILE_NAMES),
    st.integers(-(10**30), 10**30).map(str),
    st.floats().map(repr),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=10),
    utf8_as_wsgi,
    bytes_as_wsgi,
)
_S_RAW_SEGMENT = st.one_of(st.sampled_from(SEGMENTS), utf8_as_wsgi, bytes_as_wsgi, header_text)
_S_NASTY_PATH = st.sampled_from(NASTY_PATHS)
_S_PATH_MUTATION = st.sampled_from(PATH_MUTATIONS)
_S_LONG = st.sampled_from([255, 256, 1000, 5000, 70_000])


@st.composite
def _route_paths(draw: st.DrawFn) -> str:
    template = draw(_S_ROUTE)
    while "{}" in template:
        template = template.replace("{}", as_wsgi(draw(_S_SEGMENT)), 1)
    return template


_S_RANDOM_PATH = st.lists(_S_RAW_SEGMENT, max_size=6).map(
    lambda parts: "/" + "/".join(as_wsgi(part) for part in parts)
)


@st.composite
def _paths(draw: st.DrawFn) -> str:
    kind = draw(_S_PERCENT)
    if kind < 60:
        path = draw(_S_ROUTE_PATH)
    elif kind < 85:
        path = draw(_S_RANDOM_PATH)
    else:
        path = draw(_S_NASTY_PATH)
    mutation = draw(_S_PATH_MUTATION)
    if mutation == "//":
        path = "/" + path
    elif mutation == "/trailing":
        path += "/"
    elif mutation == "relative":
        path = path.lstrip("/")
    elif mutation == "empty":
        path = ""
    elif mutation == "dots":
        path = path + "/../.." if path else "/.."
    elif mutation == "long":
        path += "/" + "a" * draw(_S_LONG)
    elif mutation == "upper":
        path = path.upper()
    return path


_S_ROUTE_PATH = _route_paths()
_S_PATHS = _paths()


def route_paths() -> st.SearchStrategy[str]:
    """Paths built from the app's routes, filled with good and bad segments."""
    return _S_ROUTE_PATH


def paths() -> st.SearchStrategy[str]:
    """A ``PATH_INFO`` (a WSGI string): mostly routes of the app, random segments,
    known nasty paths; now and then doubled, relative, empty, dotted or very long.

    A relative path is not what a compliant server sends; the checked call hides it
    from the validator (see :func:`call_and_check`).
    """
    return _S_PATHS


# -- strategies: query strings

REDIRECT_TARGETS = [
    "/", "/page", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "http://evil.example/", "https://evil.example:99999/", "javascript:alert(1)",
    "data:text/html,<script>", "/\r\nSet-Cookie: x=1", "\r\nLocation: http://evil.example",
    "/a\nb", "/a\rb", "/\x00", "/\x7f", "/é", "/ü?x=ÿ", " /page", "/page ", "/a b",
    "http://user:pass@host/", "http://[::1]:80/", "http://[::1", "http://\u2100.example",
    "http://xn--.example/", "%", "/%ff", "/%zz", "?next=/", "#frag", "", "." * 300,
    "/" + "x" * 5000, "mailto:a@b", "/\u2028", "\ud800",
]  # fmt: skip
MIMETYPES = [
    "text/plain", "text/html", "text/html; charset=utf-8", "application/json", "",
    "text/plain\r\nX-Injected: 1", "text/plain\nX-Injected: 1", "text/plain\r", "text/\x00",
    "text/plain; charset=\x7f", "a/b; c=\"d\"", 'a/b; c="d\r\ne"', "x" * 1000, ";;;",
    "text/plain\x0b", "text/plain\x1b[31m", "téxt/plain", "text/plain; charset=ÿ",
    "text/plain;\u2028", "image/svg+xml", "multipart/x; boundary=\n",
]  # fmt: skip
ECHO_VALUES = [
    "", "hello", "a b", "\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\x00b", "\x00", "\t",
    "\x7f", "\x1b[2J", "é", "日本", "\U0001f600", "\ud800", "x" * 8000, "\u2028", "\x85",
    "a,b", '"quoted"', "; Path=/", "=",
]  # fmt: skip
VALUES_BY_KEY: dict[str, list[str]] = {
    "next": REDIRECT_TARGETS,
    "m": MIMETYPES,
    "v": ECHO_VALUES,
    "as": [*ECHO_VALUES, "report.pdf", "../../x", "é.txt", 'a"b.txt'],
    "q": [*ECHO_VALUES, "page", "{{ 7*7 }}", "<script>alert(1)</script>"],
    "lang": ["en", "de", "EN", "x" * 9, "e n", "日本", ""],
    "n": NUMBERS,
    "page": NUMBERS,
    "deny": ["1", "0", ""],
    "key": ECHO_VALUES,
    "x": ECHO_VALUES,
    "token": ["abc", "", "x" * 500],
    "msg": ECHO_VALUES,
    "cat": ["message", "error", "", "\x00"],
}
QUERY_KEYS = sorted(VALUES_BY_KEY)
BAD_ESCAPES = [
    "%", "%z", "%zz", "%f", "%fg", "%ff", "%fe%ff", "%c3", "%c3%28", "%ed%a0%80",
    "%c0%af", "%00", "%0d%0a", "%%", "%25", "%u0041", "%+1", "% 1",
]  # fmt: skip
WHOLE_QUERIES = [
    "", "&", "&&&", "=", "==", "a==b", "a=1&a=2&a=3", ";", "a;b", "?", "??", "#", "%",
    "%zz", "%ff", "next", "next=", "=next", "a=%", "a=%zz&b=1", "a=%ff",
    "a=" + "b" * 70_000, "&".join(f"k{i}=v" for i in range(2000)),
    "&".join("n=1" for _ in range(1000)), "a=1&" * 10 + "%",
]  # fmt: skip

_S_QUERY_MODE = st.sampled_from(["quote", "quote", "plus", "raw"])
_S_BAD_ESCAPE = st.sampled_from(BAD_ESCAPES)
_S_WHOLE_QUERY = st.sampled_from(WHOLE_QUERIES)
_S_PAIR_COUNT = st.integers(0, 4)
_S_KEY = st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=6))
_S_VALUE_FOR = {key: st.sampled_from(values) for key, values in VALUES_BY_KEY.items()}
_S_ANY_VALUE = st.one_of(st.text(max_size=12), st.sampled_from(NUMBERS))
_S_SEPARATOR = st.sampled_from(["&", "&", "&", ";", "&&"])


def _encode_query_part(draw: st.DrawFn, text: str) -> str:
    """``text`` encoded for a query string: quoted, plus-quoted or raw."""
    mode = draw(_S_QUERY_MODE)
    if mode == "quote":
        out = urllib.parse.quote(text, safe="", errors="surrogatepass")
    elif mode == "plus":
        out = urllib.parse.quote_plus(text, safe="/", errors="surrogatepass")
    else:
        # What a lax server passes on as it was sent, without separators; now and then
        # with bytes beyond ASCII (carried as latin-1).
        top = "\xff" if _chance(draw, 20) else "\x7e"
        out = "".join(c for c in text if "\x20" < c <= top and c not in "&=#")
    return out


@st.composite
def _query_strings(draw: st.DrawFn) -> str:
    if _chance(draw, 5):
        return str(draw(_S_WHOLE_QUERY))
    pairs = []
    for _ in range(draw(_S_PAIR_COUNT)):
        key = draw(_S_KEY)
        values = _S_VALUE_FOR.get(key)
        value = draw(values if values is not None and draw(_S_BOOL) else _S_ANY_VALUE)
        encoded_key = _encode_query_part(draw, key)
        if _chance(draw, 7):
            pairs.append(encoded_key)  # no "="
        else:
            pairs.append(f"{encoded_key}={_encode_query_part(draw, value)}")
    query = str(draw(_S_SEPARATOR)).join(pairs)
    if query and _chance(draw, 5):
        at = _position(draw, len(query))
        query = query[:at] + draw(_S_BAD_ESCAPE) + query[at:]
    return query


_S_QUERY_STRINGS = _query_strings()
_S_APP_PAIR_COUNT = st.integers(1, 3)
#: The keys whose values the app puts into response headers.
HEADER_KEYS = ["v", "m", "next", "as", "x", "n"]


@st.composite
def _app_query_strings(draw: st.DrawFn, keys: st.SearchStrategy[str]) -> str:
    pairs = []
    for _ in range(draw(_S_APP_PAIR_COUNT)):
        key = draw(keys)
        value = draw(_S_VALUE_FOR[key] if _chance(draw, 80) else _S_ANY_VALUE)
        pairs.append(f"{key}={_encode_query_part(draw, value)}")
    return "&".join(pairs)


_S_APP_QUERY_STRINGS = _app_query_strings(st.sampled_from(QUERY_KEYS))
_S_HEADER_QUERY_STRINGS = _app_query_strings(st.sampled_from(HEADER_KEYS))


def query_strings() -> st.SearchStrategy[str]:
    """A ``QUERY_STRING``: pairs for the app's keys (``next``, ``v``, ``m``, ...) and
    random ones, repeated keys, broken escapes, huge values, or a whole odd one."""
    return _S_QUERY_STRINGS


def app_query_strings() -> st.SearchStrategy[str]:
    """A ``QUERY_STRING`` of one to three pairs for keys the app reads (``next``, ``v``,
    ``m``, ``as``, ...), mostly with the nasty values listed for each key."""
    return _S_APP_QUERY_STRINGS


# -- strategies: methods, hosts, cookies, other headers

METHODS = [
    "GET", "GET", "GET", "GET", "POST", "POST", "POST", "HEAD", "HEAD", "PUT", "PATCH",
    "DELETE", "OPTIONS", "OPTIONS", "TRACE", "CONNECT", "get", "post", "Head", "options",
    "PROPFIND", "MKCOL", "BREW", "M-SEARCH", "X" * 100, "GET\t", "G@T", "",
]  # fmt: skip
GOOD_HOSTS = [
    "localhost", "localhost:80", "localhost:8080", "LOCALHOST", "LocalHost:5000",
    "localhost.", "example.com", "www.example.com", "api.example.com", "EXAMPLE.COM.",
    "127.0.0.1", "127.0.0.1:5000", "[::1]", "[::1]:8080", "xn--bcher-kva.example",
]  # fmt: skip
BAD_HOSTS = [
    "", " ", "a b", "exa mple.com", " localhost", "localhost ", "..", ".", "a..b", "..com",
    "localhost..", "-a.example.com", "a_b.example.com", "a/b", "a\\b", "a@b", "user@host",
    "a?b", "a#b", "a%20b", "localhost:", ":80", ":", "localhost:abc", "localhost:-1",
    "localhost:99999", "localhost:" + "9" * 30, "localhost:80:80", "[::1", "::1",
    "[::1]x", "[fe80::1%25eth0]", "[v1.x]", "bücher.example", "b\xc3\xbccher.example",
    "a" * 256, "a." * 130, ("x" * 63 + ".") * 5, "x" * 64 + ".com", "localhost\t",
    "local\x7fhost", "evil.example", "evil.example:80", "localhost.evil.example",
    "{{7*7}}", "'", '"', "<script>", "*", "*.example.com", "%", "0", "0x7f000001",
]  # fmt: skip

_S_METHODS = st.sampled_from(METHODS)
_S_GOOD_HOST = st.sampled_from(GOOD_HOSTS)
_S_BAD_HOST = st.sampled_from(BAD_HOSTS)
_S_HOSTS = weighted((1, st.none()), (12, _S_GOOD_HOST), (1, _S_BAD_HOST), (1, header_text))
_S_BAD_HOSTS = weighted((1, _S_GOOD_HOST), (2, _S_BAD_HOST), (1, header_text))


def methods() -> st.SearchStrategy[str]:
    """A ``REQUEST_METHOD``: mostly the usual ones, also lower-case and made-up ones."""
    return _S_METHODS


def hosts() -> st.SearchStrategy[str | None]:
    """A ``Host`` header (None: no header, as from an HTTP/1.0 client); mostly valid."""
    return _S_HOSTS


def bad_hosts() -> st.SearchStrategy[str]:
    """A ``Host`` header that is most often invalid: spaces, dots, bad ports, too long,
    bytes beyond ASCII, hosts not in ``TRUSTED_HOSTS``."""
    return _S_BAD_HOSTS


@functools.cache
def signed_session_cookies() -> tuple[str, ...]:
    """Session cookies signed with the app's key (and the same signed with another
    key), holding what the app itself could have stored."""
    payloads: list[dict[str, Any]] = [
        {"n": 1},
        {"n": 41, "last": "key"},
        {"_flashes": [("message", "hello")]},
        {"n": 2, "_flashes": [("message", "<script>"), ("error", "é\u2028")]},
        {"user": "ada", "_permanent": True, "_flashes": [("info", "welcome ada")]},
        {"user": "\x00\r\n", "last": "\ud7ff" * 10},
    ]
    out = []
    for key in (SECRET_KEY, "another-key"):
        signer_app = erlen.Erlen("fuzz_signer", root_path=str(HERE))
        signer_app.secret_key = key
        serializer = signer_app.session_interface.get_signing_serializer(signer_app)
        out.extend(serializer.dumps(payload) for payload in payloads)
    return tuple(out)


_TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
_S_SESSION_KIND = st.sampled_from(["signed", "signed", "tampered", "forged", "garbage"])
_S_SIGNED = st.deferred(lambda: st.sampled_from(signed_session_cookies()))
_S_TAMPER_CHAR = st.sampled_from("A_-.0=")
_S_FORGED_PREFIX = st.sampled_from(["", ".", "eJ"])
_S_FORGED_TOKEN = st.text(_TOKEN_CHARS, max_size=80)
_S_GARBAGE_SESSION = st.one_of(
    header_text.filter(lambda s: ";" not in s),
    st.sampled_from(['"', '""', '"abc', "x" * 5000, ".eJwrzs8tKEotLs4AAB", "e30.x.y"]),
)


@st.composite
def _session_values(draw: st.DrawFn) -> str:
    kind = draw(_S_SESSION_KIND)
    if kind == "signed":
        return str(draw(_S_SIGNED))
    if kind == "tampered":
        value = draw(_S_SIGNED)
        at = _position(draw, len(value) - 1)
        return str(value[:at] + draw(_S_TAMPER_CHAR) + value[at + 1 :])
    if kind == "forged":
        return str(draw(_S_FORGED_PREFIX) + draw(_S_FORGED_TOKEN))
    return str(draw(_S_GARBAGE_SESSION))


_S_SESSION_COOKIE = _session_values().map(lambda value: f"session={value}")
_S_OTHER_COOKIE = st.sampled_from(
    ["pref=1", "a=b", "a", "=", "=x", 'a="b', "session", "session=", "a=1;;b=2", ";"]
)
_S_COOKIES = weighted(
    (2, _S_SESSION_COOKIE),
    (
        1,
        st.lists(
            st.one_of(_S_SESSION_COOKIE, _S_OTHER_COOKIE, header_text), min_size=1, max_size=4
        ).map("; ".join),
    ),
    (1, header_text),
)


def cookie_headers() -> st.SearchStrategy[str]:
    """A ``Cookie`` header: a session cookie (signed by the app's key or another,
    tampered with, forged, garbage) alone or among others, or garbage."""
    return _S_COOKIES


ODD_DATES = [
    "0", "-1", "garbage", "", "Thu, 01 Jan 1970 00:00:00 GMT", "Mon, 32 Jan 2024 25:61:61 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994", "Fri, 31 Dec 9999 23:59:59 GMT",
    "Sat, 01 Jan 10000 00:00:00 GMT", "Mon, 01 Jan 2024 00:00:00 +9999", "1704067200",
    "2024-01-01T00:00:00Z",
]  # fmt: skip
ETAGS = ['"v1"', 'W/"v1"', "*", '"v1", "v2"', '"v2"', "v1", '"', '""', "W/", 'W/"', ",,,", '"a",*']
RANGES = [
    "bytes=0-4", "bytes=0-0", "bytes=-5", "bytes=5-", "bytes=0-", "bytes=-0", "bytes=10-0",
    "bytes=0-4,10-14", "bytes=0-1,0-1,0-1", "bytes=0-99999999999999999999",
    "bytes=" + "9" * 40 + "-", "bytes=255-255", "bytes=256-", "bytes=4096-", "bytes=abc",
    "bytes=", "bytes", "items=0-1", "bytes=-", "bytes=1-2-3", "bytes= 0 - 4", "bytes=0-4;x",
    "BYTES=0-4",
]  # fmt: skip
ACCEPTS = [
    "*/*", "text/html", "application/json", "text/html;q=0.5, */*;q=0.1", "text/html;q=abc",
    "text/html;q=1e400", "text/html;q=-1", ";;;,,,", "*", "*/", "/*", "a/b/c", "text/*;q=",
    'text/html;level="1', "x" * 1000,
]  # fmt: skip
AUTHORIZATIONS = [
    "Basic dXNlcjpwYXNz", "Basic !!!", "Basic ", "Basic", "Basic dXNlcg==", "Basic 6Q==",
    "Basic /w==", "Bearer abc", "Bearer", 'Digest username="a", realm=', "Digest",
    "Negotiate " + "A" * 2000, "a b c d", "=",
]  # fmt: skip

_S_DATES = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31),
        timezones=st.just(timezone.utc),
    ).map(http_date),
    st.sampled_from(ODD_DATES),
    header_text,
)


def _mixed(values: list[str]) -> st.SearchStrategy[str]:
    return weighted((2, st.sampled_from(values)), (1, header_text))


#: Request headers (environ keys) and the strategies for their values.
HEADER_VALUES: dict[str, st.SearchStrategy[str]] = {
    "HTTP_RANGE": _mixed(RANGES),
    "HTTP_IF_RANGE": st.one_of(_mixed(ETAGS), _S_DATES),
    "HTTP_IF_NONE_MATCH": _mixed(ETAGS),
    "HTTP_IF_MATCH": _mixed(ETAGS),
    "HTTP_IF_MODIFIED_SINCE": _S_DATES,
    "HTTP_IF_UNMODIFIED_SINCE": _S_DATES,
    "HTTP_ACCEPT": _mixed(ACCEPTS),
    "HTTP_ACCEPT_LANGUAGE": _mixed(["en", "de-DE,de;q=0.9", "*", "en;q=x", "-", "a" * 100]),
    "HTTP_ACCEPT_ENCODING": _mixed(["gzip", "br;q=1.0, gzip;q=0.8", "identity;q=0", "*"]),
    "HTTP_ACCEPT_CHARSET": _mixed(["utf-8", "iso-8859-1;q=0.5", "bogus"]),
    "HTTP_AUTHORIZATION": _mixed(AUTHORIZATIONS),
    "HTTP_X_FORWARDED_FOR": _mixed(["1.2.3.4", "1.2.3.4, 5.6.7.8", ",", "unknown", ""]),
    "HTTP_X_FORWARDED_HOST": _mixed(BAD_HOSTS),
    "HTTP_X_FORWARDED_PROTO": _mixed(["https", "http", "gopher", ""]),
    "HTTP_USER_AGENT": _mixed(["Mozilla/5.0", "", "curl/8.0"]),
    "HTTP_REFERER": _mixed(["/", "http://localhost/page", "//evil.example", "javascript:"]),
    "HTTP_ORIGIN": _mixed(["null", "https://evil.example", ""]),
    "HTTP_X_TOKEN": header_text,
    "HTTP_CACHE_CONTROL": _mixed(["no-cache", "max-age=abc", "max-age=" + "9" * 30, "="]),
    "HTTP_CONNECTION": _mixed(["keep-alive", "close", "Upgrade, HTTP2-Settings"]),
    "HTTP_EXPECT": _mixed(["100-continue"]),
    "HTTP_CONTENT_ENCODING": _mixed(["gzip", "br", "identity"]),
    "HTTP_TRANSFER_ENCODING": _mixed(["chunked", "gzip, chunked", "identity"]),
    "HTTP_X_REQUESTED_WITH": _mixed(["XMLHttpRequest"]),
}
_S_HEADER_NAMES = st.lists(
    st.sampled_from(sorted(HEADER_VALUES)), max_size=5, unique=True
)
_S_MADE_UP_NAME = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", min_size=1, max_size=12
).map(lambda name: "HTTP_X_" + name)


@st.composite
def _header_sets(draw: st.DrawFn) -> dict[str, str]:
    headers = {}
    if _chance(draw, 10):
        headers[draw(_S_MADE_UP_NAME)] = draw(header_text)
    for name in draw(_S_HEADER_NAMES):
        headers[name] = draw(HEADER_VALUES[name])
    return headers


_S_HEADER_SETS = _header_sets()


def header_sets() -> st.SearchStrategy[dict[str, str]]:
    """A few other request headers, as environ keys: conditional and range requests,
    content negotiation, credentials, proxy headers, made-up names."""
    return _S_HEADER_SETS


# -- strategies: bodies

JSON_TYPES = [
    "application/json", "application/json", "application/json; charset=utf-8",
    "application/json; charset=latin-1", "application/json; charset=bogus",
    "application/vnd.api+json", "text/json", "text/plain", "application/JSON",
]  # fmt: skip
OTHER_TYPES = [
    "text/plain", "application/octet-stream", "", ";", "application/", "*/*", "text/html",
    "application/x-www-form-urlencoded; charset=utf-16", "multipart/form-data",
    "multipart/form-data; boundary=", 'multipart/form-data; boundary=""',
    "multipart/form-data; boundary=" + "b" * 200, "multipart/mixed; boundary=x",
    "multipart/form-data; boundary=x; boundary=y", "application/json; x", "image/png",
]  # fmt: skip
NESTING_DEPTHS = [2, 10, 100, 500, 900, 990, 1000, 1100, 1500, 3000, 10_000, 30_000, 40_000]
BROKEN_JSON = [
    b"", b"{", b"[1,", b'{"a":}', b"nul", b"NaN", b"Infinity", b"-Infinity",
    b"\xef\xbb\xbf{}", b'"\xff"', b'"\\ud800"', b'"\\u12"', b'{"a":1,"a":2}', b"[1]" * 3,
    b"\x00", b"1 2", b"{'a': 1}", b'{"a": 01}', b"[" + b"1," * 10_000 + b"1]",
    b'"' + b"\\n" * 20_000 + b'"', b"\xfe\xff\x00[\x00]",
]  # fmt: skip


def _big_numbers(digits: int) -> list[bytes]:
    return [
        b"1" * digits,
        b"-" + b"9" * digits,
        b"1e" + b"9" * min(digits, 50),
        b"0." + b"1" * digits,
        b"[" + b"1" * digits + b"]",
        b'{"a": ' + b"2" * digits + b"}",
    ]


BIG_NUMBERS = [
    body for digits in (20, 400, 4300, 4301, 5000, 20_000) for body in _big_numbers(digits)
] + [b"1e999999", b"-1e999999"]

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=6), children, max_size=4),
    ),
    max_leaves=15,
)
_S_JSON_KIND = st.sampled_from(
    ["valid", "valid", "valid", "deep", "deep", "number", "broken", "object"]
)
_S_JSON_ENCODING = st.sampled_from(["utf-8", "utf-8", "utf-16", "utf-32"])
_S_JSON_OBJECT = st.dictionaries(st.sampled_from(["name", "a", "b", ""]), json_values)
_S_DEPTH = st.one_of(st.sampled_from(NESTING_DEPTHS), st.integers(1, 20_000))
_S_SHAPE = st.sampled_from(["array", "object", "mixed", "unclosed"])
_S_BIG_NUMBER = st.sampled_from(BIG_NUMBERS)
_S_BROKEN_JSON = st.sampled_from(BROKEN_JSON)
_S_JSON_TYPE = st.one_of(st.sampled_from(JSON_TYPES), st.none())


@st.composite
def _json_texts(draw: st.DrawFn) -> bytes:
    kind = draw(_S_JSON_KIND)
    if kind == "valid":
        text = json.dumps(draw(json_values), ensure_ascii=draw(_S_BOOL))
        return text.encode(draw(_S_JSON_ENCODING), "surrogatepass")
    if kind == "object":
        return json.dumps(draw(_S_JSON_OBJECT)).encode()
    if kind == "deep":
        depth = draw(_S_DEPTH)
        shape = draw(_S_SHAPE)
        if shape == "array":
            return b"[" * depth + b"]" * depth
        if shape == "object":
            return b'{"a":' * depth + b"1" + b"}" * depth
        if shape == "mixed":
            return b'[{"a":' * (depth // 2) + b"0" + b"}]" * (depth // 2)
        return b"[" * depth
    if kind == "number":
        return bytes(draw(_S_BIG_NUMBER))
    return bytes(draw(_S_BROKEN_JSON))


_S_JSON_TEXTS = _json_texts()
_S_JSON_BODIES = st.tuples(_S_JSON_TYPE, _S_JSON_TEXTS)


def json_bodies() -> st.SearchStrategy[tuple[str | None, bytes]]:
    """``(content_type, body)`` for JSON: valid values in UTF-8/16/32, nesting up to
    40,000 deep (closed or not), numbers of thousands of digits, broken JSON."""
    return _S_JSON_BODIES


_S_FORM_KIND = st.sampled_from(["pairs", "pairs", "big", "many", "raw"])
_S_FORM_SIZE = st.sampled_from([1000, 1024, 1025, 5000, 70_000])
_S_FORM_FIELDS = st.sampled_from([17, 500, 5000])
_S_SMALL_BINARY = st.binary(max_size=64)
_S_FORM_TYPE = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "Application/X-WWW-Form-Urlencoded",
    ]
)


@st.composite
def _urlencoded_bodies(draw: st.DrawFn) -> tuple[str | None, bytes]:
    kind = draw(_S_FORM_KIND)
    if kind == "pairs":
        body = draw(_S_QUERY_STRINGS).encode("latin-1")
    elif kind == "big":
        body = b"msg=" + b"x" * draw(_S_FORM_SIZE)
    elif kind == "many":
        body = b"&".join(b"f%d=v" % i for i in range(draw(_S_FORM_FIELDS)))
    else:
        body = draw(_S_SMALL_BINARY)
    return draw(_S_FORM_TYPE), body


_S_URLENCODED_BODIES = _urlencoded_bodies()


def urlencoded_bodies() -> st.SearchStrategy[tuple[str | None, bytes]]:
    """``(content_type, body)`` for an urlencoded form: pairs with broken escapes,
    values over ``MAX_FORM_MEMORY_SIZE``, thousands of fields, raw bytes."""
    return _S_URLENCODED_BODIES


BOUNDARIES = [
    "fuzzboundary", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "a", "x" * 70, "b" * 200, "a b",
    "é", "--", "=?", "'", "abc\\", "x;y",
]  # fmt: skip
FIELD_NAMES = ["file", "note", "msg", "user", "remember", "", "a b", "é", 'q"uote', "x" * 300]
UPLOAD_NAMES = [
    "a.txt", "", "../../etc/passwd", "..\\..\\boot.ini", "ü.txt", 'qu"ote.txt', "semi;colon",
    "nul\x00.txt", "x" * 300, "C:\\path\\file.txt", ".", "..", "/", "a.txt\r\nX: 1",
]  # fmt: skip
ODD_PART_HEADERS = [
    "Content-Disposition: form-data",
    "Content-Disposition: attachment; name=x",
    "Content-Disposition: form-data; name=",
    'Content-Disposition: form-data; name="a"; name="b"',
    "Content-Type: text/plain",
    "no colon here",
    ": empty name",
    "Content-Disposition: form-data; name*=UTF-8''%C3%A9",
    "X-" + "h" * 5000 + ": 1",
]

_S_BOUNDARY = st.one_of(
    st.sampled_from(BOUNDARIES), st.text(alphabet=_ASCII_PRINTABLE, min_size=1, max_size=20)
)
_S_DECLARED = st.sampled_from(["same", "same", "same", "quoted", "other", "none"])
_S_OTHER_BOUNDARY = st.sampled_from(BOUNDARIES)
_S_NEWLINE = st.sampled_from([b"\r\n", b"\r\n", b"\r\n", b"\n"])
_S_PART_ENCODING = st.sampled_from(["utf-8", "utf-8", "latin-1"])
_S_PART_COUNT = weighted((2, st.integers(0, 4)), (1, st.integers(5, 8)))
_S_REPEAT = st.sampled_from([MAX_FORM_PARTS, MAX_FORM_PARTS + 1, 100, 2000])
_S_FIELD_NAME = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8))
_S_PART_KIND = st.sampled_from(["field", "field", "file", "file", "odd"])
_S_ODD_PART_HEADER = st.sampled_from(ODD_PART_HEADERS)
_S_UPLOAD_NAME = st.one_of(st.sampled_from(UPLOAD_NAMES), st.text(max_size=10))
_S_PART_TYPE = st.sampled_from(["text/plain", "application/x-y", "", "x/y; a"])
_S_PART_CONTENT = st.one_of(
    st.binary(max_size=48),
    st.text(max_size=20).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.sampled_from([1023, 1024, 1025, 5000, 70_000]).map(lambda n: b"x" * n),
    st.just(b"--"),
)
_S_MARKER_END = st.sampled_from([b"", b"--"])
_S_ENDING = st.sampled_from(["close", "close", "close", "none", "truncate", "epilogue"])


def _multipart_part(draw: st.DrawFn, marker: bytes, newline: bytes, encoding: str) -> bytes:
    name = draw(_S_FIELD_NAME)
    kind = draw(_S_PART_KIND)
    headers = []
    if kind == "odd":
        headers.append(draw(_S_ODD_PART_HEADER))
    else:
        disposition = f'Content-Disposition: form-data; name="{name}"'
        if kind == "file":
            disposition += f'; filename="{draw(_S_UPLOAD_NAME)}"'
        headers.append(disposition)
        if draw(_S_BOOL):
            headers.append(f"Content-Type: {draw(_S_PART_TYPE)}")
    content = draw(_S_PART_CONTENT)
    if content == b"--":
        content = marker + draw(_S_MARKER_END)
    head = newline.join(h.encode(encoding, "replace") for h in headers)
    return bytes(marker + newline + head + newline + newline + content + newline)


@st.composite
def _multipart_bodies(draw: st.DrawFn) -> tuple[str | None, bytes]:
    boundary = draw(_S_BOUNDARY)
    declared = draw(_S_DECLARED)
    if declared == "same":
        content_type = f"multipart/form-data; boundary={boundary}"
    elif declared == "quoted":
        content_type = f'multipart/form-data; boundary="{boundary}"'
    elif declared == "other":
        content_type = f"multipart/form-data; boundary={draw(_S_OTHER_BOUNDARY)}"
    else:
        content_type = "multipart/form-data"
    newline = draw(_S_NEWLINE)
    encoding = draw(_S_PART_ENCODING)
    marker = b"--" + boundary.encode("utf-8")
    chunks = []
    if _chance(draw, 15):
        chunks.append(b"preamble garbage" + newline)
    for _ in range(draw(_S_PART_COUNT)):
        chunks.append(_multipart_part(draw, marker, newline, encoding))
    if _chance(draw, 15):
        # Many parts: one part repeated (limits MAX_FORM_PARTS and MAX_CONTENT_LENGTH).
        part = _multipart_part(draw, marker, newline, encoding)
        chunks.extend([part] * draw(_S_REPEAT))
    ending = draw(_S_ENDING)
    body = b"".join(chunks)
    if ending in ("close", "epilogue"):
        body += marker + b"--" + newline
        if ending == "epilogue":
            body += b"epilogue garbage"
    elif ending == "truncate" and body:
        body = body[: _position(draw, len(body) - 1)]
    return content_type, body


_S_MULTIPART_BODIES = _multipart_bodies()


def multipart_bodies() -> st.SearchStrategy[tuple[str | None, bytes]]:
    """``(content_type, body)`` for a multipart form: files and fields with odd names,
    more parts than ``MAX_FORM_PARTS``, fields over ``MAX_FORM_MEMORY_SIZE``,
    truncated, and boundaries that are missing, quoted or do not match the body."""
    return _S_MULTIPART_BODIES


_S_OTHER_BODIES = st.tuples(
    st.one_of(st.none(), st.sampled_from(OTHER_TYPES), header_text),
    st.one_of(
        _S_SMALL_BINARY,
        st.sampled_from([1000, MAX_CONTENT_LENGTH, MAX_CONTENT_LENGTH + 1, 200_000]).map(
            lambda n: b"z" * n
        ),
    ),
)
_S_BODIES = weighted(
    (3, st.just((None, b""))),
    (2, _S_JSON_BODIES),
    (1, _S_URLENCODED_BODIES),
    (2, _S_MULTIPART_BODIES),
    (1, _S_OTHER_BODIES),
)


def bodies() -> st.SearchStrategy[tuple[str | None, bytes]]:
    """``(content_type, body)``: none, JSON, urlencoded, multipart, or anything."""
    return _S_BODIES


INVALID_LENGTHS = [
    "abc", "-1", "-0", "1.5", "1e3", "0x10", " ", "\t", "+5", "5 5", "5,5", "\xb2", "\xb9",
    "99999999999999999999999999", "18446744073709551616", "00000000000000000000010",
]  # fmt: skip
DELIVERIES = ["exact"] * 8 + ["absent", "chunked", "terminated", "shorter", "longer", "invalid"]

_S_DELIVERY = st.sampled_from(DELIVERIES)
_S_ANY_QUERY = weighted((3, _S_QUERY_STRINGS), (1, _S_APP_QUERY_STRINGS))
_S_EMPTY_LENGTH = st.sampled_from([None, None, "0", ""])
_S_SHORTER_BY = st.integers(1, 100)
_S_LONGER = st.one_of(st.integers(1, 1000), st.just(10**20))
_S_INVALID_LENGTH = st.sampled_from(INVALID_LENGTHS)
_S_MAYBE_COOKIE = st.one_of(st.none(), _S_COOKIES)
_S_SERVER = st.tuples(
    st.sampled_from(["http", "http", "https"]),
    st.sampled_from(["", "", "", "", "", "/app", "/a%20b", "/\xc3\xa9", "/app/"]),
    st.sampled_from(["localhost", "localhost", "example.com", "127.0.0.1"]),
    st.sampled_from(["80", "443", "8080", "5000"]),
    st.sampled_from(["HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2"]),
)


@st.composite
def environs(
    draw: st.DrawFn,
    method: st.SearchStrategy[str] | None = None,
    path: st.SearchStrategy[str] | None = None,
    query: st.SearchStrategy[str] | None = None,
    body: st.SearchStrategy[tuple[str | None, bytes]] | None = None,
    host: st.SearchStrategy[str | None] | None = None,
    headers: st.SearchStrategy[dict[str, str]] | None = None,
    cookie: st.SearchStrategy[str | None] | None = None,
) -> dict[str, Any]:
    """A whole WSGI environ. Each part is drawn from a strategy that can be replaced,
    e.g. ``environs(path=st.just("/json"), body=json_bodies())``.

    Besides its content, the body's delivery is drawn: the right ``CONTENT_LENGTH``
    (most often), none, a chunked body (``wsgi.input_terminated``), a length shorter
    or longer than the body, or an invalid one.
    """
    method_value = draw(method if method is not None else _S_METHODS)
    path_value = draw(path if path is not None else _S_PATHS)
    query_value = draw(query if query is not None else _S_ANY_QUERY)
    content_type, body_value = draw(body if body is not None else _S_BODIES)
    host_value = draw(host if host is not None else _S_HOSTS)
    drawn_headers = draw(headers if headers is not None else _S_HEADER_SETS)
    cookie_value = draw(cookie if cookie is not None else _S_MAYBE_COOKIE)

    extra = {key: as_header_value(value) for key, value in drawn_headers.items()}
    if host_value is not None:
        extra["HTTP_HOST"] = as_header_value(host_value)
    if cookie_value is not None:
        extra["HTTP_COOKIE"] = as_header_value(cookie_value)
    if content_type is not None:
        content_type = as_header_value(content_type)

    delivery = draw(_S_DELIVERY)
    chunked = False
    content_length: str | None = "auto"
    if delivery == "exact" and not body_value:
        content_length = draw(_S_EMPTY_LENGTH)
    elif delivery in ("absent", "terminated"):
        content_length = None
    elif delivery == "chunked":
        chunked = True
    elif delivery == "shorter":
        content_length = str(max(0, len(body_value) - draw(_S_SHORTER_BY)))
    elif delivery == "longer":
        content_length = str(len(body_value) + draw(_S_LONGER))
    elif delivery == "invalid":
        content_length = draw(_S_INVALID_LENGTH)
    scheme, script_name, server_name, server_port, protocol = draw(_S_SERVER)
    environ = make_environ(
        method_value,
        as_wsgi(path_value),
        as_wsgi(query_value),
        extra,
        body_value,
        content_type=content_type,
        content_length=content_length,
        chunked=chunked,
        scheme=scheme,
        script_name=script_name,
        server_name=server_name,
        server_port=server_port,
        protocol=protocol,
    )
    if delivery == "terminated":
        # A server that ends the stream itself but does not pass Transfer-Encoding on.
        environ["wsgi.input_terminated"] = True
    return environ


# -- profiles: environs aimed at one part of the app

BODY_ROUTES = [
    "/json", "/json/silent", "/json/force", "/form", "/data", "/login", "/flash",
    "/api/items", "/api/upload", "/things/1", "/whoami", BOOM_PATH, "/page",
]  # fmt: skip
HEADER_ROUTES = [
    "/echo", "/mime", "/tuple", "/cookie", "/download/hello.txt", "/download/docs/blob.bin",
    "/go", "/go/301", "/go/307", "/login", "/old", "/stream", "/api/stream",
]  # fmt: skip
FILE_ROUTES = [
    "/static/hello.txt", "/static/data.json", "/static/docs/blob.bin", "/files/hello.txt",
    "/files/docs/blob.bin", "/download/hello.txt", "/etag", "/", "/whoami", "/status/304",
    "/status/204", "/things/3",
]  # fmt: skip
HOST_ROUTES = ["/whoami", "/", "/int/1", "/go", "/dir", "/api/items/1", "/nowhere"]

_S_GET_LIKE = st.sampled_from(["GET", "GET", "HEAD", "OPTIONS", "get", "POST"])
_S_NO_BODY = st.just((None, b""))

#: Strategies for environs, by name: ``any`` draws every part freely, the others aim
#: at one part of the app (the rest of the environ is still drawn freely).
PROFILES: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "any": environs(),
    "routes": environs(method=_S_GET_LIKE, path=_S_ROUTE_PATH, body=_S_NO_BODY),
    "json": environs(
        method=st.sampled_from(["POST", "PUT", "PATCH"]),
        path=st.sampled_from(BODY_ROUTES),
        body=_S_JSON_BODIES,
    ),
    "forms": environs(
        method=st.sampled_from(["POST", "PUT"]),
        path=st.sampled_from(BODY_ROUTES),
        body=st.one_of(_S_MULTIPART_BODIES, _S_URLENCODED_BODIES),
    ),
    "headers": environs(
        method=_S_GET_LIKE,
        path=st.sampled_from(HEADER_ROUTES),
        query=_S_HEADER_QUERY_STRINGS,
        body=_S_NO_BODY,
    ),
    "files": environs(method=_S_GET_LIKE, path=st.sampled_from(FILE_ROUTES), body=_S_NO_BODY),
    "hosts": environs(
        method=_S_METHODS,
        path=st.sampled_from(HOST_ROUTES),
        body=_S_NO_BODY,
        host=st.one_of(_S_HOSTS, _S_BAD_HOSTS),
    ),
}


# -- the checked call -------------------------------------------------------------


@dataclass
class Problem:
    """One thing wrong with a response. ``summary`` does not depend on the input's
    details, so equal summaries are the same failure; ``detail`` has the specifics."""

    kind: str
    summary: str
    detail: str = ""

    @property
    def key(self) -> str:
        return f"[{self.kind}] {self.summary}"

    def __str__(self) -> str:
        if not self.detail:
            return self.key
        return self.key + "\n" + "\n".join("    " + line for line in self.detail.splitlines())


@dataclass
class StartResponseCall:
    status: str
    headers: list[tuple[str, str]]
    with_exc_info: bool


@dataclass
class Result:
    """What one call did. ``environ`` is the environ as given (before the call)."""

    environ: dict[str, Any]
    calls: list[StartResponseCall] = field(default_factory=list)
    body: bytes = b""
    #: An exception that escaped the app (or the validator), and when.
    error: BaseException | None = None
    error_stage: str | None = None
    #: Warnings raised during the call, as text.
    warnings: list[str] = field(default_factory=list)
    #: Exceptions the app answered with a 500.
    exceptions: list[BaseException] = field(default_factory=list)
    #: teardown_request calls of the app and of the api blueprint; None if not known.
    teardowns: int | None = None
    api_teardowns: int | None = None
    endpoint: str | None = None
    #: Names of context variables still set after the body was closed.
    leaked: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        return self.calls[-1].status if self.calls else None

    @property
    def code(self) -> int | None:
        status = self.status
        if status is None or not status[:3].isdigit():
            return None
        return int(status[:3])

    @property
    def headers(self) -> list[tuple[str, str]]:
        return self.calls[-1].headers if self.calls else []

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class _Pep3333Input:
    """``wsgi.input`` as PEP 3333 has it, over the validator's checking wrapper.

    PEP 3333 lets an application call ``read()`` without a size; wsgiref's validator
    (written for PEP 333) asserts that a size is given. This passes ``read()`` on as
    ``read(-1)``, so everything else the validator checks about the input (bytes
    returned, ``close()`` never called) still applies.
    """

    def __init__(self, checked: Any) -> None:
        self._checked = checked

    def read(self, size: int | None = -1) -> bytes:
        return self._checked.read(-1 if size is None else size)  # type: ignore[no-any-return]

    def readline(self, *args: Any) -> bytes:
        return self._checked.readline(*args)  # type: ignore[no-any-return]

    def readlines(self, *args: Any) -> list[bytes]:
        return self._checked.readlines(*args)  # type: ignore[no-any-return]

    def __iter__(self) -> Any:
        return iter(self._checked)

    def close(self) -> None:
        self._checked.close()


def _validator_overrides(environ: dict[str, Any]) -> dict[str, Any]:
    """Values the validator rejects although servers send them, or lax ones may: a
    malformed ``CONTENT_LENGTH``, a path that does not start with "/". They are
    replaced in ``environ`` and put back inside the validator."""
    overrides: dict[str, Any] = {}
    length = environ.get("CONTENT_LENGTH")
    if length:
        try:
            valid = int(length) >= 0
        except ValueError:
            valid = False
        if not valid:
            overrides["CONTENT_LENGTH"] = environ.pop("CONTENT_LENGTH")
    path = environ.get("PATH_INFO")
    if path and not path.startswith("/"):
        overrides["PATH_INFO"] = path
        environ["PATH_INFO"] = "/"
    if not environ.get("SCRIPT_NAME") and "PATH_INFO" not in environ:
        environ["PATH_INFO"] = "/"
        overrides["PATH_INFO"] = None
    script = environ.get("SCRIPT_NAME")
    if script and (script == "/" or not script.startswith("/")):
        overrides["SCRIPT_NAME"] = script
        environ["SCRIPT_NAME"] = ""
    return overrides


def _raised_by_validator(error: BaseException) -> bool:
    tb = error.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    return (
        isinstance(error, AssertionError)
        and last is not None
        and last.tb_frame.f_code.co_filename.replace("\\", "/").endswith("wsgiref/validate.py")
    )


_FRAMEWORK_PARTS = ("/erlen/", "/werkzeug/", "/flask/", "/jinja2/", "/itsdangerous/", "/json/")


def exception_summary(error: BaseException) -> str:
    """``Type at module.py:function`` of the innermost frame inside the frameworks (the
    same failure from different input gives the same summary)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    for frame in reversed(frames):
        filename = frame.filename.replace("\\", "/")
        if any(part in filename for part in _FRAMEWORK_PARTS):
            where = f"{'/'.join(filename.split('/')[-2:])}:{frame.name}"
            break
    if not where and frames:
        where = f"{Path(frames[-1].filename).name}:{frames[-1].name}"
    return f"{type(error).__name__} at {where}" if where else type(error).__name__


def exception_tail(error: BaseException, lines: int = 8) -> str:
    """The last lines of the traceback of ``error``."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    tail = text.rstrip().splitlines()[-lines:]
    return "\n".join(line if len(line) <= 300 else line[:300] + "..." for line in tail)


def _is_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _control_chars(text: str) -> list[str]:
    return sorted({repr(c) for c in text if c in "\r\n\x00"})


#: Views that copy request data into a header unchecked: an app bug on purpose. A
#: value that cannot be sent is a 500 there (and must never split the response).
HEADER_ECHO_ENDPOINTS = frozenset({"echo", "tuple_view", "cookie", "mime"})


def _is_header_error(error: BaseException) -> bool:
    """Whether ``error`` refuses a header value: erlen's check, or Werkzeug's own."""
    return type(error).__name__ == "UnsafeHeaderError" or (
        type(error) is ValueError and "newline" in str(error)
    )


def _is_boom(result: Result) -> bool:
    """Whether a 500 is one the app causes on purpose: ``/boom`` (reached by any path),
    or a header-echo view given a value no header may carry."""
    if result.teardowns is None:  # not an app from create_app
        return bool(result.environ.get("PATH_INFO") == BOOM_PATH)
    if not result.exceptions:
        return False
    if result.endpoint in HEADER_ECHO_ENDPOINTS and all(
        _is_header_error(e) for e in result.exceptions
    ):
        return True
    return all(type(e) is RuntimeError and str(e) == BOOM_MESSAGE for e in result.exceptions)


def check_result(result: Result) -> list[Problem]:
    """What is wrong with a call's outcome; an empty list if nothing is."""
    problems: list[Problem] = []
    environ = result.environ
    method = environ.get("REQUEST_METHOD", "")
    endpoint = result.endpoint or "no endpoint"

    if result.error is not None:
        kind = "wsgi-violation" if _raised_by_validator(result.error) else "escaped-exception"
        problems.append(
            Problem(
                kind,
                f"{exception_summary(result.error)} (while {result.error_stage})",
                exception_tail(result.error),
            )
        )
    for text in result.warnings:
        general = re.sub(r"'.*'|\(.*\)", "...", text)
        problems.append(Problem("wsgi-violation", f"WSGIWarning: {general}", text))
    if not result.calls:
        if result.error is None:
            problems.append(Problem("wsgi-violation", "start_response was never called"))
        return problems
    for call in result.calls[1:]:
        if not call.with_exc_info:
            problems.append(
                Problem("wsgi-violation", "start_response called again without exc_info")
            )

    code = result.code
    headers = result.headers
    if code is None:
        problems.append(Problem("wsgi-violation", "malformed status line", repr(result.status)))
        return problems

    for name, value in headers:
        if not isinstance(name, str) or not isinstance(value, str):
            problems.append(
                Problem("wsgi-violation", "header name or value is not a str", repr((name, value)))
            )
            continue
        bad = _control_chars(name + value)
        if bad:
            which = "a header name" if _control_chars(name) else f"the {name.title()} header"
            problems.append(
                Problem(
                    "header-injection",
                    f"{which} contains {', '.join(bad)} ({endpoint})",
                    f"{name!r}: {value[:300]!r}",
                )
            )
        if "\x7f" in value or not _is_latin1(value):
            # wsgiref checks only C0 controls; a server cannot send the rest either.
            problems.append(
                Problem(
                    "wsgi-violation",
                    f"the {name.title()} header has DEL or text beyond Latin-1 ({endpoint})",
                    f"{name!r}: {value[:300]!r}",
                )
            )
        if is_hop_by_hop(name):
            problems.append(Problem("wsgi-violation", f"hop-by-hop header {name} ({endpoint})"))

    if code >= 500 and not (code == 500 and _is_boom(result)):
        if result.exceptions:
            last = result.exceptions[-1]
            summary = f"{code} from {endpoint}: {exception_summary(last)}"
            detail = exception_tail(last)
        else:
            summary = f"{code} from {endpoint} (no exception reported)"
            detail = result.body[:300].decode("utf-8", "replace")
        problems.append(Problem("5xx", summary, detail))

    # A body is only judged if the call ran to the end (else it is cut off anyway).
    complete = result.error is None
    no_body_reason = None
    if method == "HEAD":
        no_body_reason = "a HEAD request"
    elif code in (204, 304) or 100 <= code < 200:
        no_body_reason = f"a {code} response"
    if complete and no_body_reason and result.body:
        problems.append(
            Problem(
                "body-not-allowed",
                f"body sent for {no_body_reason} ({endpoint})",
                show_bytes(result.body),
            )
        )
    lengths = [value for name, value in headers if name.lower() == "content-length"]
    if len(lengths) > 1:
        problems.append(
            Problem("content-length", f"{len(lengths)} Content-Length headers ({endpoint})")
        )
    if lengths:
        value = lengths[0]
        if not (value.isascii() and value.isdigit()):
            problems.append(
                Problem(
                    "content-length", f"Content-Length is not a number ({endpoint})", repr(value)
                )
            )
        elif complete and no_body_reason is None and int(value) != len(result.body):
            problems.append(
                Problem(
                    "content-length",
                    f"Content-Length does not match the body ({endpoint}, {code})",
                    f"Content-Length: {value}, body: {len(result.body)} bytes",
                )
            )

    if result.leaked:
        problems.append(
            Problem(
                "context-leak", f"{', '.join(result.leaked)} still set after close ({endpoint})"
            )
        )
    if result.teardowns is not None and result.teardowns != 1:
        problems.append(
            Problem("teardown", f"teardown_request ran {result.teardowns} times ({endpoint})")
        )
    elif result.api_teardowns is not None and result.teardowns == 1:
        expected = 1 if (result.endpoint or "").startswith("api.") else 0
        if result.api_teardowns != expected:
            problems.append(
                Problem(
                    "teardown",
                    f"the api blueprint's teardown_request ran {result.api_teardowns} times"
                    f" ({endpoint})",
                )
            )
    return problems


def _call(app: Any, environ: dict[str, Any]) -> Result:
    result = Result(environ=environ)
    env = dict(environ)
    original_input = environ.get("wsgi.input")
    body = original_input.getvalue() if isinstance(original_input, io.BytesIO) else b""
    env["wsgi.input"] = io.BytesIO(body)
    env["wsgi.errors"] = io.StringIO()
    overrides = _validator_overrides(env)
    state: FuzzState | None = getattr(app, "extensions", {}).get("fuzz")
    if state is not None:
        teardowns, api_teardowns = state.teardowns, state.api_teardowns
        state.endpoint = None
        del state.exceptions[:]

    def inner(inner_environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        for key, value in overrides.items():
            if value is None:
                inner_environ.pop(key, None)
            else:
                inner_environ[key] = value
        inner_environ["wsgi.input"] = _Pep3333Input(inner_environ["wsgi.input"])

        def recording_start_response(status: Any, headers: Any, exc_info: Any = None) -> Any:
            headers = list(headers)
            result.calls.append(StartResponseCall(status, headers, exc_info is not None))
            # HTAB is allowed in an HTTP field value (RFC 9110, 5.5) but wsgiref's check
            # refuses every C0 control: it sees tabs as spaces. check_result judges the
            # headers as they were sent.
            headers = [
                (name, value.replace("\t", " ")) if type(value) is str else (name, value)
                for name, value in headers
            ]
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        return app(inner_environ, recording_start_response)

    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        return written.append

    chunks: list[bytes] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", WSGIWarning)
        try:
            iterable = validator(inner)(env, start_response)
        except Exception as e:
            result.error, result.error_stage = e, "calling the app"
        else:
            try:
                for chunk in iterable:
                    chunks.append(chunk)
            except Exception as e:
                result.error, result.error_stage = e, "iterating the body"
            finally:
                try:
                    iterable.close()
                except Exception as e:
                    if result.error is None:
                        result.error, result.error_stage = e, "closing the body"
    result.body = b"".join(written) + b"".join(chunks)
    for warning in caught:
        if issubclass(warning.category, WSGIWarning):
            text = str(warning.message)
            if not text.startswith("Unknown REQUEST_METHOD"):
                result.warnings.append(text)
    if state is not None:
        result.teardowns = state.teardowns - teardowns
        result.api_teardowns = state.api_teardowns - api_teardowns
        result.endpoint = state.endpoint
        result.exceptions = list(state.exceptions)
        result.leaked = [var.name for var in state.context_vars if var.get(None) is not None]
    return result


def call_and_check(app: Any, environ: dict[str, Any]) -> Result:
    """Call ``app`` with (a copy of) ``environ`` through ``wsgiref.validate.validator``,
    read and close the body, and return the :class:`Result` with its problems.

    The call runs in a new, empty ``contextvars.Context``: contexts the app leaves
    behind are reported (``context-leak``) and do not reach the next call.
    """
    result = contextvars.Context().run(_call, app, environ)
    result.problems = check_result(result)
    return result


# -- showing requests -------------------------------------------------------------

_run = re.compile(rb"(.)\1{15,}", re.DOTALL)


def show_bytes(data: bytes, limit: int = 400) -> str:
    """``data`` as a Python expression, long runs of one byte written as ``b'x' * n``."""
    pieces: list[str] = []
    at = 0
    for match in _run.finditer(data):
        if match.start() > at:
            pieces.append(repr(data[at : match.start()]))
        pieces.append(f"{data[match.start() : match.start() + 1]!r} * {len(match.group())}")
        at = match.end()
    if at < len(data) or not pieces:
        pieces.append(repr(data[at:]))
    text = " + ".join(pieces)
    if len(text) > limit:
        text = text[:limit] + f"... ({len(data)} bytes)"
    return text


def show_text(text: str, limit: int = 300) -> str:
    """A WSGI string with escapes for what is not printable ASCII; long runs shortened."""
    shown = show_bytes(text.encode("latin-1", "backslashreplace"), limit)
    return shown


def describe(environ: dict[str, Any]) -> str:
    """The request an environ stands for, as text: request line, headers, body."""
    method = environ.get("REQUEST_METHOD", "")
    target = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    lines = [
        f"method={method!r} path={show_text(target)}"
        + (f" query={show_text(query)}" if query else "")
        + f" {environ.get('SERVER_PROTOCOL', '')}"
    ]
    for key in sorted(environ):
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
            lines.append(f"  {name}: {show_text(environ[key], 200)}")
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if key in environ:
            lines.append(f"  {name}: {show_text(environ[key], 200)}")
    notes = [f"scheme={environ.get('wsgi.url_scheme')}"]
    if environ.get("SCRIPT_NAME"):
        notes.append(f"SCRIPT_NAME={environ['SCRIPT_NAME']!r}")
    if "CONTENT_LENGTH" not in environ:
        notes.append("no CONTENT_LENGTH")
    if environ.get("wsgi.input_terminated"):
        notes.append("wsgi.input_terminated")
    lines.append("  (" + ", ".join(notes) + ")")
    stream = environ.get("wsgi.input")
    body = stream.getvalue() if isinstance(stream, io.BytesIO) else b""
    if body:
        lines.append(f"  body: {show_bytes(body)} ({len(body)} bytes)")
    return "\n".join(lines)


def environ_spec(environ: dict[str, Any]) -> dict[str, Any]:
    """The picklable content of an environ: its string values, the flags, and the body
    under ``"body"``; :func:`environ_from_spec` builds the environ again."""
    stream = environ.get("wsgi.input")
    spec = {
        key: value
        for key, value in environ.items()
        if isinstance(value, str) or key == "wsgi.input_terminated"
    }
    spec["body"] = stream.getvalue() if isinstance(stream, io.BytesIO) else b""
    spec["wsgi.url_scheme"] = environ.get("wsgi.url_scheme", "http")
    return spec


def environ_from_spec(spec: dict[str, Any]) -> dict[str, Any]:
    environ = make_environ()
    for key in [key for key in environ if isinstance(environ[key], str)]:
        del environ[key]
    environ.update({key: value for key, value in spec.items() if key != "body"})
    environ["wsgi.input"] = BodyInput(spec.get("body", b""))
    return environ


def _simpler(spec: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Candidates one step simpler than ``spec``, bigger steps first."""
    body = spec.get("body", b"")
    exact = spec.get("CONTENT_LENGTH") == str(len(body))

    def with_body(new_body: bytes) -> dict[str, Any]:
        candidate = {**spec, "body": new_body}
        if exact:
            candidate["CONTENT_LENGTH"] = str(len(new_body))
        return candidate

    if body:
        yield with_body(b"")
    for key in sorted(spec):
        if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            yield {k: v for k, v in spec.items() if k != key}
    if "wsgi.input_terminated" in spec:
        yield {k: v for k, v in spec.items() if k != "wsgi.input_terminated"}
    path = spec.get("PATH_INFO", "")
    if path.startswith("//"):
        yield {**spec, "PATH_INFO": "/" + path.lstrip("/")}
    query = spec.get("QUERY_STRING", "")
    if query:
        yield {**spec, "QUERY_STRING": ""}
        parts = query.split("&")
        if len(parts) > 1:
            for index in range(len(parts)):
                yield {**spec, "QUERY_STRING": "&".join(parts[:index] + parts[index + 1 :])}
    for key, plain in (
        ("REQUEST_METHOD", "GET"),
        ("SCRIPT_NAME", ""),
        ("SERVER_PROTOCOL", "HTTP/1.1"),
        ("wsgi.url_scheme", "http"),
        ("SERVER_NAME", "localhost"),
        ("SERVER_PORT", "80"),
    ):
        if spec.get(key) != plain:
            yield {**spec, key: plain}
    if len(body) > 1:
        yield with_body(body[: len(body) // 2])
        yield with_body(body[len(body) // 2 :])
    for key, value in sorted(spec.items()):
        if isinstance(value, str) and len(value) > 16 and key != "CONTENT_LENGTH":
            yield {**spec, key: value[: len(value) // 2]}


def minimize(app: Any, environ: dict[str, Any], key: str, budget: int = 300) -> dict[str, Any]:
    """A simpler environ that still shows the problem ``key`` (:attr:`Problem.key`):
    headers, query pairs and body dropped or halved one at a time while it does.
    Returns ``environ`` itself if the problem does not show again."""

    def shows(spec: dict[str, Any]) -> bool:
        result = call_and_check(app, environ_from_spec(spec))
        return any(problem.key == key for problem in result.problems)

    current = environ_spec(environ)
    if not shows(current):
        return environ
    progress = True
    while progress and budget > 0:
        progress = False
        for candidate in _simpler(current):
            budget -= 1
            if shows(candidate):
                current = candidate
                progress = True
                break
            if budget <= 0:
                break
    return environ_from_spec(current)


def request_size(environ: dict[str, Any]) -> int:
    """A rough size of a request, to keep the smallest sample of a failure."""
    stream = environ.get("wsgi.input")
    body = stream.getvalue() if isinstance(stream, io.BytesIO) else b""
    return len(body) + sum(len(v) for v in environ.values() if isinstance(v, str))
