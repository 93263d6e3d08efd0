"""The ``304 Not Modified`` answer for a file, without opening it.

Werkzeug's ``send_file`` answers a conditional request by building the whole 200
response (it opens the file, sets every header) and then turning it into a 304;
a revalidation cost more than sending the file. For the requests browsers send
when revalidating (``If-None-Match`` and/or ``If-Modified-Since``, no ``Range``,
``If-Range`` or ``If-Match``), :func:`not_modified` decides with Werkzeug's own
``is_resource_modified`` from one ``stat`` and builds the 304 with the headers
Werkzeug's would have, in the same order (``tests/test_static_files.py`` compares
the two). Everything else, and any 200, is still Werkzeug's ``send_file``.
"""

from __future__ import annotations

import mimetypes
import os
import stat
import typing as t
from time import time
from zlib import adler32

from werkzeug.http import dump_options_header, http_date, is_resource_modified, parse_etags

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .wrappers import Response

#: Request headers that need Werkzeug's full conditional handling (ranges, 412).
_FULL_CONDITIONAL = ("HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MATCH")


def not_modified(
    path: str,
    environ: WSGIEnvironment,
    max_age: int | None,
    response_class: type[Response],
) -> Response | None:
    """The 304 response Werkzeug's ``send_file(path, conditional=True)`` would give
    this request, or None when it would not give one (or this cannot tell)."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or (
        "HTTP_IF_NONE_MATCH" not in environ and "HTTP_IF_MODIFIED_SINCE" not in environ
    ):
        return None
    for name in _FULL_CONDITIONAL:
        if name in environ:
            return None
    download_name = os.path.basename(path)
    if not download_name.isascii() or mimetypes.guess_type(download_name)[1] is not None:
        return None  # Content-Disposition with filename*, or a Content-Encoding header
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    mtime = info.st_mtime
    etag = f"{mtime}-{info.st_size}-{adler32(path.encode()) & 0xFFFFFFFF}"
    if_none_match = parse_etags(environ.get("HTTP_IF_NONE_MATCH"))
    if if_none_match:
        # What is_resource_modified decides when there is no If-Match or If-Range:
        # a non-empty If-None-Match alone, whatever If-Modified-Since says.
        if not if_none_match.contains_weak(etag):
            return None
    elif is_resource_modified(environ, etag=etag, last_modified=http_date(mtime)):
        return None
    now = time()
    headers = [
        ("Content-Disposition", dump_options_header("inline", {"filename": download_name}))
    ]
    if max_age is None:
        headers.append(("Cache-Control", "no-cache"))
    else:
        if max_age > 0:
            headers.append(("Cache-Control", f"public, max-age={max_age}"))
        else:
            headers.append(("Cache-Control", f"no-cache, max-age={max_age}"))
        headers.append(("Expires", http_date(int(now + max_age))))  # kept in a 304
    headers += [
        ("ETag", f'"{etag}"'),
        ("Date", http_date(int(now))),
        ("Accept-Ranges", "bytes"),
    ]
    return response_class(status=304, headers=headers)
