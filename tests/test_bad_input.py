"""Bad input gets a clear 4xx answer, never a 500 and never a hang.

Every request here goes through ``wsgiref.validate.validator``, which checks the
app's side of the WSGI contract (status line, headers, body iterable, close), and is
made with a compliant environ from Werkzeug's ``EnvironBuilder``. Where the bad
input is something a compliant server never sends (a malformed ``Content-Length``),
a small middleware inside the validator puts it into the environ.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from wsgiref.validate import WSGIWarning, validator

import pytest
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder

import erlen
from erlen import Erlen, redirect, request, stream_with_context

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


@dataclass
class Result:
    status: int
    status_line: str
    headers: Headers
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def allow(self) -> set[str]:
        return {item.strip() for item in self.headers.get("Allow", "").split(",") if item}


def make_environ(path: str = "/", **kwargs: Any) -> dict[str, Any]:
    return EnvironBuilder(path, **kwargs).get_environ()


def call(app: WSGIApp, environ: dict[str, Any], *, unknown_method: bool = False) -> Result:
    """Call ``app`` through the WSGI validator; consume and close the body."""
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"] = status
        seen["headers"] = headers
        return lambda data: None

    with warnings.catch_warnings():
        warnings.simplefilter("error", WSGIWarning)
        if unknown_method:
            warnings.filterwarnings("ignore", "Unknown REQUEST_METHOD", WSGIWarning)
        result = validator(app)(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()  # type: ignore[attr-defined]
    status_line = seen["status"]
    return Result(int(status_line.split()[0]), status_line, Headers(seen["headers"]), body)


def with_environ(app: WSGIApp, **values: str) -> WSGIApp:
    """Middleware that sets environ keys a compliant server would never send."""

    def middleware(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        environ.update(values)
        return app(environ, start_response)

    return middleware


def assert_client_error(result: Result, *codes: int) -> None:
    assert 400 <= result.status < 500, (result.status_line, result.text)
    if codes:
        assert result.status in codes, (result.status_line, result.text)


def make_app() -> Erlen:
    app = Erlen(__name__)
    app.extensions["events"] = []

    def event(name: str) -> None:
        app.extensions["events"].append(name)

    @app.route("/")
    def home() -> str:
        return "home"

    @app.route("/caf\u00e9")
    def cafe() -> str:
        return "cafe"

    @app.route("/hello/<name>")
    def hello(name: str) -> str:
        event("hello")
        return f"hello {name}"

    @app.route("/q")
    def query() -> str:
        return request.args.get("q", "<none>")

    @app.route("/ignores-query")
    def ignores_query() -> str:
        return "did not look"

    @app.post("/data")
    def data() -> bytes:
        body = request.get_data()
        event("read body")
        return body

    @app.post("/form")
    def form() -> dict[str, str]:
        fields = request.form.to_dict()
        event("read form")
        return fields

    @app.post("/upload")
    def upload() -> dict[str, int]:
        fields = len(request.form) + len(request.files)
        event("read upload")
        return {"parts": fields}

    @app.post("/json")
    def json_view() -> Any:
        payload = request.get_json()
        event("read json")
        return {"got": payload}

    @app.post("/form-missing")
    def form_missing() -> str:
        return request.form["missing"]

    @app.get("/args-missing")
    def args_missing() -> str:
        return request.args["missing"]

    @app.post("/files-missing")
    def files_missing() -> str:
        return request.files["missing"].filename or ""

    return app


def events(app: Erlen) -> list[str]:
    return app.extensions["events"]  # type: ignore[no-any-return]


# --- the path ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw_path", ["/caf\xff", "/\xff\xfe", "/hello/\xff", "/hello/caf\xc3", "/static/\xe9"]
)
def test_invalid_utf8_in_path_is_a_client_error(raw_path: str) -> None:
    app = make_app()
    environ = make_environ("/")
    environ["PATH_INFO"] = raw_path  # WSGI: latin-1 characters carrying raw bytes
    result = call(app, environ)
    assert_client_error(result, 400, 404)
    assert events(app) == []


def test_invalid_utf8_in_path_is_rejected_even_by_a_catch_all_route() -> None:
    app = Erlen(__name__)
    seen: list[str] = []

    @app.route("/<path:rest>")
    def catch_all(rest: str) -> str:
        seen.append(rest)
        return rest

    environ = make_environ("/")
    environ["PATH_INFO"] = "/files/\xff\xfe.txt"
    result = call(app, environ)
    assert_client_error(result, 400, 404)
    assert seen == []


def test_valid_utf8_in_raw_path_is_routed() -> None:
    app = make_app()
    environ = make_environ("/")
    environ["PATH_INFO"] = "/caf\xc3\xa9"  # "/café" as the server hands it over
    result = call(app, environ)
    assert result.status == 200
    assert result.body == b"cafe"


# --- the query string -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["q=%zz", "q=100%", "q=%ff", "q=%e2%82", "%zz=1", "a=1&q=%g1", "q=%2"],
)
def test_malformed_query_string_is_400_when_args_are_read(query: str) -> None:
    app = make_app()
    result = call(app, make_environ("/q", query_string=query))
    assert result.status == 400, result.text
    assert "query string" in result.text.lower()


@pytest.mark.parametrize(
    ("query", "expected"),
    [("q=%e2%82%ac", "\u20ac"), ("q=a+b", "a b"), ("q=%25", "%"), ("q=", ""), ("x=1", "<none>")],
)
def test_well_formed_query_string_is_decoded(query: str, expected: str) -> None:
    app = make_app()
    result = call(app, make_environ("/q", query_string=query))
    assert result.status == 200
    assert result.text == expected


def test_malformed_query_string_is_ignored_when_args_are_not_read() -> None:
    app = make_app()
    result = call(app, make_environ("/ignores-query", query_string="q=%zz"))
    assert result.status == 200
    assert result.body == b"did not look"


def test_missing_query_argument_is_400() -> None:
    result = call(make_app(), make_environ("/args-missing"))
    assert result.status == 400


# --- methods and hosts ----------------------------------------------------------------------


def test_unknown_method_on_existing_route_is_405_with_allow() -> None:
    result = call(make_app(), make_environ("/", method="BREW"), unknown_method=True)
    assert result.status == 405
    assert result.allow == {"GET", "HEAD", "OPTIONS"}


def test_unknown_method_on_post_route_is_405_with_allow() -> None:
    result = call(make_app(), make_environ("/data", method="BREW"), unknown_method=True)
    assert result.status == 405
    assert result.allow == {"POST", "OPTIONS"}


def test_unknown_method_on_unknown_route_is_404() -> None:
    result = call(make_app(), make_environ("/nowhere", method="BREW"), unknown_method=True)
    assert result.status == 404


def test_host_not_in_trusted_hosts_is_400() -> None:
    app = make_app()
    app.config["TRUSTED_HOSTS"] = ["example.com", ".example.org"]
    result = call(app, make_environ("/", base_url="http://evil.test"))
    assert result.status == 400


@pytest.mark.parametrize("host", ["example.com", "www.example.org", "example.org"])
def test_trusted_hosts_are_served(host: str) -> None:
    app = make_app()
    app.config["TRUSTED_HOSTS"] = ["example.com", ".example.org"]
    result = call(app, make_environ("/", base_url=f"http://{host}"))
    assert result.status == 200
    assert result.body == b"home"


# --- Content-Length ---------------------------------------------------------------------------


@pytest.mark.parametrize("length", ["abc", "-5", "1.5", "0x10", "5 5"])
@pytest.mark.parametrize("path", ["/data", "/form"])
def test_malformed_content_length_is_400(length: str, path: str) -> None:
    app = make_app()
    environ = make_environ(
        path,
        method="POST",
        data=b"a=1&b=2",
        content_type="application/x-www-form-urlencoded",
    )
    result = call(with_environ(app, CONTENT_LENGTH=length), environ)
    assert result.status == 400, result.text
    assert "content-length" in result.text.lower()
    assert events(app) == []


def test_content_length_longer_than_the_body_is_400_not_a_hang() -> None:
    app = make_app()
    environ = make_environ("/data", method="POST", data=b"short")
    environ["CONTENT_LENGTH"] = "1000"
    result = call(app, environ)
    assert result.status == 400
    assert events(app) == []


# --- size limits --------------------------------------------------------------------------------


def body_environ(path: str, body: bytes, **kwargs: Any) -> tuple[dict[str, Any], io.BytesIO]:
    environ = make_environ(path, method="POST", data=body, **kwargs)
    stream = environ["wsgi.input"]
    assert isinstance(stream, io.BytesIO)
    return environ, stream


def test_body_over_max_content_length_is_413_and_not_read() -> None:
    app = make_app()
    app.config["MAX_CONTENT_LENGTH"] = 16
    environ, stream = body_environ("/data", b"x" * 100)
    result = call(app, environ)
    assert result.status == 413
    assert events(app) == []
    assert stream.tell() == 0


def test_form_over_max_content_length_is_413_and_not_read() -> None:
    app = make_app()
    app.config["MAX_CONTENT_LENGTH"] = 16
    environ, stream = body_environ(
        "/form", b"a=" + b"x" * 100, content_type="application/x-www-form-urlencoded"
    )
    result = call(app, environ)
    assert result.status == 413
    assert events(app) == []
    assert stream.tell() == 0


def test_body_within_max_content_length_is_read() -> None:
    app = make_app()
    app.config["MAX_CONTENT_LENGTH"] = 16
    result = call(app, make_environ("/data", method="POST", data=b"x" * 16))
    assert result.status == 200
    assert result.body == b"x" * 16


def test_per_request_max_content_length_lowers_the_limit() -> None:
    app = make_app()

    @app.before_request
    def tighten() -> None:
        request.max_content_length = 8

    environ, stream = body_environ("/data", b"x" * 100)
    result = call(app, environ)
    assert result.status == 413
    assert events(app) == []
    assert stream.tell() == 0


def test_per_request_max_content_length_raises_the_limit() -> None:
    app = make_app()
    app.config["MAX_CONTENT_LENGTH"] = 8

    @app.before_request
    def loosen() -> None:
        request.max_content_length = 1000

    result = call(app, make_environ("/data", method="POST", data=b"y" * 100))
    assert result.status == 200
    assert result.body == b"y" * 100


def test_urlencoded_form_over_max_form_memory_size_is_413() -> None:
    app = make_app()
    app.config["MAX_FORM_MEMORY_SIZE"] = 100
    environ = make_environ(
        "/form",
        method="POST",
        data=b"a=" + b"x" * 500,
        content_type="application/x-www-form-urlencoded",
    )
    result = call(app, environ)
    assert result.status == 413
    assert events(app) == []


def test_multipart_field_over_max_form_memory_size_is_413() -> None:
    app = make_app()
    app.config["MAX_FORM_MEMORY_SIZE"] = 100
    environ = make_environ(
        "/upload", method="POST", data={"big": "x" * 500}, content_type="multipart/form-data"
    )
    result = call(app, environ)
    assert result.status == 413
    assert events(app) == []


def test_urlencoded_form_within_max_form_memory_size_is_parsed() -> None:
    app = make_app()
    app.config["MAX_FORM_MEMORY_SIZE"] = 100
    environ = make_environ(
        "/form", method="POST", data=b"a=1&b=2", content_type="application/x-www-form-urlencoded"
    )
    result = call(app, environ)
    assert result.status == 200
    assert erlen.json.loads(result.body) == {"a": "1", "b": "2"}


def test_multipart_with_more_parts_than_max_form_parts_is_413() -> None:
    app = make_app()
    app.config["MAX_FORM_PARTS"] = 3
    fields = {f"f{i}": str(i) for i in range(6)}
    environ = make_environ(
        "/upload", method="POST", data=fields, content_type="multipart/form-data"
    )
    result = call(app, environ)
    assert result.status == 413
    assert events(app) == []


def test_multipart_within_max_form_parts_is_parsed() -> None:
    app = make_app()
    app.config["MAX_FORM_PARTS"] = 3
    fields: dict[str, Any] = {"a": "1", "f": (io.BytesIO(b"file body"), "f.txt")}
    environ = make_environ(
        "/upload", method="POST", data=fields, content_type="multipart/form-data"
    )
    result = call(app, environ)
    assert result.status == 200
    assert erlen.json.loads(result.body) == {"parts": 2}


# --- bodies the view cannot use -------------------------------------------------------------------


@pytest.mark.parametrize("body", [b'{"a": ', b"{bad json}", b"", b"[1, 2,]", b"\xff\xfe{"])
def test_invalid_json_body_is_400_mentioning_json(body: bytes) -> None:
    app = make_app()
    environ = make_environ("/json", method="POST", data=body, content_type="application/json")
    result = call(app, environ)
    assert result.status == 400, result.text
    assert "json" in result.text.lower()
    assert events(app) == []


def test_json_view_with_non_json_content_type_is_415() -> None:
    app = make_app()
    environ = make_environ("/json", method="POST", data=b'{"a": 1}', content_type="text/plain")
    result = call(app, environ)
    assert result.status == 415
    assert events(app) == []


def test_valid_json_body_is_read() -> None:
    app = make_app()
    environ = make_environ(
        "/json", method="POST", data=b'{"a": [1]}', content_type="application/json"
    )
    result = call(app, environ)
    assert result.status == 200
    assert erlen.json.loads(result.body) == {"got": {"a": [1]}}


def test_missing_form_field_is_400() -> None:
    app = make_app()
    environ = make_environ(
        "/form-missing",
        method="POST",
        data=b"present=1",
        content_type="application/x-www-form-urlencoded",
    )
    result = call(app, environ)
    assert result.status == 400
    assert "Bad Request" in result.text


def test_missing_form_field_without_a_body_is_400() -> None:
    result = call(make_app(), make_environ("/form-missing", method="POST"))
    assert result.status == 400


def test_missing_file_is_400() -> None:
    app = make_app()
    environ = make_environ(
        "/files-missing", method="POST", data={"a": "1"}, content_type="multipart/form-data"
    )
    result = call(app, environ)
    assert result.status == 400


# --- ordinary traffic passes the WSGI validator too ------------------------------------------


def make_normal_app(root: Path) -> Erlen:
    (root / "static").mkdir(exist_ok=True)
    (root / "static" / "note.txt").write_bytes(b"0123456789abcdef")
    app = Erlen(__name__, root_path=str(root))

    @app.route("/text")
    def text() -> str:
        return "hello"

    @app.route("/json")
    def json_view() -> dict[str, Any]:
        return {"ok": True, "items": [1, 2]}

    @app.route("/stream")
    def stream() -> Any:
        @stream_with_context
        def generate() -> Iterable[str]:
            yield "a"
            yield request.args.get("x", "b")
            yield "c"

        return generate()

    @app.route("/nocontent", methods=["GET", "DELETE"])
    def nocontent() -> tuple[str, int]:
        return "", 204

    @app.route("/go")
    def go() -> Any:
        return redirect("/text")

    @app.route("/dir/")
    def directory() -> str:
        return "dir"

    @app.post("/form")
    def form() -> dict[str, str]:
        return request.form.to_dict()

    return app


#: (name, builder arguments, expected status, expected body or None to skip)
NORMAL_REQUESTS: list[tuple[str, dict[str, Any], int, bytes | None]] = [
    ("text", {"path": "/text"}, 200, b"hello"),
    ("json", {"path": "/json"}, 200, b'{"items":[1,2],"ok":true}\n'),
    ("streamed", {"path": "/stream", "query_string": "x=B"}, 200, b"aBc"),
    ("head", {"path": "/text", "method": "HEAD"}, 200, b""),
    ("head-streamed", {"path": "/stream", "method": "HEAD"}, 200, b""),
    ("no-content", {"path": "/nocontent"}, 204, b""),
    ("no-content-delete", {"path": "/nocontent", "method": "DELETE"}, 204, b""),
    ("static-file", {"path": "/static/note.txt"}, 200, b"0123456789abcdef"),
    ("static-range", {"path": "/static/note.txt", "headers": {"Range": "bytes=2-5"}}, 206, b"2345"),
    ("not-modified", {"path": "/static/note.txt"}, 304, b""),
    ("redirect", {"path": "/go"}, 302, None),
    ("slash-redirect", {"path": "/dir"}, 308, None),
    ("not-found", {"path": "/missing"}, 404, None),
    ("method-not-allowed", {"path": "/text", "method": "POST"}, 405, None),
    ("options", {"path": "/text", "method": "OPTIONS"}, 200, b""),
    (
        "form-post",
        {"path": "/form", "method": "POST", "data": {"a": "1"}},
        200,
        b'{"a":"1"}\n',
    ),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "status", "body"), NORMAL_REQUESTS, ids=[r[0] for r in NORMAL_REQUESTS]
)
def test_normal_requests_pass_the_wsgi_validator(
    tmp_path: Path, name: str, kwargs: dict[str, Any], status: int, body: bytes | None
) -> None:
    app = make_normal_app(tmp_path)
    kwargs = dict(kwargs)
    if name == "not-modified":
        first = call(app, make_environ("/static/note.txt"))
        etag = first.headers["ETag"]
        kwargs["headers"] = {"If-None-Match": etag}
    result = call(app, make_environ(**kwargs))
    assert result.status == status, (result.status_line, result.text)
    if body is not None:
        assert result.body == body
    if status in (302, 308):
        assert result.headers["Location"].endswith(("/text", "/dir/"))
    if status == 405 or name == "options":
        assert result.allow == {"GET", "HEAD", "OPTIONS"}
    if name.startswith("head"):
        assert result.headers["Content-Type"].startswith("text/html")
