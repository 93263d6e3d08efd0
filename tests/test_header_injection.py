"""No header name or value with CR, LF, NUL or another control character reaches
the server, whatever built the response; a redirect to a target from the request
is made safe instead of failing.

A view that copies request data into a header unchecked is a programming error:
the client gets a 500, the log names the header, and the response is never split.
Each case runs through both of erlen's adapters (the inlined cycle and the general
one), since they build responses differently.
"""

from __future__ import annotations

import http.client
import logging
import typing as t
from urllib.parse import urlsplit

import pytest
from werkzeug.test import EnvironBuilder

from dev_server import serving
from erlen import Erlen, Response, make_response, redirect, request
from erlen._headers import (
    UnsafeHeaderError,
    check_header_list,
    name_refused_header,
    quote_location,
)
from wsgi_call import call_wsgi

INJECTION = "text/html\r\nSet-Cookie: evil=1"

Answer = tuple[str, list[tuple[str, str]], bytes]


def call(app: Erlen, path: str, *, general: bool = False) -> Answer:
    """One WSGI call, through the inlined cycle or forced through the general one."""
    if general:
        app._inline_cycle = False
    try:
        return call_wsgi(app, EnvironBuilder(path=path).get_environ())
    finally:
        app._inline_cycle = None


def assert_no_unsafe_header(headers: list[tuple[str, str]]) -> None:
    for name, value in headers:
        for char in "\r\n\x00":
            assert char not in name and char not in value, (name, value)
    assert not any(name.lower() == "set-cookie" and "evil" in value for name, value in headers)


def injecting_views(app: Erlen) -> None:
    """One view per way of putting a request value into a header."""

    @app.route("/mimetype")
    def by_mimetype() -> Response:
        return Response("hi", mimetype=request.args["v"])

    @app.route("/content-type")
    def by_content_type() -> Response:
        return Response("hi", content_type=request.args["v"])

    @app.route("/mimetype-attribute")
    def by_mimetype_attribute() -> Response:
        response = Response("hi")
        response.mimetype = request.args["v"]
        return response

    @app.route("/constructor-headers")
    def by_constructor_headers() -> Response:
        return Response("hi", headers={"X-Echo": request.args["v"]})

    @app.route("/setitem")
    def by_setitem() -> Response:
        response = Response("hi")
        response.headers["X-Echo"] = request.args["v"]
        return response

    @app.route("/extend")
    def by_extend() -> Response:
        response = Response("hi")
        response.headers.extend([("X-Echo", request.args["v"])])
        return response

    @app.route("/header-name")
    def by_header_name() -> Response:
        response = Response("hi")
        response.headers.add(request.args["v"], "1")
        return response

    @app.route("/raw-list")
    def by_raw_list() -> Response:
        response = Response("hi")
        response.headers._list.append(("X-Echo", request.args["v"]))
        return response

    @app.route("/tuple-value")
    def by_tuple_value() -> t.Any:
        return "hi", {"X-Echo": request.args["v"]}

    @app.route("/tuple-name")
    def by_tuple_name() -> t.Any:
        return "hi", 200, [(request.args["v"], "1")]

    @app.route("/make-response")
    def by_make_response() -> Response:
        response = make_response("hi")
        response.headers["X-Echo"] = request.args["v"]
        return response

    @app.route("/cookie-name")
    def by_cookie_name() -> Response:
        response = Response("hi")
        response.set_cookie(request.args["v"], "1")
        return response

    @app.route("/streamed")
    def by_streamed_response() -> Response:
        response = Response(iter([b"a", b"b"]), mimetype="text/plain")
        response.headers._list.append(("X-Echo", request.args["v"]))
        return response

    @app.route("/hooked")
    def hooked() -> str:
        return "hi"

    @app.after_request
    def echo_in_hook(response: Response) -> Response:
        if request.path == "/hooked":
            response.headers._list.append(("X-Hook", request.args["v"]))
        return response


VIEWS = [
    "/mimetype",
    "/content-type",
    "/mimetype-attribute",
    "/constructor-headers",
    "/setitem",
    "/extend",
    "/header-name",
    "/raw-list",
    "/tuple-value",
    "/tuple-name",
    "/make-response",
    "/cookie-name",
    "/streamed",
    "/hooked",
]
VALUES = [INJECTION, "a\nb", "a\rb", "a\x00b", "x\x0bSet-Cookie: evil=1"]


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    injecting_views(app)
    return app


@pytest.mark.parametrize("general", [False, True], ids=["inlined", "general"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("path", VIEWS)
def test_control_character_in_a_header_is_a_500_never_a_split_response(
    app: Erlen, path: str, value: str, general: bool
) -> None:
    from urllib.parse import quote

    status, headers, _ = call(app, f"{path}?v={quote(value)}", general=general)
    assert status == "500 INTERNAL SERVER ERROR"
    assert_no_unsafe_header(headers)


@pytest.mark.parametrize("path", VIEWS)
def test_safe_values_pass_through_every_path(app: Erlen, path: str) -> None:
    value = "X-Fine" if path in {"/header-name", "/tuple-name", "/cookie-name"} else "text/plain"
    status, _, body = call(app, f"{path}?v={value}")
    assert status == "200 OK"
    assert body in {b"hi", b"ab"}


def test_the_log_line_names_the_header(app: Erlen, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        status, _, _ = call(app, "/setitem?v=a%00b")
    assert status.startswith("500")
    assert "X-Echo" in caplog.text
    assert "UnsafeHeaderError" in caplog.text


@pytest.mark.parametrize("path", ["/tuple-value", "/tuple-name"])
@pytest.mark.parametrize("value", ["a%0d%0ab", "a%0ab", "a%0db"])
def test_a_line_break_werkzeug_refuses_is_logged_with_the_headers_name(
    app: Erlen, caplog: pytest.LogCaptureFixture, path: str, value: str
) -> None:
    with caplog.at_level(logging.ERROR):
        status, _, _ = call(app, f"{path}?v={value}")
    assert status.startswith("500")
    assert "UnsafeHeaderError" in caplog.text
    if path == "/tuple-value":  # (a name is checked by erlen before Werkzeug sees it)
        assert "'X-Echo'" in caplog.text and "line break" in caplog.text


def test_an_error_from_clean_headers_is_raised_as_it_was() -> None:
    error = ValueError("something else")
    with pytest.raises(ValueError) as caught:
        name_refused_header({"X-Fine": "1", "X-Number": 2}, error)
    assert caught.value is error
    with pytest.raises(UnsafeHeaderError, match=r"'X-Bad'.*line break"):
        name_refused_header([("X-Fine", "1"), ("X-Bad", "a\nb")], error)


def test_in_testing_mode_the_error_reaches_the_test(app: Erlen) -> None:
    app.testing = True
    with pytest.raises(UnsafeHeaderError, match="X-Echo"):
        app.test_client().get("/raw-list?v=a%0d%0ab")


def test_the_apps_500_handler_answers_an_unsafe_header(app: Erlen) -> None:
    @app.errorhandler(500)
    def server_error(e: Exception) -> tuple[str, int]:
        return f"handled: {type(e.original_exception).__name__}", 500  # type: ignore[attr-defined]

    status, headers, body = call(app, "/raw-list?v=a%0d%0ab")
    assert status.startswith("500")
    assert body == b"handled: UnsafeHeaderError"
    assert_no_unsafe_header(headers)


def test_an_unsafe_500_handler_falls_back_to_a_plain_500(app: Erlen) -> None:
    @app.errorhandler(500)
    def server_error(e: Exception) -> Response:
        response = Response("oops", 500)
        response.headers._list.append(("X-Again", request.args["v"]))
        return response

    status, headers, body = call(app, "/raw-list?v=a%0d%0ab")
    assert status.startswith("500")
    assert b"Internal Server Error" in body
    assert_no_unsafe_header(headers)


@pytest.mark.parametrize("general", [False, True], ids=["inlined", "general"])
@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/a%0d%0aSet-Cookie:evil=1", "/a%0D%0ASet-Cookie:evil=1"),
        ("/a%00b", "/a%00b"),
        ("/next%09page", "/next%09page"),
        ("https://example.com/ok?x=1", "https://example.com/ok?x=1"),
        ("/caf%C3%A9 menu", "/caf%C3%A9%20menu"),
    ],
)
def test_redirect_to_a_target_from_the_request_is_encoded(
    app: Erlen, target: str, location: str, general: bool
) -> None:
    @app.route("/go")
    def go() -> t.Any:
        return redirect(request.args["next"])

    status, headers, body = call(app, f"/go?next={target}", general=general)
    assert status == "302 FOUND"
    assert dict(headers)["Location"] == location
    assert_no_unsafe_header(headers)
    assert b"\r" not in body and b"\x00" not in body


def test_redirect_outside_an_app_context_is_encoded_too() -> None:
    response = redirect("/x\r\nSet-Cookie: evil=1")
    assert response.headers["Location"] == "/x%0D%0ASet-Cookie: evil=1"


def test_check_header_list_names_what_is_wrong() -> None:
    check_header_list([("Content-Type", "text/plain"), ("X-Tab", "a\tb"), ("X-Latin", "caf\xe9")])
    with pytest.raises(UnsafeHeaderError, match="not a valid header name"):
        check_header_list([("Bad Name", "v")])
    with pytest.raises(UnsafeHeaderError, match=r"'\\x7f'"):
        check_header_list([("X-Del", "a\x7f")])
    with pytest.raises(UnsafeHeaderError, match="not a str"):
        check_header_list([("X-Int", 5)])  # type: ignore[list-item]
    with pytest.raises(UnsafeHeaderError, match="'€'"):
        check_header_list([("X-Euro", "5 €")])


def test_quote_location_leaves_clean_targets_alone() -> None:
    for clean in ["/", "/a b", "https://x.test/p?q=1#f", "/ünï"]:
        assert quote_location(clean) == clean
    assert quote_location("/\x7f\x1f") == "/%7F%1F"


def raw_get(port: int, path: str) -> tuple[int, list[tuple[str, str]]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheaders()
    finally:
        connection.close()


@pytest.mark.server
@pytest.mark.parametrize("path", ["/mimetype", "/setitem", "/header-name", "/hooked"])
def test_a_real_server_never_sends_an_injected_header(app: Erlen, path: str) -> None:
    with serving(app) as port:
        status, headers = raw_get(port, f"{path}?v=text/html%0d%0aSet-Cookie:%20evil=1")
        assert status == 500
        assert_no_unsafe_header(headers)
        assert raw_get(port, "/hooked?v=fine")[0] == 200


@pytest.mark.parametrize("general", [False, True], ids=["inlined", "general"])
@pytest.mark.parametrize(
    "status", ["200 OK%0D%0ASet-Cookie:%20evil=1", "200 OK%0AX:%201", "404 A%00B"]
)
def test_status_line_from_the_request_is_a_500_never_a_split_response(
    app: Erlen, status: str, general: bool
) -> None:
    @app.route("/status")
    def by_status() -> t.Any:
        return "x", request.args["s"]

    @app.route("/streamed-status")
    def by_streamed_status() -> Response:
        response = Response(iter([b"x"]))
        response.status = request.args["s"]
        return response

    for path in ["/status", "/streamed-status"]:
        seen_status, headers, _ = call(app, f"{path}?s={status}", general=general)
        assert seen_status == "500 INTERNAL SERVER ERROR"
        assert_no_unsafe_header(headers)


@pytest.mark.parametrize("general", [False, True], ids=["inlined", "general"])
@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/%D9%A1%D9%A2", "/%D9%A1%D9%A2"),
        ("/%E6%97%A5%E6%9C%AC?q=%E2%80%A8", "/%E6%97%A5%E6%9C%AC?q=%E2%80%A8"),
        ("http://%E2%84%80.example/", None),
        ("http://[::1", "http%3A//%5B%3A%3A1"),
        ("http://evil.example:99999/", "http%3A//evil.example%3A99999/"),
        ("//[::1/", "/%2F%5B%3A%3A1/"),
        ("http://.example", "http%3A//.example"),
    ],
)
def test_redirect_to_text_or_a_malformed_url_still_redirects(
    app: Erlen, target: str, location: str | None, general: bool
) -> None:
    """Werkzeug turns text into a URI when it sends a Location; one it cannot parse
    becomes a relative path on this site, not an error while the response is sent."""

    @app.route("/go")
    def go() -> t.Any:
        return redirect(request.args["next"])

    status, headers, _ = call(app, f"/go?next={target}", general=general)
    assert status == "302 FOUND"
    sent = dict(headers)["Location"]
    assert sent.isascii() and sent.isprintable()
    if location is not None:
        assert sent == location
    assert_no_unsafe_header(headers)
    if "%3A" in sent[:8]:
        assert urlsplit(sent).netloc == ""  # no longer leaves the site


def test_a_location_header_that_is_no_url_is_a_500_not_an_escaped_error(app: Erlen) -> None:
    @app.route("/bad-location")
    def bad_location() -> Response:
        response = Response("moved", 301)
        response.headers["Location"] = "http://[::1"
        return response

    status, headers, _ = call(app, "/bad-location")
    assert status.startswith("500")
    assert_no_unsafe_header(headers)


@pytest.mark.parametrize("general", [False, True], ids=["inlined", "general"])
def test_headers_assigned_as_a_list_or_dict_are_sent(app: Erlen, general: bool) -> None:
    @app.route("/list")
    def as_list() -> Response:
        response = Response(iter([b"x"]))
        response.headers = [("X-A", "b")]  # type: ignore[assignment]
        return response

    @app.route("/dict")
    def as_dict() -> Response:
        response = Response("x")
        response.headers = {"X-A": "b"}  # type: ignore[assignment]
        return response

    @app.route("/bad-list")
    def as_bad_list() -> Response:
        response = Response("x")
        response.headers = [("X-A", request.args["v"])]  # type: ignore[assignment]
        return response

    for path in ["/list", "/dict"]:
        status, headers, _ = call(app, path, general=general)
        assert status == "200 OK"
        assert ("X-A", "b") in headers
    status, headers, _ = call(app, "/bad-list?v=a%0d%0ab", general=general)
    assert status.startswith("500")
    assert_no_unsafe_header(headers)


@pytest.mark.parametrize("name", ["a%0d%0aX-Injected:%201.txt", "a%03.txt", "a%09b.txt"])
def test_send_file_drops_control_characters_from_a_download_name(name: str) -> None:
    app = Erlen(__name__)

    @app.route("/download")
    def download() -> Response:
        import io

        from erlen import send_file

        return send_file(io.BytesIO(b"data"), download_name=request.args["as"])

    status, headers, body = call(app, f"/download?as={name}")
    assert status == "200 OK"
    assert body == b"data"
    assert_no_unsafe_header(headers)
    disposition = dict(headers)["Content-Disposition"]
    assert "filename=" in disposition
