"""Property-based fuzzing of whole WSGI calls, plus fixed regression cases.

The app and the request strategies live in ``tests/fuzz_app.py``. Every call goes
through ``wsgiref.validate.validator`` and ``call_and_check``, which fails a request
for: an exception escaping the app, a 5xx other than ``/boom``'s (or a header-echo
view's refused header, an app bug on purpose: ``HEADER_ECHO_ENDPOINTS``), CR/LF/NUL in a
response header, a ``Content-Length`` that does not match the body, a body on HEAD,
204 or 304, a WSGI violation, a request or app context left set after the body is
closed, and ``teardown_request`` not running exactly once.

The ``@given`` tests are derandomized and keep no example database, so they draw the
same requests on every run; ``bench/fuzz.py`` runs the same strategies for as many
cases as asked. Run only these tests with ``pytest -m fuzz``, or leave them out with
``-m "not fuzz"``.
"""

from __future__ import annotations

import contextvars
import functools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_app import (
    BOOM_PATH,
    ETAG_BODY,
    MAX_CONTENT_LENGTH,
    MAX_FORM_MEMORY_SIZE,
    MAX_FORM_PARTS,
    PROFILES,
    Result,
    call_and_check,
    create_app,
    describe,
    make_environ,
    signed_session_cookies,
)

pytestmark = pytest.mark.fuzz

TRUSTED_HOSTS = ["localhost", ".example.com", "127.0.0.1"]


@functools.cache
def app() -> Any:
    return create_app()


@functools.cache
def trusted_app() -> Any:
    return create_app(TRUSTED_HOSTS=TRUSTED_HOSTS)


def fuzz_settings(max_examples: int) -> Any:
    """Stable across runs (derandomized, no database); sized so the file takes ~15 s."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


def check(target: Any, environ: dict[str, Any]) -> Result:
    """Call the app; fail with the request and every problem if anything went wrong."""
    result = call_and_check(target, environ)
    if result.problems:
        report = "\n".join(str(problem) for problem in result.problems)
        raise AssertionError(f"{describe(environ)}\n-> {result.status}\n{report}")
    return result


# -- property-based ---------------------------------------------------------------
# One test per profile of fuzz_app.PROFILES; bench/fuzz.py mixes the same profiles.


@fuzz_settings(1000)
@given(PROFILES["any"])
def test_any_request(environ: dict[str, Any]) -> None:
    check(app(), environ)


@fuzz_settings(500)
@given(PROFILES["routes"])
def test_routes_converters_and_query_strings(environ: dict[str, Any]) -> None:
    check(app(), environ)


@fuzz_settings(300)
@given(PROFILES["json"])
def test_json_bodies(environ: dict[str, Any]) -> None:
    check(app(), environ)


@fuzz_settings(300)
@given(PROFILES["forms"])
def test_form_bodies(environ: dict[str, Any]) -> None:
    check(app(), environ)


@fuzz_settings(300)
@given(PROFILES["headers"])
def test_headers_and_redirects_from_the_query_string(environ: dict[str, Any]) -> None:
    check(app(), environ)


@fuzz_settings(300)
@given(PROFILES["files"], st.booleans())
def test_static_files_and_conditional_requests(environ: dict[str, Any], trusted: bool) -> None:
    check(trusted_app() if trusted else app(), environ)


@fuzz_settings(400)
@given(PROFILES["hosts"], st.booleans())
def test_host_headers(environ: dict[str, Any], trusted: bool) -> None:
    check(trusted_app() if trusted else app(), environ)


# -- the checker itself -----------------------------------------------------------


def _plain_app(
    status: str, headers: list[tuple[str, str]], body: bytes = b"x", raise_: bool = False
) -> Any:
    def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if raise_:
            raise RuntimeError("escaped on purpose")
        start_response(status, headers)
        return [body]

    return wsgi_app


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        (_plain_app("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")]), "5xx"),
        (_plain_app("200 OK", [("Content-Type", "text/plain"), ("X", "a\r\nb")]), "header"),
        (_plain_app("200 OK", [("Content-Type", "text/plain"), ("X", "a\x00b")]), "header"),
        (_plain_app("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")]), "len"),
        (_plain_app("204 NO CONTENT", [], b"body"), "body"),
        (_plain_app("200 OK", [], raise_=True), "escaped"),
        (_plain_app("200 OK", [("Content-Type", "text/plain"), ("Connection", "close")]), "wsgi"),
    ],
)
def test_checker_reports_broken_responses(target: Any, kind: str) -> None:
    result = call_and_check(target, make_environ())
    kinds = {problem.kind for problem in result.problems}
    expected = {
        "5xx": "5xx",
        "header": "header-injection",
        "len": "content-length",
        "body": "body-not-allowed",
        "escaped": "escaped-exception",
        "wsgi": "wsgi-violation",
    }[kind]
    assert expected in kinds, result.problems


def test_checker_allows_only_boom_to_fail() -> None:
    result = call_and_check(app(), make_environ("GET", BOOM_PATH))
    assert result.code == 500
    assert b"500 Internal Server Error" in result.body
    assert result.problems == []


# -- regression cases -------------------------------------------------------------


def run(environ: dict[str, Any], target: Any = None) -> Result:
    return check(target if target is not None else app(), environ)


def get(path: str, query: str = "", **kwargs: Any) -> Result:
    return run(make_environ("GET", path, query, **kwargs))


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/page", "q=%zz"),
        ("/page", "q=%"),
        ("/", "%ff=1"),
        ("/", "lang=%c3%28"),
        ("/api/items/1", "token=%zz"),
        ("/api/v2/ping", "v2=%ff"),
        ("/nowhere", "q=%zz"),
        (BOOM_PATH, "q=%zz"),
        ("/int/1", "q=\xff"),
    ],
)
def test_invalid_query_string_read_in_hooks_and_error_handlers_is_a_400(
    path: str, query: str
) -> None:
    assert get(path, query).code == 400


@pytest.mark.parametrize("path", ["/\xff", "/int/\xff", "/static/\xc3\x28", "/api/\xe2\x82"])
def test_path_that_is_not_utf8_is_a_400(path: str) -> None:
    assert get(path).code == 400


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/echo", "v=%0d%0aSet-Cookie:%20x=1"),
        ("/echo", "v=a%00b"),
        ("/echo", "v=%0a"),
        ("/tuple", "v=%0d%0aX-Injected:%201"),
        ("/mime", "m=text/html%0d%0aX-Injected:%201"),
        ("/mime", "m=text/plain%0a"),
        ("/mime", "m=text/%00"),
        ("/download/hello.txt", "as=a%0d%0aX-Injected:%201.txt"),
        ("/download/hello.txt", "as=a%03.txt"),
        ("/download/hello.txt", "as=a%09b.txt"),
        ("/cookie", "v=%0d%0aX-Injected:%201"),
        ("/cookie", "v=%1b%5b2J"),
    ],
)
def test_request_data_copied_into_response_headers(path: str, query: str) -> None:
    get(path, query)


@pytest.mark.parametrize(
    "target",
    [
        "/%0d%0aSet-Cookie:%20x=1",
        "%0d%0aLocation:%20http://evil.example",
        "/a%0ab",
        "/%00",
        "http://evil.example/%0d%0a",
        "/a%20b",
        "%D9%A1%D9%A2",
        "/caf%C3%A9",
        "http://%E2%84%80.example/",
    ],
)
@pytest.mark.parametrize("route", ["/go", "/go/307"])
def test_redirect_to_a_target_with_control_characters_or_text(route: str, target: str) -> None:
    result = get(route, f"next={target}")
    assert result.code == (302 if route == "/go" else 307)
    location = result.header("Location") or ""
    assert location.isascii()
    assert not set(location) & set("\r\n\x00 ")


@pytest.mark.parametrize(
    "target",
    ["http://[::1", "http://[", "https://[::1]x/", "http://evil.example:99999/", "//[::1/"],
)
def test_redirect_to_a_malformed_url(target: str) -> None:
    get("/go", "next=" + target.replace("[", "%5B").replace(":", "%3A"))


@pytest.mark.parametrize("depth", [1_000, 5_000, 30_000])
@pytest.mark.parametrize("path", ["/json", "/api/items", "/json/force"])
def test_deeply_nested_json_is_a_400(path: str, depth: int) -> None:
    """Too deep for this Python's parser: a 400. (Python 3.12 and newer parse deeper
    documents than 3.11; one they parse is an ordinary request, never a 5xx.)"""
    body = b"[" * depth + b"]" * depth
    result = run(make_environ("POST", path, body=body, content_type="application/json"))
    try:
        json.loads(body)
    except RecursionError:
        assert result.code == 400
    else:
        assert result.code < 500


def test_json_number_with_too_many_digits_is_a_400() -> None:
    body = b"1" * 5000
    result = run(make_environ("POST", "/json", body=body, content_type="application/json"))
    assert result.code == 400


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/data", "application/octet-stream", b"x" * (MAX_CONTENT_LENGTH + 1)),
        ("/json", "application/json", b"[" + b"1," * (MAX_CONTENT_LENGTH // 2) + b"1]"),
        ("/form", "application/x-www-form-urlencoded", b"msg=" + b"x" * MAX_CONTENT_LENGTH),
        ("/form", "application/x-www-form-urlencoded", b"msg=" + b"x" * MAX_FORM_MEMORY_SIZE),
        ("/login", "application/x-www-form-urlencoded", b"user=" + b"x" * MAX_FORM_MEMORY_SIZE),
    ],
)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_bodies_over_the_limits_are_a_413(
    path: str, content_type: str, body: bytes, chunked: bool
) -> None:
    environ = make_environ("POST", path, body=body, content_type=content_type, chunked=chunked)
    assert run(environ).code == 413


def _multipart(parts: int, boundary: str = "fuzz") -> tuple[str, bytes]:
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nv\r\n'.encode()
        for i in range(parts)
    ]
    closing = f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks) + closing


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_multipart_with_too_many_parts_is_a_413(chunked: bool) -> None:
    content_type, body = _multipart(MAX_FORM_PARTS + 1)
    environ = make_environ("POST", "/form", body=body, content_type=content_type, chunked=chunked)
    assert run(environ).code == 413


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=fuzz", b"--fuzz\r\nContent-Disposition: form-da"),
        ("multipart/form-data", _multipart(2)[1]),
        ("multipart/form-data; boundary=", _multipart(2)[1]),
        ("multipart/form-data; boundary=other", _multipart(2)[1]),
        ("multipart/form-data; boundary=" + "b" * 200, b"--" + b"b" * 200 + b"\r\n"),
    ],
)
def test_broken_multipart_bodies(content_type: str, body: bytes) -> None:
    result = run(make_environ("POST", "/form", body=body, content_type=content_type))
    assert result.code in (200, 400, 413)


@pytest.mark.parametrize("length", ["abc", "-1", "1.5", "+5", "\xb2", "9" * 30])
def test_malformed_content_length_is_a_400(length: str) -> None:
    environ = make_environ(
        "POST", "/json", body=b"{}", content_type="application/json", content_length=length
    )
    assert run(environ).code in (400, 413)


@pytest.mark.parametrize("length", ["1", "100"])
def test_content_length_that_does_not_match_the_body(length: str) -> None:
    environ = make_environ(
        "POST", "/json", body=b"[1, 2]", content_type="application/json", content_length=length
    )
    assert run(environ).code == 400


@pytest.mark.parametrize(
    "host", ["evil.example", "localhost.evil.example", "a b", "..", "a" * 256, "[::1", ""]
)
def test_untrusted_or_invalid_host_with_trusted_hosts_is_a_400(host: str) -> None:
    for path in ("/whoami", "/", "/nowhere", "/static/hello.txt"):
        result = run(make_environ("GET", path, headers={"Host": host}), trusted_app())
        assert result.code == 400, path


@pytest.mark.parametrize(
    "host",
    [
        "a b", "..", "a..b", "a" * 256, "LOCALHOST.", "localhost:abc", "[::1", "a/b",
        "localhost:99999", "\xe9xample.com", "",
    ],
)  # fmt: skip
def test_invalid_host_headers(host: str) -> None:
    for path in ("/whoami", "/", "/int/5", "/dir", "/go"):
        run(make_environ("GET", path, headers={"Host": host}))


@pytest.mark.parametrize("host", ["localhost", "www.example.com", "127.0.0.1:5000"])
def test_trusted_hosts_are_served(host: str) -> None:
    result = run(make_environ("GET", "/whoami", headers={"Host": host}), trusted_app())
    assert result.code == 200


@pytest.mark.parametrize("path", ["/stream", "/api/stream"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_streamed_response_tears_down_once(path: str, method: str) -> None:
    result = run(make_environ(method, path, "n=2&x=y"))
    assert result.code == 200
    if method == "GET":
        assert result.body.startswith(b"0:")


@pytest.mark.parametrize("path", ["/stream", "/api/stream", "/", "/static/hello.txt"])
def test_response_closed_without_being_read_tears_down(path: str) -> None:
    target = app()
    state = target.extensions["fuzz"]

    def call() -> None:
        before = state.teardowns
        iterable = target(make_environ("GET", path), lambda status, headers, exc=None: None)
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
        assert state.teardowns == before + 1
        assert [var.name for var in state.context_vars if var.get(None) is not None] == []

    contextvars.Context().run(call)


def test_static_file_head_range_and_revalidation() -> None:
    full = get("/static/hello.txt")
    assert full.code == 200
    head = run(make_environ("HEAD", "/static/hello.txt"))
    assert head.code == 200
    assert head.body == b""
    part = get("/static/hello.txt", headers={"Range": "bytes=0-4"})
    assert part.code == 206
    assert part.body == b"hello"
    etag = full.header("ETag")
    assert etag
    again = get("/static/hello.txt", headers={"If-None-Match": etag})
    assert again.code == 304
    assert again.body == b""


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"If-None-Match": '"v1"'}, 304),
        ({"If-None-Match": "*"}, 304),
        ({"Range": "bytes=0-9"}, 206),
        ({"Range": "bytes=300-"}, 416),
        ({"Range": "bytes=abc"}, 416),
        ({"If-Match": '"nope"'}, 412),
        ({"If-Modified-Since": "Sat, 01 Jan 10000 00:00:00 GMT"}, 200),
        ({"If-Range": '"v1"', "Range": "bytes=0-0"}, 206),
    ],
)
def test_conditional_requests(headers: dict[str, str], code: int) -> None:
    result = get("/etag", headers=headers)
    assert result.code == code
    if code == 206:
        assert ETAG_BODY.encode().startswith(result.body)


@pytest.mark.parametrize(
    "path",
    [
        "/files/../fuzz_app.py", "/files/..%2ffuzz_app.py", "/static/../fuzz_app.py",
        "/static/%2e%2e/fuzz_app.py", "/files/docs/../../fuzz_app.py", "/files//etc/passwd",
        "/download/../fuzz_app.py", "/files/hello.txt\x00", "/static/hello.txt/..",
    ],
)  # fmt: skip
def test_path_traversal_is_a_404(path: str) -> None:
    result = get(path)
    assert result.code in (404, 308), result.status
    assert b"create_app" not in result.body


def test_forged_session_cookie_starts_a_new_session() -> None:
    cookie = "session=eyJuIjo5OTl9.forged.signature"
    result = get("/session", headers={"Cookie": cookie})
    assert result.code == 200
    assert b'"visits":1' in result.body


def test_session_signed_with_another_key_is_ignored() -> None:
    foreign = signed_session_cookies()[len(signed_session_cookies()) // 2]
    result = get("/session", headers={"Cookie": f"session={foreign}"})
    assert b'"visits":1' in result.body


def test_signed_session_with_flashes_is_shown_and_kept() -> None:
    with_flashes = signed_session_cookies()[2]  # {"_flashes": [("message", "hello")]}
    result = get("/", headers={"Cookie": f"session={with_flashes}"})
    assert result.code == 200
    assert b'<p class="flash message">hello</p>' in result.body
    assert "session=" in (result.header("Set-Cookie") or "")


@pytest.mark.parametrize("method", ["BREW", "get", "PROPFIND", "X" * 100, ""])
def test_odd_methods(method: str) -> None:
    result = run(make_environ(method, "/"))
    assert result.code in (200, 405)


def test_relative_and_empty_paths() -> None:
    for path in ("", "page", "//page", "///evil.example/"):
        run(make_environ("GET", path))


def test_request_line_with_everything_at_once() -> None:
    headers = {
        "Host": "LOCALHOST.:8080",
        "Cookie": "session=; session=x; a",
        "Range": "bytes=0-1,0-1",
        "Accept": "text/html;q=abc",
        "Authorization": "Basic !!!",
        "If-Modified-Since": "garbage",
        "X-Forwarded-For": ",",
    }
    run(make_environ("GET", "/whoami", "a=1&a=2&b", headers=headers))
