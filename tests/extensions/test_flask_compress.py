"""Flask-Compress on erlen, used as its documentation shows.

Flask-Compress is an ``after_request`` hook (or an ``after_this_request`` one, with
its decorator) that reads the request's ``Accept-Encoding`` and ``endpoint``, then
rewrites the response: ``get_data``/``set_data``, ``iter_encoded`` wrapped in
``stream_with_context`` for streamed bodies, ``Vary``, ``set_etag`` and
``make_conditional``.
"""

from __future__ import annotations

import erlen  # first: from here on, `flask` is erlen

# isort: split
import gzip
import typing as t
import zlib
from pathlib import Path

import brotli
import pytest
from flask import Response, jsonify, render_template_string, request, stream_with_context
from flask_compress import Compress

BIG = "All work and no play makes Jack a dull boy. " * 50


@pytest.fixture
def app(tmp_path: Path) -> erlen.Erlen:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "site.css").write_text("body { color: black; }\n" * 100)
    app = erlen.Erlen(__name__, root_path=str(tmp_path))
    app.config["COMPRESS_ALGORITHM"] = ["br", "gzip", "deflate"]
    Compress(app)

    @app.route("/")
    def index() -> str:
        return render_template_string("<p>{{ text }}</p>", text=BIG)

    @app.route("/json")
    def as_json() -> Response:
        return jsonify(text=BIG)

    @app.route("/small")
    def small() -> str:
        return "tiny"

    @app.route("/image")
    def image() -> Response:
        return Response(BIG, mimetype="image/png")

    @app.route("/streamed")
    def streamed() -> Response:
        def chunks() -> t.Iterator[str]:
            for _ in range(5):
                yield f"{request.path} {BIG}"

        return Response(stream_with_context(chunks()), mimetype="text/html")

    @app.route("/tagged")
    def tagged() -> Response:
        response = Response(BIG)
        response.set_etag("v1")
        response.vary.add("Cookie")
        return response

    @app.route("/error")
    def error() -> tuple[str, int]:
        return BIG, 500

    return app


@pytest.mark.parametrize(
    ("encoding", "decode"),
    [("gzip", gzip.decompress), ("br", brotli.decompress), ("deflate", zlib.decompress)],
)
def test_html_and_json_are_compressed(
    app: erlen.Erlen, encoding: str, decode: t.Callable[[bytes], bytes]
) -> None:
    client = app.test_client()
    page = client.get("/", headers={"Accept-Encoding": encoding})
    assert page.headers["Content-Encoding"] == encoding
    assert page.headers["Vary"] == "Accept-Encoding"
    assert page.headers["Content-Length"] == str(len(page.data))
    assert decode(page.data).decode() == f"<p>{BIG}</p>"

    data = client.get("/json", headers={"Accept-Encoding": encoding})
    assert data.headers["Content-Encoding"] == encoding
    assert decode(data.data) == f'{{"text":"{BIG}"}}\n'.encode()


def test_the_preferred_encoding_is_chosen(app: erlen.Erlen) -> None:
    client = app.test_client()
    both = client.get("/", headers={"Accept-Encoding": "gzip;q=0.5, br;q=1.0"})
    assert both.headers["Content-Encoding"] == "br"
    star = client.get("/", headers={"Accept-Encoding": "*"})
    assert star.headers["Content-Encoding"] == "br"


def test_what_is_left_alone(app: erlen.Erlen) -> None:
    client = app.test_client()
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers
    assert plain.headers["Vary"] == "Accept-Encoding"
    assert plain.data == f"<p>{BIG}</p>".encode()

    for path in ["/small", "/image", "/error"]:
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in response.headers, path


def test_streamed_bodies_are_compressed_chunk_by_chunk(app: erlen.Erlen) -> None:
    client = app.test_client()
    response = client.get("/streamed", headers={"Accept-Encoding": "deflate"})
    assert response.headers["Content-Encoding"] == "deflate"
    assert "Content-Length" not in response.headers
    assert zlib.decompress(response.data).decode() == "".join(f"/streamed {BIG}" for _ in range(5))
    # gzip is not used for streams by default.
    assert (
        "Content-Encoding"
        not in client.get("/streamed", headers={"Accept-Encoding": "gzip"}).headers
    )


def test_etags_vary_and_conditional_requests(app: erlen.Erlen) -> None:
    client = app.test_client()
    response = client.get("/tagged", headers={"Accept-Encoding": "gzip"})
    assert response.headers["ETag"] == '"v1:gzip"'
    assert response.headers["Vary"] == "Cookie, Accept-Encoding"

    not_modified = client.get(
        "/tagged", headers={"Accept-Encoding": "gzip", "If-None-Match": '"v1:gzip"'}
    )
    assert not_modified.status_code == 304
    assert not_modified.data == b""


def test_static_files_are_compressed_and_conditional(app: erlen.Erlen) -> None:
    client = app.test_client()
    # A file is sent as a stream: compressed with a streaming algorithm.
    css = client.get("/static/site.css", headers={"Accept-Encoding": "br"})
    assert css.status_code == 200
    assert css.headers["Content-Encoding"] == "br"
    assert brotli.decompress(css.data).startswith(b"body { color: black; }")
    again = client.get(
        "/static/site.css", headers={"Accept-Encoding": "br", "If-None-Match": css.headers["ETag"]}
    )
    assert again.status_code == 304


def test_the_decorator_compresses_one_view_only() -> None:
    app = erlen.Erlen(__name__)
    app.config["COMPRESS_REGISTER"] = False
    compress = Compress(app)

    @app.route("/chosen")
    @compress.compressed()
    def chosen() -> str:
        return BIG

    @app.route("/other")
    def other() -> str:
        return BIG

    client = app.test_client()
    assert (
        client.get("/chosen", headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"]
        == "gzip"
    )
    assert (
        "Content-Encoding" not in client.get("/other", headers={"Accept-Encoding": "gzip"}).headers
    )


def test_a_cache_backend_is_used_with_a_cache_key() -> None:
    store: dict[str, bytes] = {}

    class Cache:
        def get(self, key: str) -> bytes | None:
            return store.get(key)

        def set(self, key: str, value: bytes) -> None:
            store[key] = value

    app = erlen.Erlen(__name__)
    app.config.update(
        COMPRESS_CACHE_BACKEND=Cache,
        COMPRESS_CACHE_KEY=lambda req: req.full_path,
        COMPRESS_ALGORITHM="gzip",
    )
    Compress(app)

    @app.route("/cached")
    def cached() -> str:
        return BIG

    client = app.test_client()
    first = client.get("/cached?x=1", headers={"Accept-Encoding": "gzip"})
    assert list(store) == ["gzip;/cached?x=1"]
    second = client.get("/cached?x=1", headers={"Accept-Encoding": "gzip"})
    assert first.data == second.data == store["gzip;/cached?x=1"]
