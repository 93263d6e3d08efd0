"""Body limits hold for chunked request bodies, whose length is not known up front.

A chunked body reaches the app with no ``CONTENT_LENGTH``, a
``Transfer-Encoding: chunked`` header and ``wsgi.input_terminated`` set (as gunicorn,
granian and Werkzeug's development server pass it). ``MAX_CONTENT_LENGTH`` can only
be checked while such a body is read: a body over it must be a 413 wherever it is
read, never a body quietly cut to the limit. ``MAX_FORM_MEMORY_SIZE`` holds a
chunked urlencoded form the same way.
"""

from __future__ import annotations

import http.client
import io
import json
import string
import typing as t
from dataclasses import dataclass

import pytest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import EnvironBuilder

from dev_server import serving
from erlen import Erlen, request
from wsgi_call import call_wsgi

#: Long enough to need more than one read of Werkzeug's 64 KiB, and not one letter
#: repeated, so a body cut short or reordered cannot pass for the whole one.
TEXT = (string.ascii_letters * 1400)[:70_001]
URLENCODED = "application/x-www-form-urlencoded"


class Dechunked(io.RawIOBase):
    """A terminated body stream that hands out at most ``piece`` bytes per read, as a
    server's de-chunking reader does; reading past the end gives ``b""``."""

    def __init__(self, data: bytes, piece: int = 4096) -> None:
        self._data = io.BytesIO(data)
        self._piece = piece

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        size = min(len(buffer), self._piece)
        chunk = self._data.read(size)
        buffer[: len(chunk)] = chunk
        return len(chunk)


@dataclass(frozen=True)
class Body:
    """A request body, where to send it, and what the view echoes when it read it all."""

    path: str
    content_type: str
    payload: bytes
    echo: bytes


def encoded(**builder_args: t.Any) -> tuple[str, bytes]:
    """Content type and bytes of a body as Werkzeug's test tools encode it."""
    environ = EnvironBuilder(method="POST", **builder_args).get_environ()
    return environ["CONTENT_TYPE"], environ["wsgi.input"].read()


def bodies() -> dict[str, Body]:
    multipart_type, multipart = encoded(data={"text": TEXT})
    upload_type, upload = encoded(data={"upload": (io.BytesIO(TEXT.encode()), "text.txt")})
    raw = TEXT.encode()
    return {
        "get_data": Body("/get-data", "application/octet-stream", raw, raw),
        "data": Body("/data", "application/octet-stream", raw, raw),
        "stream": Body("/stream", "application/octet-stream", raw, raw),
        "get_json": Body("/json", "application/json", json.dumps({"text": TEXT}).encode(), raw),
        "form urlencoded": Body("/form", URLENCODED, b"text=" + raw, raw),
        "form multipart": Body("/form", multipart_type, multipart, raw),
        "files": Body("/upload", upload_type, upload, raw),
    }


BODIES = bodies()


def make_app(max_content_length: int | None = None) -> Erlen:
    app = Erlen(__name__)
    app.config["MAX_CONTENT_LENGTH"] = max_content_length

    @app.post("/get-data")
    def get_data() -> bytes:
        return request.get_data()

    @app.post("/data")
    def data() -> bytes:
        return request.data

    @app.post("/stream")
    def stream() -> bytes:
        return request.stream.read()

    @app.post("/json")
    def json_view() -> str:
        return request.get_json()["text"]  # type: ignore[no-any-return]

    @app.post("/form")
    def form() -> str:
        return request.form["text"]

    @app.post("/upload")
    def upload() -> bytes:
        return request.files["upload"].read()

    return app


def chunked_environ(path: str, payload: bytes, content_type: str) -> dict[str, t.Any]:
    """A POST environ as a server passes a chunked body: no length, input terminated."""
    environ = EnvironBuilder(
        path, method="POST", content_type=content_type, input_stream=io.BytesIO(payload)
    ).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    environ["wsgi.input"] = Dechunked(payload)
    environ["wsgi.input_terminated"] = True
    return environ


def call(app: Erlen, environ: dict[str, t.Any]) -> tuple[int, bytes]:
    """Status code and body of one WSGI call."""
    status, _, body = call_wsgi(app, environ)
    return int(status.split()[0]), body


# --- MAX_CONTENT_LENGTH ------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_chunked_body_over_max_content_length_is_413(kind: str) -> None:
    """One byte over the limit: a 413, never the body cut to the limit."""
    body = BODIES[kind]
    app = make_app(max_content_length=len(body.payload) - 1)
    status, answer = call(app, chunked_environ(body.path, body.payload, body.content_type))
    assert status == 413, answer[:300]
    assert TEXT[:50].encode() not in answer


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize("room", [0, 1, 10_000], ids=["at-limit", "1-under", "far-under"])
def test_chunked_body_within_max_content_length_is_read_whole(kind: str, room: int) -> None:
    body = BODIES[kind]
    app = make_app(max_content_length=len(body.payload) + room)
    status, answer = call(app, chunked_environ(body.path, body.payload, body.content_type))
    assert status == 200, answer[:300]
    assert answer == body.echo


def test_chunked_413_names_the_setting() -> None:
    app = make_app(max_content_length=100)
    status, answer = call(app, chunked_environ("/get-data", b"x" * 101, "text/plain"))
    assert status == 413
    assert b"MAX_CONTENT_LENGTH" in answer


def test_chunked_body_read_in_pieces_ends_in_413_before_a_byte_past_the_limit() -> None:
    """A view reading the stream in small pieces gets a 413, and never a byte past the
    limit handed to it as if it were the end of the body."""
    app = make_app(max_content_length=10)
    got: list[bytes] = []

    @app.post("/pieces")
    def pieces() -> str:
        try:
            while True:
                piece = request.stream.read(4)
                if not piece:
                    return "whole"
                got.append(piece)
        except RequestEntityTooLarge:
            return "too large"

    status, answer = call(app, chunked_environ("/pieces", b"0123456789A", "text/plain"))
    assert (status, answer) == (200, b"too large")
    assert b"0123456789".startswith(b"".join(got))


def test_chunked_body_without_a_limit_is_read_whole() -> None:
    app = make_app(max_content_length=None)
    body = BODIES["get_data"]
    status, answer = call(app, chunked_environ(body.path, body.payload, body.content_type))
    assert (status, answer) == (200, body.echo)


# --- MAX_FORM_MEMORY_SIZE --------------------------------------------------------------


def form_environ(size: int, chunked: bool) -> dict[str, t.Any]:
    payload = b"text=" + b"v" * (size - 5)
    if chunked:
        return chunked_environ("/form", payload, URLENCODED)
    return EnvironBuilder(
        "/form", method="POST", content_type=URLENCODED, input_stream=io.BytesIO(payload)
    ).get_environ()


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_urlencoded_form_over_max_form_memory_size_is_413(chunked: bool) -> None:
    app = make_app()
    app.config["MAX_FORM_MEMORY_SIZE"] = 1000
    status, answer = call(app, form_environ(1001, chunked))
    assert status == 413
    assert b"MAX_FORM_MEMORY_SIZE" in answer


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
@pytest.mark.parametrize("size", [1000, 999, 10])
def test_urlencoded_form_within_max_form_memory_size_parses(chunked: bool, size: int) -> None:
    app = make_app()
    app.config["MAX_FORM_MEMORY_SIZE"] = 1000
    status, answer = call(app, form_environ(size, chunked))
    assert (status, answer) == (200, b"v" * (size - 5))


def test_chunked_form_is_held_to_the_smaller_of_the_two_limits() -> None:
    app = make_app(max_content_length=5000)
    app.config["MAX_FORM_MEMORY_SIZE"] = 1000
    status, answer = call(app, form_environ(2000, chunked=True))
    assert status == 413
    assert b"MAX_FORM_MEMORY_SIZE" in answer


# --- after a form error --------------------------------------------------------------------


FORM_ERRORS = {
    "chunked over MAX_CONTENT_LENGTH": (
        {"MAX_CONTENT_LENGTH": 100},
        lambda: chunked_environ("/form", b"text=" + b"v" * 200, URLENCODED),
    ),
    "chunked over MAX_FORM_MEMORY_SIZE": (
        {"MAX_FORM_MEMORY_SIZE": 100},
        lambda: form_environ(200, chunked=True),
    ),
    "content-length over MAX_FORM_MEMORY_SIZE": (
        {"MAX_FORM_MEMORY_SIZE": 100},
        lambda: form_environ(200, chunked=False),
    ),
    "chunked multipart over MAX_CONTENT_LENGTH": (
        {"MAX_CONTENT_LENGTH": 100},
        lambda: chunked_environ("/form", *reversed(encoded(data={"text": TEXT}))),
    ),
}


@pytest.mark.parametrize("case", sorted(FORM_ERRORS))
def test_error_handler_reading_the_form_again_finds_it_empty(case: str) -> None:
    settings, environ = FORM_ERRORS[case]
    app = make_app()
    app.config.update(settings)

    @app.errorhandler(413)
    def too_large(error: Exception) -> tuple[dict[str, t.Any], int]:
        return {"form": request.form.to_dict(), "files": list(request.files)}, 413

    status, answer = call(app, environ())
    assert status == 413, answer[:300]
    assert json.loads(answer) == {"form": {}, "files": []}


def test_view_reading_the_form_again_after_the_error_finds_it_empty() -> None:
    app = make_app()
    app.config["MAX_FORM_MEMORY_SIZE"] = 100

    @app.post("/twice")
    def twice() -> dict[str, t.Any]:
        with pytest.raises(RequestEntityTooLarge):
            request.form  # noqa: B018
        return {"again": request.form.to_dict()}

    environ = chunked_environ("/twice", b"text=" + b"v" * 200, URLENCODED)
    status, answer = call(app, environ)
    assert status == 200, answer[:300]
    assert json.loads(answer) == {"again": {}}


# --- through a real server -----------------------------------------------------------------


def post_chunked(port: int, path: str, chunks: list[bytes]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(
            "POST",
            path,
            body=iter(chunks),
            headers={"Content-Type": "application/octet-stream"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.server
def test_dev_server_chunked_body_over_the_limit_is_413_and_under_it_is_echoed() -> None:
    app = make_app(max_content_length=1000)
    with serving(app) as port:
        status, answer = post_chunked(port, "/get-data", [b"a" * 400, b"b" * 400, b"c" * 201])
        assert status == 413
        assert b"MAX_CONTENT_LENGTH" in answer

        chunks = [b"a" * 400, b"b" * 400, b"c" * 200]
        assert post_chunked(port, "/get-data", chunks) == (200, b"".join(chunks))
        assert post_chunked(port, "/stream", chunks[:2]) == (200, b"".join(chunks[:2]))


def raw_request(port: int, head: bytes, body: bytes) -> int:
    """Send a hand-written request (for malformed chunked encodings); its status code."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


@pytest.mark.server
@pytest.mark.parametrize("limit", [None, 1000])
@pytest.mark.parametrize(
    "body",
    [b"zz\r\nabc\r\n0\r\n\r\n", b"3\r\nabcXX0\r\n\r\n", b"5\r\nab"],
    ids=["chunk size not hex", "no CRLF after a chunk", "cut short"],
)
def test_malformed_chunked_body_is_400_with_or_without_a_limit(
    limit: int | None, body: bytes
) -> None:
    app = make_app(max_content_length=limit)
    head = (
        b"POST /get-data HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    with serving(app) as port:
        assert raw_request(port, head, body) == 400


def test_handler_reading_the_body_again_after_a_413_gets_the_413_not_a_500() -> None:
    app = make_app(max_content_length=100)

    @app.errorhandler(413)
    def too_large(e: Exception) -> tuple[str, int]:
        return f"too large; again={request.get_data()!r}", 413

    environ = chunked_environ("/get-data", b"x" * 500, "application/octet-stream")
    status, answer = call(app, environ)
    # The handler read the body again and got the 413 again: that is the answer.
    assert status == 413
    assert b"MAX_CONTENT_LENGTH" in answer


def test_after_request_hook_reading_a_short_body_gives_400() -> None:
    """A body shorter than its Content-Length, first read by a hook."""
    app = Erlen(__name__)

    @app.post("/")
    def index() -> str:
        return "view"

    @app.after_request
    def read(response: t.Any) -> t.Any:
        request.get_data()
        return response

    environ = EnvironBuilder(method="POST", data=b"abc").get_environ()
    environ["CONTENT_LENGTH"] = "10"
    assert call(app, environ)[0] == 400


@pytest.mark.parametrize("length", ["\u00b2", "1\u0660", "abc", "-1", "1.5"])
def test_content_length_that_is_not_ascii_digits_is_400(length: str) -> None:
    app = make_app()
    environ = EnvironBuilder(path="/get-data", method="POST", data=b"ab").get_environ()
    environ["CONTENT_LENGTH"] = length
    assert call(app, environ)[0] == 400


def test_400_handler_reading_a_bad_content_length_body_again_gets_nothing() -> None:
    app = make_app()

    @app.errorhandler(400)
    def bad(e: Exception) -> tuple[str, int]:
        return f"bad; again={request.get_data()!r}", 400

    environ = EnvironBuilder(path="/get-data", method="POST", data=b"ab").get_environ()
    environ["CONTENT_LENGTH"] = "x"
    assert call(app, environ) == (400, b"bad; again=b''")
