"""Files from a folder: erlen's direct 200 and 304 against Werkzeug's ``send_file``.

erlen builds the response to a plain or revalidating GET or HEAD of a file itself
(:mod:`erlen._file_response`): one ``stat``, the headers written once, and a 304
without opening the file. These tests send the same requests with that shortcut on
and off and compare status, header names, order and values (``Date`` and
``Expires`` to the minute) and body.
"""

from __future__ import annotations

import pathlib
import time
import typing as t
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.http import http_date, parse_date

import erlen.helpers
from erlen import Erlen, send_from_directory

FILES = {
    "file.bin": b"\x00\x01" * 600,
    "style.css": b"body { color: red }",
    "notes.txt": b"plain text",
    "sub/dir/app.js": b"console.log(1)",
    "my file.txt": b"spaces",
    'we;ird"name.txt': b"quotes",
    "archive.tar.gz": b"not really gzip",
    "na\u00efve.txt": b"non-ascii name",
}


@pytest.fixture
def app(tmp_path: pathlib.Path) -> Erlen:
    static = tmp_path / "static"
    for name, content in FILES.items():
        (static / name).parent.mkdir(parents=True, exist_ok=True)
        (static / name).write_bytes(content)
    app = Erlen(__name__, root_path=str(tmp_path))

    @app.route("/files/<path:name>")
    def files(name: str) -> t.Any:
        return send_from_directory("static", name)

    @app.after_request
    def record(response: t.Any) -> t.Any:
        # What an after_request hook sees: the same headers whichever way was taken.
        app.extensions["seen"] = (response.status, clocked(response.headers))
        return response

    return app


def clocked(headers: t.Any) -> list[tuple[str, str]]:
    """The headers, with ``Date`` and ``Expires`` (the clock's) as offsets from now."""
    header_list = []
    for name, value in headers:
        if name in ("Date", "Expires"):
            offset = parse_date(value).timestamp() - time.time()  # type: ignore[union-attr]
            value = f"<now + {round(offset / 60)} min>"
        header_list.append((name, value))
    return header_list


def answer(app: Erlen, path: str, headers: dict[str, str], method: str = "GET") -> t.Any:
    response = app.test_client().open(path, method=method, headers=headers)
    seen = app.extensions.pop("seen", None)
    return response.status, clocked(response.headers), response.data, seen


def both_ways(
    app: Erlen, path: str, headers: dict[str, str], method: str = "GET"
) -> tuple[t.Any, t.Any]:
    fast = answer(app, path, headers, method)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(erlen.helpers, "file_response", lambda *args: None)
        slow = answer(app, path, headers, method)
    return fast, slow


def validators(app: Erlen, path: str) -> tuple[str, str]:
    response = app.test_client().get(path)
    assert response.status_code == 200
    return response.headers["ETag"], response.headers["Last-Modified"]


def header_sets(etag: str, last_modified: str) -> list[dict[str, str]]:
    later = http_date(10**10)
    earlier = http_date(10**6)
    bare = etag.strip('"')
    return [
        {},
        {"If-None-Match": etag},
        {"If-None-Match": f"W/{etag}"},
        {"If-None-Match": f'"other", {etag}'},
        {"If-None-Match": "*"},
        {"If-None-Match": '"other"'},
        {"If-None-Match": bare},
        {"If-None-Match": "garbage,,,"},
        {"If-Modified-Since": last_modified},
        {"If-Modified-Since": later},
        {"If-Modified-Since": earlier},
        {"If-Modified-Since": "not a date"},
        {"If-None-Match": '"other"', "If-Modified-Since": last_modified},
        {"If-None-Match": etag, "If-Modified-Since": earlier},
        {"If-None-Match": etag, "Range": "bytes=0-3"},
        {"If-None-Match": etag, "If-Match": '"other"'},
        {"If-None-Match": etag, "If-Match": etag},
        {"If-Range": etag, "Range": "bytes=0-3"},
        {"If-Modified-Since": last_modified, "Range": "bytes=2-"},
    ]


@pytest.mark.parametrize("name", list(FILES))
@pytest.mark.parametrize("max_age", [None, 0, 3600, timedelta(hours=2)])
def test_file_requests_get_what_werkzeug_gives(app: Erlen, name: str, max_age: t.Any) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = max_age
    path = "/files/" + name
    etag, last_modified = validators(app, path)
    shortcuts: list[object] = []
    real = erlen.helpers.file_response

    def counting(*args: t.Any) -> t.Any:
        response = real(*args)
        if response is not None:
            shortcuts.append(response)
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(erlen.helpers, "file_response", counting)
        for headers in header_sets(etag, last_modified):
            for method in ("GET", "HEAD"):
                fast, slow = both_ways(app, path, headers, method)
                assert fast == slow, (name, max_age, headers, method)
    # The shortcut answered every request without Range, If-Range or If-Match (14 of
    # the header sets, GET and HEAD), 8 sets of them with a 304; it leaves to
    # Werkzeug names that need a non-ASCII filename.
    eligible = name.isascii()
    assert len(shortcuts) == (28 if eligible else 0)
    assert sum(r.status_code == 304 for r in shortcuts) == (16 if eligible else 0)  # type: ignore[attr-defined]


def test_the_static_route_answers_304s_without_opening_the_file(
    app: Erlen, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.static_folder = str(tmp_path / "static")
    client = app.test_client()
    first = client.get("/static/style.css")
    etag = first.headers["ETag"]
    first.close()
    opened: list[str] = []
    real_open = open

    def spy(file: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    again = client.get("/static/style.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert "Content-Length" not in again.headers and again.data == b""
    assert not [path for path in opened if path.endswith("style.css")]
    # A changed file is a new ETag: a 200 with the new content.
    (tmp_path / "static" / "style.css").write_bytes(b"body { color: blue }")
    changed = client.get("/static/style.css", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.data == b"body { color: blue }"


def test_no_shortcut_for_missing_files_traversal_or_directories(app: Erlen) -> None:
    client = app.test_client()
    for path in ("/files/missing.txt", "/files/../secret", "/files/sub", "/files/sub/dir"):
        assert client.get(path, headers={"If-None-Match": "*"}).status_code == 404, path


@given(
    header=st.one_of(
        st.text(alphabet='"W/ ,*abc-0123456789.', max_size=40),
        st.sampled_from(['"1.5-10-7"', 'W/"1.5-10-7"', ' "1.5-10-7"', '"1.5-10-7" ', '""']),
    ),
    etag=st.sampled_from(["1.5-10-7", "abc", "a"]),
)
def test_an_if_none_match_naming_the_etag_alone_is_decided_as_werkzeug_does(
    header: str, etag: str
) -> None:
    from werkzeug.http import parse_etags

    from erlen._file_response import _names_etag

    if _names_etag(header, etag):
        assert parse_etags(header).contains_weak(etag), header
    if header in (f'"{etag}"', f'W/"{etag}"'):
        assert _names_etag(header, etag)


def test_a_304_sends_no_entity_headers_an_after_request_hook_adds(
    app: Erlen, tmp_path: pathlib.Path
) -> None:
    app.static_folder = str(tmp_path / "static")

    @app.after_request
    def add(response: t.Any) -> t.Any:
        response.headers["Content-Type"] = "text/css"
        response.headers["Last-Modified"] = http_date(10**6)
        response.headers["Expires"] = http_date(10**9)
        response.headers["X-Kept"] = "yes"
        return response

    client = app.test_client()
    etag = client.get("/static/style.css").headers["ETag"]
    again = client.get("/static/style.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert "Content-Type" not in again.headers and "Last-Modified" not in again.headers
    assert again.headers["Expires"] == http_date(10**9)  # kept, as Werkzeug keeps it
    assert again.headers["X-Kept"] == "yes"


def test_head_of_a_file_closes_it(
    app: Erlen, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.static_folder = str(tmp_path / "static")
    handles: list[t.Any] = []
    real_open = open

    def spy(file: t.Any, *args: t.Any, **kwargs: t.Any) -> t.Any:
        handle = real_open(file, *args, **kwargs)
        if str(file).endswith("notes.txt"):
            handles.append(handle)
        return handle

    monkeypatch.setattr("builtins.open", spy)
    response = app.test_client().head("/static/notes.txt")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["Content-Length"] == str(len(FILES["notes.txt"]))
    assert handles and all(handle.closed for handle in handles)


def test_the_date_header_follows_the_clock(
    app: Erlen, monkeypatch: pytest.MonkeyPatch
) -> None:
    import erlen._file_response as file_response

    client = app.test_client()
    for now in (10**9, 10**9 + 0.5, 10**9 + 1, 2 * 10**9):
        monkeypatch.setattr(file_response, "time", lambda now=now: now)
        assert client.get("/files/notes.txt").headers["Date"] == http_date(int(now))


def test_the_static_folder_follows_root_path_and_folder_changes(
    app: Erlen, tmp_path: pathlib.Path
) -> None:
    other = tmp_path / "other"
    (other / "assets").mkdir(parents=True)
    (other / "assets" / "notes.txt").write_bytes(b"other notes")
    app.static_folder = "static"
    client = app.test_client()
    assert app.static_folder == str(tmp_path / "static")
    assert client.get("/files/notes.txt").data == b"plain text"
    app.root_path = str(other)
    app.static_folder = "assets"
    assert app.static_folder == str(other / "assets")
    with app.test_request_context():
        response = app.send_static_file("notes.txt")
        assert b"".join(response.response) == b"other notes"
        response.close()


def test_file_headers_written_once_a_second_follow_the_clock_and_the_file(
    app: Erlen, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import erlen._file_response as file_response

    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60
    client = app.test_client()
    for now in (10**9, 10**9 + 0.25, 10**9 + 0.75, 10**9 + 1, 10**9 + 1.5, 10**9 + 7):
        monkeypatch.setattr(file_response, "time", lambda now=now: now)
        for _ in range(2):
            headers = client.get("/files/notes.txt").headers
            assert headers["Date"] == http_date(int(now))
            assert headers["Expires"] == http_date(int(now) + 60)
            assert headers["Cache-Control"] == "public, max-age=60"
    monkeypatch.undo()
    first = client.get("/files/notes.txt")
    path = tmp_path / "static" / "notes.txt"
    path.write_bytes(b"longer plain text")
    stat = path.stat()
    import os

    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    second = client.get("/files/notes.txt")
    assert second.data == b"longer plain text"
    assert second.headers["Content-Length"] == "17"
    assert second.headers["ETag"] != first.headers["ETag"]
    assert second.headers["Last-Modified"] != first.headers["Last-Modified"]
    # The cached headers are the slow path's, request after request.
    for headers in ({}, {"If-None-Match": second.headers["ETag"]}):
        fast, slow = both_ways(app, "/files/notes.txt", headers)
        assert fast == slow


def test_a_mimetype_added_later_is_seen(app: Erlen) -> None:
    import mimetypes

    client = app.test_client()
    assert client.get("/files/file.bin").headers["Content-Type"] == "application/octet-stream"
    mimetypes.add_type("application/x-erlen-test", ".bin")
    try:
        headers = client.get("/files/file.bin").headers
        assert headers["Content-Type"] == "application/x-erlen-test"
    finally:
        mimetypes.init()


@pytest.mark.parametrize("etag", [False, True])
def test_a_hook_that_changes_a_file_responses_headers_gets_them_checked(
    app: Erlen, etag: bool
) -> None:
    state = {"value": None}

    @app.after_request
    def change(response: t.Any) -> t.Any:
        if state["value"] is not None:
            response.headers["Cache-Control"] = state["value"]
        return response

    headers = {}
    if etag:
        headers["If-None-Match"] = validators(app, "/files/notes.txt")[0]
    client = app.test_client()

    for _ in range(2):
        state["value"] = "fine"
        sent = client.get("/files/notes.txt", headers=headers)
        assert sent.status_code == (304 if etag else 200)
        assert sent.headers["Cache-Control"] == "fine"
        state["value"] = "bad\x01value"
        assert client.get("/files/notes.txt", headers=headers).status_code == 500


_KNOWN_SUFFIXES = sorted(
    {*__import__("mimetypes").types_map, *__import__("mimetypes").encodings_map}
    | {*__import__("mimetypes").suffix_map, ".Gz", ".TXT", ".JS", ".unknown", "."}
)


@given(
    stem=st.text(alphabet="ab.", max_size=4),
    first=st.sampled_from(_KNOWN_SUFFIXES),
    second=st.sampled_from(["", *_KNOWN_SUFFIXES]),
)
def test_the_type_of_a_file_name_is_what_mimetypes_guesses(
    stem: str, first: str, second: str
) -> None:
    import mimetypes
    import posixpath

    from erlen._file_response import _guess_type

    name = stem + first + second
    assert _guess_type(name, posixpath.splitext(name)[1]) == mimetypes.guess_type(name)


def test_the_type_of_a_file_name_follows_the_mimetypes_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mimetypes

    from erlen._file_response import _guess_type

    assert _guess_type("a.erlentest", ".erlentest") == (None, None)
    try:
        mimetypes.add_type("application/x-one", ".erlentest")
        assert _guess_type("a.erlentest", ".erlentest") == ("application/x-one", None)
        mimetypes.add_type("application/x-two", ".erlentest")  # replaces, same size
        assert _guess_type("a.ERLENTEST", ".ERLENTEST") == ("application/x-two", None)
    finally:
        mimetypes.init()
    assert _guess_type("a.erlentest", ".erlentest") == (None, None)
    monkeypatch.setattr(mimetypes, "guess_type", lambda name, strict=True: ("x/patched", None))
    assert _guess_type("a.txt", ".txt") == ("x/patched", None)


def test_a_header_that_only_compares_equal_gets_the_full_check(app: Erlen) -> None:
    # A hook that swaps a header for an object merely equal to it (here one whose
    # text would split the response) is not taken for the checked header.
    class Liar(str):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

    swap = {"on": False}

    @app.after_request
    def liar(response: t.Any) -> t.Any:
        if swap["on"]:
            items = response.headers._list
            name, _ = items[0]
            items[0] = (name, Liar("x\r\nSet-Cookie: admin=1"))
        return response

    client = app.test_client()
    assert client.get("/files/notes.txt").status_code == 200
    swap["on"] = True
    sent = client.get("/files/notes.txt")
    assert sent.status_code == 500
    assert "admin" not in sent.headers.get("Set-Cookie", "")


def test_a_guess_type_patched_on_the_database_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import mimetypes

    from erlen._file_response import _guess_type

    mimetypes.guess_type("a.txt")  # the database exists
    monkeypatch.setattr(
        mimetypes.MimeTypes, "guess_type", lambda self, url, strict=True: ("x/class", None)
    )
    assert _guess_type("a.txt", ".txt") == ("x/class", None)
    monkeypatch.undo()
    monkeypatch.setattr(mimetypes._db, "guess_type", lambda url, strict=True: ("x/db", None))  # type: ignore[attr-defined]
    assert _guess_type("a.txt", ".txt") == ("x/db", None)
    monkeypatch.undo()
    assert _guess_type("a.txt", ".txt") == ("text/plain", None)
    try:
        mimetypes.add_type("application/x-upper", ".ERLENUP")
        assert _guess_type("a.ERLENUP", ".ERLENUP") == mimetypes.guess_type("a.ERLENUP")
    finally:
        mimetypes.init()
