"""Edge cases of erlen's direct file responses (``erlen._file_response``,
``erlen.helpers.send_from_directory``) against what Flask does: Werkzeug's
``send_from_directory`` called with Flask's arguments, and real Flask.

The failing tests mark where erlen's answer differs from Werkzeug's (or is unsafe);
the passing ones pin edge cases compared with Werkzeug itself (the existing tests
compare erlen's shortcut with erlen's own fallback).
"""

from __future__ import annotations

import os
import pathlib
import time
import typing as t
from datetime import timedelta

import flask
import pytest
import werkzeug.utils
from werkzeug.http import parse_date
from werkzeug.test import run_wsgi_app

import erlen
from erlen import Erlen, send_from_directory

CONTENT = b"hello file"


@pytest.fixture
def root(tmp_path: pathlib.Path) -> pathlib.Path:
    static = tmp_path / "static"
    (static / "sub").mkdir(parents=True)
    (static / "a.txt").write_bytes(CONTENT)
    (static / "style.css").write_bytes(b"body{}")
    (static / "app.js.gz").write_bytes(b"gz")
    (static / "tab\tname.txt").write_bytes(b"tab")
    (static / "sub" / "b.js").write_bytes(b"js")
    os.symlink(static / "a.txt", static / "inside-link.txt")
    os.symlink(static / "sub", static / "sublink")
    return tmp_path


def clocked(headers: t.Iterable[tuple[str, str]]) -> list[tuple[str, t.Any]]:
    out: list[tuple[str, t.Any]] = []
    for name, value in headers:
        if name in ("Date", "Expires"):
            stamp = parse_date(value)
            assert stamp is not None
            value = round((stamp.timestamp() - time.time()) / 60)
        out.append((name, value))
    return out


def werkzeug_reference(app: Erlen, directory: str, name: str, **kwargs: t.Any) -> t.Any:
    """What Flask's ``send_from_directory`` returns: Werkzeug's function with the
    arguments Flask's ``_prepare_send_file_kwargs`` gives it."""
    from erlen import request

    if kwargs.get("max_age") is None:
        kwargs["max_age"] = app.get_send_file_max_age
    return werkzeug.utils.send_from_directory(
        directory,
        name,
        request.environ,
        use_x_sendfile=app.config["USE_X_SENDFILE"],
        response_class=app.response_class,
        _root_path=app.root_path,
        **kwargs,
    )


def wire(response: t.Any, environ: dict[str, t.Any]) -> tuple[str, list[t.Any], bytes]:
    app_iter, status, headers = run_wsgi_app(response, environ)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return status, clocked(headers.to_wsgi_list()), body


def compare(
    app: Erlen,
    directory: str,
    name: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    **kwargs: t.Any,
) -> tuple[t.Any, t.Any]:
    """erlen's and Werkzeug's answers: what an after_request hook sees, and the wire."""
    results = []
    for make in (send_from_directory, lambda d, n, **kw: werkzeug_reference(app, d, n, **kw)):
        with app.test_request_context(f"/{name}", method=method, headers=headers or {}) as ctx:
            response = make(directory, name, **kwargs)
            seen = (response.status, clocked(response.headers.to_wsgi_list()))
            results.append((seen, wire(response, dict(ctx.request.environ))))
    return results[0], results[1]


def test_a_float_max_age_is_written_as_werkzeug_writes_it(root: pathlib.Path) -> None:
    """A ``get_send_file_max_age`` override returning a float (``timedelta(...)
    .total_seconds()`` is one) gives ``Cache-Control: public, max-age=3600`` in
    Werkzeug, whose ``cache_control.max_age`` stores an int. erlen's
    ``file_response`` (src/erlen/_file_response.py) formats the number as given:
    ``public, max-age=3600.0``."""

    class App(Erlen):
        def get_send_file_max_age(self, filename: str | None) -> t.Any:
            return timedelta(hours=1).total_seconds()

    app = App(__name__, root_path=str(root))
    ours, theirs = compare(app, "static", "a.txt")
    assert dict(theirs[0][1])["Cache-Control"] == "public, max-age=3600"
    assert ours == theirs


def test_a_callable_max_age_given_to_send_from_directory_is_called(root: pathlib.Path) -> None:
    """Flask's ``send_from_directory(..., max_age=f)`` accepts a callable, which
    Werkzeug calls with the file's path. erlen's shortcut
    (src/erlen/helpers.py ``send_from_directory``, taken when ``max_age`` is the only
    keyword) hands the function to ``file_response``, which compares it with 0:
    ``TypeError``, a 500."""
    app = Erlen(__name__, root_path=str(root))
    calls: list[str] = []

    def max_age(path: str | None) -> int:
        calls.append(str(path))
        return 77

    ours, theirs = compare(app, "static", "a.txt", max_age=max_age)
    assert dict(theirs[0][1])["Cache-Control"] == "public, max-age=77"
    assert ours == theirs


def test_a_304_an_after_request_hook_turns_into_a_200_sends_the_file(
    root: pathlib.Path,
) -> None:
    """Werkzeug's 304 from ``send_file`` is the 200 response (the file attached) with
    its status changed, so a hook that sets ``status_code = 200`` sends the file,
    with its Content-Length. erlen's 304 (``file_response`` → ``response_of(..., [],
    304, headers)``) has an empty body but keeps the 200's Content-Length header: the
    hook's 200 goes out as ``Content-Length: 10`` with no body, a malformed message
    (a keep-alive client waits for 10 bytes that never come)."""
    assert flask.Flask is not erlen.Erlen

    def build(module: t.Any) -> t.Any:
        app = (module.Flask if module is flask else module.Erlen)(__name__, root_path=str(root))

        @app.route("/f/<path:name>")
        def files(name: str) -> t.Any:
            return module.send_from_directory("static", name)

        @app.after_request
        def no_304(response: t.Any) -> t.Any:
            if response.status_code == 304:
                response.status_code = 200  # e.g. a proxy in front mishandles 304s
            return response

        return app

    etag = build(flask).test_client().get("/f/a.txt").headers["ETag"]
    results = []
    for module in (erlen, flask):
        response = build(module).test_client().get("/f/a.txt", headers={"If-None-Match": etag})
        results.append((response.status, response.headers.get("Content-Length"), response.data))
    assert results[1] == ("200 OK", str(len(CONTENT)), CONTENT)
    assert results[0] == results[1]


def test_a_304_is_the_response_object_werkzeug_gives_hooks(root: pathlib.Path) -> None:
    """What an after_request hook sees of a revalidated file: Werkzeug's 304 is in
    passthrough mode (``direct_passthrough`` True, not a sequence, streamed, and
    ``get_data()`` refuses with RuntimeError), as the 200 is; hooks test
    ``direct_passthrough`` / ``is_streamed`` to leave file responses alone. erlen's
    304 (``response_of`` in src/erlen/wrappers.py, built with ``[]``) is a buffered
    empty response (``direct_passthrough`` False, a sequence, ``get_data()`` b"")."""
    app = Erlen(__name__, root_path=str(root))
    with app.test_request_context("/"):
        etag = werkzeug_reference(app, "static", "a.txt").headers["ETag"]

    def shape(response: t.Any) -> tuple[t.Any, ...]:
        try:
            data: t.Any = response.get_data()
        except RuntimeError:
            data = RuntimeError
        return (
            response.status_code,
            response.direct_passthrough,
            response.is_sequence,
            response.is_streamed,
            data,
        )

    shapes = []
    for make in (send_from_directory, lambda d, n: werkzeug_reference(app, d, n)):
        with app.test_request_context("/", headers={"If-None-Match": etag}):
            response = make("static", "a.txt")
            shapes.append(shape(response))
            response.close()
    assert shapes[1] == (304, True, False, True, RuntimeError)
    assert shapes[0] == shapes[1]


def test_an_empty_directory_gives_werkzeugs_etag(root: pathlib.Path) -> None:
    """``send_from_directory("", "static/a.txt")``: Werkzeug's ``safe_join`` turns an
    empty directory into ``.``, so the file's path is ``<root>/./static/a.txt`` and
    its ETag's checksum is of that path. erlen joins the root with "" first
    (src/erlen/helpers.py) and checksums ``<root>/static/a.txt``: another ETag, so
    every cached copy made under Flask is refetched."""
    app = Erlen(__name__, root_path=str(root))
    ours, theirs = compare(app, "", "static/a.txt")
    assert ours == theirs


CASES = [
    ("static", "a.txt", {}, "GET"),
    ("static", "a.txt", {}, "HEAD"),
    ("static", "style.css", {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}, "GET"),
    ("static", "app.js.gz", {}, "GET"),
    ("static", "tab\tname.txt", {}, "GET"),
    ("static", "sub/b.js", {}, "GET"),
    ("static", "inside-link.txt", {}, "GET"),
    ("static", "sublink/b.js", {}, "HEAD"),
    ("static/", "a.txt", {}, "GET"),
    ("./static", "a.txt", {}, "GET"),
    ("static/sub/..", "a.txt", {}, "GET"),
]


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("max_age", [None, 0, 60])
def test_files_get_what_werkzeug_gives(root: pathlib.Path, case: int, max_age: t.Any) -> None:
    directory, name, headers, method = CASES[case]
    app = Erlen(__name__, root_path=str(root))
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = max_age
    ours, theirs = compare(app, directory, name, headers, method)
    assert ours == theirs


def test_an_absolute_directory_gets_what_werkzeug_gives(root: pathlib.Path) -> None:
    app = Erlen(__name__, root_path=str(root / "elsewhere"))
    ours, theirs = compare(app, str(root / "static"), "a.txt")
    assert ours == theirs


def test_a_revalidation_gets_what_werkzeug_gives(root: pathlib.Path) -> None:
    app = Erlen(__name__, root_path=str(root))
    with app.test_request_context("/"):
        reference = werkzeug_reference(app, "static", "a.txt")
        etag, last_modified = reference.headers["ETag"], reference.headers["Last-Modified"]
        reference.close()
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f"W/{etag}"},
        {"If-None-Match": f'"x", {etag}'},
        {"If-Modified-Since": last_modified},
        {"If-None-Match": '"x"', "If-Modified-Since": last_modified},
    ):
        for method in ("GET", "HEAD"):
            ours, theirs = compare(app, "static", "a.txt", headers, method)
            assert ours == theirs, (headers, method)


def test_a_file_wrapper_in_the_environ_carries_the_direct_200(root: pathlib.Path) -> None:
    """``wsgi.file_wrapper`` is used for the body, as Werkzeug's ``wrap_file`` uses it."""
    app = Erlen(__name__, root_path=str(root))
    wrapped: list[t.Any] = []

    class Wrapper:
        def __init__(self, file: t.Any, block_size: int = 8192) -> None:
            wrapped.append(file)
            self.file = file

        def __iter__(self) -> t.Iterator[bytes]:
            yield self.file.read()

        def close(self) -> None:
            self.file.close()

    with app.test_request_context("/", environ_base={"wsgi.file_wrapper": Wrapper}) as ctx:
        response = send_from_directory("static", "a.txt")
        assert isinstance(response.response, Wrapper)
        assert wire(response, dict(ctx.request.environ))[2] == CONTENT
    assert wrapped and wrapped[0].closed


def test_the_404s_are_werkzeugs(root: pathlib.Path) -> None:
    from werkzeug.exceptions import NotFound

    app = Erlen(__name__, root_path=str(root))
    names = ("missing.txt", "../static/a.txt", "/etc/passwd", "sub", "a.txt/x", "a\x00.txt", "")
    for name in names:
        for make in (send_from_directory, lambda d, n: werkzeug_reference(app, d, n)):
            with app.test_request_context("/"), pytest.raises(NotFound):
                make("static", name)
