"""Static files, ``send_file`` and ``send_from_directory``, served from real files."""

from __future__ import annotations

import io
import os
import pathlib
import typing as t
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from werkzeug.datastructures import ResponseCacheControl
from werkzeug.http import http_date, parse_cache_control_header

from erlen import Blueprint, Erlen, request, send_file, send_from_directory, url_for
from erlen import globals as ctx_globals

HELLO = b"Hello static"
SECRET = b"TOP SECRET - never serve this"


@pytest.fixture(autouse=True)
def _no_leaked_context() -> Iterator[None]:
    yield
    assert ctx_globals._cv_app.get(None) is None, "an application context leaked"
    assert ctx_globals._cv_request.get(None) is None, "a request context leaked"


@pytest.fixture
def root(tmp_path: pathlib.Path) -> pathlib.Path:
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "hello.txt").write_bytes(HELLO)
    (static / "css" / "site.css").write_text("body { color: red; }")
    (static / "index.html").write_text("<h1>index</h1>")
    (static / "data.json").write_text('{"a": 1}')
    (static / "blob.bin").write_bytes(bytes(range(256)))
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "secret.txt").write_bytes(SECRET)
    return tmp_path


@pytest.fixture
def app(root: pathlib.Path) -> Erlen:
    app = Erlen(__name__, root_path=str(root))
    app.testing = True
    return app


@pytest.fixture
def client(app: Erlen) -> t.Any:
    return app.test_client()


def cache_control(response: t.Any) -> t.Any:
    return parse_cache_control_header(
        response.headers.get("Cache-Control"), cls=ResponseCacheControl
    )


# --- the static route --------------------------------------------------------------------


def test_static_route_is_registered_with_endpoint_static(app: Erlen) -> None:
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == "static"]
    assert [rule.rule for rule in rules] == ["/static/<path:filename>"]
    assert app.has_static_folder
    assert app.static_folder == os.path.join(app.root_path, "static")
    assert app.static_url_path == "/static"
    with app.test_request_context():
        assert url_for("static", filename="hello.txt") == "/static/hello.txt"
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"


def test_static_route_serves_a_file(client: t.Any) -> None:
    response = client.get("/static/hello.txt")
    assert response.status_code == 200
    assert response.data == HELLO
    assert response.mimetype == "text/plain"
    assert response.content_length == len(HELLO)


def test_static_route_serves_files_in_subfolders(client: t.Any) -> None:
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.text == "body { color: red; }"


@pytest.mark.parametrize(
    ("name", "mimetype"),
    [
        ("index.html", "text/html"),
        ("data.json", "application/json"),
        ("blob.bin", "application/octet-stream"),
    ],
)
def test_static_route_guesses_the_mimetype(client: t.Any, name: str, mimetype: str) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.mimetype == mimetype


def test_static_route_binary_file_is_unchanged(client: t.Any) -> None:
    assert client.get("/static/blob.bin").data == bytes(range(256))


def test_static_route_missing_file_is_404(client: t.Any) -> None:
    assert client.get("/static/nope.txt").status_code == 404
    assert client.get("/static/css/nope.css").status_code == 404


def test_static_route_directory_is_404(client: t.Any) -> None:
    assert client.get("/static/css").status_code == 404
    assert client.get("/static/css/").status_code == 404


def test_static_route_head_has_no_body(client: t.Any) -> None:
    response = client.head("/static/hello.txt")
    assert response.status_code == 200
    assert response.data == b""
    assert response.content_length == len(HELLO)


def test_static_route_rejects_post(client: t.Any) -> None:
    assert client.post("/static/hello.txt").status_code == 405


def test_custom_static_url_path(root: pathlib.Path) -> None:
    app = Erlen(__name__, root_path=str(root), static_url_path="/assets")
    client = app.test_client()

    assert client.get("/assets/hello.txt").data == HELLO
    assert client.get("/static/hello.txt").status_code == 404
    with app.test_request_context():
        assert url_for("static", filename="hello.txt") == "/assets/hello.txt"


def test_static_url_path_trailing_slash_is_dropped(root: pathlib.Path) -> None:
    app = Erlen(__name__, root_path=str(root), static_url_path="/assets/")
    assert app.static_url_path == "/assets"
    assert app.test_client().get("/assets/hello.txt").data == HELLO


def test_empty_static_url_path_serves_from_the_root(root: pathlib.Path) -> None:
    app = Erlen(__name__, root_path=str(root), static_url_path="")
    client = app.test_client()

    assert client.get("/hello.txt").data == HELLO
    with app.test_request_context():
        assert url_for("static", filename="hello.txt") == "/hello.txt"


def test_custom_static_folder_sets_the_default_url_path(root: pathlib.Path) -> None:
    (root / "public").mkdir()
    (root / "public" / "robots.txt").write_text("User-agent: *")
    app = Erlen(__name__, root_path=str(root), static_folder="public")
    client = app.test_client()

    assert app.static_folder == os.path.join(str(root), "public")
    assert app.static_url_path == "/public"
    assert client.get("/public/robots.txt").text == "User-agent: *"
    assert client.get("/static/hello.txt").status_code == 404


def test_custom_static_folder_with_custom_url_path(root: pathlib.Path) -> None:
    (root / "web" / "files").mkdir(parents=True)
    (root / "web" / "files" / "a.txt").write_text("from web/files")
    app = Erlen(__name__, root_path=str(root), static_folder="web/files", static_url_path="/f")

    assert app.test_client().get("/f/a.txt").text == "from web/files"


def test_absolute_static_folder(root: pathlib.Path, tmp_path_factory: t.Any) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "x.txt").write_text("absolute")
    app = Erlen(__name__, root_path=str(root), static_folder=str(elsewhere))

    assert app.static_folder == str(elsewhere)
    assert app.static_url_path == f"/{elsewhere.name}"
    assert app.test_client().get(f"/{elsewhere.name}/x.txt").text == "absolute"


def test_static_folder_none_registers_no_route(root: pathlib.Path) -> None:
    app = Erlen(__name__, root_path=str(root), static_folder=None)

    assert not app.has_static_folder
    assert app.static_folder is None
    assert app.static_url_path is None
    assert "static" not in app.view_functions
    assert all(rule.endpoint != "static" for rule in app.url_map.iter_rules())
    assert app.test_client().get("/static/hello.txt").status_code == 404


def test_send_static_file_without_static_folder_raises(root: pathlib.Path) -> None:
    app = Erlen(__name__, root_path=str(root), static_folder=None)
    with app.test_request_context(), pytest.raises(RuntimeError):
        app.send_static_file("hello.txt")


def test_static_host_with_host_matching(root: pathlib.Path) -> None:
    app = Erlen(
        __name__,
        root_path=str(root),
        static_host="static.example.com",
        host_matching=True,
    )

    @app.route("/", host="www.example.com")
    def index() -> str:
        return "www"

    client = app.test_client()

    response = client.get("/static/hello.txt", base_url="http://static.example.com")
    assert response.status_code == 200
    assert response.data == HELLO
    assert client.get("/static/hello.txt", base_url="http://www.example.com").status_code == 404
    assert client.get("/", base_url="http://www.example.com").text == "www"
    with app.test_request_context(base_url="http://www.example.com"):
        assert (
            url_for("static", filename="hello.txt") == "http://static.example.com/static/hello.txt"
        )


def test_static_host_without_host_matching_is_an_error(root: pathlib.Path) -> None:
    with pytest.raises(AssertionError):
        Erlen(__name__, root_path=str(root), static_host="static.example.com")


def test_host_matching_without_static_host_is_an_error(root: pathlib.Path) -> None:
    with pytest.raises(AssertionError):
        Erlen(__name__, root_path=str(root), host_matching=True)


def test_host_matching_without_static_folder_needs_no_static_host(root: pathlib.Path) -> None:
    app = Erlen(__name__, root_path=str(root), host_matching=True, static_folder=None)
    assert "static" not in app.view_functions


def test_blueprint_static_folder(app: Erlen, client: t.Any, root: pathlib.Path) -> None:
    (root / "bp_static").mkdir()
    (root / "bp_static" / "bp.txt").write_text("blueprint file")
    bp = Blueprint(
        "shop",
        __name__,
        url_prefix="/shop",
        static_folder=str(root / "bp_static"),
        static_url_path="/assets",
    )
    app.register_blueprint(bp)

    assert client.get("/shop/assets/bp.txt").text == "blueprint file"
    with app.test_request_context():
        assert url_for("shop.static", filename="bp.txt") == "/shop/assets/bp.txt"


# --- send_static_file and max age ------------------------------------------------------


def test_send_static_file_from_a_view(app: Erlen, client: t.Any) -> None:
    @app.route("/favicon")
    def favicon() -> t.Any:
        return app.send_static_file("hello.txt")

    response = client.get("/favicon")
    assert response.status_code == 200
    assert response.data == HELLO


def test_send_static_file_directly(app: Erlen) -> None:
    with app.test_request_context():
        response = app.send_static_file("css/site.css")
        try:
            assert response.status_code == 200
            assert response.mimetype == "text/css"
            response.direct_passthrough = False
            assert response.get_data() == b"body { color: red; }"
        finally:
            response.close()


def test_send_static_file_missing_is_404(app: Erlen, client: t.Any) -> None:
    @app.route("/missing")
    def missing() -> t.Any:
        return app.send_static_file("not-there.txt")

    assert client.get("/missing").status_code == 404


def test_send_file_max_age_default_is_none(app: Erlen) -> None:
    assert app.config["SEND_FILE_MAX_AGE_DEFAULT"] is None
    with app.app_context():
        assert app.get_send_file_max_age("hello.txt") is None
        assert app.get_send_file_max_age(None) is None


def test_static_default_uses_conditional_requests_not_max_age(client: t.Any) -> None:
    response = client.get("/static/hello.txt")
    cc = cache_control(response)
    assert cc.max_age is None
    assert cc.no_cache
    assert "Expires" not in response.headers
    assert response.headers.get("ETag")
    assert response.headers.get("Last-Modified")


def test_send_file_max_age_int(app: Erlen, client: t.Any) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    with app.app_context():
        assert app.get_send_file_max_age("hello.txt") == 3600

    response = client.get("/static/hello.txt")
    cc = cache_control(response)
    assert cc.max_age == 3600
    assert cc.public
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert "Expires" in response.headers


def test_send_file_max_age_timedelta(app: Erlen, client: t.Any) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = timedelta(hours=2)
    with app.app_context():
        assert app.get_send_file_max_age("hello.txt") == 7200

    response = client.get("/static/hello.txt")
    assert cache_control(response).max_age == 7200


def test_send_file_max_age_applies_to_send_file(app: Erlen, client: t.Any) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60

    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt")

    assert cache_control(client.get("/file")).max_age == 60


def test_get_send_file_max_age_override_in_subclass(root: pathlib.Path) -> None:
    class CachingApp(Erlen):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            if filename is not None and filename.endswith(".css"):
                return 99
            return super().get_send_file_max_age(filename)

    app = CachingApp(__name__, root_path=str(root))
    client = app.test_client()

    assert cache_control(client.get("/static/css/site.css")).max_age == 99
    assert cache_control(client.get("/static/hello.txt")).max_age is None


# --- send_file ---------------------------------------------------------------------------


def test_send_file_absolute_path(app: Erlen, client: t.Any, root: pathlib.Path) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file(str(root / "static" / "hello.txt"))

    response = client.get("/file")
    assert response.status_code == 200
    assert response.data == HELLO
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == "inline; filename=hello.txt"


def test_send_file_pathlib_path(app: Erlen, client: t.Any, root: pathlib.Path) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file(root / "static" / "css" / "site.css")

    response = client.get("/file")
    assert response.mimetype == "text/css"
    assert response.text == "body { color: red; }"


def test_send_file_relative_path_resolves_against_root_path(
    app: Erlen, client: t.Any, root: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = root / "private"
    monkeypatch.chdir(elsewhere)

    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt")

    assert client.get("/file").data == HELLO


def test_send_file_missing_path_raises(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/does-not-exist.txt")

    with pytest.raises(FileNotFoundError):
        client.get("/file")


def test_send_file_explicit_mimetype(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt", mimetype="application/x-custom")

    assert client.get("/file").mimetype == "application/x-custom"


def test_send_file_binary_file_object_with_mimetype(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file(io.BytesIO(b"in memory"), mimetype="text/plain")

    response = client.get("/file")
    assert response.status_code == 200
    assert response.data == b"in memory"
    assert response.mimetype == "text/plain"
    assert "Content-Disposition" not in response.headers


def test_send_file_real_open_file(app: Erlen, client: t.Any, root: pathlib.Path) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file(open(root / "static" / "blob.bin", "rb"), mimetype="image/x-test")

    response = client.get("/file")
    assert response.data == bytes(range(256))
    assert response.mimetype == "image/x-test"


def test_send_file_file_object_guesses_mimetype_from_download_name(
    app: Erlen, client: t.Any
) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file(io.BytesIO(b"a,b\n1,2\n"), download_name="report.csv")

    response = client.get("/file")
    assert response.mimetype == "text/csv"
    assert response.data == b"a,b\n1,2\n"
    assert response.headers["Content-Disposition"] == "inline; filename=report.csv"


def test_send_file_file_object_without_mimetype_or_name_is_an_error(
    app: Erlen, client: t.Any
) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file(io.BytesIO(b"anonymous"))

    with pytest.raises(TypeError):
        client.get("/file")


def test_send_file_text_file_object_is_an_error(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file(io.StringIO("text"), mimetype="text/plain")  # type: ignore[arg-type]

    with pytest.raises(ValueError):
        client.get("/file")


def test_send_file_as_attachment(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt", as_attachment=True)

    response = client.get("/file")
    assert response.headers["Content-Disposition"] == "attachment; filename=hello.txt"
    assert response.data == HELLO


def test_send_file_as_attachment_with_download_name(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/blob.bin", as_attachment=True, download_name="backup.zip")

    response = client.get("/file")
    assert response.headers["Content-Disposition"] == "attachment; filename=backup.zip"
    assert response.mimetype == "application/zip"


def test_send_file_download_name_with_spaces_is_quoted(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt", as_attachment=True, download_name="my report.txt")

    response = client.get("/file")
    assert response.headers["Content-Disposition"] == 'attachment; filename="my report.txt"'


def test_send_file_non_ascii_download_name_uses_rfc5987(app: Erlen, client: t.Any) -> None:
    name = "naïve résumé.pdf"

    @app.route("/file")
    def file() -> t.Any:
        return send_file(io.BytesIO(b"%PDF"), as_attachment=True, download_name=name)

    response = client.get("/file")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="naive resume.pdf"' in disposition
    assert "filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf" in disposition
    assert response.mimetype == "application/pdf"
    # The header itself stays ASCII.
    disposition.encode("ascii")


def test_send_file_non_latin_download_name(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt", as_attachment=True, download_name="文件.txt")

    disposition = client.get("/file").headers["Content-Disposition"]
    assert f"filename*=UTF-8''{quote('文件.txt')}" in disposition


def test_send_file_etag_and_last_modified(app: Erlen, client: t.Any, root: pathlib.Path) -> None:
    path = root / "static" / "hello.txt"
    mtime = datetime(2020, 5, 17, 12, 30, tzinfo=timezone.utc).timestamp()
    os.utime(path, (mtime, mtime))

    @app.route("/file")
    def file() -> t.Any:
        return send_file(str(path))

    response = client.get("/file")
    etag, weak = response.get_etag()
    assert etag
    assert not weak
    assert response.headers["Last-Modified"] == "Sun, 17 May 2020 12:30:00 GMT"
    assert response.headers["Accept-Ranges"] == "bytes"
    # Stable between requests for an unchanged file.
    assert client.get("/file").get_etag() == (etag, weak)


def test_send_file_etag_changes_with_the_file(
    app: Erlen, client: t.Any, root: pathlib.Path
) -> None:
    path = root / "static" / "hello.txt"

    @app.route("/file")
    def file() -> t.Any:
        return send_file(str(path))

    first = client.get("/file").get_etag()[0]
    path.write_bytes(b"changed and longer content")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    second = client.get("/file").get_etag()[0]
    assert first != second


def test_send_file_etag_false_and_custom_etag(app: Erlen, client: t.Any) -> None:
    @app.route("/no-etag")
    def no_etag() -> t.Any:
        return send_file("static/hello.txt", etag=False)

    @app.route("/custom-etag")
    def custom_etag() -> t.Any:
        return send_file("static/hello.txt", etag="v42")

    assert "ETag" not in client.get("/no-etag").headers
    assert client.get("/custom-etag").headers["ETag"] == '"v42"'
    assert client.get("/custom-etag", headers={"If-None-Match": '"v42"'}).status_code == 304


def test_send_file_explicit_last_modified(app: Erlen, client: t.Any) -> None:
    when = datetime(2021, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

    @app.route("/dt")
    def dt() -> t.Any:
        return send_file("static/hello.txt", last_modified=when)

    @app.route("/ts")
    def ts() -> t.Any:
        return send_file(io.BytesIO(b"x"), mimetype="text/plain", last_modified=when.timestamp())

    assert client.get("/dt").headers["Last-Modified"] == "Sat, 02 Jan 2021 03:04:05 GMT"
    assert client.get("/ts").headers["Last-Modified"] == "Sat, 02 Jan 2021 03:04:05 GMT"


def test_send_file_if_none_match_gives_304(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt")

    etag = client.get("/file").headers["ETag"]
    response = client.get("/file", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag

    other = client.get("/file", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.data == HELLO


def test_send_file_if_modified_since_gives_304(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt", etag=False)

    last_modified = client.get("/file").headers["Last-Modified"]
    response = client.get("/file", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304
    assert response.data == b""

    older = http_date(datetime(2000, 1, 1, tzinfo=timezone.utc))
    assert client.get("/file", headers={"If-Modified-Since": older}).status_code == 200


def test_static_route_conditional_requests(client: t.Any) -> None:
    first = client.get("/static/hello.txt")
    etag = first.headers["ETag"]
    assert client.get("/static/hello.txt", headers={"If-None-Match": etag}).status_code == 304
    last_modified = first.headers["Last-Modified"]
    response = client.get("/static/hello.txt", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304


def test_send_file_conditional_false_ignores_conditions(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt", conditional=False)

    etag = client.get("/file").headers["ETag"]
    response = client.get("/file", headers={"If-None-Match": etag, "Range": "bytes=0-1"})
    assert response.status_code == 200
    assert response.data == HELLO


def test_send_file_range_request_gives_206(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt")

    response = client.get("/file", headers={"Range": "bytes=0-4"})
    assert response.status_code == 206
    assert response.data == HELLO[:5]
    assert response.headers["Content-Range"] == f"bytes 0-4/{len(HELLO)}"
    assert response.content_length == 5

    tail = client.get("/file", headers={"Range": "bytes=-6"})
    assert tail.status_code == 206
    assert tail.data == HELLO[-6:]
    assert tail.headers["Content-Range"] == f"bytes {len(HELLO) - 6}-{len(HELLO) - 1}/{len(HELLO)}"


def test_static_route_range_request(client: t.Any) -> None:
    response = client.get("/static/blob.bin", headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.data == bytes(range(10, 20))
    assert response.headers["Content-Range"] == "bytes 10-19/256"


def test_send_file_unsatisfiable_range_gives_416(app: Erlen, client: t.Any) -> None:
    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt")

    response = client.get("/file", headers={"Range": "bytes=100-200"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(HELLO)}"
    assert HELLO not in response.data


def test_send_file_max_age_argument(app: Erlen, client: t.Any) -> None:
    @app.route("/int")
    def as_int() -> t.Any:
        return send_file("static/hello.txt", max_age=120)

    @app.route("/callable")
    def as_callable() -> t.Any:
        return send_file("static/hello.txt", max_age=lambda path: 30)

    assert cache_control(client.get("/int")).max_age == 120
    assert cache_control(client.get("/callable")).max_age == 30


def test_use_x_sendfile_sends_a_header_and_no_body(
    app: Erlen, client: t.Any, root: pathlib.Path
) -> None:
    app.config["USE_X_SENDFILE"] = True

    @app.route("/file")
    def file() -> t.Any:
        return send_file("static/hello.txt")

    response = client.get("/file")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["X-Sendfile"] == os.path.join(str(root), "static", "hello.txt")
    assert response.mimetype == "text/plain"
    assert response.content_length == len(HELLO)


def test_use_x_sendfile_on_the_static_route(app: Erlen, client: t.Any, root: pathlib.Path) -> None:
    app.config["USE_X_SENDFILE"] = True

    response = client.get("/static/hello.txt")
    assert response.data == b""
    assert os.path.realpath(response.headers["X-Sendfile"]) == os.path.realpath(
        root / "static" / "hello.txt"
    )


def test_use_x_sendfile_not_used_for_file_objects(app: Erlen, client: t.Any) -> None:
    app.config["USE_X_SENDFILE"] = True

    @app.route("/file")
    def file() -> t.Any:
        return send_file(io.BytesIO(b"memory"), mimetype="text/plain")

    response = client.get("/file")
    assert "X-Sendfile" not in response.headers
    assert response.data == b"memory"


def test_send_file_outside_a_request_is_an_error(root: pathlib.Path) -> None:
    with pytest.raises(RuntimeError):
        send_file(str(root / "static" / "hello.txt"))


# --- send_from_directory ---------------------------------------------------------------


def test_send_from_directory_serves_a_file(app: Erlen, client: t.Any, root: pathlib.Path) -> None:
    @app.route("/files/<path:name>")
    def files(name: str) -> t.Any:
        return send_from_directory(str(root / "static"), name)

    assert client.get("/files/hello.txt").data == HELLO
    css = client.get("/files/css/site.css")
    assert css.mimetype == "text/css"
    assert css.text == "body { color: red; }"


def test_send_from_directory_relative_directory_uses_root_path(
    app: Erlen, client: t.Any, root: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(root / "private")

    @app.route("/files/<path:name>")
    def files(name: str) -> t.Any:
        return send_from_directory("static", name)

    assert client.get("/files/hello.txt").data == HELLO


def test_send_from_directory_missing_file_is_404(
    app: Erlen, client: t.Any, root: pathlib.Path
) -> None:
    @app.route("/files/<path:name>")
    def files(name: str) -> t.Any:
        return send_from_directory(root / "static", name)

    assert client.get("/files/missing.txt").status_code == 404
    assert client.get("/files/css").status_code == 404


def test_send_from_directory_passes_send_file_options(
    app: Erlen, client: t.Any, root: pathlib.Path
) -> None:
    @app.route("/download/<name>")
    def download(name: str) -> t.Any:
        return send_from_directory(
            root / "static", name, as_attachment=True, download_name="renamed.txt", max_age=5
        )

    response = client.get("/download/hello.txt")
    assert response.headers["Content-Disposition"] == "attachment; filename=renamed.txt"
    assert cache_control(response).max_age == 5
    assert response.data == HELLO


def test_send_from_directory_delegates_to_werkzeug(
    app: Erlen, root: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import werkzeug.utils

    calls: list[tuple[t.Any, t.Any, dict[str, t.Any]]] = []
    real = werkzeug.utils.send_from_directory

    def spy(directory: t.Any, path: t.Any, environ: t.Any, **kwargs: t.Any) -> t.Any:
        calls.append((directory, path, kwargs))
        return real(directory, path, environ, **kwargs)

    # As tests and extensions written for Flask do.
    monkeypatch.setattr(werkzeug.utils, "send_from_directory", spy)

    @app.route("/files/<path:name>")
    def files(name: str) -> t.Any:
        return send_from_directory("static", name, max_age=7)

    client = app.test_client()
    assert client.get("/files/hello.txt").data == HELLO
    assert client.get("/static/css/site.css").text == "body { color: red; }"
    assert [(c[0], c[1]) for c in calls] == [
        ("static", "hello.txt"),
        (app.static_folder, "css/site.css"),
    ]
    assert calls[0][2]["max_age"] == 7
    assert calls[0][2]["_root_path"] == str(root)
    # A symbolic link that leads out is refused before Werkzeug is asked.
    os.symlink(root / "private", root / "static" / "out")
    assert client.get("/files/out/secret.txt").status_code == 404
    assert client.get("/static/out/secret.txt").status_code == 404
    assert len(calls) == 2


# --- path traversal ----------------------------------------------------------------------

# Paths as they appear in a URL after ``/static/``.
TRAVERSAL_URLS = [
    "../secret.txt",
    "css/../../secret.txt",
    "%2e%2e/secret.txt",
    "%2E%2E/secret.txt",
    ".%2e/secret.txt",
    "%2e%2e%2fsecret.txt",
    "..%2Fsecret.txt",
    "..%2fprivate%2fsecret.txt",
    "..%5Csecret.txt",
    "..%5cprivate%5csecret.txt",
    "..\\secret.txt",
    "/etc/passwd",
    "%2Fetc%2Fpasswd",
    "hello.txt%00",
    "hello.txt%00.png",
    "%00../secret.txt",
    "C:\\Windows\\win.ini",
    "C:%5CWindows%5Cwin.ini",
    "C:/x",
    "C:/Windows/win.ini",
    "link.txt",
    "linkdir/secret.txt",
]

# Raw values handed to ``send_from_directory`` by a view.
TRAVERSAL_PATHS = [
    "../secret.txt",
    "css/../../secret.txt",
    "./../secret.txt",
    "../private/secret.txt",
    "%2e%2e/secret.txt",
    "..%2Fsecret.txt",
    "/etc/passwd",
    "//etc/passwd",
    "ABSOLUTE_SECRET",
    "..\\secret.txt",
    "..\\..\\secret.txt",
    "hello.txt\x00",
    "\x00../secret.txt",
    "C:\\Windows\\win.ini",
    "C:/x",
    "C:secret.txt",
    "link.txt",
    "linkdir/secret.txt",
]


@pytest.fixture
def traversal_app(app: Erlen, root: pathlib.Path) -> Erlen:
    os.symlink(root / "secret.txt", root / "static" / "link.txt")
    os.symlink(root / "private", root / "static" / "linkdir")

    @app.route("/download")
    def download() -> t.Any:
        return send_from_directory(app.static_folder, request.args["path"])  # type: ignore[arg-type]

    return app


def assert_refused(response: t.Any) -> None:
    assert response.status_code == 404
    assert SECRET not in response.data
    assert b"root:" not in response.data


@pytest.mark.parametrize("url", TRAVERSAL_URLS)
def test_static_route_path_traversal_is_404(traversal_app: Erlen, url: str) -> None:
    client = traversal_app.test_client()
    # A doubled slash may first redirect to the merged path; the end is always a 404.
    response = client.get(f"/static/{url}", follow_redirects=True)
    assert_refused(response)
    for earlier in response.history:
        assert earlier.status_code in {301, 308}
        assert earlier.location.startswith("/static/") or "/static/" in earlier.location


@pytest.mark.parametrize("path", TRAVERSAL_PATHS)
def test_send_from_directory_path_traversal_is_404(
    traversal_app: Erlen, root: pathlib.Path, path: str
) -> None:
    if path == "ABSOLUTE_SECRET":
        path = str(root / "secret.txt")
    client = traversal_app.test_client()
    response = client.get(f"/download?path={quote(path, safe='')}")
    assert_refused(response)


def test_traversal_fixture_still_serves_regular_files(traversal_app: Erlen) -> None:
    client = traversal_app.test_client()
    assert client.get("/static/hello.txt").data == HELLO
    assert client.get("/download?path=css/site.css").text == "body { color: red; }"


def test_symlink_inside_the_static_folder_is_served(app: Erlen, root: pathlib.Path) -> None:
    os.symlink(root / "static" / "hello.txt", root / "static" / "alias.txt")
    os.symlink(root / "static" / "css", root / "static" / "styles")
    client = app.test_client()

    assert client.get("/static/alias.txt").data == HELLO
    assert client.get("/static/styles/site.css").text == "body { color: red; }"


def test_send_from_directory_traversal_called_directly(app: Erlen, root: pathlib.Path) -> None:
    from werkzeug.exceptions import NotFound

    with app.test_request_context():
        for path in ("../secret.txt", str(root / "secret.txt"), "a/../../secret.txt"):
            with pytest.raises(NotFound):
                send_from_directory(root / "static", path)
