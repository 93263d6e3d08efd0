"""The response to a GET or HEAD of a file from a folder, built directly.

Werkzeug's ``send_file`` sets each header through ``Headers``, parses back the dates
it has just written, and answers a conditional request by building the whole 200
response first (the file opened) and then turning it into a 304; a revalidation
cost more than sending the file. For the requests a browser sends (no ``Range``,
``If-Range`` or ``If-Match``), :func:`file_response` decides with Werkzeug's own
rules from one ``stat`` and builds the 200 or 304 with the headers, order and body
Werkzeug's would have; its 304, like Werkzeug's, is the 200 with the status changed,
but the file is opened only if a hook makes it a 200 again
(``tests/test_file_response.py`` compares the two). Any other request is still
Werkzeug's ``send_file``.
"""

from __future__ import annotations

import mimetypes
import os
import posixpath
import stat
import typing as t
from functools import lru_cache
from time import time
from zlib import adler32

from werkzeug.http import dump_options_header, http_date, is_resource_modified, parse_etags
from werkzeug.utils import get_content_type
from werkzeug.wrappers import response as werkzeug_response
from werkzeug.wsgi import wrap_file

from .wrappers import Checked, FileOnDemand, response_of

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
    info: os.stat_result | None = None,
) -> Response | None:
    """What Werkzeug's ``send_file(path, conditional=True)`` would answer this request
    (a 200 or a 304), or None when this leaves it to Werkzeug. ``info`` is the file's
    ``stat`` when the caller has it."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    for name in _FULL_CONDITIONAL:
        if name in environ:
            return None
    if info is None:
        try:
            info = os.stat(path)
        except OSError:
            return None
    if not stat.S_ISREG(info.st_mode):
        return None
    facts = _facts_of(path, info.st_mtime, info.st_size)
    if facts is None:
        return None  # Content-Disposition with filename*, or a name Werkzeug refuses
    name, etag, _, _, last_modified, ext = facts
    mimetype, encoding = _guess_type(name, ext)
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match and _names_etag(if_none_match, etag):
        # What is_resource_modified decides without If-Match or If-Range: a non-empty
        # If-None-Match alone, whatever If-Modified-Since says.
        unmodified = True
    elif if_none_match and (etags := parse_etags(if_none_match)):
        unmodified = etags.contains_weak(etag)
    elif "HTTP_IF_MODIFIED_SINCE" in environ:
        unmodified = not is_resource_modified(environ, etag=etag, last_modified=last_modified)
    else:
        unmodified = False
    headers, checked = _headers_for(path, info, max_age, mimetype, encoding, facts)
    if unmodified:
        # Werkzeug's 304 is its 200 with the status changed: the same headers and the
        # file as the body, which is opened here only if a hook makes it a 200 again.
        return response_of(response_class, FileOnDemand(path), 304, headers, True, checked)
    body = wrap_file(environ, open(path, "rb"))  # noqa: SIM115 (the response closes it)
    return response_of(response_class, body, 200, headers, True, checked)


#: Per file (path, mtime, size and max_age): the second its headers were written for,
#: its type and encoding, and the headers as checked (see ``Response._checked``).
_written: dict[tuple[str, float, int, int | None], tuple[int, str | None, str | None, Checked]] = {}


def _headers_for(
    path: str,
    info: os.stat_result,
    max_age: int | None,
    mimetype: str | None,
    encoding: str | None,
    facts: _Facts,
) -> tuple[list[tuple[str, str]], Checked | None]:
    """The headers of a file's 200 (and 304), written once a second per file: only
    ``Date`` and ``Expires`` change with the clock. Returns a fresh list (hooks may
    change it) and the record of the same headers checked as safe to send."""
    second = int(time())
    key = (path, info.st_mtime, info.st_size, max_age)
    written = _written.get(key)
    # A patched http_date (a frozen clock) is called for each response, as Werkzeug's.
    clock = werkzeug_response.http_date is _werkzeug_http_date  # type: ignore[attr-defined]
    if (
        written is not None
        and written[0] == second
        and written[1] == mimetype
        and written[2] == encoding
        and clock
    ):
        known = written[3]
        return list(known.items), known
    _, etag, disposition, length, last_modified, _ = facts
    # A 304 has the 200's headers, as Werkzeug's (its after_request hooks see them);
    # Content-Type, Length, Encoding and Last-Modified are left out when it is sent.
    headers = [
        ("Content-Disposition", disposition),
        ("Content-Type", _content_type(mimetype or "application/octet-stream")),
        ("Content-Length", length),
        ("Last-Modified", last_modified),
    ]
    if encoding is not None:
        headers.insert(0, ("Content-Encoding", encoding))
    if max_age is None:
        headers.append(("Cache-Control", "no-cache"))
    else:
        if max_age > 0:
            headers.append(("Cache-Control", f"public, max-age={max_age}"))
        else:
            headers.append(("Cache-Control", f"no-cache, max-age={max_age}"))
        headers.append(("Expires", http_date(second + max_age)))  # kept in a 304 too
    headers += [("ETag", f'"{etag}"'), ("Date", _date_now()), ("Accept-Ranges", "bytes")]
    checked = Checked.of(headers)
    if checked is not None and clock:
        if len(_written) >= 1024:
            _written.clear()
        _written[key] = (second, mimetype, encoding, checked)
    return headers, checked


def _names_etag(header: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` value is just this ETag, as a browser revalidates
    (``parse_etags`` decides anything else)."""
    n = len(etag)
    if header[-1:] != '"' or len(header) not in (n + 2, n + 4):
        return False
    return header[-n - 1 : -1] == etag and header[: -n - 1] in ('"', 'W/"')


_content_type = lru_cache(maxsize=64)(lambda mimetype: get_content_type(mimetype, "utf-8"))
_werkzeug_http_date = werkzeug_response.http_date  # type: ignore[attr-defined]
#: The last second a Date was written for, and that Date (replaced as one).
_date_cache: tuple[int, str] = (-1, "")


def _date_now() -> str:
    """The ``Date`` header for now, formatted once per second. Werkzeug's
    ``make_conditional`` writes it with the ``http_date`` of its response module;
    a function patched in there (a frozen clock) is called instead."""
    patched = werkzeug_response.http_date  # type: ignore[attr-defined]
    if patched is not _werkzeug_http_date:
        return patched()
    global _date_cache
    second = int(time())
    cached = _date_cache
    if cached[0] != second:
        cached = _date_cache = (second, http_date(second))
    return cached[1]


#: A file's name, ETag, Content-Disposition, Content-Length and Last-Modified as
#: Werkzeug writes them, and the name's extension (None if it has a ":").
_Facts = tuple[str, str, str, str, str, "str | None"]
#: What a file's path, mtime and size decide, kept for the last files sent.
_facts: dict[tuple[str, float, int], _Facts | None] = {}


def _facts_of(path: str, mtime: float, size: int) -> _Facts | None:
    """The :data:`_Facts` of a file; None for a name this leaves to Werkzeug (not
    ASCII, or not printable)."""
    key = (path, mtime, size)
    facts = _facts.get(key, _facts)
    if facts is not _facts:
        return facts  # type: ignore[return-value]
    name = os.path.basename(path)
    facts = None
    if name.isascii() and name.isprintable():
        disposition = dump_options_header("inline", {"filename": name})
        etag = f"{mtime}-{size}-{adler32(path.encode()) & 0xFFFFFFFF}"
        # (A ":" could make the name a URL with a scheme to mimetypes.)
        ext = None if ":" in name else posixpath.splitext(name)[1]
        facts = (name, etag, disposition, str(size), http_date(mtime), ext)
    if len(_facts) >= 1024:
        _facts.clear()
    _facts[key] = facts
    return facts


_stdlib_guess_type = mimetypes.guess_type
_stdlib_db_guess_type = mimetypes.MimeTypes.guess_type


def _guess_type(name: str, ext: str | None) -> tuple[str | None, str | None]:
    """``mimetypes.guess_type(name)`` (as Werkzeug asks it), read straight from the
    live type map for a name whose extension (``ext``, its ``splitext`` one) is lower
    case and neither a suffix alias nor an encoding: every Python version looks such
    an extension up alike. Anything else, or a ``guess_type`` patched on the module,
    the class or the database, asks ``mimetypes``."""
    db = mimetypes._db  # type: ignore[attr-defined]
    if (
        ext is None
        or type(db) is not mimetypes.MimeTypes
        or mimetypes.guess_type is not _stdlib_guess_type
        or mimetypes.MimeTypes.guess_type is not _stdlib_db_guess_type
        or "guess_type" in db.__dict__
        or ext in db.suffix_map
        or ext in db.encodings_map
        or not ext.islower()
    ):
        return mimetypes.guess_type(name)
    return db.types_map[True].get(ext), None
