"""The response to a GET or HEAD of a file from a folder, built directly.

Werkzeug's ``send_file`` sets each header through ``Headers``, parses back the dates
it has just written, and answers a conditional request by building the whole 200
response first (the file opened) and then turning it into a 304; a revalidation
cost more than sending the file. For the requests a browser sends (no ``Range``,
``If-Range`` or ``If-Match``), :func:`file_response` decides with Werkzeug's own
rules from one ``stat`` and builds the 200 or 304 with the headers, order and body
Werkzeug's would have (``tests/test_file_response.py`` compares the two). Any
other request is still Werkzeug's ``send_file``.
"""

from __future__ import annotations

import mimetypes
import os
import stat
import typing as t
from time import time
from zlib import adler32

from werkzeug.http import dump_options_header, http_date, is_resource_modified, parse_etags
from werkzeug.utils import get_content_type
from werkzeug.wrappers import response as werkzeug_response
from werkzeug.wsgi import wrap_file

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .wrappers import Response

#: Request headers that need Werkzeug's full conditional handling (ranges, 412).
_FULL_CONDITIONAL = ("HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MATCH")


def file_response(
    path: str,
    environ: WSGIEnvironment,
    max_age: int | None,
    response_class: type[Response],
) -> Response | None:
    """What Werkzeug's ``send_file(path, conditional=True)`` would answer this request
    (a 200 or a 304), or None when this leaves it to Werkzeug."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    for name in _FULL_CONDITIONAL:
        if name in environ:
            return None
    download_name = os.path.basename(path)
    if not download_name.isascii():
        return None  # Content-Disposition with filename*
    mimetype, encoding = mimetypes.guess_type(download_name)
    if encoding is not None:
        return None  # a Content-Encoding header
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    mtime, size = info.st_mtime, info.st_size
    etag = f"{mtime}-{size}-{adler32(path.encode()) & 0xFFFFFFFF}"
    if_none_match = parse_etags(environ.get("HTTP_IF_NONE_MATCH"))
    if if_none_match:
        # What is_resource_modified decides without If-Match or If-Range: a non-empty
        # If-None-Match alone, whatever If-Modified-Since says.
        unmodified = if_none_match.contains_weak(etag)
    elif "HTTP_IF_MODIFIED_SINCE" in environ:
        unmodified = not is_resource_modified(
            environ, etag=etag, last_modified=http_date(mtime)
        )
    else:
        unmodified = False
    now = time()
    headers = [
        ("Content-Disposition", dump_options_header("inline", {"filename": download_name}))
    ]
    if not unmodified:
        headers += [
            ("Content-Type", get_content_type(mimetype or "application/octet-stream", "utf-8")),
            ("Content-Length", str(size)),
            ("Last-Modified", http_date(mtime)),
        ]
    if max_age is None:
        headers.append(("Cache-Control", "no-cache"))
    else:
        if max_age > 0:
            headers.append(("Cache-Control", f"public, max-age={max_age}"))
        else:
            headers.append(("Cache-Control", f"no-cache, max-age={max_age}"))
        headers.append(("Expires", http_date(int(now + max_age))))  # kept in a 304 too
    headers += [
        ("ETag", f'"{etag}"'),
        # As make_conditional writes it (looked up there: a clock frozen there holds).
        ("Date", werkzeug_response.http_date()),  # type: ignore[attr-defined]
        ("Accept-Ranges", "bytes"),
    ]
    if unmodified:
        return response_class(status=304, headers=headers)
    body = wrap_file(environ, open(path, "rb"))  # noqa: SIM115 (the response closes it)
    return response_class(body, headers=headers, direct_passthrough=True)
